"""The read-only development database: guard, generic plans, HypoPG, errors that say what happened."""

from __future__ import annotations

import json
import re
import socket
import uuid

import pytest

from backend_architect.db.devdb import DevDatabase, DevDatabaseError, mask_text, mask_url, to_dollar_params
from backend_architect.db.scratch import PostgresUnavailable, ScratchPostgres

psycopg = pytest.importorskip("psycopg")

SETUP = """
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, active boolean NOT NULL, plan text);
INSERT INTO accounts (email, active, plan) SELECT 'u' || g || '@x.test', g % 2 = 0, 'p' || (g % 3)
  FROM generate_series(1, 50000) g;
CREATE TABLE tiny (id int PRIMARY KEY, name text);
INSERT INTO tiny SELECT g, 'n' || g FROM generate_series(1, 10) g;
ANALYZE;
"""


@pytest.fixture(scope="module")
def dev_dsn(scratch_postgres):
    dsn = scratch_postgres.create_database("dev_" + uuid.uuid4().hex[:8])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SETUP)
    return dsn


@pytest.fixture(scope="module")
def hypo_dsn(scratch_postgres):
    dsn = scratch_postgres.create_database("hypo_" + uuid.uuid4().hex[:8])
    with psycopg.connect(dsn, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION hypopg")
        except psycopg.Error as exc:
            pytest.skip(f"HypoPG is not installed (apt-get install postgresql-15-hypopg): {exc}")
        conn.execute(SETUP)
    return dsn


def test_a_write_through_the_connection_fails(dev_dsn):
    with DevDatabase(dev_dsn) as db:
        conn = db.connect()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO tiny VALUES (99, 'no')")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE nope (x int)")
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "2s"
    with psycopg.connect(dev_dsn) as check:
        assert check.execute("SELECT count(*) FROM tiny").fetchone()[0] == 10


def test_catalog_reads_are_selects_and_explain_takes_one_query(dev_dsn):
    with DevDatabase(dev_dsn) as db:
        with pytest.raises(ValueError):
            db.catalog("DELETE FROM tiny")
        with pytest.raises(ValueError):
            db.explain("SELECT 1; DELETE FROM tiny")
        with pytest.raises(ValueError):
            db.explain("DROP TABLE tiny")


@pytest.mark.parametrize("query", [
    "SELECT id FROM accounts WHERE email = $1",
    "SELECT id FROM accounts WHERE email = %s",
    "SELECT id FROM accounts WHERE email = %(email)s",
    "SELECT id FROM accounts WHERE email = :email AND id::text <> ''",
    "SELECT id FROM accounts WHERE email = ?",
])
def test_generic_plan_for_each_placeholder_style(dev_dsn, query):
    with DevDatabase(dev_dsn) as db:
        plan = db.explain(query)
    assert plan.generic
    assert [s.relation for s in plan.steps if s.relation] == ["accounts"]
    scan = next(s for s in plan.steps if s.relation)
    assert scan.node in ("Seq Scan", "Gather") or scan.node.startswith("Parallel") or scan.node == "Seq Scan"
    assert plan.cost > 100 and scan.table_rows == pytest.approx(50000, rel=0.1)
    assert "accounts (~50,000 rows)" in plan.summary()


def test_placeholders_inside_strings_and_casts_are_left_alone():
    sql, n = to_dollar_params("SELECT ':x', '?', \"%s\" FROM t WHERE a = :a AND b::int = ? AND c = :a -- :z ?")
    assert n == 2
    assert sql == "SELECT ':x', '?', \"%s\" FROM t WHERE a = $1 AND b::int = $2 AND c = $1 -- :z ?"


def test_a_small_table_scan_is_not_a_finding(dev_dsn):
    with DevDatabase(dev_dsn) as db:
        plan = db.explain("SELECT * FROM tiny WHERE name = $1")
    assert [s.node for s in plan.steps] == ["Seq Scan"]
    assert plan.seq_scans() == [] and "sequential scan of" not in plan.summary()


def test_the_plan_names_the_index_each_step_uses(dev_dsn):
    with DevDatabase(dev_dsn) as db:
        plan = db.explain("SELECT email FROM accounts WHERE id = $1")
    assert any(s.index == "accounts_pkey" for s in plan.steps)
    assert "using accounts_pkey" in plan.summary()


