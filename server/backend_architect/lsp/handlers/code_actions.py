"""textDocument/codeAction: quick fixes from the diagnostics' data, suppressions, fix-all.

The fix-all is the one action that needs work (linting until nothing changes): it
is offered without an edit and computed by codeAction/resolve when the user picks
it, if the client can resolve edits; otherwise it is computed here, and a failure
only drops the fix-all, never the quick fixes.
"""

from __future__ import annotations

import logging

from lsprotocol import types

from ...core.findings import Finding, Fix
from ...core.registry import rule_by_code
from ...core.findings import minimal_edit
from ..session import SOURCE, Session, Snapshot, deps_token

log = logging.getLogger(__name__)

FIX_ALL_KIND = "source.fixAll.backend-architect"
FIX_ALL_TITLE = "Backend Architect: fix all safe findings"


def _providers() -> list:
    """The other providers of code actions, ``fn(session, snap, params) -> list[CodeAction]``:
    the commands' source and refactor actions (imported on first use: start-up stays short)."""
    from .command_actions import command_actions, index_strategy_actions

    return [command_actions, index_strategy_actions]


def _wants(only, kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def code_actions(
    session: Session, snap: Snapshot, params: types.CodeActionParams, lazy_fix_all: bool = False
) -> list[types.CodeAction]:
    doc = snap.document
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix):
        for diag in params.context.diagnostics:
            if diag.source != SOURCE or not diag.code:
                continue
            try:
                actions.extend(_quick_fixes(session, snap, diag))
            except Exception:  # a bad diagnostic (e.g. malformed data) costs only its own actions
                log.exception("quick fixes for %s failed on %s", diag.code, doc.path)
    if only and _wants(only, FIX_ALL_KIND) or not only and snap.result.findings:
        if lazy_fix_all:
            if any(f.fix is not None and f.fix.is_safe for f in snap.result.findings):
                actions.append(
                    types.CodeAction(
                        title=FIX_ALL_TITLE,
                        kind=FIX_ALL_KIND,
                        data={"fixAll": doc.uri, "version": doc.version},
                    )
                )
        else:
            try:
                fix_all = fix_all_action(session, snap)
            except Exception:  # the quick fixes above still go out
                log.exception("fix-all failed on %s", doc.path)
                fix_all = None
            if fix_all is not None:
                actions.append(fix_all)
    for provider in _providers():
        try:
            actions.extend(provider(session, snap, params) or [])
        except Exception:  # one broken provider must not hide the quick fixes
            log.exception("code action provider failed")
    return actions


def _quick_fixes(
    session: Session, snap: Snapshot, diag: types.Diagnostic
) -> list[types.CodeAction]:
    """The diagnostic's fix (from its data, or found again when the document changed) and its suppression."""
    doc = snap.document
    actions: list[types.CodeAction] = []
    data = diag.data if isinstance(diag.data, dict) else {}
    # a diagnostic's fix was made for the document's version and the project's manifests then
    stale = data.get("version") != doc.version or (
        "fix" in data and data.get("deps") != deps_token(snap)
    )
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
    from ...core.engine import suppression_edit

    start = session.offset(doc, diag.range.start)
    pseudo = Finding(str(diag.code), diag.message, start, start)
    actions.append(
        types.CodeAction(
            title=f"Disable {diag.code} for this line",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diag],
            edit=session.workspace_edit(doc, [suppression_edit(doc, pseudo, _regions(snap))]),
        )
    )
    return actions


def fix_all_action(session: Session, snap: Snapshot) -> types.CodeAction | None:
    doc = snap.document
    from ...core.engine import fix_document

    fixed = fix_document(doc, snap.settings, session.catalog, safe_only=True)
    if fixed.text == doc.text:
        return None
    edit = minimal_edit(doc.text, fixed.text)
    return types.CodeAction(
        title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, edit=session.workspace_edit(doc, [edit])
    )


def is_fix_all(action: types.CodeAction) -> bool:
    return isinstance(action.data, dict) and isinstance(action.data.get("fixAll"), str)


def resolve_fix_all(
    session: Session, snap: Snapshot | None, action: types.CodeAction
) -> types.CodeAction:
    """The fix-all's edit, for the version it was offered on; a document changed (or closed)
    since answers ContentModified, so the client asks for code actions again."""
    if snap is None or (action.data or {}).get("version") != snap.document.version:
        from pygls.exceptions import JsonRpcContentModified

        raise JsonRpcContentModified("the document changed since this fix-all was offered")
    resolved = fix_all_action(session, snap)
    if resolved is not None:
        action.edit = resolved.edit
    return action


def _regions(snap: Snapshot):
    """The analysed SQL strings of application code (None: look for them again)."""
    if snap.document.language == "sql" or snap.result.skipped:
        return None
    if not snap.result.regions and not snap.result.findings:
        return None
    # the strings themselves, not SQL nested inside their statements (DO bodies)
    return [r for r in snap.result.regions if "outer" not in getattr(r, "meta", {})]


def _finding_for(snap: Snapshot, diag: types.Diagnostic, session: Session) -> Finding | None:
    doc = snap.document
    start = session.offset(doc, diag.range.start)
    for f in snap.result.findings:
        if f.code == diag.code and f.start == start:
            return f
    return None
