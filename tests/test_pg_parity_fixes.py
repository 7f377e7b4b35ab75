"""The fixes of MG020, MG021, MG025 and MG026 replayed the way the runner runs the files.

A small goose project and a small dbmate project (both wrap each file in a transaction) hold the
patterns; after `check --fix` (safe, then safe + unsafe) the history is replayed on PostgreSQL
with the runner's transaction semantics: it applies as far as the original, the rules no longer
fire, and the final schema is the original's.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import psycopg
import pytest

from backend_architect.cli import check_paths, write_fixes
from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint
from backend_architect.db.replay import replay_history, schema_dump
from backend_architect.project import forget

CODES = ("MG020", "MG021", "MG025", "MG026")

SCHEMA = """CREATE TABLE orders (id bigint PRIMARY KEY, total int);
INSERT INTO orders SELECT g, g FROM generate_series(1, 3000) g;
CREATE TABLE measurements (id bigint, year int) PARTITION BY RANGE (year);
CREATE TABLE measurements_2019 PARTITION OF measurements FOR VALUES FROM (2019) TO (2020);
CREATE TABLE measurements_2020 PARTITION OF measurements FOR VALUES FROM (2020) TO (2021);
INSERT INTO measurements SELECT g, 2019 + g % 2 FROM generate_series(1, 3000) g;
CREATE MATERIALIZED VIEW order_totals AS SELECT id, total FROM orders;
CREATE UNIQUE INDEX order_totals_id ON order_totals (id);
"""

STEPS = [
    # MG026: the VALIDATE runs under the ADD's lock
    "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;\n"
    "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;\n",
    # MG021: alone in its file, so the runner's opt-out is enough
    "ALTER TABLE measurements DETACH PARTITION measurements_2019;\n",
    # MG020 (unsafe fix: the view has its unique index)
    "SET lock_timeout = '5s';\nREFRESH MATERIALIZED VIEW order_totals;\n",
]


def _goose(root: Path) -> None:
    (root / "go.mod").write_text(
        "module app\n\ngo 1.22\n\nrequire github.com/pressly/goose/v3 v3.20.0\n"
    )
    folder = root / "migrations"
    folder.mkdir(parents=True)
    for i, up in enumerate([SCHEMA, *STEPS], 1):
        (folder / f"0000{i}_step.sql").write_text(
            f"-- +goose Up\n{up}\n-- +goose Down\nSELECT 1;\n"
        )


def _dbmate(root: Path) -> None:
    folder = root / "db" / "migrations"
    folder.mkdir(parents=True)
    for i, up in enumerate([SCHEMA, *STEPS], 1):
        (folder / f"2026010100000{i}_step.sql").write_text(
            f"-- migrate:up\n{up}\n-- migrate:down\nSELECT 1;\n"
        )


def _project(root: Path, runner: str) -> Path:
    root.mkdir(parents=True)
    (root / "backend-architect.toml").write_text("[migration]\npending = 100000\n")
    {"goose": _goose, "dbmate": _dbmate}[runner](root)
    return root


def _replay(server, root: Path):
    forget()
    db = "p_" + uuid.uuid4().hex[:10]
    with psycopg.connect(server.create_database(db), autocommit=True) as conn:
        result = replay_history(conn, str(root))
    return result, schema_dump(server, db)


def _findings(root: Path) -> list[str]:
    forget()
    settings = Settings(include_history=True)
    found = []
    for path in sorted(root.rglob("*.sql")):
        doc = Document(path.read_text(), path=str(path))
        found += [f"{path.name}: {f.code}" for f in lint(doc, settings).findings if f.code in CODES]
    return found


@pytest.mark.parametrize("runner", ["goose", "dbmate"])
def test_fixes_apply_under_the_runners_transactions(scratch_postgres, tmp_path, runner):
    original = _project(tmp_path / "original", runner)
    assert {f.split(": ")[1] for f in _findings(original)} == {"MG020", "MG021", "MG026"}
    before, schema_before = _replay(scratch_postgres, original)
    assert before.complete, f"{before.failed}: {before.error}"
    for unsafe in (False, True):
        fixed = _project(tmp_path / f"fixed_{unsafe}", runner)
        forget()
        reports = check_paths(
            [str(fixed)], {"select": list(CODES)}, fix=True, unsafe_fixes=unsafe, jobs=1
        )
        assert not write_fixes(reports)
        if unsafe:
            assert not _findings(fixed), _findings(fixed)
        after, schema_after = _replay(scratch_postgres, fixed)
        assert after.complete, f"{'unsafe' if unsafe else 'safe'}: {after.failed}: {after.error}"
        assert after.applied >= before.applied
        # DETACH ... CONCURRENTLY leaves the partition bound on the detached table as a CHECK
        # constraint (PostgreSQL documents it): the one change the MG021 fix makes to the schema
        assert _without_bound_checks(schema_after) == schema_before


def _without_bound_checks(schema: str) -> str:
    return re.sub(
        r",\n\s+CONSTRAINT measurements_2019_year_check CHECK \(.*\)(?=\n\);)", "", schema
    )
