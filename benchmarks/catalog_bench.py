"""Catalog build time and memory for a generated project with N migration files.

    python benchmarks/catalog_bench.py [--files 1000]

Measures, each in a fresh subprocess so module caches do not leak between runs:
- cold: no on-disk cache (every file read and parsed);
- warm: a restart with the on-disk cache (files stat'ed, nothing parsed);
- in-process re-apply after one file changed (what the server does on save).
Peak memory is the tracemalloc peak of the build plus the process's max RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def generate(folder: str, files: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    mig = os.path.join(folder, "migrations")
    os.makedirs(mig, exist_ok=True)
    tables: list[str] = []
    for i in range(files):
        name = f"{20240101000000 + i * 100}_step_{i}.sql"
        kind = i % 5
        if kind in (0, 1) or len(tables) < 3:
            t = f"table_{i}"
            ref = rng.choice(tables) if tables else None
            cols = ",\n  ".join(
                f"col_{j} {rng.choice(['text', 'bigint', 'timestamptz', 'varchar(80)', 'jsonb', 'boolean'])}"
                f"{' NOT NULL' if rng.random() < 0.4 else ''}"
                for j in range(rng.randint(4, 14))
            )
            fk = f",\n  {ref}_id bigint REFERENCES {ref} (id)" if ref else ""
            sql = (
                f"CREATE TABLE {t} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n  {cols}{fk},\n"
                f"  created_at timestamptz NOT NULL DEFAULT now()\n);\n"
                f"CREATE INDEX idx_{t}_created ON {t} (created_at DESC);\n"
            )
            tables.append(t)
        elif kind == 2:
            t = rng.choice(tables)
            sql = f"ALTER TABLE {t} ADD COLUMN extra_{i} text;\nALTER TABLE {t} ALTER COLUMN extra_{i} SET DEFAULT 'x';\n"
        elif kind == 3:
            t = rng.choice(tables)
            sql = (
                f"CREATE INDEX CONCURRENTLY idx_{t}_{i} ON {t} (lower(col_0)) WHERE created_at > '2024-01-01';\n"
                f"COMMENT ON TABLE {t} IS 'step {i}';\n"
            )
        else:
            t = rng.choice(tables)
            sql = (
                f"DO $$ BEGIN RAISE NOTICE 'step {i}'; END $$;\n"
                f"ALTER TABLE {t} RENAME COLUMN col_1 TO col_1_{i};\n"
                f"INSERT INTO {t} (col_0) VALUES ('seed');\n"
            )
        with open(os.path.join(mig, name), "w") as fh:
            fh.write(f"-- migration {i}\n{sql}")


CHILD = r"""
import json, os, sys, time, tracemalloc, resource
sys.path.insert(0, os.path.join(sys.argv[1], "server"))
from backend_architect.catalog import build_for_paths
mode, folder, trace = sys.argv[2], sys.argv[3], sys.argv[4] == "1"
if trace:  # memory run: tracemalloc slows allocation down, so it is timed separately
    tracemalloc.start()
t0 = time.perf_counter()
cat = build_for_paths([folder], None)
elapsed = time.perf_counter() - t0
out = {"mode": mode, "tables": len(cat.tables()), "files": len(cat.sources), "from_cache": cat.from_cache}
if trace:
    out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))
    sys.exit(0)
out["seconds"] = round(elapsed, 3)
if mode == "warm":
    # the server's re-apply on save: one file changed, everything else from memory
    path = cat.sources[len(cat.sources) // 2]
    with open(path, "a") as fh:
        fh.write("\n-- touched\n")
    t0 = time.perf_counter()
    again = build_for_paths([folder], None)
    out["reapply_one_changed_seconds"] = round(time.perf_counter() - t0, 3)
    out["reapply_reused"] = again.from_cache
out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps(out))
"""


def run(mode: str, folder: str, cache: str, trace: bool = False) -> dict:
    env = dict(os.environ, BACKEND_ARCHITECT_CACHE_DIR=cache)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, ROOT, mode, folder, "1" if trace else "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "project")
        cache = os.path.join(tmp, "cache")
        generate(folder, args.files)
        size = sum(
            os.path.getsize(os.path.join(folder, "migrations", f))
            for f in os.listdir(os.path.join(folder, "migrations"))
        )
        print(f"{args.files} migration files, {size / 1024:.0f} KiB of SQL")
        cold_mem = run("cold", folder, cache + "-mem", trace=True)
        warm_mem = run("warm", folder, cache + "-mem", trace=True)
        cold = run("cold", folder, cache)
        warm = run("warm", folder, cache)
        for r in (cold, warm, cold_mem, warm_mem):
            print(json.dumps(r))
        cache_size = sum(
            os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(cache) for f in fs
        )
        # (the warm timing run appended a comment to one file; the memory runs came before it)
        print(f"on-disk cache: {cache_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
