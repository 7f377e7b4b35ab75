"""Index advice checked against the development database with HypoPG.

Each index an INDEX_STRATEGY finding suggests is created hypothetically (in this session only)
and the query is planned again: the suggestion is kept when the planner's cost drops by at
least half, and its message and migration state the costs; otherwise it is dropped and a note
says so. Without HypoPG, or without a reachable database, the advice stays, labelled unverified.
Runs only when a database is configured (``database.url`` or ``DATABASE_URL``).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .devdb import DevDatabaseError

CHECKED = ("IX001",)
MIN_DROP = 0.5  # the cost must fall to at most half
_CREATE_INDEX = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\b[^;]*;?", re.I)
_FAILED: set[str] = set()  # databases that could not be reached in this process: asked once


def _statement_text(result, offset: int) -> str | None:
    for stmt in result.statements:
        s, e = stmt.doc_range(0, len(stmt.data))
        if s <= offset <= e:
            return stmt.text
    return None


def check_index_findings(result, settings, db=None) -> list[str]:
    """Check the index suggestions of ``result`` (a LintResult) in place; returns notes to show."""
    findings = [f for f in result.findings if f.code in CHECKED and f.fix and f.fix.new_files]
    if not findings:
        return []
    if db is None:
        from ..lsp.handlers.plan_hover import dev_database

        db = dev_database(settings)
        if db is None or not getattr(getattr(settings, "database", None), "hypopg", True):
            return []
    if db.url in _FAILED:
        return []
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _FAILED.add(db.url)
        return [
            "index advice not verified: the database features need psycopg (pip install 'backend-architect[db]')"
        ]
    try:
        available = db.hypopg_available()
    except DevDatabaseError as exc:
        _FAILED.add(db.url)
        return [f"index advice not verified: {exc}"]
    notes = []
    kept = []
    for f in result.findings:
        if f not in findings:
            kept.append(f)
            continue
        if not available:
            kept.append(
                replace(
                    f, message=f.message + " (unverified: HypoPG is not installed in the database)"
                )
            )
            continue
        query = _statement_text(result, f.start)
        ddl = next(
            (m.group(0) for nf in f.fix.new_files for m in [_CREATE_INDEX.search(nf.text)] if m),
            None,
        )
        if not query or not ddl:
            kept.append(f)
            continue
        try:
            before, after, _ = db.check_index(query, ddl)
        except (DevDatabaseError, ValueError) as exc:
            kept.append(replace(f, message=f.message + f" (unverified: {exc})"))
            continue
        costs = f"estimated cost {before:,.2f} -> {after:,.2f} with the index (HypoPG)"
        if after <= before * MIN_DROP:
            files = tuple(
                replace(nf, text=f"-- {costs}\n" + nf.text) if _CREATE_INDEX.search(nf.text) else nf
                for nf in f.fix.new_files
            )
            kept.append(
                replace(f, message=f"{f.message}; {costs}", fix=replace(f.fix, new_files=files))
            )
        else:
            notes.append(
                f"{f.code} suggestion dropped: {ddl.strip()} does not halve the query's cost "
                f"({before:,.2f} -> {after:,.2f}, HypoPG)"
            )
    result.findings[:] = kept
    return notes
