from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.regions import PLACEHOLDER_SCHEMA
from backend_architect.core.registry import Rule
from backend_architect.core.sql import matching_paren, quote_ident, walk


class NotInSubquery(Rule):
    """
    ## What it does
    Flags `x NOT IN (SELECT ...)`.

    ## Why is this bad?
    If the subquery returns a single NULL, `NOT IN` is never true and the query
    silently returns no rows. Postgres also cannot turn `NOT IN (subquery)`
    into an anti-join, so it often runs as a hashed or, worse, a per-row
    subplan over the whole subquery result.

    ## Example
    ```sql
    SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM bans);
    ```

    ## Use instead
    ```sql
    SELECT id FROM users
    WHERE NOT EXISTS (SELECT 1 FROM bans WHERE bans.user_id = users.id);
    ```
    The rewrite changes the result when the subquery yields NULLs (that is the
    bug being fixed), so the fix is marked unsafe: review it.

    Not flagged: a subquery that can never yield a NULL as the schema says: it
    selects a primary-key or `NOT NULL` column of its one table (or of a CTE
    that selects or `RETURNING`s it), `count(...)`, or `min`/`max` of such a
    column per `GROUP BY` group. There is no NULL trap
    then, and Postgres hashes the (usually small) subquery result.

    Off by default: on 25 real backend repositories (2026-11-27, after the
    NOT NULL resolution above) 1 of 2 scored findings was right (precision 50%; 1 true,
    1 false, 2 noise), and earlier samples found mostly one-off cleanups over
    small tables (1 true, 3 false, 19 noise in all). A schema the catalog
    cannot read (tables created in Go strings) leaves a primary key unknown.
    Select `QO005` to run it.
    """

    code = "QO005"
    name = "not-in-subquery"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "NOT IN (subquery) returns nothing when the subquery yields a NULL and cannot become an anti-join; use NOT EXISTS"
    fix_title = "rewrite to NOT EXISTS"
    fix_safety = Applicability.UNSAFE
    default_enabled = False
    reads_schema = True  # uses the schema when there is one (NOT NULL columns); runs without it
    statement_kinds = (
        "SelectStmt",
        "UpdateStmt",
        "DeleteStmt",
        "InsertStmt",
        "MergeStmt",
        "ViewStmt",
        "CreateTableAsStmt",
    )

    def check_statement(self, stmt, ctx):
        if not (stmt.mentions("NOT_EXPR") and stmt.mentions("ANY_SUBLINK")):
            return
        ctes = _ctes(stmt.node) if stmt.mentions("CommonTableExpr") else {}
        for select in _scopes(stmt):
            for sub in _not_in_sublinks(select.get("whereClause")):
                if _never_null(sub, _Schema(ctx), ctes):
                    continue
                not_tok = stmt.find_token("NOT", start=sub.get("location", 0))
                if not_tok is None:
                    continue
                in_tok = stmt.find_token("IN_P", start=not_tok.end)
                open_tok = stmt.find_token("ASCII_40", start=in_tok.end) if in_tok else None
                close_tok = matching_paren(stmt, open_tok) if open_tok else None
                fix = None
                if close_tok is not None:
                    fix = self._fix(stmt, ctx, select, sub, not_tok, close_tok)
                end = close_tok.end if close_tok else not_tok.end
                yield ctx.finding(self, stmt, not_tok.start, in_tok.end if in_tok else end, fix=fix)

    def _fix(self, stmt, ctx, outer, sub, not_tok, close_tok):
        inner = sub.get("subselect", {}).get("SelectStmt", {})
        targets = inner.get("targetList") or []
        froms = inner.get("fromClause") or []
        if (
            len(targets) != 1
            or len(froms) != 1
            or "RangeVar" not in froms[0]
            or inner.get("groupClause")
            or inner.get("distinctClause")
            or inner.get("limitCount")
            or inner.get("op", "SETOP_NONE") != "SETOP_NONE"
        ):
            return None
        test = sub.get("testexpr", {}).get("ColumnRef")
        target = (targets[0].get("ResTarget") or {}).get("val", {}).get("ColumnRef")
        if not test or not target:
            return None
        # qualify both sides so the outer column cannot bind to the inner table
        outer_alias = _single_alias(outer)
        inner_rv = froms[0]["RangeVar"]
        inner_alias = (inner_rv.get("alias") or {}).get("aliasname") or inner_rv["relname"]
        test_fields = [f.get("String", {}).get("sval") for f in test.get("fields", [])]
        target_fields = [f.get("String", {}).get("sval") for f in target.get("fields", [])]
        if None in test_fields or None in target_fields:
            return None
        if len(test_fields) == 1:
            if outer_alias is None:
                return None
            test_fields = [outer_alias] + test_fields
        if len(target_fields) == 1:
            target_fields = [inner_alias] + target_fields
        if (
            outer_alias
            and len(test_fields) == 2
            and test_fields[0].lower() == inner_alias.lower()
            and not ((inner_rv.get("alias") or {}).get("aliasname"))
        ):
            return None  # same table on both sides without an alias: ambiguous
        from_start = inner_rv["location"]
        from_end = _end_of_from(stmt, from_start, close_tok.start)
        from_text = ctx.source(stmt, from_start, from_end)
        cond = f"{'.'.join(map(quote_ident, target_fields))} = {'.'.join(map(quote_ident, test_fields))}"
        where = inner.get("whereClause")
        if where is not None:
            where_tok = stmt.find_token("WHERE", start=from_start)
            if where_tok is None or where_tok.start > close_tok.start:
                return None
            cond += f" AND ({ctx.source(stmt, where_tok.end, close_tok.start).strip()})"
        test_start = test.get("location", 0)
        replacement = f"NOT EXISTS (SELECT 1 FROM {from_text.strip()} WHERE {cond})"
        return self.fix([ctx.edit(stmt, test_start, close_tok.end, replacement)])


