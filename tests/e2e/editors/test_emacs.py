"""Emacs + eglot in batch mode with the README's snippet: diagnostic, hover, quick fix, save."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import EDITORS_DIR, FIX_TITLE, HERE, INDEX_LINE, Workspace, missing

pytestmark = pytest.mark.editor

EMACS_CONFIG = EDITORS_DIR / "emacs" / "backend-architect.el"


@pytest.fixture(scope="module")
def emacs() -> str:
    path = os.environ.get("BA_EMACS") or shutil.which("emacs")
    if path is None:
        missing("Emacs is not installed (Debian: emacs-nox)")
    probe = subprocess.run(
        [path, "--batch", "--eval", "(progn (require 'package) (package-initialize) (require 'eglot))"],
        capture_output=True, text=True, timeout=60,
    )
    if probe.returncode != 0:
        missing(f"eglot is not installed for {path} (Debian: elpa-eglot): {probe.stderr.strip()[-200:]}")
    return path


def test_emacs_eglot_quick_fix_and_hover(emacs: str, workspace: Workspace, artifacts: Path):
    original = workspace.migration.read_text()
    report_path = artifacts / "eglot-report.json"
    env = dict(
        workspace.env,
        BA_EMACS_CONFIG=str(EMACS_CONFIG),
        BA_FILE=str(workspace.migration),
        BA_REPORT=str(report_path),
    )
    t0 = time.monotonic()
    proc = subprocess.run(
        [emacs, "--batch", "-l", str(HERE / "eglot_quickfix.el")],
        cwd=workspace.root,
        env=env,
        input="\n",  # RET at eglot's "Pick an action (default ...)" prompt
        capture_output=True,
        text=True,
        timeout=90,
    )
    elapsed = time.monotonic() - t0
    log = f"exit {proc.returncode} after {elapsed:.1f}s\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    (artifacts / "emacs.log").write_text(log)
    assert report_path.exists(), log
    report = json.loads(report_path.read_text())
    assert "error" not in report, report["error"] + "\n" + log
    assert proc.returncode == 0, log

    # eglot runs the snippet's command for sql-mode
    assert report["mode"] == "sql-mode"
    assert report["server-command"] == ["backend-architect", "serve"]
    mg001 = [d for d in report["diagnostics"] if d["code"] == "MG001"]
    assert [d["line"] for d in mg001] == [original.splitlines().index(INDEX_LINE) + 1]

    # hover: the rule's documentation
    for part in ("MG001", "## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert part in report["hover"], report["hover"]

    # the prompt's default was the preferred fix; it was applied and saved
    assert f"Pick an action (default {FIX_TITLE})" in proc.stdout + proc.stderr
    assert report["modified"] is True
    assert report["modified-after-save"] is False
    assert workspace.migration.read_text() == workspace.expected_fixed_text(original)
