import os
import re

from backend_architect.app.checks import skip_tests
from backend_architect.catalog.analysis import sources_of
from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.regions import PLACEHOLDER_SCHEMA
from backend_architect.core.sql import name_list, quote_ident, relation_name, unqualified, walk
from ...core.lazy_re import lazy

SYSTEM_COLUMNS = {"ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"}


class UnknownTableOrColumn(Rule):
    """
    ## What it does
    Flags a query naming a column the workspace's schema does not have (a
    typo, or a column a later migration dropped or renamed), and a table that
    is not in the schema when a table with a close name is, or when a
    migration dropped it.

    ## Why is this bad?
    The query fails at run time, often only on the code path nobody tested.
    The schema in the repository already knows the answer.

    ## Example
    ```sql
    -- migrations define users (id, email, created_at)
    SELECT id, emial FROM users WHERE id = $1;
    ```

    ## Use instead
    ```sql
    SELECT id, email FROM users WHERE id = $1;
    ```
    The fix replaces the name when exactly one close name exists. Tables the
    catalog does not know are left alone unless a close name or a drop says
    it is a mistake, and so are the columns of a table that a migration
    written in code (a Go or Python file in the same migrations folder) names:
    what it adds is not read.
    """

    code = "QO006"
    name = "unknown-table-or-column"
    command = "QUERY_OPTIMIZE"
    severity = Severity.ERROR
    message = "{what} {name} is not in the schema{hint}"
    fix_title = "replace {old} with {new}"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("SelectStmt", "UpdateStmt", "DeleteStmt", "InsertStmt")
    needs_catalog = True

    def check_statement(self, stmt, ctx):
        if ctx.ctx.is_migration:
            return  # a migration's queries ran against the schema as it was then, not as it ends up
        if skip_tests(ctx.ctx.path or ""):
            return  # test code builds its own schemas (a past one, to test a migration)
        catalog = ctx.catalog
        node = stmt.node
        scopes = list(_scopes(node, stmt.kind, catalog))
        aliases = {
            body.get("name").lower()
            for kind, body in walk(node)
            if kind == "ResTarget" and body.get("name")
        }
        seen: set[int] = set()
        for scope in scopes:
            for src in scope.own:
                if (
                    src.name
                    and src.table is None
                    and not src.cte
                    and PLACEHOLDER_SCHEMA not in src.name
                ):
                    finding = self._unknown_table(stmt, ctx, src)
                    if finding is not None:
                        yield finding
            for ref in scope.refs:
                loc = ref.get("location", 0)
                if loc in seen:
                    continue
                hit = self._check_ref(stmt, ctx, scope, ref, aliases)
                if hit is not None:
                    seen.add(loc)
                    yield hit
        for target, table in _assigned_columns(stmt, node, catalog):
            name = target.get("name")
            if not name or table.column(name) or PLACEHOLDER_SCHEMA in name:
                continue
            if _changed_by_code_migrations(table):
                continue
            loc = target.get("location", 0)
            start, end = _name_range(stmt, loc, name)
            yield self._column_finding(
                stmt, ctx, start, end, name, table.name, [c.name for c in table.columns]
            )

    def _unknown_table(self, stmt, ctx, src):
        """A table the schema does not have: only when a migration dropped it, or when the
        schema is complete and the name is one typo away from exactly one table."""
        catalog = ctx.catalog
        if ctx.is_new_table(src.name, stmt):
            return None  # created earlier in this file (a temporary or scratch table)
        if "." in src.name and src.name.rsplit(".", 1)[0].lower() not in catalog_schemas(catalog):
            return None  # another schema (an extension's, another service's): not described here
        dropped = catalog.was_dropped(src.name)
        if dropped and (
            _skipped_statements_in(catalog, dropped.rsplit(":", 1)[0])
            or _other_database(dropped, ctx.document.path)
        ):
            dropped = (
                None  # the dropping file has unreadable statements, or migrates another database
            )
        close = [
            c
            for c in catalog.close_table_names(src.name)
            if _one_typo(unqualified(src.name).lower(), c.lower())
        ]
        if not dropped and (len(close) != 1 or not catalog_complete(catalog)):
            return None
        start, end = _name_range(stmt, src.location, src.name)
        hint = f" (dropped at {catalog.display_path(dropped)})" if dropped else ""
        fix = None
        if len(close) == 1:
            hint += f"; did you mean {close[0]}?"
            qual = src.name.rsplit(".", 1)[0] + "." if "." in src.name else ""
            fix = self.fix(
                [ctx.edit(stmt, start, end, qual + quote_ident(close[0]))],
                title=self.fix_title.format(old=src.name, new=close[0]),
            )
        return ctx.finding(self, stmt, start, end, fix=fix, what="table", name=src.name, hint=hint)

    def _check_ref(self, stmt, ctx, scope, ref, aliases):
        fields = ref.get("fields") or []
        names = name_list(fields)
        if not names or len(names) != len(fields) or len(names) > 3:
            return None
        col = names[-1]
        if col.lower() in SYSTEM_COLUMNS or any(PLACEHOLDER_SCHEMA in n for n in names):
            return None  # a system column, or text the application interpolates
        if len(names) >= 2:
            src = scope.lookup(names[-2])
            if src is None or not _checkable(src.table) or src.table.column(col):
                return None  # an alias of another scope, excluded., NEW/OLD, a CTE or a function: not ours to judge
            candidates = [c.name for c in src.table.columns]
            where = src.table.name
        else:
            visible = scope.visible()
            if (
                col.lower() in aliases
                or not visible
                or not all(_checkable(s.table) for s in visible)
            ):
                return None
            if any(s.table.column(col) for s in visible):
                return None
            own = [s for s in scope.own if s.table is not None] or visible
            candidates = [c.name for s in own for c in s.table.columns]
            where = ", ".join(dict.fromkeys(s.table.name for s in own))
        loc = ref.get("location", 0)
        start, end = _last_name_range(stmt, loc, len(names))
        return self._column_finding(stmt, ctx, start, end, col, where, candidates)

    def _column_finding(self, stmt, ctx, start, end, col, where, candidates):
        import difflib

        close = difflib.get_close_matches(col, candidates, n=2, cutoff=0.75)
        close = list(dict.fromkeys(close))
        fix = None
        hint = f" of {where}"
        if len(close) == 1:
            hint += f"; did you mean {close[0]}?"
            fix = self.fix(
                [ctx.edit(stmt, start, end, quote_ident(close[0]))],
                title=self.fix_title.format(old=col, new=close[0]),
            )
        return ctx.finding(self, stmt, start, end, fix=fix, what="column", name=col, hint=hint)


