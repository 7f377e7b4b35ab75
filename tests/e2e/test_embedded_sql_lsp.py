"""End-to-end: SQL inside an Express handler, over stdio (pytest-lsp)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402

EXPRESS = """import express from "express";
import { Pool } from "pg";

const pool = new Pool();
const app = express();

app.get("/users/:email", async (req, res) => {
  // the emoji before the finding makes UTF-16 columns differ from characters
  const { rows } = await pool.query(`SELECT id, name AS "名前😀" FROM users WHERE email = '${req.params.email}'`);
  res.json(rows);
});
"""


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 positions) to text."""

    def offset(pos: types.Position) -> int:
        lines = text.split("\n")
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
    return text


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
            ),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            initialization_options={"extendSelect": ["IV010"]},  # off by default; IV011 steps aside
        )
    )
    lsp_client.root = root
    yield
    await lsp_client.shutdown_session()


async def test_express_handler_gets_iv010_and_its_parameterised_fix(client: LanguageClient):
    uri = (client.root / "src" / "users.ts").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id="typescript", version=1, text=EXPRESS))
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    diags = [d for d in client.diagnostics[uri] if d.code == "IV010"]
    assert len(diags) == 1
    diag = diags[0]
    line = EXPRESS.splitlines()[8]
    prefix = line[: line.index("${req.params.email}")]
    start = len(prefix.encode("utf-16-le")) // 2
    assert start == len(prefix) + 1  # the emoji is two UTF-16 units
    assert diag.range.start == types.Position(8, start)
    assert diag.range.end == types.Position(8, start + len("${req.params.email}"))
    assert "req.params.email" in diag.message

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag], only=[types.CodeActionKind.QuickFix]),
        )
    )
    fix = next(a for a in actions if a.title.startswith("INPUT_VALIDATION:"))
    assert fix.is_preferred is False  # unsafe: offered, never applied in bulk
    fixed = _apply(EXPRESS, fix.edit.document_changes[0].edits)
    assert fixed.splitlines()[8] == (
        '  const { rows } = await pool.query(`SELECT id, name AS "名前😀" FROM users WHERE email = $1`, [req.params.email]);'
    )

    # the fixed document is clean for IV010
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d for d in client.diagnostics[uri] if d.code == "IV010"] == []

    # "Disable IV010 for this line" adds the comment after the string, on the same line
    noqa = next(a for a in actions if a.title == "Disable IV010 for this line")
    silenced = _apply(EXPRESS, noqa.edit.document_changes[0].edits)
    assert silenced.splitlines()[8].endswith("}'`);  // noqa: IV010")
