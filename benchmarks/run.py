"""Benchmarks: the real server over stdio, and `check` against squawk and sqlfluff.

    python benchmarks/run.py [--quick]

Prints p50/p95 for initialize, diagnostics after open and after a one-character
edit on generated 2,000- and 10,000-line SQL files, code action and hover; then
times `backend-architect check`, `squawk` and `sqlfluff lint --dialect postgres`
on the same files in one run and prints lines/s and the ratios. The budgets are
in the README.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from gen_sql import generate  # noqa: E402
from lspclient import Client  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
SERVER = [sys.executable, "-m", "backend_architect", "serve"]
BARE_PYGLS = textwrap.dedent(
    """
    from pygls.lsp.server import LanguageServer
    LanguageServer("bare", "0").start_io()
    """
)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def fmt(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:7.1f} ms   p95 {pct(values, 95) * 1000:7.1f} ms   (n={len(values)})"


def initialize(cmd: list[str], root: Path, env: dict | None = None) -> tuple[float, Client]:
    t0 = time.perf_counter()
    client = Client(cmd, env=env or ENV, cwd=str(root))
    client.request(
        "initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}}
    )
    elapsed = time.perf_counter() - t0
    client.cpu_at_initialize = process_cpu(client.proc.pid)  # type: ignore[attr-defined]
    client.notify("initialized", {})
    return elapsed, client


def process_cpu(pid: int) -> float | None:
    """CPU seconds a running process has used so far, all its threads (Linux; None elsewhere)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as fh:
                total += int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


def _median_ratio(ours: list, bare: list) -> str:
    if not ours or not bare or None in ours or None in bare:
        return "n/a"
    return f"{statistics.median(ours) * 1000:.0f} ms vs {statistics.median(bare) * 1000:.0f} ms, {statistics.median(ours) / statistics.median(bare):.2f}x"


def bench_initialize(root: Path, runs: int, baseline: Path | None = None) -> None:
    """Spawn -> `initialize` answered: ours against a bare pygls server (the framework's own
    start-up is the floor), interleaved; wall time and the CPU time to the answer."""
    script = root / "bare_pygls.py"
    script.write_text(BARE_PYGLS)
    servers = [
        ("backend-architect", SERVER, ENV),
        ("bare pygls server", [sys.executable, str(script)], ENV),
    ]
    if baseline is not None:
        servers.append(("baseline", SERVER, dict(ENV, PYTHONPATH=str(baseline / "server"))))
    wall: dict[str, list[float]] = {name: [] for name, _, _ in servers}
    cpu: dict[str, list] = {name: [] for name, _, _ in servers}
    for _ in range(runs):
        for name, cmd, env in servers:
            t, c = initialize(cmd, root, env)
            wall[name].append(t)
            cpu[name].append(c.cpu_at_initialize)
            c.close()
    for name, _, _ in servers:
        print(f"initialize (spawn -> response)   {name:18} {fmt(wall[name])}")
    bare = "bare pygls server"
    for name, _, _ in servers:
        if name != bare:
            print(
                f"  {name}: wall {_median_ratio(wall[name], wall[bare])}; "
                f"CPU to the answer {_median_ratio(cpu[name], cpu[bare])} (load {os.getloadavg()[0]:.1f})"
            )


def bench_startup(root: Path, runs: int, baseline: Path | None = None) -> None:
    """`check --no-cache` on a one-statement file: CPU (user + system) on top of the
    interpreter's own start (`python -c pass`), medians of interleaved runs."""
    folder = root / "startup"
    folder.mkdir()
    (folder / "q.sql").write_text("SELECT id FROM users WHERE id = 1;\n")
    runs_of: dict[str, tuple[list[str], dict]] = {
        "python -c pass": ([sys.executable, "-c", "pass"], ENV),
        "check one file": ([*SERVER[:3], "check", "--no-cache", "q.sql"], ENV),
    }
    if baseline is not None:
        runs_of["baseline"] = (
            [*SERVER[:3], "check", "--no-cache", "q.sql"],
            dict(ENV, PYTHONPATH=str(baseline / "server")),
        )
    cpu: dict[str, list[float]] = {name: [] for name in runs_of}
    for _ in range(runs):
        for name, (cmd, env) in runs_of.items():
            cpu[name].append(run_measured(cmd, folder, env)[2])
    floor = statistics.median(cpu["python -c pass"])
    print(
        f"start-up: check --no-cache on one statement (medians of {runs}, load {os.getloadavg()[0]:.1f})"
    )
    print(f"  python -c pass              CPU {floor * 1000:6.1f} ms")
    for name in runs_of:
        if name != "python -c pass":
            own = statistics.median(cpu[name]) - floor
            print(
                f"  {name:27} CPU {statistics.median(cpu[name]) * 1000:6.1f} ms, {own * 1000:6.1f} ms of its own"
            )


