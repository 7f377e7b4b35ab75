from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name


class UpdateDeleteWithoutWhere(Rule):
    """
    ## What it does
    Flags `UPDATE` and `DELETE` statements with no `WHERE` clause.

    ## Why is this bad?
    The statement touches every row of the table: one missing line turns a
    targeted change into data loss, and on a large table it holds row locks on
    everything and bloats the table. When a whole-table change really is meant,
    saying so (`WHERE true`, or `TRUNCATE` for a delete) makes it reviewable.

    ## Example
    ```sql
    DELETE FROM sessions;
    ```

    ## Use instead
    ```sql
    DELETE FROM sessions WHERE expires_at < now();
    ```
    """

    code = "QO002"
    name = "update-delete-without-where"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "{verb} without WHERE changes every row of {table}"
    statement_kinds = ("UpdateStmt", "DeleteStmt")

    def check_statement(self, stmt, ctx):
        node = stmt.node
        if node.get("whereClause") is not None:
            return
        table = relation_name(node.get("relation"))
        if ctx.is_new_table(table, stmt):
            return
        if stmt.kind == "UpdateStmt" and ctx.in_migration:
            return  # a whole-table UPDATE in a migration is a backfill: MG018 says more
        verb = "UPDATE" if stmt.kind == "UpdateStmt" else "DELETE"
        rel = node.get("relation", {}).get("location")
        if rel is None:
            start, end = stmt.head_range()
        else:
            start, end = 0, rel + len((node["relation"].get("relname") or "").encode())
            schema = node["relation"].get("schemaname")
            if schema:
                end += len(schema.encode()) + 1
        yield ctx.finding(self, stmt, start, end, verb=verb, table=table)
