from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule

from ._locks import ACCESS_EXCLUSIVE, heavy_locks


class MultipleExclusiveLocks(Rule):
    """
    ## What it does
    Flags a transaction that takes ACCESS EXCLUSIVE locks on two or more
    existing tables: an explicit `BEGIN` ... `COMMIT` block, a `DO` block, or
    an atomic ORM migration. Reported on the statement that locks the second table.

    ## Why is this bad?
    Every lock is held until COMMIT. While the migration waits for the lock on
    the second table, the first is already locked: every query on it queues.
    Lock waits compound, and two migrations (or a migration and the
    application) taking the same tables in another order deadlock.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    ALTER TABLE customers ADD COLUMN note text;
    COMMIT;
    ```

    ## Use instead
    One table per transaction (or per migration), each with a lock_timeout:
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE orders ADD COLUMN note text;
    ALTER TABLE customers ADD COLUMN note text;
    ```
    """

    code = "MG016"
    name = "multiple-exclusive-locks"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "{table} is locked ACCESS EXCLUSIVE in the same transaction that already holds {held}: those locks are "
        "kept until COMMIT, so every read and write of {held} queues while this one waits; one table per transaction"
    )
    statement_kinds = ()
    sql_scope = "migration"

    def check_region(self, ctx):
        whole = bool(ctx.region.meta.get("in_transaction"))
        held: list[str] = []
        reported = False
        for stmt in ctx.statements:
            if stmt.kind == "TransactionStmt" and not whole:
                kind = (stmt.node or {}).get("kind", "")
                if kind in (
                    "TRANS_STMT_BEGIN",
                    "TRANS_STMT_START",
                    "TRANS_STMT_COMMIT",
                    "TRANS_STMT_ROLLBACK",
                ):
                    held, reported = [], False
                continue
            if stmt.kind is None or not (stmt.in_transaction or whole) or stmt.node is None:
                continue
            for table, lock in heavy_locks(stmt, ctx):
                if lock != ACCESS_EXCLUSIVE or table.startswith("index "):
                    continue
                key = table.lower().rsplit(".", 1)[-1]
                if key in [h.lower().rsplit(".", 1)[-1] for h in held]:
                    continue
                if held and not reported:
                    reported = True
                    s, e = stmt.head_range()
                    if stmt.tokens:
                        s, e = stmt.tokens[0].start, stmt.tokens[min(1, len(stmt.tokens) - 1)].end
                    yield ctx.finding(self, stmt, s, e, table=table, held=", ".join(held))
                held.append(table)