def bench_document(root: Path, lines: int, edits: int) -> None:
    text = generate(lines)
    path = root / "migrations" / f"bench_{lines}.sql"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    uri = path.as_uri()
    _, client = initialize(SERVER, root)
    try:
        # the schema indexer reads the workspace's migrations (this file too) in the background;
        # measure edits once it is done, as a user typing after start-up would see them
        client.wait_notification(
            "backendArchitect/status",
            timeout=120,
            predicate=lambda p: p.get("state") in ("ready", "error"),
        )
        opens = []
        t0 = time.perf_counter()
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "sql", "version": 1, "text": text}},
        )
        t1, params = client.wait_notification(
            "textDocument/publishDiagnostics", predicate=lambda p: p["uri"] == uri
        )
        opens.append(t1 - t0)
        diags = params["diagnostics"]
        # one-character edits at a spot in the middle of the file, typed and deleted alternately
        lines_list = text.split("\n")
        line = len(lines_list) // 2
        col = len(lines_list[line])
        changes = []
        for v in range(2, edits + 2):
            insert = v % 2 == 0
            change = {
                "range": {
                    "start": {"line": line, "character": col},
                    "end": {"line": line, "character": col if insert else col + 1},
                },
                "text": " " if insert else "",
            }
            t0 = time.perf_counter()
            client.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": v}, "contentChanges": [change]},
            )
            t1, _ = client.wait_notification(
                "textDocument/publishDiagnostics",
                predicate=lambda p, v=v: p["uri"] == uri and p.get("version") == v,
            )
            changes.append(t1 - t0)
        actions, hovers = [], []
        target = diags[len(diags) // 2] if diags else None
        for _ in range(edits):
            if target is None:
                break
            t0 = time.perf_counter()
            client.request(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": target["range"],
                    "context": {"diagnostics": [target], "only": ["quickfix"]},
                },
            )
            actions.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            client.request(
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": target["range"]["start"]},
            )
            hovers.append(time.perf_counter() - t0)
        print(f"{lines:>6}-line SQL ({len(diags)} findings)")
        print(f"  diagnostics after open          {fmt(opens)}")
        print(f"  diagnostics after 1-char edit   {fmt(changes)}")
        if actions:
            print(f"  code action                     {fmt(actions)}")
            print(f"  hover                           {fmt(hovers)}")
    finally:
        client.close()


def timed(cmd: list[str], cwd: Path, runs: int = 3) -> float | None:
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            subprocess.run(
                cmd,
                cwd=cwd,
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=900,
            )
        except (FileNotFoundError, subprocess.TimeoutExpired):
            return None
        t = time.perf_counter() - t0
        best = t if best is None else min(best, t)
    return best


def bench_check(root: Path, quick: bool) -> None:
    folder = root / "check"
    folder.mkdir()
    total = 0
    for i in range(10):
        text = generate(2000, seed=i)
        (folder / f"{i:04d}_migration.sql").write_text(text)
        total += text.count("\n") + 1
    small = folder / "0000_migration.sql"
    small_lines = small.read_text().count("\n") + 1
    bin_dir = Path(sys.executable).parent
    squawk = shutil.which("squawk", path=str(bin_dir)) or shutil.which("squawk")
    sqlfluff = shutil.which("sqlfluff", path=str(bin_dir)) or shutil.which("sqlfluff")
    ours = timed(
        [sys.executable, "-m", "backend_architect", "check", "--exit-zero", str(folder)], root
    )
    print(f"check on {total} lines in 10 files")
    print(f"  backend-architect check   {ours:6.2f} s   {total / ours:>9,.0f} lines/s")
    if squawk:
        sq = timed([squawk, *sorted(str(p) for p in folder.glob("*.sql"))], root)
        print(
            f"  squawk                    {sq:6.2f} s   {total / sq:>9,.0f} lines/s   ours/squawk time ratio {ours / sq:.2f}x"
        )
    else:
        print("  squawk: not installed (pip install squawk-cli)")
    if sqlfluff and not quick:
        # sqlfluff skips files over 20,000 bytes unless told otherwise: make it lint the file
        (folder / ".sqlfluff").write_text(
            "[sqlfluff]\ndialect = postgres\nlarge_file_skip_byte_limit = 0\n"
        )
        sf = timed(
            [sqlfluff, "lint", "--dialect", "postgres", "--nofail", str(small)], folder, runs=1
        )
        ours_small = timed(
            [sys.executable, "-m", "backend_architect", "check", "--exit-zero", str(small)], root
        )
        print(f"check on {small_lines} lines (one file)")
        print(
            f"  backend-architect check   {ours_small:6.2f} s   {small_lines / ours_small:>9,.0f} lines/s"
        )
        print(
            f"  sqlfluff lint             {sf:6.2f} s   {small_lines / sf:>9,.0f} lines/s   sqlfluff/ours time ratio {sf / ours_small:.1f}x"
        )
    elif not sqlfluff:
        print("  sqlfluff: not installed (pip install sqlfluff)")


