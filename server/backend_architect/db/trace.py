"""What a migration statement does to a real PostgreSQL: the locks it takes, whether it
rewrites or scans a table, how long it runs.

Each statement runs in its own transaction on the migrating connection; before it commits a
second connection reads that backend's ``pg_locks``. A statement PostgreSQL refuses inside a
transaction block (``CREATE INDEX CONCURRENTLY``, ``VACUUM``) runs on its own while the second
connection samples ``pg_locks``. Rewrites are seen as a new ``pg_class.relfilenode``, scans in
``pg_stat_xact_user_tables`` of the migrating transaction.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from .replay import MigrationFile, Piece, ReplayError, error_message, error_position

LOCK_ORDER = [
    "ACCESS SHARE",
    "ROW SHARE",
    "ROW EXCLUSIVE",
    "SHARE UPDATE EXCLUSIVE",
    "SHARE",
    "SHARE ROW EXCLUSIVE",
    "EXCLUSIVE",
    "ACCESS EXCLUSIVE",
]
_USER_REL = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%' "
    "AND n.nspname NOT LIKE 'pg\\_temp%%'"
)
_LOCKS_SQL = (
    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, l.mode "
    "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
    f"WHERE l.pid = %s AND l.locktype = 'relation' AND l.granted AND {_USER_REL}"
)
# the locks the backend holds or waits for (a waiting request is the lock it is about to take)
_REQUESTED_SQL = (
    "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, l.mode, l.granted "
    "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
    f"WHERE l.pid = %s AND l.locktype = 'relation' AND {_USER_REL}"
)
_FILENODES_SQL = (
    "SELECT c.oid::bigint, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, "
    "c.relfilenode::bigint, c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    f"WHERE c.relkind IN ('r', 'm', 'i', 't') AND {_USER_REL}"
)
# this backend's counts not yet flushed to the shared statistics: read before and after, inside one transaction
_SCANS_SQL = (
    "SELECT quote_ident(schemaname) || '.' || quote_ident(relname), seq_scan FROM pg_stat_xact_user_tables "
    "WHERE seq_scan > 0"
)


def mode_name(pg_mode: str) -> str:
    """``AccessExclusiveLock`` -> ``ACCESS EXCLUSIVE``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", pg_mode.removesuffix("Lock")).upper()


def lock_rank(mode: str | None) -> int:
    return LOCK_ORDER.index(mode) if mode in LOCK_ORDER else -1


@dataclass
class LockSeen:
    relation: str
    kind: str  # table, index, sequence, view, ...
    mode: str

    def to_json(self) -> dict:
        return {"relation": self.relation, "kind": self.kind, "mode": self.mode}


_KINDS = {
    "r": "table",
    "p": "table",
    "i": "index",
    "I": "index",
    "S": "sequence",
    "v": "view",
    "m": "view",
    "t": "toast",
    "f": "table",
    "c": "type",
}


@dataclass
class StatementTrace:
    path: str
    line: int
    start: int
    end: int
    text: str
    locks: list[LockSeen] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)
    ms: float = 0.0
    in_transaction: bool = True  # False: ran on its own, locks sampled while it ran
    error: ReplayError | None = None
    rows: dict[str, int] = field(
        default_factory=dict
    )  # table -> estimated rows before the statement

    def strongest(self, kinds=("table",)) -> LockSeen | None:
        best = None
        for lk in self.locks:
            if lk.kind in kinds and (best is None or lock_rank(lk.mode) > lock_rank(best.mode)):
                best = lk
        return best

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "statement": self.text[:500],
            "locks": [lk.to_json() for lk in self.locks],
            "rewritten": self.rewritten,
            "scanned": self.scanned,
            "ms": round(self.ms, 2),
            "in_transaction": self.in_transaction,
            "error": self.error.to_json() if self.error else None,
        }


def _strongest_per_relation(rows) -> list[LockSeen]:
    best: dict[str, LockSeen] = {}
    for rel, kind, mode in rows:
        seen = LockSeen(rel, _KINDS.get(kind, kind), mode_name(mode))
        if rel not in best or lock_rank(seen.mode) > lock_rank(best[rel].mode):
            best[rel] = seen
    return sorted(best.values(), key=lambda lk: (-lock_rank(lk.mode), lk.relation))


def _filenodes(conn) -> dict[int, tuple[str, str, int, int]]:
    return {
        oid: (name, kind, node, tuples)
        for oid, name, kind, node, tuples in conn.execute(_FILENODES_SQL)
    }


