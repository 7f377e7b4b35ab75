"""The throwaway PostgreSQL server the database tests share (one per test session)."""

from __future__ import annotations

import os

import pytest

from backend_architect.db.scratch import PostgresUnavailable, ScratchPostgres


@pytest.fixture(scope="session")
def scratch_postgres():
    """A running server; CI must have one (`.ci/run` installs it), elsewhere the tests skip with the reason."""
    try:
        server = ScratchPostgres().start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()