def _never_null(sub, catalog, ctes=None, depth: int = 0) -> bool:
    """The subquery's one output column is never NULL (from the schema)."""
    inner = sub.get("subselect", {}).get("SelectStmt", {})
    return _select_never_null(inner, None, catalog, ctes or {}, depth)


def _select_never_null(inner: dict, column: str | None, catalog, ctes: dict, depth: int) -> bool:
    """``inner``'s output column (its only one, or the one named ``column``) is never NULL."""
    targets = inner.get("targetList") or []
    froms = inner.get("fromClause") or []
    if inner.get("op", "SETOP_NONE") != "SETOP_NONE" or depth > 4:
        return False
    if column is not None:
        targets = [t for t in targets if _output_name(t) == column]
    if len(targets) != 1:
        return False
    val = (targets[0].get("ResTarget") or {}).get("val") or {}
    func = val.get("FuncCall")
    if func is not None:
        parts = [n.get("String", {}).get("sval", "") for n in func.get("funcname", [])]
        fname = parts[-1].lower() if parts else ""
        if fname == "count":
            return True
        args = func.get("args") or []
        if fname not in ("min", "max") or not inner.get("groupClause") or len(args) != 1:
            return False
        val = args[0]
    ref = val.get("ColumnRef")
    if ref is None or len(froms) != 1 or "RangeVar" not in froms[0]:
        return False
    fields = [f.get("String", {}).get("sval") for f in ref.get("fields", [])]
    if not fields or None in fields:
        return False
    return _column_never_null(froms[0]["RangeVar"], fields[-1].lower(), catalog, ctes, depth)


def _column_never_null(rv: dict, column: str, catalog, ctes: dict, depth: int) -> bool:
    """Column ``column`` of the table, view-free, or CTE named by ``rv`` is never NULL."""
    relname = (rv.get("relname") or "").lower()
    if not rv.get("schemaname") and relname in ctes:
        return _cte_never_null(ctes[relname], column, catalog, ctes, depth + 1)
    schema = rv.get("schemaname")
    name = (
        f"{schema}.{rv['relname']}"
        if schema and schema != PLACEHOLDER_SCHEMA
        else rv.get("relname")
    )
    return catalog.not_null(name, column)


