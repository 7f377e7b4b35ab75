"""Every proposed change is checked before it is offered: it stays inside the
document, was made for the version still open, does not overlap another edit,
and the result still parses. Anything else is refused with the reason."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..core.document import Document, apply_edits, language_for_path, split_lines
from ..core.findings import Edit
from ..lang import APP_LANGUAGES


@dataclass
class Checked:
    edits: list[Edit] = field(default_factory=list)
    new_files: list[tuple[str, str]] = field(default_factory=list)  # absolute path, content
    refused: list[str] = field(default_factory=list)
    text: str = ""


def parse_errors(text: str, language: str | None) -> int:
    if language == "sql":
        from ..core.regions import region_for_sql_document
        from ..core.sql import split_statements

        return sum(1 for s in split_statements(region_for_sql_document(text)) if s.error)
    if language in APP_LANGUAGES:
        from ..core.languages import error_count

        return error_count(text, language)
    return 0


def line_edit(doc: Document, start_line: int, end_line: int, text: str) -> Edit:
    """Lines start_line..end_line (1-based, inclusive) replaced; end_line = start_line - 1 inserts."""
    starts = doc.line_starts
    s = starts[start_line - 1] if start_line - 1 < len(starts) else len(doc.data)
    e = starts[end_line] if end_line < len(starts) else len(doc.data)
    if text and not text.endswith("\n") and e < len(doc.data):
        text += "\n"
    return Edit(s, max(s, e), text)


def check(doc: Document, current_version, answer: dict, root: str) -> Checked:
    out = Checked(text=doc.text)
    if current_version != doc.version:
        out.refused.append(
            f"the document changed while Claude was answering (version {current_version}, the answer is for {doc.version}); nothing was applied"
        )
        return out
    n_lines = len(split_lines(doc.text))  # the lines as numbered in the prompt
    spans: list[tuple[int, int]] = []  # byte spans of the edits kept so far
    candidates: list[tuple[int, Edit]] = []
    for i, e in enumerate(answer.get("edits", []), 1):
        s, t = e["start_line"], e["end_line"]
        if s < 1 or s > n_lines + 1 or t < s - 1 or t > n_lines:
            out.refused.append(
                f"edit {i} (lines {s}-{t}) is outside the document ({n_lines} lines)"
            )
            continue
        ed = line_edit(doc, s, t, e["text"])
        if any(ed.start < b and a < ed.end or ed.start == a for a, b in spans):
            out.refused.append(f"edit {i} (lines {s}-{t}) overlaps another edit")
            continue
        spans.append((ed.start, ed.end))
        candidates.append((i, ed))
    before = parse_errors(doc.text, doc.language)
    accepted: list[Edit] = []
    for i, ed in candidates:
        trial = apply_edits(doc.text, accepted + [ed])
        if parse_errors(trial, doc.language) > before:
            out.refused.append(f"edit {i} was refused: the file would no longer parse")
            continue
        accepted.append(ed)
    out.edits = accepted
    out.text = apply_edits(doc.text, accepted) if accepted else doc.text
    real_root = os.path.realpath(root)
    for f in answer.get("new_files", []):
        rel = f["path"]
        target = os.path.realpath(os.path.join(root, rel))
        if os.path.isabs(rel) or not (target == real_root or target.startswith(real_root + os.sep)):
            out.refused.append(f"new file {rel} is outside the workspace")
            continue
        if os.path.exists(target):
            out.refused.append(f"new file {rel} already exists")
            continue
        if parse_errors(f["content"], language_for_path(target)) > 0:
            out.refused.append(f"new file {rel} does not parse")
            continue
        out.new_files.append((target, f["content"]))
    return out
