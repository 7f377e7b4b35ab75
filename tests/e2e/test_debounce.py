"""A burst of edits over stdio: the diagnostics that stay are the newest version's."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "benchmarks"))
from lsp_sync import SyncSession, comparable  # noqa: E402

TEXT = 'import sqlite3\n\ndef f(cur, uid):\n    cur.execute("SELECT * FROM orders")\n'


def test_after_a_burst_of_edits_the_newest_versions_diagnostics_are_published(tmp_path):
    (tmp_path / "backend-architect.toml").write_text(
        'extend-select = ["IV010"]\n'
    )  # off by default
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
        assert comparable(fresh_analysis(session, uri, "app.py", text, last)) == comparable(newest)
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


def test_an_edit_that_breaks_a_definition_is_analysed_whole_once_the_user_pauses(tmp_path):
    """In a large file only the edited definition is analysed at once; when it does not
    parse, the whole file is analysed again after a pause and published for the same
    version: then the diagnostics equal a fresh analysis."""
    unit = (
        '\n@router.get("/things/{n}")\nasync def thing_{n}(db, key: str):\n'
        '    rows = db.execute(text("SELECT * FROM things WHERE id = :i"), {{"i": key}})\n'
        "    db.execute(f\"DELETE FROM things WHERE owner = '{{key}}'\")\n"
        "    return [dict(r) for r in rows]\n\n"
    )
    text = "from fastapi import APIRouter\nfrom sqlalchemy import text\nrouter = APIRouter()\n"
    text += "".join(unit.format(n=i) for i in range(80))
    session = SyncSession(tmp_path)
    try:
        uri = session.open("app/api.py", text)
        session.diagnostics(uri, 1)
        at = text.index("async def thing_40")
        at = text.index("db.execute(f", at) + len("db.execute(")
        # an unclosed parenthesis inside one handler
        broken = change(session, uri, 2, text, at, at, "(")
        first = session.diagnostics(uri, 2)
        session.published.pop(uri)
        again = session.diagnostics(uri, 2)  # the whole file, after the pause
        fresh = fresh_analysis(session, uri, "app/api.py", broken, 2)
        assert comparable(again) == comparable(fresh)
        assert first  # the quick answer came first, for the same version
    finally:
        session.close()


def test_go_edits_that_break_a_registration_line_or_leave_a_bracket_open(tmp_path):
    """Go, through the server: a syntax error inside one route registration line, then
    fixed; a bracket left open in a handler (it swallows the rest of the file). Every
    version's diagnostics, once the server has paused, equal a fresh analysis."""
    text = go_handlers(
        80, "GET", '\tdb.Exec("DELETE FROM things WHERE owner = \'" + c.Query("o") + "\'")\n'
    )
    session = SyncSession(tmp_path)
    try:
        uri = session.open("cmd/api/main.go", text)
        session.diagnostics(uri, 1)
        comma = text.index(",", text.index('\tr.GET("/things/7"'))
        hole = text.index("db.Exec(", text.index("func thing40(")) + len("db.Exec(")
        edits = [
            (comma, comma, ","),
            (comma, comma + 1, ""),
            (hole, hole, "("),
            (hole, hole + 1, ""),
        ]
        for version, (start, end, new) in enumerate(edits, 2):
            text = change(session, uri, version, text, start, end, new)
            assert session.diagnostics(uri, version) is not None  # the quick answer
            session.published.pop(uri)
            settled = session.diagnostics(uri, version)  # after the pause, when approximate
            fresh = fresh_analysis(session, uri, "cmd/api/main.go", text, version)
            assert comparable(settled) == comparable(fresh), version
    finally:
        session.close()


def test_go_edits_a_copy_cannot_help_with_are_answered_exactly_at_once(tmp_path):
    """Go, through the server: a handler's closing brace deleted (the rest of the file is
    swallowed into its syntax error), then, with a string left open on one registration
    line, an edit on another one. Both are analysed whole at once: the first diagnostics
    published for each version equal a fresh analysis, without waiting for the pause."""
    text = go_handlers(90, "POST")
    session = SyncSession(tmp_path)
    try:
        uri = session.open("cmd/api/main.go", text)
        session.diagnostics(uri, 1)
        brace = text.index("}\n", text.index("func thing40("))
        edits = [(brace, brace + 1, ""), (brace, brace, "}")]
        quote = text.index('"', text.index('\tr.POST("/things/8"') + 8)
        edits += [(quote, quote + 1, "")]  # a string left open (a partial answer here)
        other = text.index('"/things/60"') - 2  # (one character before it is gone)
        edits += [(other, other, "x")]  # then an edit on another registration line
        for version, (start, end, new) in enumerate(edits, 2):
            text = change(session, uri, version, text, start, end, new)
            quick = session.diagnostics(uri, version)
            assert quick is not None
            if version == 4:
                continue  # the open string's own line: analysed alone, settled at the pause
            fresh = fresh_analysis(session, uri, "cmd/api/main.go", text, version)
            assert comparable(quick) == comparable(fresh), version
    finally:
        session.close()


def go_handlers(count: int, method: str, extra: str = "") -> str:
    """A Go file of ``count`` gin handlers that query the database, then the function that
    registers them all (``method`` each), for the Go edit tests."""
    unit = (
        "\nfunc thing{n}(c *gin.Context) {{\n"
        '\trows, _ := db.Query("SELECT * FROM things WHERE id = $1", c.Query("i"))\n'
        + extra.replace("{", "{{").replace("}", "}}")
        + "\tdefer rows.Close()\n\tc.JSON(200, nil)\n}}\n"
    )
    text = 'package main\n\nimport (\n\t"database/sql"\n\n\t"github.com/gin-gonic/gin"\n)\n'
    text += "\nvar db *sql.DB\n" + "".join(unit.format(n=i) for i in range(count))
    text += "\nfunc routes(r *gin.Engine) {\n"
    return text + "".join(f'\tr.{method}("/things/{i}", thing{i})\n' for i in range(count)) + "}\n"


def change(session, uri: str, version: int, text: str, start: int, end: int, new: str) -> str:
    """Send the edit that replaces ``text[start:end]`` with ``new``; the text after it."""
    line = text.count("\n", 0, start)
    column = start - (text.rfind("\n", 0, start) + 1)
    a = {"line": line, "character": column}
    b = {"line": line, "character": column + end - start}
    session.change(uri, version, [{"range": {"start": a, "end": b}, "text": new}])
    return text[:start] + new + text[end:]


def fresh_analysis(session, uri: str, name: str, text: str, version: int) -> list:
    """The diagnostics of ``text`` opened from scratch as ``name`` at ``version`` (the
    document closed first): what the edits before must have come to."""
    session.close_doc(uri)
    session.text(uri)  # a barrier: the close was handled
    session.published.pop(uri, None)
    session.open(name, text, version)
    return session.diagnostics(uri, version)
