from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list

from ._runner import run_outside_transaction


class EnumAddValueInTransaction(Rule):
    """
    ## What it does
    Flags `ALTER TYPE ... ADD VALUE` inside a transaction block (`BEGIN` ...
    `COMMIT`, or a `DO` block) when the target is older than PostgreSQL 12,
    and on 12+ flags a use of the new value later in the same transaction.

    ## Why is this bad?
    Before PostgreSQL 12, `ALTER TYPE ... ADD VALUE cannot run inside a
    transaction block`: the migration fails. Since 12 it may, but the new value
    cannot be used until the transaction commits (`unsafe use of new value`).

    ## Example
    ```sql
    BEGIN;
    ALTER TYPE order_status ADD VALUE 'refunded';
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    COMMIT;
    ```

    ## Use instead
    Add the value in a migration of its own that runs outside a transaction
    (for example `-- migrate:no-transaction`), and use it in the next one:
    ```sql
    ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';
    ```
    """

    code = "MG014"
    name = "enum-add-value-in-transaction"
    command = "MIGRATION"
    severity = Severity.ERROR
    message = "{detail}"
    fix_title = "run the ADD VALUE outside the transaction"
    fix_safety = Applicability.SAFE
    statement_kinds = ("AlterEnumStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        node = stmt.node
        value = node.get("newVal")
        if not value or node.get("oldVal") or not stmt.in_transaction:
            return  # RENAME VALUE is fine anywhere
        type_name = ".".join(name_list(node.get("typeName")))
        pg = ctx.settings.postgres_version
        head = stmt.find_sequence("ADD_P", "VALUE_P")
        s, e = (head[0].start, head[-1].end) if head else stmt.head_range()
        if pg < 12:
            fix = run_outside_transaction(
                self,
                stmt,
                ctx,
                [],
                "run the ADD VALUE outside the transaction",
                slug=f"add_value_{value}",
            )
            if fix is not None and (not fix.is_safe or not fix.edits and not fix.new_files):
                fix = None
            yield ctx.finding(
                self,
                stmt,
                s,
                e,
                fix=fix,
                detail=(
                    f"ALTER TYPE {type_name} ADD VALUE cannot run inside a transaction block before PG 12 "
                    f"(postgres-version {pg}): this migration fails; run it outside a transaction"
                ),
            )
            return
        literal = "'" + value.replace("'", "''") + "'"
        for other in ctx.statements[stmt.index + 1 :]:
            if other.kind == "TransactionStmt" and (other.node or {}).get("kind") in (
                "TRANS_STMT_COMMIT",
                "TRANS_STMT_ROLLBACK",
            ):
                break
            if literal in other.text:
                yield ctx.finding(
                    self,
                    stmt,
                    s,
                    e,
                    detail=(
                        f"the new {type_name} value {literal} is used later in the same transaction, before "
                        "the ADD VALUE commits (unsafe use of new value); use it in the next migration"
                    ),
                )
                return
