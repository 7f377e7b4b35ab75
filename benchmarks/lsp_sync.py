"""Document sync checks shared by the property tests and ``fuzz_sync.py``.

- :class:`ClientText`: the editor's side of LSP text sync, written from the spec on
  Python strings (no code shared with the server): lines end at ``\\n``, ``\\r\\n``
  or ``\\r`` only, columns count UTF-16 code units, UTF-8 bytes or code points, a
  column past the end of a line means the end of that line, a line past the end
  means the end of the document.
- :class:`SyncSession`: the real server over stdio, driven synchronously.
- Hypothesis strategies for documents mixing every kind of separator and
  multi-byte characters, and for edits of them.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import time
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lspclient import Client  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SERVER_CMD = [sys.executable, "-m", "backend_architect", "serve"]

BREAK_RE = re.compile(r"\r\n|\r|\n")
# line breaks for LSP, and characters other line splitters (str.splitlines) break on
LSP_BREAKS = ["\n", "\r\n", "\r"]
NOT_BREAKS = ["\u2028", "\u2029", "\x85", "\f", "\v", "\x1c", "\x1d", "\x1e"]
WIDE = ["é", "表", "数据", "😀", "𝄞", "🇫🇷", "\u0301", "ß"]

ENCODINGS = ["utf-16", "utf-8", "utf-32"]


def server_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "server"), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("BACKEND_ARCHITECT_AI", None)
    return env


# -- the client's side ------------------------------------------------------------------


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-32":
        return len(text)
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


class ClientText:
    """What the editor holds, and how it turns positions into string indices."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding

    def lines(self) -> list[tuple[int, int]]:
        """(start, end of the line's text) string indices, one per line."""
        out = []
        start = 0
        for m in BREAK_RE.finditer(self.text):
            out.append((start, m.start()))
            start = m.end()
        out.append((start, len(self.text)))
        return out

    def index(self, line: int, character: int) -> int:
        lines = self.lines()
        if line >= len(lines):
            return len(self.text)
        start, end = lines[line]
        count = 0
        for i in range(start, end):
            if count >= character:
                return i
            count += units(self.text[i], self.encoding)
        return end

    def position(self, index: int) -> tuple[int, int]:
        for n, (start, end) in enumerate(self.lines()):
            if index <= end:
                return n, units(self.text[start:index], self.encoding)
        raise ValueError(index)

    def apply(self, rng, new_text: str) -> None:
        if rng is None:
            self.text = new_text
            return
        (sl, sc), (el, ec) = rng
        s, e = self.index(sl, sc), self.index(el, ec)
        s, e = min(s, e), max(s, e)
        self.text = self.text[:s] + new_text + self.text[e:]

    def contains(self, rng: dict) -> bool:
        """Whether an LSP range lies inside the document, on character boundaries."""
        lines = self.lines()
        for key in ("start", "end"):
            pos = rng[key]
            if not 0 <= pos["line"] < len(lines):
                return False
            start, end = lines[pos["line"]]
            text = self.text[start:end]
            offsets = {0}
            count = 0
            for ch in text:
                count += units(ch, self.encoding)
                offsets.add(count)
            if pos["character"] not in offsets:
                return False
        s, e = rng["start"], rng["end"]
        return (s["line"], s["character"]) <= (e["line"], e["character"])


# -- documents and edits ------------------------------------------------------------------

SEEDS = {
    "query.sql": "-- page\fbreak\nDELETE FROM users WHERE id = 1;\nSELECT * FROM orders WHERE id NOT IN (SELECT order_id FROM refunds);\n",
    "migrations/0002_add_flag.sql": (
        "CREATE INDEX idx_posts_user ON posts (user_id);\n"
        "ALTER TABLE posts ADD COLUMN flag boolean NOT NULL DEFAULT false;\n"
        "ALTER TABLE posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (a) REFERENCES users (id);\n"
    ),
    "app.py": 'import sqlite3\n\ndef f(cur, uid):\n    cur.execute(f"DELETE FROM users WHERE id = {uid}")\n    cur.execute("SELECT * FROM orders")\n',
    "app.ts": 'export async function f(db: any, id: string) {\n  await db.query(`DELETE FROM users WHERE id = ${id}`);\n  await db.query("SELECT * FROM orders");\n}\n',
    "main.go": 'package main\n\nfunc f(db *sql.DB, id string) {\n\tdb.Exec("DELETE FROM users WHERE id = " + id)\n\tdb.Query("SELECT * FROM orders")\n}\n',
}
LANGUAGE_IDS = {".sql": "sql", ".py": "python", ".ts": "typescript", ".go": "go"}

