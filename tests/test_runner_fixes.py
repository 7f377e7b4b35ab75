"""Fixes the migration's runner can run, and history that is never rewritten (runner, history)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from backend_architect.cli import check_paths, write_fixes
from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint
from backend_architect.project import forget
from backend_architect.project.history import history_of


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def fix(root: Path, unsafe: bool = False) -> list[str]:
    """Run `check --fix` over ``root``; the files it created, relative to ``root``."""
    forget()
    before = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    reports = check_paths([str(root)], {}, fix=True, unsafe_fixes=unsafe, jobs=1)
    assert not write_fixes(reports)
    forget()
    return sorted({str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - before)


def codes(path: Path, settings: Settings | None = None) -> list[str]:
    forget()
    return [f.code for f in lint(Document(path.read_text(), path=str(path)), settings or Settings()).findings]


GOOSE_OLD = "-- +goose Up\nCREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint);\n-- +goose Down\nDROP TABLE posts;\n"


def test_goose_file_holding_only_the_index_gets_the_opt_out(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/pressly/goose/v3 v3.0.0\n")
    write(tmp_path, "migrations/00001_posts.sql", GOOSE_OLD)
    new = write(tmp_path, "migrations/00002_index.sql",
                "-- +goose Up\nCREATE INDEX posts_user ON posts (user_id);\n-- +goose Down\nDROP INDEX posts_user;\n")
    assert fix(tmp_path) == []
    text = new.read_text()
    assert text.startswith("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY posts_user")
    assert not [c for c in codes(new) if c in ("MG001", "MG002")]
    assert fix(tmp_path) == [] and new.read_text() == text  # converged


def test_goose_file_with_other_ddl_moves_the_index_into_the_next_migration(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/pressly/goose/v3 v3.0.0\n")
    write(tmp_path, "migrations/00001_posts.sql", GOOSE_OLD)
    new = write(tmp_path, "migrations/00002_more.sql",
                "-- +goose Up\nALTER TABLE posts ADD COLUMN title text;\nCREATE INDEX posts_user ON posts (user_id);\n"
                "-- +goose Down\nALTER TABLE posts DROP COLUMN title;\n")
    created = fix(tmp_path)
    assert created == ["migrations/00004_concurrently_posts_user.sql"]  # a version per statement of the file
    moved = (tmp_path / created[0]).read_text()
    assert moved.startswith("-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY posts_user ON posts")
    assert "DROP INDEX CONCURRENTLY IF EXISTS posts_user" in moved
    assert "CREATE INDEX" not in new.read_text() and "ADD COLUMN title" in new.read_text()
    assert fix(tmp_path) == []  # a second run creates nothing new


def test_diesel_gets_metadata_toml_or_a_new_folder(tmp_path: Path):
    write(tmp_path, "Cargo.toml", '[package]\nname = "app"\n[dependencies]\ndiesel = "2"\n')
    write(tmp_path, "diesel.toml", "")
    write(tmp_path, "migrations/2024-01-01-000000_posts/up.sql", "CREATE TABLE posts (id bigint, user_id bigint);\n")
    write(tmp_path, "migrations/2024-01-01-000000_posts/down.sql", "DROP TABLE posts;\n")
    write(tmp_path, "migrations/2024-02-01-000000_idx/up.sql",
          "ALTER TABLE posts ADD COLUMN title text;\nCREATE INDEX posts_user ON posts (user_id);\n")
    write(tmp_path, "migrations/2024-02-01-000000_idx/down.sql", "ALTER TABLE posts DROP COLUMN title;\n")
    created = fix(tmp_path)
    folder = "migrations/2024-02-01-000002_concurrently_posts_user"  # one second per statement of the file
    assert created == [f"{folder}/down.sql", f"{folder}/metadata.toml", f"{folder}/up.sql"]
    assert (tmp_path / folder / "metadata.toml").read_text() == "run_in_transaction = false\n"
    assert fix(tmp_path) == []


def test_one_statement_diesel_migration_gets_metadata_toml(tmp_path: Path):
    write(tmp_path, "diesel.toml", "")
    write(tmp_path, "Cargo.toml", '[dependencies]\ndiesel = "2"\n')
    write(tmp_path, "migrations/2024-01-01-000000_posts/up.sql", "CREATE TABLE posts (id bigint, user_id bigint);\n")
    up = write(tmp_path, "migrations/2024-02-01-000000_idx/up.sql", "CREATE INDEX posts_user ON posts (user_id);\n")
    assert fix(tmp_path) == ["migrations/2024-02-01-000000_idx/metadata.toml"]
    assert "CONCURRENTLY" in up.read_text()


def test_dbmate_opt_out_on_the_up_marker(tmp_path: Path):
    write(tmp_path, "db/migrations/20240101000000_posts.sql",
          "-- migrate:up\nCREATE TABLE posts (id bigint, user_id bigint);\n-- migrate:down\nDROP TABLE posts;\n")
    new = write(tmp_path, "db/migrations/20240201000000_idx.sql",
                "-- migrate:up\nCREATE INDEX posts_user ON posts (user_id);\n\n-- migrate:down\nDROP INDEX posts_user;\n")
    assert fix(tmp_path) == []
    assert new.read_text().startswith("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY")


def test_pop_has_no_opt_out_so_no_fix(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/gobuffalo/pop/v6 v6.0.0\n")
    write(tmp_path, "migrations/20240101000000_posts.up.sql", "CREATE TABLE posts (id bigint, user_id bigint);\n")
    new = write(tmp_path, "migrations/20240201000000_idx.up.sql", "CREATE INDEX posts_user ON posts (user_id);\n")
    found = [f for f in lint(Document(new.read_text(), path=str(new)), Settings()).findings if f.code == "MG001"]
    assert found and found[0].fix is None
    assert fix(tmp_path, unsafe=True) == [] and "CONCURRENTLY" not in new.read_text()


def test_pop_autocommit_files_run_outside_a_transaction(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/ory/pop/v6 v6.0.0\n")
    sql = "CREATE INDEX CONCURRENTLY posts_user ON posts (user_id);\n"
    wrapped = write(tmp_path, "migrations/20240101000000_idx.postgres.up.sql", sql)
    auto = write(tmp_path, "migrations/20240201000000_idx.postgres.autocommit.up.sql", sql)
    pending = Settings(migration=Settings().migration.__class__(pending=5))
    assert "MG002" in codes(wrapped, pending)
    assert "MG002" not in codes(auto, pending)


def test_not_valid_and_validate_land_in_separate_migrations_when_the_runner_wraps_files(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/golang-migrate/migrate/v4 v4.0.0\n")
    write(tmp_path, "migrations/000001_posts.up.sql", "CREATE TABLE posts (id bigint, user_id bigint);\n")
    new = write(tmp_path, "migrations/000002_fk.up.sql",
                "ALTER TABLE posts ADD CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n")
    created = fix(tmp_path)
    assert created == ["migrations/000003_validate_posts_user_fk.down.sql",
                       "migrations/000003_validate_posts_user_fk.up.sql"]
    assert new.read_text().rstrip().endswith("NOT VALID;")
    assert "VALIDATE CONSTRAINT posts_user_fk" in (tmp_path / created[1]).read_text()
    assert fix(tmp_path) == []


def test_history_is_never_rewritten_and_its_findings_are_hidden(tmp_path: Path):
    old = write(tmp_path, "migrations/0001_idx.sql", "CREATE INDEX a ON posts (user_id);\n")
    new = write(tmp_path, "migrations/0002_idx.sql", "CREATE INDEX b ON posts (title);\n")
    assert history_of(str(old), Settings()).historical and not history_of(str(new), Settings()).historical
    assert codes(old) == [] and "MG001" in codes(old, Settings(include_history=True))
    # a table's design is judged in the migration that is not applied yet, not in history
    old_table = write(tmp_path, "migrations/0000_t.sql", "CREATE TABLE t (id serial PRIMARY KEY, at timestamp);\n")
    assert codes(old_table) == []
    assert {"SD002", "SD003"} <= set(codes(old_table, Settings(include_history=True)))
    fix(tmp_path)
    assert "CONCURRENTLY" not in old.read_text() and "CONCURRENTLY" in new.read_text()
    # migration.baseline moves the line
    s = Settings()
    s = Settings(migration=type(s.migration)(baseline="0002"))
    assert history_of(str(new), s).historical


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_main_line_decides_what_is_history(tmp_path: Path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                            "GIT_COMMITTER_EMAIL": "t@t"})

    git("init", "-q", "-b", "main")
    old = write(tmp_path, "migrations/0001_idx.sql", "CREATE INDEX a ON posts (user_id);\n")
    write(tmp_path, "migrations/0002_other.sql", "CREATE TABLE t (id bigint);\n")
    git("add", "-A")
    git("commit", "-qm", "one")
    git("checkout", "-qb", "feature")
    branch = write(tmp_path, "migrations/0003_branch.sql", "CREATE INDEX c ON posts (x);\n")
    git("add", "-A")
    git("commit", "-qm", "two")
    forget()
    assert history_of(str(old)).historical  # committed on main, though not the newest
    assert not history_of(str(branch)).historical  # branch-only
    old.write_text("CREATE INDEX a ON posts (user_id, x);\n")  # changed since: judged in full again
    forget()
    assert not history_of(str(old)).historical
    git("checkout", "-q", "--", "migrations/0001_idx.sql")
    forget()
    result = lint(Document(old.read_text(), path=str(old)), Settings(), history="hint")
    assert result.findings and all(f.fix is None and f.severity.value == "hint" for f in result.findings)


def test_runner_transaction_counts_for_concurrently_and_new_enum_values(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/pressly/goose/v3 v3.0.0\n")
    cic = write(tmp_path, "migrations/00001_cic.sql",
                "-- +goose Up\nCREATE INDEX CONCURRENTLY posts_user ON posts (user_id);\n")
    enum = write(tmp_path, "migrations/00002_enum.sql",
                 "-- +goose Up\nALTER TYPE state ADD VALUE 'archived';\nUPDATE posts SET state = 'archived';\n")
    assert "MG002" in codes(cic, Settings(migration=Settings().migration.__class__(pending=5)))
    assert "MG014" in codes(enum)
    # the runner's opt-out: no transaction, nothing to report
    cic.write_text("-- +goose NO TRANSACTION\n" + cic.read_text())
    assert "MG002" not in codes(cic, Settings(migration=Settings().migration.__class__(pending=5)))


def test_golang_migrate_one_statement_file_is_no_transaction_block(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/golang-migrate/migrate/v4 v4.0.0\n")
    one = write(tmp_path, "migrations/000001_idx.up.sql", "CREATE INDEX CONCURRENTLY a ON posts (user_id);\n")
    two = write(tmp_path, "migrations/000002_idx.up.sql",
                "CREATE INDEX CONCURRENTLY b ON posts (title);\nALTER TABLE posts ADD COLUMN x int;\n")
    assert "MG002" not in codes(one, Settings(include_history=True))
    assert "MG002" in codes(two)


def test_no_move_past_a_later_statement_on_the_same_table(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\nrequire github.com/pressly/goose/v3 v3.0.0\n")
    path = write(tmp_path, "migrations/00001_rename.sql",
                 "-- +goose Up\nALTER TABLE posts ALTER COLUMN user_id SET NOT NULL;\nALTER TABLE posts RENAME TO articles;\n")
    forget()
    found = [f for f in lint(Document(path.read_text(), path=str(path)), Settings()).findings if f.code == "MG006"]
    assert found and found[0].fix is None  # VALIDATE/SET NOT NULL in the next migration would name a gone table


def test_key_widening_only_where_no_later_migration_builds_on_the_table(tmp_path: Path):
    """SD002's unsafe fix changes a key's type: a later migration written against the 32-bit key
    (here a view casting it to boolean, which bigint has no cast for) would fail, so a migration
    that later ones build on keeps its key and only the finding is shown."""
    write(tmp_path, "backend-architect.toml", "[migration]\npending = 100\n")
    old = write(tmp_path, "migrations/0001_follows.sql", "CREATE TABLE follows (id serial PRIMARY KEY, who text);\n")
    write(tmp_path, "migrations/0002_view.sql",
          "CREATE VIEW follow_flags AS SELECT f.id::boolean AS following FROM follows f;\n")
    new = write(tmp_path, "migrations/0003_likes.sql", "CREATE TABLE likes (id serial PRIMARY KEY, who text);\n")
    forget()
    pending = Settings(migration=type(Settings().migration)(pending=100))
    found = [f for f in lint(Document(old.read_text(), path=str(old)), pending).findings if f.code == "SD002"]
    assert found and found[0].fix is None
    fix(tmp_path, unsafe=True)
    assert "serial" in old.read_text()
    assert "bigint GENERATED BY DEFAULT AS IDENTITY" in new.read_text()  # nothing after it uses likes


def test_flyway_placeholders_are_read_checked_and_kept_by_the_fix(tmp_path: Path):
    from backend_architect.core.engine import fix_document
    from backend_architect.project.runner import detect_runner, placeholders, render_placeholders

    write(tmp_path, "flyway.conf", "flyway.locations=filesystem:db/migration\nflyway.placeholders.schema=billing\n")
    write(tmp_path, "db/migration/V1__schema.sql", "CREATE SCHEMA ${schema};\n")
    new = write(tmp_path, "db/migration/V2__idx.sql", "CREATE INDEX customers_email ON ${schema}.customers (email);\n")
    folder = str(tmp_path / "db/migration")
    runner = detect_runner(folder)
    assert runner.name == "flyway"
    assert placeholders(runner, folder, str(tmp_path)) == {"schema": "billing"}
    write(tmp_path, "flyway.toml", '[environments.dev.flyway.placeholders]\ntenant = "acme"\n')
    assert placeholders(runner, folder, str(tmp_path)) == {"schema": "billing", "tenant": "acme"}
    assert render_placeholders(new.read_text(), {"schema": "billing"}).startswith(
        "CREATE INDEX customers_email ON billing.customers")
    # the placeholder parses as a name: the statement is checked, not skipped
    assert "MG001" in codes(new)
    result = fix_document(Document(new.read_text(), path=str(new)), Settings(), safe_only=True)
    assert result.converged and result.text == "CREATE INDEX CONCURRENTLY customers_email ON ${schema}.customers (email);\n"
    # the opt-out file is made once, however often the loop runs
    assert [nf.path for nf in result.new_files] == [str(new) + ".conf"]
    # and `check --fix` does not report the file as still failing in a transaction it leaves
    forget()
    reports = check_paths([str(tmp_path)], {}, fix=True, jobs=1)
    assert [nf.path for r in reports for nf in r.new_files] == [str(new) + ".conf"]
    assert not [f.code for r in reports for f in r.findings if f.code in ("MG001", "MG002")]
    assert not write_fixes(reports)
    assert "MG002" not in codes(new) and (tmp_path / "db/migration/V2__idx.sql.conf").exists()


def test_concurrently_in_a_django_runsql_turns_the_migration_non_atomic(tmp_path: Path):
    """Django runs a migration in one transaction unless ``atomic = False``: that is the only
    way a CREATE INDEX CONCURRENTLY written into its RunSQL can run."""
    write(tmp_path, "requirements.txt", "Django>=4.2\n")
    write(tmp_path, "shop/migrations/0001_initial.py", "from django.db import migrations\n\n\n"
          "class Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n"
          "    operations = [migrations.RunSQL(\"CREATE TABLE shop_event (id bigint PRIMARY KEY, at timestamptz)\")]\n")
    one = write(tmp_path, "shop/migrations/0002_event_at.py", "from django.db import migrations\n\n\n"
                "class Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0001_initial\")]\n\n"
                "    operations = [\n        migrations.RunSQL(\"CREATE INDEX shop_event_at ON shop_event (at)\"),\n    ]\n")
    fix(tmp_path)
    text = one.read_text()
    assert "    atomic = False\n" in text and "CREATE INDEX CONCURRENTLY shop_event_at" in text
    # with another operation the migration would lose its atomicity: unsafe fixes only
    two = write(tmp_path, "shop/migrations/0003_event_kind.py", "from django.db import migrations\n\n\n"
                "class Migration(migrations.Migration):\n    dependencies = [(\"shop\", \"0002_event_at\")]\n\n"
                "    operations = [\n        migrations.RunSQL(\"ALTER TABLE shop_event ADD COLUMN kind text\"),\n"
                "        migrations.RunSQL(\"CREATE INDEX shop_event_kind ON shop_event (kind)\"),\n    ]\n")
    fix(tmp_path)
    assert "atomic" not in two.read_text() and "CONCURRENTLY" not in two.read_text()
    fix(tmp_path, unsafe=True)
    assert "atomic = False" in two.read_text() and "CREATE INDEX CONCURRENTLY shop_event_kind" in two.read_text()


def test_check_validated_in_an_earlier_alembic_revision_counts_for_set_not_null(tmp_path: Path):
    head = 'from alembic import op\n\nrevision = "{rev}"\ndown_revision = {down}\n\n\ndef upgrade():\n'
    write(tmp_path, "migrations/versions/a1_tasks.py", head.format(rev="a1", down="None")
          + '    op.execute("CREATE TABLE tasks (id bigint PRIMARY KEY, priority int)")\n')
    check = write(tmp_path, "migrations/versions/b2_check.py", head.format(rev="b2", down='"a1"')
                  + '    op.create_check_constraint("ck_tasks_priority", "tasks", "priority IS NOT NULL")\n')
    # named so that it sorts first: the down_revision chain, not the name, gives the order
    last = write(tmp_path, "migrations/versions/0c_not_null.py", head.format(rev="c3", down='"b2"')
                 + '    op.alter_column("tasks", "priority", nullable=False)\n')
    assert "MG006" not in codes(last, Settings(include_history=True))
    check.write_text(check.read_text().replace("priority IS NOT NULL", "priority > 0"))
    assert "MG006" in codes(last, Settings(include_history=True))


# -- a statement moved into a new migration runs right after its source, or the fix says why not ----

# (runner, the folder's files, the source, the later files): each convention, with room after the source
ORDER_CASES = [
    ("goose", ["00001_a.sql", "00010_src.sql", "00020_b.sql"], "00010_src.sql"),
    ("golang-migrate", ["000001_a.up.sql", "000001_a.down.sql", "000004_src.up.sql", "000004_src.down.sql",
                        "000009_b.up.sql", "000009_b.down.sql"], "000004_src.up.sql"),
    ("goose", ["20240101000000_a.sql", "20240301120000_src.sql", "20240301120500_b.sql"], "20240301120000_src.sql"),
    ("dbmate", ["202401010000_a.sql", "202403011200_src.sql", "202403011230_b.sql"], "202403011200_src.sql"),
    ("diesel", ["2024-01-01-000000_a/up.sql", "2024-03-01-120000_src/up.sql", "2024-03-01-120003_b/up.sql"],
     "2024-03-01-120000_src/up.sql"),
    ("prisma", ["20240101000000_a/migration.sql", "20240301120000_src/migration.sql",
                "20240301120004_b/migration.sql"], "20240301120000_src/migration.sql"),
    ("flyway", ["V1__a.sql", "V12__src.sql", "V13__b.sql"], "V12__src.sql"),
    ("flyway", ["V1__a.sql", "V12__src.sql", "V12_1__b.sql", "V12_2__c.sql"], "V12__src.sql"),
    (None, ["0001_a.sql", "0005_src.sql", "0010_b.sql"], "0005_src.sql"),
]


def _runner_order(runner: str | None, paths: list[str]) -> list[str]:
    """The runner's own order: diesel and Prisma sort their folders by name, the others by version."""
    from backend_architect.catalog.sources import order_key

    if runner in ("diesel", "prisma"):
        return sorted(paths, key=lambda p: os.path.basename(os.path.dirname(p)))
    return sorted(paths, key=order_key)


