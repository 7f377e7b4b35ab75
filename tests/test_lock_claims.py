"""The locks the partition, materialized view, exclusion constraint, validation and domain rules name,
read from ``pg_locks`` of a real PostgreSQL: each statement runs in a transaction on one
connection while a second connection reads the locks the first one holds."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint

SETUP = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE measurements (id bigint, year int) PARTITION BY RANGE (year);
CREATE TABLE measurements_2019 PARTITION OF measurements FOR VALUES FROM (2019) TO (2020);
CREATE TABLE measurements_2026 (id bigint, year int);
INSERT INTO measurements_2026 SELECT g, 2026 FROM generate_series(1, 500) g;
CREATE TABLE orders (id bigint PRIMARY KEY, total int, room_id bigint, during tstzrange);
INSERT INTO orders SELECT g, g, g, tstzrange(now(), now() + interval '1 hour') FROM generate_series(1, 500) g;
CREATE DOMAIN positive_amount AS numeric;
CREATE TABLE payments (id bigint PRIMARY KEY, amount positive_amount);
INSERT INTO payments SELECT g, g FROM generate_series(1, 500) g;
CREATE MATERIALIZED VIEW daily_totals AS SELECT id, total FROM orders;
CREATE UNIQUE INDEX daily_totals_id ON daily_totals (id);
"""

# (rule, statements run in one transaction, relation, the mode the rule names, the mode pg_locks shows)
CLAIMS = [
    ("MG020", ["REFRESH MATERIALIZED VIEW daily_totals"], "daily_totals", "ACCESS EXCLUSIVE"),
    (
        "MG021",
        ["ALTER TABLE measurements DETACH PARTITION measurements_2019"],
        "measurements",
        "ACCESS EXCLUSIVE",
    ),
    (
        "MG022",
        [
            "ALTER TABLE measurements ATTACH PARTITION measurements_2026 FOR VALUES FROM (2026) TO (2027)"
        ],
        "measurements_2026",
        "ACCESS EXCLUSIVE",
    ),
    (
        "MG026",
        [
            "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID",
            "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive",
        ],
        "orders",
        "ACCESS EXCLUSIVE",
    ),
    (
        "MG028",
        ["ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0)"],
        "payments",
        "SHARE",
    ),
    (  # validating later takes the same lock: NOT VALID does not help a domain
        "MG028",
        [
            "ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0) NOT VALID",
            "COMMIT",
            "BEGIN",
            "ALTER DOMAIN positive_amount VALIDATE CONSTRAINT positive_amount_check",
        ],
        "payments",
        "SHARE",
    ),
    (
        "MG027",
        [
            "ALTER TABLE orders ADD CONSTRAINT orders_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&)"
        ],
        "orders",
        "ACCESS EXCLUSIVE",
    ),
]

# what the rules' advice relies on: these take nothing that blocks reads of the relation
SAFE = [
    (["REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals"], "daily_totals"),
    (
        [
            "ALTER TABLE measurements ATTACH PARTITION measurements_2026 FOR VALUES FROM (2026) TO (2027)"
        ],
        "measurements",
    ),
]

_LOCKS = (
    "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
    "WHERE l.pid = %s AND l.granted AND c.relname = %s"
)


def _held(server, statements: list[str], relation: str) -> set[str]:
    dsn = server.create_database("l_" + uuid.uuid4().hex[:10])
    with (
        psycopg.connect(dsn, autocommit=True) as conn,
        psycopg.connect(dsn, autocommit=True) as observer,
    ):
        conn.execute(SETUP)
        conn.execute("BEGIN")
        for sql in statements:
            conn.execute(sql)
        modes = {row[0] for row in observer.execute(_LOCKS, (conn.info.backend_pid, relation))}
        conn.execute("ROLLBACK")
    return modes


def _pg_mode(name: str) -> str:
    return "".join(w.capitalize() for w in name.split()) + "Lock"


@pytest.mark.parametrize(
    "code, statements, relation, lock", CLAIMS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CLAIMS)]
)
def test_the_lock_a_rule_names_is_the_lock_postgres_takes(
    scratch_postgres, code, statements, relation, lock
):
    text = "BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;\n"
    found = [
        f
        for f in lint(
            Document(text, path="/ws/migrations/20260101000000_x.sql"),
            Settings(extend_select=(code,)),
        ).findings
        if f.code == code
    ]
    assert found, f"{code} does not report {statements}"
    assert lock in found[0].message, found[0].message
    assert _pg_mode(lock) in _held(scratch_postgres, statements, relation)


@pytest.mark.parametrize(
    "statements, relation", SAFE, ids=["refresh concurrently", "attach: the parent"]
)
def test_the_advised_form_does_not_block_reads(scratch_postgres, statements, relation):
    held = _held(scratch_postgres, statements, relation)
    assert held, f"no lock seen on {relation}"
    assert "AccessExclusiveLock" not in held, held
