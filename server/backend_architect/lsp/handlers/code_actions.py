"""textDocument/codeAction: quick fixes from the diagnostics' data, suppressions, fix-all."""

from __future__ import annotations

from lsprotocol import types

from ...core.engine import fix_document, suppression_edit
from ...core.findings import Finding, Fix
from ...core.registry import rule_by_code
from ...core.findings import minimal_edit
from ..session import SOURCE, Session, Snapshot

FIX_ALL_KIND = "source.fixAll.backend-architect"
# Extra providers (the commands' source and refactor actions): fn(session, snap, params) -> list[CodeAction].
CODE_ACTION_PROVIDERS: list = []


def _wants(only, kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def code_actions(session: Session, snap: Snapshot, params: types.CodeActionParams) -> list[types.CodeAction]:
    doc = snap.document
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix):
        for diag in params.context.diagnostics:
            if diag.source != SOURCE or not diag.code:
                continue
            data = diag.data if isinstance(diag.data, dict) else {}
            stale = data.get("version") != doc.version
            finding = _finding_for(snap, diag, session) if stale else None
            fix = None
            if stale and finding is not None:
                fix = finding.fix
            elif not stale and data.get("fix"):
                fix = Fix.from_json(data["fix"])
            rule = rule_by_code(str(diag.code))
            command = rule.command if rule else ""
            if fix is not None:
                actions.append(
                    types.CodeAction(
                        title=f"{command}: {fix.title}",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diag],
                        is_preferred=fix.is_safe,
                        edit=session.workspace_edit(doc, fix.edits, fix),
                    )
                )
            start = session.offset(doc, diag.range.start)
            pseudo = Finding(str(diag.code), diag.message, start, start)
            actions.append(
                types.CodeAction(
                    title=f"Disable {diag.code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=session.workspace_edit(doc, [suppression_edit(doc, pseudo)]),
                )
            )
    if only and _wants(only, FIX_ALL_KIND) or not only and snap.result.findings:
        fix_all = fix_all_action(session, snap)
        if fix_all is not None:
            actions.append(fix_all)
    from ...commands import load_all

    load_all()
    for provider in CODE_ACTION_PROVIDERS:
        try:
            actions.extend(provider(session, snap, params) or [])
        except Exception:  # one broken provider must not hide the quick fixes
            import logging

            logging.getLogger(__name__).exception("code action provider failed")
    return actions


def fix_all_action(session: Session, snap: Snapshot) -> types.CodeAction | None:
    doc = snap.document
    fixed = fix_document(doc, snap.settings, session.catalog, safe_only=True)
    if fixed.text == doc.text:
        return None
    edit = minimal_edit(doc.text, fixed.text)
    return types.CodeAction(
        title="Backend Architect: fix all safe findings",
        kind=FIX_ALL_KIND,
        edit=session.workspace_edit(doc, [edit]),
    )


def _finding_for(snap: Snapshot, diag: types.Diagnostic, session: Session) -> Finding | None:
    doc = snap.document
    start = session.offset(doc, diag.range.start)
    for f in snap.result.findings:
        if f.code == diag.code and f.start == start:
            return f
    return None
