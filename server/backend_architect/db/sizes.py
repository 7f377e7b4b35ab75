"""MIGRATION findings sized by the development database's statistics (opt-in).

With ``database.size-migrations`` on and a database configured (``database.url`` or
``DATABASE_URL``), a MIGRATION finding whose statement works on an existing table is sized by
that table's ``pg_class.reltuples``: below ``database.small-table-rows`` it becomes a hint, at or
above it keeps its severity; both get the row count in their message. Off by default: a
development database's row counts rarely say anything about production's. Only catalog reads
are sent (the read-only session of ``devdb.py``). A table the database does not have, or has
never analysed (``reltuples`` -1), leaves its finding as it is; so does a database that cannot
be reached (one note per run). ``check`` applies it inline; the language server reads the
sizes in the background (``lsp/handlers/table_sizes.py``).
"""

from __future__ import annotations

from dataclasses import replace

from .devdb import DevDatabaseError

COMMAND = "MIGRATION"
# findings whose risk does not shrink with the table: a failure, lost data, code that breaks,
# a transaction or timeout problem of the file
NOT_SIZED = frozenset(
    {
        "MG002",  # CREATE INDEX CONCURRENTLY in a transaction fails on any table
        "MG003",  # NOT NULL without a default fails on any table with rows
        "MG009",  # renames and drops break running code whatever the size
        "MG010",
        "MG011",
        "MG012",
        "MG013",  # TRUNCATE loses the rows
        "MG014",
        "MG015",  # waiting for a lock queues everyone behind it, on any table
        "MG019",
        "MG024",
        "MG025",
    }
)
_FAILED: set[str] = set()  # databases that could not be reached in this process: asked once
_SESSIONS: dict[tuple, object] = {}  # the sessions ``check`` opened in this process
# one catalog read for every table: [schema.]name, unqualified as the search path finds it
_SIZES_SQL = (
    "SELECT t.i, s.reltuples FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS t(nsp, rel, i) "
    "LEFT JOIN LATERAL (SELECT c.reltuples FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'm') AND c.relname = t.rel "
    "AND (n.nspname = t.nsp OR (t.nsp IS NULL AND pg_catalog.pg_table_is_visible(c.oid))) "
    "LIMIT 1) s ON true"
)


def enabled(settings) -> bool:
    return bool(getattr(getattr(settings, "database", None), "size_migrations", False))


def threshold(settings) -> int:
    return int(getattr(getattr(settings, "database", None), "small_table_rows", 10000))


def _statement_at(result, offset: int):
    for stmt in result.statements:
        s, e = stmt.doc_range(0, len(stmt.data))
        if s <= offset <= e:
            return stmt
    return None


def tables_of(stmt) -> tuple[str, ...]:
    """The existing tables ``stmt`` works on (ALTER TABLE, CREATE INDEX ... ON, VACUUM FULL,
    CLUSTER, REINDEX, DROP, RENAME, LOCK, ...), as the lock rules read them."""
    from ..rules.migration._locks import statement_locks

    out: list[str] = []
    for table, _ in statement_locks(stmt):
        if table.startswith(("index ", "every table ")) or table in out:
            continue
        out.append(table)
    return tuple(out)


def targets(result) -> list[tuple[object, tuple[str, ...]]]:
    """(finding, tables) for the MIGRATION findings of ``result`` that can be sized."""
    out = []
    for f in result.findings:
        if f.command != COMMAND or f.code in NOT_SIZED:
            continue
        stmt = _statement_at(result, f.start)
        tables = tables_of(stmt) if stmt is not None else ()
        if tables:
            out.append((f, tables))
    return out


def table_rows(db, tables) -> dict[str, float | None]:
    """``reltuples`` of each of ``tables`` ([schema.]name; unqualified: as the search path finds
    it), in one catalog read. None: no such table, or never analysed. Raises DevDatabaseError
    when the database cannot be used."""
    tables = list(dict.fromkeys(tables))
    if not tables:
        return {}
    parts = [t.rpartition(".") for t in tables]
    found = dict(db.catalog(_SIZES_SQL, ([p[0] or None for p in parts], [p[2] for p in parts])))
    out: dict[str, float | None] = {}
    for i, t in enumerate(tables, 1):
        rows = found.get(i)
        out[t] = None if rows is None or float(rows) < 0 else float(rows)
    return out


def sized(finding, table: str, rows: float, small: int):
    """``finding`` with the table's row count in its message; a hint below ``small`` rows."""
    from ..core.findings import Severity

    if rows < small:
        return replace(
            finding,
            message=f"{finding.message} (table {table}: about {rows:,.0f} rows in the development "
            f"database, below database.small-table-rows)",
            severity=Severity.HINT,
        )
    return replace(
        finding,
        message=f"{finding.message} (table {table}: about {rows:,.0f} rows in the development database)",
    )


def apply(findings: list, found: list, sizes: dict, small: int) -> list:
    """``findings`` with the sizes known (table -> rows or None) applied. A statement on several
    tables is sized by its largest; a table of unknown size leaves the finding unchanged."""
    by_id = {id(f): tables for f, tables in found}
    out = []
    for f in findings:
        tables = by_id.get(id(f))
        known = [(sizes[t], t) for t in tables or () if sizes.get(t) is not None]
        if not tables or len(known) != len(tables):
            out.append(f)
            continue
        rows, table = max(known)
        out.append(sized(f, table, rows, small))
    return out


def _database(settings):
    """One session per database for the run (``check``: without the editor's modules)."""
    from .devdb import DevDatabase

    db = DevDatabase.from_settings(settings)
    if db is None:
        return None
    key = (db.url, db.statement_timeout_ms, db.lock_timeout_ms)
    return _SESSIONS.setdefault(key, db)


def size_migration_findings(result, settings, db=None) -> list[str]:
    """Size the MIGRATION findings of ``result`` (a LintResult) in place; returns notes to show."""
    if not enabled(settings):
        return []
    found = targets(result)
    if not found:
        return []
    if db is None:
        db = _database(settings)
        if db is None:
            return []
    if db.url in _FAILED:
        return []
    from .advice import NO_PSYCOPG, psycopg_missing

    if psycopg_missing():
        _FAILED.add(db.url)
        return [f"migration findings not sized: {NO_PSYCOPG}"]
    try:
        sizes = table_rows(db, [t for _, tables in found for t in tables])
    except DevDatabaseError as exc:
        _FAILED.add(db.url)
        return [f"migration findings not sized: {exc}"]
    result.findings[:] = apply(result.findings, found, sizes, threshold(settings))
    return []
