"""Run `check` over real checkouts and count the handler rules' findings.

    python benchmarks/real_code.py /path/to/checkout [...] [--sample N] [--codes IV001,RL001]

Checkouts stay outside the repository. For each path this runs
``python -m backend_architect check --output-format json`` (this worktree's
package), prints the number of routes extracted, the findings per rule, the
time taken, and with ``--sample`` a seeded random sample of findings with the
source line, for checking by hand.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANDLER_PREFIXES = ("IV001", "AU", "AZ", "RL", "CP", "API", "EV")
SKIP_DIRS = {"node_modules", ".git", "vendor", "dist", "build", ".venv", "venv", "__pycache__"}


def run_check(path: str) -> tuple[list[dict], float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "backend_architect", "check", "--output-format", "json", path],
        capture_output=True,
        text=True,
        env=env,
        cwd=path,
    )
    elapsed = time.perf_counter() - started
    try:
        return json.loads(proc.stdout or "[]"), elapsed
    except json.JSONDecodeError:
        sys.stderr.write(proc.stderr[-2000:])
        return [], elapsed


def count_routes(path: str) -> collections.Counter:
    sys.path.insert(0, str(ROOT / "server"))
    from backend_architect.app.routes import extract_routes
    from backend_architect.core.document import Document, language_for_path

    frameworks: collections.Counter = collections.Counter()
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            p = os.path.join(dirpath, name)
            if language_for_path(p) in (None, "sql"):
                continue
            try:
                text = Path(p).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            for r in extract_routes(Document(text, path=p)):
                frameworks[r.framework] += 1
    return frameworks


def source_line(filename: str, row: int) -> str:
    try:
        return (
            Path(filename)
            .read_text(encoding="utf-8", errors="replace")
            .splitlines()[row - 1]
            .strip()[:160]
        )
    except (OSError, IndexError):
        return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument(
        "--sample", type=int, default=0, help="print N random handler findings to check by hand"
    )
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument(
        "--codes",
        default="",
        help="comma-separated codes to sample from (default: every handler rule)",
    )
    args = ap.parse_args()
    totals: collections.Counter = collections.Counter()
    everything = []
    for path in args.paths:
        path = os.path.abspath(path)
        findings, elapsed = run_check(path)
        mine = [f for f in findings if f["code"].startswith(HANDLER_PREFIXES)]
        per = collections.Counter(f["code"] for f in mine)
        routes = count_routes(path)
        totals.update(per)
        everything.extend(mine)
        print(
            f"{os.path.basename(path)}: {sum(routes.values())} routes {dict(routes)}; "
            f"{len(mine)} handler findings in {elapsed:.1f}s: {dict(sorted(per.items()))}"
        )
    print(f"\nTOTAL {sum(totals.values())}: {dict(sorted(totals.items()))}")
    if args.sample:
        pool = everything
        if args.codes:
            wanted = set(args.codes.split(","))
            pool = [f for f in pool if f["code"] in wanted]
        rng = random.Random(args.seed)
        sample = rng.sample(pool, min(args.sample, len(pool)))
        print(f"\nSAMPLE of {len(sample)}:")
        for i, f in enumerate(
            sorted(sample, key=lambda f: (f["code"], f["filename"], f["location"]["row"])), 1
        ):
            row = f["location"]["row"]
            print(
                f"{i:3}. {f['code']} {f['filename']}:{row}\n     {f['message']}\n     > {source_line(f['filename'], row)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
