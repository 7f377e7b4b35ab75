from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ._locks import is_concurrent_reindex, is_vacuum_full
from ._runner import run_outside_transaction


class TableRewriteMaintenance(Rule):
    """
    ## What it does
    Flags `VACUUM FULL`, `CLUSTER` and `REINDEX` without `CONCURRENTLY` in a
    migration, on tables not created in it.

    ## Why is this bad?
    `VACUUM FULL` and `CLUSTER` rewrite the table under an ACCESS EXCLUSIVE
    lock: every read and write waits for the whole rewrite. `REINDEX` blocks
    writes to the table (SHARE lock) and reads through the index (ACCESS
    EXCLUSIVE on it) while it rebuilds.

    ## Example
    ```sql
    VACUUM FULL events;
    REINDEX INDEX idx_events_created_at;
    ```

    ## Use instead
    ```sql
    REINDEX INDEX CONCURRENTLY idx_events_created_at;  -- PostgreSQL 12+
    ```
    For `VACUUM FULL` and `CLUSTER`, use pg_repack or pg_squeeze, which rebuild
    the table online, and run them outside migrations.

    ## Fix safety
    The fix writes `CONCURRENTLY` after the object kind (an explicit
    `CONCURRENTLY false` option leaves the option list). A statement inside a
    transaction moves out of it the way the file's runner allows (its opt-out
    or a new migration); unsafe when that changes the order it runs in.
    """

    code = "MG017"
    name = "table-rewrite-maintenance"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = "{what} {detail}"
    fix_title = "REINDEX CONCURRENTLY"
    fix_safety = Applicability.SAFE
    statement_kinds = ("VacuumStmt", "ClusterStmt", "ReindexStmt")
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        node = stmt.node
        pg = ctx.settings.postgres_version
        fix = None
        if stmt.kind == "VacuumStmt":
            if not is_vacuum_full(node):
                return
            tables = [
                relation_name((r.get("VacuumRelation") or {}).get("relation"))
                for r in node.get("rels", [])
            ]
            tables = [t for t in tables if t and not ctx.is_new_table(t, stmt)]
            if node.get("rels") and not tables:
                return
            what = "VACUUM FULL"
            detail = (
                f"rewrites {', '.join(tables) or 'every table of the database'} under an ACCESS EXCLUSIVE lock, "
                "blocking every read and write until done; use pg_repack outside the migration"
            )
        elif stmt.kind == "ClusterStmt":
            table = relation_name(node.get("relation"))
            if ctx.is_new_table(table, stmt):
                return
            what = "CLUSTER"
            detail = (
                f"rewrites {table or 'every clustered table'} under an ACCESS EXCLUSIVE lock, blocking every "
                "read and write until done; use pg_repack outside the migration"
            )
        else:
            if is_concurrent_reindex(node):
                return
            kind = node.get("kind", "")
            table = relation_name(node.get("relation"))
            if kind == "REINDEX_OBJECT_TABLE" and ctx.is_new_table(table, stmt):
                return
            if kind == "REINDEX_OBJECT_INDEX" and self._new_index(stmt, ctx, table):
                return
            what = "REINDEX"
            target = table or node.get("name") or "the objects"
            detail = (
                f"of {target} blocks writes to the table (SHARE lock) and reads through the index (ACCESS "
                "EXCLUSIVE) while it rebuilds; "
                + (
                    "use REINDEX ... CONCURRENTLY"
                    if pg >= 12
                    else f"before PG 12 (postgres-version {pg}) build a new index "
                    "CONCURRENTLY and drop the old one"
                )
            )
            if pg >= 12 and kind != "REINDEX_OBJECT_SYSTEM":
                kw = stmt.find_token("INDEX", "TABLE", "SCHEMA", "DATABASE")
                if kw is not None:
                    option = _concurrently_option(stmt)
                    fix = run_outside_transaction(
                        self,
                        stmt,
                        ctx,
                        [(kw.end, kw.end, " CONCURRENTLY"), *([option] if option else [])],
                        "REINDEX CONCURRENTLY",
                        slug="reindex_concurrently",
                    )
        s, e = stmt.head_range()
        if stmt.tokens:
            s, e = stmt.tokens[0].start, stmt.tokens[0].end
        yield ctx.finding(self, stmt, s, e, fix=fix, what=what, detail=detail)

    @staticmethod
    def _new_index(stmt, ctx, name) -> bool:
        if not name:
            return False
        short = name.lower().rsplit(".", 1)[-1]
        for other in ctx.statements[: stmt.index]:
            if other.kind == "IndexStmt" and (other.node.get("idxname") or "").lower() == short:
                return ctx.is_new_table(relation_name(other.node.get("relation")), other)
        return False


def _concurrently_option(stmt) -> tuple[int, int, str] | None:
    """The edit taking ``CONCURRENTLY false`` (or ``off``, ``0``) out of REINDEX's option list
    (PostgreSQL 14+), relative to the statement: PostgreSQL refuses the option together with the
    ``CONCURRENTLY`` keyword the fix writes. A list left empty goes with its parentheses."""
    toks = stmt.tokens
    if len(toks) < 3 or toks[1].name != "ASCII_40":
        return None
    options: list[list] = [[]]
    commas = []
    close = None
    for i in range(2, len(toks)):
        tok = toks[i]
        if tok.name == "ASCII_41":
            close = i
            break
        if tok.name == "ASCII_44":
            commas.append(tok)
            options.append([])
        else:
            options[-1].append(tok)
    if close is None or close + 1 >= len(toks):
        return None
    for n, option in enumerate(options):
        if not option or option[0].name != "CONCURRENTLY":
            continue
        if len(options) == 1:  # the only option: the list goes, up to the object kind
            return toks[1].start, toks[close + 1].start, ""
        if n + 1 < len(options):  # the option and the comma after it
            return option[0].start, options[n + 1][0].start if options[n + 1] else commas[n].end, ""
        return commas[n - 1].start, option[-1].end, ""  # the last: the comma before it
    return None
