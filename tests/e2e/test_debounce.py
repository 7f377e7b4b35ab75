"""A burst of edits over stdio: the diagnostics that stay are the newest version's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "benchmarks"))
from lsp_sync import SyncSession, comparable  # noqa: E402

TEXT = 'import sqlite3\n\ndef f(cur, uid):\n    cur.execute("SELECT * FROM orders")\n'


def test_after_a_burst_of_edits_the_newest_versions_diagnostics_are_published(tmp_path):
    session = SyncSession(tmp_path)
    try:
        uri = session.open("app.py", TEXT)
        session.diagnostics(uri, 1)
        text = TEXT
        last = 30
        for version in range(2, last + 1):  # sent back to back, without waiting for anything
            text += f'    cur.execute(f"DELETE FROM t{version} WHERE id = {{uid}}")\n'
            session.change(uri, version, [{"text": text}])
        newest = session.diagnostics(uri, last)
        assert session.text(uri) == text  # a barrier: everything sent before it was handled
        session._drain()
        assert session.published[uri]["version"] == last  # nothing older came after it
        # findings on the line the last edit added: these are the newest text's diagnostics
        last_line = text.count("\n") - 1
        assert any(d["range"]["start"]["line"] == last_line for d in newest), newest
        # the same as a fresh analysis of the final text
        session.close_doc(uri)
        session.text(uri)
        session.published.pop(uri, None)
        session.open("app.py", text, last)
        assert comparable(session.diagnostics(uri, last)) == comparable(newest)
    finally:
        session.close()


def test_a_stale_fix_all_resolve_after_a_burst_answers_content_modified(tmp_path):
    session = SyncSession(tmp_path)
    try:
        uri = session.open("q.sql", "SELECT * FROM orders WHERE id NOT IN (SELECT 1);\n")
        session.diagnostics(uri, 1)
        action = {
            "title": "Backend Architect: fix all safe findings",
            "kind": "source.fixAll.backend-architect",
            "data": {"fixAll": uri, "version": 1},
        }
        for version in range(2, 6):
            session.change(uri, version, [{"text": f"SELECT * FROM orders{version};\n"}])
        answer = session.request("codeAction/resolve", action)
        assert "result" not in answer and answer["error"]["code"] == -32801  # ContentModified
        assert session.text(uri) == "SELECT * FROM orders5;\n"
    finally:
        session.close()
