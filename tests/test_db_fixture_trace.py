"""Every MIGRATION rule's own fixture traced on PostgreSQL: each statement the rule flags, run
on tables holding rows (``tests/pg_setup``), takes the lock (and rewrites, scans or fails) the
rule's message claims. A rule whose claim PostgreSQL contradicts must be corrected."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from backend_architect.core.document import Document
from backend_architect.core.engine import lint
from backend_architect.db.replay import (
    STATEMENTS,
    MigrationFile,
    apply_sql,
    runnable,
    split_sql,
    up_text,
)
from backend_architect.db.trace import trace_statement
from backend_architect.db.verify import CLAIMS, claim_for, judge
from harness import settings_for

psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).parent
SETUP = ROOT / "pg_setup"
FIXTURES = sorted(
    p for p in (ROOT / "fixtures" / "migration").glob("MG*.sql") if p.name[:5] in CLAIMS
)
# flagged statements that cannot be traced on the test server, and why
UNTRACEABLE = {
    # ADD CONSTRAINT ... NOT NULL col: PostgreSQL 18 syntax, the server is 15
    ("MG006_set_not_null.sql", "local_image_user_nn"),
}


def _traces(server, path: Path):
    """(finding, trace of the statement it flags) for the fixture's own rule."""
    text = path.read_text()
    code = path.name[:5]
    settings = settings_for(text, code)
    findings = [f for f in lint(Document(text, path=str(path)), settings).findings if f.code == code]
    up = up_text(text)
    mf = MigrationFile(str(path), str(path.parent), None, None, up, split_sql(up))
    dsn = server.create_database("ft_" + uuid.uuid4().hex[:10])
    out = []
    with psycopg.connect(dsn, autocommit=True) as conn, psycopg.connect(dsn, autocommit=True) as observer:
        if settings.postgres_version < conn.info.server_version // 10000:
            pytest.skip(f"{path.name} states what PostgreSQL {settings.postgres_version} does")
        for setup in (SETUP / "_common.sql", SETUP / path.name):
            if setup.exists():
                done = apply_sql(conn, setup.read_text(), STATEMENTS)
                assert done.ok, f"setup {setup.name}: {done.errors}"
        conn.execute("ANALYZE")
        explicit = False  # inside the fixture's own BEGIN ... COMMIT (as psql runs it)
        traced = {}
        for piece in mf.pieces:
            if piece.is_transaction_control:
                explicit = piece.text.split()[0].upper() in ("BEGIN", "START")
                continue
            traced[piece] = trace_statement(conn, observer, mf, piece, explicit)
        for f in findings:
            piece = next((p for p in mf.pieces if p.start <= f.start <= p.end), None)
            out.append((f, piece, traced.get(piece)))
    return findings, out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_each_flagged_statement_of_the_fixture_does_what_the_rule_claims(scratch_postgres, path):
    code = path.name[:5]
    findings, traced = _traces(scratch_postgres, path)
    if not findings:
        pytest.skip(f"{path.name}: {code} flags nothing here (a valid-only fixture)")
    checked = 0
    for finding, piece, trace in traced:
        assert piece is not None, f"{code} at offset {finding.start} is not inside a statement"
        if not runnable(piece.text) or any(
            path.name == name and key in piece.text for name, key in UNTRACEABLE
        ):
            continue  # a template ({{ ... }}) or syntax of a later PostgreSQL
        status, seen = judge(code, trace)
        where = f"{os.path.basename(path)}: {piece.text[:80]!r}"
        assert status == "confirmed", (
            f"{where}: {code} claims {claim_for(code, piece.text).describe()}; PostgreSQL: {seen}"
        )
        checked += 1
    if not checked and all(not runnable(piece.text) for _, piece, _ in traced):
        pytest.skip(f"{path.name}: every flagged statement is a template")
    assert checked, f"{path.name}: no flagged statement could be traced"


def test_every_claimed_rule_has_a_traced_fixture():
    assert {p.name[:5] for p in FIXTURES} == set(CLAIMS)
