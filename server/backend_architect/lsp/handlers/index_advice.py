"""Index advice checked with HypoPG in the editor, in the background.

With a development database configured (``database.url`` / ``DATABASE_URL``) and
``database.hypopg`` on, each IX001 finding is published at once as the rules found it, and
its suggested index is checked on a worker thread the way ``check`` does it
(``db/advice.py``): kept with the measured before/after cost in its message and migration,
dropped when it does not halve the query's cost (a hint says so in its place), labelled
unverified without HypoPG or without a reachable database. When a check finishes, the document's diagnostics are
published again. Verdicts are cached per database, query text, index and schema (the
project's catalog; an entry also expires after ``TTL`` seconds, the database's statistics
change too). The event loop never waits for the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from .background import Republisher

log = logging.getLogger(__name__)
CODES = ("IX001",)  # db.advice.CHECKED, known here without importing the database layer
TTL = 300.0  # seconds a verdict is trusted (the database's statistics and indexes change)
RETRY_DOWN = 30.0  # seconds before a database that could not be used is asked again


class IndexAdvice(Republisher):
    """The verdicts of one server; ``findings`` runs on the event loop, ``_check`` on a worker."""

    def __init__(self, ls=None, republish=None) -> None:
        super().__init__(ls, republish)
        self.cache: dict[tuple, tuple] = {}  # key -> (when, db.advice.Verdict)
        self.waiting: dict[tuple, set[str]] = {}  # key being checked -> documents to publish again
        self.down: dict[tuple, tuple[float, str]] = {}  # database key -> (when, masked message)
        self.wanted: dict[str, set] = {}  # document -> the keys its latest version needs
        self.catalog = None
        self.checks = 0  # database checks run (each is one or two EXPLAINs)
        self.skipped = 0  # checks dropped before they ran: the text had changed again

    # -- on the event loop --------------------------------------------------------------------

    def findings(self, session, snap) -> list:
        """The snapshot's findings with every verdict known so far applied; checks the rest in
        the background. Never touches the database."""
        findings = snap.result.findings
        settings = snap.settings
        uri = snap.document.uri
        if not any(f.code in CODES for f in findings):
            self.wanted.pop(uri, None)
            return findings  # the common case: nothing to check, nothing imported
        db_settings = getattr(settings, "database", None)
        if not getattr(db_settings, "hypopg", True):
            return findings
        from dataclasses import replace

        from ...core.findings import Severity
        from ...db import advice
        from .plan_hover import dev_database

        db = dev_database(settings)
        if db is None:
            return findings  # no database configured: nothing connects
        found = advice.candidates(snap.result)
        if not found:
            return findings
        if session.catalog is not self.catalog:  # the schema changed: measure again
            with self.lock:
                self.catalog = session.catalog
                self.cache.clear()
        db_key = (db.url, db.statement_timeout_ms, db.lock_timeout_ms)
        now = time.monotonic()
        verdicts: dict = {}  # id(finding) -> Verdict
        todo = []
        with self.lock:
            down = self.down.get(db_key)
            if down is not None and now - down[0] >= RETRY_DOWN:
                down = None
                del self.down[db_key]
            # typing changes the query text: checks queued for older versions are skipped
            self.wanted[uri] = {(db_key, c.query, c.ddl) for c in found}
            for c in found:
                if down is not None:
                    verdicts[id(c.finding)] = advice.Verdict(advice.UNVERIFIED, reason=down[1])
                    continue
                key = (db_key, c.query, c.ddl)
                hit = self.cache.get(key)
                if hit is not None and now - hit[0] < TTL:
                    verdicts[id(c.finding)] = hit[1]
                    continue
                if key in self.waiting:
                    self.waiting[key].add(uri)
                else:
                    self.waiting[key] = {uri}
                    todo.append((key, c))
        if todo:
            if self.loop is None:
                with contextlib.suppress(RuntimeError):  # tests call this off any loop
                    self.loop = asyncio.get_running_loop()
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(1, thread_name_prefix="index-advice")
            for key, c in todo:
                self._pool.submit(self._check, db, db_key, key, c.query, c.ddl)
        if not verdicts:
            return findings
        out = []
        for f in findings:
            verdict = verdicts.get(id(f))
            if verdict is None:
                out.append(f)
            elif (g := advice.applied(f, verdict)) is not None:
                out.append(g)
            elif verdict.kind == advice.DROPPED:
                # the suggestion goes; a hint in its place says why (the editor's "note")
                note = advice.drop_note(next(c for c in found if c.finding is f), verdict)
                out.append(replace(f, message=note, fix=None, severity=Severity.HINT))
                self._log_once(f"{snap.document.path}: {note}")
        return out

    # -- on the worker --------------------------------------------------------------------------

    def _check(self, db, db_key: tuple, key: tuple, query: str, ddl: str) -> None:
        from ...db import advice
        from ...db.devdb import DevDatabaseError, mask_text

        with self.lock:
            if not any(key in self.wanted.get(uri, ()) for uri in self.waiting.get(key, ())):
                self.waiting.pop(key, None)  # no open version needs it any more
                self.skipped += 1
                return
        try:
            if advice.psycopg_missing():
                verdict = advice.Verdict(advice.UNVERIFIED, reason=advice.NO_PSYCOPG)
            else:
                verdict = advice.measure(db, query, ddl)
            with self.lock:
                self.cache[key] = (time.monotonic(), verdict)
                self.checks += 1
        except DevDatabaseError as exc:  # the database cannot be used: every suggestion waits
            with self.lock:
                self.down[db_key] = (time.monotonic(), str(exc))
            self._log_once(f"index advice not verified: {exc}")
        except Exception as exc:  # a bug of ours costs the verdict, not the server
            log.exception("index advice check failed")
            with self.lock:
                self.cache[key] = (
                    time.monotonic(),
                    advice.Verdict(
                        advice.UNVERIFIED,
                        reason=mask_text(f"{type(exc).__name__}: {exc}", db.url),
                    ),
                )
        with self.lock:
            uris = self.waiting.pop(key, set())
        for uri in uris:
            self._call(self._publish_again, uri)
