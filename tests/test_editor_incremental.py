"""Editor latency mechanisms: messages read ahead, cancelled analyses, and re-analysing
only the edited definition of application code (which must find what a full analysis finds)."""

from __future__ import annotations

import asyncio
import io
import json
import random
import re

import pytest

from backend_architect.config import Settings
from backend_architect.core import app_incremental
from backend_architect.core.document import Document
from backend_architect.core.engine import Cancelled, lint
from backend_architect.lsp.incoming import Incoming
from backend_architect.lsp.session import Session


def _framed(msg: dict) -> bytes:
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _change(uri: str, version: int) -> dict:
    return {
        "jsonrpc": "2.0",
        "method": "textDocument/didChange",
        "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"text": f"v{version}"}],
        },
    }


def test_the_reader_knows_when_a_newer_edit_of_a_document_is_waiting():
    a, b = "file:///a.py", "file:///b.py"
    stream = io.BytesIO(
        _framed(_change(a, 2))
        + _framed({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": {}})
        + _framed(_change(a, 3))
        + _framed(_change(b, 2))
        + _framed(_change(a, 4))
        + b'Content-Length: 5\r\n\r\n{"x"'  # cut off: the end of the stream
    )
    incoming = Incoming(stream)

    async def read_all():
        incoming.start(asyncio.get_running_loop())
        items = []
        while (item := await incoming.queue.get()) is not None:
            items.append(item)
        return items

    items = asyncio.run(read_all())
    assert [uri for _, uri in items] == [a, None, a, b, a]
    assert json.loads(items[1][0])["method"] == "textDocument/hover"
    stale = []
    for _, uri in items:  # the loop handles them one by one
        incoming.taken(uri)
        stale.append((incoming.stale(a), incoming.stale(b)))
    # a's version 2 and 3 are stale while version 4 waits; b's only edit never is
    assert stale == [(True, True), (True, True), (True, True), (True, False), (False, False)]


PY_HEAD = "from fastapi import APIRouter\nfrom sqlalchemy import text\nrouter = APIRouter()\n"
PY_DEF = """
@router.get("/things/{n}")
async def thing_{n}(db, key: str):
    rows = db.execute(text("SELECT * FROM things WHERE id = :i"), {{"i": key}})
    db.execute(f"DELETE FROM things WHERE owner = '{{key}}'")
    return [dict(r) for r in rows]

"""
TS_HEAD = 'import express from "express";\nconst app = express();\n'
TS_DEF = """
app.get("/things/{n}", async (req, res) => {{
  const rows = await pool.query("SELECT * FROM things WHERE id = $1", [req.query.i]);
  await pool.query(`DELETE FROM things WHERE owner = '${{req.query.o}}'`);
  res.json(rows.rows);
}});
"""
GO_HEAD = 'package main\n\nimport (\n\t"database/sql"\n\n\t"github.com/gin-gonic/gin"\n)\n\nvar db *sql.DB\n'
GO_DEF = """
func thing{n}(c *gin.Context) {{
	rows, _ := db.Query("SELECT * FROM things WHERE id = $1", c.Query("i"))
	db.Exec("DELETE FROM things WHERE owner = '" + c.Query("o") + "'")
	defer rows.Close()
	c.JSON(200, nil)
}}
"""
GO_AUTH = """
func AuthRequired() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("Authorization") == "" {
			c.AbortWithStatus(401)
		}
	}
}
"""
# one function registers every handler, some behind a guarded group: it is context for
# each handler, and the lines registering the others are left out of the copy
GO_ROUTES = """
func routes(r *gin.Engine) {{
	api := r.Group("/api", AuthRequired())
{lines}}}
"""
TS_ROUTER_HEAD = (
    'import express from "express";\nconst router = express.Router();\n'
    "function requireUser(req: any, res: any, next: any) {\n  if (!req.user) {\n"
    "    return res.status(401).end();\n  }\n  next();\n}\n"
)
TS_NAMED = """
async function thing{n}(req: any, res: any) {{
  await pool.query(`DELETE FROM things WHERE owner = '${{req.body.o}}'`);
  const rows = await pool.query("SELECT * FROM things WHERE id = $1", [req.query.i]);
  res.json(rows.rows);
}}
"""
DOCS = {
    "python": ("app/api.py", PY_HEAD, PY_DEF),
    "typescript": ("web/server.ts", TS_HEAD, TS_DEF),
    "go": ("cmd/api/main.go", GO_HEAD, GO_DEF),
    "go-routes": ("cmd/api/main.go", GO_HEAD + GO_AUTH, GO_DEF.replace("owner", "label")),
    "typescript-router": ("web/routes.ts", TS_ROUTER_HEAD, TS_NAMED),
}


def _registrations(lang: str, count: int) -> str:
    if lang == "go-routes":
        lines = "".join(
            f'\t{"api" if i % 5 == 4 else "r"}.{"POST" if i % 2 else "GET"}("/things/{i}", '
            f"{'AuthRequired(), ' if i % 3 else ''}thing{i})\n"
            for i in range(count)
        )
        return GO_ROUTES.format(lines=lines)
    if lang == "typescript-router":
        return "".join(
            f'router.{"post" if i % 2 else "get"}("/things/{i}", '
            f"{'requireUser, ' if i % 3 else ''}thing{i});\n"
            for i in range(count)
        )
    return ""


def _text(lang: str) -> tuple[str, str]:
    rel, head, unit = DOCS[lang]
    count = app_incremental.MIN_LINES // unit.count("\n") + 5
    return rel, head + "".join(unit.format(n=i) for i in range(count)) + _registrations(lang, count)


def _key(findings):
    return sorted((f.code, f.start, f.end, f.message, f.severity, f.fix) for f in findings)


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_re_analysing_the_edited_definition_finds_what_a_full_analysis_finds(tmp_path, lang):
    rel, text = _text(lang)
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_text(text)
    (tmp_path / ".git").mkdir()
    settings = Settings()
    language = lang.split("-")[0]
    doc = Document(text, path=str(path), language=language)
    previous = lint(doc, settings)
    assert previous.chunks and previous.findings
    rng = random.Random(5)
    quick = broken = 0
    for version in range(2, 32):
        body_start = text.index("\n", len(text) // 3)  # somewhere inside the definitions
        offset = rng.randrange(body_start, len(text) - 200)
        if rng.random() < 0.5:
            text = text[:offset] + text[offset + 1 :]
        else:
            text = text[:offset] + rng.choice("abz _,;.\n") + text[offset:]
        doc = Document(text, path=str(path), language=language, version=version)
        result = lint(doc, settings, previous=previous)
        full = lint(doc, settings)
        if result.broken_syntax:
            # the edited definition does not parse: the server analyses the whole file at
            # the next pause (tests/e2e/test_debounce.py); here only the definition is known
            broken += 1
        else:
            assert _key(result.findings) == _key(full.findings), (lang, version, offset)
            quick += result.approximate
        previous = result
    assert quick >= 15 and broken <= 10  # most edits took the incremental path, exactly


def test_an_edit_to_an_import_analyses_the_whole_file(tmp_path):
    rel, text = _text("python")
    path = tmp_path / rel
    settings = Settings()
    previous = lint(Document(text, path=str(path), language="python"), settings)
    edited = text.replace("from sqlalchemy import text", "from sqlalchemy import text, func", 1)
    result = lint(Document(edited, path=str(path), language="python"), settings, previous=previous)
    assert not result.approximate and result.chunks


def test_a_cancelled_analysis_stops_and_keeps_the_previous_snapshot(tmp_path):
    rel, text = _text("python")
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_text(text)
    session = Session(root=str(tmp_path))
    session.configure(None)
    uri = path.as_uri()
    first = session.analyse(session.document_for(uri, text, 1, "python"))
    # an import changed: every definition may read it, the whole file is analysed
    edited = text.replace("from sqlalchemy import text", "from sqlalchemy import text, func", 1)
    with pytest.raises(Cancelled):
        session.analyse(session.document_for(uri, edited, 2, "python"), cancelled=lambda: True)
    assert session.snapshot(uri) is first
    asked = []
    done = session.analyse(
        session.document_for(uri, edited, 2, "python"), cancelled=lambda: asked.append(1) or False
    )
    assert asked and session.snapshot(uri) is done and done.document.version == 2


def test_an_incremental_sql_analysis_is_never_cancelled_half_way(tmp_path):
    """The incremental plan moves the previous statements in place: once it is made, the
    analysis runs to the end (it is short), so the previous result is never left half moved."""
    text = "".join(f"SELECT id FROM t{i} WHERE id = 1;\n" for i in range(200))
    path = str(tmp_path / "q.sql")
    settings = Settings()
    previous = lint(Document(text, path=path, language="sql"), settings)
    edited = text.replace("t100 WHERE id = 1", "t100 WHERE id = 2")
    result = lint(
        Document(edited, path=path, language="sql"),
        settings,
        previous=previous,
        cancelled=lambda: True,
    )
    assert result.incremental
    with pytest.raises(Cancelled):
        lint(Document(edited, path=path, language="sql"), settings, cancelled=lambda: True)


def test_findings_kept_across_an_edit_move_only_what_lies_after_it():
    from backend_architect.core.app_incremental import relocated
    from backend_architect.core.findings import Edit, Finding, Fix

    # an edit replaced old bytes [100, 110) with 15 bytes (delta 5)
    after = Finding("X1", "m", 200, 210, Fix("f", (Edit(5, 5, "top"), Edit(200, 210, "y"))))
    moved = relocated(after, 100, 110, 5)
    assert (moved.start, moved.end) == (205, 215)
    assert [(e.start, e.end) for e in moved.fix.edits] == [(5, 5), (205, 215)]
    before = Finding("X2", "m", 10, 20, Fix("f", (Edit(10, 20, "a"), Edit(300, 300, "b"))))
    moved = relocated(before, 100, 110, 5)
    assert (moved.start, moved.end) == (10, 20)
    assert [(e.start, e.end) for e in moved.fix.edits] == [(10, 20), (305, 305)]
    untouched = Finding("X3", "m", 10, 20)
    assert relocated(untouched, 100, 110, 5) is untouched  # the same object: its JSON is reused
    into_the_edit = Finding("X4", "m", 10, 20, Fix("f", (Edit(104, 106, "c"),)))
    assert relocated(into_the_edit, 100, 110, 5) is None


@pytest.mark.parametrize("lang", ["typescript", "python"])
def test_diagnostics_reused_across_edits_equal_a_fresh_conversion(tmp_path, lang):
    import dataclasses

    from backend_architect.core.engine import LintResult
    from backend_architect.lsp.handlers.diagnostics import diagnostics_for
    from backend_architect.lsp.session import Snapshot

    rel, text = _text(lang)
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_text(text)
    session = Session(root=str(tmp_path))
    session.configure(None)
    uri = path.as_uri()
    rng = random.Random(9)
    reused = 0
    for version in range(1, 25):
        if version > 1:
            offset = rng.randrange(len(text) // 3, len(text) - 100)
            text = text[:offset] + rng.choice(["x", "\n", "", " (", "'"]) + text[offset + 1 :]
        snap = session.analyse(session.document_for(uri, text, version, lang))
        reused += sum("_lsp_moved" in f.__dict__ for f in snap.result.findings)
        got = diagnostics_for(session, snap)
        doc = Document(
            text, path=str(path), language=lang, version=version, uri=f"untitled:{version}"
        )
        copies = [dataclasses.replace(f) for f in snap.result.findings]
        fresh = diagnostics_for(
            session, Snapshot(doc, LintResult(doc, findings=copies), snap.settings)
        )
        assert got == fresh, version
    assert reused > 0  # the moved findings' JSON was carried along, and it was right


@pytest.mark.parametrize("lang", ["go-routes"])
def test_an_edit_to_one_registration_line_finds_what_a_full_analysis_finds(tmp_path, lang):
    """Edits inside the function that registers every handler: only the edited line is
    analysed again (with the handler it names), and agrees with a full analysis."""
    rel, text = _text(lang)
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_text(text)
    (tmp_path / ".git").mkdir()
    settings = Settings()
    doc = Document(text, path=str(path), language="go")
    previous = lint(doc, settings)
    assert any(f.code == "AU001" for f in previous.findings)  # the routes matter
    rng = random.Random(11)
    line_path = 0
    for version in range(2, 30):
        start = text.index("func routes(")
        # inside a route's path or its handler's name: the line stays a whole statement
        spots = [
            m.start(g) + rng.randrange(1, len(m.group(g)))
            for m in re.finditer(
                r'\t(?:r|api)\.(?:GET|POST)\("([^"]+)", [^\n]*?(\w+)\)\n', text[start:]
            )
            for g in (1, 2)
        ]
        assert len(spots) >= 80
        at = start + rng.choice(spots)
        if rng.random() < 0.5:
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + rng.choice("abz_0") + text[at:]
        doc = Document(text, path=str(path), language="go", version=version)
        before = app_incremental.LINE_EDITS[0]
        result = lint(doc, settings, previous=previous)
        full = lint(doc, settings)
        assert _key(result.findings) == _key(full.findings), (version, text[at - 30 : at + 30])
        line_path += app_incremental.LINE_EDITS[0] - before
        previous = result
    assert line_path >= 20  # most edits re-analysed their line, not the file


def _go_routes_analysed(tmp_path):
    """The go-routes document in a repository under ``tmp_path``, analysed: (path, text,
    settings, result)."""
    rel, text = _text("go-routes")
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    settings = Settings()
    return path, text, settings, lint(Document(text, path=str(path), language="go"), settings)


def test_an_unclosed_go_bracket_is_followed_to_the_end_of_the_file_at_once(tmp_path):
    # a bracket left open inside a handler swallows every definition after it: the
    # edited span is taken to the file's end after one copy, not grown step by step
    path, text, settings, previous = _go_routes_analysed(tmp_path)
    at = text.index("\n", text.index("func thing30(")) + 2  # inside its first statement
    edits = [(at, at, "(")]  # left open ...
    later = text.index("func thing45(")
    edits += [(later + 5, later + 5, "x"), (later + 5, later + 6, "")]  # ... edits after it ...
    line = text.index("\tr.GET(", text.index("func routes("))
    edits += [(line + 7, line + 7, "z"), (line + 7, line + 8, "")]  # ... in the routes ...
    edits += [(at, at + 1, "")]  # ... and closed again
    copies = []

    def run_full(doc):
        copies.append(doc)
        return lint(doc, settings)

    for version, (start, end, new) in enumerate(edits, 2):
        text = text[:start] + new + text[end:]
        doc = Document(text, path=str(path), language="go", version=version)
        copies.clear()
        result = app_incremental.fast_path(doc, previous, run_full)
        if version == 2:
            assert len(copies) <= 2  # the edited handler alone, then all up to the end
        if result is None:
            result = lint(doc, settings)
        full = lint(doc, settings)
        if version == 2:
            # while the bracket is open, sibling-route findings across the swallowed
            # definitions are left to the full analysis at the next pause
            assert _key(result.findings) == _key(full.findings)
        if result.chunks == full.chunks:
            # which definitions hold a syntax error is known in the document's offsets
            assert result.broken_chunks == full.broken_chunks, version
        previous = result
    assert not previous.broken_chunks


def test_a_copy_whose_parse_runs_past_the_edit_is_not_analysed(tmp_path):
    # a handler's closing brace deleted: what follows is swallowed into its syntax error up
    # to the end of the file. The copies are parsed, found to run past the edited span and
    # not analysed; the whole file is, and the editor's result is a full analysis's
    path, text, settings, previous = _go_routes_analysed(tmp_path)
    brace = text.index("}\n", text.index("func thing30("))
    text = text[:brace] + text[brace + 1 :]
    doc = Document(text, path=str(path), language="go", version=2)
    copies = []

    def run_full(copy):
        copies.append(copy)
        return lint(copy, settings)

    assert app_incremental.fast_path(doc, previous, run_full) is None
    assert copies == []
    result = lint(doc, settings, previous=previous)
    assert not result.approximate and result.chunks
    assert _key(result.findings) == _key(lint(doc, settings).findings)
    # a bracket left open that the handler's own parse keeps inside it: that copy is analysed
    brace_back = text[:brace] + "}" + text[brace:]
    at = brace_back.index("\n", brace_back.index("func thing30(")) + 2
    opened = brace_back[:at] + "(" + brace_back[at:]
    doc = Document(opened, path=str(path), language="go", version=3)
    result = app_incremental.fast_path(doc, previous, run_full)
    assert result is not None and len(copies) == 1 and "func thing30(" in copies[0].text
    assert _key(result.findings) == _key(lint(doc, settings).findings)


def test_an_edit_whose_copy_would_leave_nothing_out_analyses_the_whole_file(tmp_path):
    # a string left open on one registration line: an edit on another line of the function
    # registering every handler cannot be analysed with its line alone, and the function
    # names every handler, so a copy would hold the whole file: the file is analysed whole
    path, text, settings, _ = _go_routes_analysed(tmp_path)
    quote = text.index('"', text.index('\tr.GET("/things/8"') + 8)
    text = text[:quote] + text[quote + 1 :]
    previous = lint(Document(text, path=str(path), language="go"), settings)
    routes = text.index("func routes(")
    assert routes in previous.broken_chunks
    at = text.index('"/things/6"') + 5
    text = text[:at] + "x" + text[at:]
    doc = Document(text, path=str(path), language="go", version=2)
    copies = []

    def run_full(copy):
        copies.append(copy)
        return lint(copy, settings)

    assert app_incremental.fast_path(doc, previous, run_full) is None and copies == []
    result = lint(doc, settings, previous=previous)
    assert not result.approximate and result.chunks
    assert _key(result.findings) == _key(lint(doc, settings).findings)


def test_a_syntax_error_inside_one_go_registration_line_keeps_to_that_line(tmp_path):
    # `r.GET("/things/3",, thing3)`: the error stays inside the line, so only the line is
    # analysed again (marked broken until the full analysis at the pause); once it parses
    # again the result is exactly a full analysis's
    path, text, settings, previous = _go_routes_analysed(tmp_path)
    comma = text.index(",", text.index('\tr.GET("/things/6"')) + 1
    before = app_incremental.LINE_EDITS[0]
    broken_doc = Document(text[:comma] + "," + text[comma:], path=str(path), language="go")
    broken = lint(broken_doc, settings, previous=previous)
    assert broken.broken_syntax and broken.incremental
    assert app_incremental.LINE_EDITS[0] == before + 1  # the line alone
    routes = text.index("func routes(")
    assert routes in broken.broken_chunks
    assert broken.broken_line is not None and broken.broken_line[0] <= comma < broken.broken_line[1]
    fixed = lint(Document(text, path=str(path), language="go"), settings, previous=broken)
    assert fixed.incremental and not fixed.broken_syntax and not fixed.broken_chunks
    assert app_incremental.LINE_EDITS[0] == before + 2
    assert _key(fixed.findings) == _key(previous.findings)
    # an error elsewhere in the definition (a string left open) is not kept to a line
    quote = text.index('"', text.index('\tr.GET("/things/8"') + 8)
    open_doc = Document(text[:quote] + text[quote + 1 :], path=str(path), language="go")
    opened = lint(open_doc, settings, previous=previous)
    assert app_incremental.LINE_EDITS[0] == before + 2
    if not opened.broken_syntax:
        assert _key(opened.findings) == _key(lint(open_doc, settings).findings)


GO_OWNED_HEAD = (
    GO_HEAD
    + """
func Guard() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("X-Token") == "" {
			c.AbortWithStatus(401)
		}
	}
}
"""
)
GO_OWNED_DEF = """
func item{n}(c *gin.Context) {{
	row := db.QueryRow("SELECT * FROM items WHERE id = $1", c.Param("id"))
	c.JSON(200, row)
}}
"""


def test_an_edit_that_writes_the_files_first_ownership_test_is_refreshed_whole(tmp_path):
    # AZ001 asks about every handler once one of the file's handlers scopes a query by its
    # caller (here in capitals, the only such word in the file): an edit writing the first
    # such test changes the other handlers' findings, through no name the copy could keep.
    # The quick result says it is approximate, and the whole analysis the server runs at
    # the pause (what ``lint`` without ``previous`` finds) flags the others
    count = app_incremental.MIN_LINES // GO_OWNED_DEF.count("\n") + 5
    lines = "".join(f'\tapi.GET("/items{i}/:id", item{i})\n' for i in range(count))
    text = (
        GO_OWNED_HEAD
        + "".join(GO_OWNED_DEF.format(n=i) for i in range(count))
        + f'\nfunc routes(r *gin.Engine) {{\n\tapi := r.Group("/api", Guard())\n{lines}}}\n'
    )
    assert not any(w in text.casefold() for w in ("owner", "user", "author", "creator"))
    path = tmp_path / "cmd/api/main.go"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    (tmp_path / ".git").mkdir()
    settings = Settings()
    previous = lint(Document(text, path=str(path), language="go"), settings)
    assert not [f for f in previous.findings if f.code == "AZ001"]
    at = text.index("WHERE id = $1", text.index("func item3("))
    owned = text[:at] + "WHERE id = $1 AND OWNER_ID = $2" + text[at + len("WHERE id = $1") :]
    for version, edited in ((2, owned), (3, text)):
        doc = Document(edited, path=str(path), language="go", version=version)
        result = lint(doc, settings, previous=previous)
        full = lint(doc, settings)
        assert result.approximate or _key(result.findings) == _key(full.findings)
        az = [f for f in full.findings if f.code == "AZ001"]
        assert len(az) == (count - 1 if edited is owned else 0)
        previous = full


def test_a_registration_line_of_a_definition_broken_elsewhere_is_not_analysed_alone(tmp_path):
    # a string left open in one registration line: the whole function is analysed and
    # holds the error; a later edit to another of its lines is not analysed as that line
    # alone (the error may lie anywhere in the function), and the result is still exact
    path, text, settings, previous = _go_routes_analysed(tmp_path)
    routes = text.index("func routes(")
    quote = text.index('"', text.index('\tr.GET("/things/8"') + 8)
    opened_text = text[:quote] + text[quote + 1 :]
    before = app_incremental.LINE_EDITS[0]
    opened = lint(Document(opened_text, path=str(path), language="go"), settings, previous=previous)
    assert routes in opened.broken_chunks and opened.broken_line is None
    at = opened_text.index('"/things/3"') + 2
    edited = Document(opened_text[:at] + "x" + opened_text[at:], path=str(path), language="go")
    result = lint(edited, settings, previous=opened)
    assert app_incremental.LINE_EDITS[0] == before  # never the line alone
    assert result.broken_syntax or _key(result.findings) == _key(lint(edited, settings).findings)
    # the line that holds the error, edited again: the whole function too (the analysis
    # that found the error does not say where it is)
    at = edited.text.index('"/things/8') + 2
    again_text = edited.text[:at] + "y" + edited.text[at:]
    again = lint(Document(again_text, path=str(path), language="go"), settings, previous=result)
    assert app_incremental.LINE_EDITS[0] == before
    full = lint(Document(again_text, path=str(path), language="go"), settings)
    assert again.broken_syntax or _key(again.findings) == _key(full.findings)
