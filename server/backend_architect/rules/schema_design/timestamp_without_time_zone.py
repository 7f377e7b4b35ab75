from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule

from ._columns import (
    mirrors_a_migration,
    column_defs,
    portable_migration,
    final_type_differs,
    type_base,
    type_range,
)


class TimestampWithoutTimeZone(Rule):
    """
    ## What it does
    Flags columns declared `timestamp` (without time zone) in `CREATE TABLE`
    and `ALTER TABLE ... ADD COLUMN`.

    ## Why is this bad?
    `timestamp` stores a wall-clock reading with no zone. The same instant
    written by two servers in different zones (or before and after a daylight
    saving change) compares wrongly, and `now()` is silently converted using
    the session's zone.

    ## Example
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamptz NOT NULL);
    ```
    `timestamptz` takes the same 8 bytes and stores an absolute instant.
    A schema file's copy of a table a migration creates is not flagged again
    (the migration is where the table is judged).
    """

    code = "SD003"
    reads_schema = True
    name = "timestamp-without-time-zone"
    command = "SCHEMA_DESIGN"
    severity = Severity.WARNING
    message = "{column} is timestamp without time zone; use timestamptz"
    fix_title = "use timestamptz"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("CreateStmt", "AlterTableStmt")
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if portable_migration(ctx.document.path) or mirrors_a_migration(ctx, stmt):
            return
        for table, col in column_defs(stmt):
            tn = col.get("typeName") or {}
            if type_base(tn) != "timestamp" or tn.get("arrayBounds"):
                continue
            if final_type_differs(ctx, table, col.get("colname"), "timestamp") or _now_timestamptz(
                ctx, table, col
            ):
                continue
            rng = type_range(stmt, col)
            if rng is None:
                continue
            mods = tn.get("typmods") or []
            precision = ""
            if mods:
                ival = (mods[0].get("A_Const") or {}).get("ival")
                precision = f"({(ival or {}).get('ival', 0)})" if ival is not None else ""
            fix = self.fix([ctx.edit(stmt, rng[0], rng[1], "timestamptz" + precision)])
            yield ctx.finding(self, stmt, rng[0], rng[1], fix=fix, column=col.get("colname"))


def _now_timestamptz(ctx, table, col) -> bool:
    """The catalog says the column ended up as timestamptz (a later ALTER ... TYPE)."""
    if ctx.catalog is None:
        return False
    t = ctx.catalog.table(table)
    c = t.column(col.get("colname")) if t else None
    return c is not None and c.type.startswith("timestamptz")
