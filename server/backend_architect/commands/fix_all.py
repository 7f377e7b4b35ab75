"""The command-scoped fix-alls: apply every safe fix of one command's rules in a file.

RATE_LIMITING, INPUT_VALIDATION, QUERY_OPTIMIZE, MIGRATION and CONNECTION_POOL
(INDEX_STRATEGY joins them when its rules exist) send one versioned edit and
report what is left: findings with only an unsafe fix or none.
"""

from __future__ import annotations

import os

from ..core.document import Document
from ..core.engine import fix_document, lint
from ..core.findings import minimal_edit
from ..core.registry import all_rules
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


def codes_of(command: str) -> set[str]:
    return {r.code for r in all_rules() if r.command == command}


def run_fix_all(t: Target) -> dict:
    """Apply the command's safe fixes to the file and report the rest."""
    doc = t.doc
    codes = codes_of(t.name)
    if not codes:
        return result(
            t.name,
            f"{t.name}: no rules of this command are installed yet.",
            applied=0,
            remaining=[],
        )
    fixed = fix_document(doc, t.settings, t.catalog, safe_only=True, codes=codes)
    after = Document(fixed.text, path=doc.path, language=doc.language, uri=doc.uri)
    remaining = [f for f in lint(after, t.settings, t.catalog).findings if f.code in codes]
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
        send_edit(
            t,
            workspace_edit(doc, [minimal_edit(doc.text, fixed.text)], files),
            f"{t.name}: fix all",
        )
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
