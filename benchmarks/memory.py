"""Peak memory of `check` and of the server.

    python benchmarks/memory.py [--quick] [--only check|large|server]

* `check --jobs 1` and default jobs on generated SQL of 10k, 100k and 1M lines
  (1M lines in 100 files): the peak RSS of the main process (its own high-water
  mark, from wait4) and the peak of the sum over the process tree (sampled
  every 20 ms: worker processes included).
* one 1 MB and one 10 MB SQL file: time and peak RSS, to show that the cost
  grows linearly with the size.
* the server after 10,000 edits over stdio at random places in a SQL, a Python
  and a TypeScript document; and, in a fresh server, 40 keystrokes inside one
  50 KB statement.

Targets: `check` under 200 MB at 1M lines in 100 files; the server under
200 MB after 10,000 edits.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from gen_sql import generate  # noqa: E402
from lspclient import Client  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
MB = 1024 * 1024


def _tree_rss(pid: int) -> int:
    """RSS in bytes of ``pid`` and its children (one level: the worker processes)."""
    total = _status_kb(pid, "VmRSS")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        total += _status_kb(int(child), "VmRSS")
    return total * 1024


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def measure(cmd: list[str], cwd: Path) -> tuple[float, int, int, int]:
    """(seconds, main process peak RSS, peak RSS of the process tree, exit code) of one run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak_tree = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak_tree[0] = max(peak_tree[0], _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        print(f"    exit {proc.returncode}: {stderr.decode(errors='replace')[-400:]}")
    # ru_maxrss is in KiB on Linux; wait4 reports the child's own high-water mark
    return (
        elapsed,
        usage.ru_maxrss * 1024,
        max(peak_tree[0], usage.ru_maxrss * 1024),
        proc.returncode,
    )


def write_tree(folder: Path, lines: int, files: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        (folder / f"{i:04d}_migration.sql").write_text(generate(lines // files, seed=i))
    return folder


def check_cmd(path: Path, jobs: int | None) -> list[str]:
    cmd = [sys.executable, "-m", "backend_architect", "check", "--exit-zero", str(path)]
    return cmd + (["--jobs", str(jobs)] if jobs is not None else [])


def bench_check(root: Path, quick: bool) -> list[tuple]:
    rows = []
    sizes = [(10_000, 10), (100_000, 100)] + ([] if quick else [(1_000_000, 100)])
    for lines, files in sizes:
        folder = write_tree(root / f"check_{lines}" / "migrations", lines, files)
        for jobs in (1, None):
            secs, main, tree, _ = measure(check_cmd(folder, jobs), root)
            label = "--jobs 1" if jobs == 1 else "default jobs"
            rows.append((lines, files, label, secs, main, tree))
            print(
                f"check {lines:>9,} lines in {files:>3} files  {label:<12}  {secs:7.1f} s"
                f"   peak RSS {main / MB:6.0f} MB (process tree {tree / MB:6.0f} MB)",
                flush=True,
            )
    return rows


def bench_large(root: Path) -> None:
    folder = root / "large"
    folder.mkdir()
    (folder / "backend-architect.toml").write_text("max-file-bytes = 50000000\n")
    base = generate(20_000)
    results = []
    for mb in (1, 10):
        path = folder / f"big_{mb}mb.sql"
        reps = max(1, round(mb * MB / len(base)))
        path.write_text("\n".join(generate(20_000, seed=i) for i in range(reps)))
        size = path.stat().st_size
        secs, main, _, _ = measure(check_cmd(path, 1), folder)
        results.append((size, secs, main))
        print(
            f"check one {size / MB:5.1f} MB file ({size // 50:,} lines approx.)  {secs:7.1f} s   peak RSS {main / MB:6.0f} MB",
            flush=True,
        )
    (s1, t1, m1), (s2, t2, m2) = results
    print(f"  10 MB / 1 MB: size {s2 / s1:.1f}x, time {t2 / t1:.1f}x, peak RSS {m2 / m1:.1f}x")


PY_HANDLER = """
@router.get("/items/{n}")
async def list_items_{n}(db: Session, account_id: int):
    rows = db.execute(text("SELECT id, name FROM items_{n} WHERE account_id = :a ORDER BY id LIMIT 50"), {{"a": account_id}})
    for row in rows:
        db.execute(text("SELECT * FROM orders WHERE item_id = :i"), {{"i": row.id}})
    return [dict(r) for r in rows]
"""

TS_HANDLER = """
app.get("/items/{n}", async (req, res) => {{
  const rows = await pool.query("SELECT id, name FROM items_{n} WHERE account_id = $1 LIMIT 50", [req.query.a]);
  for (const row of rows.rows) {{
    await pool.query("SELECT * FROM orders WHERE item_id = $1", [row.id]);
  }}
  res.json(rows.rows);
}});
"""


def _documents(root: Path) -> list[tuple[Path, str, str]]:
    sql = generate(1000)
    py = (
        "from fastapi import APIRouter\nfrom sqlalchemy import text\nrouter = APIRouter()\n"
        + "".join(PY_HANDLER.format(n=i) for i in range(40))
    )
    ts = 'import express from "express";\nconst app = express();\n' + "".join(
        TS_HANDLER.format(n=i) for i in range(40)
    )
    out = []
    for rel, lang, text in (
        ("migrations/0001_init.sql", "sql", sql),
        ("app/api.py", "python", py),
        ("web/server.ts", "typescript", ts),
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        out.append((path, lang, text))
    return out


def _position(text: str, offset: int) -> dict:
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    return {"line": line, "character": offset - start}


def bench_server(root: Path, edits: int) -> None:
    work = root / "server"
    work.mkdir()
    (work / ".git").mkdir()
    docs = _documents(work)
    client = Client([sys.executable, "-m", "backend_architect", "serve"], env=ENV, cwd=str(work))
    rng = random.Random(11)
    try:
        client.request(
            "initialize", {"processId": os.getpid(), "rootUri": work.as_uri(), "capabilities": {}}
        )
        client.notify("initialized", {})
        client.wait_notification(
            "backendArchitect/status",
            timeout=120,
            predicate=lambda p: p.get("state") in ("ready", "error"),
        )
        state = {}
        for path, lang, text in docs:
            uri = path.as_uri()
            client.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": lang, "version": 1, "text": text}},
            )
            state[uri] = [text, 1]
        start_rss = _status_kb(client.proc.pid, "VmRSS") * 1024
        t0 = time.perf_counter()
        alphabet = "abcdefghijklmnopqrstuvwxyz _,;()'\"\n\t"
        for i in range(edits):
            uri = rng.choice(list(state))
            text, version = state[uri]
            offset = rng.randrange(len(text) + 1)
            if rng.random() < 0.5 and offset < len(text):
                end, new = offset + 1, ""
            else:
                end, new = offset, rng.choice(alphabet)
            change = {
                "range": {"start": _position(text, offset), "end": _position(text, end)},
                "text": new,
            }
            text = text[:offset] + new + text[end:]
            version += 1
            state[uri] = [text, version]
            client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
            )
            if i % 50 == 49:  # keep the client and the server in step (as a typing user is)
                client.wait_notification(
                    "textDocument/publishDiagnostics",
                    timeout=300,
                    predicate=lambda p, u=uri, v=version: p["uri"] == u and p.get("version") == v,
                )
            if i % 1000 == 999:
                print(
                    f"  after {i + 1:>6,} edits ({time.perf_counter() - t0:5.0f} s): server RSS"
                    f" {_status_kb(client.proc.pid, 'VmRSS') / 1024:.0f} MB",
                    flush=True,
                )
        uri, (text, version) = next(iter(state.items()))
        client.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}},
            timeout=300,
        )
        elapsed = time.perf_counter() - t0
        rss = _status_kb(client.proc.pid, "VmRSS") * 1024
        hwm = _status_kb(client.proc.pid, "VmHWM") * 1024
        print(
            f"server after {edits:,} random edits ({elapsed:.0f} s): RSS {rss / MB:.0f} MB"
            f" (after open {start_rss / MB:.0f} MB, peak {hwm / MB:.0f} MB)",
            flush=True,
        )
    finally:
        client.close()


