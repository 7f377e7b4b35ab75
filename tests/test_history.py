"""Which migrations are history (already applied everywhere): git first, else their order."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from backend_architect.project import history
from backend_architect.project.history import alembic_chain, history_of, release_version


@pytest.fixture(autouse=True)
def _fresh_index():
    history.forget()
    yield
    history.forget()


def alembic(folder: Path, name: str, rev: str, down: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(
        f'"""{name}"""\nfrom alembic import op\n\n# revision identifiers, used by Alembic.\n'
        f"revision = '{rev}'\ndown_revision = {down}\n\n\ndef upgrade():\n    op.add_column('t', None)\n"
    )
    return path


def test_alembic_revisions_are_ordered_by_their_down_revision_chain(tmp_path: Path):
    versions = tmp_path / "alembic" / "versions"
    versions.mkdir(parents=True)
    # the names sort against the chain: the newest revision's hash sorts first
    first = alembic(versions, "f1a2_initial", "f1a2", "None")
    second = alembic(versions, "c3d4_add_email", "c3d4", "'f1a2'")
    third = alembic(versions, "0bee_add_index", "0bee", "'c3d4'")
    chain = alembic_chain(str(versions))
    assert [chain[p.name] for p in (first, second, third)] == [0, 1, 2]
    assert history_of(str(first)).historical and history_of(str(second)).historical
    assert not history_of(str(third)).historical


def test_an_alembic_merge_revision_comes_after_both_branches(tmp_path: Path):
    versions = tmp_path / "versions"
    versions.mkdir()
    alembic(versions, "aaaa_base", "aaaa", "None")
    left = alembic(versions, "bbbb_left", "bbbb", "'aaaa'")
    right = alembic(versions, "cccc_right", "cccc", '"aaaa"')
    merge = alembic(versions, "0000_merge", "0000", "('bbbb',\n    'cccc')")
    chain = alembic_chain(str(versions))
    assert chain[merge.name] == 2 and chain[left.name] == chain[right.name] == 1
    assert not history_of(str(merge)).historical
    assert history_of(str(left)).historical


def test_release_folders_order_by_version_then_file(tmp_path: Path):
    series = tmp_path / "store" / "migration" / "postgres"
    files = [
        series / "0.9" / "01__a.sql",
        series / "0.10" / "00__b.sql",
        series / "0.10" / "01__c.sql",
    ]
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("ALTER TABLE t ADD COLUMN x text;\n")
    (series / "LATEST.sql").write_text("CREATE TABLE t (id bigint);\n")
    # 0.10 comes after 0.9 (by value, not by name); the last file of the newest release is pending
    assert [history_of(str(f)).historical for f in files] == [True, True, False]
    assert "series" in history_of(str(files[0])).reason
    assert not history_of(str(series / "LATEST.sql")).historical  # a schema file: no order


def test_files_named_by_a_version_are_ordered_by_it(tmp_path: Path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name in ("v2.9.0.go", "v2.10.0.go", "v2.1.0.go"):
        (folder / name).write_text("package migrations\n")
    assert release_version("v2.10.0.go") == (2, 10, 0) and release_version("0001_init.sql") is None
    assert history_of(str(folder / "v2.9.0.go")).historical
    assert not history_of(str(folder / "v2.10.0.go")).historical


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


def test_in_a_clone_every_committed_migration_is_history(tmp_path: Path):
    repo = tmp_path / "app"
    versions = repo / "migrations" / "versions"
    versions.mkdir(parents=True)
    (repo / "pyproject.toml").write_text('[project]\nname = "app"\n')
    a = alembic(versions, "aaaa_initial", "aaaa", "None")
    b = alembic(versions, "bbbb_email", "bbbb", "'aaaa'")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    # the newest committed revision too: it is on the main line, so applied
    assert history_of(str(a)).historical and history_of(str(b)).historical
    assert "main line" in history_of(str(b)).reason
    history.forget()
    c = alembic(versions, "cccc_new", "cccc", "'bbbb'")  # written, not committed
    assert not history_of(str(c)).historical


def test_a_release_folders_schema_sql_is_that_releases_migration(tmp_path: Path):
    series = tmp_path / "schema" / "postgresql" / "versioned"
    for version in ("v1.0", "v1.1", "v1.2"):
        (series / version).mkdir(parents=True)
    (series / "v1.0" / "schema.sql").write_text("CREATE TABLE t (id bigint);\n")
    (series / "v1.1" / "add_x.sql").write_text("ALTER TABLE t ADD COLUMN x text;\n")
    (series / "v1.2" / "add_y.sql").write_text("ALTER TABLE t ADD COLUMN y text;\n")
    top = tmp_path / "schema" / "postgresql" / "schema.sql"
    top.write_text("CREATE TABLE t (id bigint, x text, y text);\n")
    assert history_of(str(series / "v1.0" / "schema.sql")).historical
    assert not history_of(str(top)).historical  # the whole schema beside them: no order
