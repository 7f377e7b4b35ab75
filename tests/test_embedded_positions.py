"""Embedded SQL: every finding lands on the exact byte of the host string."""

from __future__ import annotations

import pytest

from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import Context, lint
from backend_architect.app.embedded import embedded_sql


# QO001 (SELECT *) is off by default; these tests select it as the canary
STAR = Settings(extend_select=("QO001",))


def _star_findings(text: str, path: str):
    doc = Document(text, path=path)
    result = lint(doc, STAR)
    assert not result.errors, result.errors
    return doc, [f for f in result.findings if f.code == "QO001"]


def _pos(doc: Document, offset: int) -> tuple[int, int]:
    line, col = doc.offset_to_position(offset, "utf-32")
    return line + 1, col + 1


CASES = [
    # (path, source, line:col of the `*` in the host file)
    ("a.py", 'cur.execute("SELECT \'\\n\\"é\' AS x, * FROM t")\n', (1, 35)),
    ("a.py", "cur.execute('SELECT \\'it\\'\\'s\\' AS q, \\u00e9 AS \"\\u00e9\", * FROM t')\n", (1, 59)),
    ("a.py", 'cur.execute(r"SELECT \'\\d+\' AS re, * FROM t")\n', (1, 35)),
    ("a.py", 'def f(cur):\n    cur.execute("""\n        SELECT \'ü\\t\' AS a,\n               * FROM t\n    """)\n', (4, 16)),
    ("a.py", 'cur.execute("SELECT \'ß\' AS a, "\n            "\\"x\\" AS b, * FROM t")\n', (2, 26)),
    ("a.py", 'cur.execute("SELECT \'ß\' AS a, " + "1 AS b, * FROM t")\n', (1, 44)),
    ("a.py", 'def f(cur, uid):\n    q = f"SELECT \'{{é}}\' AS a, {uid} AS b, * FROM t WHERE id = {uid}"\n    cur.execute(q)\n', (2, 44)),
    ("a.ts", 'pool.query(`SELECT \'é\\n\' AS a, ${x} AS b,\n  * FROM t WHERE id = ${id}`);\n', (2, 3)),
    ("a.ts", "pool.query('SELECT \\'\\u00e9\\' AS a, * FROM t');\n", (1, 37)),
    ("a.js", "const q = 'SELECT \\'é\\' AS a, ' +\n  '* FROM t';\nasync function f() { await pool.query(q); }\n", (2, 4)),
    ("a.ts", "await prisma.$queryRaw`SELECT 'ü' AS a, * FROM t WHERE id = ${id}`;\n", (1, 41)),
    ("a.go", 'package main\nfunc f() {\n\tdb.Query("SELECT \'\\u00e9\\t\' AS a, * FROM t")\n}\n', (3, 36)),
    ("a.go", "package main\nfunc f() {\n\tdb.Query(`SELECT 'é\\n' AS a,\n\t\t* FROM t`)\n}\n", (4, 3)),
    ("a.go", 'package main\nconst q = "SELECT \'é\' AS a, " +\n\t"* FROM t"\nfunc f() {\n\tdb.QueryContext(ctx, q)\n}\n', (3, 3)),
]


