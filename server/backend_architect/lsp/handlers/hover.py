"""textDocument/hover: the rule's documentation for every finding under the cursor."""

from __future__ import annotations

from lsprotocol import types

from ...core.registry import rule_by_code
from ..session import Session, Snapshot


def _providers() -> list:
    """What else a hover shows, ``fn(session, snap, offset) -> str | None``: the schema
    facts of a query, the file's facts, the plan (only with a database configured).
    Imported on first use: start-up stays short."""
    from .file_hover import file_facts
    from .plan_hover import plan_hover
    from .schema_hover import schema_hover

    return [schema_hover, file_facts, plan_hover]


def hover(session: Session, snap: Snapshot, position: types.Position) -> types.Hover | None:
    doc = snap.document
    offset = session.offset(doc, position)
    parts: list[str] = []
    span = None
    for f in snap.result.findings:
        if f.start <= offset <= max(f.end, f.start + 1) and (f.start != f.end or offset == f.start):
            rule = rule_by_code(f.code)
            if rule is None:
                continue
            parts.append(f"**{f.code}** {f.message}\n\n" + rule.markdown())
            span = (
                (f.start, f.end) if span is None else (min(span[0], f.start), max(span[1], f.end))
            )
    for provider in _providers():
        extra = provider(session, snap, offset)
        if extra:
            parts.append(extra)
    if not parts:
        return None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
        ),
        range=session.range(doc, *span) if span else None,
    )
