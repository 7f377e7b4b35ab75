"""Schema drift as diagnostics, once per project: computed after each schema build when a
development database is configured, shown on the migration that declares what the database
lacks (and, for what only the database has, on the newest migration)."""

from __future__ import annotations

import os

from lsprotocol import types

from ...db.devdb import DevDatabaseError
from ...db.drift import MISSING, compare

SOURCE = "backend-architect"


def compute(session, root: str, catalog) -> tuple[dict[str, list[dict]], str | None]:
    """({path: [diagnostic JSON]}, a message when the database could not be used). Runs off the event loop."""
    from .plan_hover import dev_database

    db = dev_database(session.settings)
    if db is None or catalog is None or not catalog.tables():
        return {}, None
    try:
        report = compare(catalog, db, root)
    except DevDatabaseError as exc:
        return {}, f"schema drift not checked: {exc}"
    out: dict[str, list[dict]] = {}
    newest = catalog.sources[-1] if catalog.sources else None
    for item in report.items:
        path, line = newest, 0
        if item.where:
            rel, _, num = item.where.rpartition(":")
            path, line = (
                (os.path.join(root, rel), int(num) - 1)
                if num.isdigit()
                else (os.path.join(root, item.where), 0)
            )
        if path is None:
            continue
        missing = item.side == MISSING
        out.setdefault(os.path.abspath(path), []).append(
            {
                "range": {
                    "start": {"line": max(line, 0), "character": 0},
                    "end": {"line": max(line, 0), "character": 0},
                },
                "severity": (
                    types.DiagnosticSeverity.Warning
                    if missing
                    else types.DiagnosticSeverity.Information
                ).value,
                "code": "drift",
                "source": SOURCE,
                "message": f"schema drift: {item.kind} {item.name} is {item.side} ({report.database})",
            }
        )
    return out, None


def for_path(session, path: str | None) -> list[dict]:
    drift = getattr(session, "drift", None)
    if not drift or not path:
        return []
    return list(drift.get(os.path.abspath(path), ()))
