from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import matching_paren, quote_ident


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
    selects a primary-key or `NOT NULL` column of its one table, `count(...)`,
    or `min`/`max` of such a column per `GROUP BY` group. There is no NULL trap
    then, and Postgres hashes the (usually small) subquery result.
    """

    code = "QO005"
    name = "not-in-subquery"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "NOT IN (subquery) returns nothing when the subquery yields a NULL and cannot become an anti-join; use NOT EXISTS"
    fix_title = "rewrite to NOT EXISTS"
    fix_safety = Applicability.UNSAFE
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
        for select in _scopes(stmt):
            for sub in _not_in_sublinks(select.get("whereClause")):
                if _never_null(sub, getattr(ctx, "catalog", None)):
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


def _never_null(sub, catalog) -> bool:
    """The subquery's one output column is never NULL (from the schema)."""
    inner = sub.get("subselect", {}).get("SelectStmt", {})
    targets = inner.get("targetList") or []
    froms = inner.get("fromClause") or []
    if len(targets) != 1 or inner.get("op", "SETOP_NONE") != "SETOP_NONE":
        return False
    val = (targets[0].get("ResTarget") or {}).get("val") or {}
    func = val.get("FuncCall")
    if func is not None:
        fname = [n.get("String", {}).get("sval", "") for n in func.get("funcname", [])]
        fname = fname[-1].lower() if fname else ""
        if fname == "count":
            return True
        args = func.get("args") or []
        if fname not in ("min", "max") or not inner.get("groupClause") or len(args) != 1:
            return False
        val = args[0]
    ref = val.get("ColumnRef")
    if ref is None or catalog is None or len(froms) != 1 or "RangeVar" not in froms[0]:
        return False
    fields = [f.get("String", {}).get("sval") for f in ref.get("fields", [])]
    if not fields or None in fields:
        return False
    rv = froms[0]["RangeVar"]
    name = f"{rv['schemaname']}.{rv['relname']}" if rv.get("schemaname") else rv.get("relname")
    table = catalog.table(name)
    if table is None or table.kind != "table" or getattr(table, "redefined", False):
        return False
    column = fields[-1].lower()
    if column in (c.lower() for c in table.primary_key):
        return True
    return any(c.name.lower() == column and not c.nullable for c in table.columns)


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
