"""The server's schema scan stops at schema-max-files and says so in its log."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402

CACHE = Path(tempfile.mkdtemp(prefix="ba-scan-cache-"))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD,
                                              server_env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(CACHE))))
async def client(lsp_client: LanguageClient):
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 20)


async def test_scan_limit_is_logged(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "shop"
    (root / "migrations").mkdir(parents=True)
    (root / "backend-architect.toml").write_text("schema-max-files = 5\n")
    for i in range(20):
        (root / "migrations" / f"{i:04d}_t.sql").write_text(f"CREATE TABLE t{i} (id bigint PRIMARY KEY);\n")
    ready = asyncio.Event()

    @client.feature("backendArchitect/status")
    def on_status(params):
        state = params["state"] if isinstance(params, dict) else params.state
        if state in ("ready", "error"):
            ready.set()

    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="shop")]))
    await asyncio.wait_for(ready.wait(), 60)
    for _ in range(50):
        if any("schema-max-files = 5" in m.message for m in client.log_messages):
            break
        await asyncio.sleep(0.1)
    logged = "\n".join(m.message for m in client.log_messages)
    assert "warning: the schema scan of" in logged and "schema-max-files = 5" in logged, logged
    # the config file is one of the five files looked at: four migrations were read
    assert "4 tables from 4 files" in logged
