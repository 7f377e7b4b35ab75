from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule

from ._runner import _up_statements, delete_statement

_OPEN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_CLOSE = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"}
# runners that send the file as one query: a COMMIT there ends the implicit transaction block
_ONE_QUERY = {"golang-migrate", "prisma"}


class UnbalancedTransaction(Rule):
    """
    ## What it does
    Flags a file's own transaction statements that do not pair up, in a file
    no runner wraps in a transaction (there MG019 reports every `BEGIN` and
    `COMMIT`): a `BEGIN` while the file's transaction is already open, a
    `COMMIT` / `ROLLBACK` with none open, and a `BEGIN` never committed.

    ## Why is this bad?
    A nested `BEGIN` only warns (`there is already a transaction in
    progress`): the first `COMMIT` ends the outer transaction, and what the
    author meant to be atomic is not. A `BEGIN` without `COMMIT` leaves the
    transaction open until the session ends, and then everything in it is
    rolled back: psql and most runners report success for a file whose
    changes are gone, or hold their locks until the connection closes. A
    `COMMIT` with no transaction open does nothing and usually marks a
    `BEGIN` that was deleted or moved.

    ## Example
    ```sql
    BEGIN;
    ALTER TABLE posts ADD COLUMN title text;
    ALTER TABLE posts ADD COLUMN body text;
    ```

    ## Use instead
    ```sql
    BEGIN;
    ALTER TABLE posts ADD COLUMN title text;
    ALTER TABLE posts ADD COLUMN body text;
    COMMIT;
    ```

    ## Fix safety
    Safe: the fix appends the missing `COMMIT;`, or removes a nested `BEGIN`
    or an unmatched `COMMIT` (statements PostgreSQL ignores with a warning).
    """

    code = "MG025"
    name = "unbalanced-transaction"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = "{what}"
    fix_title = "balance the transaction"
    fix_safety = Applicability.SAFE
    statement_kinds = ()
    sql_scope = "migration"

    def check_region(self, ctx):
        if ctx.region.kind != "file":
            return
        info = ctx.ctx.file
        if info.is_migration and info.in_transaction and info.runner not in (None, *_ONE_QUERY):
            return  # the runner wraps the file: MG019 reports its BEGIN and COMMIT
        statements = _up_statements(ctx)
        opened = None
        last = statements[-1].index if statements else -1
        for stmt in ctx.statements[: last + 1]:  # with those that do not parse alone
            if stmt.kind != "TransactionStmt":
                continue
            kind = (stmt.node or {}).get("kind")
            head = stmt.tokens[0] if stmt.tokens else None
            end = head.end if head else len(stmt.data)
            if kind in _OPEN:
                if opened is not None:
                    yield ctx.finding(
                        self,
                        stmt,
                        0,
                        end,
                        fix=self.fix(
                            [delete_statement(stmt, ctx)], title="remove the nested BEGIN"
                        ),
                        what="BEGIN inside a transaction already open: it only warns, and the first COMMIT "
                        "ends the outer transaction",
                    )
                    continue
                opened = stmt
            elif kind in _CLOSE:
                if opened is None:
                    if info.runner in _ONE_QUERY:
                        continue  # it ends the implicit block of the file's one query
                    word = "COMMIT" if kind == "TRANS_STMT_COMMIT" else "ROLLBACK"
                    yield ctx.finding(
                        self,
                        stmt,
                        0,
                        end,
                        fix=self.fix([delete_statement(stmt, ctx)], title=f"remove the {word}"),
                        what=f"{word} with no transaction open: it does nothing but warn",
                    )
                    continue
                opened = None
        if opened is not None:
            last = statements[-1]
            at = last.region.to_doc(last.span_end, end=True)
            data = ctx.document.data
            nl = data.find(b"\n", at)
            line_end = len(data) if nl < 0 else nl
            text = "\nCOMMIT;"
            fix = self.fix([Edit(line_end, line_end, text)], title="add COMMIT at the end")
            head = opened.tokens[0] if opened.tokens else None
            yield ctx.finding(
                self,
                opened,
                0,
                head.end if head else len(opened.data),
                fix=fix,
                what="BEGIN without COMMIT: the transaction stays open until the session ends, and is then "
                "rolled back with everything in it",
            )
