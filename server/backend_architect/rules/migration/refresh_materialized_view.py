from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name


class RefreshMaterializedView(Rule):
    """
    ## What it does
    Flags `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` in a migration,
    for a view not created earlier in the same migration (`WITH NO DATA`
    refreshes, which empty the view, are left alone).

    ## Why is this bad?
    A plain refresh takes an ACCESS EXCLUSIVE lock on the view for as long as
    its query runs: every read of the view waits, in every environment the
    migration reaches. `REFRESH MATERIALIZED VIEW CONCURRENTLY` runs the query
    while readers keep the old contents (it takes an EXCLUSIVE lock, which
    reads do not wait for) and can run inside the migration's transaction.

    ## Example
    ```sql
    REFRESH MATERIALIZED VIEW daily_totals;
    ```

    ## Use instead
    ```sql
    REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;
    ```
    `CONCURRENTLY` needs a unique index on the view (on column names only,
    no `WHERE`) and a view that has been populated once.

    ## Fix safety
    Unsafe: without a unique index on the view the concurrent refresh fails
    (`cannot refresh materialized view ... concurrently`); create one first.
    """

    code = "MG020"
    name = "refresh-materialized-view"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "REFRESH MATERIALIZED VIEW {view} takes an ACCESS EXCLUSIVE lock on it, blocking every read for as "
        "long as its query runs; refresh it CONCURRENTLY"
    )
    fix_title = "refresh it CONCURRENTLY (needs a unique index on the view)"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("RefreshMatViewStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        node = stmt.node or {}
        if node.get("concurrent") or node.get("skipData"):
            return
        view = relation_name(node.get("relation"))
        if not view or ctx.is_new_table(view, stmt):
            return
        head = stmt.find_sequence("REFRESH", "MATERIALIZED", "VIEW")
        if not head:
            return
        fix = self.fix([ctx.insert(stmt, head[-1].end, " CONCURRENTLY")])
        yield ctx.finding(self, stmt, head[0].start, head[-1].end, fix=fix, view=view)
