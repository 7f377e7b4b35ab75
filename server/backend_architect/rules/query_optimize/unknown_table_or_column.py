from backend_architect.catalog.analysis import sources_of
from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list, quote_ident, relation_name, select_statements, walk

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
    it is a mistake.
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
        catalog = ctx.catalog
        node = stmt.node
        ctes = {body.get("ctename", "").lower() for kind, body in walk(node) if kind == "CommonTableExpr"}
        bodies = list(select_statements(node)) if stmt.kind == "SelectStmt" else [node] + list(select_statements(node))
        sources = []
        for body in bodies:
            found, _ = sources_of(body, catalog)
            sources.extend(found)
        # unknown tables: only when a close name or a DROP says so
        for src in sources:
            if not src.name or src.table is not None or src.name.lower() in ctes:
                continue
            if ctx.is_new_table(src.name, stmt):
                continue  # created earlier in this file (a temporary or scratch table)
            dropped = catalog.was_dropped(src.name)
            close = catalog.close_table_names(src.name)
            if not dropped and len(close) != 1:
                continue
            start, end = _name_range(stmt, src.location, src.name)
            hint = f" (dropped at {catalog.display_path(dropped)})" if dropped else ""
            fix = None
            if len(close) == 1:
                hint += f"; did you mean {close[0]}?"
                qual = src.name.rsplit(".", 1)[0] + "." if "." in src.name else ""
                fix = self.fix([ctx.edit(stmt, start, end, qual + quote_ident(close[0]))],
                               title=self.fix_title.format(old=src.name, new=close[0]))
            yield ctx.finding(self, stmt, start, end, fix=fix, what="table", name=src.name, hint=hint)
        tables = [s for s in sources if s.table is not None and s.table.columns_known]
        if not tables:
            return
        all_known = all(s.table is not None and s.table.columns_known for s in sources) and not ctes
        aliases = {body.get("name") for kind, body in walk(node) if kind == "ResTarget" and body.get("name")}
        by_alias = {(s.alias or "").lower(): s for s in sources}
        seen = set()
        for kind, ref in walk(node):
            if kind != "ColumnRef":
                continue
            fields = ref.get("fields") or []
            names = name_list(fields)
            if not names or len(names) != len(fields) or len(names) > 3:
                continue
            col = names[-1]
            if col.lower() in SYSTEM_COLUMNS:
                continue
            if len(names) >= 2:
                src = by_alias.get(names[-2].lower())
                if src is None or src.table is None or not src.table.columns_known or src.table.column(col):
                    continue
                candidates = [c.name for c in src.table.columns]
                where = src.table.name
            else:
                if not all_known or col in aliases or any(s.table.column(col) for s in tables):
                    continue
                candidates = [c.name for s in tables for c in s.table.columns]
                where = ", ".join(dict.fromkeys(s.table.name for s in tables))
            loc = ref.get("location", 0)
            if loc in seen:
                continue
            seen.add(loc)
            start, end = _last_name_range(stmt, loc, len(names))
            yield self._column_finding(stmt, ctx, start, end, col, where, candidates)
        for target, table in _assigned_columns(stmt, node, catalog):
            name = target.get("name")
            if not name or table.column(name):
                continue
            loc = target.get("location", 0)
            start, end = _name_range(stmt, loc, name)
            yield self._column_finding(stmt, ctx, start, end, name, table.name, [c.name for c in table.columns])

    def _column_finding(self, stmt, ctx, start, end, col, where, candidates):
        import difflib

        close = difflib.get_close_matches(col, candidates, n=2, cutoff=0.75)
        close = list(dict.fromkeys(close))
        fix = None
        hint = f" of {where}"
        if len(close) == 1:
            hint += f"; did you mean {close[0]}?"
            fix = self.fix([ctx.edit(stmt, start, end, quote_ident(close[0]))], title=self.fix_title.format(old=col, new=close[0]))
        return ctx.finding(self, stmt, start, end, fix=fix, what="column", name=col, hint=hint)


def _assigned_columns(stmt, node, catalog):
    """INSERT column lists and UPDATE SET targets with the table they belong to."""
    if stmt.kind not in ("InsertStmt", "UpdateStmt"):
        return
    table = catalog.table(relation_name(node.get("relation")))
    if table is None or not table.columns_known:
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
        if expect_name and not tok.name.startswith("ASCII_") and tok.name not in ("PARAM", "ICONST", "SCONST", "FCONST"):
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
