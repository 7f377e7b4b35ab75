"""The workspace catalog in the server: built in a background thread with
``$/progress`` and ``backendArchitect/status``, kept current on save and on
watched-file changes, then every open document is analysed again."""

from __future__ import annotations

import contextlib
import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable

from lsprotocol import types

log = logging.getLogger(__name__)
STATUS = "backendArchitect/status"
WATCHER_ID = "backend-architect-sql-watcher"


def _capability(ls, *path: str):
    cur = ls.client_capabilities
    for name in path:
        cur = getattr(cur, name, None) if cur is not None else None
    return cur


class CatalogIndexer:
    """One build at a time; a request during a build schedules one more afterwards."""

    def __init__(self, ls, reanalyse: Callable[[], None]) -> None:
        self.ls = ls
        self.reanalyse = reanalyse
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock = threading.Lock()
        self.running = False
        self.again = False
        self.builds = 0

    # -- entry points (called on the server's event loop) ------------------------------

    def start(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.loop = asyncio.get_running_loop()
        with self.lock:
            if self.running:
                self.again = True
                return
            self.running = True
        threading.Thread(target=self._run, name="catalog-indexer", daemon=True).start()

    def build_nested(self, root: str) -> None:
        """Build a nested project's schema in the background, then analyse open documents again."""
        with contextlib.suppress(RuntimeError):
            self.loop = self.loop or asyncio.get_running_loop()
        threading.Thread(
            target=self._run_nested, args=(root,), name="catalog-nested", daemon=True
        ).start()

    def _run_nested(self, root: str) -> None:
        from ...project import build_catalog

        try:
            catalog = build_catalog(root, self.ls.session.settings)
        except Exception:  # that project's documents are still checked, without a schema
            log.exception("schema of %s could not be read", root)
            return
        self._call(self._finish_nested, root, catalog)

    def _finish_nested(self, root: str, catalog) -> None:
        self.ls.session.catalogs[root] = catalog
        if catalog is not None:
            self.reanalyse()

    def register_watcher(self) -> None:
        if not _capability(
            self.ls, "workspace", "did_change_watched_files", "dynamic_registration"
        ):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern="**/*.sql")]
            + [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in MANIFEST_NAMES]
        )
        self.ls.client_register_capability(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id=WATCHER_ID,
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )

    # -- the build thread ------------------------------------------------------------------

    def _call(self, fn, *args) -> None:
        """Run ``fn`` on the event loop (the transport is not thread-safe)."""
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(fn, *args)
        else:
            fn(*args)

    def _status(self, state: str, done: int, total: int, message: str) -> None:
        self._call(
            self.ls.protocol.notify,
            STATUS,
            {"state": state, "done": done, "total": total, "message": message},
        )

    def _run(self) -> None:
        while True:
            try:
                self._build_once()
            except Exception as exc:  # the server keeps working without a catalog
                log.exception("catalog build failed")
                self._status("error", 0, 0, f"schema indexing failed: {type(exc).__name__}: {exc}")
            with self.lock:
                if not self.again:
                    self.running = False
                    return
                self.again = False

    def _build_once(self) -> None:
        from ...project import build_catalog
        from ...project.schema import forget_histories

        forget_histories()  # a migration changed: the schema as of each migration is read again

        session = self.ls.session
        root = session.settings.root or session.root
        if not root:
            self._status("ready", 0, 0, "no workspace folder: schema not indexed")
            return
        token = None
        created = threading.Event()
        if _capability(self.ls, "window", "work_done_progress"):
            token = f"backend-architect-schema-{uuid.uuid4().hex[:8]}"
            self._call(
                lambda: self.ls.work_done_progress.create(token, lambda *a, **k: created.set())
            )
            created.wait(5)
            self._call(
                self.ls.work_done_progress.begin,
                token,
                types.WorkDoneProgressBegin(
                    title="Indexing schema…",
                    message="finding schema files",
                    percentage=0,
                    cancellable=False,
                ),
            )
        self._status("indexing", 0, 0, "Indexing schema…")
        last = [0.0, -1]

        def progress(done: int, total: int, path: str) -> None:
            pct = int(done * 100 / total) if total else 100
            now = time.monotonic()
            if done != total and (pct == last[1] or now - last[0] < 0.05):
                return
            last[0], last[1] = now, pct
            message = f"{done}/{total} files"
            if token is not None:
                self._call(
                    self.ls.work_done_progress.report,
                    token,
                    types.WorkDoneProgressReport(message=message, percentage=pct),
                )
            self._status("indexing", done, total, f"Indexing schema… {message}")

        started = time.perf_counter()
        catalog = build_catalog(root, session.settings, progress=progress)
        elapsed = time.perf_counter() - started
        self.builds += 1
        if catalog is None:
            message = "no schema files found (migrations/, db/migrate/, schema.sql, *.up.sql, pg_dump files, `schema` setting)"
            total = 0
        else:
            total = len(catalog.sources)
            message = (
                f"schema indexed: {len(catalog.tables())} tables from {total} files in {elapsed:.2f}s"
                f" ({catalog.from_cache} unchanged)"
            )
        from .drift import compute

        drift, drift_problem = compute(
            session, root, catalog
        )  # once per build; {} without a database
        if drift_problem:
            message += f"; {drift_problem}"
        self._call(self._finish, catalog, token, message, total, drift)

    def _finish(self, catalog, token, message: str, total: int, drift: dict | None = None) -> None:
        """On the event loop: publish the catalog, log what was skipped, re-analyse open documents."""
        self.ls.session.catalog = catalog
        self._publish_drift(drift or {})
        self.ls.session.catalogs.clear()  # nested projects' schemas are read again when next needed
        if token is not None:
            self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
        self.ls.protocol.notify(
            STATUS, {"state": "ready", "done": total, "total": total, "message": message}
        )
        notes = catalog.notes if catalog is not None else []
        text = message + (
            ""
            if not notes
            else f"; {len(notes)} statement(s) skipped:\n"
            + "\n".join(catalog.display_path(n) for n in notes[:200])
        )
        for warning in (
            getattr(catalog, "warnings", None) or ()
        ):  # e.g. the scan hit schema-max-files
            text += f"\nwarning: {warning}"
        self.ls.window_log_message(types.LogMessageParams(type=types.MessageType.Log, message=text))
        self.reanalyse()

    def _publish_drift(self, drift: dict) -> None:
        """Schema drift on files not open (open ones get it with their own diagnostics)."""
        from ...core.document import path_to_uri

        session = self.ls.session
        old, session.drift = session.drift, drift
        open_paths = {getattr(s.document, "path", None) for s in session.snapshots.values()}
        for path in set(old) | set(drift):
            if path in open_paths:
                continue
            self.ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(
                    uri=path_to_uri(path),
                    diagnostics=[
                        types.Diagnostic(
                            range=types.Range(
                                types.Position(d["range"]["start"]["line"], 0),
                                types.Position(d["range"]["start"]["line"], 0),
                            ),
                            message=d["message"],
                            severity=types.DiagnosticSeverity(d["severity"]),
                            code=d["code"],
                            source=d["source"],
                        )
                        for d in drift.get(path, [])
                    ],
                )
            )


def watched_files_changed(
    indexer: CatalogIndexer, params: types.DidChangeWatchedFilesParams
) -> None:
    if any(c.uri.lower().endswith(".sql") for c in params.changes):
        indexer.start()


#: the dependency manifests fixes read (a change re-checks the open documents)
MANIFEST_NAMES = (
    "package.json",
    "pyproject.toml",
    "requirements.txt",
    "setup.cfg",
    "Pipfile",
    "go.mod",
)


def is_manifest(uri: str) -> bool:
    name = uri.rsplit("/", 1)[-1]
    return name in MANIFEST_NAMES or (name.startswith("requirements") and name.endswith(".txt"))


def saved(indexer: CatalogIndexer, uri: str) -> None:
    if uri.lower().endswith(".sql"):
        indexer.start()
