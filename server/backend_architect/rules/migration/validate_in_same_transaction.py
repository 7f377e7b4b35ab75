from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ._locks import alter_cmds, cmd_spans
from ._runner import run_outside_transaction


def _short(name: str | None) -> str:
    return (name or "").lower().removeprefix("public.")


class ValidateInSameTransaction(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... VALIDATE CONSTRAINT c` in the same transaction as
    the `ADD CONSTRAINT c ... NOT VALID` it validates: inside one `BEGIN ...
    COMMIT`, a file its runner wraps in a transaction (goose, dbmate, diesel,
    sqlx, Flyway, ...), a file sent as one query (golang-migrate, Prisma), or
    a `DO` block.

    ## Why is this bad?
    `NOT VALID` is meant to split a constraint into a short lock and a scan
    that does not block: adding the constraint takes an ACCESS EXCLUSIVE
    (CHECK) or SHARE ROW EXCLUSIVE (FOREIGN KEY) lock, and that lock is held
    until the transaction ends. A `VALIDATE` in the same transaction scans
    the whole table while the lock still blocks reads or writes: the same
    outage as adding the constraint without `NOT VALID`.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE orders ADD CONSTRAINT orders_total CHECK (total >= 0) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_total;
    COMMIT;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE orders ADD CONSTRAINT orders_total CHECK (total >= 0) NOT VALID;
    COMMIT;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_total;
    ```
    The fix runs the `VALIDATE` after the file's `COMMIT`, or in a new
    migration right after this one when the runner wraps the file (no fix
    when a later statement of the file uses the table, or in a `DO` block).
    """

    code = "MG026"
    name = "validate-in-same-transaction"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "VALIDATE CONSTRAINT {constraint} runs in the transaction that added it NOT VALID: the {lock} lock taken "
        "by the ADD is still held, so the validation scan blocks {blocks} on {table}; validate it in a later "
        "transaction"
    )
    fix_title = "validate it in a transaction of its own"
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if not stmt.in_transaction or not stmt.mentions("AT_ValidateConstraint"):
            return
        table = relation_name((stmt.node or {}).get("relation"))
        if not table or ctx.is_new_table(table, stmt):
            return
        for cmd, (s, e) in zip(alter_cmds(stmt), cmd_spans(stmt), strict=False):
            if cmd.get("subtype") != "AT_ValidateConstraint":
                continue
            added = _added_not_valid(stmt, ctx, table, cmd.get("name") or "")
            if added is None:
                continue
            foreign = added == "CONSTR_FOREIGN"
            fix = None
            if len(alter_cmds(stmt)) == 1:
                fix = run_outside_transaction(
                    self,
                    stmt,
                    ctx,
                    [],
                    self.fix_title,
                    slug=f"validate_{cmd.get('name')}",
                )
            yield ctx.finding(
                self,
                stmt,
                s,
                e,
                fix=fix,
                constraint=cmd.get("name"),
                lock="SHARE ROW EXCLUSIVE" if foreign else "ACCESS EXCLUSIVE",
                blocks="every write" if foreign else "every read and write",
                table=table,
            )


def _added_not_valid(stmt, ctx, table: str, name: str) -> str | None:
    """The constraint type of an earlier ``ADD CONSTRAINT name ... NOT VALID`` on ``table`` in the
    same transaction (no BEGIN, COMMIT or ROLLBACK between), else None."""
    for other in reversed(ctx.statements[: stmt.index]):
        if other.kind == "TransactionStmt":
            return None
        if other.kind != "AlterTableStmt" or not other.in_transaction or other.node is None:
            continue
        if _short(relation_name(other.node.get("relation"))) != _short(table):
            continue
        for c in alter_cmds(other):
            con = (c.get("def") or {}).get("Constraint") or {}
            if (
                c.get("subtype") == "AT_AddConstraint"
                and con.get("skip_validation")
                and (con.get("conname") or "").lower() == name.lower()
            ):
                return con.get("contype")
    return None
