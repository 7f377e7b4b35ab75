from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ._locks import SHARE_UPDATE_EXCLUSIVE, alter_cmds, cmd_spans, statement_locks

# subcommands with a grammar of their own: they cannot share an ALTER TABLE
_ALONE = {"AT_AttachPartition", "AT_DetachPartition", "AT_DetachPartitionFinalize"}


def _scans(cmds) -> bool:
    """Whether the subcommands read or rewrite every row (a second statement does it again)."""
    for c in cmds:
        sub = c.get("subtype")
        if sub in ("AT_AlterColumnType", "AT_SetNotNull"):
            return True
        con = (c.get("def") or {}).get("Constraint") or {}
        if (
            sub == "AT_AddConstraint"
            and con.get("contype") == "CONSTR_CHECK"
            and not con.get("skip_validation")
        ):
            return True
    return False


class MultipleAlterTable(Rule):
    """
    ## What it does
    Flags a second `ALTER TABLE` of the same existing table in one migration
    when each statement takes the table's lock again: the runner runs the
    file statement by statement (goose `NO TRANSACTION`, dbmate
    `transaction:false`, sqlx `-- no-transaction`, ... and no `BEGIN ...
    COMMIT` around them), or both statements read or rewrite every row (a
    type change, `SET NOT NULL`, a validated `CHECK`). Where the runner is
    not known, only the second case is reported.

    ## Why is this bad?
    Outside a transaction every `ALTER TABLE` queues for its ACCESS EXCLUSIVE
    lock anew, behind every running query, and every new query on the table
    queues behind it: two statements are two outages. Inside one, each
    statement that scans or rewrites the table does it again, under the lock
    the first one took; one `ALTER TABLE` with several subcommands scans and
    rewrites once.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ALTER TABLE users ALTER COLUMN name SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ALTER COLUMN email SET NOT NULL,
      ALTER COLUMN name SET NOT NULL;
    ```

    ## Fix safety
    Unsafe: the fix merges a statement into the `ALTER TABLE` right before it
    (nothing but white space between them). PostgreSQL runs the subcommands
    of one statement in its own order (drops, then type changes, then added
    columns, ...), so a subcommand that needs an earlier statement's column
    may fail in the merged form.

    Off by default: of 49 findings in 25 public repositories (November 2026),
    20 read, all 20 were real repeated scans or rewrites (two type changes or
    two `SET NOT NULL` of one table; 30 of the 49 in one migration), but mostly
    of small tables or in ORM migrations whose operations cannot be merged
    mechanically: measured precision 20 of 20 correct, few worth changing a
    migration for. Select `MG023` to run it.
    """

    default_enabled = False
    code = "MG023"
    name = "multiple-alter-table"
    command = "MIGRATION"
    severity = Severity.INFORMATION
    message = "{table} is altered again{why}; combine the statements into one ALTER TABLE"
    fix_title = "merge into the ALTER TABLE before it"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ()
    sql_scope = "migration"

    def check_region(self, ctx):
        info = ctx.ctx.file
        runner_wraps = ctx.region.kind != "file" or (
            info.is_migration and bool(info.in_transaction)
        )
        # each statement its own transaction only where the runner is known not to wrap the file
        # (an unknown runner may well run it in one transaction, as golang-migrate does)
        known_autocommit = (
            ctx.region.kind == "file" and info.runner is not None and info.in_transaction is False
        )

        seen: dict[str, object] = {}
        previous = None
        for stmt in ctx.statements:
            if stmt.kind != "AlterTableStmt" or stmt.node is None:
                previous = stmt if stmt.kind is not None else previous
                continue
            table = relation_name(stmt.node.get("relation"))
            heavy = [
                lock
                for t, lock in statement_locks(stmt)
                if t == table and lock != SHARE_UPDATE_EXCLUSIVE
            ]
            if not table or not heavy or ctx.is_new_table(table, stmt):
                previous = stmt
                continue
            key = table.lower().removeprefix("public.")
            earlier = seen.get(key)
            seen[key] = stmt
            if earlier is not None:
                one_tx = runner_wraps or (stmt.in_transaction and earlier.in_transaction)
                why = ""
                if not one_tx and known_autocommit:
                    why = ", in a transaction of its own: it queues for the lock again"
                elif _scans(alter_cmds(stmt)) and _scans(alter_cmds(earlier)):
                    why = ": it reads every row again under the lock"
                if why:
                    fix = self._merge(stmt, earlier, previous, ctx)
                    s, e = stmt.head_range("ALTER", "TABLE")
                    yield ctx.finding(self, stmt, s, e, fix=fix, table=table, why=why)
            previous = stmt

    def _merge(self, stmt, earlier, previous, ctx):
        if previous is not earlier or stmt.region is not earlier.region:
            return None
        cmds, prev_cmds = alter_cmds(stmt), alter_cmds(earlier)
        if any(c.get("subtype") in _ALONE for c in cmds + prev_cmds):
            return None
        spans, prev_spans = cmd_spans(stmt), cmd_spans(earlier)
        if not spans or not prev_spans or spans[0] == (0, len(stmt.data)):
            return None
        header = " ".join(stmt.slice(0, spans[0][0]).split()).lower()
        prev_header = " ".join(earlier.slice(0, prev_spans[0][0]).split()).lower()
        if header != prev_header:
            return None  # ONLY, IF EXISTS or a schema differ
        start = earlier.region.to_doc(earlier.end, end=True)
        end = stmt.region.to_doc(stmt.start + spans[0][0])
        between = ctx.document.data[start:end]
        if between.replace(b";", b"", 1).strip() != stmt.data[: spans[0][0]].strip():
            return None  # a comment or something else between them
        return self.fix([Edit(start, end, ",\n  ")])
