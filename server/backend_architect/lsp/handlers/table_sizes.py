"""MIGRATION findings sized by the development database in the editor, in the background.

With ``database.size-migrations`` on and a database configured, a MIGRATION finding is
published at once as the rules found it; the ``reltuples`` of the table its statement works on
is read on a worker thread (``db/sizes.py``), and the document's diagnostics are published
again: below ``database.small-table-rows`` rows the finding is a hint, otherwise it keeps its
severity; both show the row count. Sizes are cached per database and table for ``TTL``
seconds. A database that cannot be used leaves the findings as they are (one log message) and
is asked again after ``RETRY_DOWN`` seconds. The event loop never waits for the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from .background import Republisher

log = logging.getLogger(__name__)
TTL = 300.0  # seconds a table's size is trusted (the database's statistics change)
RETRY_DOWN = 30.0  # seconds before a database that could not be used is asked again


class TableSizes(Republisher):
    """The table sizes of one server; ``findings`` runs on the event loop, ``_read`` on a worker."""

    def __init__(self, ls=None, republish=None) -> None:
        super().__init__(ls, republish)
        self.cache: dict[tuple, tuple[float, float | None]] = {}  # (db, table) -> (when, rows)
        self.waiting: dict[tuple, set[str]] = {}  # (db, table) being read -> documents
        self.down: dict[tuple, float] = {}  # database key -> when it could not be used
        self.reads = 0  # catalog reads run (one per batch of tables)

    # -- on the event loop --------------------------------------------------------------------

    def findings(self, snap, findings: list) -> list:
        """``findings`` with every size known so far applied; reads the rest in the background.
        Never touches the database."""
        settings = snap.settings
        if not getattr(getattr(settings, "database", None), "size_migrations", False):
            return findings
        if not any(f.command == "MIGRATION" for f in findings):
            return findings
        from ...db import sizes
        from .plan_hover import dev_database

        db = dev_database(settings)
        if db is None:
            return findings
        # findings as the index advice left them: the statements are the snapshot's
        found = sizes.targets(_Result(findings, snap.result.statements))
        if not found:
            return findings
        db_key = (db.url, db.statement_timeout_ms, db.lock_timeout_ms)
        uri = snap.document.uri
        now = time.monotonic()
        known: dict = {}
        todo = []
        with self.lock:
            down = self.down.get(db_key)
            if down is not None and now - down >= RETRY_DOWN:
                del self.down[db_key]
                down = None
            if down is not None:
                return findings
            for _, tables in found:
                for t in tables:
                    key = (db_key, t)
                    hit = self.cache.get(key)
                    if hit is not None and now - hit[0] < TTL:
                        known[t] = hit[1]
                    elif key in self.waiting:
                        self.waiting[key].add(uri)
                    else:
                        self.waiting[key] = {uri}
                        todo.append(key)
        if todo:
            if self.loop is None:
                with contextlib.suppress(RuntimeError):  # tests call this off any loop
                    self.loop = asyncio.get_running_loop()
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(1, thread_name_prefix="table-sizes")
            self._pool.submit(self._read, db, db_key, todo)
        if not known:
            return findings
        return sizes.apply(findings, found, known, sizes.threshold(settings))

    # -- on the worker --------------------------------------------------------------------------

    def _read(self, db, db_key: tuple, keys: list[tuple]) -> None:
        from ...db import sizes
        from ...db.advice import NO_PSYCOPG, psycopg_missing
        from ...db.devdb import DevDatabaseError

        publish = True
        try:
            if psycopg_missing():
                raise DevDatabaseError(NO_PSYCOPG)
            rows = sizes.table_rows(db, [key[1] for key in keys])  # one catalog read
            with self.lock:
                now = time.monotonic()
                for key in keys:
                    self.cache[key] = (now, rows[key[1]])
                self.reads += 1
        except DevDatabaseError as exc:  # the database cannot be used: the findings stay
            publish = False
            with self.lock:
                self.down[db_key] = time.monotonic()
            self._log_once(f"migration findings not sized: {exc}")
        except Exception:  # a bug of ours costs the size, not the server
            publish = False
            log.exception("reading a table's size failed")
        uris: set[str] = set()
        with self.lock:
            for key in keys:
                uris |= self.waiting.pop(key, set())
        if publish:
            for uri in uris:
                self._call(self._publish_again, uri)


class _Result:
    """The part of a LintResult ``sizes.targets`` reads."""

    def __init__(self, findings, statements) -> None:
        self.findings = findings
        self.statements = statements
