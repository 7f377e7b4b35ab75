"""The resource model: the same table read from the catalog or from its CREATE TABLE line
gives the same resource; what the database fills, what is sensitive, what is JSON."""

from __future__ import annotations

import pytest

from backend_architect.catalog import build_for_paths
from backend_architect.commands.base import Target, Workspace
from backend_architect.commands.tables import (
    no_table_message,
    table_at,
    table_from_catalog,
    tables_in_sql,
)
from backend_architect.config import Settings, settings_for_path
from backend_architect.core.document import Document
from backend_architect.resources import from_table, is_sensitive

PG = """
CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code serial NOT NULL UNIQUE,
  email text NOT NULL,
  password_hash text NOT NULL,
  api_token text,
  role text NOT NULL DEFAULT 'member',
  settings jsonb NOT NULL DEFAULT '{}',
  total numeric GENERATED ALWAYS AS (1) STORED,
  nickname text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
"""

SQLITE = """
CREATE TABLE notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  body TEXT NOT NULL,
  meta JSON,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""


def summary(resource):
    return {
        "input": [f.name for f in resource.input_fields],
        "output": [f.name for f in resource.output_fields],
        "writable": [f.name for f in resource.writable],
        "required": [f.name for f in resource.writable if f.required],
        "json": [f.name for f in resource.json_fields],
        "id": (resource.id.name, resource.id.py_type),
    }


def test_create_table_line_and_catalog_agree(tmp_path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.sql").write_text(PG)
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    settings, _ = settings_for_path(str(tmp_path / "x"))
    catalog = build_for_paths([str(tmp_path)], settings)
    from_catalog = from_table(table_from_catalog(catalog.table("accounts")))
    (from_line,) = [from_table(t) for t in tables_in_sql(PG)]
    assert summary(from_catalog) == summary(from_line)
    s = summary(from_line)
    # identity, serial and GENERATED columns and now() defaults are never written
    assert s["writable"] == ["email", "password_hash", "api_token", "role", "settings", "nickname"]
    # sensitive ones are neither taken from clients nor returned
    assert s["input"] == ["email", "settings", "nickname"]
    assert "password_hash" not in s["output"] and "api_token" not in s["output"]
    assert "role" not in s["output"] and "created_at" in s["output"]
    assert s["required"] == ["email", "password_hash"]
    assert s["json"] == ["settings"]
    assert s["id"] == ("id", "int")
    # the password hash is filled from a write-only password; nothing else hidden is required
    assert from_line.password_hash.name == "password_hash" and from_line.required_hidden == []
    assert from_line.updated_at is not None


def test_sensitive_fields_when_the_user_asks():
    (t,) = tables_in_sql(PG)
    r = from_table(t, include_sensitive=True)
    assert "password_hash" in [f.name for f in r.input_fields]
    assert "password_hash" in [f.name for f in r.output_fields]


@pytest.mark.parametrize(
    "name,expected",
    [
        ("password", True),
        ("password_digest", True),
        ("refresh_token", True),
        ("token_expires_at", True),
        ("client_secret", True),
        ("role", True),
        ("permissions", True),
        ("is_admin", True),
        ("email", False),
        ("tokenizer", True),  # contains "token": better hidden than leaked
        ("rolename", False),
        ("name", False),
    ],
)
def test_sensitive_names(name, expected):
    assert is_sensitive(name) is expected


def test_sqlite_autoincrement_is_read_and_filled_by_the_database():
    (t,) = tables_in_sql(SQLITE)
    assert t.dialect == "sqlite"
    r = from_table(t)
    assert r.dialect == "sqlite"
    assert summary(r)["writable"] == ["body", "meta"]
    assert summary(r)["json"] == ["meta"]
    # positions still point into the original text (the keyword is blanked, not removed)
    assert SQLITE.splitlines()[t.line - 1].lstrip().startswith("CREATE TABLE notes")
    doc = Document(SQLITE, path="notes.sql", language="sql")
    at = table_at(doc, SQLITE.index("body"))
    assert at is not None and at.name == "notes" and at.dialect == "sqlite"


def test_sqlite_repository_has_no_postgres_only_sql():
    from backend_architect.commands.repository import python_repository

    (t,) = tables_in_sql(SQLITE)
    t.columns.append(
        type(t.columns[0])("updated_at", "TEXT", False, "CURRENT_TIMESTAMP", auto=True)
    )
    text = python_repository(t, "sqlite3")
    assert "now()" not in text and "CURRENT_TIMESTAMP" in text
    assert "%s" not in text and "json.loads" in text


def test_a_command_during_indexing_says_so():
    def target(indexing: bool) -> Target:
        return Target("REPOSITORY", Workspace("/w", Settings(), None, indexing=indexing))

    assert "still being indexed" in no_table_message(target(True), "REPOSITORY", "no table")
    assert no_table_message(target(False), "REPOSITORY", "no table") == "no table"


def test_go_endpoint_body_accepts_zero_for_required_numbers():
    """A required number or bool is required to be present, not to be non-zero (0 and false
    accepted, only a missing field refused); sensitive and database-filled columns are not
    in the body."""
    from backend_architect.frameworks.gin import GIN_IDIOMS
    from backend_architect.frameworks.kit import go_crud

    (t,) = tables_in_sql(
        "CREATE TABLE products (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, sku text NOT NULL,"
        " price_cents integer NOT NULL, active boolean NOT NULL, api_token text,"
        " created_at timestamptz NOT NULL DEFAULT now());"
    )
    _, body = go_crud.go_handlers(t, ["create", "update"], "/products", GIN_IDIOMS)
    for name in ("sku", "price_cents", "active"):
        assert f'case "{name}":' in body
        assert f'if _, given := raw["{name}"]; !given {{' in body
        assert f'bad("{name}", "is required")' in body
    for name in ("api_token", "created_at", "id"):
        assert f'case "{name}":' not in body
