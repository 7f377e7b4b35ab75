"""Hover facts from the project model: on a finding in a migration, what the file is (its dialect, direction, migration tool, whether that tool runs it in a
transaction, and whether it is history: already on the main line, so never fixed)."""

from __future__ import annotations


def file_facts(session, snap, offset: int) -> str | None:
    if not any(f.start <= offset <= max(f.end, f.start + 1) for f in snap.result.findings):
        return None
    info = session.file_info(snap.document)
    if not info.is_migration:
        return None
    lines = [
        f"**This file**: {info.direction or 'up'} migration, dialect {info.dialect} ({info.dialect_source})"
    ]
    if info.runner:
        tx = "in a transaction" if info.in_transaction else "outside a transaction"
        lines.append(f"run by {info.runner} {tx} ({info.transaction_source})")
    elif info.transaction_source:
        lines.append(f"transaction not known ({info.transaction_source})")
    if info.path and info.not_own is None:
        from ...project.history import history_of

        past = history_of(info.path, snap.settings)
        if past.historical:
            lines.append(f"history: {past.reason}; its findings are hints and it is never fixed")
        else:
            lines.append(f"pending: {past.reason}; every rule and fix applies")
    return " · ".join(lines)
