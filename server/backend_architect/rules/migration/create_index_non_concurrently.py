from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name

from ._runner import run_outside_transaction


class CreateIndexNonConcurrently(Rule):
    """
    ## What it does
    Flags `CREATE INDEX` and `DROP INDEX` without `CONCURRENTLY` on a table that
    already exists (one not created earlier in the same migration).

    ## Why is this bad?
    A plain `CREATE INDEX` takes a SHARE lock on the table for the whole build:
    every INSERT, UPDATE and DELETE waits until the index is built, which on a
    large table means minutes of blocked writes. A plain `DROP INDEX` takes an
    ACCESS EXCLUSIVE lock and blocks reads too. The `CONCURRENTLY` forms build
    and drop without blocking writes (they cannot run inside a transaction block).

    ## Example
    ```sql
    CREATE INDEX idx_posts_user_id ON posts (user_id);
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);
    ```
    `CONCURRENTLY` cannot run inside a transaction block. The fix knows the
    migration's runner: in a file the runner wraps in a transaction it adds the
    runner's opt-out (`-- +goose NO TRANSACTION`, dbmate `transaction:false`,
    sqlx `-- no-transaction`, diesel `metadata.toml`, a Flyway `.conf`) when the
    file holds nothing else, else it moves the statement into a new migration
    right after this one; inside the file's own `BEGIN ... COMMIT` it moves it
    after the `COMMIT`. Under pop (no opt-out) there is no fix.
    """

    code = "MG001"
    name = "create-index-non-concurrently"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = "{verb} INDEX without CONCURRENTLY locks {table} against writes while it runs"
    fix_title = "build the index CONCURRENTLY"
    fix_safety = Applicability.SAFE
    statement_kinds = ("IndexStmt", "DropStmt")
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if '"concurrent":true' in (stmt.raw or ""):
            return  # CONCURRENTLY: known from the parse without decoding the statement
        node = stmt.node
        if node.get("concurrent"):
            return
        if stmt.kind == "IndexStmt":
            table = relation_name(node.get("relation"))
            if ctx.is_new_table(table, stmt):
                return
            head = stmt.find_sequence("CREATE", "INDEX") or stmt.find_sequence(
                "CREATE", "UNIQUE", "INDEX"
            )
            verb, what = "CREATE", f"table {table}"
        else:
            if node.get("removeType") != "OBJECT_INDEX":
                return
            if self._dropping_new_index(stmt, ctx):
                return
            head = stmt.find_sequence("DROP", "INDEX")
            verb, what = "DROP", "the index's table"
        if not head:
            return
        index_tok = head[-1]
        title = (
            "build the index CONCURRENTLY" if verb == "CREATE" else "drop the index CONCURRENTLY"
        )
        name = node.get("idxname") if verb == "CREATE" else None
        schema = (node.get("relation") or {}).get("schemaname")
        down = (
            f"DROP INDEX CONCURRENTLY IF EXISTS {schema + '.' if schema else ''}{name}"
            if name
            else ""
        )
        fix = run_outside_transaction(
            self,
            stmt,
            ctx,
            [(index_tok.end, index_tok.end, " CONCURRENTLY")],
            title,
            slug=f"concurrently_{name or 'drop_index'}",
            down_sql=down,
        )
        if verb == "DROP" and (
            len(node.get("objects", [])) > 1 or node.get("behavior") == "DROP_CASCADE"
        ):
            fix = None  # DROP INDEX CONCURRENTLY drops one index, without CASCADE
        yield ctx.finding(self, stmt, head[0].start, index_tok.end, fix=fix, verb=verb, table=what)

    @staticmethod
    def _dropping_new_index(stmt, ctx) -> bool:
        created = set()
        for other in ctx.statements[: stmt.index]:
            if other.kind == "IndexStmt" and other.node.get("idxname"):
                created.add(other.node["idxname"].lower())
        for obj in stmt.node.get("objects", []):
            names = [
                i.get("String", {}).get("sval", "") for i in obj.get("List", {}).get("items", [])
            ]
            if names and names[-1].lower() not in created:
                return False
        return bool(created)
