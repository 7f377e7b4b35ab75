from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name


class TruncateTable(Rule):
    """
    ## What it does
    Flags `TRUNCATE` of a table not created in the same migration.

    ## Why is this bad?
    `TRUNCATE` takes an ACCESS EXCLUSIVE lock, blocking every read and write,
    and deletes every row of a live table (with `CASCADE`, of every table
    referencing it too). A migration replays on every environment, production
    included.

    ## Example
    ```sql
    TRUNCATE sessions;
    ```

    ## Use instead
    Delete data in batches from a job, outside the migration, or drop the
    table in a later migration once no code uses it:
    ```sql
    DELETE FROM sessions WHERE id IN (SELECT id FROM sessions LIMIT 10000);  -- repeat
    ```
    """

    code = "MG013"
    name = "truncate-table"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "TRUNCATE {table} takes an ACCESS EXCLUSIVE lock, blocking every read and write, and deletes every row of "
        "a live table; delete in batches outside the migration"
    )
    statement_kinds = ("TruncateStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        names = [relation_name(r) for r in stmt.node.get("relations", [])]
        names = [n for n in names if n and not ctx.is_new_table(n, stmt)]
        if names:
            tok = stmt.find_token("TRUNCATE")
            yield ctx.finding(
                self, stmt, tok.start if tok else 0, tok.end if tok else 8, table=", ".join(names)
            )