def _ups(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*.sql") if ".down." not in p.name and p.name != "down.sql"]


@pytest.mark.parametrize(("runner", "files", "source"), ORDER_CASES,
                         ids=[f"{c[0]}-{c[2]}-{len(c[1])}" for c in ORDER_CASES])
@pytest.mark.parametrize("step", [1, 2])
def test_new_migration_runs_right_after_its_source(tmp_path: Path, runner, files, source, step):
    from backend_architect.project.newfile import plan_after

    folder = tmp_path / "migrations"
    for name in files:
        write(folder, name, "SELECT 1;\n")
    planned = plan_after(str(folder / source), runner, "validate_x", "ALTER TABLE t VALIDATE CONSTRAINT c", "",
                         step=step)
    assert planned is not None and planned.directly_after and planned.order_note == ""
    for nf in planned.files:
        write(tmp_path, os.path.relpath(nf.path, tmp_path), nf.text)
    order = _runner_order(runner, _ups(folder))
    new_up = next(nf.path for nf in planned.files if nf.path.endswith(".sql") and ".down." not in nf.path
                  and not nf.path.endswith("down.sql"))
    assert order.index(new_up) == order.index(str(folder / source)) + 1, order
    # the same order by name and by version: a runner sorting either way agrees
    from backend_architect.catalog.sources import order_key
    assert sorted(order, key=order_key) == order or runner == "prisma"


# no version between the source and the next migration: the fix is unsafe and names what runs first
FULL_CASES = [
    ("goose", ["00001_a.sql", "00004_src.sql", "00005_b.sql"], "00004_src.sql", "00005_b.sql"),
    ("golang-migrate", ["000004_src.up.sql", "000004_src.down.sql", "000005_b.up.sql", "000005_b.down.sql"],
     "000004_src.up.sql", "000005_b.up.sql"),
    ("goose", ["20240301120000_src.sql", "20240301120001_b.sql"], "20240301120000_src.sql",
     "20240301120001_b.sql"),
]


@pytest.mark.parametrize(("runner", "files", "source", "next_name"), FULL_CASES, ids=[c[2] for c in FULL_CASES])
def test_new_migration_with_no_room_after_its_source_says_so(tmp_path: Path, runner, files, source, next_name):
    from backend_architect.project.newfile import plan_after

    folder = tmp_path / "migrations"
    for name in files:
        write(folder, name, "SELECT 1;\n")
    planned = plan_after(str(folder / source), runner, "validate_x", "SELECT 1", "", step=1)
    assert planned is not None and not planned.directly_after
    assert planned.order_note.startswith(f"{next_name} and later migrations run before it")
    names = {os.path.basename(n) for n in files}
    assert not {os.path.basename(nf.path) for nf in planned.files} & names  # never an existing version


def test_validate_moved_out_of_a_goose_sequence_is_unsafe_and_says_what_runs_first(tmp_path: Path):
    """MG004's NOT VALID + VALIDATE split in 00004, with 00005 after it: goose's numbering has no
    version between, so the new migration is numbered after 00005, and the fix says so."""
    write(tmp_path, "go.mod", "module app\nrequire github.com/pressly/goose/v3 v3.0.0\n")
    write(tmp_path, "backend-architect.toml", "[migration]\npending = 100\n")
    write(tmp_path, "migrations/00001_orders.sql",
          "-- +goose Up\nCREATE TABLE orders (id bigint PRIMARY KEY, total int);\n-- +goose Down\nDROP TABLE orders;\n")
    src = write(tmp_path, "migrations/00004_check.sql",
                "-- +goose Up\nSET lock_timeout = '5s';\nALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);\n"
                "-- +goose Down\nSELECT 1;\n")
    write(tmp_path, "migrations/00005_later.sql", "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 1;\n")
    forget()
    pending = Settings(migration=type(Settings().migration)(pending=100))
    (found,) = [f for f in lint(Document(src.read_text(), path=str(src)), pending).findings if f.code == "MG004"]
    assert found.fix is not None and not found.fix.is_safe
    assert "new migration 00007_validate_total_positive.sql; 00005_later.sql and later migrations run before it" \
        in found.fix.title  # 00004's second statement: 00005 + 2
    assert fix(tmp_path) == []  # the safe run leaves it alone
    # with a gap after the source the same split is safe, numbered right after it
    (tmp_path / "migrations/00005_later.sql").rename(tmp_path / "migrations/00009_later.sql")
    assert fix(tmp_path) == ["migrations/00006_validate_total_positive.sql"]
    assert src.read_text().count("NOT VALID") == 1
