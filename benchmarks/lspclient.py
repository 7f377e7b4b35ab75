"""A minimal LSP client over stdio for benchmarks (JSON-RPC framing, a reader thread)."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time


class Client:
    def __init__(self, cmd: list[str], env: dict | None = None, cwd: str | None = None):
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
        )
        self.next_id = 0
        self.responses: dict[int, queue.Queue] = {}
        self.notifications: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            if "id" in msg and "method" not in msg:
                self.responses.setdefault(msg["id"], queue.Queue()).put(msg)
            elif "id" in msg and "method" in msg:
                # a server->client request (progress create, configuration...): answer null
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            else:
                self.notifications.put((time.perf_counter(), msg))

    def _send(self, msg: dict) -> None:
        body = json.dumps(msg).encode()
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def send_raw(self, body: bytes) -> None:
        """One framed message with any body (for malformed-message tests)."""
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def request(self, method: str, params, timeout: float = 60) -> dict:
        with self.lock:
            self.next_id += 1
            rid = self.next_id
        q = self.responses.setdefault(rid, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return q.get(timeout=timeout)

    def notify(self, method: str, params) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_notification(
        self, method: str, timeout: float = 60, predicate=None
    ) -> tuple[float, dict]:
        deadline = time.perf_counter() + timeout
        while True:
            t, msg = self.notifications.get(timeout=max(0.01, deadline - time.perf_counter()))
            if msg.get("method") == method and (predicate is None or predicate(msg["params"])):
                return t, msg["params"]

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
