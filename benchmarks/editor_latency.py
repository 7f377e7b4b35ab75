"""Editor latency per language and file size: the real server over stdio.

For SQL (a migration), Python (FastAPI), TypeScript (Express) and Go (Gin) files of
2,000 and 10,000 lines: single-character edits (typed or deleted) at random
positions, each timed from the didChange to the diagnostics published for that
version; then codeAction (with the diagnostics under the cursor, as an editor asks
for them) and hover at random findings. Prints p50/p95 per language and size and the
server's RSS at the end of each run. ``--memory N`` also runs N random edits over
the four documents open at once and prints the RSS after them.

    python benchmarks/editor_latency.py [--edits 100] [--sizes 2000,10000] [--memory 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from gen_sql import generate  # noqa: E402
from lspclient import Client  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
SERVER = [sys.executable, "-m", "backend_architect", "serve"]
MB = 1024 * 1024

PY_HEAD = (
    "from fastapi import APIRouter, Depends\nfrom sqlalchemy import text\nrouter = APIRouter()\n"
)
PY_HANDLER = """
@router.get("/items/{n}")
async def list_items_{n}(db=Depends(get_db), account_id: int = 0, name: str = ""):
    rows = db.execute(text("SELECT id, name FROM items WHERE account_id = :a ORDER BY id LIMIT 50"), {{"a": account_id}})
    for row in rows:
        db.execute(text("SELECT * FROM orders WHERE item_id = :i"), {{"i": row.id}})
    db.execute(text(f"SELECT id FROM items WHERE name = '{{name}}'"))
    return [dict(r) for r in rows]

"""
TS_HEAD = 'import express from "express";\nconst app = express();\n'
TS_HANDLER = """
app.get("/items/{n}", async (req, res) => {{
  const rows = await pool.query("SELECT id, name FROM items WHERE account_id = $1 LIMIT 50", [req.query.a]);
  for (const row of rows.rows) {{
    await pool.query("SELECT * FROM orders WHERE item_id = $1", [row.id]);
  }}
  res.json(rows.rows);
}});
"""
GO_HEAD = 'package main\n\nimport (\n\t"database/sql"\n\n\t"github.com/gin-gonic/gin"\n)\n\nvar db *sql.DB\n'
GO_HANDLER = """
func listItems{n}(c *gin.Context) {{
	rows, _ := db.Query("SELECT id, name FROM items WHERE account_id = $1 LIMIT 50", c.Query("a"))
	for rows.Next() {{
		var id int
		rows.Scan(&id)
		db.Query("SELECT * FROM orders WHERE item_id = $1", id)
	}}
	c.JSON(200, nil)
}}
"""
GO_ROUTES = "\nfunc routes(r *gin.Engine) {{\n{lines}}}\n"


def _repeat(head: str, unit: str, lines: int) -> str:
    per = unit.count("\n")
    return head + "".join(unit.format(n=i) for i in range(max(1, lines // per)))


def document(lang: str, lines: int) -> tuple[str, str, str]:
    """(relative path, languageId, text) of a ``lines``-line document."""
    if lang == "sql":
        return "migrations/0002_bench.sql", "sql", generate(lines)
    if lang == "python":
        return "app/api.py", "python", _repeat(PY_HEAD, PY_HANDLER, lines)
    if lang == "typescript":
        return "web/server.ts", "typescript", _repeat(TS_HEAD, TS_HANDLER, lines)
    count = max(1, lines // GO_HANDLER.count("\n"))
    routes = "".join(f'\tr.GET("/items/{i}", listItems{i})\n' for i in range(count))
    text = _repeat(GO_HEAD, GO_HANDLER, lines - count) + GO_ROUTES.format(lines=routes)
    return "cmd/api/main.go", "go", text


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def _position(text: str, offset: int) -> dict:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": len(text[start:offset].encode("utf-16-le")) // 2}


def rss_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


CAPABILITIES = {
    "textDocument": {
        "codeAction": {
            "resolveSupport": {"properties": ["edit"]},
            "codeActionLiteralSupport": {
                "codeActionKind": {"valueSet": ["quickfix", "source", "refactor"]}
            },
        }
    }
}


def start(root: Path) -> Client:
    client = Client(SERVER, env=ENV, cwd=str(root))
    client.request(
        "initialize",
        {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": CAPABILITIES},
    )
    client.notify("initialized", {})
    client.wait_notification(
        "backendArchitect/status",
        timeout=300,
        predicate=lambda p: p.get("state") in ("ready", "error"),
    )
    return client


def random_edit(rng: random.Random, text: str) -> tuple[str, dict]:
    """A one-character insertion or deletion at a random place: (new text, content change)."""
    offset = rng.randrange(len(text))
    if rng.random() < 0.5:
        end, new = offset + 1, ""
    else:
        end, new = offset, rng.choice("abcdefghijklmnopqrstuvwxyz _,;()'\n")
    change = {"range": {"start": _position(text, offset), "end": _position(text, end)}, "text": new}
    return text[:offset] + new + text[end:], change


def measure(lang: str, lines: int, edits: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        rel, lang_id, text = document(lang, lines)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        uri = path.as_uri()
        client = start(root)
        try:
            t0 = time.perf_counter()
            client.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": lang_id, "version": 1, "text": text}},
            )
            t1, params = client.wait_notification(
                "textDocument/publishDiagnostics",
                timeout=300,
                predicate=lambda p: p["uri"] == uri and p.get("version") == 1,
            )
            opened = t1 - t0
            latencies = []
            version = 1
            diags = params["diagnostics"]
            for _ in range(edits):
                text, change = random_edit(rng, text)
                version += 1
                t0 = time.perf_counter()
                client.notify(
                    "textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
                )
                t1, params = client.wait_notification(
                    "textDocument/publishDiagnostics",
                    timeout=300,
                    predicate=lambda p, v=version: p["uri"] == uri and p.get("version") == v,
                )
                latencies.append(t1 - t0)
                diags = params["diagnostics"] or diags
            actions, hovers = [], []
            for _ in range(min(edits, 50)):
                if not diags:
                    break
                target = rng.choice(diags)
                rng_ = target["range"]
                t0 = time.perf_counter()
                client.request(
                    "textDocument/codeAction",
                    {
                        "textDocument": {"uri": uri},
                        "range": rng_,
                        # as an editor asks while the cursor moves (its lightbulb)
                        "context": {
                            "diagnostics": [d for d in diags if d["range"] == rng_],
                            "triggerKind": 2,
                        },
                    },
                )
                actions.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                client.request(
                    "textDocument/hover",
                    {"textDocument": {"uri": uri}, "position": rng_["start"]},
                )
                hovers.append(time.perf_counter() - t0)
            rss = rss_of(client.proc.pid)
        finally:
            client.close()
    return {
        "lang": lang,
        "lines": lines,
        "open": opened,
        "edit": latencies,
        "codeAction": actions,
        "hover": hovers,
        "diagnostics": len(diags),
        "rss": rss,
    }


def memory_run(edits: int, seed: int = 11) -> tuple[int, int, float]:
    """RSS after ``edits`` random edits over four open 2,000-line documents (one per language):
    (RSS after opening, RSS at the end, seconds)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        state = {}
        for lang in ("sql", "python", "typescript", "go"):
            rel, lang_id, text = document(lang, 2000)
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            state[path.as_uri()] = [text, 1, lang_id]
        client = start(root)
        try:
            for uri, (text, version, lang_id) in state.items():
                client.notify(
                    "textDocument/didOpen",
                    {
                        "textDocument": {
                            "uri": uri,
                            "languageId": lang_id,
                            "version": version,
                            "text": text,
                        }
                    },
                )
                client.wait_notification(
                    "textDocument/publishDiagnostics",
                    timeout=300,
                    predicate=lambda p, u=uri: p["uri"] == u,
                )
            after_open = rss_of(client.proc.pid)
            t0 = time.perf_counter()
            uris = list(state)
            for i in range(edits):
                uri = rng.choice(uris)
                text, version, lang_id = state[uri]
                text, change = random_edit(rng, text)
                version += 1
                state[uri] = [text, version, lang_id]
                client.notify(
                    "textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
                )
                if i % 20 == 19 or i == edits - 1:  # a typing user waits now and then
                    client.wait_notification(
                        "textDocument/publishDiagnostics",
                        timeout=300,
                        predicate=lambda p, u=uri, v=version: (
                            p["uri"] == u and p.get("version") == v
                        ),
                    )
            elapsed = time.perf_counter() - t0
            return after_open, rss_of(client.proc.pid), elapsed
        finally:
            client.close()


