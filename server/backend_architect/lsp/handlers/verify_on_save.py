"""``verify`` when a migration is saved (``database.verify-on-save``, off by default).

Runs in the background on one throwaway PostgreSQL kept for the server's life, reports
``$/progress`` (cancellable), and shows what PostgreSQL did as diagnostics on the saved
migration: the lock each statement took and on what, rewrites and scans, the MIGRATION
findings it confirmed or contradicted, and a failing statement as an error at its line."""

from __future__ import annotations

import os
import threading
import uuid

from lsprotocol import types

SOURCE = "backend-architect verify"


def diagnostics_of(report, path: str) -> list[dict]:
    """The trace of ``path`` in ``report`` as diagnostic JSON."""
    from ...db.verify import CLAIMS, _claimed, observed

    out = []

    def diag(line: int, col: int, severity, message: str, code: str = "verify") -> None:
        out.append(
            {
                "range": {
                    "start": {"line": max(line - 1, 0), "character": max(col - 1, 0)},
                    "end": {"line": max(line - 1, 0), "character": max(col - 1, 0)},
                },
                "severity": severity.value,
                "code": code,
                "source": SOURCE,
                "message": message,
            }
        )

    path = os.path.abspath(path)
    for folder in report.folders:
        if folder.error is not None:
            e = folder.error
            if os.path.abspath(e.path) == path:
                diag(
                    e.line,
                    e.column,
                    types.DiagnosticSeverity.Error,
                    f"fails on PostgreSQL: {e.message}",
                )
            else:  # an earlier migration fails: nothing of this one ran
                diag(
                    1,
                    1,
                    types.DiagnosticSeverity.Warning,
                    f"not verified: an earlier migration fails on PostgreSQL ({os.path.basename(e.path)}:{e.line}: "
                    f"{e.message})",
                )
        for result in folder.files:
            if os.path.abspath(result.path) != path:
                continue
            for i, t in enumerate(result.traces):
                if t.error is not None:
                    diag(
                        t.error.line,
                        t.error.column,
                        types.DiagnosticSeverity.Error,
                        f"fails on PostgreSQL: {t.error.message}",
                    )
                    continue
                verdicts = [
                    f"{v.code} {v.status} ({_claimed(v.code, t.text)} claimed)"
                    for v in result.verdicts
                    if v.statement == i and v.code in CLAIMS
                ]
                only = " — no rule flagged this" if t in result.trace_only else ""
                severity = (
                    types.DiagnosticSeverity.Warning
                    if any("contradicted" in v for v in verdicts)
                    else types.DiagnosticSeverity.Information
                )
                diag(
                    t.line,
                    1,
                    severity,
                    f"PostgreSQL: {observed(t)}"
                    + (f"; {'; '.join(verdicts)}" if verdicts else "")
                    + only,
                )
    return out


class SaveVerifier:
    """One verify at a time per file; a new save cancels the previous run of that file."""

    def __init__(self, ls) -> None:
        self.ls = ls
        self.server = None
        self.lock = threading.Lock()
        self.unavailable: str | None = None

    def saved(self, path: str | None) -> bool:
        session = self.ls.session
        settings = session.settings
        if not path or not getattr(settings.database, "verify_on_save", False):
            return False
        from ...project import file_info

        info = file_info(path, settings, check_git=False)
        if (
            not info.is_migration
            or info.direction == "down"
            or not info.may_be(("postgres",))
            or not path.endswith(".sql")
        ):
            return False
        threading.Thread(target=self._run, args=(path,), name="verify-on-save", daemon=True).start()
        return True

    def _scratch(self):
        from ...db.scratch import ScratchPostgres

        with self.lock:
            if self.server is None:
                bin_dir = getattr(self.ls.session.settings.database, "postgres_bin", None)
                self.server = ScratchPostgres(bin_dir).start()
            return self.server

    def _run(self, path: str) -> None:
        from ...db.scratch import PostgresUnavailable
        from ...db.verify import Cancelled, verify

        ls = self.ls
        loop = getattr(ls.indexer, "loop", None)
        token = f"backend-architect-verify-{uuid.uuid4().hex[:8]}"
        future = None

        def call(fn, *args):
            if loop is not None:
                loop.call_soon_threadsafe(fn, *args)

        created = threading.Event()
        call(lambda: ls.work_done_progress.create(token, lambda *a, **k: created.set()))
        created.wait(5)
        call(
            ls.work_done_progress.begin,
            token,
            types.WorkDoneProgressBegin(
                title="Verifying migration on PostgreSQL…",
                message=os.path.basename(path),
                cancellable=True,
            ),
        )
        message = "done"
        diags = None
        try:
            future = ls.work_done_progress.tokens.get(token)
            server = self._scratch()
            report = verify(
                [path],
                server=server,
                rows=2000,
                cancelled=lambda: future is not None and future.cancelled(),
            )
            diags = diagnostics_of(report, path)
        except Cancelled:
            message = "cancelled"
        except PostgresUnavailable as exc:
            message = "PostgreSQL not available"
            if self.unavailable is None:
                self.unavailable = str(exc)
                call(
                    ls.window_show_message,
                    types.ShowMessageParams(
                        type=types.MessageType.Warning,
                        message=f"Backend Architect: verify on save: {exc}",
                    ),
                )
        except Exception as exc:  # a bug of ours costs this run, not the server
            message = f"failed: {type(exc).__name__}: {exc}"
        call(ls.work_done_progress.end, token, types.WorkDoneProgressEnd(message=message))
        if diags is not None:
            call(self._publish, path, diags)

    def _publish(self, path: str, diags: list[dict]) -> None:
        session = self.ls.session
        session.verified[os.path.abspath(path)] = diags
        self.ls.indexer.reanalyse()

    def shutdown(self) -> None:
        with self.lock:
            if self.server is not None:
                self.server.stop()
                self.server = None
