"""Through the real server: quick fixes follow the project's dependency manifests.

A fix's title and edits depend on what the project declares (a limiter already there or a
new dependency; pydantic 1 or 2). After a manifest changes on disk, with or without the
client's ``workspace/didChangeWatchedFiles``, the next code actions reflect it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import SERVER_CMD, server_env  # noqa: E402

LOGIN = """from flask import Flask, request

app = Flask(__name__)


@app.post("/login")
def login():
    data = request.get_json()
    user = data["user"]
    tags = data["tags"]
    return {"ok": user.lower(), "n": len(tags)}
"""


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


async def fixes(client: LanguageClient, uri: str) -> dict[str, str]:
    """title -> the new text of every quick fix offered on the document's diagnostics."""
    diags = client.diagnostics.get(uri, [])
    out: dict[str, str] = {}
    for d in diags:
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=d.range,
                context=types.CodeActionContext(diagnostics=[d]),
            )
        )
        for a in actions or []:
            edit = getattr(a, "edit", None)
            if edit is not None and edit.document_changes:
                out[a.title] = "".join(
                    e.new_text for c in edit.document_changes for e in getattr(c, "edits", [])
                )
    return out


def write_manifest(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))  # a later time even on coarse clocks


def project(tmp_path: Path, requirements: str) -> tuple[Path, str]:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text(requirements)
    app = tmp_path / "app.py"
    app.write_text(LOGIN)
    return app, app.as_uri()


async def open_doc(client: LanguageClient, uri: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=LOGIN)
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


async def test_fixes_follow_a_manifest_change_announced_by_the_client(
    client: LanguageClient, tmp_path
):
    _, uri = project(tmp_path, "flask>=3\npydantic<2\n")
    await open_doc(client, uri)
    await asyncio.sleep(2)  # the start-up schema scan's re-publication is over
    before = await fixes(client, uri)
    rl = [t for t in before if t.startswith("RATE_LIMITING")]
    assert rl and "a new dependency: add flask-limiter to requirements.txt" in rl[0], before
    iv = [x for t, x in before.items() if t.startswith("INPUT_VALIDATION")]
    assert iv and "parse_obj(" in iv[0] and "model_validate" not in iv[0], before

    req = tmp_path / "requirements.txt"
    write_manifest(req, "flask>=3\nFlask-Limiter>=3\npydantic>=2\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=req.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 20)
    after = await fixes(client, uri)
    assert not [t for t in after if "new dependency" in t], after
    iv = [x for t, x in after.items() if t.startswith("INPUT_VALIDATION")]
    assert iv and "model_validate(" in iv[0] and "parse_obj" not in iv[0], after


async def test_fixes_follow_a_manifest_change_the_client_did_not_announce(
    client: LanguageClient, tmp_path
):
    _, uri = project(tmp_path, "flask>=3\npydantic>=2\n")
    await open_doc(client, uri)
    before = await fixes(client, uri)
    iv = [x for t, x in before.items() if t.startswith("INPUT_VALIDATION")]
    assert iv and "model_validate(" in iv[0], before
    write_manifest(tmp_path / "requirements.txt", "flask>=3\npydantic==1.10.*\n")
    await asyncio.sleep(0)
    after = await fixes(client, uri)
    iv = [x for t, x in after.items() if t.startswith("INPUT_VALIDATION")]
    assert iv and "parse_obj(" in iv[0] and "model_validate" not in iv[0], after
