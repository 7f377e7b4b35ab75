"""Real SQL is messy: none of these may crash or blank out a file."""

from __future__ import annotations

import pytest

from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint


def findings(text: str, path: str = "/ws/migrations/0001.sql", settings: Settings | None = None):
    doc = Document(text, path=path)
    # QO005 (NOT IN, off by default) is the canary of the query rules here
    result = lint(doc, settings or Settings(extend_select=("QO005",)))
    assert not result.errors, result.errors
    # MG015 (no lock_timeout) would fire on most of these snippets; they are about parsing
    return [(f.code, doc.line_of(f.start) + 1, doc.data[f.start:f.end].decode()) for f in result.findings
            if f.code != "MG015"]


def test_psql_meta_commands_are_skipped():
    text = ("\\connect app\n\\set ON_ERROR_STOP on\nCREATE INDEX idx_a ON posts (a);\n\\echo done\n"
            "SELECT id FROM t WHERE id NOT IN (SELECT x FROM u);\n")
    assert findings(text) == [("MG001", 3, "CREATE INDEX"), ("QO005", 5, "NOT IN")]


def test_go_template_and_jinja_placeholders_stand_in_for_names():
    text = (
        "{% if create_index %}\n"
        "CREATE INDEX idx_a ON {{ .Schema }}.posts (a);\n"
        "{% endif %}\n"
        'ALTER TABLE {{ index .Options "Namespace" }}.users ADD COLUMN plan text NOT NULL;\n'
        "{# a Jinja comment #}\n"
        "SELECT id FROM {{ schema }}.orders WHERE id NOT IN (SELECT {{ col }} FROM bans);\n"
    )
    got = findings(text)
    assert ("MG001", 2, "CREATE INDEX") in got
    assert ("MG003", 4, "ADD COLUMN plan") in got
    assert ("QO005", 6, "NOT IN") in got


@pytest.mark.parametrize("placeholder", ["$1", ":user_id", "%s", "%(user_id)s"])
def test_driver_placeholders_parse(placeholder: str):
    text = f"-- name: get-user\nSELECT * FROM users WHERE id = {placeholder};\n"
    # QO001 (off by default) is the canary: the statement parsed
    star = Settings(extend_select=("QO001",))
    assert findings(text, "/ws/queries/users.sql", star) == [("QO001", 2, "*")]


def test_do_blocks_and_function_bodies_keep_their_semicolons():
    text = (
        "DO $$\nBEGIN\n  PERFORM 1;\n  RAISE NOTICE 'x; y';\nEND\n$$;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$\nBEGIN\n  RETURN 1;\nEND;\n$fn$;\n"
        "CREATE INDEX idx_b ON posts (b);\n"
    )
    assert findings(text) == [("MG001", 12, "CREATE INDEX")]


def test_begin_atomic_function_bodies_keep_their_semicolons():
    from backend_architect.core.regions import region_for_sql_document
    from backend_architect.core.sql import split_statements, statement_ends

    text = (
        "-- a function in SQL-standard form\n"
        "CREATE OR REPLACE FUNCTION f(i int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n  SELECT CASE WHEN i > 0 THEN 1 ELSE CASE WHEN i < 0 THEN -1 END END;\n"
        "  SELECT i /* end; */ + 1;\nEND;\n"
        "BEGIN;\nCREATE INDEX idx_b ON posts (b);\nCOMMIT;\n"
        "CREATE TABLE flags (atomic boolean, note text DEFAULT 'begin atomic');\n"
        "SELECT atomic FROM flags; SELECT 2;\n"
    )
    stmts = split_statements(region_for_sql_document(text))
    assert [s.kind for s in stmts] == [
        "CreateFunctionStmt", "TransactionStmt", "IndexStmt", "TransactionStmt",
        "CreateStmt", "SelectStmt", "SelectStmt",
    ]
    assert not any(s.error for s in stmts) and stmts[2].in_transaction
    # str and bytes agree (the replay splits text, the linter bytes)
    assert list(statement_ends(text)) == list(statement_ends(text.encode()))
    assert [f for f in findings(text) if f[0].startswith("MG")] == [("MG001", 8, "CREATE INDEX")]


def test_a_half_typed_begin_atomic_body_does_not_hide_the_statements_after_it():
    text = (
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
        "CREATE INDEX idx_b ON posts (b);\nALTER TABLE posts ADD COLUMN x int NOT NULL;\n"
    )
    got = findings(text)
    assert ("MG001", 4, "CREATE INDEX") in got and ("MG003", 5, "ADD COLUMN x") in got


