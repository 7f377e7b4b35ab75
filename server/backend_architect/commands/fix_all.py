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

import os
import re

from ..core.document import Document
from ..core.engine import fix_document
from ..core.findings import minimal_edit
from ..core.registry import listed_rules
from .base import FileChange, Target, result, send_edit, show, workspace_edit

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

UNSAFE_AFTER_PREVIEW = ("INPUT_VALIDATION", "RATE_LIMITING", "CONNECTION_POOL")


def codes_of(command: str) -> set[str]:
    return {r.code for r in listed_rules() if r.command == command}


def run_fix_all(t: Target) -> dict:
    """Apply the command's safe fixes (and, after a preview, its unsafe ones) and report the rest."""
    doc = t.doc
    codes = codes_of(t.name)
    # the editor shows the edit and asks before applying it: unsafe fixes may go in too
    preview = t.name in UNSAFE_AFTER_PREVIEW and t.workspace.confirms_edits
    if not codes:
        return result(
            t.name,
            f"{t.name}: no rules of this command are installed yet.",
            applied=0,
            remaining=[],
        )
    fixed = fix_document(doc, t.settings, t.catalog, safe_only=not preview, codes=codes)
    after = Document(fixed.text, path=doc.path, language=doc.language, uri=doc.uri)
    remaining = [f for f in t.workspace.lint(after).findings if f.code in codes]
    lines = []
    for f in remaining:
        line = after.line_of(f.start) + 1
        why = "needs review (unsafe fix)" if f.fix is not None else "no automatic fix"
        lines.append({"code": f.code, "line": line, "message": f.message, "why": why})
    applied = fixed.applied if fixed.text != doc.text else 0
    out = result(t.name, "", applied=applied, remaining=lines)
    if applied:
        base = os.path.dirname(doc.path)
        files = [
            FileChange(nf.path if os.path.isabs(nf.path) else os.path.join(base, nf.path), nf.text)
            for nf in fixed.new_files
        ]
        if preview:
            files += _new_dependencies(t, doc)
        send_edit(
            t,
            workspace_edit(doc, [minimal_edit(doc.text, fixed.text)], files),
            f"{t.name}: fixes to review" if preview else f"{t.name}: fix all",
            confirm=preview,
        )
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
    if t.workspace.indexing and t.catalog is None:
        # the rules that read the schema could not run yet: never an unqualified "nothing"
        summary += " The workspace's schema is still being indexed: findings that need it are not in this answer yet; run it again in a moment."
        out["indexing"] = True
    out["message"] = summary
    show(t, summary)
    return out


_NEW_DEPENDENCY = re.compile(r"a new dependency: add (\S+) to (\S+)\)")


def _new_dependencies(t: Target, doc: Document) -> list[FileChange]:
    """Manifest edits declaring the libraries the applied fixes bring in (their titles
    say "a new dependency: add X to M")."""
    from ..project.dependencies import add_dependency, for_path

    wanted: list[str] = []
    for f in t.workspace.lint(doc).findings:
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
        current = t.workspace.read(path)
        if current is None:
            continue
        out.append(
            FileChange(
                path, text, create=False, edits=[(0, len(current.data), text)], document=current
            )
        )
    return out
