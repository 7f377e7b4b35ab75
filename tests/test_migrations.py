"""Migration analysis beyond the per-rule fixtures: templates, nested SQL, ORM finders, settings."""

from __future__ import annotations

from pathlib import Path

from backend_architect.config import Settings, from_mapping
from backend_architect.core.document import Document
from backend_architect.core.engine import fix_document, lint

FIXTURES = Path(__file__).parent / "fixtures" / "migration"


def codes(text: str, path: str = "db/migrations/0001.sql", settings: Settings | None = None) -> list[str]:
    return [f.code for f in lint(Document(text, path=path), settings).findings]


def test_templated_migrations_parse_without_errors():
    for name in ("MG005_templated_jinja.sql", "MG005_column_type_change.sql", "MG001_create_index.sql"):
        result = lint(Document((FIXTURES / name).read_text(), path=str(FIXTURES / name)))
        assert not [s for s in result.statements if s.error], name


def test_go_template_namespace_reads_as_a_name():
    text = 'CREATE INDEX idx_a ON {{ index .Options "Namespace" }}.jobs (queue);\n'
    result = lint(Document(text, path="m/001.up.sql"))
    assert [f.code for f in result.findings if f.code == "MG001"] == ["MG001"]
    assert not [s for s in result.statements if s.error]


def test_lock_timeout_reported_once_per_file_and_uses_the_setting():
    text = "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\nDROP TABLE c;\n"
    assert codes(text).count("MG015") == 1
    settings, warnings = from_mapping({"migration": {"lock-timeout": "2s"}})
    assert not warnings
    fixed = fix_document(Document(text, path="m.sql"), settings, codes={"MG015"})
    assert fixed.text.startswith("SET lock_timeout = '2s';\nALTER TABLE a")
    assert "MG015" not in codes(fixed.text)


def test_nested_do_block_sees_tables_created_in_the_file():
    text = "CREATE TABLE t (id int);\nDO $$ BEGIN ALTER TABLE t ALTER COLUMN id TYPE bigint; END $$;\n"
    assert "MG005" not in codes(text)
    text2 = "DO $$ BEGIN ALTER TABLE t ALTER COLUMN id TYPE bigint; END $$;\n"
    assert "MG005" in codes(text2)


def test_execute_fix_text_gets_its_quotes_doubled():
    text = "DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD CONSTRAINT u_status CHECK (status <> ''x'')'; END $$;\n"
    doc = Document(text, path="m.sql")
    mg004 = [f for f in lint(doc).findings if f.code == "MG004"]
    assert mg004 and mg004[0].fix is not None
    assert any("''" in e.new_text for e in mg004[0].fix.edits)
    assert all("'" not in e.new_text.replace("''", "") for e in mg004[0].fix.edits)


def test_no_concurrently_fix_inside_a_do_block():
    # a function body is always one transaction: CONCURRENTLY can never run there
    text = "DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD CONSTRAINT u_email UNIQUE (email)'; END $$;\n"
    mg008 = [f for f in lint(Document(text, path="m.sql")).findings if f.code == "MG008"]
    assert mg008 and mg008[0].fix is None


def test_postgres_version_changes_the_answer():
    text = "ALTER TABLE orders ADD COLUMN status text DEFAULT 'draft';\n"
    assert "MG007" not in codes(text)
    pg10, _ = from_mapping({"postgres-version": 10})
    assert "MG007" in codes(text, settings=pg10)


def test_orm_regions_come_with_the_application_code_regions():
    """For Python and JS/TS, the engine's region finder reads both: the SQL strings of
    application code and the ORM migration's operations."""
    from backend_architect.core.engine import Context, region_finder
    from backend_architect.core.regions import OffsetMap, Region
    from backend_architect.orm_migrations import with_orm_regions

    text = (FIXTURES / "django/blog/migrations/MG001_add_index.py").read_text()
    doc = Document(text, path="app/blog/migrations/0002_x.py")
    calls = []

    def app_finder(ctx):
        calls.append(ctx.document.path)
        return [Region("SELECT 1", OffsetMap.identity(8), kind="app")]

    regions = with_orm_regions(app_finder)(Context(doc, Settings()))
    assert calls == [doc.path]
    assert any(r.kind == "app" for r in regions) and any(r.kind != "app" for r in regions)
    # the engine's own finder for Python reads the ORM operation
    result = lint(doc)
    assert [f.code for f in result.findings if f.code == "MG001"] == ["MG001"]
    assert region_finder("python") is not None and region_finder("sql") is None


def test_plain_python_files_are_not_migrations():
    text = "from django.db import models\n\nclass Post(models.Model):\n    title = models.CharField(max_length=10)\n"
    assert codes(text, path="blog/models.py") == []
