"""Index advice checked against the development database with HypoPG.

Each index an INDEX_STRATEGY finding suggests for a query (IX001) is created hypothetically
(in this session only) and the query is planned again: the suggestion is kept when the
planner's cost drops by at least half, and its message and migration state the costs;
otherwise it is dropped and a note says so. A query the planner already costs under
``MIN_COST`` (a small table, by its statistics) needs no index: dropped too. Without HypoPG, or without a reachable database,
the advice stays, labelled unverified. Runs only when a database is configured
(``database.url`` or ``DATABASE_URL``). ``check`` runs it inline; the language server runs the
same steps in the background (``lsp/handlers/index_advice.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .devdb import DevDatabaseError

if TYPE_CHECKING:
    from ..core.findings import Finding

CHECKED = ("IX001",)  # the INDEX_STRATEGY rules whose index serves a query that can be planned
MIN_DROP = 0.5  # the cost must fall to at most half
MIN_COST = 100.0  # a query the planner already costs below this (a small table) needs no index
_CREATE_INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*;?", re.I)
_FAILED: set[str] = set()  # databases that could not be reached in this process: asked once

KEPT, DROPPED, UNVERIFIED = "kept", "dropped", "unverified"
NO_HYPOPG = "HypoPG is not installed in the database"
NO_PSYCOPG = "the database features need psycopg (pip install 'backend-architect[db]')"


@dataclass(frozen=True)
class Candidate:
    """An index suggestion that can be checked: the finding, its query and its CREATE INDEX."""

    finding: Finding
    query: str
    ddl: str


@dataclass(frozen=True)
class Verdict:
    kind: str  # KEPT, DROPPED or UNVERIFIED
    before: float = 0.0
    after: float = 0.0
    reason: str = ""  # why it is unverified

    @property
    def costs(self) -> str:
        return f"estimated cost {self.before:,.2f} -> {self.after:,.2f} with the index (HypoPG)"


def _statement_text(result, offset: int) -> str | None:
    for stmt in result.statements:
        s, e = stmt.doc_range(0, len(stmt.data))
        if s <= offset <= e:
            return stmt.text
    return None


def candidates(result) -> list[Candidate]:
    """The findings of ``result`` (a LintResult) whose suggested index can be checked."""
    out = []
    for f in result.findings:
        if f.code not in CHECKED or f.fix is None or not f.fix.new_files:
            continue
        ddl = next(
            (m.group(0) for nf in f.fix.new_files for m in [_CREATE_INDEX.search(nf.text)] if m),
            None,
        )
        query = _statement_text(result, f.start)
        if query and ddl:
            out.append(Candidate(f, query, ddl))
    return out


def measure(db, query: str, ddl: str) -> Verdict:
    """Plan ``query`` without and with the hypothetical index (blocking: a database call).
    Raises DevDatabaseError when the database cannot be used at all."""
    if not db.hypopg_available():
        return Verdict(UNVERIFIED, reason=NO_HYPOPG)
    try:
        before, after, _ = db.check_index(query, ddl)
        if before < MIN_COST:
            return Verdict(DROPPED, before, after)
    except ValueError as exc:
        return Verdict(UNVERIFIED, reason=str(exc))
    except DevDatabaseError as exc:  # this query (a timeout, an unknown table): the others go on
        return Verdict(UNVERIFIED, reason=str(exc))
    return Verdict(KEPT if after <= before * MIN_DROP else DROPPED, before, after)


def applied(finding, verdict: Verdict):
    """``finding`` as the verdict leaves it (None: dropped)."""
    if verdict.kind == DROPPED:
        return None
    if verdict.kind == UNVERIFIED:
        return replace(finding, message=f"{finding.message} (unverified: {verdict.reason})")
    files = tuple(
        replace(nf, text=f"-- {verdict.costs}\n" + nf.text) if _CREATE_INDEX.search(nf.text) else nf
        for nf in finding.fix.new_files
    )
    return replace(
        finding,
        message=f"{finding.message}; {verdict.costs}",
        fix=replace(finding.fix, new_files=files),
    )


def drop_note(candidate: Candidate, verdict: Verdict) -> str:
    if verdict.before < MIN_COST:
        return (
            f"{candidate.finding.code} suggestion dropped: {candidate.ddl.strip()}: the query is "
            f"already cheap (estimated cost {verdict.before:,.2f}, under {MIN_COST:,.0f}: a small table)"
        )
    return (
        f"{candidate.finding.code} suggestion dropped: {candidate.ddl.strip()} does not halve the "
        f"query's cost ({verdict.before:,.2f} -> {verdict.after:,.2f}, HypoPG)"
    )


def psycopg_missing() -> bool:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return True
    return False


def check_index_findings(result, settings, db=None) -> list[str]:
    """Check the index suggestions of ``result`` (a LintResult) in place; returns notes to show."""
    found = candidates(result)
    if not found:
        return []
    if db is None:
        from ..lsp.handlers.plan_hover import dev_database

        db = dev_database(settings)
        if db is None or not getattr(getattr(settings, "database", None), "hypopg", True):
            return []
    if db.url in _FAILED:
        return []
    if psycopg_missing():
        _FAILED.add(db.url)
        return [f"index advice not verified: {NO_PSYCOPG}"]
    try:
        db.hypopg_available()
    except DevDatabaseError as exc:
        _FAILED.add(db.url)
        return [f"index advice not verified: {exc}"]
    notes = []
    verdicts = {}
    for c in found:
        verdict = verdicts[id(c.finding)] = measure(db, c.query, c.ddl)
        if verdict.kind == DROPPED:
            notes.append(drop_note(c, verdict))
    kept = []
    for f in result.findings:
        known = verdicts.get(id(f))
        if known is None:
            kept.append(f)
        elif (g := applied(f, known)) is not None:
            kept.append(g)
    result.findings[:] = kept
    return notes
