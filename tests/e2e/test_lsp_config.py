"""Settings from the project's config file and from the editor, through the real server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402

TEXT = "SELECT * FROM users;\nSET lock_timeout = '5s';\nCREATE INDEX idx_a ON posts (a);\nSELECT id FROM t WHERE id NOT IN (SELECT x FROM u);\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("proj")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.backend-architect]\nignore = ["QO001"]\npostgres-version = 12\n'
        '[tool.backend-architect.severity]\nMG001 = "error"\n'
    )
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            # the editor sends its own values; the project's file wins where it sets a key
            # (QO005 is off by default: the editor selects it)
            initialization_options={
                "ignore": ["QO005"],
                "extendSelect": ["QO005"],
                "postgresVersion": 15,
                "severity": {"QO005": "hint"},
            },
        )
    )
    lsp_client.root = root
    yield
    await lsp_client.shutdown_session()


async def _diagnostics(client: LanguageClient, name: str, text: str = TEXT):
    uri = (client.root / name).as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "sql", 1, text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return uri, client.diagnostics[uri]


async def test_project_file_wins_and_editor_fills_in(client: LanguageClient):
    _, diags = await _diagnostics(client, "a.sql")
    by_code = {d.code: d for d in diags}
    # project: ignore QO001 (wins over the editor's ignore of QO005), MG001 as an error
    assert set(by_code) == {"MG001", "QO005"}
    assert by_code["MG001"].severity == types.DiagnosticSeverity.Error
    # severity is set in the project file, so the editor's severity table is not used
    assert by_code["QO005"].severity == types.DiagnosticSeverity.Warning


async def test_configuration_change_reanalyses_open_documents(client: LanguageClient):
    uri, _ = await _diagnostics(client, "b.sql")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"backendArchitect": {"select": ["MG"]}})
    )
    deadline = asyncio.get_running_loop().time() + 10
    while [d.code for d in client.diagnostics[uri]] != ["MG001"]:  # other publishes may come first
        assert asyncio.get_running_loop().time() < deadline, client.diagnostics[uri]
        await asyncio.sleep(0.02)