def bench_keystrokes(root: Path, keys: int = 40) -> None:
    """Typing inside one 50 KB statement, in a fresh server: what each keystroke costs."""
    work = root / "keystrokes"
    (work / ".git").mkdir(parents=True)
    (work / "migrations").mkdir()
    client = Client([sys.executable, "-m", "backend_architect", "serve"], env=ENV, cwd=str(work))
    try:
        client.request(
            "initialize", {"processId": os.getpid(), "rootUri": work.as_uri(), "capabilities": {}}
        )
        client.notify("initialized", {})
        client.wait_notification(
            "backendArchitect/status",
            timeout=120,
            predicate=lambda p: p.get("state") in ("ready", "error"),
        )
        conditions = "\n   OR ".join(f"(id = {i} AND name = 'name {i}')" for i in range(1500))
        big = f"SELECT id, name, created_at\n  FROM items\n WHERE {conditions}\n ORDER BY id;\n"
        path = work / "queries" / "report.sql"
        path.parent.mkdir(exist_ok=True)
        path.write_text(big)
        uri = path.as_uri()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": big}},
        )
        client.wait_notification(
            "textDocument/publishDiagnostics",
            timeout=300,
            predicate=lambda p: p["uri"] == uri and p.get("version") == 1,
        )
        before = _status_kb(client.proc.pid, "VmRSS") * 1024
        line = big.count("\n") // 2
        col = big.split("\n")[line].index("= ") + 2  # inside a number: every version still parses
        t0 = time.perf_counter()
        for v in range(2, keys + 2):
            change = {
                "range": {
                    "start": {"line": line, "character": col},
                    "end": {"line": line, "character": col},
                },
                "text": "1",
            }
            client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": v}, "contentChanges": [change]},
            )
            client.wait_notification(
                "textDocument/publishDiagnostics",
                timeout=300,
                predicate=lambda p, v=v: p["uri"] == uri and p.get("version") == v,
            )
        per_key = (time.perf_counter() - t0) / keys
        after = _status_kb(client.proc.pid, "VmRSS") * 1024
        print(
            f"server: {keys} keystrokes inside one {len(big) // 1024} KB statement: {per_key * 1000:.0f} ms each,"
            f" RSS {before / MB:.0f} -> {after / MB:.0f} MB ({(after - before) / keys / MB:+.2f} MB per keystroke)",
            flush=True,
        )
    finally:
        client.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 1M-line run; 1,000 server edits")
    ap.add_argument("--only", choices=("check", "large", "server", "keystrokes"))
    ap.add_argument("--edits", type=int, default=None)
    args = ap.parse_args()
    # a private catalog cache: the runs measure the work, not a warm cache from earlier runs
    with tempfile.TemporaryDirectory() as tmp:
        ENV["BACKEND_ARCHITECT_CACHE_DIR"] = os.path.join(tmp, "cache")
        root = Path(tmp)
        if args.only in (None, "check"):
            bench_check(root, args.quick)
        if args.only in (None, "large"):
            bench_large(root)
        if args.only in (None, "server"):
            bench_server(root, args.edits or (1_000 if args.quick else 10_000))
        if args.only in (None, "keystrokes"):
            bench_keystrokes(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
