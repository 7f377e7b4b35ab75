"""Whole migration histories (tests/histories/<runner>/) replayed on PostgreSQL the way their runner
runs them, before and after `check --fix` (safe) and `--fix --unsafe-fixes`.

SQL histories (goose, golang-migrate, diesel, dbmate, Prisma Migrate, Flyway with `${schema}`
placeholders) are sent file by file with the runner's transaction semantics; Django and Alembic
histories are run by Django and Alembic themselves (`manage.py migrate`, `alembic upgrade head`
in a subprocess against the scratch server), so `atomic = False`, `AddIndexConcurrently`,
`RunSQL` and `autocommit_block()` behave exactly as in production.

In a copy, every migration counts as new (``migration.pending`` is large): the worst case, every
file of the history rewritten. The fixed history must apply as far as the original did, and
with the MIGRATION fixes only, its final schema (``pg_dump --schema-only``) must equal the
original's: those fixes change how a change is made, never what it makes.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import psycopg
import pytest

from backend_architect.cli import check_paths, write_fixes
from backend_architect.db.replay import (
    code_runner,
    history_files,
    replay_code_migrations,
    replay_history,
    schema_dump,
)
from backend_architect.project import forget

HISTORIES = Path(__file__).parent / "histories"
RUNNERS = sorted(p.name for p in HISTORIES.iterdir() if p.is_dir())
ALL_NEW = "[migration]\npending = 100000\n"


def _copy(tmp_path: Path, runner: str, name: str) -> Path:
    root = tmp_path / name / runner
    shutil.copytree(HISTORIES / runner, root)
    (root / "backend-architect.toml").write_text(ALL_NEW)
    return root


def _replay(server, root: Path):
    forget()
    db = "h_" + uuid.uuid4().hex[:10]
    dsn = server.create_database(db)
    if code_runner(str(root)):
        pytest.importorskip(code_runner(str(root)))  # the history is run by Django or Alembic itself
        result = replay_code_migrations(server, db, str(root))
    else:
        with psycopg.connect(dsn, autocommit=True) as conn:
            result = replay_history(conn, str(root))
    return result, schema_dump(server, db)


def _migrations(root: Path) -> list[str]:
    if code_runner(str(root)):
        from backend_architect.db.replay import alembic_chain, django_migrations

        if code_runner(str(root)) == "django":
            return [f for files in django_migrations(str(root)).values() for f in files]
        return [f for _, f in alembic_chain(str(root))]
    return history_files(str(root))


def _fix(root: Path, unsafe: bool, select: list[str] | None = None) -> int:
    forget()
    overrides = {"select": select} if select else {}
    before = sum(1 for _ in root.rglob("*"))
    reports = check_paths([str(root)], overrides, fix=True, unsafe_fixes=unsafe, jobs=1)
    assert not write_fixes(reports)
    assert not [r for r in reports if r.internal_errors], "a rule failed while fixing"
    changed = sum(1 for r in reports if r.fixed is not None)
    return changed + sum(1 for _ in root.rglob("*")) - before


@pytest.mark.parametrize("runner", RUNNERS)
def test_history_applies_and_keeps_its_schema_after_migration_fixes(scratch_postgres, tmp_path, runner):
    original = _copy(tmp_path, runner, "original")
    assert len(_migrations(original)) >= 30
    before, schema_before = _replay(scratch_postgres, original)
    assert before.complete, f"the original {runner} history itself fails at {before.failed}: {before.error}"
    for unsafe in (False, True):
        fixed = _copy(tmp_path, runner, f"fixed_{unsafe}")
        changes = _fix(fixed, unsafe, ["MG"])
        assert changes > 0 or not unsafe, "the history gives the MIGRATION fixes nothing to do"
        assert _converges(fixed, unsafe), "--fix never stops changing the history"
        after, schema_after = _replay(scratch_postgres, fixed)
        assert after.applied >= before.applied, f"{'unsafe' if unsafe else 'safe'}: {after.failed}: {after.error}"
        assert schema_after == schema_before, _diff(schema_before, schema_after)


@pytest.mark.parametrize("runner", RUNNERS)
def test_history_still_applies_after_every_fix(scratch_postgres, tmp_path, runner):
    original = _copy(tmp_path, runner, "original")
    before, _ = _replay(scratch_postgres, original)
    fixed = _copy(tmp_path, runner, "all")
    _fix(fixed, True)
    after, _ = _replay(scratch_postgres, fixed)
    assert after.applied >= before.applied, f"{after.failed}: {after.error}"


def _converges(root: Path, unsafe: bool) -> bool:
    """Runs of --fix end with one that changes nothing (a folder numbered 1, 2, 3 gets one new
    migration per number and run; the rest wait for the next run)."""
    return any(_fix(root, unsafe, ["MG"]) == 0 for _ in range(6))


def _diff(a: str, b: str) -> str:
    import difflib

    return "\n".join(list(difflib.unified_diff(a.splitlines(), b.splitlines(), "original", "fixed", lineterm=""))[:80])
