import os
import re

from backend_architect.catalog.sources import DUMP_NAMES, is_down, order_key
from backend_architect.core.files import list_dir
from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule

from ._locks import ACCESS_EXCLUSIVE, BLOCKS, heavy_locks


class MissingLockTimeout(Rule):
    """
    ## What it does
    Flags a migration file that takes an ACCESS EXCLUSIVE lock (blocking reads
    and writes) on a table or view that existed before it (ALTER TABLE, DROP
    VIEW/TRIGGER/INDEX, TRUNCATE, RENAME, CREATE OR REPLACE VIEW, VACUUM FULL,
    CLUSTER, REINDEX, LOCK) without a `SET lock_timeout` before it.
    Reported once per file, on the first such statement.

    Only migrations that may still be ahead of the database are checked: those
    not yet on the repository's main line (without git: the newest file of a
    numbered or timestamped migrations folder, see `migration.pending` and
    `migration.baseline`), of the newest release folder where migrations are
    grouped by release (an applied migration never runs again), or any file of
    a folder whose other migrations set `lock_timeout`; not `schema.sql`/`structure.sql` (they build an empty
    database). Tables created in the same migration, `DROP TABLE` of
    the table itself (MG012) and weaker locks (a plain `CREATE INDEX` is MG001)
    are left out.

    ## Why is this bad?
    A lock request waits behind every transaction already using the table —
    a long report, a forgotten `idle in transaction` session. While it waits,
    every new query on the table queues behind it: even a statement that would
    hold its lock for a millisecond takes the application down for as long as
    the oldest transaction runs. With `lock_timeout` the migration gives up
    instead, and can be retried.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN nickname text;
    ```

    ## Use instead
    ```sql
    SET lock_timeout = '5s';
    ALTER TABLE users ADD COLUMN nickname text;
    ```
    The fix inserts the setting `migration.lock-timeout` (default `5s`) at
    the top of the file. `SET LOCAL` and `set_config('lock_timeout', ...)` count too.
    """

    code = "MG015"
    name = "missing-lock-timeout"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "{what} takes {article} {lock} lock on {table} with no lock_timeout set: while it waits for the lock, {blocks} "
        "on {table} queues behind it; SET lock_timeout first"
    )
    fix_title = "SET lock_timeout at the top of the migration"
    fix_safety = Applicability.SAFE
    statement_kinds = ()
    sql_scope = "migration"

    def check_region(self, ctx):
        if ctx.region.kind != "file":
            return  # nested and ORM regions: the file (or the ORM) owns the session settings
        if not _pending(ctx.document.path, ctx.settings):
            return
        first = None
        for stmt in ctx.statements:
            if stmt.kind is None:
                continue  # no tree (a statement's tree is decoded only when its kind needs it)
            if self._sets_lock_timeout(stmt):
                return
            locks = [
                (t, lock)
                for t, lock in heavy_locks(stmt, ctx)
                if lock == ACCESS_EXCLUSIVE and not _drops(stmt, t)
            ]
            if locks:
                first = (stmt, locks[0])
                break
        if first is None:
            return
        stmt, (table, lock) = first
        top = next(s for s in ctx.statements)
        value = ctx.settings.migration.lock_timeout
        fix = self.fix([ctx.insert(top, 0, f"SET lock_timeout = '{value}';\n")])
        what = (
            " ".join(t.name.replace("_P", "") for t in stmt.tokens[:2])
            if stmt.tokens
            else stmt.kind
        )
        s, e = stmt.head_range()
        if stmt.tokens:
            s, e = stmt.tokens[0].start, stmt.tokens[min(1, len(stmt.tokens) - 1)].end
        blocks = BLOCKS[lock].replace("every", "every new")
        article = "an" if lock.startswith("ACCESS") else "a"
        yield ctx.finding(
            self,
            stmt,
            s,
            e,
            fix=fix,
            what=what,
            article=article,
            lock=lock,
            table=table,
            blocks=blocks,
        )

    @staticmethod
    def _sets_lock_timeout(stmt) -> bool:
        if stmt.kind == "VariableSetStmt":
            return (stmt.node.get("name") or "").lower() == "lock_timeout"
        if (
            stmt.kind == "SelectStmt"
            and "set_config" in stmt.text.lower()
            and "lock_timeout" in stmt.text.lower()
        ):
            return True
        if stmt.kind in ("AlterRoleSetStmt", "AlterDatabaseSetStmt"):
            return "lock_timeout" in stmt.text.lower()
        return False


def _drops(stmt, table: str) -> bool:
    """DROP TABLE of the table itself: it goes away (MG012 judges that). A dropped view
    is usually recreated at once, so queries on it do queue."""
    return stmt.kind == "DropStmt" and stmt.node.get("removeType") == "OBJECT_TABLE"


def _pending(path: str, settings) -> bool:
    """Whether the migration may still be ahead of the database: not history (not on the
    repository's main line; see ``project.history``), or a folder whose other migrations set
    lock_timeout (so a file without it breaks the project's own rule).

    An applied migration never runs again, so the setting would change nothing there;
    in a repository's history every old migration would otherwise repeat one advice."""
    from backend_architect.project.history import history_of, unit_of
    from backend_architect.project.snapshot import in_schema_definition_folder

    if os.path.basename(path or "").lower() in DUMP_NAMES:
        return False  # a schema dump or install script runs on an empty database
    if path and in_schema_definition_folder(path):
        return False  # so does a folder defining the schema one file per table
    if not path or not os.path.isfile(path):
        return True
    if not history_of(path, settings).historical:
        return (
            _newest_version_folder(os.path.dirname(unit_of(path)))
            or order_key(unit_of(path))[0] != 0
        )
    unit = unit_of(path)
    folder = os.path.dirname(unit)
    try:
        names = list_dir(folder)
    except OSError:
        return False
    return bool(_folder_lock_timeout_files(folder, names) - {unit})


_VERSION_RE = re.compile(r"^v?(\d+(?:[._]\d+)*)$", re.I)


def _newest_version_folder(folder: str) -> bool:
    """For migrations grouped by release (``0.19/``, ``v2.1/``): whether this release is the newest."""
    parent, name = os.path.split(folder)
    m = _VERSION_RE.match(name)
    if not m:
        return True
    mine = tuple(int(p) for p in re.split(r"[._]", m.group(1)))
    try:
        names = os.listdir(parent)
    except OSError:
        return True
    for other in names:
        o = _VERSION_RE.match(other)
        if (
            o
            and os.path.isdir(os.path.join(parent, other))
            and tuple(int(p) for p in re.split(r"[._]", o.group(1))) > mine
        ):
            return False
    return True


_SETS_CACHE: dict[tuple, frozenset[str]] = {}


def _folder_lock_timeout_files(folder: str, names: tuple[str, ...]) -> frozenset[str]:
    """The folder's up migrations (numbered, timestamped or versioned) whose text sets
    lock_timeout; read once per folder listing, not once per file of the folder."""
    key = (folder, names)
    found = _SETS_CACHE.get(key)
    if found is None:
        hits = set()
        for name in names:
            full = os.path.join(folder, name)
            if is_down(name) or order_key(full)[0] != 0:
                continue
            target = os.path.join(full, "up.sql") if os.path.isdir(full) else full
            try:
                with open(target, "rb") as fh:
                    if b"lock_timeout" in fh.read(1_000_000):
                        hits.add(full)
            except OSError:
                continue
        if len(_SETS_CACHE) > 256:
            _SETS_CACHE.clear()
        found = _SETS_CACHE[key] = frozenset(hits)
    return found
