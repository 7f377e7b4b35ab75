"""Start-up: what `serve` loads before it answers `initialize`, and that what it leaves
for later still works (the real server over stdio)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from lsp_sync import server_env  # noqa: E402
from lspclient import Client  # noqa: E402

# runs the server as `backend-architect serve` does and writes, at exit, the modules it
# loaded to the file named by its first argument
_SERVE_PROBE = """
import atexit, sys
out = sys.argv[1]
atexit.register(lambda: open(out, "w").write("\\n".join(sorted(sys.modules))))
sys.argv = ["backend-architect", "serve"]
from backend_architect.entry import main
main()
"""

# not needed to answer `initialize`: the command line, the analysis, the commands
NOT_AT_INITIALIZE = (
    "argparse",
    "backend_architect.cli",
    "backend_architect.core.engine",
    "backend_architect.project.model",
    "backend_architect.commands.base",
    "backend_architect.lsp.handlers.commands",
    "pglast",
    "tree_sitter",
)


def _start(root: Path) -> tuple[Client, Path]:
    out = root / "modules.txt"
    return Client(
        [sys.executable, "-c", _SERVE_PROBE, str(out)], env=server_env(), cwd=str(root)
    ), out


def _modules_at_exit(client: Client, out: Path) -> set[str]:
    client.request("shutdown", None)
    client.notify("exit", None)
    client.proc.wait(timeout=30)
    return set(out.read_text().split())


def _initialize(client: Client, root: Path) -> dict:
    res = client.request(
        "initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}}
    )
    assert "result" in res, res
    return res["result"]


def test_serve_answers_initialize_without_the_command_line_or_the_analysis(tmp_path: Path):
    client, out = _start(tmp_path)
    result = _initialize(client, tmp_path)
    assert (
        "backend-architect.MIGRATION"
        in result["capabilities"]["executeCommandProvider"]["commands"]
    )
    mods = _modules_at_exit(client, out)
    assert "backend_architect.lsp.server" in mods
    loaded = [m for m in NOT_AT_INITIALIZE if m in mods]
    assert not loaded, loaded


def test_what_serve_defers_loads_when_used(tmp_path: Path):
    """A document is analysed (engine, rules, pglast) and a command runs (its module)
    after the lean start."""
    client, out = _start(tmp_path)
    _initialize(client, tmp_path)
    client.notify("initialized", {})
    uri = (tmp_path / "m.sql").as_uri()
    client.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "sql",
                "version": 1,
                "text": "CREATE INDEX idx_a ON t (a);\n",
            }
        },
    )
    _, params = client.wait_notification(
        "textDocument/publishDiagnostics", predicate=lambda p: p["uri"] == uri
    )
    assert "MG001" in {d["code"] for d in params["diagnostics"]}
    res = client.request(
        "workspace/executeCommand", {"command": "backend-architect.MIGRATION", "arguments": []}
    )
    assert isinstance(res.get("result"), dict) and res["result"].get("message"), res
    mods = _modules_at_exit(client, out)
    assert {
        "backend_architect.core.engine",
        "pglast",
        "backend_architect.lsp.handlers.commands",
    } <= mods
