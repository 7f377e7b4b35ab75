"""End-to-end: the real server over stdio (pytest-lsp)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402

MIGRATION = """SET lock_timeout = '5s';
CREATE INDEX idx_posts_user_id ON posts (user_id);
ALTER TABLE posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author_id) REFERENCES users (id);
"""


def _uri(tmp: Path, name: str) -> str:
    return (tmp / name).as_uri()


async def _open(client: LanguageClient, uri: str, text: str, language: str = "sql", version: int = 1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text))
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) to text."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        before = sum(len(line) + 1 for line in lines[: pos.line])
        line = lines[pos.line] if pos.line < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return before + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return before + len(line)

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        s, t = offset(e.range.start), offset(e.range.end)
        text = text[:s] + e.new_text + text[t:]
        lines = text.split("\n")
    return text


def _doc_edits(action: types.CodeAction) -> tuple[list[types.TextEdit], int | None]:
    change = action.edit.document_changes[0]
    return change.edits, change.text_document.version


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    lsp_client.init_result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
                window=types.WindowClientCapabilities(show_document=types.ShowDocumentClientCapabilities(support=True)),
            ),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            # QO001 (off by default) is selected: the position tests use it as the canary
            initialization_options={"postgresVersion": 15, "extendSelect": ["QO001"]},
        )
    )
    lsp_client.root = root
    yield
    await lsp_client.shutdown_session()


async def test_open_publishes_versioned_diagnostics(client: LanguageClient):
    uri = _uri(client.root, "migrations/0002_index.sql")
    diags = await _open(client, uri, MIGRATION, version=7)
    codes = sorted(d.code for d in diags)
    assert codes == ["MG001", "MG004"]
    mg001 = next(d for d in diags if d.code == "MG001")
    assert mg001.source == "backend-architect"
    assert mg001.range == types.Range(types.Position(1, 0), types.Position(1, 12))
    assert mg001.code_description.href.endswith("#mg001-create-index-non-concurrently")
    assert mg001.severity == types.DiagnosticSeverity.Warning
    assert mg001.data["version"] == 7 and mg001.data["fix"]["edits"]


async def test_quick_fix_is_the_exact_versioned_edit(client: LanguageClient):
    uri = _uri(client.root, "migrations/0002_index.sql")
    diags = await _open(client, uri, MIGRATION, version=3)
    mg001 = next(d for d in diags if d.code == "MG001")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=mg001.range,
            context=types.CodeActionContext(diagnostics=[mg001], only=[types.CodeActionKind.QuickFix]),
        )
    )
    titles = [a.title for a in actions]
    assert titles == ["MIGRATION: build the index CONCURRENTLY", "Disable MG001 for this line"]
    fix = actions[0]
    assert fix.is_preferred is True and fix.kind == types.CodeActionKind.QuickFix
    edits, version = _doc_edits(fix)
    assert version == 3
    assert [(e.range.start.line, e.range.start.character, e.new_text) for e in edits] == [(1, 12, " CONCURRENTLY")]
    assert _apply(MIGRATION, edits).splitlines()[1] == "CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);"
    noqa_edits, _ = _doc_edits(actions[1])
    assert _apply(MIGRATION, noqa_edits).splitlines()[1].endswith("(user_id);  -- noqa: MG001")


async def test_fix_all_applies_every_safe_fix(client: LanguageClient):
    uri = _uri(client.root, "migrations/0003.sql")
    await _open(client, uri, MIGRATION)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.fixAll.backend-architect"]),
        )
    )
    assert [a.kind for a in actions] == ["source.fixAll.backend-architect"]
    edits, _ = _doc_edits(actions[0])
    fixed = _apply(MIGRATION, edits)
    assert "CREATE INDEX CONCURRENTLY idx_posts_user_id" in fixed
    assert "REFERENCES users (id) NOT VALID;\nALTER TABLE posts VALIDATE CONSTRAINT posts_author_fkey;" in fixed
    # the fixed text is clean: reopen it and no fixable finding remains
    diags = await _open(client, _uri(client.root, "migrations/0004.sql"), fixed)
    assert [d for d in diags if d.data.get("fix")] == []


async def test_hover_shows_the_rule_doc(client: LanguageClient):
    uri = _uri(client.root, "migrations/0005.sql")
    await _open(client, uri, MIGRATION)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 3))
    )
    value = hover.contents.value
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "MG001 create-index-non-concurrently" in value
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix"):
        assert section in value
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 3))
    )
    assert nothing is None


async def test_utf16_positions_after_emoji_and_cjk(client: LanguageClient):
    text = "SELECT '😀 数据' AS label, * FROM users;\n"
    uri = _uri(client.root, "queries.sql")
    diags = await _open(client, uri, text)
    star = next(d for d in diags if d.code == "QO001")
    # 'SELECT ' (7) + "'" + 😀 (2 UTF-16 units) + ' 数据' (3) + "'" + ' AS label, ' (11)
    col = 7 + 1 + 2 + 3 + 1 + len(" AS label, ")
    assert star.range.start == types.Position(0, col)
    assert star.range.end == types.Position(0, col + 1)


async def test_incremental_change_republishes_with_new_version(client: LanguageClient):
    uri = _uri(client.root, "migrations/0006.sql")
    await _open(client, uri, MIGRATION, version=1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(1, 12), types.Position(1, 12)), text=" CONCURRENTLY"
                )
            ],
        )
    )
    # other publishes (the schema indexer re-analysing open files) may come first: wait for ours
    await _until(lambda: sorted(d.code for d in client.diagnostics[uri]) == ["MG004"])


async def test_every_command_is_registered(client: LanguageClient):
    from backend_architect.core.registry import COMMANDS

    provider = client.init_result.capabilities.execute_command_provider
    assert {f"backend-architect.{c}" for c in COMMANDS} <= set(provider.commands)


async def test_every_command_answers_with_a_message(client: LanguageClient):
    """No command is a silent no-op: without a usable argument each one says what it needs."""
    from backend_architect.core.registry import COMMANDS

    for name in COMMANDS:
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=f"backend-architect.{name}", arguments=[])
        )
        assert isinstance(result, dict) and result.get("message"), (name, result)


def test_a_command_without_a_handler_says_it_is_not_available():
    from backend_architect.commands import not_available

    result = not_available("MICROSERVICE")
    assert result["available"] is False and "not available yet" in result["message"]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def bad_settings_client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            initialization_options={"postgresVersion": "fifteen", "select": 42, "severity": {"MG001": "fatal"}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def _until(predicate, timeout: float = 10.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_bad_settings_warn_and_fall_back_to_defaults(bad_settings_client: LanguageClient):
    client = bad_settings_client
    await _until(lambda: len(client.messages) >= 3)  # one warning per bad setting
    warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert any("postgresVersion" in w for w in warnings), warnings
    assert any("select" in w for w in warnings), warnings
    assert any("MG001" in w and "fatal" not in w or "severity" in w for w in warnings), warnings
    # defaults still apply: MG001 is reported with its default severity
    diags = await _open(client, "file:///tmp/mig/0001.sql", MIGRATION)
    mg001 = next(d for d in diags if d.code == "MG001")
    assert mg001.severity == types.DiagnosticSeverity.Warning
    # a configuration change with a bad value warns again and keeps working
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"backendArchitect": {"dialect": "oracle"}})
    )
    await _until(lambda: any("oracle" in m.message for m in client.messages))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def utf8_client(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf8])
            ),
            initialization_options={"extendSelect": ["QO001"]},  # the canary, off by default
        )
    )
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    yield
    await lsp_client.shutdown_session()


async def test_utf8_position_encoding_when_negotiated(utf8_client: LanguageClient):
    text = "SELECT '😀 数据' AS label, * FROM users;\n"
    diags = await _open(utf8_client, "file:///tmp/u8/q.sql", text)
    star = next(d for d in diags if d.code == "QO001")
    col = len("SELECT '😀 数据' AS label, ".encode())
    assert star.range.start == types.Position(0, col)
