"""End to end through the real server: handler findings and their quick fixes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402

from backend_architect.core import languages  # noqa: E402
from backend_architect.core.document import Document  # noqa: E402
from backend_architect.core.engine import lint  # noqa: E402

FASTAPI_SRC = '''from fastapi import FastAPI

app = FastAPI()


@app.post("/users", status_code=201)
async def create_user(payload: dict):
    return {"email": payload["email"], "name": payload["name"]}
'''

GIN_SRC = '''package main

import (
	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.Default()
	r.POST("/api/users/login", Login)
	r.GET("/api/articles", ListArticles)
	r.Run()
}
'''


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_CMD, server_env=server_env()))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                workspace=types.WorkspaceClientCapabilities(
                    workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True)
                )
            ),
            root_uri=Path("/tmp").as_uri(),
        )
    )
    yield
    await lsp_client.shutdown_session()


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: types.Position) -> int:
        return starts[pos.line] + pos.character  # ASCII sources: UTF-16 units are characters

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


async def open_and_wait(client: LanguageClient, uri: str, language: str, text: str):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text))
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


async def test_fastapi_iv001_and_its_pydantic_fix(client: LanguageClient, tmp_path):
    path = tmp_path / "users.py"
    path.write_text(FASTAPI_SRC)
    uri = path.as_uri()
    diags = await open_and_wait(client, uri, "python", FASTAPI_SRC)
    iv = [d for d in diags if d.code == "IV001"]
    assert len(iv) == 1
    assert iv[0].range.start.line == 6 and "payload: dict" in iv[0].message
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=iv[0].range,
            context=types.CodeActionContext(diagnostics=iv),
        )
    )
    fix = next(a for a in actions if a.title.startswith("INPUT_VALIDATION: generate Pydantic model"))
    edits = [e for change in fix.edit.document_changes for e in change.edits]
    fixed = apply_text_edits(FASTAPI_SRC, edits)
    assert "from pydantic import BaseModel" in fixed
    assert "class CreateUserBody(BaseModel):\n    email: str\n    name: str\n" in fixed
    assert "async def create_user(payload: CreateUserBody):" in fixed
    assert 'return {"email": payload.email, "name": payload.name}' in fixed
    assert languages.error_count(fixed, "python") == 0
    after = lint(Document(fixed, path=str(path)))
    assert not [f for f in after.findings if f.code == "IV001"]


async def test_gin_rl001(client: LanguageClient, tmp_path):
    path = tmp_path / "main.go"
    path.write_text(GIN_SRC)
    uri = path.as_uri()
    diags = await open_and_wait(client, uri, "go", GIN_SRC)
    rl = [d for d in diags if d.code == "RL001"]
    assert len(rl) == 1
    assert rl[0].range.start.line == 8 and "/api/users/login" in rl[0].message
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rl[0].range,
            context=types.CodeActionContext(diagnostics=rl),
        )
    )
    fix = next(a for a in actions if a.title.startswith("RATE_LIMITING:"))
    fixed = apply_text_edits(GIN_SRC, [e for c in fix.edit.document_changes for e in c.edits])
    assert 'r.POST("/api/users/login", rateLimit(5), Login)' in fixed
    assert "func rateLimit(perMinute int) gin.HandlerFunc" in fixed and '"golang.org/x/time/rate"' in fixed
    assert languages.error_count(fixed, "go") == 0
    assert not [f for f in lint(Document(fixed, path=str(path))).findings if f.code == "RL001"]
