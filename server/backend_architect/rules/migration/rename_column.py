from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name


class RenameColumn(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... RENAME COLUMN` on an existing table.

    ## Why is this bad?
    The rename itself is quick (a brief ACCESS EXCLUSIVE lock), but the running
    application still reads and writes the old name: from the moment the
    migration commits until every instance runs the new code, its queries fail.
    Deploys are never atomic.

    ## Example
    ```sql
    ALTER TABLE users RENAME COLUMN name TO full_name;
    ```

    ## Use instead
    Expand and contract over several deploys:
    ```sql
    -- 1. expand: add the new column; the application writes both
    ALTER TABLE users ADD COLUMN full_name text;
    -- 2. backfill full_name in batches; switch reads to full_name
    -- 3. contract, once nothing uses it: ALTER TABLE users DROP COLUMN name;
    ```
    (Or, for a short window, a view or a generated column under the old name.)
    """

    code = "MG009"
    name = "rename-column"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "RENAME COLUMN {old} TO {new} takes an ACCESS EXCLUSIVE lock on {table} (blocking every read and write "
        "while queued) and breaks running code that still uses {old}; expand/contract: add the new column, "
        "dual-write and backfill, switch reads, drop the old one later"
    )
    statement_kinds = ("RenameStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        node = stmt.node
        if node.get("renameType") != "OBJECT_COLUMN" or node.get("relationType") not in (
            None,
            "OBJECT_TABLE",
        ):
            return
        table = relation_name(node.get("relation"))
        if ctx.is_new_table(table, stmt):
            return
        seq = stmt.find_sequence("RENAME", "COLUMN") or stmt.find_sequence("RENAME")
        start = seq[0].start if seq else 0
        yield ctx.finding(
            self,
            stmt,
            start,
            len(stmt.data),
            table=table,
            old=node.get("subname"),
            new=node.get("newname"),
        )
