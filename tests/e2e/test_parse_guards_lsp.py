"""The server on code over the parsing limits: no findings, the reason logged, and it stays up."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402
from test_parse_guards import deep_python  # noqa: E402


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            initialization_options={"extendSelect": ["QO005"]},  # the canary, off by default
        )
    )
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, uri: str, text: str, language: str):
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


async def test_deeply_nested_python_is_skipped_with_the_reason_logged(client: LanguageClient):
    uri = "file:///tmp/guards/deep.py"
    assert list(await _open(client, uri, deep_python(600), "python")) == []
    if not client.log_messages:  # sent right after the (empty) diagnostics
        await client.wait_for_notification(types.WINDOW_LOG_MESSAGE)
    logged = [m.message for m in client.log_messages]
    assert any("deep.py: skipped: blocks nested 600 indentation levels deep" in m for m in logged), logged
    # the server is still there and analyses the next document
    sql_uri = "file:///tmp/guards/q.sql"
    query = "SELECT id FROM t WHERE id NOT IN (SELECT t_id FROM u);\n"
    assert "QO005" in [d.code for d in await _open(client, sql_uri, query, "sql")]
