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
