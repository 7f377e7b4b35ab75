"""IX001 checked with HypoPG in the editor: published at once, measured in the background,
published again with the verdict (kept with its costs, dropped, or labelled unverified)."""

from __future__ import annotations

import re
import threading
import time
import uuid

import pytest

from backend_architect.core.document import Document
from backend_architect.lsp.handlers.diagnostics import diagnostics_for
from backend_architect.lsp.handlers.index_advice import IndexAdvice
from backend_architect.lsp.session import Session
from backend_architect.project import build_catalog, forget

psycopg = pytest.importorskip("psycopg")

SETUP = """
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, active boolean NOT NULL, plan text);
INSERT INTO accounts (email, active, plan) SELECT 'u' || g || '@x.test', g % 2 = 0, 'p' || (g % 3)
  FROM generate_series(1, 50000) g;
ANALYZE;
"""
QUERIES = "SELECT id FROM accounts WHERE email = $1;\nSELECT id FROM accounts WHERE active = $1;\n"
COST = re.compile(r"estimated cost [\d,.]+ -> [\d,.]+ with the index \(HypoPG\)")


def _database(server, prefix: str, hypopg: bool) -> str:
    dsn = server.create_database(prefix + uuid.uuid4().hex[:8])
    with psycopg.connect(dsn, autocommit=True) as conn:
        if hypopg:
            try:
                conn.execute("CREATE EXTENSION hypopg")
            except psycopg.Error as exc:
                pytest.skip(f"HypoPG is not installed (apt-get install postgresql-15-hypopg): {exc}")
        conn.execute(SETUP)
    return dsn


@pytest.fixture(scope="module")
def hypo_dsn(scratch_postgres):
    return _database(scratch_postgres, "ixhypo_", True)


@pytest.fixture(scope="module")
def plain_dsn(scratch_postgres):
    return _database(scratch_postgres, "ixplain_", False)


class Republished:
    """Collects the documents the checker asks to publish again (on its worker thread here)."""

    def __init__(self) -> None:
        self.uris: list[str] = []
        self.event = threading.Event()

    def __call__(self, uri: str) -> None:
        self.uris.append(uri)
        self.event.set()


def _setup(tmp_path, monkeypatch, url: str | None):
    (tmp_path / "go.mod").write_text("module example.com/app\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL, active boolean NOT NULL, plan text);\n"
    )
    (tmp_path / "queries.sql").write_text(QUERIES)
    forget()
    if url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", url)
    from backend_architect.lsp.handlers import plan_hover

    plan_hover._SESSIONS.clear()
    session = Session(root=str(tmp_path))
    session.configure({"extendSelect": ["IX001"]})
    session.catalog = build_catalog(str(tmp_path), session.settings, use_disk_cache=False)
    republished = Republished()
    session.index_advice = IndexAdvice(republish=republished)
    path = tmp_path / "queries.sql"
    snap = session.analyse(Document(QUERIES, path=str(path), version=1))
    return session, snap, republished


def _ix(diags):
    """The IX001 suggestions (a dropped one leaves a hint, severity 4)."""
    return [d for d in diags if d["code"] == "IX001" and d["severity"] != 4]


