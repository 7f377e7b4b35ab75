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


def _ix_project(root: Path) -> Path:
    (root / "migrations").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/app\n")
    (root / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, active boolean NOT NULL);\n")
    queries = root / "queries.sql"
    queries.write_text("SELECT id FROM accounts WHERE email = $1;\nSELECT id FROM accounts WHERE active = $1;\n")
    return queries


async def _wait_for(predicate, timeout: float = 60):
    async def poll():
        while True:
            found = predicate()
            if found:
                return found
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), timeout)


async def _open(client: LanguageClient, root: Path, path: Path, database: dict):
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(window=types.WindowClientCapabilities(work_done_progress=True)),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="app")],
        initialization_options={"backendArchitect": {"extendSelect": ["IX001"], "database": database}},
    ))
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=path.read_text())))
    return uri


async def test_index_advice_is_published_again_with_the_hypopg_costs(client: LanguageClient, tmp_path: Path,
                                                                      scratch_postgres):
    import psycopg

    dsn = scratch_postgres.create_database("lsp_hypo")
    with psycopg.connect(dsn, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION hypopg")
        except psycopg.Error as exc:
            pytest.skip(f"HypoPG is not installed: {exc}")
        conn.execute("CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, active boolean NOT NULL)")
        conn.execute("INSERT INTO accounts (email, active) SELECT 'u' || g, g % 2 = 0 FROM generate_series(1, 50000) g")
        conn.execute("ANALYZE")
    root = tmp_path / "app"
    queries = _ix_project(root)
    uri = await _open(client, root, queries, {"url": dsn})  # the editor setting, not DATABASE_URL

    def ix():
        return [d for d in client.diagnostics.get(uri, []) if d.code == "IX001"
                and d.severity != types.DiagnosticSeverity.Hint]

    # published once as the rules found them, then again when HypoPG has measured both
    measured = await _wait_for(lambda: (found := ix()) and len(found) == 1 and found)
    (kept,) = measured
    assert kept.range.start.line == 0 and "with the index (HypoPG)" in kept.message
    assert kept.data["fix"]["new_files"][0]["text"].startswith("-- estimated cost")
    (hint,) = [d for d in client.diagnostics.get(uri, []) if d.severity == types.DiagnosticSeverity.Hint]
    assert hint.code == "IX001" and hint.range.start.line == 1 and "does not halve" in hint.message
    dropped = [m.message for m in client.log_messages if "suggestion dropped" in m.message]
    assert dropped and "does not halve" in dropped[0] and "active" in dropped[0]


@pytest.fixture(scope="module")
def password_server():
    from backend_architect.db.scratch import ScratchPostgres

    server = ScratchPostgres(host_auth="scram-sha-256").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("problem", ["wrong password", "server down"])
async def test_the_password_never_leaves_the_server(client: LanguageClient, tmp_path: Path, password_server,
                                                    capfd, problem):
    import socket

    secret = "Zq8-never-shown-4711"
    if problem == "wrong password":
        url = f"postgresql://app:{secret}@127.0.0.1:{password_server.port}/postgres"
        expect = "authentication failed"
    else:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"postgresql://app:{secret}@127.0.0.1:{port}/postgres?connect_timeout=2"
        expect = "not reachable"
    root = tmp_path / "app"
    queries = _ix_project(root)
    uri = await _open(client, root, queries, {"url": url})
    # the background index check fails and labels the advice; the schema build checks drift
    labelled = await _wait_for(lambda: [d for d in client.diagnostics.get(uri, [])
                                        if d.code == "IX001" and "unverified" in d.message])
    await _wait_for(lambda: [m for m in client.log_messages if "schema drift not checked" in m.message])
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=0, character=20)))
    said = [d.message for diags in client.diagnostics.values() for d in diags]
    said += [m.message for m in client.log_messages] + [m.message for m in client.messages]
    said.append(hover.contents.value if hover else "")
    said += [str(r) for reports in client.progress_reports.values() for r in reports]
    await asyncio.sleep(0.2)
    said.append(capfd.readouterr().err)  # the server's stderr (its log)
    assert all(expect in d.message for d in labelled)
    assert hover is not None and expect in hover.contents.value
    assert any("app:***@127.0.0.1" in text for text in said)
    assert not [text for text in said if secret in text]


async def test_verify_on_save_can_be_cancelled(client: LanguageClient, tmp_path: Path):
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
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=uri)))
    # cancel as soon as the progress begins (the throwaway server is still starting)
    token = await _wait_for(lambda: next((t for t in client.progress_reports if "verify" in str(t)), None))
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    reports = await _wait_for(lambda: (r := client.progress_reports[token]) and r[-1].kind == "end" and r, 120)
    assert reports[-1].message == "cancelled"
    await asyncio.sleep(0.3)
    assert not [d for d in client.diagnostics.get(uri, []) if d.source == "backend-architect verify"]
