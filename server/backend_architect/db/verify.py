"""``backend-architect verify``: replay the migrations on a throwaway PostgreSQL, trace the
pending ones, and hold the static MIGRATION findings against what PostgreSQL did.

Pending migrations: the files named on the command line, else the newest ``pending`` files
of each migrations folder. Every earlier file is applied first, then every table gets
``rows`` generated rows, so rewrites and scans do real work.
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field

from .replay import MigrationFile, MigrationFolder, ReplayError, apply_file, discover
from .trace import StatementTrace, fill_tables, lock_rank, trace_file


@dataclass(frozen=True)
class Claim:
    """What a MIGRATION rule says PostgreSQL will do (checked against the trace)."""

    lock: str | None = None  # at least this lock on a table
    rewrite: bool = False
    scan: bool = False  # reads the whole table (a rewrite counts)
    fails: str | None = None  # the statement fails with this SQLSTATE (on a table with rows)

    def describe(self) -> str:
        parts = [f"{self.lock} lock"] if self.lock else []
        parts += ["rewrite"] if self.rewrite else []
        parts += ["scan"] if self.scan else []
        parts += [f"fails ({self.fails})"] if self.fails else []
        return " + ".join(parts)


# The claim each MIGRATION rule's message makes, in PostgreSQL's terms.
CLAIMS: dict[str, Claim] = {
    "MG001": Claim(
        lock="SHARE", scan=True
    ),  # CREATE INDEX: SHARE for the build (DROP INDEX: stronger)
    "MG002": Claim(
        fails="25001"
    ),  # active_sql_transaction: CONCURRENTLY inside the runner's transaction
    "MG003": Claim(fails="23502"),  # not_null_violation: the table has rows
    "MG004": Claim(
        lock="SHARE ROW EXCLUSIVE", scan=True
    ),  # a foreign key; a CHECK takes ACCESS EXCLUSIVE
    "MG005": Claim(lock="ACCESS EXCLUSIVE", rewrite=True),
    "MG006": Claim(lock="ACCESS EXCLUSIVE", scan=True),
    "MG007": Claim(lock="ACCESS EXCLUSIVE", rewrite=True),
    "MG008": Claim(lock="ACCESS EXCLUSIVE", scan=True),
    "MG009": Claim(lock="ACCESS EXCLUSIVE"),
    "MG010": Claim(lock="ACCESS EXCLUSIVE"),
    "MG011": Claim(lock="ACCESS EXCLUSIVE"),
    "MG012": Claim(lock="ACCESS EXCLUSIVE"),
    "MG013": Claim(lock="ACCESS EXCLUSIVE"),
    "MG017": Claim(lock="ACCESS EXCLUSIVE", rewrite=True),
    "MG018": Claim(lock="ROW EXCLUSIVE"),
}
# Where one rule covers statements PostgreSQL treats differently, the claim of its message for
# that statement: (code, pattern on the statement) -> claim.
STATEMENT_CLAIMS: list[tuple[str, re.Pattern, Claim]] = [
    # "DROP INDEX without CONCURRENTLY locks the index's table": ACCESS EXCLUSIVE, no scan
    ("MG001", re.compile(r"^\s*DROP\s+INDEX\b", re.I), Claim(lock="ACCESS EXCLUSIVE")),
    # "REINDEX ... blocks writes to the table (SHARE lock) and reads through the index"
    ("MG017", re.compile(r"^\s*REINDEX\b", re.I), Claim(lock="SHARE", scan=True)),
    # timestamp -> timestamptz: PostgreSQL 12+ skips the rewrite when the session's TimeZone is
    # UTC and only scans; a rewrite counts as a scan, so the claim holds in every time zone
    (
        "MG005",
        re.compile(
            r"\bTYPE\s+(?:timestamptz|timestamp(?:\s*\(\d+\))?\s+with\s+time\s+zone)\b", re.I
        ),
        Claim(lock="ACCESS EXCLUSIVE", scan=True),
    ),
]


def _claimed(code: str, statement: str) -> str:
    claim = claim_for(code, statement)
    return claim.describe() if claim is not None else "nothing"


def claim_for(code: str, statement: str | None = None) -> Claim | None:
    """What finding ``code`` claims about ``statement`` (the rule's general claim by default)."""
    for c, pattern, claim in STATEMENT_CLAIMS:
        if c == code and statement and pattern.search(statement):
            return claim
    return CLAIMS.get(code)


# a lock at least this strong on a table with rows is worth reporting even when no rule said so
NOTABLE_LOCK = "SHARE"


@dataclass
class Verdict:
    code: str
    line: int
    message: str
    status: str  # confirmed, contradicted, not traced, no claim
    observed: str
    statement: int | None = None  # index of the traced statement

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "line": self.line,
            "message": self.message,
            "status": self.status,
            "observed": self.observed,
        }


