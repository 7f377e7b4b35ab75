from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list


class DropTable(Rule):
    """
    ## What it does
    Flags `DROP TABLE` of a table not created in the same migration.

    ## Why is this bad?
    It takes an ACCESS EXCLUSIVE lock (queries queue behind it), breaks any
    running code that still uses the table, and deletes the data for good —
    with `CASCADE`, also every view and foreign key that depends on it.

    ## Example
    ```sql
    DROP TABLE legacy_sessions;
    ```

    ## Use instead
    Contract in steps: stop using the table in a deploy, rename it (or revoke
    access) and watch for errors, then drop it in a later migration — after a
    backup — with a `SET lock_timeout` first:
    ```sql
    -- a later migration, once nothing reads or writes the table
    SET lock_timeout = '5s';
    DROP TABLE legacy_events;
    ```
    """

    code = "MG012"
    name = "drop-table"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "DROP TABLE {table} takes an ACCESS EXCLUSIVE lock (blocking every read and write while queued), breaks "
        "running code that still uses it and deletes its data; stop using it in a deploy first, drop it later"
    )
    statement_kinds = ("DropStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if stmt.node.get("removeType") != "OBJECT_TABLE":
            return
        names = []
        for obj in stmt.node.get("objects", []):
            parts = name_list(obj.get("List", {}).get("items", []))
            if parts and not ctx.is_new_table(".".join(parts), stmt):
                names.append(".".join(parts))
        if names:
            head = stmt.find_sequence("DROP", "TABLE")
            s, e = (head[0].start, head[-1].end) if head else stmt.head_range()
            yield ctx.finding(self, stmt, s, e, table=", ".join(names))
