"""The "(ask Claude)" variants through the real server, with the real SDK talking
to the local Messages API: checked edits, refusals, errors, cancellation."""

import asyncio
import json

import pglast
import pytest
from lsprotocol import types

pytest.importorskip("anthropic")

from commands.lsp_helpers import apply_workspace_edit, copy_project, open_file, record_edits, start  # noqa: E402

from .conftest import API, KEY  # noqa: E402

FIX = "CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);\n"


async def _setup(client, tmp_path, file="migrations/002_orders_indexes.sql", language="sql"):
    root = copy_project("shop", tmp_path)
    edits = record_edits(client)
    await start(client, root)
    path = root / file
    uri = open_file(client, path, language)
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return root, path, uri, edits


def _run(client, uri, name="MIGRATION", version=1, rng=None):
    arg = {"uri": uri, "version": version}
    if rng:
        arg["range"] = rng
    return client.workspace_execute_command_async(types.ExecuteCommandParams(command=f"backend-architect.{name}.ai", arguments=[arg]))


async def test_answer_is_checked_applied_and_explained(ai_client, tmp_path):
    root, path, uri, edits = await _setup(ai_client, tmp_path)
    API.script.append(
        {
            "kind": "sse",
            "chunks": 6,
            "input": {
                "explanation": "## Why\nA plain CREATE INDEX blocks writes on `orders`.",
                "edits": [
                    {"start_line": 1, "end_line": 1, "text": FIX},
                    {"start_line": 40, "end_line": 41, "text": "oops\n"},
                    {"start_line": 2, "end_line": 2, "text": "ALTER TABLE orders ADD CONSTRAINT (;\n"},
                ],
            },
        }
    )
    res = await _run(ai_client, uri, rng={"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 10}})
    assert res["applied"] is True, res
    assert res["refused"] == [
        "edit 2 (lines 40-41) is outside the document (2 lines)",
        "edit 3 was refused: the file would no longer parse",
    ]
    (params,) = edits
    assert params.label == "MIGRATION (ask Claude)"
    assert params.edit.document_changes[0].text_document.version == 1
    fixed = apply_workspace_edit(params.edit)[str(path)]
    assert fixed.startswith(FIX) and "ADD CONSTRAINT orders_total_positive CHECK" in fixed
    pglast.parse_sql(fixed)
    # the explanation opens as Markdown
    report = root / ".backend-architect" / "ai-migration.md"
    assert ai_client.shown_documents[-1].uri.endswith("/.backend-architect/ai-migration.md")
    md = report.read_text()
    assert "A plain CREATE INDEX blocks writes" in md and "would no longer parse" in md
    # the request carried the command, the code with line numbers, the selection and the findings
    (req,) = API.requests
    content = req["body"]["messages"][0]["content"]
    assert content.startswith("Command: MIGRATION")
    assert "1| CREATE INDEX orders_user_id_idx ON orders (user_id);" in content
    assert "selected lines 1-1" in content
    facts = json.loads(content.split("What the server already knows (JSON):\n", 1)[1])
    assert {"MG001", "MG004"} <= {f["code"] for f in facts["findings"]}  # (and whatever else fires)
    assert "orders" in facts["tables"] and "user_id bigint NOT NULL" in facts["tables"]["orders"]["columns"]
    # progress was streamed
    reports = [v for values in ai_client.progress_reports.values() for v in values]
    assert any(isinstance(v, types.WorkDoneProgressBegin) and v.title == "MIGRATION (ask Claude)" for v in reports)
    assert any(isinstance(v, types.WorkDoneProgressReport) and "receiving the answer" in (v.message or "") for v in reports)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    # the key never shows up in what the server logged
    assert all(KEY not in m.message for m in ai_client.log_messages)


@pytest.mark.parametrize(
    "step,expected",
    [
        ({"kind": "status", "status": 401}, "rejected the API key (401)"),
        ({"kind": "status", "status": 429}, "rate limited"),
        ({"kind": "status", "status": 503}, "failed (503)"),
        ({"kind": "status", "status": 529}, "overloaded"),
        ({"kind": "sse", "partial": '{"edits": [', "chunks": 1}, "malformed"),
    ],
    ids=["401", "429", "503", "529", "malformed"],
)
async def test_failures_give_a_message_and_no_edit(ai_client, tmp_path, step, expected):
    _, _, uri, edits = await _setup(ai_client, tmp_path)
    API.script.append(step)
    res = await _run(ai_client, uri)
    assert expected in res["message"] and res["applied"] is False
    assert not edits
    assert KEY not in res["message"]
    assert any(expected in m.message for m in ai_client.messages)


async def test_a_document_change_stops_the_request(ai_client, tmp_path):
    _, path, uri, edits = await _setup(ai_client, tmp_path)
    API.script.append({"kind": "sse", "input": {"explanation": "x", "edits": []}, "hang": 30, "chunks": 40, "delay": 0.05})
    task = asyncio.ensure_future(_run(ai_client, uri))
    # the change goes out once the request is being answered (an event, not a guess at timing)
    assert await asyncio.to_thread(API.received.wait, 120)
    ai_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="SELECT 1;\n")],
        )
    )
    res = await asyncio.wait_for(task, 120)  # a bound against a hang, not a timing assumption
    assert res["cancelled"] is True and "document changed" in res["message"]
    assert not edits
    # the stream was closed: the fake API sees the client go away long before its 30 s hang ends
    assert await asyncio.to_thread(API.disconnected.wait, 25)
    assert len(API.requests) == 1


async def test_cancel_request_stops_the_request(ai_client, tmp_path):
    _, _, uri, edits = await _setup(ai_client, tmp_path)
    API.script.append({"kind": "sse", "input": {"explanation": "x", "edits": []}, "hang": 30, "chunks": 40, "delay": 0.05})
    before = set(ai_client.protocol._request_futures)
    fut = asyncio.ensure_future(_run(ai_client, uri))
    assert await asyncio.to_thread(API.received.wait, 120)
    (msg_id,) = [k for k in ai_client.protocol._request_futures if k not in before]
    ai_client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))
    with pytest.raises(Exception):
        await asyncio.wait_for(fut, 10)
    # the server went on working and said it stopped
    def cancelled_ends():
        ends = [v for values in ai_client.progress_reports.values() for v in values if isinstance(v, types.WorkDoneProgressEnd)]
        return [e for e in ends if e.message == "cancelled"]

    for _ in range(600):  # wait on the event (bounded), not a fixed time
        if cancelled_ends():
            break
        await asyncio.sleep(0.05)
    assert cancelled_ends()
    assert not edits


async def test_stale_version_is_refused_before_asking(ai_client, tmp_path):
    _, _, uri, edits = await _setup(ai_client, tmp_path)
    res = await _run(ai_client, uri, version=7)
    assert "changed" in res["message"] and not API.requests and not edits


async def test_ai_variants_are_offered_when_enabled(ai_client, tmp_path):
    _, _, uri, _ = await _setup(ai_client, tmp_path)
    actions = await ai_client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(0, 0)),
            context=types.CodeActionContext(diagnostics=ai_client.diagnostics[uri]),
        )
    )
    ai_actions = [a for a in actions if "(ask Claude)" in a.title]
    commands = {a.command.command for a in ai_actions}
    assert "backend-architect.MIGRATION.ai" in commands and all(c.endswith(".ai") for c in commands), commands
