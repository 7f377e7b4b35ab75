from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ._locks import alter_cmds, cmd_spans


class DropColumn(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... DROP COLUMN` on an existing table.

    ## Why is this bad?
    The drop takes an ACCESS EXCLUSIVE lock (brief, but every query queues
    behind it while it waits), and code still running that selects, inserts or
    maps the column fails at once — ORMs that list every column break even if
    the code never reads it. The data is gone for good.

    ## Example
    ```sql
    ALTER TABLE users DROP COLUMN legacy_flags;
    ```

    ## Use instead
    Contract in two deploys: first ship code that no longer reads or writes
    the column (for Django: remove the field with `SeparateDatabaseAndState`;
    for Rails: `ignored_columns`), then drop it in a later migration — with a
    `SET lock_timeout` first:
    ```sql
    -- a later migration, once no running code uses the column
    SET lock_timeout = '5s';
    ALTER TABLE users DROP COLUMN legacy_flags;
    ```
    """

    code = "MG011"
    name = "drop-column"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "DROP COLUMN {column} takes an ACCESS EXCLUSIVE lock on {table} (blocking every read and write while "
        "queued), breaks running code that still uses the column and deletes its data; stop using it in a "
        "deploy first, then drop it in a later migration"
    )
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        table = relation_name(stmt.node.get("relation"))
        if ctx.is_new_table(table, stmt):
            return
        for c, span in zip(alter_cmds(stmt), cmd_spans(stmt), strict=False):
            if c.get("subtype") == "AT_DropColumn":
                yield ctx.finding(self, stmt, span[0], span[1], column=c.get("name"), table=table)