@pytest.mark.parametrize(
    "text",
    [
        "BEGIN;\nSELECT 1;\nCOMMIT;\n",  # a transaction's BEGIN opens no body
        "SELECT 1 AS atomic; SELECT 2;",
        "CREATE TABLE t (begin_at int, atomic int); SELECT 2;",
        "CREATE FUNCTION g() RETURNS int AS $$ BEGIN ATOMIC; $$ LANGUAGE sql; SELECT 2;",
    ],
)
def test_atomic_elsewhere_does_not_join_statements(text: str):
    from backend_architect.core.sql import statement_ends

    assert len(list(statement_ends(text))) == text.count(";") - text.count("$$ BEGIN ATOMIC;")


def test_a_missing_semicolon_does_not_hide_the_next_statement():
    text = "SELECT id FROM users\nCREATE INDEX idx_posts_user ON posts (user_id);\n"
    assert findings(text) == [("MG001", 2, "CREATE INDEX")]


def test_half_typed_statement_keeps_findings_around_it():
    text = "SELECT id FROM t WHERE id NOT IN (SELECT x FROM u);\nSELECT * FROM users WHERE\n;\nCREATE INDEX idx_c ON posts (c);\n"
    assert findings(text) == [("QO005", 1, "NOT IN"), ("MG001", 4, "CREATE INDEX")]


def test_unterminated_string_and_comment_do_not_crash():
    assert findings("SELECT 'abc;\nDELETE FROM t;") == []
    got = findings("SELECT id FROM t WHERE id NOT IN (SELECT x FROM u); /* open comment\nDELETE FROM u;")
    assert got == [("QO005", 1, "NOT IN")]


def test_other_dialects_are_skipped_not_crashed():
    text = "SELECT `id` FROM `users` LIMIT 10, 20;\nCREATE INDEX idx_d ON posts (d);\n"
    assert findings(text) == [("MG001", 2, "CREATE INDEX")]


def test_query_files_get_query_rules_not_migration_rules():
    text = "-- name: ResetDrafts :exec\nUPDATE posts SET status = 'draft';\n"
    doc = Document(text, path="/ws/db/queries/posts.sql")
    selected = Settings(extend_select=("QO002",))  # QO002 is off by default
    assert [f.code for f in lint(doc, selected).findings] == ["QO002"]
    doc = Document(text.replace("-- name: ResetDrafts :exec\n", ""), path="/ws/migrations/0003_reset.sql")
    assert [f.code for f in lint(doc, selected).findings] == ["MG018"]  # a backfill: MG018 says more than QO002


@pytest.mark.parametrize("name", ['"a""b"', '"a\\b"', 's."T x"', '"üñí"', "c.s.t", "plain", "IF NOT EXISTS x.y"])
def test_a_table_created_earlier_in_the_file_is_new_whatever_its_name(name):
    """The created tables are read from the parser's JSON without decoding each CREATE TABLE
    (names with quotes or backslashes are escaped there: decoded the long way)."""
    table = name.removeprefix("IF NOT EXISTS ")
    text = f"CREATE TABLE {name} (id int, a int);\nCREATE INDEX idx_a ON {table} (a);\nCREATE INDEX idx_b ON other (b);\n"
    assert [f for f in findings(text) if f[0] == "MG001"] == [("MG001", 3, "CREATE INDEX")]


def test_the_table_a_statement_names_is_read_without_decoding_its_tree():
    from backend_architect.core.regions import region_for_sql_document
    from backend_architect.core.sql import relation_name, split_statements

    text = ";\n".join([
        'CREATE TABLE s."T x" (id int)', "CREATE TABLE c.s.t (id int)", 'CREATE TABLE "a""b" (a int)',
        'CREATE TABLE "a\\b" (x int)', "CREATE TABLE t AS SELECT 1", "ALTER TABLE ONLY x.y ADD COLUMN a int",
        "WITH d AS (DELETE FROM q RETURNING 1) INSERT INTO r SELECT * FROM d", 'UPDATE "X" SET a = 1',
        "DELETE FROM a.b", "CREATE INDEX i ON s.t (a)", "SELECT 1", "not sql at all",
    ])
    statements = split_statements(region_for_sql_document(text), cache=False)
    names = [s.relation for s in statements]
    assert names == [relation_name((s.node or {}).get("relation")) for s in statements]
    assert names[:3] == ["s.T x", "s.t", 'a"b'] and names[6:9] == ["r", "X", "a.b"]