class _Scope:
    """One query level: its own FROM sources, the column references written at that
    level, and the enclosing levels a correlated reference may reach."""

    def __init__(self, own, outer, refs):
        self.own = own
        self.outer = outer  # the enclosing scope or None
        self.refs = refs

    def lookup(self, qualifier: str):
        low = qualifier.lower()
        scope = self
        while scope is not None:
            for src in scope.own:
                if (src.alias or "").lower() == low:
                    return src
            scope = scope.outer
        return None

    def visible(self):
        out, scope = [], self
        while scope is not None:
            out.extend(scope.own)
            scope = scope.outer
        return out


_BODIES = ("SelectStmt", "UpdateStmt", "DeleteStmt", "InsertStmt")


def _scopes(node, kind, catalog, outer=None, ctes=frozenset()):
    """Every query level of a statement (CTEs, set-operation branches, subqueries), with
    sources whose name is a CTE in scope marked as such."""
    with_clause = node.get("withClause") or {}
    names = {
        (c.get("CommonTableExpr") or {}).get("ctename", "").lower()
        for c in with_clause.get("ctes") or []
    }
    ctes = ctes | names
    for c in with_clause.get("ctes") or []:
        query = (c.get("CommonTableExpr") or {}).get("ctequery") or {}
        for k, body in query.items():
            if k in _BODIES:
                yield from _scopes(body, k, catalog, outer, ctes)
    if kind == "SelectStmt" and node.get("op", "SETOP_NONE") != "SETOP_NONE":
        for side in ("larg", "rarg"):
            if node.get(side):
                yield from _scopes(node[side], "SelectStmt", catalog, outer, ctes)
        return
    if kind == "InsertStmt":
        select = (node.get("selectStmt") or {}).get("SelectStmt")
        if select:
            yield from _scopes(select, "SelectStmt", catalog, outer, ctes)
        target = {"relation": node.get("relation")}
        own, _ = sources_of(target, catalog)
        rest = {k: v for k, v in node.items() if k in ("onConflictClause", "returningList")}
    else:
        own, _ = sources_of(node, catalog)
        rest = {
            k: v for k, v in node.items() if k not in ("withClause", "larg", "rarg", "relation")
        }
    for src in own:
        src.cte = bool(src.name) and "." not in src.name and src.name.lower() in ctes
        if src.cte or (src.name and PLACEHOLDER_SCHEMA in src.name):
            src.table = None  # a CTE, or a name the application fills in: not a table to look up
    refs: list[dict] = []
    nested: list[tuple[str, dict]] = []
    _collect(rest, refs, nested)
    scope = _Scope(own, outer, refs)
    yield scope
    for k, body in nested:
        yield from _scopes(body, k, catalog, scope, ctes)


def _collect(cur, refs: list, nested: list) -> None:
    """Column references of one query level; nested queries are kept for their own scope.
    Query parameters written as identifiers (sqlc's ``@name``, ``sqlc.arg(name)``) are skipped."""
    stack = [cur]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(cur)
            continue
        if not isinstance(cur, dict):
            continue
        for key, value in cur.items():
            if key in _BODIES and isinstance(value, dict):
                nested.append((key, value))
                continue
            if key == "ColumnRef" and isinstance(value, dict):
                refs.append(value)
                continue
            if key == "A_Expr" and isinstance(value, dict) and _is_named_parameter(value):
                continue
            if (
                key == "FuncCall"
                and isinstance(value, dict)
                and name_list(value.get("funcname"))[:1] == ["sqlc"]
            ):
                continue
            if isinstance(value, (dict, list)):
                stack.append(value)


