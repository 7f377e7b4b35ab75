"""The command-scoped fix-alls: apply every safe fix of one command's rules in a file.

RATE_LIMITING, INPUT_VALIDATION, QUERY_OPTIMIZE, MIGRATION and CONNECTION_POOL
(INDEX_STRATEGY joins them when its rules exist) send one versioned edit and
report what is left: findings with only an unsafe fix or none.

INPUT_VALIDATION, RATE_LIMITING and CONNECTION_POOL fixes are nearly all unsafe (they
change what a handler accepts or how the app is set up): invoked explicitly, those
commands apply them too, as a preview — the edit carries a change annotation that
needs confirmation, so the client shows it before applying. A client without
change-annotation support gets the safe fixes only (the CLI: ``check --fix
--unsafe-fixes``).
"""

from __future__ import annotations

import re

from ..core.engine import fix_document, lint
from ..core.registry import all_rules
from ..lsp.session import minimal_edit
from .base import Target, handler, result, send_edit, show, to_json, workspace_edit

FIX_ALL_COMMANDS = (
    "QUERY_OPTIMIZE",
    "INDEX_STRATEGY",
    "MIGRATION",
    "INPUT_VALIDATION",
    "RATE_LIMITING",
    "CONNECTION_POOL",
)
FIX_ALL_HANDLED_HERE = (
    "QUERY_OPTIMIZE",
    "MIGRATION",
    "INPUT_VALIDATION",
    "RATE_LIMITING",
    "CONNECTION_POOL",
)


def codes_of(command: str) -> set[str]:
    return {r.code for r in all_rules() if r.command == command}


UNSAFE_AFTER_PREVIEW = ("INPUT_VALIDATION", "RATE_LIMITING", "CONNECTION_POOL")
UNSAFE_ANNOTATION = "backend-architect.unsafe-fixes"


def supports_change_annotations(server) -> bool:
    caps = getattr(server, "client_capabilities", None)
    ws = getattr(caps, "workspace", None)
    we = getattr(ws, "workspace_edit", None)
    return getattr(we, "change_annotation_support", None) is not None


def annotate_for_confirmation(edit, label: str):
    """``edit`` with every text edit annotated as needing the user's confirmation."""
    from lsprotocol import types

    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            change.edits = [
                types.AnnotatedTextEdit(
                    range=e.range, new_text=e.new_text, annotation_id=UNSAFE_ANNOTATION
                )
                for e in change.edits
            ]
    edit.change_annotations = {
        UNSAFE_ANNOTATION: types.ChangeAnnotation(
            label=label,
            needs_confirmation=True,
            description="These fixes change behaviour (what a handler accepts, how the app is set up): review them before applying.",
        )
    }
    return edit


def run_fix_all(t: Target) -> dict:
    """Apply the command's safe fixes (and, after a preview, its unsafe ones) and report the rest."""
    doc = t.document
    session = t.session
    codes = codes_of(t.name)
    preview = t.name in UNSAFE_AFTER_PREVIEW and supports_change_annotations(t.server)
    if not codes:
        return result(
            t.name,
            f"{t.name}: no rules of this command are installed yet.",
            applied=0,
            remaining=[],
        )
    fixed = fix_document(doc, session.settings, session.catalog, safe_only=not preview, codes=codes)
    remaining = [
        f
        for f in lint(_with_text(doc, fixed.text), session.settings, session.catalog).findings
        if f.code in codes
    ]
    lines = []
    for f in remaining:
        line = _line_of(fixed.text, f.start) + 1
        why = "needs review (unsafe fix)" if f.fix is not None else "no automatic fix"
        lines.append({"code": f.code, "line": line, "message": f.message, "why": why})
    applied = fixed.applied if fixed.text != doc.text else 0
    out = result(t.name, "", applied=applied, remaining=lines)
    if applied:
        edit = workspace_edit(session, doc, [minimal_edit(doc.text, fixed.text)])
        if fixed.new_files:
            from .base import FileChange
            import os

            base = os.path.dirname(doc.path)
            edit = workspace_edit(
                session,
                doc,
                [minimal_edit(doc.text, fixed.text)],
                [
                    FileChange(
                        nf.path if os.path.isabs(nf.path) else os.path.join(base, nf.path), nf.text
                    )
                    for nf in fixed.new_files
                ],
            )
        manifests = _new_dependencies(t, doc) if preview else []
        if manifests:
            edit.document_changes = list(edit.document_changes or []) + list(
                workspace_edit(session, None, [], manifests).document_changes or []
            )
        if preview:
            edit = annotate_for_confirmation(edit, f"{t.name}: fixes to review")
        send_edit(t, edit, f"{t.name}: fix all")
        out["edit"] = to_json(edit)
        out["needs_confirmation"] = preview
        out["text"] = fixed.text
    summary = f"{t.name}: applied {applied} fix{'es' if applied != 1 else ''}"
    if lines:
        summary += f"; {len(lines)} finding{'s' if len(lines) != 1 else ''} left: " + "; ".join(
            f"line {x['line']} {x['code']} ({x['why']})" for x in lines[:8]
        )
        if len(lines) > 8:
            summary += f"; and {len(lines) - 8} more"
    elif applied:
        summary += "; nothing left."
    else:
        summary = f"{t.name}: nothing to fix in this file."
    out["message"] = summary
    show(t, summary)
    return out


_NEW_DEPENDENCY = re.compile(r"a new dependency: add (\S+) to (\S+)\)")


def _new_dependencies(t: Target, doc) -> list:
    """Manifest edits declaring the libraries the applied fixes bring in (their titles
    say "a new dependency: add X to M")."""
    from ..project.dependencies import add_dependency, for_path
    from .base import FileChange, open_or_read

    wanted = []
    for f in lint(doc, t.session.settings, t.session.catalog).findings:
        m = _NEW_DEPENDENCY.search(f.fix.title) if f.fix is not None else None
        if m and m.group(1) not in wanted:
            wanted.append(m.group(1))
    deps = for_path(doc.path)
    if not wanted or deps is None:
        return []
    changes: dict[str, str] = {}
    for name in wanted:
        ecosystem = (
            "npm"
            if any(m.endswith("package.json") for m in deps.manifests)
            and not any(m.endswith((".toml", ".txt", ".cfg", "Pipfile")) for m in deps.manifests)
            else "python"
        )
        made = add_dependency(deps, name, "", ecosystem)
        if made is None:
            continue
        path, text = made
        if path in changes:  # one library per manifest and run (one limiter per app)
            continue
        changes[path] = text
    out = []
    for path, text in changes.items():
        current = open_or_read(t.session, path, t.server)
        if current is None:
            continue
        out.append(
            FileChange(
                path, text, create=False, edits=[(0, len(current.data), text)], document=current
            )
        )
    return out


def _with_text(doc, text):
    from ..core.document import Document

    return Document(text, path=doc.path, language=doc.language, uri=doc.uri)


def _line_of(text: str, offset: int) -> int:
    return text.encode("utf-8", "surrogatepass")[:offset].count(b"\n")


for _name in FIX_ALL_HANDLED_HERE:
    handler(_name)(run_fix_all)
