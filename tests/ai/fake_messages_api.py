"""A local HTTP server that speaks enough of the Anthropic Messages API for the
real SDK: JSON answers, SSE streams with tool_use blocks (input_json_delta),
error statuses and malformed bodies. 127.0.0.1 only; started in a thread."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def tool_message(tool_input: dict, name: str = "propose_changes") -> dict:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "tool_use", "id": "toolu_test", "name": name, "input": tool_input}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 20},
    }


class FakeMessagesAPI:
    def __init__(self) -> None:
        self.script: list[dict] = []
        self.requests: list[dict] = []
        self.disconnected = threading.Event()
        self.received = threading.Event()  # set when a request has arrived
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                api.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                step = api.script.pop(0) if api.script else {"kind": "status", "status": 500}
                api.received.set()
                try:
                    getattr(self, "_" + step["kind"])(step, body)
                except (BrokenPipeError, ConnectionResetError):
                    api.disconnected.set()

            def _send(self, status: int, payload: bytes, ctype: str = "application/json", extra=None):
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(payload)))
                self.send_header("request-id", "req_test")
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def _json(self, step, body):
                self._send(200, json.dumps(tool_message(step["input"], step.get("name", "propose_changes"))).encode())

            def _status(self, step, body):
                status = step["status"]
                err = {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": step.get("message", "failure")}}
                self._send(status, json.dumps(err).encode(), extra={"retry-after": "0"} if status == 429 else None)

            def _raw(self, step, body):
                self._send(step.get("status", 200), step["body"], step.get("ctype", "application/json"))

            def _sse(self, step, body):
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                msg = tool_message({}, step.get("name", "propose_changes"))
                start = dict(msg, content=[], stop_reason=None)
                text = step.get("partial") or json.dumps(step["input"])
                n = max(1, step.get("chunks", 4))
                size = max(1, -(-len(text) // n))
                events = [("message_start", {"type": "message_start", "message": start})]
                events.append(("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_test", "name": msg["content"][0]["name"], "input": {}}}))
                for i in range(0, len(text), size):
                    events.append(("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": text[i : i + size]}}))
                if not step.get("hang"):
                    events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
                    events.append(("message_delta", {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}, "usage": {"output_tokens": 20}}))
                    events.append(("message_stop", {"type": "message_stop"}))
                for name, data in events:
                    self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(step.get("delay", 0))
                if step.get("hang"):
                    # keep the connection open, sending pings, until the client goes away
                    deadline = time.monotonic() + step.get("hang", 10)
                    while time.monotonic() < deadline:
                        self.wfile.write(b'event: ping\ndata: {"type": "ping"}\n\n')
                        self.wfile.flush()
                        time.sleep(0.05)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset(self) -> None:
        self.script.clear()
        self.requests.clear()
        self.disconnected.clear()
        self.received.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
