from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule

from ._runner import run_outside_transaction


class ConcurrentIndexInTransaction(Rule):
    """
    ## What it does
    Flags `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY` and
    `REINDEX ... CONCURRENTLY` placed inside an explicit `BEGIN ... COMMIT` block
    or in a migration its runner wraps in a transaction (diesel, goose, dbmate,
    sqlx, Flyway, ... without the runner's opt-out in the file).

    ## Why is this bad?
    Postgres refuses to run the concurrent forms inside a transaction block:
    the migration fails with `CREATE INDEX CONCURRENTLY cannot run inside a
    transaction block`, half-way through a deploy.

    ## Example
    ```sql
    BEGIN;
    CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);
    COMMIT;
    ```

    ## Use instead
    ```sql
    -- in a migration of its own, outside any transaction
    CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);
    ```

    ## Fix safety
    The fix moves the statement after the file's `COMMIT`, adds the runner's
    opt-out when the file holds nothing else, or moves the statement into a new
    migration right after this one (named by the folder's convention).
    """

    code = "MG002"
    name = "concurrent-index-in-transaction"
    command = "MIGRATION"
    severity = Severity.ERROR
    message = "{what} CONCURRENTLY cannot run inside a transaction block; this migration will fail"
    fix_title = "run it outside the transaction"
    fix_safety = Applicability.SAFE
    statement_kinds = ("IndexStmt", "DropStmt", "ReindexStmt")
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if not stmt.in_transaction:
            return
        node = stmt.node
        if stmt.kind == "ReindexStmt":
            params = node.get("params") or []
            if not any((p.get("DefElem") or {}).get("defname") == "concurrently" for p in params):
                return
            what = "REINDEX"
        elif not node.get("concurrent"):
            return
        else:
            what = "CREATE INDEX" if stmt.kind == "IndexStmt" else "DROP INDEX"
        tok = stmt.find_token("CONCURRENTLY")
        start, end = (0, tok.end) if tok else stmt.head_range()
        fix = run_outside_transaction(
            self,
            stmt,
            ctx,
            [],
            "run it outside the transaction",
            slug=f"concurrently_{node.get('idxname') or what.lower()}",
        )
        if (
            fix is not None
            and not fix.edits
            and not fix.new_files
            or fix is not None
            and not fix.is_safe
        ):
            fix = None  # nothing the runner can run differently
        yield ctx.finding(self, stmt, start, end, fix=fix, what=what)
