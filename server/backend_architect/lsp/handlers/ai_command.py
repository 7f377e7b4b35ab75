"""``backend-architect.<COMMAND>.ai``: ask Claude, check the answer, offer it.

Runs as a coroutine on the server's loop; the SDK call runs in a worker thread.
$/cancelRequest cancels the coroutine, a change to the document or the timeout
sets the cancel flag and closes the stream, and the worker stops.
"""

from __future__ import annotations

import contextlib
import asyncio
import functools
import logging
import os
import threading
import time

from lsprotocol import types

from ...ai import enabled, sdk_missing, why_disabled
from ...ai.facts import facts_of
from ...commands.base import REPORT_DIR, CommandError, CommandResult, EditSet, FileChange, Report
from .commands import LspProgress, deliver, request, show_message

log = logging.getLogger(__name__)


def _selected_lines(t):
    if t.end <= t.start:
        return None
    doc = t.doc
    return doc.line_of(t.start) + 1, doc.line_of(max(t.start, t.end - 1)) + 1


def _current_version(server, uri):
    documents = getattr(server, "documents", None)
    if documents is not None:
        doc = documents.get(uri)
        return doc.version if doc is not None else None
    try:
        return server.workspace.get_text_document(uri).version
    except Exception:
        return None


_CLAIMED: set = set()


def _outer_request(server):
    """The future of the client's workspace/executeCommand request that runs us.

    pygls runs a command through a generator: $/cancelRequest cancels that outer
    future (and answers the client), not the coroutine of the command itself, so
    the command watches it. Called first thing, ours is the newest pending plain
    future no other AI command has claimed (server-to-client requests this
    command sends later are not pending yet)."""
    import concurrent.futures

    try:
        pending = [
            (key, fut)
            for key, fut in list(server.protocol._request_futures.items())
            if type(fut) is concurrent.futures.Future and not fut.done() and fut not in _CLAIMED
        ]
    except Exception:
        return None
    if not pending:
        return None
    key, fut = pending[-1]  # registered just before this coroutine was scheduled
    _CLAIMED.add(fut)
    return fut


def _start_worker(loop, fn) -> asyncio.Future:
    """Run ``fn`` in a daemon thread (a hung stream must never keep the server from exiting)."""
    result: asyncio.Future = loop.create_future()

    def deliver(ok, value):
        if not result.done():
            (result.set_result if ok else result.set_exception)(value)

    def run():
        try:
            value = fn()
        except BaseException as exc:  # handed to the coroutine
            loop.call_soon_threadsafe(deliver, False, exc)
        else:
            loop.call_soon_threadsafe(deliver, True, value)

    threading.Thread(target=run, name="backend-architect-ai", daemon=True).start()
    return result


async def run_ai_command(server, session, name: str, args) -> dict:
    """Ask Claude for ``name`` on the document in ``args``; the checked answer is offered as an edit."""
    outer = _outer_request(server)  # first, before this command sends requests of its own
    try:
        return await _run(server, session, name, args, outer)
    finally:
        _CLAIMED.discard(outer)


async def _run(server, session, name: str, args, outer) -> dict:
    label = f"{name} (ask Claude)"
    if not enabled(session.settings):
        message = f"{label}: AI is off; {why_disabled(session.settings)}."
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info, message=f"Backend Architect: {message}"
            )
        )
        return {"command": name, "message": message, "applied": False}
    missing = sdk_missing()
    if missing is not None:
        message = f"{label}: {missing}"
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error, message=f"Backend Architect: {message}"
            )
        )
        return {"command": name, "message": message, "applied": False}
    try:
        t = request(server, session, name, list(args or []))
    except CommandError as exc:
        return {"command": name, "message": str(exc), "applied": False}
    from ...ai.client import AIError, Cancelled, ask
    from ...ai.prompt import user_message
    from ...ai.verify import check

    doc = t.doc
    text = user_message(name, doc, _selected_lines(t), facts_of(t))
    progress = LspProgress(server, label)
    progress.report(f"asking {session.settings.ai.model}")
    loop = asyncio.get_running_loop()
    cancel = threading.Event()
    holder: dict = {}

    def report(message: str) -> None:
        loop.call_soon_threadsafe(progress.report, message)

    def stop_stream() -> None:
        cancel.set()
        stream = holder.get("stream")
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()

    worker = _start_worker(
        loop,
        functools.partial(
            ask, session.settings, text, cancel=cancel, on_progress=report, holder=holder
        ),
    )
    deadline = time.monotonic() + session.settings.ai.timeout + 5
    reason = None
    try:
        while not worker.done():
            await asyncio.wait({worker}, timeout=0.05)
            if worker.done():
                break
            if outer is not None and outer.cancelled():
                raise asyncio.CancelledError()
            if _current_version(server, doc.uri) != doc.version:
                reason = "the document changed, so the request was stopped"
                stop_stream()
            elif time.monotonic() > deadline:
                reason = f"no answer after {session.settings.ai.timeout:.0f} s (timeout)"
                stop_stream()
        answer = worker.result()
    except asyncio.CancelledError:
        stop_stream()
        progress.end("cancelled")
        raise
    except Cancelled:
        message = f"{label}: {reason or 'cancelled'}; nothing was applied."
        progress.end("stopped")
        show_message(server, message)
        return {"command": name, "message": message, "applied": False, "cancelled": True}
    except AIError as exc:
        message = f"{label}: {reason or exc}" + ("" if reason else " Nothing was applied.")
        progress.end("failed")
        show_message(server, message, error=True)
        return {"command": name, "message": message, "applied": False, "error": str(exc)}
    progress.report("checking the proposed changes")
    checked = check(doc, _current_version(server, doc.uri), answer, t.root)
    explanation = answer["explanation"].strip()
    md = [
        f"# {label}",
        "",
        f"File: `{os.path.relpath(doc.path, t.root)}` (version {doc.version})",
        "",
        explanation,
        "",
    ]
    if checked.edits or checked.new_files:
        md += ["## Offered", ""]
        md += [f"- an edit of {len(checked.edits)} range(s) in this file"] if checked.edits else []
        md += [f"- new file `{os.path.relpath(p, t.root)}`" for p, _ in checked.new_files]
        md.append("")
    if checked.refused:
        md += ["## Refused", ""] + [f"- {r}" for r in checked.refused] + [""]
    ai_report = Report(
        os.path.join(t.root, REPORT_DIR, f"ai-{name.lower()}.md"), "\n".join(md) + "\n"
    )
    report_path = ai_report.path
    out = {
        "command": name,
        "applied": bool(checked.edits or checked.new_files),
        "refused": checked.refused,
        "explanation": explanation,
        "report": report_path,
    }
    edit = None
    if checked.edits or checked.new_files:
        files = [FileChange(p, c) for p, c in checked.new_files]
        # Claude rewrites the user's code: confirmed first where the editor can ask
        edit = EditSet(doc, list(checked.edits), files, label, needs_confirmation=True)
        out["text"] = checked.text
    summary = (
        f"{label}: {len(checked.edits)} edit(s)"
        + (f" and {len(checked.new_files)} new file(s)" if checked.new_files else "")
        + " offered"
    )
    if checked.refused:
        summary += f"; refused: {'; '.join(checked.refused)}"
    out["message"] = summary + "."
    progress.end("done")
    error = bool(checked.refused) and not out["applied"]
    return deliver(
        server, session, CommandResult(out, edit, [ai_report], [(out["message"], error)])
    )
