from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule

from ._locks import existing_table_cmds


class AddExclusionConstraint(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE` on a table that existed
    before the migration.

    ## Why is this bad?
    An exclusion constraint is enforced by an index that PostgreSQL builds
    while it holds an ACCESS EXCLUSIVE lock on the table: every read and
    write waits for the whole build. Unlike `UNIQUE` (MG008) there is no
    `USING INDEX` form to build the index `CONCURRENTLY` first, and no
    `NOT VALID`.

    ## Example
    ```sql
    ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap
      EXCLUDE USING gist (room_id WITH =, during WITH &&);
    ```

    ## Use instead
    Declare the constraint when the table is created, or add it while the
    table is still small. For a large busy table, build a copy that has the
    constraint, keep it in step (a trigger, or the application writing
    both), then swap the names in one short transaction:
    ```sql
    CREATE TABLE bookings_new (LIKE bookings INCLUDING ALL,
      CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&));
    -- copy the rows in batches, then:
    ALTER TABLE bookings RENAME TO bookings_old;
    ALTER TABLE bookings_new RENAME TO bookings;
    ```
    """

    code = "MG027"
    name = "add-exclusion-constraint"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "ADD CONSTRAINT ... EXCLUDE builds its index under an ACCESS EXCLUSIVE lock on {table}, blocking every "
        "read and write for the whole build; there is no concurrent form"
    )
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if not stmt.mentions("CONSTR_EXCLUSION"):
            return
        table, cmds = existing_table_cmds(stmt, ctx)
        for c, (s, e) in cmds:
            con = (c.get("def") or {}).get("Constraint") or {}
            if c.get("subtype") == "AT_AddConstraint" and con.get("contype") == "CONSTR_EXCLUSION":
                yield ctx.finding(self, stmt, s, e, table=table)
