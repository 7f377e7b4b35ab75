"""Running a command as the pure function it is: a request built from files on disk,
no server; the answer and the edit it would make (nothing is written)."""

from __future__ import annotations

from pathlib import Path

from backend_architect.cli_commands import headless_workspace
from backend_architect.commands import run as run_command
from backend_architect.commands.base import EditSet, Target
from backend_architect.core.workspace import read_document


def run(root: Path, name: str, path: Path | None = None, at: dict | None = None, **options):
    """(the command's answer, its EditSet or None) for ``name`` on ``path`` with the cursor
    at ``at`` ({"line", "character"}, UTF-16 as in LSP)."""
    res = result(root, name, path, at, **options)
    return res.data, res.edit


def result(root: Path, name: str, path: Path | None = None, at: dict | None = None, **options):
    """The whole CommandResult: answer, edit, reports and messages."""
    workspace = headless_workspace(str(root))
    doc = None
    if path is not None:
        doc, why = read_document(str(path), workspace.settings)
        assert doc is not None, why
    target = Target(name, workspace, doc, options=dict(options))
    if doc is not None and at is not None:
        target.start = target.end = doc.position_to_offset(at["line"], at["character"])
    return run_command(name, target)


def report_text(res, suffix: str) -> str:
    """The text of the report the command produced whose path ends with ``suffix``."""
    (text,) = [r.text for r in res.reports if r.path.endswith(suffix)]
    return text


def created_files(edit: EditSet) -> list[str]:
    return [f.path for f in edit.files if f.create]
