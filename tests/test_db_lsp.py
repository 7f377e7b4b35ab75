"""End to end: with database.verifyOnSave on, saving a migration replays it on a throwaway
PostgreSQL in the background (with progress) and shows the observed locks as diagnostics."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from backend_architect.db.scratch import PostgresUnavailable, find_server_binaries
from conftest import SERVER_CMD, server_env

pytest.importorskip("psycopg")
try:
    find_server_binaries()
except PostgresUnavailable as exc:  # pragma: no cover - CI installs the server
    pytest.skip(str(exc), allow_module_level=True)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient):
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 30)


async def test_saving_a_migration_verifies_it_with_progress_and_lock_diagnostics(client: LanguageClient, tmp_path: Path):
    root = tmp_path / "app"
    (root / "migrations").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/app\n")
    (root / "migrations" / "001_init.sql").write_text(
        "-- +goose Up\nCREATE TABLE users (id bigserial PRIMARY KEY, email text);\n")
    mig = root / "migrations" / "002_email.sql"
    mig.write_text("-- +goose Up\nSET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n")
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="app")],
        initialization_options={"backendArchitect": {"database": {"verifyOnSave": True}}},
    ))
    uri = mig.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=mig.read_text())))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert not [d for d in client.diagnostics.get(uri, []) if d.source == "backend-architect verify"]
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))

    async def verified():
        while True:
            found = [d for d in client.diagnostics.get(uri, []) if d.source == "backend-architect verify"]
            if found:
                return found
            await asyncio.sleep(0.1)

    found = await asyncio.wait_for(verified(), 120)
    set_not_null = next(d for d in found if d.range.start.line == 2)
    assert "PostgreSQL: ACCESS EXCLUSIVE on public.users" in set_not_null.message
    assert "MG006 confirmed" in set_not_null.message
    verify_progress = [reports for token, reports in client.progress_reports.items() if "verify" in str(token)]
    assert verify_progress, client.progress_reports.keys()
    (reports,) = verify_progress
    assert reports[0].title.startswith("Verifying migration") and reports[0].cancellable
    assert reports[-1].kind == "end" and reports[-1].message == "done"
