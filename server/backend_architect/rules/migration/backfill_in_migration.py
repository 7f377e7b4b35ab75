from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name


class BackfillInMigration(Rule):
    """
    ## What it does
    Flags an `UPDATE` in a migration that rewrites a whole existing table: no
    `WHERE`, or a `WHERE` that only picks rows by `IS NULL` / `IS NOT NULL`
    (the usual backfill of a new column).

    ## Why is this bad?
    The UPDATE locks every row it touches until the migration commits —
    concurrent writes to those rows wait for the whole backfill — and on a
    big table it runs for minutes, with any earlier ALTER in the same
    transaction still holding its ACCESS EXCLUSIVE lock. It also writes a new
    version of every row at once (table bloat, a burst of WAL, replica lag).

    ## Example
    ```sql
    UPDATE users SET plan = 'free' WHERE plan IS NULL;
    ```

    ## Use instead
    Backfill in small batches from a script or job outside the migration,
    each batch its own transaction:
    ```sql
    UPDATE users SET plan = 'free'
    WHERE id IN (SELECT id FROM users WHERE plan IS NULL LIMIT 5000);
    -- repeat until it updates 0 rows
    ```
    """

    code = "MG018"
    name = "backfill-in-migration"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "UPDATE of {what} of {table} in a migration holds a ROW EXCLUSIVE lock and a lock on every updated row "
        "until the migration commits, blocking concurrent writes to them; backfill in batches outside the migration"
    )
    statement_kinds = ("UpdateStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        node = stmt.node
        table = relation_name(node.get("relation"))
        if not table or ctx.is_new_table(table, stmt):
            return
        where = node.get("whereClause")
        if where is not None and not self._whole_table(where):
            return
        if node.get("fromClause"):
            return  # UPDATE ... FROM joins: usually a bounded data fix
        what = "every row" if where is None else "every NULL row"
        tok = stmt.find_token("UPDATE")
        yield ctx.finding(self, stmt, tok.start if tok else 0, tok.end if tok else 6, what=what, table=table)

    @staticmethod
    def _whole_table(where: dict) -> bool:
        """A WHERE that is only NullTests on columns (combined with AND/OR)."""
        if "NullTest" in where:
            return "ColumnRef" in (where["NullTest"].get("arg") or {})
        if "BoolExpr" in where:
            args = where["BoolExpr"].get("args", [])
            return bool(args) and all(BackfillInMigration._whole_table(a) for a in args)
        return False


