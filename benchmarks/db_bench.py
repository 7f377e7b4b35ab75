"""Database features: replay + trace of a generated migration history, plan-on-hover latency
on a warm connection (EXPLAIN alone, and through the hover handler), the cost of the first
connection, and IX001 checked with HypoPG in the editor (the first publication, the time to
the verdicts, the cached re-publication).

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


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def generate(folder: str, count: int, seed: int = 7) -> None:
    """A goose history: tables first, then columns, indexes, constraints and type changes."""
    rng = random.Random(seed)
    _write(os.path.join(folder, "go.mod"), "module example.com/bench\n")
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


def _editor(server, dsn: str, hovers: int) -> dict:
    """The editor's paths: hover with plan through the hover handler (statement lookup, the
    worker thread, the summary) on a warm connection, and IX001 checked with HypoPG in the
    background (time to the verdict; the cached re-publication)."""
    import psycopg

    from backend_architect.core.document import Document
    from backend_architect.lsp.handlers import plan_hover
    from backend_architect.lsp.handlers.diagnostics import diagnostics_for
    from backend_architect.lsp.handlers.hover import hover
    from backend_architect.lsp.handlers.index_advice import IndexAdvice
    from backend_architect.lsp.session import Session
    from backend_architect.project import build_catalog
    from lsprotocol import types

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        _write(os.path.join(tmp, "go.mod"), "module example.com/bench\n")
        os.makedirs(os.path.join(tmp, "migrations"))
        _write(
            os.path.join(tmp, "migrations", "001_orders.sql"),
            "CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint, status text, total numeric);\n"
            "CREATE INDEX orders_customer ON orders (customer_id);\n",
        )
        # the first index halves the cost (kept), the second does not (7 statuses: dropped)
        src = (
            "SELECT id, status FROM orders WHERE total = $1;\n"
            "SELECT id, total FROM orders WHERE status = $1 ORDER BY id DESC LIMIT 20;\n"
        )
        path = os.path.join(tmp, "queries.sql")
        _write(path, src)
        os.environ["DATABASE_URL"] = dsn
        session = Session(root=tmp)
        session.configure({"extendSelect": ["IX001"]})
        session.catalog = build_catalog(tmp, session.settings, use_disk_cache=False)
        snap = session.analyse(Document(src, path=path, version=1))
        position = types.Position(line=0, character=src.index("orders"))
        hover(session, snap, position)  # warm: the connection, the pool's thread
        times = []
        for _ in range(hovers):
            t0 = time.perf_counter()
            result = hover(session, snap, position)
            times.append((time.perf_counter() - t0) * 1000)
        assert (
            result is not None
            and "Plan** (development database, estimated" in result.contents.value
        )
        out["hover_handler_ms_p50"] = round(statistics.median(times), 2)
        out["hover_handler_ms_p95"] = round(sorted(times)[int(len(times) * 0.95) - 1], 2)
        plan_hover._SESSIONS.clear()

        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
        except psycopg.Error:
            return out  # HypoPG not installed: no numbers for it
        import concurrent.futures  # noqa: F401  (imported once per server, on the first IX001 document)

        import backend_architect.db.advice  # noqa: F401

        done = []
        advice = IndexAdvice(republish=lambda uri: done.append(time.perf_counter()))
        session.index_advice = advice
        t0 = time.perf_counter()
        first = diagnostics_for(session, snap)
        out["ix001_first_publish_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        while len(done) < 2 and time.perf_counter() - t0 < 30:
            time.sleep(0.001)
        out["ix001_hypopg_verdicts_ms"] = round((done[-1] - t0) * 1000, 2)  # both suggestions
        t0 = time.perf_counter()
        again = diagnostics_for(session, snap)
        out["ix001_cached_publish_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        out["ix001_kept"] = sum(1 for d in again if d["code"] == "IX001")
        assert len([d for d in first if d["code"] == "IX001"]) == 2
        advice.shutdown()
    return out


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
        out.update(_editor(server, dsn, args.hovers))
    finally:
        server.stop()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
