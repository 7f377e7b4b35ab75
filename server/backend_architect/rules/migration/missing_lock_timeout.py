from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule


from ._locks import BLOCKS, heavy_locks


class MissingLockTimeout(Rule):
    """
    ## What it does
    Flags a migration file that takes a lock blocking reads or writes on an
    existing table or view (ALTER TABLE, DROP TABLE/VIEW/TRIGGER, TRUNCATE,
    RENAME, a plain CREATE INDEX, CREATE TABLE ... REFERENCES, CREATE OR
    REPLACE VIEW, CREATE TRIGGER, VACUUM FULL, CLUSTER, REINDEX, LOCK) without
    a `SET lock_timeout` before it.
    Reported once per file, on the first such statement.

    ## Why is this bad?
    A lock request waits behind every transaction already using the table —
    a long report, a forgotten `idle in transaction` session. While it waits,
    every new query on the table queues behind it: even a statement that would
    hold its lock for a millisecond takes the application down for as long as
    the oldest transaction runs. With `lock_timeout` the migration gives up
    instead, and can be retried.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE users ADD COLUMN nickname text;
    ```
    The fix inserts the setting `migration.lock-timeout` (default `5s`) at
    the top of the file. `SET LOCAL` and `set_config('lock_timeout', ...)` count too.
    """

    code = "MG015"
    name = "missing-lock-timeout"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "{what} takes {article} {lock} lock on {table} with no lock_timeout set: while it waits for the lock, {blocks} "
        "on {table} queues behind it; SET lock_timeout first"
    )
    fix_title = "SET lock_timeout at the top of the migration"
    fix_safety = Applicability.SAFE
    statement_kinds = ()
    sql_scope = "migration"

    def check_region(self, ctx):
        if ctx.region.kind != "file":
            return  # nested and ORM regions: the file (or the ORM) owns the session settings
        first = None
        for stmt in ctx.statements:
            if stmt.node is None:
                continue
            if self._sets_lock_timeout(stmt):
                return
            locks = heavy_locks(stmt, ctx)
            if locks:
                first = (stmt, locks[0])
                break
        if first is None:
            return
        stmt, (table, lock) = first
        top = next(s for s in ctx.statements)
        value = ctx.settings.migration.lock_timeout
        fix = self.fix([ctx.insert(top, 0, f"SET lock_timeout = '{value}';\n")])
        what = " ".join(t.name.replace("_P", "") for t in stmt.tokens[:2]) if stmt.tokens else stmt.kind
        s, e = stmt.head_range()
        if stmt.tokens:
            s, e = stmt.tokens[0].start, stmt.tokens[min(1, len(stmt.tokens) - 1)].end
        blocks = BLOCKS[lock].replace("every", "every new")
        article = "an" if lock.startswith("ACCESS") else "a"
        yield ctx.finding(self, stmt, s, e, fix=fix, what=what, article=article, lock=lock, table=table, blocks=blocks)

    @staticmethod
    def _sets_lock_timeout(stmt) -> bool:
        node = stmt.node
        if stmt.kind == "VariableSetStmt":
            return (node.get("name") or "").lower() == "lock_timeout"
        if stmt.kind == "SelectStmt" and "set_config" in stmt.text.lower() and "lock_timeout" in stmt.text.lower():
            return True
        if stmt.kind in ("AlterRoleSetStmt", "AlterDatabaseSetStmt"):
            return "lock_timeout" in stmt.text.lower()
        return False