def test_hypopg_accepts_an_index_that_halves_the_cost_and_rejects_one_that_does_not(hypo_dsn):
    with DevDatabase(hypo_dsn) as db:
        assert db.hypopg_available()
        before, after, used = db.check_index("SELECT id FROM accounts WHERE email = $1",
                                             "CREATE INDEX CONCURRENTLY idx_accounts_email ON accounts (email);")
        assert used and after <= before * 0.5
        before, after, used = db.check_index("SELECT id FROM accounts WHERE active = $1",
                                             "CREATE INDEX idx_accounts_active ON accounts (active)")
        assert after > before * 0.5
        # hypothetical indexes live only in the session and are gone after each check
        assert db.catalog("SELECT count(*) FROM hypopg_list_indexes")[0][0] == 0
    with psycopg.connect(hypo_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'accounts'").fetchone()[0] == 1


def test_without_hypopg_the_database_says_so(dev_dsn):
    with DevDatabase(dev_dsn) as db:
        assert db.hypopg_available() is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_is_down_gives_a_clear_message():
    db = DevDatabase(f"postgresql://app:s3cret-pw@127.0.0.1:{_free_port()}/app", connect_timeout=2)
    with pytest.raises(DevDatabaseError) as info:
        db.explain("SELECT 1")
    msg = str(info.value)
    assert "not reachable" in msg and "s3cret-pw" not in msg and "app:***@127.0.0.1" in msg


def test_a_timeout_is_reported_as_one(dev_dsn, scratch_postgres):
    with DevDatabase(dev_dsn, statement_timeout_ms=100) as db:
        with pytest.raises(DevDatabaseError, match="timed out after 100 ms"):
            db.catalog("SELECT pg_sleep(2)")
        assert db.catalog("SELECT 1") == [(1,)]  # the session is still usable


def test_a_lock_wait_stops_at_the_lock_timeout(dev_dsn):
    with psycopg.connect(dev_dsn) as holder:
        holder.execute("LOCK TABLE tiny IN ACCESS EXCLUSIVE MODE")
        with DevDatabase(dev_dsn, lock_timeout_ms=100) as db:
            with pytest.raises(DevDatabaseError, match="waited longer than 100 ms for a lock"):
                db.explain("SELECT * FROM tiny")
        holder.rollback()


@pytest.fixture(scope="module")
def password_server():
    try:
        server = ScratchPostgres(host_auth="scram-sha-256").start()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    try:
        with psycopg.connect(server.socket_dsn(), autocommit=True) as conn:
            conn.execute("CREATE ROLE app LOGIN PASSWORD 'right-pw'")
        yield server
    finally:
        server.stop()


def test_a_wrong_password_is_reported_without_the_password(password_server):
    url = f"postgresql://app:wrong-pw@127.0.0.1:{password_server.port}/postgres"
    with pytest.raises(DevDatabaseError) as info:
        DevDatabase(url).connect()
    msg = str(info.value)
    assert "authentication failed" in msg and "wrong-pw" not in msg
    ok = DevDatabase(f"postgresql://app:right-pw@127.0.0.1:{password_server.port}/postgres")
    with ok:
        assert ok.catalog("SELECT current_user")[0][0] == "app"


def test_masking_covers_urls_key_values_and_query_strings():
    assert mask_url("postgresql://u:p%40ss@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert mask_url("host=h user=u password='a b' dbname=d") == "host=h user=u password=*** dbname=d"
    assert mask_url("postgresql://h/db?user=u&password=zz") == "postgresql://h/db?user=u&password=***"
    assert "hunter2" not in mask_text("FATAL: role x with hunter2", "postgresql://x:hunter2@h/db")
    assert mask_url("app:pw9@host/db") == "app:***@host/db"  # no scheme: libpq reads it as key=value
    assert mask_text("bad: p@ss", "postgresql://x:p%40ss@h/db") == "bad: ***"  # percent-decoded too


def test_a_malformed_url_is_not_echoed():
    with pytest.raises(DevDatabaseError) as info:
        DevDatabase("app:s3cr3t-pw@host/db").connect()  # libpq's own message would quote it whole
    msg = str(info.value)
    assert "not a valid connection URL" in msg and "s3cr3t-pw" not in msg


def test_database_url_is_never_read_from_a_committed_file(tmp_path, monkeypatch):
    from backend_architect.config import load_project
    from backend_architect.db.devdb import database_url

    (tmp_path / "backend-architect.toml").write_text('[database]\nurl = "postgresql://u:pw@h/db"\n'
                                                     "statement-timeout-ms = 900\n")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings, warnings = load_project(str(tmp_path))
    assert settings.database.url is None and settings.database.statement_timeout_ms == 900
    assert any("never read from a file" in w for w in warnings)
    assert database_url(settings=settings) is None
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:pw@h/db")
    assert database_url(settings=settings) == "postgresql://u:pw@h/db"
    assert "pw" not in repr(settings.database).replace("lock_timeout", "")


def test_hover_on_a_query_in_code_shows_the_generic_plan(dev_dsn, tmp_path, monkeypatch):
    from backend_architect.core.document import Document
    from backend_architect.lsp.handlers.hover import hover
    from backend_architect.lsp.handlers.plan_hover import plan_hover
    from backend_architect.lsp.session import Session

    monkeypatch.setenv("DATABASE_URL", dev_dsn)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\ndependencies = ['psycopg']\n")
    src = 'def find(cur, email):\n    cur.execute("SELECT id FROM accounts WHERE email = %s", (email,))\n'
    path = tmp_path / "app.py"
    path.write_text(src)
    session = Session(root=str(tmp_path))
    snap = session.analyse(Document(src, path=str(path), version=1))
    offset = src.encode().index(b"accounts")
    text = plan_hover(session, snap, offset)
    assert text is not None and "(generic plan)" in text and "Seq Scan on accounts" in text
    assert "sequential scan of accounts (~50,000 rows)" in text
    # through the hover handler too
    from lsprotocol import types

    line = src.splitlines()[1]
    result = hover(session, snap, types.Position(line=1, character=line.index("accounts")))
    assert result is not None and "**Plan** (development database" in result.contents.value


def test_a_slow_plan_never_holds_the_hover_and_shows_on_the_next_one(dev_dsn, tmp_path, monkeypatch):
    import time

    from backend_architect.core.document import Document
    from backend_architect.lsp.handlers.plan_hover import HOVER_WAIT, plan_hover
    from backend_architect.lsp.session import Session

    monkeypatch.setenv("DATABASE_URL", dev_dsn)
    path = tmp_path / "q.sql"
    path.write_text("SELECT name FROM tiny WHERE id = $1;\n")
    session = Session(root=str(tmp_path))
    session.configure({"database": {"lockTimeoutMs": 5000}})
    snap = session.analyse(Document(path.read_text(), path=str(path), version=1))
    with psycopg.connect(dev_dsn) as holder:
        holder.execute("LOCK TABLE tiny IN ACCESS EXCLUSIVE MODE")  # EXPLAIN waits for it
        started = time.perf_counter()
        text = plan_hover(session, snap, 5)
        assert time.perf_counter() - started < HOVER_WAIT + 0.2
        assert "still planning" in text
        holder.rollback()
    time.sleep(0.3)
    text = plan_hover(session, snap, 5)  # the plan the first hover asked for
    assert "**Plan** (development database, estimated" in text and "tiny" in text


def test_hover_says_nothing_about_plans_without_a_database(tmp_path, monkeypatch):
    from backend_architect.core.document import Document
    from backend_architect.lsp.handlers.plan_hover import plan_hover
    from backend_architect.lsp.session import Session

    monkeypatch.delenv("DATABASE_URL", raising=False)
    path = tmp_path / "q.sql"
    path.write_text("SELECT 1 FROM accounts WHERE id = $1;\n")
    session = Session(root=str(tmp_path))
    snap = session.analyse(Document(path.read_text(), path=str(path), version=1))
    assert plan_hover(session, snap, 5) is None


def test_hover_with_a_server_down_is_one_line_not_an_error(tmp_path, monkeypatch):
    from backend_architect.core.document import Document
    from backend_architect.lsp.handlers.plan_hover import plan_hover
    from backend_architect.lsp.session import Session

    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:pw-xyz@127.0.0.1:{_free_port()}/app?connect_timeout=2")
    path = tmp_path / "q.sql"
    path.write_text("SELECT 1 FROM accounts WHERE id = $1;\n")
    session = Session(root=str(tmp_path))
    snap = session.analyse(Document(path.read_text(), path=str(path), version=1))
    text = plan_hover(session, snap, 5)
    assert "not available" in text and "not reachable" in text and "pw-xyz" not in text


def _ix_project(tmp_path):
    from backend_architect.project import forget

    (tmp_path / "go.mod").write_text("module example.com/app\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, active boolean NOT NULL, plan text);\n")
    (tmp_path / "queries.sql").write_text(
        "SELECT id FROM accounts WHERE email = $1;\nSELECT id FROM accounts WHERE active = $1;\n")
    forget()
    return tmp_path


def test_check_keeps_index_advice_hypopg_confirms_and_drops_the_rest(hypo_dsn, tmp_path, monkeypatch, capsys):
    from backend_architect.cli import main

    proj = _ix_project(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    main(["check", str(proj / "queries.sql"), "--select", "IX001", "--output-format", "json"])
    static = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "IX001"]
    assert len(static) == 2  # without a database: both suggestions, unchecked
    monkeypatch.setenv("DATABASE_URL", hypo_dsn)
    main(["check", str(proj / "queries.sql"), "--select", "IX001", "--output-format", "json"])
    items = json.loads(capsys.readouterr().out)
    kept = [f for f in items if f["code"] == "IX001"]
    notes = [f for f in items if f["name"] == "note"]
    assert len(kept) == 1 and kept[0]["location"]["row"] == 1
    assert re.search(r"estimated cost [\d,.]+ -> [\d,.]+ with the index \(HypoPG\)", kept[0]["message"])
    assert kept[0]["fix"]["new_files"][0]["text"].startswith("-- estimated cost")
    assert len(notes) == 1 and "does not halve" in notes[0]["message"] and "active" in notes[0]["message"]


def test_without_hypopg_the_advice_stays_labelled_unverified(dev_dsn, tmp_path, monkeypatch, capsys):
    from backend_architect.cli import main

    proj = _ix_project(tmp_path)
    monkeypatch.setenv("DATABASE_URL", dev_dsn)
    main(["check", str(proj / "queries.sql"), "--select", "IX001", "--output-format", "json"])
    kept = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "IX001"]
    assert len(kept) == 2
    assert all("(unverified: HypoPG is not installed in the database)" in f["message"] for f in kept)


def test_an_index_on_a_small_table_is_not_worth_it(hypo_dsn, tmp_path, monkeypatch, capsys):
    from backend_architect.cli import main

    proj = _ix_project(tmp_path)
    with open(proj / "migrations" / "001_init.sql", "a") as fh:
        fh.write("CREATE TABLE tiny (id int PRIMARY KEY, name text);\n")
    (proj / "queries.sql").write_text("SELECT id FROM tiny WHERE name = $1;\n")
    monkeypatch.setenv("DATABASE_URL", hypo_dsn)
    main(["check", str(proj / "queries.sql"), "--select", "IX001", "--output-format", "json"])
    items = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in items if f["code"] == "IX001"] == []  # 10 rows: the statistics say no
    (note,) = [f["message"] for f in items if f["name"] == "note"]
    assert "already cheap" in note and "tiny" in note


