import re

from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import quote_ident, relation_name


class SelectStar(Rule):
    """
    ## What it does
    Flags `SELECT *` (and `SELECT t.*`) over a table when the table's columns
    reach the caller: the statement's own target list, each branch of a
    `UNION`/`INTERSECT`/`EXCEPT`, an `INSERT ... SELECT`, and a CTE or subquery
    that an outer `*` passes through.

    Not flagged: a star inside a CTE or subquery whose consumer names its
    columns, inside `EXISTS (...)`, over a view or a set-returning function
    (their author chose the columns), in migrations (view definitions, table
    copies: no caller receives the rows), and in sqlc query files (sqlc writes
    the column list into the generated code).

    Off by default: on 25 real backend repositories (2026-11-27) 1 of 52
    sampled findings was worth raising (precision 8%, 39 noise): `SELECT *`
    there mostly loads a whole entity into a struct or ORM model that maps
    every column, in tests and sqlc example queries. Select `QO001` to run it.

    ## Why is this bad?
    The query reads and ships every column, including large ones the caller
    never uses, so covering (index-only) scans become impossible and each new
    column silently changes what the application receives. Code that reads rows
    by position breaks when a column is added.

    ## Example
    ```sql
    SELECT * FROM users WHERE id = $1;
    ```

    ## Use instead
    ```sql
    SELECT id, email, name, created_at FROM users WHERE id = $1;
    ```
    The fix expands the star to the table's columns when they are known from a
    `CREATE TABLE` in the same file or from the workspace's schema. Over a
    join, each table's columns are listed in order and qualified with the
    table's alias where two tables share a column name.
    """

    code = "QO001"
    reads_schema = True
    name = "select-star"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "SELECT * reads every column of {table}; list the columns the caller needs"
    fix_title = "replace * with the {count} columns of {table}"
    fix_safety = Applicability.SAFE
    statement_kinds = ("SelectStmt", "InsertStmt", "DeclareCursorStmt")
    default_enabled = False

    def check_statement(self, stmt, ctx):
        if not stmt.mentions("A_Star") or ctx.ctx.is_migration or _sqlc_file(ctx):
            return
        for select, star in _output_stars(stmt, ctx.catalog):
            tables = _from_tables(select)
            ref = star["ColumnRef"]
            fields = ref.get("fields") or []
            loc = ref.get("location", 0)
            tok = stmt.find_token("ASCII_42", start=loc)
            end = tok.end if tok else loc + 1
            qualifier = fields[0].get("String", {}).get("sval") if len(fields) > 1 else None
            table, alias = _resolve(tables, qualifier)
            fix = None
            columns = ctx.known_columns(table, stmt) if table else None
            if columns:
                prefix = f"{quote_ident(qualifier)}." if qualifier else ""
                text = ", ".join(prefix + quote_ident(c) for c in columns)
                fix = self.fix(
                    [ctx.edit(stmt, loc, end, text)],
                    title=self.fix_title.format(count=len(columns), table=table),
                )
            elif not qualifier and len(tables) > 1 and not _merges_columns(select):
                fix = self._join_fix(stmt, ctx, tables, loc, end)
            label = table or (qualifier or "the joined tables")
            yield ctx.finding(self, stmt, loc, end, fix=fix, table=label)

    def _join_fix(self, stmt, ctx, tables, loc, end):
        """``*`` over a join: every table's columns in FROM order, qualified where a name repeats."""
        per_table = []
        for name, alias in tables:
            columns = ctx.known_columns(name, stmt) if name else None
            if not columns:
                return None
            per_table.append((name, alias, columns))
        counts: dict[str, int] = {}
        for _, _, columns in per_table:
            for c in columns:
                counts[c] = counts.get(c, 0) + 1
        parts = [
            (f"{quote_ident(alias)}." if counts[c] > 1 else "") + quote_ident(c)
            for _, alias, columns in per_table
            for c in columns
        ]
        label = ", ".join(n for n, _, _ in per_table)
        return self.fix(
            [ctx.edit(stmt, loc, end, ", ".join(parts))],
            title=self.fix_title.format(count=len(parts), table=label),
        )


_SQLC_HEADER_RE = re.compile(
    r"^[ \t]*--[ \t]*name:[ \t]*\w+[ \t]+:(?:one|many|exec|execrows|execresult|execlastid|copyfrom|batchone|batchmany|batchexec)\b",
    re.M,
)


def _sqlc_file(ctx) -> bool:
    """sqlc rewrites ``*`` into the column list when it generates code: the query that runs names its columns."""
    if ctx.document.language != "sql":
        return False
    cache = ctx.document._cache  # asked once per star: the file is searched once per version
    if "sqlc" not in cache:
        cache["sqlc"] = _SQLC_HEADER_RE.search(ctx.document.text) is not None
    return bool(cache["sqlc"])


