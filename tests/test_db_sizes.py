"""MIGRATION findings sized by the development database (database.size-migrations): a small
table's finding becomes a hint with its row count, a big table's keeps its severity with the
count; off, or with the database down, the findings are as the rules found them. In ``check``
and in the editor (in the background)."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid

import pytest

from backend_architect.core.document import Document
from backend_architect.lsp.handlers.diagnostics import diagnostics_for
from backend_architect.lsp.handlers.table_sizes import TableSizes
from backend_architect.lsp.session import Session
from backend_architect.project import build_catalog, forget

psycopg = pytest.importorskip("psycopg")

SETUP = """
CREATE TABLE invites (id int PRIMARY KEY, email text);
INSERT INTO invites SELECT g, 'i' || g || '@x.test' FROM generate_series(1, 12) g;
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL);
INSERT INTO accounts (email) SELECT 'u' || g || '@x.test' FROM generate_series(1, 20000) g;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id int PRIMARY KEY, total int);
INSERT INTO billing.invoices SELECT g, g FROM generate_series(1, 30) g;
CREATE TABLE never_analysed (id int);
ANALYZE invites, accounts, billing.invoices;
"""
SCHEMA = (
    "CREATE TABLE invites (id int PRIMARY KEY, email text);\n"
    "CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL);\n"
    "CREATE SCHEMA billing;\nCREATE TABLE billing.invoices (id int PRIMARY KEY, total int);\n"
    "CREATE TABLE never_analysed (id int);\n"
)
MIGRATION = (
    "CREATE INDEX invites_email ON invites (email);\n"  # line 0: 12 rows
    "CREATE INDEX accounts_email ON accounts (email);\n"  # line 1: 20,000 rows
    "ALTER TABLE ONLY billing.invoices ADD CONSTRAINT invoices_total UNIQUE (total);\n"  # line 2: 30
    "CREATE INDEX never_analysed_id ON never_analysed (id);\n"  # line 3: reltuples -1
    "CREATE INDEX ghosts_id ON ghosts (id);\n"  # line 4: not in the database
)
SELECT = ["MG001", "MG008"]


@pytest.fixture(scope="module")
def dsn(scratch_postgres):
    url = scratch_postgres.create_database("sizes_" + uuid.uuid4().hex[:8])
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(SETUP)
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _project(tmp_path, size: bool | None, rows: int | None = None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "go.mod").write_text("module example.com/app\n")
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "schema.sql").write_text(SCHEMA)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "002_indexes.sql").write_text(MIGRATION)
    table = []
    if size is not None:
        table.append(f"size-migrations = {'true' if size else 'false'}")
    if rows is not None:
        table.append(f"small-table-rows = {rows}")
    (tmp_path / "backend-architect.toml").write_text(
        "schema = ['schema']\n[database]\n" + "\n".join(table) + "\n"
    )
    forget()
    return tmp_path


def _check(proj, capsys):
    from backend_architect.cli import main

    main(
        [
            "check",
            str(proj / "migrations" / "002_indexes.sql"),
            "--select",
            ",".join(SELECT),
            "--output-format",
            "json",
            "--no-cache",
        ]
    )
    items = json.loads(capsys.readouterr().out)
    findings = {  # by line, without the file's path (the tests compare two projects)
        f["location"]["row"] - 1: {k: v for k, v in f.items() if k not in ("filename", "fix")}
        for f in items
        if f["code"] in SELECT
    }
    notes = [f["message"] for f in items if f["name"] == "note"]
    return findings, notes


def _reset():
    from backend_architect.db import sizes
    from backend_architect.lsp.handlers import plan_hover

    sizes._FAILED.clear()
    sizes._SESSIONS.clear()
    plan_hover._SESSIONS.clear()


def test_check_without_the_setting_leaves_the_findings_alone(dsn, tmp_path, monkeypatch, capsys):
    _reset()
    monkeypatch.setenv("DATABASE_URL", dsn)
    off, notes = _check(_project(tmp_path / "a", None), capsys)
    assert sorted(off) == [0, 1, 2, 3, 4] and notes == []
    assert not any("development database" in f["message"] for f in off.values())
    assert {f["severity"] for f in off.values()} != {"hint"}
    explicit, _ = _check(_project(tmp_path / "b", False), capsys)
    assert explicit == off


def test_check_sizes_the_findings_by_reltuples(dsn, tmp_path, monkeypatch, capsys):
    _reset()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    static, _ = _check(_project(tmp_path / "a", True), capsys)  # no database: nothing connects
    monkeypatch.setenv("DATABASE_URL", dsn)
    sized, notes = _check(_project(tmp_path / "b", True), capsys)
    assert notes == [] and sorted(sized) == sorted(static) == [0, 1, 2, 3, 4]
    small = sized[0]
    assert small["severity"] == "hint"
    assert small["message"] == (
        static[0]["message"] + " (table invites: about 12 rows in the development database, "
        "below database.small-table-rows)"
    )
    big = sized[1]
    assert big["severity"] == static[1]["severity"] != "hint"
    assert big["message"] == (
        static[1]["message"] + " (table accounts: about 20,000 rows in the development database)"
    )
    # ALTER TABLE ONLY on a schema-qualified table
    assert sized[2]["severity"] == "hint" and "table billing.invoices: about 30 rows" in sized[2]["message"]
    # never analysed (reltuples -1) and not in the database: as the rules found them
    assert sized[3] == static[3] and sized[4] == static[4]


def test_check_with_a_lower_threshold_keeps_the_severity(dsn, tmp_path, monkeypatch, capsys):
    _reset()
    monkeypatch.setenv("DATABASE_URL", dsn)
    sized, _ = _check(_project(tmp_path, True, rows=10), capsys)
    assert sized[0]["severity"] != "hint"
    assert sized[0]["message"].endswith("(table invites: about 12 rows in the development database)")


def test_check_with_the_database_down_leaves_the_findings_and_notes_once(tmp_path, monkeypatch, capsys):
    _reset()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    static, _ = _check(_project(tmp_path / "a", True), capsys)
    monkeypatch.setenv(
        "DATABASE_URL", f"postgresql://app:Down-Secret@127.0.0.1:{_free_port()}/db?connect_timeout=2"
    )
    found, notes = _check(_project(tmp_path / "b", True), capsys)
    assert found == static
    (note,) = notes
    assert note.startswith("migration findings not sized:") and "Down-Secret" not in note
    again, notes = _check(tmp_path / "b", capsys)
    assert again == static and notes == []  # once per process: the database is not asked again


# -- the editor ---------------------------------------------------------------------------------


class Republished:
    def __init__(self) -> None:
        self.uris: list[str] = []
        self.event = threading.Event()

    def __call__(self, uri: str) -> None:
        self.uris.append(uri)
        self.event.set()


def _editor(tmp_path, monkeypatch, url: str | None, size: bool):
    proj = _project(tmp_path, size)
    _reset()
    if url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", url)
    session = Session(root=str(proj))
    session.configure({"select": SELECT})
    session.catalog = build_catalog(str(proj), session.settings, use_disk_cache=False)
    republished = Republished()
    session.table_sizes = TableSizes(republish=republished)
    path = proj / "migrations" / "002_indexes.sql"
    snap = session.analyse(Document(MIGRATION, path=str(path), version=1))
    return session, snap, republished


def _settle(sizes: TableSizes, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sizes.lock:
            if not sizes.waiting:
                return
        time.sleep(0.02)
    raise AssertionError("the size reads did not finish")


def _by_line(diags):
    return {d["range"]["start"]["line"]: d for d in diags if d["code"] in SELECT}


def test_editor_publishes_at_once_then_sized(dsn, tmp_path, monkeypatch):
    session, snap, republished = _editor(tmp_path, monkeypatch, dsn, True)
    first = _by_line(diagnostics_for(session, snap))
    assert sorted(first) == [0, 1, 2, 3, 4]
    assert not any("development database" in d["message"] for d in first.values())
    _settle(session.table_sizes)
    assert set(republished.uris) == {snap.document.uri}
    second = _by_line(diagnostics_for(session, snap))
    assert second[0]["severity"] == 4 and "invites: about 12 rows" in second[0]["message"]
    assert second[1]["severity"] == first[1]["severity"] != 4
    assert second[1]["message"].endswith("(table accounts: about 20,000 rows in the development database)")
    assert second[2]["severity"] == 4
    assert second[3] == first[3] and second[4] == first[4]
    # cached per table: publishing again reads nothing
    reads = session.table_sizes.reads
    assert _by_line(diagnostics_for(session, snap)) == second
    assert session.table_sizes.reads == reads and not session.table_sizes.waiting


def test_editor_without_the_setting_reads_nothing(dsn, tmp_path, monkeypatch):
    session, snap, republished = _editor(tmp_path, monkeypatch, dsn, False)
    first = _by_line(diagnostics_for(session, snap))
    assert not session.table_sizes.waiting and session.table_sizes.reads == 0
    assert not any("development database" in d["message"] for d in first.values())
    assert republished.uris == []


def test_editor_with_the_database_down_leaves_the_findings(tmp_path, monkeypatch):
    url = f"postgresql://app:pw@127.0.0.1:{_free_port()}/db?connect_timeout=2"
    session, snap, republished = _editor(tmp_path, monkeypatch, url, True)
    first = _by_line(diagnostics_for(session, snap))
    _settle(session.table_sizes)
    assert republished.uris == [] and session.table_sizes.down
    assert _by_line(diagnostics_for(session, snap)) == first
    assert not session.table_sizes.waiting  # down: not asked again until RETRY_DOWN


# -- the table a statement works on (no database needed) ------------------------------------------


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        ("ALTER TABLE IF EXISTS ONLY invites ADD COLUMN note text", ("invites",)),
        ("CREATE UNIQUE INDEX invites_email ON ONLY app.invites (email)", ("app.invites",)),
        ('CREATE INDEX "I" ON "Invites" (email)', ("Invites",)),
        ("VACUUM FULL invites", ("invites",)),
        ("CLUSTER invites USING invites_pkey", ("invites",)),
        ("REINDEX TABLE invites", ("invites",)),
        ("DROP TABLE invites, accounts", ("invites", "accounts")),
        ("ALTER TABLE invites RENAME COLUMN email TO mail", ("invites",)),
        ("ALTER TABLE invites ADD FOREIGN KEY (a) REFERENCES accounts (id)", ("invites", "accounts")),
        ("LOCK TABLE invites IN ACCESS EXCLUSIVE MODE", ("invites",)),
        # nothing existing to size: a new table, a concurrent build, an index by name
        ("CREATE TABLE fresh (id int)", ()),
        ("CREATE INDEX CONCURRENTLY i ON invites (email)", ()),
        ("DROP INDEX invites_email", ()),
        ("SET lock_timeout = '5s'", ()),
    ],
)
def test_the_tables_a_statement_works_on(sql, tables):
    from backend_architect.core.regions import region_for_sql_document
    from backend_architect.core.sql import split_statements
    from backend_architect.db.sizes import tables_of

    (stmt,) = split_statements(region_for_sql_document(sql + ";\n"))
    assert tables_of(stmt) == tables
