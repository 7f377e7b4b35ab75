"""Schema drift between the migrations and a real database, both ways; the CLI around it."""

from __future__ import annotations

import json
import uuid

import pytest

from backend_architect.cli import main
from backend_architect.db.drift import EXTRA, MISSING, drift
from backend_architect.project import forget

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "go.mod").write_text("module example.com/app\n")
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "001_init.sql").write_text(
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, name text);\n"
        "CREATE INDEX users_email_idx ON users (email);\n"
        "CREATE TABLE posts (id bigserial PRIMARY KEY, user_id bigint NOT NULL, body text);\n")
    forget()
    return tmp_path


@pytest.fixture
def dsn(scratch_postgres):
    dsn = scratch_postgres.create_database("drift_" + uuid.uuid4().hex[:8])
    with psycopg.connect(dsn, autocommit=True) as conn:
        # the database lacks posts, users.name and users_email_idx; it has users.legacy, an index and a table more
        conn.execute("CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, legacy int)")
        conn.execute("CREATE INDEX users_legacy_idx ON users (legacy)")
        conn.execute("CREATE TABLE audit (id int)")
        conn.execute("CREATE TABLE goose_db_version (id int)")
    return dsn


def test_drift_both_directions(project, dsn):
    report = drift(str(project), dsn)
    got = {(i.kind, i.name.split(" on ")[0], i.side) for i in report.items}
    assert got == {
        ("table", "public.posts", MISSING),
        ("column", "public.users.name", MISSING),
        ("index", "users_email_idx", MISSING),
        ("column", "public.users.legacy", EXTRA),
        ("index", "users_legacy_idx", EXTRA),
        ("table", "public.audit", EXTRA),
    }
    posts = next(i for i in report.items if i.name == "public.posts")
    assert posts.where == "migrations/001_init.sql:3"


def test_no_drift_when_the_database_ran_the_migrations(project, scratch_postgres):
    dsn = scratch_postgres.create_database("drift_ok_" + uuid.uuid4().hex[:8])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute((project / "migrations" / "001_init.sql").read_text())
    assert drift(str(project), dsn).items == []


def test_cli_drift_json_and_masked_errors(project, dsn, capsys, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    rc = main(["drift", str(project), "--database-url", dsn, "--output-format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and len(out["drift"]) == 6
    rc = main(["drift", str(project)])
    assert rc == 2 and "no database configured" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:top-secret@127.0.0.1:1/app?connect_timeout=2")
    rc = main(["drift", str(project)])
    err = capsys.readouterr().err
    assert rc == 2 and "top-secret" not in err and "not reachable" in err and "Traceback" not in err


def test_drift_diagnostics_once_per_project_on_the_declaring_migration(project, dsn, monkeypatch):
    from backend_architect.core.document import Document
    from backend_architect.lsp.handlers.diagnostics import diagnostics_for
    from backend_architect.lsp.handlers.drift import compute
    from backend_architect.lsp.session import Session
    from backend_architect.project import build_catalog

    monkeypatch.setenv("DATABASE_URL", dsn)
    session = Session(root=str(project))
    catalog = build_catalog(str(project), None, use_disk_cache=False)
    drift_diags, problem = compute(session, str(project), catalog)
    assert problem is None
    session.drift = drift_diags
    path = project / "migrations" / "001_init.sql"
    snap = session.analyse(Document(path.read_text(), path=str(path), version=1))
    drift = [d for d in diagnostics_for(session, snap) if d["code"] == "drift"]
    assert {(d["range"]["start"]["line"], d["message"].split(" is ")[0]) for d in drift} >= {
        (2, "schema drift: table public.posts"), (0, "schema drift: column public.users.name")}
    assert all("***" in d["message"] or "password" not in d["message"] for d in drift)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw-123@127.0.0.1:1/x?connect_timeout=2")
    from backend_architect.lsp.handlers import plan_hover

    plan_hover._SESSIONS.clear()
    diags, problem = compute(Session(root=str(project)), str(project), catalog)
    assert diags == {} and "not reachable" in problem and "pw-123" not in problem
