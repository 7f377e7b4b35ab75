"""textDocument/hover: the rule's documentation for every finding under the cursor."""

from __future__ import annotations

from lsprotocol import types

from ...core.registry import rule_by_code
from ..session import Session, Snapshot

HOVER_PROVIDERS: list = []  # extra providers (e.g. query facts): fn(session, snap, offset) -> str | None


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
    from . import schema_hover  # noqa: F401  (registers the schema hover provider on first use)
    from . import file_hover  # noqa: F401  (registers the file facts provider on first use)
    from . import plan_hover  # noqa: F401  (registers the plan provider: only with a database configured)

    for provider in HOVER_PROVIDERS:
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
