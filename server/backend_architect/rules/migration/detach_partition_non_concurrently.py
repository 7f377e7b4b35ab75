from dataclasses import replace

from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ._locks import alter_cmds, cmd_spans
from ._runner import run_outside_transaction


class DetachPartitionNonConcurrently(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... DETACH PARTITION` without `CONCURRENTLY` on a
    partitioned table not created earlier in the same migration (PostgreSQL
    14 and later, where `CONCURRENTLY` exists).

    ## Why is this bad?
    A plain detach takes an ACCESS EXCLUSIVE lock on the partitioned table
    and on the partition: every read and write of the whole table waits for
    it, and the lock request itself queues behind every running query.
    `DETACH PARTITION ... CONCURRENTLY` takes only a SHARE UPDATE EXCLUSIVE
    lock on the parent, so queries keep running.

    ## Example
    ```sql
    ALTER TABLE measurements DETACH PARTITION measurements_2019;
    ```

    ## Use instead
    ```sql
    ALTER TABLE measurements DETACH PARTITION measurements_2019 CONCURRENTLY;
    ```
    `CONCURRENTLY` cannot run inside a transaction block: like the MG001 fix,
    the fix adds the runner's opt-out when the file holds nothing else, or
    moves the statement into a new migration right after this one.

    ## Fix safety
    Unsafe: `CONCURRENTLY` is refused when the partitioned table has a
    `DEFAULT` partition, and the detached table keeps the partition bound as
    a `CHECK` constraint (PostgreSQL adds it; drop it if the table is reused).
    """

    code = "MG021"
    name = "detach-partition-non-concurrently"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "DETACH PARTITION {partition} takes an ACCESS EXCLUSIVE lock on {table}, blocking every read and write of "
        "every partition; detach it CONCURRENTLY"
    )
    fix_title = "detach the partition CONCURRENTLY"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if ctx.settings.postgres_version < 14 or not stmt.mentions("AT_DetachPartition"):
            return
        table = relation_name((stmt.node or {}).get("relation"))
        if not table or ctx.is_new_table(table, stmt):
            return
        cmds = alter_cmds(stmt)
        for cmd, (s, e) in zip(cmds, cmd_spans(stmt), strict=False):
            if cmd.get("subtype") != "AT_DetachPartition":
                continue
            part = (cmd.get("def") or {}).get("PartitionCmd") or {}
            if part.get("concurrent"):
                continue
            fix = None
            if len(cmds) == 1 and not stmt.find_token("FINALIZE", start=s, end=e):
                fix = run_outside_transaction(
                    self,
                    stmt,
                    ctx,
                    [(e, e, " CONCURRENTLY")],
                    self.fix_title,
                    slug="detach_partition_concurrently",
                )
                if fix is not None:
                    fix = replace(fix, applicability=Applicability.UNSAFE)
            yield ctx.finding(
                self,
                stmt,
                s,
                e,
                fix=fix,
                partition=relation_name(part.get("name")) or "?",
                table=table,
            )
