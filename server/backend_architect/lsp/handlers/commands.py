"""workspace/executeCommand: dispatch to the command handlers."""

from __future__ import annotations

import traceback

from lsprotocol import types

from ...commands import HANDLERS, load_all, not_available


def execute(server, session, name: str, args) -> dict:
    load_all()
    handler = HANDLERS.get(name)
    if handler is None:
        result = not_available(name)
        server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Info, message=result["message"])
        )
        return result
    try:
        return handler(server, session, list(args or []))
    except Exception as exc:  # a failing command answers with the reason, the server goes on
        server.window_log_message(
            types.LogMessageParams(
                type=types.MessageType.Error, message=f"{name} failed: {traceback.format_exc()}"
            )
        )
        message = f"{name} failed: {type(exc).__name__}: {exc}"
        server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=message)
        )
        return {"command": name, "error": message, "message": message}
