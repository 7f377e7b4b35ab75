from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ..migration._locks import type_names
from ._columns import mirrors_a_migration, portable_migration, table_gone


class JsonColumn(Rule):
    """
    ## What it does
    Flags a new column of type `json` (in `CREATE TABLE` or `ALTER TABLE ...
    ADD COLUMN`) and a column changed to `json` (`ALTER COLUMN ... TYPE json`).

    ## Why is this bad?
    `json` stores the text as written and parses it again on every access; it
    has no equality operator (so no `DISTINCT`, `GROUP BY` or unique index on
    it) and no GIN indexing. `jsonb` is stored parsed, is faster to query, and
    supports containment (`@>`) with GIN indexes. Keep `json` only when the
    exact text (key order, duplicate keys, whitespace) must be preserved.

    ## Example
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, payload json NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb NOT NULL);
    ```
    On an existing table, changing a column from `json` to `jsonb` rewrites the
    table (see MG005); the fix is therefore unsafe there.

    Off by default: on 12 findings drawn at random from 25 public repositories
    (November 2026) 2 were worth raising (a `json` column filtered with `->>`),
    10 were noise (payloads stored and returned as written, where `json` is
    fine): measured precision 2 of 12 worth raising (17%). Select `SD005` to
    run it.
    """

    default_enabled = False
    code = "SD005"
    reads_schema = True
    name = "json-column"
    command = "SCHEMA_DESIGN"
    severity = Severity.INFORMATION
    message = "Column {column} is json: prefer jsonb (indexable, comparable, parsed once)"
    fix_title = "use jsonb"
    fix_safety = Applicability.SAFE
    statement_kinds = ("CreateStmt", "AlterTableStmt")

    def check_statement(self, stmt, ctx):
        node = stmt.node
        if (
            portable_migration(ctx.document.path)
            or table_gone(ctx, relation_name(node.get("relation")))
            or mirrors_a_migration(ctx, stmt)
        ):
            return
        if stmt.kind == "CreateStmt":
            for elt in node.get("tableElts", []):
                col = elt.get("ColumnDef")
                if col:
                    yield from self._check_column(stmt, ctx, col, Applicability.SAFE)
            return
        table = relation_name(node.get("relation"))
        existing = not ctx.is_new_table(table, stmt)
        for cmd in node.get("cmds", []):
            c = cmd.get("AlterTableCmd", {})
            col = (c.get("def") or {}).get("ColumnDef")
            if not col:
                continue
            if c.get("subtype") == "AT_AddColumn":
                yield from self._check_column(stmt, ctx, col, Applicability.SAFE)
            elif c.get("subtype") == "AT_AlterColumnType":
                safety = Applicability.UNSAFE if existing else Applicability.SAFE
                yield from self._check_column(stmt, ctx, col, safety, name=c.get("name"))

    def _check_column(self, stmt, ctx, col, safety, name=None):
        type_name = col.get("typeName") or {}
        tname, _ = type_names(type_name)
        if tname not in ("json", "json[]"):
            return
        if _changed_later(
            ctx, relation_name(stmt.node.get("relation")), name or col.get("colname", "")
        ):
            return  # a later migration made it jsonb (or dropped it)
        loc = type_name.get("location")
        if loc is None or loc < 0:
            return
        word = stmt.slice(loc, loc + 4)
        if word.lower() != "json":
            return
        fix = self.fix(
            [ctx.edit(stmt, loc, loc + 4, "jsonb" if word == "json" else "JSONB")],
            safety=safety,
            title="use jsonb"
            if safety is Applicability.SAFE
            else "use jsonb (rewrites the existing table)",
        )
        yield ctx.finding(self, stmt, loc, loc + 4, fix=fix, column=name or col.get("colname", "?"))


def _changed_later(ctx, table: str | None, column: str) -> bool:
    t = ctx.catalog.table(table) if ctx.catalog is not None and table else None
    if t is None:
        return False
    c = t.column(column)
    return c is None or c.type.lower().split("(")[0] not in ("json", "json[]")
