import re

from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule

from ._locks import existing_table_cmds, type_names

# Target types that are a no-rewrite widening from the usual source types
# (varchar(n) -> varchar(m > n) / varchar / text, numeric(p, s) -> numeric(q > p, s) / numeric).
_WIDENING_TARGETS = {"text", "varchar", "numeric", "varbit", "citext"}


class ColumnTypeChange(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ALTER COLUMN ... TYPE` on an existing table, except
    the changes Postgres makes without touching the rows: `varchar(n)` to
    `varchar(m)` with m > n, to unbounded `varchar` or `text`, and raising the
    precision of a `numeric` (same scale). A `USING` clause always rewrites.

    ## Why is this bad?
    Changing a column's type rewrites the whole table and rebuilds every index
    on it while holding an ACCESS EXCLUSIVE lock: every read and write of the
    table waits until the rewrite finishes — minutes to hours on a big table.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN id TYPE bigint;
    ```

    ## Use instead
    Expand and contract, with no long lock:
    ```sql
    -- 1. a new column, written by the application (or a trigger) from now on
    ALTER TABLE orders ADD COLUMN id_new bigint;
    -- 2. backfill it in batches, outside the migration
    UPDATE orders SET id_new = id WHERE id BETWEEN 1 AND 10000;  -- ... and so on
    -- 3. in a later migration: switch readers over, then swap the names
    BEGIN;
    ALTER TABLE orders RENAME COLUMN id TO id_old;
    ALTER TABLE orders RENAME COLUMN id_new TO id;
    COMMIT;
    ```
    When the old type is known (a catalog of the schema) the safe widenings are
    recognised; without one, a change to `text`, `varchar` or `numeric`
    without `USING` is assumed to be such a widening.
    """

    code = "MG005"
    reads_schema = True
    name = "column-type-change"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "ALTER COLUMN {column} TYPE {type} rewrites {table} and rebuilds its indexes under an ACCESS EXCLUSIVE "
        "lock, blocking every read and write until it finishes; add a new column and backfill it instead"
    )
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        table, cmds = existing_table_cmds(stmt, ctx)
        for c, span in cmds:
            if c.get("subtype") != "AT_AlterColumnType":
                continue
            col = (c.get("def") or {}).get("ColumnDef", {})
            new_type, new_mods = type_names(col.get("typeName"))
            using = col.get("raw_default") is not None
            old = self._old_type(ctx, table, c.get("name"))
            if not using and self._is_widening(old, new_type, new_mods):
                continue
            shown = stmt.slice(*span)
            m = re.search(r"\bTYPE\s+(.*?)(?:\s+(?:USING|COLLATE)\b.*)?$", shown, re.I | re.S)
            type_text = " ".join(m.group(1).split()) if m else new_type
            yield ctx.finding(
                self, stmt, span[0], span[1], column=c.get("name"), type=type_text, table=table
            )

    @staticmethod
    def _old_type(ctx, table, column):
        catalog = ctx.catalog
        getter = getattr(catalog, "column_type", None) if catalog is not None else None
        if getter is None:
            return None
        try:
            return getter(table, column)  # (name, mods)
        except Exception:
            return None

    @staticmethod
    def _is_widening(old, new_type: str, new_mods: list) -> bool:
        new_type = {"character varying": "varchar", "bpchar": "char", "decimal": "numeric"}.get(
            new_type, new_type
        )
        if old is None:
            return new_type in _WIDENING_TARGETS
        old_type, old_mods = old
        old_type = {"character varying": "varchar", "decimal": "numeric"}.get(old_type, old_type)
        if old_type in ("varchar", "text", "citext") and new_type == "text":
            return True
        if old_type in ("varchar", "text") and new_type == "varchar":
            if not new_mods:
                return True
            return bool(
                old_type == "varchar"
                and old_mods
                and old_mods[0] is not None
                and new_mods[0] >= old_mods[0]
            )
        if old_type == "numeric" and new_type == "numeric":
            if not new_mods:
                return True
            if (
                old_mods
                and len(old_mods) == len(new_mods)
                and new_mods[0] >= old_mods[0]
                and new_mods[1:] == old_mods[1:]
            ):
                return True
        if old_type == "varbit" and new_type == "varbit":
            return not new_mods or bool(old_mods) and new_mods[0] >= old_mods[0]
        return False
