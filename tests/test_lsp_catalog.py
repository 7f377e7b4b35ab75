"""End to end: the server indexes the schema in the background with progress,
then re-analyses open documents, and offers a fix that creates a migration."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SERVER_CMD, server_env

FIXTURE = Path(__file__).parent / "fixtures" / "index_strategy" / "IX001_workspace"
CACHE = Path(tempfile.mkdtemp(prefix="ba-catalog-cache-"))  # a cold start for this server


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD,
                                              server_env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(CACHE.resolve()))))
async def client(lsp_client: LanguageClient):
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), 20)


def make_workspace(tmp_path: Path, extra_migrations: int) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE, root)
    (root / "backend-architect.toml").write_text('extend-select = ["IX001"]\n')  # off by default
    # enough unrelated migrations that indexing takes a moment, as in a real project
    for i in range(extra_migrations):
        (root / "migrations" / f"{i + 100:04d}_audit_{i}.sql").write_text(
            f"CREATE TABLE audit_{i} (id bigint PRIMARY KEY, at timestamptz NOT NULL, note text);\n"
            f"CREATE INDEX audit_{i}_at ON audit_{i} (at);\n")
    return root


async def test_indexing_progress_then_catalog_diagnostics_and_create_file_fix(client: LanguageClient, tmp_path):
    root = make_workspace(tmp_path, 400)
    statuses: list[dict] = []
    registrations: list = []
    ready = asyncio.Event()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams):
        registrations.extend(params.registrations)

    @client.feature("backendArchitect/status")
    def on_status(params):
        data = params if isinstance(params, dict) else {k: getattr(params, k) for k in ("state", "done", "total", "message")}
        statuses.append(data)
        if data["state"] == "ready":
            ready.set()

    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True, show_document=types.ShowDocumentClientCapabilities(support=True)),
            workspace=types.WorkspaceClientCapabilities(
                workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True,
                                                                     resource_operations=[types.ResourceOperationKind.Create]),
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            ),
        ),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="shop")],
    ))
    doc = root / "IX001_queries.sql"
    uri = doc.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=doc.read_text())))

    # first analysis: before the catalog exists there is nothing to say about indexes
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    first = [d.code for d in client.diagnostics[uri]]
    assert not ready.is_set(), "the catalog was ready before the first analysis; the test proves nothing"
    assert "IX001" not in first

    await asyncio.wait_for(ready.wait(), 60)
    for _ in range(50):  # the re-analysis follows the ready status
        if any(d.code == "IX001" for d in client.diagnostics[uri]):
            break
        await asyncio.sleep(0.1)
    ix = [d for d in client.diagnostics[uri] if d.code == "IX001"]
    assert len(ix) == 5, [d.message for d in client.diagnostics[uri]]

    # progress: created, begun, reported as n/N files, ended
    reports = [v for values in client.progress_reports.values() for v in values]
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].title == "Indexing schema…"
    messages = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    total = len(list((root / "migrations").glob("*.sql")))
    assert messages and messages[-1] == f"{total}/{total} files"
    assert isinstance(reports[-1], types.WorkDoneProgressEnd) and "tables" in reports[-1].message
    assert statuses[0]["state"] == "indexing" and statuses[-1]["state"] == "ready" and statuses[-1]["total"] == total
    assert any(0 < s["done"] < total for s in statuses if s["state"] == "indexing")

    # the quick fix creates a new migration next to the others
    first_ix = sorted(ix, key=lambda d: d.range.start.line)[0]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=first_ix.range,
        context=types.CodeActionContext(diagnostics=[first_ix], only=[types.CodeActionKind.QuickFix])))
    fix = next(a for a in actions if a.title.startswith("INDEX_STRATEGY: add index"))
    creates = [c for c in fix.edit.document_changes if isinstance(c, types.CreateFile)]
    assert len(creates) == 1 and creates[0].uri.endswith("/migrations/0500_add_idx_posts_user_id_created_at.sql")
    inserted = [c for c in fix.edit.document_changes if isinstance(c, types.TextDocumentEdit) and c.text_document.uri == creates[0].uri]
    assert inserted[0].edits[0].new_text.startswith(
        "CREATE INDEX CONCURRENTLY idx_posts_user_id_created_at ON posts (user_id, created_at DESC);")

    # apply it on disk and tell the server: the schema is re-applied and that finding goes away
    ready.clear()
    (root / "migrations" / "0500_add_idx_posts_user_id_created_at.sql").write_text(inserted[0].edits[0].new_text)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=creates[0].uri, type=types.FileChangeType.Created)]))
    await asyncio.wait_for(ready.wait(), 60)
    for _ in range(50):
        if len([d for d in client.diagnostics[uri] if d.code == "IX001"]) < 5:
            break
        await asyncio.sleep(0.1)
    lines = sorted(d.range.start.line for d in client.diagnostics[uri] if d.code == "IX001")
    # posts (user_id, created_at DESC) also serves the join on posts.user_id (line 4 of the file)
    assert lines == [2, 4, 5]
    assert [r.register_options["watchers"][0]["globPattern"] for r in registrations
            if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES] == ["**/*.sql"]
    assert "(1 " not in statuses[-1]["message"] and f"({total} unchanged)" in statuses[-1]["message"]