def fmt(values: list[float]) -> str:
    if not values:
        return "        -"
    return f"{pct(values, 50) * 1000:6.1f} /{pct(values, 95) * 1000:6.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edits", type=int, default=100, help="edits per language and size")
    ap.add_argument("--sizes", default="2000,10000")
    ap.add_argument("--languages", default="sql,python,typescript,go")
    ap.add_argument(
        "--memory", type=int, default=0, help="edits of the memory run (0: no memory run)"
    )
    ap.add_argument(
        "--server-path",
        default=None,
        help="the server/ folder to run (default: this checkout's; another one to compare)",
    )
    args = ap.parse_args(argv)
    if args.server_path:
        ENV["PYTHONPATH"] = args.server_path
    sizes = [int(s) for s in args.sizes.split(",") if s]
    langs = [s for s in args.languages.split(",") if s]
    print(
        f"editor latency, {args.edits} random one-character edits per file (ms, p50 / p95)",
        flush=True,
    )
    print(
        f"{'language':<11}{'lines':>7}{'open':>8}{'edit -> diagnostics':>21}{'codeAction':>16}{'hover':>16}{'findings':>10}{'RSS MB':>8}"
    )
    rows = []
    for size in sizes:
        for lang in langs:
            r = measure(lang, size, args.edits)
            rows.append(r)
            print(
                f"{lang:<11}{size:>7}{r['open'] * 1000:>8.0f}{fmt(r['edit']):>21}{fmt(r['codeAction']):>16}"
                f"{fmt(r['hover']):>16}{r['diagnostics']:>10}{r['rss'] / MB:>8.0f}",
                flush=True,
            )
    if args.memory:
        after_open, end, secs = memory_run(args.memory)
        print(
            f"server RSS after {args.memory:,} random edits over four 2,000-line documents"
            f" ({secs:.0f} s): {end / MB:.0f} MB (after opening them: {after_open / MB:.0f} MB)",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
