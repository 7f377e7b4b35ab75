from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule

from ._runner import delete_statement

_OPEN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_CLOSE = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"}


class TransactionNesting(Rule):
    """
    ## What it does
    Flags `BEGIN` / `START TRANSACTION` and `COMMIT` / `ROLLBACK` written in a
    migration file that its runner already runs inside a transaction (goose,
    dbmate, diesel, sqlx, Flyway, sql-migrate, pop, ... without the runner's
    opt-out in the file).

    ## Why is this bad?
    Inside the runner's transaction `BEGIN` does nothing but warn (`there is
    already a transaction in progress`), and the file's `COMMIT` ends the
    runner's transaction early: everything after it runs outside any
    transaction, a failure there leaves the migration half applied, and the
    runner's own `COMMIT` finds no transaction (some runners then fail or record
    the migration wrongly).

    ## Example
    ```sql
    -- +goose Up
    BEGIN;
    ALTER TABLE posts ADD COLUMN title text;
    COMMIT;
    ```

    ## Use instead
    ```sql
    -- +goose Up
    ALTER TABLE posts ADD COLUMN title text;
    ```
    The runner's transaction already makes the file atomic.

    ## Fix safety
    The fix removes the statement: the file keeps running in the runner's one
    transaction, as its author meant.
    """

    code = "MG019"
    name = "transaction-nesting"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = "{what} in a migration {runner} already runs in a transaction: {effect}"
    fix_title = "remove it: the runner's transaction already wraps the file"
    fix_safety = Applicability.SAFE
    statement_kinds = ("TransactionStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        info = ctx.ctx.file
        if ctx.region.kind != "file" or not info.is_migration or not info.in_transaction:
            return
        if info.runner in (None, "golang-migrate", "prisma"):
            return  # one query per file: an explicit BEGIN ... COMMIT is how such a file gets a transaction
        kind = (stmt.node or {}).get("kind")
        if kind in _OPEN:
            what, effect = (
                "BEGIN",
                "it only warns, and the file's COMMIT would end the runner's transaction early",
            )
        elif kind in _CLOSE:
            what = "COMMIT" if kind == "TRANS_STMT_COMMIT" else "ROLLBACK"
            effect = (
                "it ends the runner's transaction early; what follows runs outside any transaction"
            )
        else:
            return
        fix = self.fix([delete_statement(stmt, ctx)])
        head = stmt.tokens[0] if stmt.tokens else None
        yield ctx.finding(
            self,
            stmt,
            0,
            head.end if head else len(stmt.data),
            fix=fix,
            what=what,
            runner=info.runner,
            effect=effect,
        )
