from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list, relation_name


class BackfillInMigration(Rule):
    """
    ## What it does
    Flags an `UPDATE` in a migration that rewrites a whole existing table: no
    `WHERE`, or a `WHERE` that only picks rows by `IS NULL` / `IS NOT NULL`
    (the usual backfill of a new column), and an `UPDATE ... FROM` whose
    `WHERE` only joins the tables (a backfill from another table). Statements
    inside `DO` blocks count too, templated schema names included.

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
        joined = bool(node.get("fromClause"))
        if where is not None and not self._whole_table(where, joined):
            return
        if joined:
            what = "every matching row"  # UPDATE ... FROM with only join conditions: a backfill from another table
        else:
            what = "every row" if where is None else "every NULL row"
        tok = stmt.find_token("UPDATE")
        yield ctx.finding(
            self, stmt, tok.start if tok else 0, tok.end if tok else 6, what=what, table=table
        )

    @staticmethod
    def _whole_table(where: dict, joined: bool = False) -> bool:
        """A WHERE that is only NullTests on columns (combined with AND/OR) and, for
        UPDATE ... FROM, equalities between two columns (the join)."""
        if "NullTest" in where:
            return "ColumnRef" in (where["NullTest"].get("arg") or {})
        if "BoolExpr" in where:
            args = where["BoolExpr"].get("args", [])
            if joined and where["BoolExpr"].get("boolop") != "AND_EXPR":
                return False
            return bool(args) and all(BackfillInMigration._whole_table(a, joined) for a in args)
        expr = where.get("A_Expr")
        if (
            joined
            and expr
            and expr.get("kind") == "AEXPR_OP"
            and name_list(expr.get("name")) == ["="]
        ):
            return "ColumnRef" in (expr.get("lexpr") or {}) and "ColumnRef" in (
                expr.get("rexpr") or {}
            )
        return False
