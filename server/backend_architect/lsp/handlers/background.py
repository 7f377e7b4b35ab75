"""What the editor's database helpers share: work on one worker thread, then the document is
published again on the event loop (index advice checked with HypoPG, migration findings
sized by the development database)."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor


class Republisher:
    """Holds the server, its event loop and a one-worker pool; publishes a document again
    when a background result arrives (``republish(uri)`` replaces that in tests)."""

    def __init__(self, ls=None, republish=None) -> None:
        self.ls = ls
        self._republish = republish  # fn(uri), called on the event loop (tests: on the worker)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None  # one worker, made on first use
        self._logged: set[str] = set()

    def _call(self, fn, *args) -> None:
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(fn, *args)
        else:
            fn(*args)

    def _publish_again(self, uri: str) -> None:
        if self._republish is not None:
            self._republish(uri)
            return
        ls = self.ls
        open_doc = ls.documents.get(uri)
        snap = ls.session.snapshot(uri)
        if open_doc is None or snap is None or snap.document.version != open_doc.version:
            return  # closed, or an analysis of the newer text is on its way (it reads the cache)
        from .diagnostics import publish

        publish(ls, ls.session, snap)

    def _log_once(self, message: str) -> None:
        if message in self._logged or self.ls is None:
            return
        self._logged.add(message)
        from lsprotocol import types

        self._call(
            self.ls.window_log_message,
            types.LogMessageParams(type=types.MessageType.Info, message=message),
        )

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
