from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name


class RenameTable(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... RENAME TO` on an existing table.

    ## Why is this bad?
    The rename takes an ACCESS EXCLUSIVE lock, and every query of the running
    application that names the old table fails from the moment the migration
    commits until all instances run the new code.

    ## Example
    ```sql
    ALTER TABLE customers RENAME TO accounts;
    ```

    ## Use instead
    Expand and contract:
    ```sql
    BEGIN;
    ALTER TABLE customers RENAME TO accounts;
    CREATE VIEW customers AS SELECT * FROM accounts;  -- old name keeps working (simple views are updatable)
    COMMIT;
    -- deploy code that uses accounts, then in a later migration:
    DROP VIEW customers;
    ```
    """

    code = "MG010"
    name = "rename-table"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "RENAME of table {table} to {new} takes an ACCESS EXCLUSIVE lock (blocking every read and write while "
        "queued) and breaks running code that still uses {table}; keep the old name as a view until no code uses it"
    )
    statement_kinds = ("RenameStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        node = stmt.node
        if node.get("renameType") != "OBJECT_TABLE":
            return
        table = relation_name(node.get("relation"))
        if ctx.is_new_table(table, stmt) or _is_sequence(table, ctx):
            return
        tok = stmt.find_token("RENAME")
        yield ctx.finding(
            self,
            stmt,
            tok.start if tok else 0,
            len(stmt.data),
            table=table,
            new=node.get("newname"),
        )


def _is_sequence(name: str | None, ctx) -> bool:
    """``ALTER TABLE x_id_seq RENAME``: a sequence (Postgres accepts ALTER TABLE for it); no code
    reads it by name and the lock is momentary. Known tables are never sequences."""
    if not name or not name.lower().endswith("_seq"):
        return False
    catalog = getattr(ctx, "catalog", None)
    return catalog is None or catalog.table(name) is None
