"""Hover facts from the catalog and the INDEX_STRATEGY / SCHEMA_DESIGN commands, in process."""

from __future__ import annotations

import shutil
import types as pytypes
from pathlib import Path

import pglast
import pytest
from lsprotocol import types

from backend_architect.catalog import build_for_paths
from backend_architect.commands import run
from backend_architect.commands.base import Target, Workspace
from backend_architect.lsp.handlers.command_actions import index_strategy_actions
from backend_architect.lsp.handlers.commands import execute
from backend_architect.core.document import Document
from backend_architect.lsp.handlers.schema_hover import schema_hover
from backend_architect.lsp.session import Session

FIXTURE = Path(__file__).parent / "fixtures" / "index_strategy" / "IX001_workspace"


class FakeServer:
    def __init__(self, show_document: bool):
        self.applied = []
        self.shown = []
        self.messages = []
        window = types.WindowClientCapabilities(show_document=types.ShowDocumentClientCapabilities(support=show_document))
        self.client_capabilities = types.ClientCapabilities(window=window)
        self.workspace = pytypes.SimpleNamespace(get_text_document=lambda uri: None)

    def window_show_message(self, params):
        self.messages.append(params)

    def window_log_message(self, params):
        self.messages.append(params)

    def workspace_apply_edit(self, params):
        self.applied.append(params)

    def window_show_document(self, params):
        self.shown.append(params)


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE, root)
    session = Session(root=str(root))
    session.configure({"extendSelect": ["IX001"]})  # off by default
    session.catalog = build_for_paths([str(root)], None, use_disk_cache=False)
    return root, session


def analyse(session, path: Path, text: str | None = None):
    text = path.read_text() if text is None else text
    doc = Document(text, path=str(path), version=1)
    return session.analyse(doc)


def offset_of(snap, needle: str, nth: int = 0) -> int:
    data = snap.document.data
    pos = -1
    for _ in range(nth + 1):
        pos = data.index(needle.encode(), pos + 1)
    return pos


def test_hover_on_a_query_lists_tables_lookups_indexes_and_findings(workspace):
    root, session = workspace
    snap = analyse(session, root / "IX001_queries.sql")
    text = schema_hover(session, snap, offset_of(snap, "ORDER BY") + 1)
    assert "**public.posts**" in text and "user_id `bigint`" in text and "created_at `timestamptz`" in text
    assert "posts: filter user_id; sort created_at DESC → index: **none**" in text
    assert "IX001 no index on posts" in text
    text = schema_hover(session, snap, offset_of(snap, "WHERE id = $1") + 2)
    assert "users: filter id → index: `users_pkey (id)`" in text


def test_hover_on_table_and_column_names_shows_definition_with_link(workspace):
    root, session = workspace
    snap = analyse(session, root / "IX001_queries.sql")
    text = schema_hover(session, snap, offset_of(snap, "posts") + 2)
    assert text.startswith("**table public.posts**, defined at [migrations/0001_init.sql:7](file://")
    assert "#L7)" in text and "| user_id | bigint | NOT NULL |" in text
    text = schema_hover(session, snap, offset_of(snap, "user_id") + 1)
    assert text.startswith("**public.posts.user_id** `bigint` (NOT NULL), defined at [migrations/0001_init.sql:9]")


def test_hover_on_an_unknown_table_says_where_the_server_looked(workspace):
    root, session = workspace
    snap = analyse(session, root / "IX001_queries.sql")
    text = schema_hover(session, snap, offset_of(snap, "invoices") + 1)
    assert "`invoices` is not in the catalog" in text and "2 schema file(s) under " + str(root) in text


def test_index_strategy_writes_one_migration_with_every_missing_index(workspace):
    root, session = workspace
    snap = analyse(session, root / "IX001_queries.sql")
    server = FakeServer(show_document=True)
    result = execute(server, session, "INDEX_STRATEGY", [{"uri": snap.document.uri}])
    assert result["files"] == [str(root / "migrations" / "0003_add_indexes_for_ix001_queries.sql")]
    # posts (user_id) is dropped: posts (user_id, created_at DESC) serves it
    assert result["indexes"] == [
        "CREATE INDEX CONCURRENTLY idx_posts_user_id_created_at ON posts (user_id, created_at DESC);",
        "CREATE INDEX CONCURRENTLY idx_posts_status_created_at ON posts (status, created_at);",
        "CREATE INDEX CONCURRENTLY idx_users_name ON users (name);",
    ]
    assert "3 index(es)" in result["message"]
    (edit_params,) = server.applied
    changes = edit_params.edit.document_changes
    creates = [c for c in changes if isinstance(c, types.CreateFile)]
    assert [c.uri for c in creates] == [Path(result["files"][0]).as_uri()]
    body = next(c for c in changes if isinstance(c, types.TextDocumentEdit) and c.text_document.uri == creates[0].uri)
    sql = body.edits[0].new_text
    assert len(pglast.parse_sql(sql)) == 3
    # once that migration exists, nothing is missing any more
    Path(result["files"][0]).write_text(sql)
    session.catalog = build_for_paths([str(root)], None, use_disk_cache=False)
    snap = analyse(session, root / "IX001_queries.sql")
    assert not [f for f in snap.result.findings if f.code == "IX001"]
    assert execute(server, session, "INDEX_STRATEGY", [{"uri": snap.document.uri}])["indexes"] == []


