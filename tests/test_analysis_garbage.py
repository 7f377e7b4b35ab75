"""An analysis leaves no reference cycles behind.

A cycle is freed only by the garbage collector, which the server runs rarely (it raises
the thresholds for latency); a cycle that reaches a syntax tree keeps the whole tree
(tree-sitter's memory, megabytes for a large file) alive until then. After many edits
that was hundreds of megabytes. These tests edit documents of every language with SQL in
them and require that nothing an analysis made is left for the collector.
"""

from __future__ import annotations

import gc
import sys

import pytest

from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint

PYTHON = """from sqlalchemy import text


def list_orders(db, account_id):
    return db.execute(text("SELECT * FROM orders WHERE account_id = :a"), {"a": account_id})


def find_user(cur, name):
    cur.execute(f"SELECT id FROM users WHERE name = '{name}'")
    return cur.fetchone()
"""

TYPESCRIPT = """import { Pool } from "pg";
const pool = new Pool();

export async function orders(accountId: string) {
  return pool.query(`SELECT * FROM orders WHERE account_id = ${accountId}`);
}
"""

GO = """package main

import "database/sql"

func orders(db *sql.DB, id string) {
	db.Query("SELECT * FROM orders WHERE account_id = " + id)
}
"""

SQL = """CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint);
CREATE INDEX orders_account ON orders (account_id);
SELECT * FROM orders WHERE account_id = 1;
"""


def _garbage_after(path: str, text: str) -> list:
    """The objects left in reference cycles by three incremental analyses of edits to ``text``."""
    settings = Settings()
    previous = lint(Document(text, path=path), settings)  # warm: imports, caches
    gc.collect()
    at = text.index("orders WHERE") + 2  # inside the SQL string
    gc.disable()
    try:
        for n in range(3):
            text = text[:at] + "x" + text[at:]
            previous = lint(Document(text, path=path, version=n + 2), settings, previous=previous)
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert previous.findings is not None
    return garbage


@pytest.mark.parametrize(
    "path,text",
    [
        ("app/db.py", PYTHON),
        ("src/db.ts", TYPESCRIPT),
        ("db.go", GO),
        ("migrations/0001_orders.sql", SQL),
    ],
)
def test_an_analysis_leaves_no_cycles(tmp_path, path, text):
    full = tmp_path / path
    full.parent.mkdir(parents=True, exist_ok=True)
    full.write_text(text)
    garbage = _garbage_after(str(full), text)
    kinds = sorted({type(o).__name__ for o in garbage})
    assert sum(sys.getsizeof(o) for o in garbage) == 0, kinds
