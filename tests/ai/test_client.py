"""The real anthropic SDK against the local Messages API: streaming tool_use,
JSON answers, and a clear message for every failure."""

import threading
import time

import pytest

pytest.importorskip("anthropic")

from backend_architect.ai import client as ai_client  # noqa: E402
from backend_architect.ai.prompt import SYSTEM_PROMPT, TOOL  # noqa: E402
from backend_architect.config import AISettings, Settings  # noqa: E402

from .fake_messages_api import FakeMessagesAPI  # noqa: E402

KEY = "sk-ant-test-0123456789-SECRET"
ANSWER = {"explanation": "Use CONCURRENTLY.", "edits": [{"start_line": 1, "end_line": 1, "text": "CREATE INDEX CONCURRENTLY i ON t (a);\n"}]}


@pytest.fixture(scope="module")
def api():
    server = FakeMessagesAPI()
    yield server
    server.close()


@pytest.fixture
def env(api, monkeypatch):
    api.reset()
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
    return api


def settings(timeout=10.0):
    return Settings(ai=AISettings(enabled=True, model="claude-test", timeout=timeout))


def test_streamed_tool_use_is_returned_and_progress_reported(env):
    env.script.append({"kind": "sse", "input": ANSWER, "chunks": 5})
    progress = []
    answer = ai_client.ask(settings(), "Command: MIGRATION", on_progress=progress.append)
    assert answer["edits"] == ANSWER["edits"] and answer["explanation"] == ANSWER["explanation"]
    assert len(progress) == 5 and progress[-1].startswith("receiving the answer")
    (req,) = env.requests
    assert req["path"] == "/v1/messages"
    sent_key = req["headers"].get("x-api-key") or req["headers"].get("authorization", "").removeprefix("Bearer ")
    assert sent_key == KEY
    body = req["body"]
    assert body["stream"] is True and body["model"] == "claude-test"
    assert body["system"] == SYSTEM_PROMPT and "{\"error\": {\"code\"" in SYSTEM_PROMPT
    assert body["tools"] == [TOOL] and body["tool_choice"] == {"type": "tool", "name": "propose_changes"}
    assert body["messages"][0]["content"] == "Command: MIGRATION"


def test_json_answer(env):
    env.script.append({"kind": "json", "input": ANSWER})
    assert ai_client.ask(settings(), "x", stream=False)["edits"] == ANSWER["edits"]


@pytest.mark.parametrize(
    "status,expected",
    [
        (401, "rejected the API key (401)"),
        (429, "rate limited by the Anthropic API (429)"),
        (500, "the Anthropic API failed (500)"),
        (529, "overloaded right now (529)"),
    ],
)
def test_error_statuses_give_clear_messages_without_the_key(env, status, expected):
    env.script.append({"kind": "status", "status": status, "message": f"bad key {KEY}"})
    with pytest.raises(ai_client.AIError) as err:
        ai_client.ask(settings(), "x")
    assert expected in str(err.value)
    assert KEY not in str(err.value)


@pytest.mark.parametrize(
    "step",
    [
        {"kind": "raw", "body": b"{not json"},
        {"kind": "sse", "partial": '{"explanation": "x", "edits": [{"start_line": }', "chunks": 2},
        {"kind": "sse", "input": {"explanation": "no edits key"}},
        {"kind": "sse", "input": {"explanation": "x", "edits": [{"start_line": "one"}]}},
        {"kind": "sse", "input": ANSWER, "name": "some_other_tool"},
    ],
    ids=["invalid-json-body", "invalid-partial-json", "missing-edits", "bad-edit", "wrong-tool"],
)
def test_malformed_answers_are_refused(env, step):
    env.script.append(step)
    with pytest.raises(ai_client.AIError) as err:
        ai_client.ask(settings(), "x", stream=step["kind"] == "sse")
    assert "malformed" in str(err.value)


def test_cancel_closes_a_hanging_stream(env):
    env.script.append({"kind": "sse", "input": ANSWER, "hang": 20, "chunks": 50})
    cancel = threading.Event()
    holder: dict = {}
    threading.Timer(0.5, lambda: (cancel.set(), holder["stream"].close())).start()
    started = time.monotonic()
    with pytest.raises(ai_client.Cancelled):
        ai_client.ask(settings(), "x", cancel=cancel, holder=holder)
    assert time.monotonic() - started < 5


def test_timeout(env):
    env.script.append({"kind": "sse", "input": ANSWER, "hang": 20, "chunks": 50})
    started = time.monotonic()
    with pytest.raises(ai_client.AIError) as err:
        ai_client.ask(settings(timeout=1.0), "x")
    assert "timeout" in str(err.value) or "timed out" in str(err.value)
    assert time.monotonic() - started < 6


def test_the_sdk_is_not_imported_by_the_server_modules():
    import subprocess
    import sys

    code = "import sys; import backend_architect.lsp.server, backend_architect.commands as c; [c.handler_of(n) for n in c.COMMAND_HANDLERS]; print('anthropic' in sys.modules)"
    from conftest import server_env

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=server_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