def _rewrites(before: dict, after: dict) -> list[str]:
    out = []
    for oid, (name, kind, node, _) in before.items():
        if kind in ("r", "m") and oid in after and after[oid][2] != node:
            out.append(name)
    return sorted(out)


class _Sampler(threading.Thread):
    """Reads the migrating backend's locks every millisecond while a statement runs outside a transaction."""

    def __init__(self, observer, pid: int) -> None:
        super().__init__(daemon=True)
        self.observer, self.pid = observer, pid
        self.rows: list[tuple] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.rows += self.observer.execute(_LOCKS_SQL, (self.pid,)).fetchall()
            except Exception:  # the observer is best effort
                return
            time.sleep(0.001)


def trace_statement(
    conn, observer, mf: MigrationFile, piece: Piece, wrapped: bool | None = None
) -> StatementTrace:
    """Run ``piece`` on ``conn`` (autocommit) and observe it from ``observer`` (autocommit).

    ``wrapped``: whether the statement runs inside a transaction when migrating (the
    runner's or the file's own ``BEGIN``); default: the runner's."""
    wrapped = mf.in_transaction if wrapped is None else wrapped
    import psycopg

    line, _ = mf.position(piece.start)
    tr = StatementTrace(mf.path, line, piece.start, piece.end, piece.text)
    before = _filenodes(conn)
    tr.rows = {name: tuples for name, kind, _, tuples in before.values() if kind == "r"}
    pid = conn.info.backend_pid
    conn.execute("BEGIN")
    scans_before = dict(conn.execute(_SCANS_SQL).fetchall())
    started = time.perf_counter()
    try:
        conn.execute(piece.text)
    except psycopg.errors.ActiveSqlTransaction as exc:
        conn.execute("ROLLBACK")
        if wrapped:  # the migration runs it inside a transaction: it fails there too
            return _failed(tr, mf, piece, exc)
        return _trace_outside(conn, observer, mf, piece, tr, before)
    except psycopg.Error as exc:
        conn.execute("ROLLBACK")
        return _failed(tr, mf, piece, exc)
    tr.ms = (time.perf_counter() - started) * 1000
    tr.locks = _strongest_per_relation(observer.execute(_LOCKS_SQL, (pid,)).fetchall())
    tr.rewritten = _rewrites(before, _filenodes(conn))
    tr.scanned = sorted(r for r, n in conn.execute(_SCANS_SQL) if n > scans_before.get(r, 0))
    conn.execute("COMMIT")
    return tr


def _failed(tr: StatementTrace, mf: MigrationFile, piece: Piece, exc) -> StatementTrace:
    line, col = error_position(mf, piece.start, exc)
    tr.error = ReplayError(
        mf.path,
        line,
        col,
        error_message(exc),
        getattr(getattr(exc, "diag", None), "sqlstate", None),
        piece.text,
    )
    return tr


def _trace_outside(conn, observer, mf, piece, tr, before) -> StatementTrace:
    """Run a statement that refuses a transaction block and observe its locks.

    Sampling alone misses a lock held for a few milliseconds on a busy machine, so the
    observer first holds ACCESS SHARE on every user table (in its own transaction): a
    statement that needs ACCESS EXCLUSIVE then waits, and its request is read from
    ``pg_locks`` before the gate opens. Weaker locks do not wait and are sampled."""
    import psycopg

    tr.in_transaction = False
    tables = [name for name, kind, _, _ in before.values() if kind in ("r", "m")]
    pid = conn.info.backend_pid
    outcome: dict = {}

    def run() -> None:
        try:
            conn.execute(piece.text)
        except psycopg.Error as exc:
            outcome["error"] = exc

    gated = False
    if tables:
        try:
            observer.execute("BEGIN")
            observer.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS SHARE MODE")
            gated = True
        except psycopg.Error:
            observer.execute("ROLLBACK")
    rows: list[tuple] = []
    started = time.perf_counter()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        if gated:  # until the statement waits on the gate, or clearly does not need to
            deadline = time.monotonic() + 0.25
            while worker.is_alive() and time.monotonic() < deadline:
                waiting = observer.execute(_REQUESTED_SQL, (pid,)).fetchall()
                rows += waiting
                if any(not granted for *_, granted in waiting):
                    break
                time.sleep(0.001)
    finally:
        if gated:
            observer.execute("COMMIT")
    sampler = _Sampler(observer, pid)
    sampler.start()
    worker.join()
    tr.ms = (time.perf_counter() - started) * 1000
    sampler.done.set()
    sampler.join(5)
    if "error" in outcome:
        return _failed(tr, mf, piece, outcome["error"])
    requested = [(rel, kind, mode) for rel, kind, mode, _ in rows]
    tr.locks = _strongest_per_relation(requested + sampler.rows)
    tr.rewritten = _rewrites(before, _filenodes(conn))
    return tr