def run_measured(
    cmd: list[str], cwd: Path, env: dict, must_succeed: bool = False
) -> tuple[float, float, float]:
    """(wall seconds, peak RSS in MB, CPU seconds) of one run of ``cmd``: RSS of its own
    process, CPU (user + system) of it and the worker processes it waited for. On a loaded
    machine the CPU time is the steadier measure; the wall time is what a user waits.
    ``must_succeed``: a run that exits with a failure stops the benchmark instead of being
    timed as if it had done its work."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if must_succeed and proc.returncode != 0:
        raise SystemExit(f"benchmark run failed (exit status {proc.returncode}): {cmd[:3]}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _corpus() -> Path:
    """Where checked-out repositories live: $BENCH_CORPUS, else a ``corpus`` folder above this checkout."""
    if os.environ.get("BENCH_CORPUS"):
        return Path(os.environ["BENCH_CORPUS"])
    return next((p / "corpus" for p in ROOT.parents if (p / "corpus").is_dir()), ROOT / "corpus")


REAL_MIGRATIONS = (  # two large real PostgreSQL migration histories (diesel folders; golang-migrate files)
    ("LemmyNet+lemmy", "migrations"),
    ("goharbor+harbor", "make/migrations"),
)


# The least any CPython program built on pglast does before a rule runs: start the
# interpreter, load the parser extension (pglast's node classes and enumerations lazily, as
# `check` does: the extension imports them but parse_sql_json never uses them), read each
# file and hand it to libpg_query (no tree decoded).
FLOOR_IMPORT = (
    "import importlib.machinery, importlib.util, sys\n"
    "spec = importlib.util.find_spec('pglast')\n"
    "package = importlib.util.module_from_spec(spec)\n"
    "for sub in ('enums', 'ast'):\n"
    "    s = importlib.machinery.PathFinder.find_spec('pglast.' + sub, spec.submodule_search_locations)\n"
    "    s.loader = importlib.util.LazyLoader(s.loader)\n"
    "    m = importlib.util.module_from_spec(s)\n"
    "    s.loader.exec_module(m)\n"
    "    sys.modules[s.name] = m\n"
    "    setattr(package, sub, m)\n"
    "sys.modules['pglast'] = package\n"
    "spec.loader.exec_module(package)\n"
    "from pglast.parser import parse_sql_json\n"
)
FLOOR_PARSE = FLOOR_IMPORT + (
    "for name in sys.argv[1:]:\n"
    "    with open(name, 'rb') as fh:\n"
    "        text = fh.read().decode('utf-8', 'replace')\n"
    "    try:\n"
    "        parse_sql_json(text)\n"
    "    except Exception:\n"
    "        pass\n"
)


def bench_migrations(
    root: Path, squawk: str | None, runs: int, real: list[Path], quick: bool
) -> None:
    """Interleaved runs (squawk, ours cold, ours warm) on real migration histories and on
    generated SQL; medians, ratios to squawk's time in the same run, peak RSS. On the real
    histories the same rounds time the floor of a CPython check built on pglast: the
    interpreter alone, with the parser imported, and reading and parsing every file."""
    check = [
        sys.executable,
        "-m",
        "backend_architect",
        "check",
        "--exit-zero",
        "--output-format",
        "json",
    ]
    cases: list[tuple[str, Path, list[str]]] = []
    for folder in real:
        if folder.is_dir():
            files = sorted(str(p) for p in folder.rglob("*.sql"))
            lines = sum(Path(f).read_text(errors="replace").count("\n") for f in files)
            cases.append((f"{folder}: {len(files)} files, {lines:,} lines", folder, files))
    real_labels = {label for label, _, _ in cases}
    sizes = (2_000, 20_000) if quick else (2_000, 20_000, 200_000)
    for total in sizes:
        text = "\n".join(generate(2000, seed=i) for i in range(max(1, total // 2000)))
        one = root / f"gen_one_{total}"
        one.mkdir()
        (one / "all.sql").write_text(text)
        (one / "backend-architect.toml").write_text(
            "max-file-bytes = 100000000\n"
        )  # checked, not skipped
        split = root / f"gen_split_{total}"
        split.mkdir()
        for i in range(max(1, total // 2000)):
            (split / f"{i:04d}_m.sql").write_text(generate(2000, seed=i))
        n = text.count("\n") + 1
        cases.append((f"generated {n:,} lines, one file", one, [str(one / "all.sql")]))
        if total > 2000:
            cases.append(
                (
                    f"generated {n:,} lines, {total // 2000} files",
                    split,
                    sorted(str(p) for p in split.glob("*.sql")),
                )
            )
    print(
        f"check on migrations (medians of {runs}, interleaved; ratio = time / squawk's; RSS of the main process; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    caches = root / "caches"  # not beside the checked folders: nothing changes there between runs
    caches.mkdir()
    for label, folder, files in cases:
        big = sum(os.path.getsize(f) for f in files) > 5_000_000
        reps = 1 if big else runs
        results: dict[str, list[tuple[float, float, float]]] = {}
        for rep in range(reps):
            cache = caches / f"cache_{abs(hash(label))}_{rep}"
            env = dict(ENV, BACKEND_ARCHITECT_CACHE_DIR=str(cache))
            if squawk:
                results.setdefault("squawk", []).append(
                    run_measured([squawk, "--reporter", "json", *files], root, env)
                )
            for jobs in (None, "1"):
                extra = ["--jobs", jobs] if jobs else []
                name = "ours cold" + (" --jobs 1" if jobs else "")
                shutil.rmtree(cache, ignore_errors=True)  # no results, no schema cache: cold
                results.setdefault(name, []).append(
                    run_measured([*check, *extra, str(folder)], root, env)
                )
            # the per-file entries the last cold run wrote: nothing changed, nothing to check
            # again (the default-jobs run stored with them was removed with its cache)
            results.setdefault("ours warm, per file", []).append(
                run_measured([*check, str(folder)], root, env)
            )
            # the same invocation again: the stored run, nothing imported
            results.setdefault("ours warm, stored run", []).append(
                run_measured([*check, str(folder)], root, env)
            )
            if label in real_labels:
                floors = (
                    ("floor: python -c pass", ["-c", "pass"]),
                    ("floor: + load parser", ["-c", FLOOR_IMPORT]),
                    ("floor: + parse each file", ["-c", FLOOR_PARSE, *files]),
                )
                for name, args in floors:
                    results.setdefault(name, []).append(
                        run_measured([sys.executable, *args], root, env, must_succeed=True)
                    )
            shutil.rmtree(cache, ignore_errors=True)
        print(f"  {label}")
        sq = results.get("squawk")
        base = statistics.median(v[0] for v in sq) if sq else None
        base_cpu = statistics.median(v[2] for v in sq) if sq else None
        for name, values in results.items():
            t = statistics.median(v[0] for v in values)
            rss = max(v[1] for v in values)
            cpu = statistics.median(v[2] for v in values)
            ratio = f"   {t / base:6.2f}x squawk" if base else ""
            cpu_ratio = f" ({cpu / base_cpu:.2f}x)" if base_cpu else ""
            print(
                f"    {name:<22} {t:7.3f} s   CPU {cpu:6.3f} s{cpu_ratio}   peak RSS {rss:6.0f} MB{ratio}"
            )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--quick", action="store_true", help="fewer runs, skip sqlfluff and the 200k-line case"
    )
    ap.add_argument(
        "--only-check", action="store_true", help="only the `check` comparisons (no server)"
    )
    ap.add_argument(
        "--real",
        action="append",
        type=Path,
        help="a migrations folder to compare on (default: lemmy's and harbor's when checked out)",
    )
    ap.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of this project: its start-up is timed in the same rounds",
    )
    args = ap.parse_args()
    runs = 3 if args.quick else 10
    bin_dir = Path(sys.executable).parent
    squawk = shutil.which("squawk", path=str(bin_dir)) or shutil.which("squawk")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if not args.only_check:
            bench_initialize(root, runs, args.baseline)
            bench_startup(root, runs, args.baseline)
            for lines in (2000, 10000):
                bench_document(root, lines, 10 if args.quick else 40)
            bench_check(root, args.quick)
        bench_migrations(
            root,
            squawk,
            3 if args.quick else 5,
            args.real or [_corpus() / repo / sub for repo, sub in REAL_MIGRATIONS],
            args.quick,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
