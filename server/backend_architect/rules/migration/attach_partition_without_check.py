from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ._locks import alter_cmds, cmd_spans


class AttachPartitionWithoutCheck(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ATTACH PARTITION t FOR VALUES ...` of a table
    that existed before the migration when no `CHECK` constraint was added to
    `t` earlier in the same migration (a `DEFAULT` partition is left alone).

    ## Why is this bad?
    Attaching takes only a SHARE UPDATE EXCLUSIVE lock on the partitioned
    table, but an ACCESS EXCLUSIVE lock on the table being attached, and
    then reads every row of it to prove each one fits the partition bound
    (and the parent's `DEFAULT` partition, if any, to prove none does). A
    validated `CHECK` constraint that implies the bound lets PostgreSQL skip
    that scan; it can be added with `NOT VALID` and validated without
    blocking.

    ## Example
    ```sql
    ALTER TABLE measurements ATTACH PARTITION measurements_2026
      FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    ```

    ## Use instead
    ```sql
    ALTER TABLE measurements_2026 ADD CONSTRAINT measurements_2026_bound
      CHECK (logdate >= '2026-01-01' AND logdate < '2027-01-01') NOT VALID;
    ALTER TABLE measurements_2026 VALIDATE CONSTRAINT measurements_2026_bound;
    ALTER TABLE measurements ATTACH PARTITION measurements_2026
      FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
    ALTER TABLE measurements_2026 DROP CONSTRAINT measurements_2026_bound;
    ```
    (The `VALIDATE` belongs in its own transaction: see MG004.)
    """

    code = "MG022"
    name = "attach-partition-without-check"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "ATTACH PARTITION {partition} reads every row of it under an ACCESS EXCLUSIVE lock to check the "
        "partition bound; add a CHECK constraint matching the bound first (NOT VALID, then VALIDATE)"
    )
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if not stmt.mentions("AT_AttachPartition"):
            return
        for cmd, (s, e) in zip(alter_cmds(stmt), cmd_spans(stmt), strict=False):
            if cmd.get("subtype") != "AT_AttachPartition":
                continue
            part = (cmd.get("def") or {}).get("PartitionCmd") or {}
            bound = part.get("bound") or {}
            if bound.get("is_default"):
                continue
            name = relation_name(part.get("name"))
            if not name or ctx.is_new_table(name, stmt) or _checked_before(name, stmt, ctx):
                continue
            yield ctx.finding(self, stmt, s, e, partition=name)


def _checked_before(table: str, stmt, ctx) -> bool:
    """A CHECK constraint added to ``table`` by an earlier statement of the migration."""
    short = table.lower().rsplit(".", 1)[-1]
    for other in ctx.statements[: stmt.index]:
        if other.kind != "AlterTableStmt" or other.node is None:
            continue
        name = relation_name(other.node.get("relation")) or ""
        if name.lower().rsplit(".", 1)[-1] != short:
            continue
        for c in alter_cmds(other):
            con = (c.get("def") or {}).get("Constraint") or {}
            if c.get("subtype") == "AT_AddConstraint" and con.get("contype") == "CONSTR_CHECK":
                return True
    return False