def trace_file(conn, observer, mf: MigrationFile) -> list[StatementTrace]:
    """Trace every statement of ``mf``; stops after the first that fails (as its runner would)."""
    out = []
    explicit = False  # inside the file's own BEGIN ... COMMIT
    for piece in mf.pieces:
        if piece.is_transaction_control:
            explicit = piece.text.split()[0].upper() in ("BEGIN", "START")
            continue
        tr = trace_statement(conn, observer, mf, piece, bool(mf.in_transaction or explicit))
        out.append(tr)
        if tr.error is not None:
            break
    return out


# -- rows -------------------------------------------------------------------------------------

_COLUMNS_SQL = (
    "SELECT c.oid::bigint, quote_ident(n.nspname) || '.' || quote_ident(c.relname), quote_ident(a.attname), "
    "format_type(a.atttypid, a.atttypmod), t.typtype::text, t.typname, t.typcategory::text, a.atthasdef, "
    "a.attidentity::text, a.attgenerated::text, a.attnotnull "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "JOIN pg_type t ON t.oid = a.atttypid "
    f"WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {_USER_REL} ORDER BY c.oid, a.attnum"
)


def value_expr(type_sql: str, typtype: str, typname: str, category: str) -> str | None:
    """A SQL expression over ``g`` (1..N) giving a value of the column's type; None: no value to give."""
    if typtype == "e":
        return (
            f"(enum_range(NULL::{type_sql}))[1 + g % array_length(enum_range(NULL::{type_sql}), 1)]"
        )
    name = typname.lower()
    if name in ("int2",):
        return f"(g % 32000)::{type_sql}"
    if category == "N":
        return f"g::{type_sql}"
    if category == "S":
        return f"('v' || g)::{type_sql}"
    if category == "B":
        return "(g % 2 = 0)"
    if category == "D":
        return f"(timestamp '2024-01-01' + g * interval '1 minute')::{type_sql}"
    if category == "T":
        return f"(g * interval '1 second')::{type_sql}"
    if category == "A":
        return f"'{{}}'::{type_sql}"
    if category == "I":
        return f"('10.0.0.0'::inet + g)::{type_sql}"
    if name == "uuid":
        return "md5(g::text)::uuid"
    if name in ("json", "jsonb"):
        return f"json_build_object('n', g)::{type_sql}"
    if name == "bytea":
        return "convert_to('v' || g, 'UTF8')"
    if name == "tsvector":
        return "to_tsvector('simple', 'v' || g)"
    return None


def fill_tables(conn, rows: int) -> tuple[dict[str, int], dict[str, str]]:
    """Insert ``rows`` generated rows into every user table (foreign keys and triggers off
    while inserting); returns ({table: rows}, {table skipped: why}). ANALYZEs afterwards."""
    import psycopg

    tables: dict[str, list[tuple]] = {}
    for (
        _,
        table,
        col,
        type_sql,
        typtype,
        typname,
        category,
        hasdef,
        ident,
        gen,
        notnull,
    ) in conn.execute(_COLUMNS_SQL):
        tables.setdefault(table, []).append(
            (col, type_sql, typtype, typname, category, hasdef, ident, gen, notnull)
        )
    filled: dict[str, int] = {}
    skipped: dict[str, str] = {}
    if rows <= 0:
        return filled, skipped
    for table, cols in tables.items():
        names, exprs = [], []
        why = None
        for col, type_sql, typtype, typname, category, hasdef, ident, gen, notnull in cols:
            if ident or gen or hasdef:
                continue  # identity, generated and defaulted columns fill themselves
            expr = value_expr(type_sql, typtype, typname, category)
            if expr is None:
                if notnull:
                    why = f"no value generated for {col} ({type_sql})"
                    break
                continue
            names.append(col)
            exprs.append(expr)
        if why:
            skipped[table] = why
            continue
        sql = (
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} FROM generate_series(1, {int(rows)}) g"
            if names
            else f"INSERT INTO {table} SELECT FROM generate_series(1, {int(rows)}) g"
        )
        try:
            conn.execute("BEGIN")
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(sql)
            conn.execute("COMMIT")
            filled[table] = rows
        except psycopg.Error as exc:
            conn.execute("ROLLBACK")
            skipped[table] = error_message(exc)
    if filled:
        conn.execute("ANALYZE")
    return filled, skipped