@pytest.mark.parametrize("path,source,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_finding_inside_string_maps_to_host_position(path, source, expected):
    doc, findings = _star_findings(source, path)
    assert len(findings) == 1, (source, findings)
    f = findings[0]
    assert _pos(doc, f.start) == expected
    assert doc.data[f.start:f.end] == b"*"


def test_multiline_python_string_positions_of_every_token():
    src = 'cur.execute("""SELECT id,\n       \\"quoted\\" AS q\n  FROM \\u00fcsers""")\n'
    doc = Document(src, path="m.py")
    sites = embedded_sql(Context(doc, Settings()))
    assert len(sites) == 1
    region = sites[0].region
    assert region.sql == 'SELECT id,\n       "quoted" AS q\n  FROM üsers'
    data = region.data
    # every decoded byte of a word maps back to the same word in the host
    for word in ("SELECT", "id", "quoted", "AS", "FROM", "sers"):
        i = data.find(word.encode())
        s, e = region.doc_range(i, i + len(word.encode()))
        assert doc.data[s:e] == word.encode(), word
    # the ü escape maps to its six host bytes
    i = data.find("ü".encode())
    s, e = region.doc_range(i, i + 2)
    assert doc.data[s:e] == b"\\u00fc"


def test_python_placeholder_styles_parse():
    src = (
        'cur.execute("SELECT a FROM t WHERE x = %s AND y = %(name)s", (1,))\n'
        'session.execute(text("SELECT a FROM t WHERE x = :x"))\n'
        'await conn.fetch("SELECT a FROM t WHERE x = $1", 1)\n'
    )
    doc = Document(src, path="p.py")
    result = lint(doc, Settings())
    assert len(result.regions) == 3
    assert all(s.error is None for s in result.statements), [s.error for s in result.statements]


def test_qmark_only_for_drivers_that_use_it():
    sqlite = 'import sqlite3\ncur.execute("SELECT a FROM t WHERE x = ? AND y = ?", (1, 2))\n'
    result = lint(Document(sqlite, path="q.py"), Settings())
    assert [s.error for s in result.statements] == [None]
    assert "$" in result.regions[0].sql and "?" not in result.regions[0].sql


def test_strings_not_passed_to_database_calls_are_ignored():
    src = (
        'log.info("SELECT * FROM t")\n'
        'job.execute("do the thing")\n'
        'runner.execute("update the cache now")\n'
        'x = "SELECT * FROM t"\n'
    )
    result = lint(Document(src, path="n.py"), Settings())
    assert result.regions == []


def test_noqa_on_the_closing_line_of_a_multiline_string_suppresses():
    src = 'cur.execute("""\n    SELECT *\n      FROM t\n""")  # noqa: QO001\n'
    doc = Document(src, path="s.py")
    assert [f for f in lint(doc, STAR).findings if f.code == "QO001"] == []
    opening = 'cur.execute(  # noqa: QO001\n    """SELECT *\n      FROM t"""\n)\n'
    # a comment on a line that is neither the string's first nor last line does not count
    findings = lint(Document(opening, path="s.py"), STAR).findings
    assert [f.code for f in findings if f.code == "QO001"] == ["QO001"]


def test_disable_for_this_line_puts_the_comment_after_the_string():
    from backend_architect.core.document import apply_edits
    from backend_architect.core.engine import suppression_edit

    src = 'def f(cur):\n    cur.execute("""\n        SELECT *\n          FROM t\n    """)\n'
    doc = Document(src, path="s.py")
    finding = next(f for f in lint(doc, STAR).findings if f.code == "QO001")
    edit = suppression_edit(doc, finding)
    fixed = apply_edits(src, [edit])
    assert fixed.splitlines()[4] == '    """)  # noqa: QO001'
    assert "noqa" not in "\n".join(fixed.splitlines()[:4])
    assert [f for f in lint(Document(fixed, path="s.py"), STAR).findings if f.code == "QO001"] == []


STATEMENTS = [
    # statements other than queries and DML, as programs send them (often with a formatted part)
    'cur.execute(f"KILL {pid}")',
    'cur.execute("KILL QUERY %s" % pid)',
    'cur.execute(f"SET search_path TO {schema}")',
    'cur.execute("SET LOCAL statement_timeout = 5000")',
    'cur.execute(f"TRUNCATE {table}")',
    'cur.execute(f"COPY {table} TO STDOUT WITH CSV HEADER")',
    'cur.execute(f"DROP DATABASE IF EXISTS {name}")',
    'cur.execute(f"CREATE DATABASE {name}")',
    'cur.execute(f"GRANT SELECT, INSERT ON {table} TO {role}")',
    'cur.execute(f"VACUUM ANALYZE {table}")',
    'cur.execute(f"ALTER ROLE {role} WITH PASSWORD %s", (pw,))',
    'cur.execute(f"WITH {name} AS (SELECT 1) SELECT a FROM {name}")',
    'cur.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")',
]


@pytest.mark.parametrize("line", STATEMENTS)
def test_statements_beyond_dml_in_database_calls_are_sql(line):
    result = lint(Document(f"def f(cur, pid, schema, table, name, role, pw, view):\n    {line}\n", path="s.py"), Settings())
    assert len(result.regions) == 1, line


def test_sentences_that_start_like_statements_are_not_sql():
    src = (
        'def f(job, flag):\n'
        '    job.execute("set the flag")\n'
        '    job.execute(f"Drop user {flag} from the list")\n'
        '    job.execute("Grant access to the app")\n'
        '    job.execute("truncate the log")\n'
        '    job.execute("SET key value")\n'
        '    redis.execute("SET counter 1")\n'
        '    log.info(f"KILL {flag}")\n'
    )
    result = lint(Document(src, path="n.py"), Settings())
    assert result.regions == []