def _output_stars(stmt, catalog):
    """(SELECT, star target) for every ``*`` whose columns reach what the statement returns or writes.

    A star over a CTE or subquery passes through to that query's own target list;
    a star inside a CTE, subquery or ``EXISTS`` whose consumer names its columns
    is harmless (the planner drops the unused columns); a star over a view or a
    function returns the columns their author chose.
    """
    node = stmt.node or {}
    if stmt.kind == "SelectStmt":
        root = node
    elif stmt.kind == "InsertStmt":
        root = (node.get("selectStmt") or {}).get("SelectStmt")
        if root is not None and node.get("withClause"):
            root = dict(root, withClause=root.get("withClause") or node["withClause"])
    else:  # DECLARE ... CURSOR FOR
        root = (node.get("query") or {}).get("SelectStmt")
    if not root:
        return
    seen: set[int] = set()
    stack: list[tuple[dict, dict]] = [(root, {})]
    while stack:
        select, ctes = stack.pop()
        if id(select) in seen:
            continue
        seen.add(id(select))
        scope = dict(ctes)
        for cte in (select.get("withClause") or {}).get("ctes") or []:
            body = cte.get("CommonTableExpr") or {}
            query = (body.get("ctequery") or {}).get("SelectStmt")
            if body.get("ctename"):
                scope[body["ctename"].lower()] = query
        if select.get("op", "SETOP_NONE") != "SETOP_NONE":
            stack += [(select[k], scope) for k in ("rarg", "larg") if select.get(k)]
            continue
        items = _from_items(select)
        for target in select.get("targetList") or []:
            ref = (target.get("ResTarget") or {}).get("val", {}).get("ColumnRef")
            fields = (ref or {}).get("fields") or []
            if not fields or "A_Star" not in fields[-1]:
                continue
            qualifier = fields[0].get("String", {}).get("sval") if len(fields) > 1 else None
            covered = [
                it
                for it in items
                if qualifier is None or (it[0] or "").lower() == qualifier.lower()
            ]
            reads_table = False
            for _, item in covered:
                if "RangeVar" in item:
                    rv = item["RangeVar"]
                    name = (rv.get("relname") or "").lower()
                    if not rv.get("schemaname") and name in scope:
                        if scope[name] is not None:
                            stack.append((scope[name], scope))
                    elif not _is_view(catalog, rv):
                        reads_table = True
                elif "RangeSubselect" in item:
                    sub = (item["RangeSubselect"].get("subquery") or {}).get("SelectStmt")
                    if sub is not None:
                        stack.append((sub, scope))
            if reads_table:
                yield select, {"ColumnRef": ref}


def _from_items(select: dict) -> list[tuple[str | None, dict]]:
    """(alias, item) of every table, subquery or function in FROM, through joins."""
    out = []
    stack = list(select.get("fromClause") or [])
    while stack:
        item = stack.pop(0)
        if not isinstance(item, dict):
            continue
        if "JoinExpr" in item:
            stack[:0] = [item["JoinExpr"].get("larg"), item["JoinExpr"].get("rarg")]
            continue
        alias = None
        for body in item.values():
            if isinstance(body, dict):
                alias = (body.get("alias") or {}).get("aliasname") or body.get("relname")
        out.append((alias, item))
    return out


def _is_view(catalog, rangevar: dict) -> bool:
    """Whether the workspace's schema says this relation is a view (its definition chose the columns)."""
    if catalog is None:
        return False
    table = catalog.table(relation_name({"RangeVar": rangevar}))
    return table is not None and table.kind == "view"


def _merges_columns(select: dict) -> bool:
    """JOIN ... USING and NATURAL JOIN fold the shared columns into one in ``*``."""
    stack = list(select.get("fromClause") or [])
    while stack:
        item = stack.pop()
        j = item.get("JoinExpr") if isinstance(item, dict) else None
        if j:
            if j.get("usingClause") or j.get("isNatural"):
                return True
            stack += [j.get("larg"), j.get("rarg")]
    return False


def _from_tables(select: dict) -> list[tuple[str | None, str | None]]:
    """(table name, alias or name) of plain tables in FROM, including joins."""
    out = []
    stack = list(select.get("fromClause") or [])
    while stack:
        item = stack.pop(0)
        if "RangeVar" in item:
            name = relation_name(item)
            alias = (item["RangeVar"].get("alias") or {}).get("aliasname") or (name or "").rsplit(
                ".", 1
            )[-1]
            out.append((name, alias))
        elif "JoinExpr" in item:
            stack[:0] = [item["JoinExpr"].get("larg"), item["JoinExpr"].get("rarg")]
        else:
            out.append((None, None))  # a subquery or function: columns unknown
    return out


def _resolve(tables, qualifier):
    if qualifier:
        for name, alias in tables:
            if alias and alias.lower() == qualifier.lower():
                return name, alias
        return None, None
    if len(tables) == 1 and tables[0][0]:
        return tables[0]
    return None, None