@dataclass
class FileResult:
    path: str
    traces: list[StatementTrace] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    trace_only: list[StatementTrace] = field(default_factory=list)  # notable, and no rule said so

    @property
    def error(self) -> ReplayError | None:
        return next((t.error for t in self.traces if t.error), None)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "statements": [t.to_json() for t in self.traces],
            "findings": [v.to_json() for v in self.verdicts],
            "trace_only": [{"line": t.line, "observed": observed(t)} for t in self.trace_only],
            "error": self.error.to_json() if self.error else None,
        }


@dataclass
class FolderResult:
    folder: str
    runner: str | None
    applied: int = 0
    error: ReplayError | None = None
    filled: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    files: list[FileResult] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "folder": self.folder,
            "runner": self.runner,
            "applied": self.applied,
            "error": self.error.to_json() if self.error else None,
            "rows": self.filled,
            "tables_not_filled": self.skipped,
            "pending": [f.to_json() for f in self.files],
        }


def observed(t: StatementTrace) -> str:
    if t.error is not None:
        return f"fails: {t.error.message}"
    parts = []
    strongest = t.strongest(("table",))
    if strongest is not None:
        parts.append(f"{strongest.mode} on {strongest.relation}")
    others = [
        lk
        for lk in t.locks
        if lk is not strongest
        and lk.kind == "table"
        and lock_rank(lk.mode) >= lock_rank("SHARE UPDATE EXCLUSIVE")
    ]
    parts += [f"{lk.mode} on {lk.relation}" for lk in others]
    if t.rewritten:
        parts.append("rewrote " + ", ".join(t.rewritten))
    scanned = [s for s in t.scanned if s not in t.rewritten]
    if scanned:
        parts.append("scanned " + ", ".join(scanned))
    if not parts:
        parts.append(
            "no lock on an existing table" if t.in_transaction else "no lock seen while sampling"
        )
    where = (
        ""
        if t.in_transaction
        else " (outside a transaction: locks sampled while it ran, short ones may be missed)"
    )
    return "; ".join(parts) + f"; {t.ms:.1f} ms{where}"


def judge(code: str, trace: StatementTrace | None) -> tuple[str, str]:
    """(status, what was observed) of finding ``code`` on the statement ``trace``."""
    claim = claim_for(code, trace.text if trace is not None else None)
    if trace is None:
        return "not traced", "the statement did not run"
    seen = observed(trace)
    if claim is None:
        return "no claim", seen
    if claim.fails:
        failed = trace.error is not None and trace.error.sqlstate == claim.fails
        return ("confirmed" if failed else "contradicted"), seen
    if trace.error is not None:
        return "not traced", seen
    ok = True
    if claim.lock:
        strongest = trace.strongest(("table",))
        ok = strongest is not None and lock_rank(strongest.mode) >= lock_rank(claim.lock)
    if claim.rewrite:
        ok = ok and bool(trace.rewritten)
    if claim.scan:
        ok = ok and bool(trace.scanned or trace.rewritten or not trace.in_transaction)
    return ("confirmed" if ok else "contradicted"), seen


def _static_findings(path: str) -> list[tuple[str, int, int, str]]:
    """(code, first line, last line, message) of the MIGRATION findings of ``path``."""
    from ..cli import check_paths

    out = []
    for rep in check_paths([path], {}, jobs=1):
        for f in rep.findings:
            if f.code.startswith("MG"):
                out.append((f.code, rep.pos(f.start)[0], rep.pos(f.end)[0], f.message))
    return out


def _line_span(mf: MigrationFile, t: StatementTrace) -> tuple[int, int]:
    return mf.position(t.start)[0], mf.position(t.end)[0]


def examine(mf: MigrationFile, traces: list[StatementTrace]) -> FileResult:
    result = FileResult(mf.path, traces)
    flagged: set[int] = set()
    for code, first, last, message in _static_findings(mf.path):
        match = None
        for i, t in enumerate(traces):
            lo, hi = _line_span(mf, t)
            if lo <= last and first <= hi:
                match = i
                break
        status, seen = judge(code, traces[match] if match is not None else None)
        if match is not None:
            flagged.add(match)
        result.verdicts.append(Verdict(code, first, message, status, seen, match))
    for i, t in enumerate(traces):
        if i in flagged or t.error is not None:
            continue
        strongest = t.strongest(("table",))
        busy = (
            strongest is not None
            and lock_rank(strongest.mode) >= lock_rank(NOTABLE_LOCK)
            and t.rows.get(strongest.relation, 0) > 0
        )
        if busy or t.rewritten:
            result.trace_only.append(t)
    return result


def pending_files(folder: MigrationFolder, named: set[str], pending: int) -> set[str]:
    if named:
        return {f.path for f in folder.files if f.path in named}
    return {f.path for f in folder.files[-pending:]} if pending > 0 else set()


class Cancelled(Exception):
    """The caller asked to stop (the editor cancelled the progress)."""