FRAGMENTS = [
    "SELECT * FROM t;",
    "DELETE FROM users;",
    " WHERE id = 1",
    "CREATE INDEX i ON t (a);",
    "BEGIN;",
    "COMMIT;",
    "-- name: ListPosts :many",
    "-- +goose Down",
    "-- noqa",
    "#noqa:IV010",
    "// noqa",
    "'",
    '"',
    "`",
    "$$",
    ";",
    "(",
    ")",
    "--",
    "/*",
    "*/",
    "x",
    " ",
    "\t",
    'cur.execute("SELECT 1")',
    'db.Query("SELECT 1")',
]

pieces = st.sampled_from(LSP_BREAKS + NOT_BREAKS + WIDE + FRAGMENTS)
insert_texts = st.lists(pieces, max_size=4).map("".join)


@st.composite
def positions(draw, client: ClientText):
    """A position on a character boundary, sometimes past the end of its line or of the document."""
    lines = client.lines()
    line = draw(st.integers(0, len(lines)))  # len(lines): past the end
    if line == len(lines):
        return line, draw(st.integers(0, 3))
    start, end = lines[line]
    if draw(st.integers(0, 9)) == 0:  # past the end of the line
        return line, units(client.text[start:end], client.encoding) + draw(st.integers(1, 5))
    k = draw(st.integers(0, end - start))
    return line, units(client.text[start : start + k], client.encoding)


@st.composite
def changes(draw, client: ClientText):
    """One content change for ``client``'s text: (range or None, new text)."""
    if draw(st.integers(0, 30)) == 0:
        return None, draw(st.lists(pieces, max_size=12).map("".join))
    a = draw(positions(client))
    b = draw(positions(client)) if draw(st.booleans()) else a
    if draw(st.integers(0, 19)) != 0:  # now and then a reversed range
        a, b = min(a, b), max(a, b)
    return (a, b), draw(insert_texts)


def change_json(rng, text: str) -> dict:
    if rng is None:
        return {"text": text}
    (sl, sc), (el, ec) = rng
    return {
        "range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}},
        "text": text,
    }


# -- the server's side ----------------------------------------------------------------------


class SyncSession:
    """The real server over stdio: open, change, read back its text and diagnostics."""

    def __init__(self, root: Path, encoding: str = "utf-16") -> None:
        self.root = root
        self.client = Client(SERVER_CMD, env=server_env(), cwd=str(root))
        init = self.client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": "ws"}],
                "capabilities": {"general": {"positionEncodings": [encoding]}},
                # QO002 is off by default; the sync checks use it as a rule that reacts to a WHERE being deleted
                "initializationOptions": {"postgresVersion": 15, "extendSelect": ["QO002"]},
            },
        )
        self.encoding = init["result"]["capabilities"].get("positionEncoding", "utf-16")
        assert self.encoding == encoding, (self.encoding, encoding)
        self.client.notify("initialized", {})
        self.published: dict[str, dict] = {}
        self.messages: list[dict] = []  # every other notification (showMessage, logMessage, ...)

    def _drain(self) -> None:
        q = self.client.notifications
        while not q.empty():
            _, msg = q.get_nowait()
            if msg.get("method") == "textDocument/publishDiagnostics":
                self.published[msg["params"]["uri"]] = msg["params"]
            else:
                self.messages.append(msg)

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def open(self, rel: str, text: str, version: int = 1) -> str:
        uri = self.uri(rel)
        lang = LANGUAGE_IDS.get(Path(rel).suffix, "plaintext")
        self.client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": lang, "version": version, "text": text}},
        )
        return uri

    def change(self, uri: str, version: int, content_changes: list[dict]) -> None:
        self.client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": content_changes},
        )

    def close_doc(self, uri: str) -> None:
        self.client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def text(self, uri: str) -> str | None:
        """The server's copy (also a barrier: notifications sent before it have been handled)."""
        res = self.client.request("backend-architect/viewFileText", {"textDocument": {"uri": uri}})
        self._drain()
        return res.get("result")

    def diagnostics(self, uri: str, version: int, timeout: float = 60) -> list[dict]:
        """The diagnostics published for ``version`` of ``uri``."""
        deadline = time.monotonic() + timeout
        while True:
            self._drain()
            got = self.published.get(uri)
            if got is not None and got.get("version") == version:
                return got["diagnostics"]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no diagnostics for version {version} of {uri}")
            time.sleep(0.005)

    def request(self, method: str, params) -> dict:
        res = self.client.request(method, params)
        self._drain()
        return res

    def close(self) -> int | None:
        self.client.close()
        return self.client.proc.returncode


