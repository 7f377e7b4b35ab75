"""Hover facts from the project model: on a finding in a migration, what the file is
(its dialect, direction, migration tool and whether that tool runs it in a transaction)."""

from __future__ import annotations

from . import hover as hover_handler


def file_facts(session, snap, offset: int) -> str | None:
    if not any(f.start <= offset <= max(f.end, f.start + 1) for f in snap.result.findings):
        return None
    info = session.file_info(snap.document)
    if not info.is_migration:
        return None
    lines = [f"**This file**: {info.direction or 'up'} migration, dialect {info.dialect} ({info.dialect_source})"]
    if info.runner:
        tx = "in a transaction" if info.in_transaction else "outside a transaction"
        lines.append(f"run by {info.runner} {tx} ({info.transaction_source})")
    return " · ".join(lines)


if file_facts not in hover_handler.HOVER_PROVIDERS:
    hover_handler.HOVER_PROVIDERS.append(file_facts)
