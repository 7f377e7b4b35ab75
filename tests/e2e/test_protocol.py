"""Protocol conformance of the real server over stdio, message by message.

Every request gets an answer (a result or the right error code), exit codes follow
the spec, and what a user did not ask about (an unknown document, a malformed
message) goes to the log, never to an error popup.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "benchmarks"))
from lsp_sync import SERVER_CMD, server_env  # noqa: E402
from lspclient import Client  # noqa: E402

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600
MIGRATION = "CREATE INDEX idx_posts_user ON posts (user_id);\n"


def _start(root: Path, env: dict | None = None, capabilities: dict | None = None) -> Client:
    client = Client(SERVER_CMD, env=env or server_env(), cwd=str(root))
    res = client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": capabilities or {}})
    assert "result" in res, res
    client.notify("initialized", {})
    return client


def _notifications(client: Client) -> list[dict]:
    out = []
    while not client.notifications.empty():
        out.append(client.notifications.get_nowait()[1])
    return out


def _popups(msgs: list[dict]) -> list[str]:
    return [m["params"]["message"] for m in msgs if m.get("method") == "window/showMessage"]


def _logs(msgs: list[dict]) -> list[str]:
    return [m["params"]["message"] for m in msgs if m.get("method") == "window/logMessage"]


def _open(client: Client, uri: str, text: str, language: str = "sql") -> list[dict]:
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}})
    _, params = client.wait_notification("textDocument/publishDiagnostics", predicate=lambda p: p["uri"] == uri)
    return params["diagnostics"]


def _hover(client: Client, uri: str, line: int = 0, character: int = 0) -> dict:
    return client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}})


def _code_action(client: Client, uri: str, diagnostics: list, only: list | None = None) -> dict:
    context: dict = {"diagnostics": diagnostics}
    if only:
        context["only"] = only
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    return client.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": rng, "context": context})


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("proto")
    client = _start(root)
    client.root = root
    yield client
    client.close()


def test_invalid_params_get_invalid_params(server):
    uri = (server.root / "migrations" / "0001.sql").as_uri()
    _open(server, uri, MIGRATION)
    res = _hover(server, uri, line=-1, character=0)
    assert res["error"]["code"] == INVALID_PARAMS, res
    assert "textDocument/hover" in res["error"]["message"]
    # and the server goes on answering
    assert "result" in _hover(server, uri)


def test_a_change_to_a_document_never_opened_is_logged(server):
    uri = (server.root / "never_opened.sql").as_uri()
    _notifications(server)
    server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "SELECT 1;"}]})
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert _hover(server, uri) == {"jsonrpc": "2.0", "id": server.next_id, "result": None}
    msgs = _notifications(server)
    assert not _popups(msgs), _popups(msgs)
    assert any("never_opened.sql" in m and "not open" in m for m in _logs(msgs))


def test_requests_on_a_closed_and_deleted_file_answer_empty(server):
    path = server.root / "migrations" / "0002.sql"
    path.parent.mkdir(exist_ok=True)
    path.write_text(MIGRATION)
    uri = path.as_uri()
    diags = _open(server, uri, MIGRATION)
    assert diags
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    path.unlink()
    assert _code_action(server, uri, diags).get("result") is None
    assert _hover(server, uri).get("result") is None


def test_malformed_messages_are_logged_not_shown(server):
    _notifications(server)
    server.send_raw(b"{not json")
    server.send_raw(b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": 3}}')
    uri = (server.root / "after_garbage.sql").as_uri()
    assert "result" in _hover(server, uri)  # still answering (and the garbage has been read)
    msgs = _notifications(server)
    assert not _popups(msgs), _popups(msgs)
    assert len([m for m in _logs(msgs) if m.startswith("backend-architect:")]) == 2, msgs


def test_a_code_action_survives_a_character_the_fix_all_shares_bytes_with(server):
    uri = (server.root / "app.py").as_uri()
    text = "表#noqa:IV011\n"  # a rule on by default: its unused suppression is reported
    diags = _open(server, uri, text, "python")
    assert [d["code"] for d in diags] == ["BA001"]  # the unused suppression, with a safe fix
    res = _code_action(server, uri, diags)
    assert "result" in res, res
    fix_all = [a for a in res["result"] if a["kind"] == "source.fixAll.backend-architect"]
    (edit,) = fix_all[0]["edit"]["documentChanges"][0]["edits"]
    assert edit == {"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 12}}, "newText": ""}


def _apply_edits(text: str, edits: list[dict]) -> str:
    """Apply LSP text edits to an ASCII document with \n line breaks (last edit first)."""
    starts = [0]
    for line in text.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(pos: dict) -> int:
        return starts[pos["line"]] + pos["character"]

    for e in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[: offset(e["range"]["start"])] + e["newText"] + text[offset(e["range"]["end"]):]
    return text


def test_fix_all_is_resolved_when_the_client_can(tmp_path):
    caps = {"textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}}}
    client = _start(tmp_path, capabilities=caps)
    try:
        uri = (tmp_path / "migrations" / "0003.sql").as_uri()
        diags = _open(client, uri, MIGRATION)
        (action,) = _code_action(client, uri, diags, only=["source.fixAll.backend-architect"])["result"]
        assert "edit" not in action and action["data"]["version"] == 1  # nothing computed yet
        resolved = client.request("codeAction/resolve", action)["result"]
        edits = resolved["edit"]["documentChanges"][0]["edits"]
        assert "CREATE INDEX CONCURRENTLY" in _apply_edits(MIGRATION, edits)
        # offered for version 1, picked after an edit: no stale edit is applied
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": MIGRATION + "\n"}]})
        stale = client.request("codeAction/resolve", action)
        assert "result" not in stale and stale["error"]["code"] == -32801, stale  # ContentModified
        client.request("shutdown", None)  # a round trip: anything the server sent before it has arrived
        assert not _popups(_notifications(client))  # an answer to the client, not an error popup
    finally:
        client.close()


def test_requests_after_shutdown_are_invalid_and_exit_is_zero(tmp_path):
    client = _start(tmp_path)
    assert client.request("shutdown", None)["result"] is None
    res = _hover(client, (tmp_path / "a.sql").as_uri())
    assert res["error"]["code"] == INVALID_REQUEST, res
    assert client.request("shutdown", None)["error"]["code"] == INVALID_REQUEST
    client.notify("exit", None)
    assert client.proc.wait(timeout=30) == 0


def test_exit_without_shutdown_is_one(tmp_path):
    client = _start(tmp_path)
    client.notify("exit", None)
    assert client.proc.wait(timeout=30) == 1


def test_ai_without_the_sdk_gives_the_install_command(tmp_path):
    # a stand-in package that fails to import, as when the [ai] extra is not installed
    fake = tmp_path / "site" / "anthropic"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'anthropic'\", name='anthropic')\n")
    env = server_env()
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), env["PYTHONPATH"]])
    env.update(ANTHROPIC_API_KEY="sk-test", BACKEND_ARCHITECT_AI="1")
    root = tmp_path / "ws"
    root.mkdir()
    client = _start(root, env=env)
    try:
        uri = (root / "migrations" / "0001.sql").as_uri()
        _open(client, uri, MIGRATION)
        res = client.request("workspace/executeCommand", {"command": "backend-architect.MIGRATION.ai", "arguments": [{"uri": uri}]})
        assert "result" in res, res
        message = res["result"]["message"]
        assert "pip install 'backend-architect[ai]'" in message and res["result"]["applied"] is False
        assert "Traceback" not in message
    finally:
        client.close()