@pytest.mark.parametrize("url", [
    "postgresql://app:Sec-ret 42@127.0.0.1:1/db",  # a space
    "postgresql://app:Sec-ret%2042@127.0.0.1:1/db",  # percent-encoded
    "postgresql://app:Sec-ret 42@127.0.0.1:99999999/db",  # a bad port: libpq's own message
    "postgresql://app:Sec-ret 42@[::1/db",  # not a URL libpq can read
    "app:Sec-ret 42@127.0.0.1/db",  # no scheme
    "host=127.0.0.1 port=1 user=app password='Sec-ret 42' connect_timeout=1",
    "postgresql://127.0.0.1:1/db?user=app&password=Sec-ret%2042",
])
def test_no_shape_of_url_lets_the_password_out(url):
    with pytest.raises(DevDatabaseError) as info:
        DevDatabase(url, connect_timeout=1).connect()
    msg = str(info.value)
    assert "cannot connect" in msg and "Sec-ret" not in msg, msg


@pytest.mark.parametrize("problem", ["wrong password", "server down"])
def test_the_cli_never_prints_the_password(password_server, tmp_path, monkeypatch, capsys, problem):
    from backend_architect.cli import main

    secret = "Cli-Secret-8841"
    port = password_server.port if problem == "wrong password" else _free_port()
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:{secret}@127.0.0.1:{port}/postgres?connect_timeout=2")
    proj = _ix_project(tmp_path)
    said = []
    for fmt in ("text", "json", "sarif", "github"):
        main(["check", str(proj / "queries.sql"), "--select", "IX001", "--output-format", fmt, "--no-cache"])
        out = capsys.readouterr()
        said += [out.out, out.err]
    main(["drift", str(proj)])
    out = capsys.readouterr()
    said += [out.out, out.err]
    expect = "authentication failed" if problem == "wrong password" else "not reachable"
    assert any(expect in s for s in said) and any("app:***@127.0.0.1" in s for s in said)
    assert not [s for s in said if secret in s]
