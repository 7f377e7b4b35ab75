"""End to end: the server judges open documents with the project model; a document of a
nested project is checked against that project's own schema, built in the background."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SERVER_CMD, server_env

CACHE = Path(tempfile.mkdtemp(prefix="ba-project-cache-"))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD,
                                              server_env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(CACHE.resolve()))))
async def client(lsp_client: LanguageClient):
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 20)


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


async def codes_when(client: LanguageClient, uri: str, wanted: str, timeout: float = 30) -> list[str]:
    """The document's diagnostic codes once ``wanted`` is among them (or when the time is up)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        codes = [d.code for d in client.diagnostics.get(uri, [])]
        if wanted in codes or loop.time() > end:
            return codes
        try:
            await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS),
                                   max(0.1, end - loop.time()))
        except asyncio.TimeoutError:
            pass


async def test_nested_project_document_gets_its_own_schema(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "repo"
    write(root, "go.mod", "module app\n")
    write(root, "migrations/0001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    write(root, "svc/go.mod", "module svc\n")
    write(root, "svc/migrations/0001_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY, name text);\n")
    query = write(root, "svc/queries/jobs.sql", "SELECT nme FROM jobs WHERE id = $1;\n")
    mysql = write(root, "migrations/mysql/0002_idx.sql", "CREATE INDEX users_name ON users (name);\nSELECT id FROM users WHERE id NOT IN (SELECT user_id FROM bans);\n")
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="repo")],
        initialization_options={"extendSelect": ["QO005"]}))  # NOT IN (off by default) as the canary
    for path in (query, mysql):
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=path.as_uri(), language_id="sql", version=1, text=path.read_text())))
    assert "QO006" in await codes_when(client, query.as_uri(), "QO006")
    # a MySQL migration: no PostgreSQL lock advice (the workspace schema is ready by now)
    assert await codes_when(client, mysql.as_uri(), "QO005") == ["QO005"]  # NOT IN (subquery) still is
