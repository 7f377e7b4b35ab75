"""The README's editor section cannot rot: its snippets are the files in editors/ (which the
editor tests load), and what it says about the command line and settings matches
the server, the CLI and the VS Code extension's manifest."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from backend_architect.config import from_mapping
from conftest import ROOT, server_env

DOCS = ROOT / "README.md"
EDITORS = ROOT / "editors"
MARKED_BLOCK = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```[\w-]*\n(?P<body>.*?)```\n", re.S)
SERVER_COMMAND = ["backend-architect", "serve"]
LANGUAGES = {"sql", "python", "typescript", "tsx", "javascript", "go", "rust"}


def _marked_blocks(path: Path) -> dict[str, str]:
    return {m["path"]: m["body"] for m in MARKED_BLOCK.finditer(path.read_text())}


@pytest.mark.parametrize("doc", [DOCS], ids=lambda p: p.name)
def test_every_marked_snippet_is_the_file_it_names(doc: Path):
    text = doc.read_text()
    blocks = _marked_blocks(doc)
    # every marker is followed by a fenced block (a marker the pattern missed would go unchecked)
    assert len(blocks) == text.count("<!-- file: "), "a <!-- file: --> marker without a fenced block right after it"
    for rel, body in blocks.items():
        assert (ROOT / rel).read_text() == body, f"{doc.name}: the snippet for {rel} differs from the file"


def test_every_editor_file_is_shown_in_the_docs():
    shown = set(_marked_blocks(DOCS))
    files = {str(p.relative_to(ROOT)) for p in EDITORS.rglob("*") if p.is_file()}
    assert files and files == shown


def test_docs_image_exists():
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", DOCS.read_text()):
        assert (DOCS.parent / target).is_file(), target


def test_server_command_line_runs():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[SERVER_COMMAND[0]] == "backend_architect.warm:main"  # which runs cli.main for `serve`
    proc = subprocess.run([sys.executable, "-m", "backend_architect", "serve", "--help"], env=server_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "usage: backend-architect serve" in proc.stdout, proc.stderr


def test_helix_languages_toml():
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["backend-architect"]
    assert [server["command"], *server["args"]] == SERVER_COMMAND
    settings, warnings = from_mapping(server["config"], source="helix config")
    assert warnings == [] and settings.postgres_version == 15
    with_us = {lang["name"] for lang in config["language"] if "backend-architect" in lang["language-servers"]}
    assert with_us == LANGUAGES
    assert len(config["language"]) == len(LANGUAGES)


def test_sublime_lsp_settings():
    client = json.loads((EDITORS / "sublime" / "LSP.sublime-settings").read_text())["clients"]["backend-architect"]
    assert client["command"] == SERVER_COMMAND and client["enabled"] is True
    assert from_mapping(client["initializationOptions"], source="sublime")[1] == []
    scopes = {s.strip() for s in client["selector"].split("|")}
    assert {"source.sql", "source.python", "source.ts", "source.js", "source.go", "source.rust"} <= scopes


def test_neovim_and_emacs_snippets_run_the_server_command():
    lua = (EDITORS / "neovim" / "backend_architect.lua").read_text()
    assert 'cmd = { "backend-architect", "serve" }' in lua
    assert 'vim.lsp.config("backend_architect"' in lua and 'vim.lsp.enable("backend_architect")' in lua
    assert 'cmd = { "backend-architect", "serve" }' in (EDITORS / "neovim" / "lspconfig.lua").read_text()
    assert '("backend-architect" "serve"' in (EDITORS / "emacs" / "backend-architect.el").read_text()


def test_vscode_settings_table_matches_the_manifest():
    manifest = json.loads((ROOT / "vscode-client" / "package.json").read_text())
    properties = manifest["contributes"]["configuration"]["properties"]
    rows = re.findall(r"^\| `(backendArchitect\.[\w.]+)` \| `([^`]*)` \|", DOCS.read_text(), re.M)
    assert [key for key, _ in rows] == list(properties)
    for key, default in rows:
        assert json.loads(default) == properties[key]["default"], key
