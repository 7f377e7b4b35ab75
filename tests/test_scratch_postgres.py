"""The throwaway server starts, answers, holds data, refuses CONCURRENTLY in a transaction, and goes away."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest

from backend_architect.db.scratch import PostgresUnavailable, ScratchPostgres, find_server_binaries


def test_a_scratch_server_runs_sql_and_is_removed_on_exit(scratch_postgres):
    dsn = scratch_postgres.create_database("t_" + uuid.uuid4().hex[:8])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint)")
        conn.execute("INSERT INTO posts SELECT g, g % 10 FROM generate_series(1, 1000) g")
        assert conn.execute("SELECT count(*) FROM posts").fetchone() == (1000,)
        assert conn.execute("SHOW server_version_num").fetchone()[0].startswith("1")
    # the property the migration rules rely on, observed on the real server
    with psycopg.connect(dsn) as conn, pytest.raises(psycopg.errors.ActiveSqlTransaction):
        conn.execute("CREATE INDEX CONCURRENTLY posts_user ON posts (user_id)")


def test_start_and_stop_leave_nothing_behind():
    try:
        server = ScratchPostgres().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    root = server.root
    assert root is not None and (root / "data" / "postmaster.pid").exists()
    server.stop()
    assert not root.exists()


def test_a_folder_without_server_binaries_is_a_clear_error(tmp_path):
    with pytest.raises(PostgresUnavailable, match="no initdb"):
        find_server_binaries(tmp_path)
