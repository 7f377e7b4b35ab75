"""Shared set-up for the tests that drive real editors (Neovim, Emacs, VS Code).

Each editor test runs when its editor is installed (`bash scripts/install-editors.sh`
installs all of them) and is skipped, with the reason, when it is not. In CI
(CI=true) a missing editor fails the test instead: `.ci/run` installs them, so a
skip there would hide a broken install.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVER_DIR = ROOT / "server"
EDITORS_DIR = ROOT / "editors"
HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts" / "editors"
INSTALL_HINT = "run `make editors`, i.e. scripts/install-editors.sh"

# The scenario every editor test plays: examples/shop/migrations/0002_orders.sql builds
# an index on `posts`, a table an earlier migration created.
MIGRATION = Path("migrations/0002_orders.sql")
INDEX_LINE = "CREATE INDEX idx_posts_created_at ON posts (created_at);"
FIXED_LINE = "CREATE INDEX CONCURRENTLY idx_posts_created_at ON posts (created_at);"
FIX_TITLE = "MIGRATION: build the index CONCURRENTLY"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(what: str) -> None:
    """Skip the test because an editor is not installed, or fail it in CI."""
    message = f"{what} ({INSTALL_HINT})"
    if in_ci():
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


@dataclass
class Workspace:
    root: Path  # a copy of examples/shop
    bin: Path  # holds `backend-architect` and `python` wrappers for this checkout
    home: Path  # HOME and XDG_* dirs for the editor, so no user config is read
    env: dict

    @property
    def migration(self) -> Path:
        return self.root / MIGRATION

    def expected_fixed_text(self, original: str) -> str:
        assert original.count(INDEX_LINE) == 1
        return original.replace(INDEX_LINE, FIXED_LINE)


def _write_exe(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", root)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    # The server is this checkout's, run by the interpreter running the tests; the
    # editor snippets start it as `backend-architect serve` (found on PATH) or, in
    # VS Code, as `<python> -m backend_architect serve`.
    pythonpath = f'{SERVER_DIR}${{PYTHONPATH:+:$PYTHONPATH}}'
    _write_exe(
        bindir / "backend-architect",
        f'#!/bin/sh\nPYTHONPATH="{pythonpath}" exec "{sys.executable}" -m backend_architect "$@"\n',
    )
    _write_exe(bindir / "python", f'#!/bin/sh\nPYTHONPATH="{pythonpath}" exec "{sys.executable}" "$@"\n')
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NVIM", "VIM", "EMACS", "VSCODE"))}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("BACKEND_ARCHITECT_AI", None)
    env.update(
        HOME=str(home),
        PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}",
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    for key in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        Path(env[key]).mkdir(parents=True)
    return Workspace(root=root, bin=bindir, home=home, env=env)


@pytest.fixture
def artifacts(request) -> Path:
    """test-artifacts/editors/<test name>/ (gitignored), emptied for each run."""
    path = ARTIFACTS / request.node.name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