def _is_named_parameter(expr: dict) -> bool:
    """``@name`` (sqlc, Npgsql, SQL Server style): the prefix ``@`` operator on a bare name."""
    if expr.get("lexpr") is not None or name_list(expr.get("name")) != ["@"]:
        return False
    operand = expr.get("rexpr") or {}
    if "TypeCast" in operand:
        operand = operand["TypeCast"].get("arg") or {}
    return "ColumnRef" in operand


def _checkable(table) -> bool:
    return (
        table is not None
        and table.columns_known
        and not table.redefined
        and PLACEHOLDER_SCHEMA not in table.qualified
        and not _changed_by_code_migrations(table)
    )


_CODE_MIGRATION_EXT = (".go", ".py", ".js", ".ts", ".rb", ".java", ".kt", ".rs")
_CODE_WORDS: dict[str, tuple[tuple, set[str]]] = {}


def _changed_by_code_migrations(table) -> bool:
    """A migration folder of the table also holds migrations written in code (a Go or Python
    file beside the SQL ones) that name it: what they add or rename is not read, so the
    table's columns are not known for certain."""
    folders = {os.path.dirname(p) for p in table.created_in}
    name = table.name.lower().strip('"')
    return any(name in _code_migration_words(f) for f in folders)


def _code_migration_words(folder: str) -> set[str]:
    try:
        signature = (os.stat(folder).st_mtime_ns,)  # a file added or removed changes it
    except OSError:
        return set()
    cached = _CODE_WORDS.get(folder)
    if cached is not None and cached[0] == signature:
        return cached[1]
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(_CODE_MIGRATION_EXT))
    except OSError:
        return set()
    words: set[str] = set()
    for n in names:
        try:
            with open(os.path.join(folder, n), encoding="utf-8", errors="replace") as fh:
                words.update(w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", fh.read()))
        except OSError:
            continue
    if len(_CODE_WORDS) > 64:
        _CODE_WORDS.clear()
    _CODE_WORDS[folder] = (signature, words)
    return words


def catalog_schemas(catalog) -> set[str]:
    return {t.schema.lower() for t in catalog.tables_by_key.values()}


_INCOMPLETE_NOTES = ("dynamic SQL", "function body", "DO block", "not parsed", "not tracked")


def catalog_complete(catalog) -> bool:
    """Whether every table the workspace creates is in the catalog: no skipped function
    bodies, DO blocks, dynamic SQL or unparsed DDL that could have created one."""
    cached = _COMPLETE.get(catalog.version)
    if cached is None:
        cached = not any(any(n in note for n in _INCOMPLETE_NOTES) for note in catalog.notes)
        _COMPLETE[catalog.version] = cached
    return cached


_COMPLETE: dict[int, bool] = {}


_OTHER_DATABASES = lazy(
    r"(?<![a-z])(mysql|mariadb|sqlite3?|cockroach(?:db)?|clickhouse|mssql|sqlserver)(?![a-z])", re.I
)


def _other_database(drop_path: str, query_path: str) -> bool:
    """A drop in another database's migrations (``migrations/sqlite/...``) says nothing about this query."""
    m = _OTHER_DATABASES.search(drop_path.replace("\\", "/"))
    return m is not None and m.group(1).lower() not in query_path.lower()


def _skipped_statements_in(catalog, path: str) -> bool:
    prefix = path + ":"
    return any(
        note.startswith(prefix) and any(n in note for n in _INCOMPLETE_NOTES)
        for note in catalog.notes
    )


def _one_typo(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours apart."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _assigned_columns(stmt, node, catalog):
    """INSERT column lists and UPDATE SET targets with the table they belong to."""
    if stmt.kind not in ("InsertStmt", "UpdateStmt"):
        return
    table = catalog.table(relation_name(node.get("relation")))
    if not _checkable(table):
        return
    items = node.get("cols") if stmt.kind == "InsertStmt" else node.get("targetList")
    for item in items or []:
        rt = item.get("ResTarget")
        if rt:
            yield rt, table


def _name_range(stmt, loc: int, name: str) -> tuple[int, int]:
    """Range of a (possibly qualified, possibly quoted) name starting at ``loc``."""
    end = None
    expect_name = True
    for tok in stmt.tokens:
        if tok.start < loc:
            continue
        if end is not None and tok.start != end:
            break
        if (
            expect_name
            and not tok.name.startswith("ASCII_")
            and tok.name not in ("PARAM", "ICONST", "SCONST", "FCONST")
        ):
            end = tok.end
            expect_name = False
        elif not expect_name and tok.name == "ASCII_46":
            expect_name = True
            end = tok.end
        else:
            break
    return loc, max(end or loc + 1, loc + 1)


def _last_name_range(stmt, loc: int, parts: int) -> tuple[int, int]:
    """Range of the last part of a dotted name starting at ``loc`` (the column of ``u.email``)."""
    seen = 0
    for tok in stmt.tokens:
        if tok.start < loc or tok.name == "ASCII_46":
            continue
        seen += 1
        if seen == parts:
            return tok.start, tok.end
    return loc, loc + 1
