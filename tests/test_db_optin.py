"""A database is opt-in: without ``database.url`` or ``DATABASE_URL`` nothing connects anywhere
(not libpq's PGHOST defaults, not a DATABASE_URL written in the project's .env), and
``database.use-env = false`` makes the environment's DATABASE_URL count for nothing."""

from __future__ import annotations

import json
import socket

import pytest

from backend_architect.cli import main
from backend_architect.core.document import Document
from backend_architect.lsp.handlers.diagnostics import diagnostics_for
from backend_architect.lsp.handlers.drift import compute
from backend_architect.lsp.handlers.index_advice import IndexAdvice
from backend_architect.lsp.handlers.plan_hover import plan_hover
from backend_architect.lsp.session import Session
from backend_architect.project import build_catalog, forget


@pytest.fixture
def listener():
    """A port that would accept a connection: the tests prove nothing ever knocks."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    try:
        yield sock
    finally:
        sock.close()


def _knocked(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def _project(tmp_path, port: int):
    (tmp_path / "go.mod").write_text("module example.com/app\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL);\n"
    )
    (tmp_path / "queries.sql").write_text("SELECT id FROM accounts WHERE email = $1;\n")
    # the application's own settings: read for the dialect, never to connect
    (tmp_path / ".env").write_text(f"DATABASE_URL=postgresql://app:pw@127.0.0.1:{port}/app\n")
    forget()
    return tmp_path


def _everything(tmp_path, capsys, editor: dict) -> None:
    """Every feature that may use a database: check, drift, hover, diagnostics, drift diagnostics."""
    queries = str(tmp_path / "queries.sql")
    main(["check", queries, "--select", "IX001", "--output-format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in out] == ["IX001"]  # the advice is there, unverified and unlabelled
    assert "unverified" not in out[0]["message"]
    assert main(["drift", str(tmp_path)]) == 2
    assert "no database configured" in capsys.readouterr().err
    session = Session(root=str(tmp_path))
    session.configure({"extendSelect": ["IX001"], **editor})
    session.catalog = build_catalog(str(tmp_path), session.settings, use_disk_cache=False)
    session.index_advice = IndexAdvice(republish=lambda uri: None)
    text = (tmp_path / "queries.sql").read_text()
    snap = session.analyse(Document(text, path=queries, version=1))
    assert [d["code"] for d in diagnostics_for(session, snap)] == ["IX001"]
    assert session.index_advice._pool is None  # no check was even queued
    assert plan_hover(session, snap, 20) is None
    assert compute(session, str(tmp_path), session.catalog) == ({}, None)


def test_nothing_connects_without_a_configured_database(tmp_path, monkeypatch, listener, capsys):
    port = listener.getsockname()[1]
    proj = _project(tmp_path, port)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    for name, value in {"PGHOST": "127.0.0.1", "PGPORT": str(port), "PGUSER": "app"}.items():
        monkeypatch.setenv(name, value)
    _everything(proj, capsys, {})
    assert not _knocked(listener)


def test_use_env_false_ignores_database_url(tmp_path, monkeypatch, listener, capsys):
    port = listener.getsockname()[1]
    proj = _project(tmp_path, port)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:pw@127.0.0.1:{port}/app?connect_timeout=1")
    (proj / "backend-architect.toml").write_text("[database]\nuse-env = false\n")
    forget()
    _everything(proj, capsys, {"database": {"useEnv": False}})
    assert not _knocked(listener)


def test_database_url_in_the_environment_is_the_opt_in(tmp_path, monkeypatch, listener, capsys):
    # the control: the same project with DATABASE_URL set does knock (and says so, masked)
    port = listener.getsockname()[1]
    proj = _project(tmp_path, port)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://app:pw-77@127.0.0.1:{port}/app?connect_timeout=1")
    assert main(["drift", str(proj)]) == 2
    err = capsys.readouterr().err
    assert _knocked(listener)
    assert "pw-77" not in err and "app:***@127.0.0.1" in err