class _Schema:
    """NOT NULL columns: from a CREATE TABLE earlier in this file, else the workspace's schema."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.catalog = getattr(ctx, "catalog", None)

    def not_null(self, name: str | None, column: str) -> bool:
        if not name:
            return False
        local = self._local(name.lower().rsplit(".", 1)[-1], column)
        if local is not None:
            return local
        table = self.catalog.table(name) if self.catalog is not None else None
        if table is None or table.kind != "table" or getattr(table, "redefined", False):
            return False
        if column in (c.lower() for c in table.primary_key):
            return True
        return any(c.name.lower() == column and not c.nullable for c in table.columns)

    def _local(self, bare: str, column: str) -> bool | None:
        for stmt in getattr(self.ctx, "statements", None) or ():
            if stmt.kind != "CreateStmt" or not stmt.node:
                continue
            if (stmt.node.get("relation") or {}).get("relname", "").lower() != bare:
                continue
            found = False
            for elt in stmt.node.get("tableElts") or []:
                col = elt.get("ColumnDef")
                cons = elt.get("Constraint")
                if col and (col.get("colname") or "").lower() == column:
                    kinds = {
                        (c.get("Constraint") or {}).get("contype")
                        for c in col.get("constraints") or []
                    }
                    found = bool(col.get("is_not_null")) or bool(
                        kinds & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}
                    )
                if cons and cons.get("contype") == "CONSTR_PRIMARY":
                    keys = [
                        k.get("String", {}).get("sval", "").lower() for k in cons.get("keys") or []
                    ]
                    found = found or column in keys
            return found
        return None


def _cte_never_null(query: dict, column: str, catalog, ctes: dict, depth: int) -> bool:
    """A CTE's column: from its SELECT, or from the RETURNING of its UPDATE/DELETE/INSERT."""
    if "SelectStmt" in query:
        return _select_never_null(query["SelectStmt"], column, catalog, ctes, depth)
    for kind in ("UpdateStmt", "DeleteStmt", "InsertStmt"):
        body = query.get(kind)
        if not body or not body.get("relation"):
            continue
        returning = body.get("returningList") or (body.get("returningClause") or {}).get("exprs")
        for target in returning or []:
            ref = ((target.get("ResTarget") or {}).get("val") or {}).get("ColumnRef") or {}
            last = (ref.get("fields") or [{}])[-1]
            if "A_Star" in last or _output_name(target) == column:
                src = column if "A_Star" in last else (last.get("String") or {}).get("sval", "")
                if src:
                    return _column_never_null(body["relation"], src.lower(), catalog, ctes, depth)
    return False


def _output_name(target: dict) -> str | None:
    rt = target.get("ResTarget") or {}
    if rt.get("name"):
        return rt["name"].lower()
    fields = ((rt.get("val") or {}).get("ColumnRef") or {}).get("fields") or []
    last = fields[-1].get("String", {}).get("sval") if fields else None
    return last.lower() if last else None


def _ctes(node) -> dict:
    """Every CTE of the statement by name (lower case)."""
    return {
        body["ctename"].lower(): body.get("ctequery") or {}
        for kind, body in walk(node)
        if kind == "CommonTableExpr" and body.get("ctename")
    }


def _scopes(stmt):
    if stmt.kind in ("UpdateStmt", "DeleteStmt"):
        node = dict(stmt.node)
        rel = node.get("relation")
        node["fromClause"] = [{"RangeVar": rel}] if rel else []
        yield node
    yield from stmt.selects


def _not_in_sublinks(where):
    """SubLinks of `x NOT IN (SELECT ...)` directly in a WHERE (through AND)."""
    stack = [where] if where else []
    while stack:
        node = stack.pop()
        boolexpr = node.get("BoolExpr")
        if not boolexpr:
            continue
        if boolexpr.get("boolop") == "AND_EXPR":
            stack.extend(boolexpr.get("args", []))
        elif boolexpr.get("boolop") == "NOT_EXPR":
            args = boolexpr.get("args", [])
            if (
                len(args) == 1
                and "SubLink" in args[0]
                and args[0]["SubLink"].get("subLinkType") == "ANY_SUBLINK"
            ):
                yield args[0]["SubLink"]


def _single_alias(select):
    froms = select.get("fromClause") or []
    if len(froms) != 1 or "RangeVar" not in froms[0]:
        return None
    rv = froms[0]["RangeVar"]
    return (rv.get("alias") or {}).get("aliasname") or rv["relname"]


def _end_of_from(stmt, start, limit):
    end = start
    for tok in stmt.tokens:
        if tok.start < start:
            continue
        if tok.start >= limit or tok.name in ("WHERE", "GROUP_P", "ORDER", "LIMIT"):
            break
        end = tok.end
    return end
