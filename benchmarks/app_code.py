"""`check` on large application repositories against ruff and semgrep, in the same runs.

    python benchmarks/app_code.py [--runs N] [--corpus DIR] [--repo owner+name ...] [--baseline DIR]

For each repository checked out under the corpus folder ($BENCH_CORPUS, else a
``corpus-git`` folder above this checkout; absent ones are skipped with a message), the
runs are interleaved, one round at a time: ``ruff check`` with its default rules and with
``--select ALL`` (Python only, ``--isolated --no-cache``: ruff's own defaults, not the
repository's configuration, nothing reused), ``semgrep`` offline with the small rule file
``semgrep_rules.yml`` next to this script, then our ``check`` cold (a fresh results
cache) with ``--jobs 1`` and with the default jobs, and warm (the cache the cold run
wrote, nothing changed). Prints medians, the ratio to ruff's default rules (Python) and
to semgrep in the same run, the CPU time of each run's processes (user + system, a
steadier measure than wall time on a loaded machine) and the peak RSS of the largest.
``--baseline DIR`` (another version's checkout, or a copy of its ``server`` folder's
parent) adds that version's cold runs to each round, for a before/after in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ENV = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
SEMGREP_RULES = HERE / "semgrep_rules.yml"
SKIP_DIRS = {"node_modules", ".git", "vendor", "dist", "build", ".venv", "venv", "__pycache__"}

# (checkout folder, language): large Python and TypeScript application repositories
REPOS = (
    ("healthchecks+healthchecks", "python"),
    ("netbox-community+netbox", "python"),
    ("saleor+saleor", "python"),
    ("outline+outline", "typescript"),
    ("Unleash+unleash", "typescript"),
)
SUFFIXES = {"python": (".py",), "typescript": (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")}


def default_corpus() -> Path:
    if os.environ.get("BENCH_CORPUS"):
        return Path(os.environ["BENCH_CORPUS"])
    for parent in ROOT.parents:
        if (parent / "corpus-git").is_dir():
            return parent / "corpus-git"
    return ROOT / "corpus-git"


def source_lines(folder: Path, language: str) -> tuple[int, int]:
    """(files, lines) of the repository's source in ``language``."""
    files = lines = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            if name.endswith(SUFFIXES[language]):
                files += 1
                with open(os.path.join(dirpath, name), "rb") as fh:
                    lines += fh.read().count(b"\n")
    return files, lines