def verify_folder(
    server, folder: MigrationFolder, dbname: str, *, pending: set[str], rows: int, cancelled=None
) -> FolderResult:
    import psycopg

    result = FolderResult(folder.path, folder.runner)
    dsn = server.create_database(dbname)
    with (
        psycopg.connect(dsn, autocommit=True) as conn,
        psycopg.connect(dsn, autocommit=True) as observer,
    ):
        conn.execute("SET client_min_messages = error")
        filled = False
        last = max((i for i, mf in enumerate(folder.files) if mf.path in pending), default=-1)
        for i, mf in enumerate(folder.files):
            if cancelled is not None and cancelled():
                raise Cancelled()
            if i > last:
                break  # the migrations after the pending ones do not change what is traced
            if mf.path not in pending:
                err = apply_file(conn, mf)
                if err is not None:
                    err.not_applied = [f.path for f in folder.files[i + 1 :]]
                    result.error = err
                    return result
                result.applied += 1
                continue
            if not filled:
                result.filled, result.skipped = fill_tables(conn, rows)
                filled = True
            traces = trace_file(conn, observer, mf)
            result.files.append(examine(mf, traces))
            if any(t.error for t in traces):
                return result
            result.applied += 1
    return result


@dataclass
class VerifyReport:
    folders: list[FolderResult]
    server: str = ""

    @property
    def failed(self) -> bool:
        return any(f.error or any(r.error for r in f.files) for f in self.folders)

    @property
    def contradicted(self) -> int:
        return sum(
            v.status == "contradicted" for f in self.folders for r in f.files for v in r.verdicts
        )

    def to_json(self) -> dict:
        return {"server": self.server, "folders": [f.to_json() for f in self.folders]}


def verify(
    paths: list[str],
    *,
    bin_dir=None,
    rows: int = 2000,
    pending: int = 1,
    settings=None,
    server=None,
    progress=None,
    cancelled=None,
) -> VerifyReport:
    """Replay and trace every PostgreSQL migrations folder under ``paths``.

    ``server``: a running :class:`ScratchPostgres` to use (else one is started and removed).
    Raises :class:`PostgresUnavailable` when no server can be started."""
    from .scratch import ScratchPostgres

    named = {os.path.abspath(p) for p in paths if os.path.isfile(p)}
    folders = discover(paths or ["."], settings)
    own = server is None
    if own:
        server = ScratchPostgres(bin_dir).start()
    try:
        report = VerifyReport([], str(server.bin_dir))
        for i, folder in enumerate(folders):
            if progress is not None:
                progress(folder)
            report.folders.append(
                verify_folder(
                    server,
                    folder,
                    f"verify_{os.getpid()}_{i}_{uuid.uuid4().hex[:12]}",
                    pending=pending_files(folder, named, pending),
                    rows=rows,
                    cancelled=cancelled,
                )
            )
        return report
    finally:
        if own:
            server.stop()


def format_text(report: VerifyReport, cwd: str | None = None) -> str:
    def rel(p: str) -> str:
        try:
            return os.path.relpath(p, cwd or os.getcwd())
        except ValueError:
            return p

    lines = []
    if not report.folders:
        return "no PostgreSQL migrations found\n"
    for f in report.folders:
        lines.append(
            f"{rel(f.folder)}: {f.applied} migration(s) applied"
            + (f" ({f.runner})" if f.runner else "")
        )
        if f.error:
            e = f.error
            lines.append(f"{rel(e.path)}:{e.line}:{e.column}: error: migration fails: {e.message}")
            if e.not_applied:
                lines.append(f"  {len(e.not_applied)} later migration(s) not applied")
        if f.filled or f.skipped:
            lines.append(
                f"  rows: {len(f.filled)} table(s) filled"
                + (
                    "; not filled: " + "; ".join(f"{t} ({why})" for t, why in f.skipped.items())
                    if f.skipped
                    else ""
                )
            )
        for r in f.files:
            lines.append(f"{rel(r.path)}: traced {len(r.traces)} statement(s)")
            only = {id(t) for t in r.trace_only}
            for i, t in enumerate(r.traces):
                if t.error:
                    e = t.error
                    lines.append(
                        f"{rel(e.path)}:{e.line}:{e.column}: error: migration fails: {e.message}"
                    )
                else:
                    lines.append(f"{rel(r.path)}:{t.line}: {observed(t)}")
                for v in r.verdicts:
                    if v.statement == i and v.status != "no claim":
                        lines.append(
                            f"    {v.code} {v.status} ({_claimed(v.code, t.text)} claimed)"
                        )
                if id(t) in only:
                    lines.append("    seen by the trace only: no rule flagged this statement")
            for v in r.verdicts:
                if v.statement is None and v.status != "no claim":
                    lines.append(f"{rel(r.path)}:{v.line}: {v.code} {v.status}: {v.observed}")
    return "\n".join(lines) + "\n"
