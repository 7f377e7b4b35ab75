"""Reading the client's messages ahead of the handlers, to know which work is stale.

A thread reads framed JSON-RPC messages from stdin as soon as they arrive, while the
handlers run on the event loop one message at a time. For every document
notification (didOpen, didChange, didClose) it counts, per URI, how many were read;
the loop counts how many it has started to handle. When more were read than
handled, a newer version of that document is already waiting: an analysis of the
older version is stale. The server uses this to

- debounce a burst of edits: a didChange with another one queued behind it is not
  analysed (the newest one is, and its diagnostics are the ones published);
- cancel stale work: a long analysis asks :meth:`Incoming.stale` between steps and
  stops when a newer version arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
from typing import BinaryIO

log = logging.getLogger(__name__)

DOCUMENT_METHODS = (
    b'"textDocument/didChange"',
    b'"textDocument/didOpen"',
    b'"textDocument/didClose"',
)


def _document_uri(body: bytes) -> str | None:
    """The URI of a document notification (None for every other message)."""
    if not any(m in body for m in DOCUMENT_METHODS):
        return None
    try:
        msg = json.loads(body)
        if msg.get("method") not in (
            "textDocument/didChange",
            "textDocument/didOpen",
            "textDocument/didClose",
        ):
            return None
        uri = msg["params"]["textDocument"]["uri"]
    except Exception:  # malformed: the protocol answers it; nothing is stale because of it
        return None
    return uri if isinstance(uri, str) else None


class Incoming:
    """Framed messages from ``stream``, read by a thread into an asyncio queue."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        # read the file descriptor itself: a daemon thread blocked inside a buffered
        # stream's read would abort the interpreter at exit
        try:
            self._fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):
            self._fd = None
        self._buf = bytearray()
        self.read: dict[str, int] = {}  # uri -> document notifications read (reader thread)
        self.handled: dict[str, int] = {}  # uri -> document notifications handled (loop)
        self.queue: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.queue = asyncio.Queue()
        threading.Thread(target=self._run, name="lsp-reader", daemon=True).start()

    def _put(self, item) -> None:
        assert self._loop is not None and self.queue is not None
        with contextlib.suppress(RuntimeError):  # the loop has closed (exit)
            self._loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def _run(self) -> None:
        try:
            while True:
                body = self._read_message()
                if body is None:
                    break
                uri = _document_uri(body)
                if uri is not None:
                    self.read[uri] = self.read.get(uri, 0) + 1
                self._put((body, uri))
        except Exception:  # a closed or broken stdin ends the session
            log.exception("reading the client's messages failed")
        self._put(None)

    def _fill(self) -> bool:
        """Read what is available from the stream into the buffer; False at its end."""
        if self._fd is not None:
            chunk = os.read(self._fd, 1 << 16)
        else:
            chunk = self.stream.read1(1 << 16) if hasattr(self.stream, "read1") else b""
        if not chunk:
            return False
        self._buf += chunk
        return True

    def _read_message(self) -> bytes | None:
        """The body of the next framed message; None at the end of the stream."""
        while True:
            end = self._buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            if not self._fill():
                return None
        length = None
        for line in bytes(self._buf[:end]).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    length = None
        del self._buf[: end + 4]
        if length is None:
            return self._read_message()  # headers without a length: nothing to read
        while len(self._buf) < length:
            if not self._fill():
                return None
        body = bytes(self._buf[:length])
        del self._buf[:length]
        return body

    def taken(self, uri: str | None) -> None:
        """The loop starts handling a message (called before the handler runs)."""
        if uri is not None:
            self.handled[uri] = self.handled.get(uri, 0) + 1

    def stale(self, uri: str) -> bool:
        """Whether a newer notification about ``uri`` was read but not handled yet."""
        return self.read.get(uri, 0) > self.handled.get(uri, 0)


async def serve(server, incoming: Incoming) -> None:
    """Hand each message to the protocol in order, as pygls's own loop does."""
    from pygls.exceptions import JsonRpcException

    incoming.start(asyncio.get_running_loop())
    protocol = server.protocol
    assert incoming.queue is not None
    while not server._stop_event.is_set():
        item = await incoming.queue.get()
        if item is None:
            break
        body, uri = item
        incoming.taken(uri)
        try:
            message = json.loads(body, object_hook=protocol.structure_message)
            protocol.handle_message(message)
        except Exception as exc:
            log.exception("Unable to handle message")
            server.report_server_error(exc, JsonRpcException)
