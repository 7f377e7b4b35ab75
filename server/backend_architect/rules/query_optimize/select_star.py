from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import quote_ident, relation_name


class SelectStar(Rule):
    """
    ## What it does
    Flags `SELECT *` (and `SELECT t.*`) outside `EXISTS (...)`.

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
    name = "select-star"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "SELECT * reads every column of {table}; list the columns the caller needs"
    fix_title = "replace * with the {count} columns of {table}"
    fix_safety = Applicability.SAFE
    statement_kinds = ("SelectStmt", "InsertStmt", "CreateTableAsStmt", "ViewStmt", "DeclareCursorStmt")

    def check_statement(self, stmt, ctx):
        if not stmt.mentions("A_Star"):
            return
        for select in stmt.selects:
            tables = _from_tables(select)
            for target in select.get("targetList") or []:
                ref = (target.get("ResTarget") or {}).get("val", {}).get("ColumnRef")
                if not ref:
                    continue
                fields = ref.get("fields") or []
                if not fields or "A_Star" not in fields[-1]:
                    continue
                loc = ref.get("location", 0)
                star = stmt.find_token("ASCII_42", start=loc)
                end = star.end if star else loc + 1
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
        return self.fix([ctx.edit(stmt, loc, end, ", ".join(parts))],
                        title=self.fix_title.format(count=len(parts), table=label))


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


def _from_tables(select: dict) -> list[tuple[str, str]]:
    """(table name, alias or name) of plain tables in FROM, including joins."""
    out = []
    stack = list(select.get("fromClause") or [])
    while stack:
        item = stack.pop(0)
        if "RangeVar" in item:
            name = relation_name(item)
            alias = (item["RangeVar"].get("alias") or {}).get("aliasname") or name.rsplit(".", 1)[-1]
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
