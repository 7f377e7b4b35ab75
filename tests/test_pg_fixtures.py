"""Every MIGRATION fixture, original and fixed, applied to a PostgreSQL database holding rows.

Each fixture runs in a fresh database after ``tests/pg_setup/_common.sql`` and its own
``tests/pg_setup/<fixture>.sql`` (the tables it acts on, a few thousand rows each). A fixture
file runs as psql runs it (each statement on its own, its own BEGIN/COMMIT honoured; the up
part only). The fixed file — safe fixes, and safe + unsafe — must apply at least as far as the
original: no statement of it fails unless the same statement failed in the original, and the
statements the fixes wrote all run.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import psycopg
import pytest

from backend_architect.core.document import Document
from backend_architect.core.engine import fix_document
from backend_architect.db.replay import STATEMENTS, TRANSACTION, apply_sql
from harness import settings_for

ROOT = Path(__file__).parent
FIXTURES = sorted((ROOT / "fixtures" / "migration").glob("MG*.sql"))
SETUP = ROOT / "pg_setup"

# Fixtures whose original does not apply to a database with rows, and why (the rule's point).
ORIGINAL_FAILS = {
    "MG002_concurrent_in_transaction.sql": "CONCURRENTLY inside BEGIN ... COMMIT",
    "MG003_add_column_not_null.sql": "ADD COLUMN ... NOT NULL without a default on a table with rows",
    "MG006_set_not_null.sql": "ADD CONSTRAINT ... NOT NULL column is PostgreSQL 18 syntax (the server is 15)",
    "MG014_enum_add_value.sql": "a new enum value used in the transaction that added it (unsafe use of new value)",
}


def _db(server) -> psycopg.Connection:
    dsn = server.create_database("f_" + uuid.uuid4().hex[:10])
    return psycopg.connect(dsn, autocommit=True)


def _run(server, name: str, text: str):
    with _db(server) as conn:
        for setup in (SETUP / "_common.sql", SETUP / name):
            if setup.exists():
                done = apply_sql(conn, setup.read_text(), STATEMENTS)
                assert done.ok, f"setup {setup.name}: {done.errors}"
        return apply_sql(conn, text, STATEMENTS)


def _norm(sql: str) -> str:
    return " ".join(sql.split()).lower()


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_original_and_fixed_apply(scratch_postgres, path: Path):
    text = path.read_text()
    code = path.name[:5]
    settings = settings_for(text, code)
    original = _run(scratch_postgres, path.name, text)
    failed_before = {_norm(s) for s, _ in original.errors}
    if path.name in ORIGINAL_FAILS:
        assert not original.ok, f"{path.name} was expected to fail: {ORIGINAL_FAILS[path.name]}"
    else:
        assert original.ok, f"{path.name}: {original.errors}"
    originals = {_norm(s) for s in _statements(text)}
    for safe_only in (True, False):
        fixed = fix_document(Document(text, path=str(path)), settings, safe_only=safe_only)
        if fixed.text == text:
            continue
        after = _run(scratch_postgres, path.name, fixed.text)
        new_failures = [(s, e) for s, e in after.errors if _norm(s) not in failed_before]
        written = [(s, e) for s, e in after.errors if _norm(s) not in originals]
        assert not new_failures or all(
            _norm(s) in originals for s, _ in new_failures
        ) and len(after.errors) <= len(original.errors), (safe_only, new_failures)
        assert not written, f"statements the fixes wrote fail ({'safe' if safe_only else 'unsafe'}): {written}"
        assert len(after.errors) <= len(original.errors), (safe_only, after.errors, original.errors)


def _statements(text: str) -> list[str]:
    from backend_architect.db.replay import statements

    return statements(text)


REINDEX_WITH_OPTIONS = [
    "REINDEX (CONCURRENTLY false) TABLE events",
    "REINDEX (VERBOSE, CONCURRENTLY off) INDEX idx_events_user",
    "REINDEX (CONCURRENTLY 0, VERBOSE) TABLE events",
]


@pytest.mark.parametrize("statement", REINDEX_WITH_OPTIONS)
def test_mg017_fix_rewrites_an_explicit_concurrently_option(scratch_postgres, statement: str):
    """The fix leaves one CONCURRENTLY, as the keyword: the option saying false leaves the list
    (PostgreSQL takes the last of the two, so the old text ran concurrently but said both). The
    fixed statement applies, and is concurrent: PostgreSQL refuses it inside a transaction."""
    text = statement + ";\n"
    path = ROOT / "fixtures" / "migration" / "MG017_reindex_options.sql"
    fixed = fix_document(Document(text, path=str(path)), settings_for(text, "MG017"), codes={"MG017"})
    (written,) = _statements(fixed.text)
    assert written != statement
    assert len(re.findall(r"\bCONCURRENTLY\b", written, re.I)) == 1, written
    assert re.search(r"\b(?:INDEX|TABLE) CONCURRENTLY\b", written), written
    with _db(scratch_postgres) as conn:
        assert apply_sql(conn, (SETUP / "_common.sql").read_text(), STATEMENTS).ok
        assert apply_sql(conn, text, TRANSACTION).ok  # the original is not concurrent
        assert apply_sql(conn, written, STATEMENTS).ok, written
        refused = apply_sql(conn, written, TRANSACTION)
        assert "cannot run inside a transaction block" in (refused.first_error or ""), refused.errors
