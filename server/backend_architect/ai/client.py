"""One request to Claude through the anthropic SDK, streamed, cancellable, with
clear messages for every failure. The SDK is imported here and only here."""

from __future__ import annotations

import contextlib
import json
import threading

from . import ENV_BASE_URL, MISSING_SDK, api_key
from .prompt import SYSTEM_PROMPT, TOOL


class AIError(Exception):
    """A failure with a message for the developer (never containing the key)."""


class Cancelled(AIError):
    pass


def _scrub(text: str) -> str:
    key = api_key()
    if key:
        text = text.replace(key, "***")
    return text


def _describe(exc) -> str:
    import anthropic

    status = getattr(exc, "status_code", None)
    if isinstance(exc, anthropic.AuthenticationError) or status == 401:
        return "Claude rejected the API key (401): check ANTHROPIC_API_KEY."
    if isinstance(exc, anthropic.PermissionDeniedError) or status == 403:
        return "this API key may not use that model (403)."
    if isinstance(exc, anthropic.RateLimitError) or status == 429:
        return "rate limited by the Anthropic API (429): wait a moment and try again."
    if status == 529 or type(exc).__name__ == "OverloadedError":
        return "Claude is overloaded right now (529): try again in a minute."
    if isinstance(exc, anthropic.APITimeoutError):
        return "the request timed out."
    if isinstance(exc, anthropic.APIResponseValidationError):
        return "the answer was malformed."
    if isinstance(exc, anthropic.APIConnectionError):
        return "cannot reach the Anthropic API (network or base URL)."
    if status is not None and status >= 500:
        return f"the Anthropic API failed ({status}): try again later."
    if status is not None:
        return f"the Anthropic API refused the request ({status})."
    return f"the request failed ({type(exc).__name__})."


def ask(
    settings,
    user_text: str,
    *,
    cancel: threading.Event | None = None,
    on_progress=None,
    holder: dict | None = None,
    base_url: str | None = None,
    stream: bool = True,
) -> dict:
    """Stream one answer and return the propose_changes tool input (validated shape)."""
    import os

    try:
        import anthropic
    except ImportError:
        raise AIError(MISSING_SDK) from None

    key = api_key()
    if key is None:
        raise AIError("no ANTHROPIC_API_KEY is set.")
    cancel = cancel or threading.Event()
    ai = settings.ai
    client = anthropic.Anthropic(
        api_key=key,
        base_url=base_url or os.environ.get(ENV_BASE_URL) or None,
        timeout=ai.timeout,
        max_retries=0,
    )
    received = 0
    holder = holder if holder is not None else {}
    timed_out = threading.Event()

    def expire() -> None:
        # a stream that keeps sending pings never trips the read timeout: close it
        timed_out.set()
        cancel.set()
        live = holder.get("stream")
        if live is not None:
            with contextlib.suppress(Exception):
                live.close()

    timer = threading.Timer(ai.timeout, expire)
    timer.daemon = True
    timer.start()
    request = dict(
        model=ai.model,
        max_tokens=ai.max_tokens,
        system=SYSTEM_PROMPT,
        messages=[{"role": "user", "content": user_text}],
        tools=[TOOL],
        tool_choice={"type": "tool", "name": TOOL["name"]},
    )
    try:
        if not stream:
            return tool_input(client.messages.create(**request))
        with client.messages.stream(**request) as live:
            holder["stream"] = live
            for event in live:
                if cancel.is_set():
                    raise Cancelled("cancelled.")
                if event.type == "content_block_delta":
                    delta = event.delta
                    received += len(
                        getattr(delta, "partial_json", "") or getattr(delta, "text", "") or ""
                    )
                    if on_progress is not None:
                        on_progress(f"receiving the answer ({received} characters)")
            message = live.get_final_message()
    except Cancelled:
        if timed_out.is_set():
            raise AIError(f"no complete answer after {ai.timeout:.0f} s (timeout).") from None
        raise
    except AIError:
        raise
    except anthropic.APIError as exc:
        if timed_out.is_set():
            raise AIError(f"no complete answer after {ai.timeout:.0f} s (timeout).") from None
        if cancel.is_set():
            raise Cancelled("cancelled.") from None
        raise AIError(_scrub(_describe(exc))) from None
    except (json.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        if timed_out.is_set():
            raise AIError(f"no complete answer after {ai.timeout:.0f} s (timeout).") from None
        if cancel.is_set():
            raise Cancelled("cancelled.") from None
        raise AIError(f"the answer was malformed ({type(exc).__name__}).") from None
    except Exception as exc:  # the stream was closed under us, or the transport broke
        if timed_out.is_set():
            raise AIError(f"no complete answer after {ai.timeout:.0f} s (timeout).") from None
        if cancel.is_set():
            raise Cancelled("cancelled.") from None
        raise AIError(_scrub(f"the request failed ({type(exc).__name__}).")) from None
    finally:
        timer.cancel()
    if timed_out.is_set():
        raise AIError(f"no complete answer after {ai.timeout:.0f} s (timeout).")
    return tool_input(message)


def tool_input(message) -> dict:
    """The propose_changes input of an answer, checked for shape."""
    blocks = [
        b
        for b in getattr(message, "content", []) or []
        if getattr(b, "type", None) == "tool_use" and b.name == TOOL["name"]
    ]
    if not blocks:
        raise AIError("the answer was malformed (no propose_changes call).")
    data = blocks[0].input
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("explanation"), str)
        or not isinstance(data.get("edits"), list)
    ):
        raise AIError("the answer was malformed (propose_changes without explanation and edits).")
    for e in data["edits"]:
        if not (
            isinstance(e, dict)
            and isinstance(e.get("start_line"), int)
            and isinstance(e.get("end_line"), int)
            and isinstance(e.get("text"), str)
        ):
            raise AIError(
                "the answer was malformed (an edit without start_line, end_line and text)."
            )
    files = data.get("new_files") or []
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("path"), str) and isinstance(f.get("content"), str)
        for f in files
    ):
        raise AIError("the answer was malformed (new_files).")
    data["new_files"] = files
    return data
