"""End to end: the real server (`backend-architect serve`) offers the SET NOT NULL fix and it applies."""

from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import SERVER_CMD, server_env

TEXT = "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
EXPECTED = (
    "SET lock_timeout = '5s';\n"
    "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n"
    "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\n"
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
    "ALTER TABLE users DROP CONSTRAINT users_email_not_null;\n"
)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=None)
    )
    yield
    await lsp_client.shutdown_session()


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)

    def offset(pos: types.Position) -> int:  # ASCII text: UTF-16 columns are characters
        return sum(len(line) for line in lines[: pos.line]) + pos.character

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
        lines = text.splitlines(keepends=True)
    return text


@pytest.mark.skipif(sys.platform == "win32", reason="paths")
async def test_set_not_null_fix_applies_in_the_server(client: LanguageClient, tmp_path):
    path = tmp_path / "migrations" / "0007_email_not_null.sql"
    path.parent.mkdir()
    path.write_text(TEXT)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="sql", version=1, text=TEXT))
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    diags = client.diagnostics[uri]
    mg006 = [d for d in diags if d.code == "MG006"]
    assert len(mg006) == 1, diags
    assert "ACCESS EXCLUSIVE" in mg006[0].message

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), mg006[0].range.start)
    )
    assert hover is not None and "VALIDATE CONSTRAINT" in hover.contents.value

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=mg006[0].range,
            context=types.CodeActionContext(diagnostics=mg006, only=[types.CodeActionKind.QuickFix]),
        )
    )
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("MIGRATION:")]
    assert fixes, actions
    edit = fixes[0].edit
    assert edit is not None and edit.document_changes
    change = edit.document_changes[0]
    assert change.text_document.uri == uri
    new_text = apply_text_edits(TEXT, change.edits)
    assert new_text == EXPECTED

    # the fixed text is clean of MG006 in the server too
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert not [d for d in client.diagnostics[uri] if d.code == "MG006"]
