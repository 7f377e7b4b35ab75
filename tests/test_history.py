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
    # a schema file has no order; this one mirrors the history (which changes its table t)
    latest = history_of(str(series / "LATEST.sql"))
    assert latest.historical and latest.snapshot and "snapshot" in latest.reason


def test_schema_version_folders_order_their_loose_files(tmp_path: Path):
    # schema/delta/<version>/<name>.sql: each folder moves the schema to that version
    series = tmp_path / "schema" / "delta"
    files = [
        series / "9" / "users.sql",
        series / "10" / "add_email.sql",
        series / "10" / "index_email.sql",
    ]
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("ALTER TABLE users ADD COLUMN email text;\n")
    # 10 comes after 9 by value; the files of the newest version have no order among them: pending
    assert [history_of(str(f)).historical for f in files] == [True, False, False]
    loose = tmp_path / "sql" / "add_email.sql"
    loose.parent.mkdir()
    loose.write_text("ALTER TABLE users ADD COLUMN email text;\n")
    assert history_of(str(loose)).reason == "not an ordered migration"


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


def test_v_numbered_up_and_down_files_are_ordered_and_committed_ones_are_history(tmp_path: Path):
    """``V0007.name.up.sql`` pairs (a ``V`` number, then a dot): ordered by the number, so the
    committed ones are history and a new one is checked, through the command line too."""
    import json
    import sys

    from backend_architect.catalog.sources import order_key
    from conftest import server_env

    names = ["V0010.Later.up.sql", "V0009.Drop.up.sql", "V0002.Add.down.sql", "v2_add_up.sql"]
    assert [order_key(n)[:2] for n in names] == [(0, (10,)), (0, (9,)), (0, (2,)), (0, (2,))]
    # a version-named schema file is no migration: only up/down files take the V number
    assert order_key("v1-core.sql")[0] == 1 and order_key("V3.notes.sql")[0] == 1
    repo = tmp_path / "app"
    folder = repo / "internal" / "storage" / "migrations" / "postgres"
    folder.mkdir(parents=True)
    (repo / "go.mod").write_text("module app\n\nrequire github.com/jackc/pgx/v5 v5.5.0\n")
    old = folder / "V0001.Initial.up.sql"
    old.write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    (folder / "V0001.Initial.down.sql").write_text("DROP TABLE users;\n")
    dropping = folder / "V0002.Cleanup.up.sql"
    dropping.write_text("ALTER TABLE users DROP COLUMN name;\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    assert history_of(str(dropping)).historical and "main line" in history_of(str(dropping)).reason
    new = folder / "V0003.Again.up.sql"  # written, not committed: pending
    new.write_text("ALTER TABLE users DROP COLUMN email;\n")
    history.forget()
    assert not history_of(str(new)).historical
    out = subprocess.run(
        [sys.executable, "-m", "backend_architect", "check", "--no-cache", "--exit-zero"]
        + ["--output-format", "json", "--select", "MG", str(repo)],
        capture_output=True, text=True, env=server_env(), timeout=120, check=True,
    )
    flagged = {Path(f["filename"]).name for f in json.loads(out.stdout)}
    assert flagged == {"V0003.Again.up.sql"}  # the committed drop is history, hidden


# -- schema snapshots of a migration history ----------------------------------------------

SNAPSHOT = (
    "CREATE TABLE accounts (id serial PRIMARY KEY, created timestamp NOT NULL);\n"
    "CREATE TABLE shares (id serial PRIMARY KEY, account_id bigint REFERENCES accounts (id));\n"
    "CREATE INDEX shares_account ON shares (account_id);\n"
    "CREATE INDEX shares_account_id ON shares (account_id, id);\n"
)


def _lint_codes(path: Path, include_history: bool = False) -> set[str]:
    from backend_architect.catalog import build_for_paths
    from backend_architect.config import Settings
    from backend_architect.core.document import Document
    from backend_architect.core.engine import lint

    settings = Settings(include_history=include_history)
    catalog = build_for_paths([str(path)], settings, use_disk_cache=False)  # the file itself
    doc = Document(path.read_text(), path=str(path))
    return {f.code for f in lint(doc, settings, catalog).findings}


def _release_history(series: Path) -> None:
    for release, text in (
        ("1.0", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"),
        ("1.1", "CREATE TABLE shares (id bigint PRIMARY KEY, account_id bigint);\n"),
        ("1.2", "ALTER TABLE accounts ADD COLUMN created timestamptz;\n"),
    ):
        (series / release).mkdir(parents=True)
        (series / release / "00__change.sql").write_text(text)


def test_a_schema_snapshot_beside_its_history_is_judged_as_history(tmp_path: Path):
    series = tmp_path / "store" / "migration" / "postgres"
    _release_history(series)
    latest = series / "LATEST.sql"
    latest.write_text(SNAPSHOT)
    past = history_of(str(latest))
    assert past.historical and past.snapshot
    assert "store/migration/postgres" in past.reason
    # design and index advice is the history's: hidden by default, shown on request
    assert not _lint_codes(latest) & {"SD002", "SD003"}
    assert {"SD002", "SD003"} <= _lint_codes(latest, include_history=True)


def test_a_schema_file_beside_a_migrations_folder_is_a_snapshot(tmp_path: Path):
    (tmp_path / "go.mod").write_text("module app\n")
    migrations = tmp_path / "db" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "0001_accounts.sql").write_text(
        "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
    )
    (migrations / "0002_shares.sql").write_text("CREATE TABLE shares (id bigint PRIMARY KEY);\n")
    for name in ("schema.sql", "init.sql"):
        dump = tmp_path / "db" / name
        dump.write_text(SNAPSHOT)
        assert history_of(str(dump)).snapshot
        assert not _lint_codes(dump) & {"SD002", "SD003"}


def test_a_schema_file_no_history_creates_is_the_source_of_truth(tmp_path: Path):
    (tmp_path / "go.mod").write_text("module app\n")
    migrations = tmp_path / "db" / "migrations"
    migrations.mkdir(parents=True)
    # the history is about other tables: the schema file is where these are designed
    (migrations / "0001_audit.sql").write_text("CREATE TABLE audit (id bigint PRIMARY KEY);\n")
    schema = tmp_path / "db" / "tables.sql"
    schema.write_text(SNAPSHOT)
    assert not history_of(str(schema)).historical
    assert {"SD002", "SD003"} <= _lint_codes(schema)
    # a loose SQL file with no history beside it at all
    alone = tmp_path / "sql" / "tables.sql"
    alone.parent.mkdir()
    alone.write_text(SNAPSHOT)
    assert not history_of(str(alone)).historical
    assert "SD002" in _lint_codes(alone)


def test_a_snapshot_shares_most_of_its_tables_with_the_history_unless_named_so(tmp_path: Path):
    series = tmp_path / "migration" / "postgres"
    (series / "1.0").mkdir(parents=True)
    (series / "1.0" / "00__x.sql").write_text("ALTER TABLE accounts ADD COLUMN x text;\n")
    named = series / "LATEST.sql"
    named.write_text(SNAPSHOT)  # one table of two in the history, named as a snapshot
    other = series / "setup.sql"
    other.write_text(SNAPSHOT + "CREATE TABLE tags (id bigint PRIMARY KEY);\n")  # one of three
    assert history_of(str(named)).snapshot
    assert not history_of(str(other)).historical


def test_a_migration_tools_own_table_gets_no_design_advice(tmp_path: Path):
    script = tmp_path / "scripts" / "restore-migrations-table.sql"
    script.parent.mkdir()
    script.write_text(
        "CREATE TABLE migrations (id SERIAL NOT NULL, name varchar(255) NOT NULL,\n"
        "  run_on timestamp NOT NULL, PRIMARY KEY (id));\n"
        "CREATE TABLE public.schema_migrations (version bigint, applied timestamp);\n"
    )
    assert not _lint_codes(script) & {"SD001", "SD002", "SD003"}
    # a table of the application's own in the same file still gets them
    script.write_text(
        script.read_text() + "CREATE TABLE jobs (id serial PRIMARY KEY, at timestamp);\n"
    )
    assert {"SD002", "SD003"} <= _lint_codes(script)


def test_numbered_sql_files_outside_a_migrations_folder_are_not_history(tmp_path: Path):
    folder = tmp_path / "sql"
    folder.mkdir()
    first = folder / "0001_tables.sql"
    first.write_text("CREATE TABLE jobs (id serial PRIMARY KEY);\n")
    (folder / "0002_more.sql").write_text("CREATE TABLE runs (id serial PRIMARY KEY);\n")
    # ordered by name, yet not a migration: its findings are its own
    assert "SD002" in _lint_codes(first)


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
    # the whole schema beside them is a snapshot of that history, not one of its steps
    assert history_of(str(top)).snapshot