def run_measured(
    cmd: list[str], cwd: Path, env: dict, json_out: bool = False
) -> tuple[float, float, float] | str:
    """(wall seconds, peak RSS in MB of the largest process, CPU seconds of all its processes)
    of one run; else why not: it could not start, or it failed (an exit status of 2 or more,
    a signal, or with ``json_out`` no JSON on its standard output: a Python tool that dies
    with a traceback exits 1, like one that found something), so a tool that crashed is
    not timed as if it had checked anything."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        except OSError as exc:
            return f"could not start: {exc}"
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        failed = code < 0 or code >= 2
        if not failed and json_out:
            try:
                json.loads(out.read())
            except ValueError:
                failed = True
        if failed:
            err.seek(0)
            said = err.read().decode(errors="replace").strip().splitlines()
            return f"failed (exit status {code}): {said[-1][:160] if said else 'no output'}"
    cpu = usage.ru_utime + usage.ru_stime  # with its worker processes: less skewed by load
    return wall, usage.ru_maxrss / 1024, cpu


# ``make bench`` installs semgrep into a virtual environment of its own (its pinned
# OpenTelemetry versions clash with the server's dependencies); that one comes first.
SEMGREP_VENV = ROOT / ".cache" / "semgrep-venv" / "bin"


def tool(name: str) -> str | None:
    own = [str(SEMGREP_VENV)] if name == "semgrep" else []
    for folder in [*own, str(Path(sys.executable).parent)]:
        found = shutil.which(name, path=folder)
        if found:
            return found
    return shutil.which(name)


def bench_repo(
    folder: Path, language: str, runs: int, work: Path, baseline: Path | None = None
) -> None:
    ruff, semgrep = tool("ruff"), tool("semgrep")
    check = [sys.executable, "-m", "backend_architect", "check", "--exit-zero"]
    check += ["--output-format", "json"]
    files, lines = source_lines(folder, language)
    print(f"  {folder.name} ({language}): {files:,} files, {lines:,} lines")
    results: dict[str, list[tuple[float, float, float]]] = {}
    failed: dict[str, str] = {}

    def measure(name: str, cmd: list[str], env: dict) -> None:
        out = run_measured(cmd, work, env, json_out="--json" in cmd or "json" in cmd)
        if isinstance(out, str):
            failed[name] = out
        else:
            results.setdefault(name, []).append(out)

    for rep in range(runs):
        cache = work.parent / "caches" / f"{folder.name}_{rep}"  # not in the runs' folder
        env = dict(ENV, BACKEND_ARCHITECT_CACHE_DIR=str(cache))
        if ruff and language == "python":
            base = [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet"]
            measure("ruff (default rules)", [*base, str(folder)], env)
            measure("ruff --select ALL", [*base, "--select", "ALL", str(folder)], env)
        if semgrep:
            sg_env = dict(env, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
            measure(
                "semgrep (local rules)",
                [semgrep, "scan", "--config", str(SEMGREP_RULES), "--metrics", "off"]
                + ["--disable-version-check", "--quiet", "--json", str(folder)],
                sg_env,
            )
        for jobs in ("1", None):
            extra = ["--jobs", jobs] if jobs else []
            label = " --jobs 1" if jobs else ""
            if baseline is not None:
                shutil.rmtree(cache, ignore_errors=True)
                old_env = dict(env, PYTHONPATH=str(baseline / "server"))
                measure("baseline cold" + label, [*check, *extra, str(folder)], old_env)
            shutil.rmtree(cache, ignore_errors=True)  # no results, no schema cache: cold
            measure("ours cold" + label, [*check, *extra, str(folder)], env)
        # the cache the last cold run wrote: nothing changed, nothing to check again
        measure("ours warm", [*check, str(folder)], env)
        shutil.rmtree(cache, ignore_errors=True)
    if not ruff and language == "python":
        print("    ruff: not installed (pip install ruff)")
    if not semgrep:
        print("    semgrep: not installed (`make bench` installs it in .cache/semgrep-venv)")
    for name, why in failed.items():
        print(f"    {name}: {why} (not timed)")
    peers = {
        name: statistics.median(v[0] for v in values)
        for name, values in results.items()
        if name in ("ruff (default rules)", "semgrep (local rules)")
    }
    for name, values in results.items():
        t = statistics.median(v[0] for v in values)
        rss = max(v[1] for v in values)
        cpu = statistics.median(v[2] for v in values)
        ratios = "".join(
            f"   {t / base:6.2f}x {peer.split()[0]}" for peer, base in peers.items() if base
        )
        print(
            f"    {name:<24} {t:7.2f} s  CPU {cpu:7.2f} s  {lines / t:>10,.0f} lines/s"
            f"  peak RSS {rss:5.0f} MB{ratios}"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="interleaved rounds (medians of them)")
    ap.add_argument("--corpus", type=Path, default=None, help="folder of owner+name checkouts")
    ap.add_argument(
        "--repo", action="append", help="only this owner+name folder (repeatable; a path works too)"
    )
    ap.add_argument(
        "--baseline", type=Path, default=None, help="another version's checkout to time too"
    )
    args = ap.parse_args()
    if args.baseline is not None and not (args.baseline / "server").is_dir():
        ap.error(f"--baseline {args.baseline}: no server folder there")
    corpus = args.corpus or default_corpus()
    known = dict(REPOS)
    wanted = args.repo or [name for name, _ in REPOS]
    print(
        f"check on application code (medians of {args.runs}, interleaved; "
        f"ratio = time / the peer's in the same run; load {os.getloadavg()[0]:.1f})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in wanted:
            folder = Path(name) if os.sep in name else corpus / name
            if not folder.is_dir():
                print(f"  {name}: not checked out under {corpus}, skipped")
                continue
            language = known.get(folder.name)
            if language is None:
                has_py = next(folder.rglob("*.py"), None) is not None
                language = "python" if has_py else "typescript"
            work = Path(tmp) / "run"  # the folder the runs start in (their caches are beside it)
            work.mkdir(exist_ok=True)
            bench_repo(folder, language, args.runs, work, args.baseline)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