def _settle(checker: IndexAdvice, republished: Republished, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with checker.lock:
            if not checker.waiting:
                return
        republished.event.wait(0.05)
    raise AssertionError("the index checks did not finish")


def test_published_at_once_then_again_with_the_hypopg_verdict(hypo_dsn, tmp_path, monkeypatch):
    session, snap, republished = _setup(tmp_path, monkeypatch, hypo_dsn)
    first = _ix(diagnostics_for(session, snap))
    # the first publication does not wait for the database: both suggestions, unmeasured
    assert len(first) == 2 and not any(COST.search(d["message"]) for d in first)
    _settle(session.index_advice, republished)
    assert republished.uris == [snap.document.uri] * 2  # one per checked suggestion
    second = _ix(diagnostics_for(session, snap))
    (kept,) = second  # `active` (half the rows) is not worth an index: dropped
    # a hint where the dropped suggestion was says why, with HypoPG's costs
    (hint,) = [d for d in diagnostics_for(session, snap) if d["code"] == "IX001" and d["severity"] == 4]
    assert hint["range"]["start"]["line"] == 1 and hint["severity"] == 4
    assert "does not halve" in hint["message"] and "active" in hint["message"] and "data" in hint
    assert "fix" not in hint["data"]
    assert kept["range"]["start"]["line"] == 0 and COST.search(kept["message"])
    before, after = (
        float(x.replace(",", ""))
        for x in re.search(r"cost ([\d,.]+) -> ([\d,.]+)", kept["message"]).groups()
    )
    assert after <= before * 0.5
    (migration,) = kept["data"]["fix"]["new_files"]
    assert migration["text"].startswith("-- estimated cost") and "CREATE INDEX" in migration["text"]
    # cached per query, index and schema: publishing again asks the database nothing
    checks = session.index_advice.checks
    assert len(_ix(diagnostics_for(session, snap))) == 1
    assert session.index_advice.checks == checks and not session.index_advice.waiting
    # a new schema (the catalog was rebuilt) measures again
    session.catalog = object()
    assert len(_ix(diagnostics_for(session, snap))) == 2
    _settle(session.index_advice, republished)
    assert session.index_advice.checks == checks + 2


def test_a_slow_database_never_delays_the_diagnostics(hypo_dsn, tmp_path, monkeypatch):
    session, snap, republished = _setup(tmp_path, monkeypatch, hypo_dsn)
    with psycopg.connect(hypo_dsn) as holder:
        holder.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")  # EXPLAIN must wait for it
        started = time.perf_counter()
        first = _ix(diagnostics_for(session, snap))
        elapsed = time.perf_counter() - started
        assert len(first) == 2 and elapsed < 0.25, elapsed
        _settle(session.index_advice, republished)
        holder.rollback()
    labelled = _ix(diagnostics_for(session, snap))
    assert len(labelled) == 2
    assert all("(unverified: " in d["message"] and "for a lock" in d["message"] for d in labelled)


def test_without_hypopg_the_advice_stays_labelled_unverified(plain_dsn, tmp_path, monkeypatch):
    session, snap, republished = _setup(tmp_path, monkeypatch, plain_dsn)
    diagnostics_for(session, snap)
    _settle(session.index_advice, republished)
    labelled = _ix(diagnostics_for(session, snap))
    assert len(labelled) == 2
    assert all(
        d["message"].endswith("(unverified: HypoPG is not installed in the database)")
        for d in labelled
    )


def test_a_server_that_is_down_labels_the_advice_without_the_password(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://app:pw-ix-9137@127.0.0.1:{port}/app?connect_timeout=2"
    session, snap, republished = _setup(tmp_path, monkeypatch, url)
    diagnostics_for(session, snap)
    _settle(session.index_advice, republished)
    labelled = _ix(diagnostics_for(session, snap))
    assert len(labelled) == 2
    assert all("unverified" in d["message"] and "not reachable" in d["message"] for d in labelled)
    assert all("pw-ix-9137" not in d["message"] for d in labelled)
    # a database that is down is not asked again on every keystroke
    assert session.index_advice.down and not session.index_advice.waiting


def test_without_a_database_nothing_is_checked(tmp_path, monkeypatch):
    session, snap, republished = _setup(tmp_path, monkeypatch, None)
    static = _ix(diagnostics_for(session, snap))
    assert len(static) == 2 and not any("unverified" in d["message"] for d in static)
    assert session.index_advice._pool is None and not republished.uris


def test_database_hypopg_false_skips_the_check(hypo_dsn, tmp_path, monkeypatch):
    session, snap, republished = _setup(tmp_path, monkeypatch, hypo_dsn)
    session.configure({"extendSelect": ["IX001"], "database": {"hypopg": False}})
    snap = session.analyse(snap.document)
    assert len(_ix(diagnostics_for(session, snap))) == 2
    assert session.index_advice._pool is None


def test_the_editor_checks_the_codes_check_does():
    from backend_architect.db.advice import CHECKED
    from backend_architect.lsp.handlers.index_advice import CODES

    assert CODES == CHECKED


def test_checks_for_text_typed_over_are_skipped(hypo_dsn, tmp_path, monkeypatch):
    session, snap, republished = _setup(tmp_path, monkeypatch, hypo_dsn)
    path = snap.document.path
    with psycopg.connect(hypo_dsn) as holder:
        holder.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")  # the first check waits
        for n in range(1, 11):  # ten versions of the query while it is being typed
            text = f"SELECT id, {n} AS n FROM accounts WHERE email = $1;\n"
            snap = session.analyse(Document(text, path=path, version=n + 1))
            assert len(_ix(diagnostics_for(session, snap))) == 1
        holder.rollback()
    _settle(session.index_advice, republished)
    checker = session.index_advice
    # the check that was running, and the last version's: the eight in between never ran
    assert checker.checks == 2 and checker.skipped == 8, (checker.checks, checker.skipped)
    (latest,) = _ix(diagnostics_for(session, snap))
    assert COST.search(latest["message"])