def comparable(diags: list[dict]) -> list[tuple]:
    """Diagnostics without the version they were published for."""
    out = []
    for d in diags:
        r = d["range"]
        out.append(
            (
                r["start"]["line"],
                r["start"]["character"],
                r["end"]["line"],
                r["end"]["character"],
                d.get("code"),
                d.get("message"),
                d.get("severity"),
            )
        )
    return sorted(out)


def check_sync(session: SyncSession, uri: str, client: ClientText, version: int) -> list[dict]:
    """The invariants after every edit: same text, current diagnostics, ranges inside the document."""
    server_text = session.text(uri)
    assert server_text == client.text, f"server text {server_text!r} != client text {client.text!r}"
    diags = session.diagnostics(uri, version)
    for d in diags:
        assert client.contains(d["range"]), (
            f"{d['code']} range {d['range']} is outside {client.text!r}"
        )
    return diags


def check_full(
    session: SyncSession, uri: str, rel: str, client: ClientText, version: int, diags: list[dict]
) -> None:
    """Incremental == full: reopening the final text (a fresh analysis) publishes the same diagnostics."""
    session.close_doc(uri)
    session.text(uri)  # barrier: the close (and its empty diagnostics) has been handled
    session.published.pop(uri, None)
    session.open(rel, client.text, version)
    fresh = session.diagnostics(uri, version)
    assert comparable(diags) == comparable(fresh), (
        f"incremental {comparable(diags)} != full {comparable(fresh)} for {client.text!r}"
    )


# -- the state machine ----------------------------------------------------------------------

_counter = itertools.count()
STATS = {"edits": 0, "changes": 0}  # counted for fuzz_sync.py's edits/s


class SyncMachine(RuleBasedStateMachine):
    """One open document per run; ``session`` is set by the test that runs the machine."""

    session: SyncSession

    @initialize(rel=st.sampled_from(sorted(SEEDS)))
    def open_document(self, rel):
        n = next(_counter)
        folder, name = rel.rsplit("/", 1) if "/" in rel else ("", rel)
        self.rel = f"{folder}/{n}_{name}".lstrip("/") if folder else f"run{n}/{name}"
        self.client = ClientText(SEEDS[rel], self.session.encoding)
        self.version = 1
        self.uri = self.session.open(self.rel, self.client.text, self.version)
        self.diags = check_sync(self.session, self.uri, self.client, self.version)

    @rule(data=st.data(), count=st.integers(1, 3))
    def edit(self, data, count):
        batch = []
        for _ in range(count):  # the changes of one didChange apply one after the other
            rng, text = data.draw(changes(self.client))
            self.client.apply(rng, text)
            batch.append(change_json(rng, text))
        STATS["edits"] += 1
        STATS["changes"] += count
        self.version += 1
        self.session.change(self.uri, self.version, batch)

    @invariant()
    def in_sync(self):
        if hasattr(self, "uri"):
            self.diags = check_sync(self.session, self.uri, self.client, self.version)

    def teardown(self):
        if hasattr(self, "uri"):
            check_full(self.session, self.uri, self.rel, self.client, self.version, self.diags)
            self.session.close_doc(self.uri)
