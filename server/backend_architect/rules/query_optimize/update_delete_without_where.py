from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.app.checks import skip_tests
from backend_architect.core.engine import DDL_KINDS
from backend_architect.core.regions import PLACEHOLDER_SCHEMA
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

    Checked in application queries, including data-modifying CTEs. Migrations
    and SQL scripts (backfills, data fixes), test clean-ups and scratch tables
    (`tmp_*`, tables created earlier in the file) change whole tables on purpose
    and are left alone; a large backfill in a migration is MG018's business.

    ## Example
    ```sql
    DELETE FROM sessions;
    ```

    ## Use instead
    ```sql
    DELETE FROM sessions WHERE expires_at < now();
    ```

    Off by default: on 13 findings drawn at random from 25 public repositories
    (November 2026) none was a mistake — whole-table statements in committed
    code are deliberate ("reset all", single-row tables, embedded migrations,
    fragments completed later); precision 0%. Select `QO002` to run it.
    """

    default_enabled = False
    code = "QO002"
    name = "update-delete-without-where"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "{verb} without WHERE changes every row of {table}"
    statement_kinds = ("UpdateStmt", "DeleteStmt", "SelectStmt", "InsertStmt", "MergeStmt")

    def check_statement(self, stmt, ctx):
        if (
            ctx.ctx.is_migration
            or ctx.in_migration
            or skip_tests(ctx.document.path)
            or _schema_script(ctx)
        ):
            return  # migrations, scripts and test clean-ups change whole tables on purpose
        if stmt.kind in ("UpdateStmt", "DeleteStmt"):
            yield from self._check(stmt, ctx, stmt.kind, stmt.node)
        if stmt.mentions("UpdateStmt", "DeleteStmt"):  # data-modifying CTEs
            for kind in ("UpdateStmt", "DeleteStmt"):
                for node in stmt.nodes.get(kind, ()):
                    yield from self._check(stmt, ctx, kind, node)

    def _check(self, stmt, ctx, kind, node):
        if node.get("whereClause") is not None:
            return
        table = relation_name(node.get("relation"))
        if (
            ctx.is_new_table(table, stmt)
            or _is_temporary(table)
            or PLACEHOLDER_SCHEMA in (table or "")
        ):
            return  # a scratch table, or a table name filled in at run time (a generic dump or reset helper)
        verb = "UPDATE" if kind == "UpdateStmt" else "DELETE"
        rel = node.get("relation", {}).get("location")
        if rel is None:
            start, end = stmt.head_range()
        else:
            verb_token = "UPDATE" if kind == "UpdateStmt" else "DELETE_P"
            heads = [t for t in stmt.tokens if t.name == verb_token and t.start < rel]
            start = heads[-1].start if heads else rel
            end = rel + len((node["relation"].get("relname") or "").encode())
            schema = node["relation"].get("schemaname")
            if schema:
                end += len(schema.encode()) + 1
        yield ctx.finding(self, stmt, start, end, verb=verb, table=table)


def _schema_script(ctx) -> bool:
    """SQL in code that changes the schema too (an embedded migration), or a migrations module."""
    base = ctx.document.path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if base.startswith(("migration", "migrate")):
        return True
    return ctx.region.kind != "file" and any(s.kind in DDL_KINDS for s in ctx.statements)


def _is_temporary(table: str | None) -> bool:
    """Scratch tables, named as such."""
    short = (table or "").rsplit(".", 1)[-1].lower()
    return (
        short.startswith(("tmp_", "temp_"))
        or short.endswith(("_tmp", "_temp"))
        or short in ("tmp", "temp")
    )
