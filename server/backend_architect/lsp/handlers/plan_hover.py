"""Hover on a query: its plan on the development database (``database.url`` / ``DATABASE_URL``).

Nothing runs unless a database is configured. The plan is ``EXPLAIN`` without ``ANALYZE``:
a generic plan when the query has parameters. A database that cannot be reached costs one
line in the hover, never an error. The database is asked on a worker thread: the hover waits
at most ``HOVER_WAIT`` seconds (a warm plan takes a few milliseconds); a slower plan (the
first connection, a busy server) says so and is shown by the next hover."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from ...db.devdb import DevDatabase, DevDatabaseError, database_url
from .schema_hover import _statement_at

_QUERY_KINDS = ("SelectStmt", "UpdateStmt", "DeleteStmt", "InsertStmt")
_SESSIONS: dict[
    tuple, DevDatabase | None
] = {}  # one read-only session per (url, timeouts), kept warm
_LOCK = threading.Lock()
HOVER_WAIT = 0.25  # seconds
_PLANS: dict[tuple, Future] = {}  # plans asked for and not yet shown
_POOL = ThreadPoolExecutor(1, thread_name_prefix="plan-hover")  # its thread starts on first use


def _plan(db: DevDatabase, query: str):
    """The plan of ``query``, or None when it is not ready within HOVER_WAIT (raises what
    ``explain`` raised)."""
    key = (db.url, db.statement_timeout_ms, db.lock_timeout_ms, query)
    with _LOCK:
        future = _PLANS.get(key)
        if future is None:
            future = _PLANS[key] = _POOL.submit(db.explain, query)
    try:
        return future.result(timeout=HOVER_WAIT)
    except FutureTimeout:
        return None
    finally:
        if future.done():
            with _LOCK:
                if _PLANS.get(key) is future:
                    del _PLANS[key]  # shown once: the next hover plans again


def dev_database(settings) -> DevDatabase | None:
    """The warm read-only session for ``settings`` (None: no database configured)."""
    url = database_url(settings=settings)
    if not url:
        return None
    db = getattr(settings, "database", None)
    key = (url, getattr(db, "statement_timeout_ms", 2000), getattr(db, "lock_timeout_ms", 500))
    with _LOCK:
        found = _SESSIONS.get(key)
        if found is None:
            found = _SESSIONS[key] = DevDatabase.from_settings(settings, url)
        return found


def plan_hover(session, snap, offset: int) -> str | None:
    settings = snap.settings
    if not getattr(getattr(settings, "database", None), "explain_on_hover", True):
        return None
    stmt = _statement_at(snap, offset)
    if stmt is None or stmt.kind not in _QUERY_KINDS:
        return None
    info = session.file_info(snap.document)
    if info.is_migration or not info.may_be(("postgres",)):
        return None  # a migration is not a query the application runs; other databases are not planned here
    db = dev_database(settings)
    if db is None:
        return None
    try:
        plan = _plan(db, stmt.text)
    except ImportError:
        return "**Plan** (development database): not available — install psycopg (`pip install 'backend-architect[db]'`)"
    except (DevDatabaseError, ValueError) as exc:
        return f"**Plan** (development database): not available — {exc}"
    if plan is None:
        return "**Plan** (development database): still planning — hover again to see it"
    return f"**Plan** (development database, estimated, not executed)\n\n```\n{plan.summary()}\n```"