def test_index_strategy_is_a_pure_command(workspace):
    """No server: the request in, the new migration out (nothing written)."""
    root, session = workspace
    path = root / "IX001_queries.sql"
    doc = Document(path.read_text(), path=str(path))
    ws = Workspace(str(root), session.settings, session.catalog)
    res = run("INDEX_STRATEGY", Target("INDEX_STRATEGY", ws, doc))
    target = root / "migrations" / "0003_add_indexes_for_ix001_queries.sql"
    assert res.data["files"] == [str(target)] and not target.exists()
    (change,) = res.edit.files
    assert change.create and change.path == str(target)
    assert len(pglast.parse_sql(change.text)) == 3
    assert res.edit.texts() == {str(target): change.text}


def test_schema_design_report_with_er_diagram_shown_or_written(workspace):
    root, session = workspace
    server = FakeServer(show_document=True)
    result = execute(server, session, "SCHEMA_DESIGN", [])
    report = Path(result["path"]).read_text()
    assert result["path"] == str(root / ".backend-architect" / "schema-design.md")
    assert "```mermaid\nerDiagram" in report and "users ||--o{ posts : \"user_id\"" in report
    # the findings are the rules' own diagnostics of the schema files, word for word
    migration = analyse(session, root / "migrations" / "0001_init.sql")
    (ix002,) = [f for f in migration.result.findings if f.code == "IX002"]
    assert f"- **IX002** {ix002.message} (" in report and result["findings"] == 1
    assert server.shown[0].uri == Path(result["path"]).as_uri() and result["shown"]
    quiet = FakeServer(show_document=False)
    result = execute(quiet, session, "SCHEMA_DESIGN", [])
    assert quiet.shown == [] and not result["shown"] and Path(result["path"]).exists()


def test_commands_without_a_catalog_explain_why(tmp_path):
    session = Session(root=str(tmp_path))
    server = FakeServer(show_document=True)
    assert "No schema catalog" in execute(server, session, "SCHEMA_DESIGN", [])["message"]
    (tmp_path / "q.sql").write_text("SELECT id FROM users WHERE email = 'a';\n")
    assert "No schema catalog" in execute(server, session, "INDEX_STRATEGY", [{"uri": (tmp_path / "q.sql").as_uri()}])["message"]


def test_index_strategy_source_action_runs_the_command(workspace):
    root, session = workspace
    snap = analyse(session, root / "IX001_queries.sql")
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=snap.document.uri),
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]))
    (action,) = index_strategy_actions(session, snap, params)
    assert action.kind == "source.backend-architect.indexStrategy" and "3 index(es)" in action.title
    assert action.command.command == "backend-architect.INDEX_STRATEGY"
    assert action.command.arguments == [{"uri": snap.document.uri}]
    quick_only = types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix])
    assert index_strategy_actions(session, snap, types.CodeActionParams(
        text_document=params.text_document, range=params.range, context=quick_only)) == []


def test_index_strategy_is_not_offered_to_the_cursors_automatic_requests(workspace):
    root, session = workspace
    snap = analyse(session, root / "IX001_queries.sql")
    where = types.Range(types.Position(0, 0), types.Position(0, 0))
    doc = types.TextDocumentIdentifier(uri=snap.document.uri)
    automatic = types.CodeActionContext(
        diagnostics=[], trigger_kind=types.CodeActionTriggerKind.Automatic
    )
    assert index_strategy_actions(session, snap, types.CodeActionParams(doc, where, automatic)) == []
    invoked = types.CodeActionContext(
        diagnostics=[], trigger_kind=types.CodeActionTriggerKind.Invoked
    )
    (action,) = index_strategy_actions(session, snap, types.CodeActionParams(doc, where, invoked))
    assert "3 index(es)" in action.title
    (again,) = index_strategy_actions(session, snap, types.CodeActionParams(doc, where, invoked))
    assert again.title == action.title  # the same version answers from what it found once
