"""Database features: replay + trace of a generated migration history, plan-on-hover latency
on a warm connection, and the cost of the first connection.

    python benchmarks/db_bench.py [--migrations 300] [--rows 2000] [--hovers 200]

Needs PostgreSQL server binaries (and psycopg); starts its own throwaway server.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "server"))


def generate(folder: str, count: int, seed: int = 7) -> None:
    """A goose history: tables first, then columns, indexes, constraints and type changes."""
    rng = random.Random(seed)
    open(os.path.join(folder, "go.mod"), "w").write("module example.com/bench\n")
    mig = os.path.join(folder, "migrations")
    os.makedirs(mig)
    tables: dict[str, list[str]] = {}
    for i in range(1, count + 1):
        if len(tables) < 5 or rng.random() < 0.15:
            name = f"t{len(tables)}"
            tables[name] = ["a", "b"]
            body = f"CREATE TABLE {name} (id bigserial PRIMARY KEY, a text, b integer, created_at timestamptz DEFAULT now());"
        else:
            name = rng.choice(sorted(tables))
            kind = rng.randrange(4)
            if kind == 0:
                col = f"c{i}"
                tables[name].append(col)
                body = f"ALTER TABLE {name} ADD COLUMN {col} text;"
            elif kind == 1:
                body = f"CREATE INDEX {name}_ix{i} ON {name} ({rng.choice(tables[name])});"
            elif kind == 2:
                body = f"ALTER TABLE {name} ADD CONSTRAINT {name}_ck{i} CHECK (b IS NULL OR b > -1) NOT VALID;"
            else:
                body = f"COMMENT ON TABLE {name} IS 'step {i}';"
        if i == count:  # the pending migration: a rewrite, a scan and an index build
            t = sorted(tables)[0]
            body = (
                f"SET lock_timeout = '5s';\nALTER TABLE {t} ALTER COLUMN b TYPE bigint;\n"
                f"ALTER TABLE {t} ALTER COLUMN a SET NOT NULL;\nCREATE INDEX {t}_last ON {t} (a, b);"
            )
        with open(os.path.join(mig, f"{i:05d}_step.sql"), "w") as fh:
            fh.write(f"-- +goose Up\n{body}\n-- +goose Down\nSELECT 1;\n")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--migrations", type=int, default=300)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--hovers", type=int, default=200)
    args = ap.parse_args()

    import psycopg

    from backend_architect.db.devdb import DevDatabase
    from backend_architect.db.scratch import ScratchPostgres
    from backend_architect.db.verify import verify

    out: dict[str, float | int] = {}
    t0 = time.perf_counter()
    server = ScratchPostgres().start()
    out["server_start_s"] = round(time.perf_counter() - t0, 2)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp, args.migrations)
            t0 = time.perf_counter()
            report = verify([tmp], server=server, rows=args.rows)
            out["replay_and_trace_s"] = round(time.perf_counter() - t0, 2)
            folder = report.folders[0]
            assert folder.error is None, folder.error
            out["migrations_applied"] = folder.applied
            out["tables_filled"] = len(folder.filled)
            out["pending_statements_traced"] = sum(len(f.traces) for f in folder.files)

        dsn = server.create_database("bench_plan")
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint, status text, total numeric)"
            )
            conn.execute(
                "INSERT INTO orders (customer_id, status, total) SELECT g % 5000, 's' || (g % 7), g "
                "FROM generate_series(1, 200000) g"
            )
            conn.execute("CREATE INDEX orders_customer ON orders (customer_id)")
            conn.execute("ANALYZE")
        firsts = []
        for _ in range(10):
            db = DevDatabase(dsn)
            t0 = time.perf_counter()
            db.connect()
            firsts.append((time.perf_counter() - t0) * 1000)
            db.close()
        out["first_connection_ms_p50"] = round(statistics.median(firsts), 2)
        queries = {
            "no_params": "SELECT id, total FROM orders WHERE customer_id = 42 ORDER BY id DESC LIMIT 20",
            "dollar_params": "SELECT id, total FROM orders WHERE customer_id = $1 AND status = $2",
            "pyformat_params": "SELECT id, total FROM orders WHERE customer_id = %(c)s",
        }
        with DevDatabase(dsn) as db:
            for name, q in queries.items():
                db.explain(q)  # warm
                times = []
                for _ in range(args.hovers):
                    t0 = time.perf_counter()
                    db.explain(q).summary()
                    times.append((time.perf_counter() - t0) * 1000)
                out[f"hover_plan_ms_p50_{name}"] = round(statistics.median(times), 2)
                out[f"hover_plan_ms_p95_{name}"] = round(
                    sorted(times)[int(len(times) * 0.95) - 1], 2
                )
    finally:
        server.stop()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
