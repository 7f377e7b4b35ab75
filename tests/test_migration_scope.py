"""Which migration files the lock rules judge."""

from __future__ import annotations

from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint

ALTER = "CREATE TABLE subscribers (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;\n"


def codes(text: str, path: str, settings: Settings | None = None) -> list[str]:
    return [f.code for f in lint(Document(text, path=path), settings or Settings()).findings]


def test_schema_dumps_and_install_scripts_get_no_lock_timeout_advice():
    assert "MG015" in codes(ALTER, "/ws/migrations/add_nickname.sql")
    assert "MG015" not in codes(ALTER, "/ws/db/schema.sql")
    assert "MG015" not in codes(ALTER, "/ws/db/structure.sql")


def test_a_folder_defining_the_schema_one_file_per_table_gets_no_lock_advice(tmp_path):
    from backend_architect.project import snapshot

    tables = tmp_path / "schemas" / "tables"
    tables.mkdir(parents=True)
    for name in ("users", "teams", "invites", "roles", "sessions"):
        (tables / f"{name}.sql").write_text(f"CREATE TABLE {name} (id bigint PRIMARY KEY);\n")
    after = tables / "_after_all.sql"
    after.write_text("ALTER TABLE users ADD COLUMN team_id bigint REFERENCES teams (id);\n")
    snapshot.forget()
    # run when a database is created, on empty tables: no lock to wait for
    assert "MG015" not in codes(after.read_text(), str(after))
    # numbered files are a history, whatever else they hold: the advice stands
    history = tmp_path / "db" / "migrations"
    history.mkdir(parents=True)
    for k, name in enumerate(("users", "teams", "invites", "roles", "sessions"), 1):
        (history / f"{k:04d}_{name}.sql").write_text(f"CREATE TABLE {name} (id bigint);\n")
    newest = history / "0006_team.sql"
    newest.write_text(after.read_text())
    assert "MG015" in codes(newest.read_text(), str(newest))
    # a folder of loose scripts that create nothing is not a schema definition
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    for k in range(5):
        (scripts / f"fix_{k}.sql").write_text("UPDATE users SET nickname = NULL;\n")
    fix = scripts / "fix_9.sql"
    fix.write_text(ALTER)
    assert "MG015" in codes(fix.read_text(), str(fix))


def test_only_the_newest_numbered_migration_is_ahead_of_the_database(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    old = folder / "0001_add_nickname.sql"
    new = folder / "0002_add_bio.sql"
    old.write_text(ALTER)
    new.write_text(ALTER.replace("nickname", "bio"))
    assert "MG015" not in codes(old.read_text(), str(old))
    assert "MG015" in codes(new.read_text(), str(new))
    # once the project sets lock_timeout in one migration, every migration is held to it
    # (an older migration is history: its findings show with include-history only)
    (folder / "0003_sets_it.sql").write_text(
        "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN x text;\n"
    )
    assert "MG015" not in codes(old.read_text(), str(old))
    assert "MG015" in codes(old.read_text(), str(old), Settings(include_history=True))


def test_migrations_grouped_by_release_count_only_in_the_newest_release(tmp_path):
    old = tmp_path / "migration" / "0.19" / "01__add_name.sql"
    new = tmp_path / "migration" / "0.21" / "01__rename_uid.sql"
    for f in (old, new):
        f.parent.mkdir(parents=True)
        f.write_text(ALTER)
    assert "MG015" not in codes(old.read_text(), str(old))
    assert "MG015" in codes(new.read_text(), str(new))


def test_a_folder_per_migration_counts_the_folder_order(tmp_path):
    files = {}
    for name in ("2024-01-01-000000_add_name", "2024-02-01-000000_add_bio"):
        folder = tmp_path / "migrations" / name
        folder.mkdir(parents=True)
        for part in ("up.sql", "down.sql"):
            (folder / part).write_text(ALTER)
            files[name, part] = folder / part
    old_up = files["2024-01-01-000000_add_name", "up.sql"]
    old_down = files["2024-01-01-000000_add_name", "down.sql"]
    new_up = files["2024-02-01-000000_add_bio", "up.sql"]
    assert "MG015" not in codes(ALTER, str(old_up))
    assert "MG015" not in codes(ALTER, str(old_down))
    assert "MG015" in codes(ALTER, str(new_up))


def test_schema_files_get_no_migration_advice_at_all():
    """An install script or dump runs on an empty database: no lock advice of any rule."""
    install = "CREATE INDEX idx_users_email ON users (email);\nDROP INDEX IF EXISTS idx_old;\n"
    for path in ("/ws/schema.sql", "/ws/db/structure.sql", "/ws/sql/app_schema.sql"):
        assert not [c for c in codes(install, path) if c.startswith("MG")], path
    assert "MG001" in codes(install, "/ws/migrations/0002_email.sql")
    assert "MG001" in codes(
        install, "/ws/scripts/add_email_index.sql"
    )  # a script may run on a live database


def test_integer_key_advice_is_silent_on_a_table_a_later_migration_dropped(tmp_path):
    from backend_architect.catalog import build_for_paths

    folder = tmp_path / "migrations"
    folder.mkdir()
    first = folder / "0001_tables.sql"
    first.write_text(
        "CREATE TABLE counters (id serial PRIMARY KEY);\nCREATE TABLE events (id serial PRIMARY KEY);\n"
    )
    (folder / "0002_drop.sql").write_text("DROP TABLE counters;\n")
    catalog = build_for_paths([str(tmp_path)], Settings(), use_disk_cache=False)
    doc = Document(first.read_text(), path=str(first))
    found = lint(doc, Settings(include_history=True), catalog).findings
    flagged = {doc.text[: f.start].count("\n") + 1 for f in found if f.code == "SD002"}
    assert flagged == {2}  # events still has its integer key; counters is gone
