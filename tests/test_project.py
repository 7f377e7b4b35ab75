"""The project model: what each file is (project, dialect, migration direction, own code),
and how the engine, the schema and the command line use it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import server_env

from backend_architect.config import Settings, from_mapping
from backend_architect.core.document import Document
from backend_architect.core.engine import lint
from backend_architect.project import ProjectModel
from backend_architect.project.schema import build_catalog, catalog_before


def write(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def info(path: Path, settings: Settings | None = None, **kw):
    return ProjectModel().file_info(str(path), settings, **kw)


def codes(result) -> list[str]:
    return sorted(f.code for f in result.findings)


# -- project roots -------------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["go.mod", "package.json", "pyproject.toml", "setup.py", "Cargo.toml",
                                    "backend-architect.toml", "requirements.txt", "sqlc.yaml"])
def test_nearest_manifest_is_the_project(tmp_path: Path, marker: str):
    write(tmp_path, "go.mod", "module example.com/app\n")
    write(tmp_path, f"tools/gen/{marker}", "")
    nested = write(tmp_path, "tools/gen/db/q.sql", "SELECT 1;\n")
    top = write(tmp_path, "db/q.sql", "SELECT 1;\n")
    m = ProjectModel()
    assert m.file_info(str(nested)).project_root == str(tmp_path / "tools" / "gen")
    assert m.file_info(str(top)).project_root == str(tmp_path)
    assert m.project(str(tmp_path / "tools" / "gen")).parent == str(tmp_path)


def test_git_folder_is_a_project_root(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    assert info(write(tmp_path, "src/a.py", "x = 1\n")).project_root == str(tmp_path)


# -- dialect ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rel, dialect", [
    ("migrations/0001_init.mysql.up.sql", "mysql"),
    ("migrations/0001_init.sqlite3.up.sql", "sqlite"),
    ("migrations/0001_init.sqlite.sql", "sqlite"),
    ("migrations/0001_init.cockroach.up.sql", "cockroach"),
    ("migrations/0001_init.postgres.up.sql", "postgres"),
    ("db/clickhouse_schema.sql", "clickhouse"),
    ("db/schema.mssql.sql", "sqlserver"),
    ("store/migration/mysql/0.1/00__init.sql", "mysql"),
    ("store/migration/sqlite/00__init.sql", "sqlite"),
    ("store/migration/postgres/00__init.sql", "postgres"),
    ("db/pg/001.sql", "postgres"),
    ("db/cockroach/001.sql", "cockroach"),
    ("db/clickhouse/migrations/001.sql", "clickhouse"),
    # a folder whose name holds a dialect's full name: a driver per database
    ("riverdriver/riversqlite/internal/dbsqlc/river_job.sql", "sqlite"),
    ("store/mysqlstore/queries.sql", "mysql"),
    ("internal/pkg/upgrade/001.sql", "postgres"),  # "pg" inside a word says nothing: go.mod decides
    # CQL: Cassandra's query language looks like SQL and is not
    ("persistence/cassandra/store.go", "cassandra"),
    ("schema/scylladb/001.sql", "cassandra"),
])
def test_dialect_from_file_name_and_folders(tmp_path: Path, rel: str, dialect: str):
    write(tmp_path, "go.mod", "module x\n\nrequire github.com/lib/pq v1.10.0\n")
    got = info(write(tmp_path, rel, "CREATE TABLE t (id int);\n"))
    assert got.dialect == dialect, got


@pytest.mark.parametrize("text, dialect", [
    ("CREATE TABLE `users` (`id` int) ENGINE=InnoDB;\n", "mysql"),
    ("CREATE TABLE users (id int NOT NULL AUTO_INCREMENT PRIMARY KEY);\n", "mysql"),
    ("CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT);\n", "sqlite"),
    ("PRAGMA foreign_keys = ON;\nCREATE TABLE t (id int);\n", "sqlite"),
    ("CREATE TABLE events (id UInt64) ENGINE = MergeTree ORDER BY id;\n", "clickhouse"),
    ("CREATE TABLE users (id bigint PRIMARY KEY);\n", "unknown"),
])
def test_dialect_from_syntax(tmp_path: Path, text: str, dialect: str):
    assert info(write(tmp_path, "migrations/0001_init.sql", text)).dialect == dialect


@pytest.mark.parametrize("files, dialect", [
    ({"sqlc.yaml": 'version: "2"\nsql:\n  - engine: "mysql"\n    queries: q\n'}, "mysql"),
    ({"prisma/schema.prisma": 'datasource db {\n  provider = "sqlite"\n  url = env("X")\n}\n'}, "sqlite"),
    ({"alembic.ini": "[alembic]\nsqlalchemy.url = mysql+pymysql://u@h/db\n"}, "mysql"),
    ({"knexfile.js": "module.exports = { client: 'better-sqlite3' };\n"}, "sqlite"),
    ({"diesel.toml": "[print_schema]\nfile = 'src/schema.rs'\n"}, "postgres"),
    ({"atlas.hcl": 'env "local" {\n  url = "mysql://root@localhost/db"\n}\n'}, "mysql"),
    ({".env": "DATABASE_URL=postgres://u@localhost/db\n"}, "postgres"),
    ({"go.mod": "module x\n\nrequire github.com/jackc/pgx/v5 v5.5.0\n"}, "postgres"),
    ({"go.mod": "module x\n\nrequire (\n\tgithub.com/go-sql-driver/mysql v1.7.0\n)\n"}, "mysql"),
    ({"go.mod": "module x\n\nrequire github.com/mattn/go-sqlite3 v1.14.0\n"}, "sqlite"),
    ({"go.mod": "module x\n\nrequire (\n\tmodernc.org/sqlite v1.20.0\n\tgithub.com/lib/pq v1.0.0 // indirect\n)\n"},
     "sqlite"),
    ({"package.json": json.dumps({"dependencies": {"pg": "^8"}})}, "postgres"),
    ({"package.json": json.dumps({"dependencies": {"mysql2": "^3"}, "devDependencies": {"sqlite3": "^5"}})}, "mysql"),
    ({"package.json": json.dumps({"dependencies": {"better-sqlite3": "^9"}})}, "sqlite"),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["asyncpg>=0.29"]\n'}, "postgres"),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["psycopg[binary]"]\n'}, "postgres"),
    ({"requirements.txt": "Django==5.0\nmysqlclient==2.2\n"}, "mysql"),
    ({"setup.py": "from setuptools import setup\nsetup(install_requires=['pymysql>=1'])\n"}, "mysql"),
    ({"Cargo.toml": '[package]\nname = "x"\n[dependencies]\nsqlx = { version = "0.7", features = ["sqlite"] }\n'},
     "sqlite"),
    ({"Cargo.toml": '[package]\nname = "x"\n[dependencies]\ndiesel = { version = "2", features = ["mysql"] }\n',
      "diesel.toml": ""}, "mysql"),
])
def test_dialect_from_tool_config_and_drivers(tmp_path: Path, files: dict, dialect: str):
    (tmp_path / ".git").mkdir()  # the project root
    for rel, text in files.items():
        write(tmp_path, rel, text)
    got = info(write(tmp_path, "migrations/0001_init.sql", "CREATE TABLE t (id bigint);\n"))
    assert got.dialect == dialect, got


def test_several_drivers_keep_postgres_rules_only_when_postgres_is_one(tmp_path: Path):
    write(tmp_path, "a/go.mod", "module a\n\nrequire (\n\tgithub.com/lib/pq v1\n\tgithub.com/go-sql-driver/mysql v1\n)\n")
    write(tmp_path, "b/go.mod", "module b\n\nrequire (\n\tmodernc.org/sqlite v1\n\tgithub.com/go-sql-driver/mysql v1\n)\n")
    a = info(write(tmp_path, "a/store.go", "package a\n"))
    b = info(write(tmp_path, "b/store.go", "package b\n"))
    assert a.dialect == b.dialect == "unknown"
    assert a.may_be(("postgres",)) and not b.may_be(("postgres",))
    assert b.may_be(("mysql", "sqlite")) and b.may_be(None)
    # the path still wins over the drivers
    assert info(write(tmp_path, "a/migrations/mysql/1.sql", "SELECT 1;\n")).dialect == "mysql"


def test_a_workspace_member_inherits_the_workspace_drivers(tmp_path: Path):
    write(tmp_path, "Cargo.toml", '[workspace]\nmembers = ["crates/db"]\n[workspace.dependencies]\n'
          'diesel = { version = "2", features = ["postgres"] }\n')
    write(tmp_path, "crates/db/Cargo.toml", '[package]\nname = "db"\n[dependencies]\ndiesel = { workspace = true }\n')
    got = info(write(tmp_path, "crates/db/queries.sql", "SELECT 1;\n"))
    assert got.project_root == str(tmp_path / "crates" / "db") and got.dialect == "postgres"


def test_dialect_setting_wins_and_takes_path_globs(tmp_path: Path):
    settings, warnings = from_mapping({"dialect": {"legacy/**": "mysql", "**/*.lite.sql": "sqlite"}},
                                      Settings(root=str(tmp_path)))
    assert not warnings
    assert info(write(tmp_path, "legacy/001.postgres.sql", "SELECT 1;"), settings).dialect == "mysql"
    assert info(write(tmp_path, "db/x.lite.sql", "SELECT 1;"), settings).dialect == "sqlite"
    assert info(write(tmp_path, "db/y.sql", "SELECT 1;"), settings).dialect == "unknown"
    whole, _ = from_mapping({"dialect": "postgresql"}, Settings())
    assert info(write(tmp_path, "db/z.mysql.sql", "SELECT 1;"), whole).dialect == "postgres"
    _, bad = from_mapping({"dialect": "oracle"}, Settings())
    assert bad and "unknown dialect" in bad[0]


# -- migrations and their direction -------------------------------------------------------------------


@pytest.mark.parametrize("rel, text, direction", [
    ("migrations/000001_users.up.sql", "CREATE TABLE users (id bigint);", "up"),
    ("migrations/000001_users.down.sql", "DROP TABLE users;", "down"),
    ("migrations/2024-01-01-000000_users/up.sql", "CREATE TABLE users (id bigint);", "up"),
    ("migrations/2024-01-01-000000_users/down.sql", "DROP TABLE users;", "down"),
    ("db/migrations/0001_users_down.sql", "DROP TABLE users;", "down"),
    ("db/migrations/rollback/0001_users.sql", "DROP TABLE users;", "down"),
    ("sql/V2__users.sql", "CREATE TABLE users (id bigint);", None),
    ("db/migrations/20240101_users.sql",
     "-- +goose Up\nCREATE TABLE users (id bigint);\n-- +goose Down\nDROP TABLE users;\n", "up+down"),
    ("db/migrations/20240101_users.sql",
     "-- migrate:up\nCREATE TABLE users (id bigint);\n-- migrate:down\nDROP TABLE users;\n", "up+down"),
    ("queries/users.sql", "SELECT id FROM users;", None),
    ("storage/postgres/deltas/2024010112000000_users.go", "package deltas\n", "up"),
    ("src/features/toggles/delta/delta-cache.ts", "export const a = 1;\n", None),
])
def test_migration_direction(tmp_path: Path, rel: str, text: str, direction: str | None):
    got = info(write(tmp_path, rel, text))
    assert got.direction == direction and got.is_migration == (direction is not None)


# -- not the user's own code ---------------------------------------------------------------------------


@pytest.mark.parametrize("rel, text, kind", [
    ("internal/db/models.go", "// Code generated by sqlc. DO NOT EDIT.\npackage db\n", "generated"),
    ("src/api.ts", "/* @generated */\nexport const x = 1;\n", "generated"),
    ("api/v1/user.pb.go", "package v1\n", "generated"),
    ("vendor/github.com/x/y/z.go", "package y\n", "vendored"),
    ("third_party/lib/q.py", "x = 1\n", "vendored"),
    ("web/node_modules/pg/index.js", "module.exports = 1;\n", "vendored"),
    ("static/js/app.min.js", "var a=1;\n", "minified"),
    ("server/static/assets/index-abc.js", "var a=1;\n", "build output"),
    ("web/dist/main.js", "var a=1;\n", "build output"),
    ("web/build/main.js", "var a=1;\n", "build output"),
    ("web/.next/server/page.js", "var a=1;\n", "build output"),
    ("src/bundle.js", "var a=1;" * 3000, "minified"),
    ("internal/endtoend/testdata/select/query.sql", "SELECT * FROM t;\n", "test data"),
    ("store/migration/test-files/postgres.sql", "CREATE TABLE t (id int);\n", "test data"),
    ("tests/fixtures/users.sql", "SELECT * FROM t;\n", "test data"),
    ("src/__snapshots__/a.test.ts.snap", "x", None),  # not an analysed language: never listed
    ("web/src/__snapshots__/view.ts", "export const a = 1;\n", "test data"),
    ("tests/integration/data/seed.sql", "INSERT INTO t VALUES (1);\n", "test data"),
    ("tests/test_users.py", "def test_x():\n    pass\n", None),  # test code is code
    ("pkg/popx/stub/migrations/0001_x.sql", "CREATE TABLE t (id int);\n", "test data"),
    ("internal/store/users.go", "package store\n", None),
    ("internal/bootstrap/hooks.go", "package bootstrap\n\nconst Snippet = `// Code generated by init. DO NOT EDIT.`\n", None),
    ("internal/ui/static/js/app.js", "document.addEventListener('load', start);\n", None),  # hand-written static JS
    # the header is judged line by line: a comment saying so further down the head counts,
    # the same words in code or after the head do not
    ("app/schema.py", "import x\n\ndef generate():\n    pass\n# This file is auto-generated by a tool\n", "generated"),
    ("app/models.py", "def generate_key():\n    return 'Code generated by x. DO NOT EDIT'\n", None),
    ("app/late.py", "x = 1\n" * 1000 + "# Code generated by sqlc. DO NOT EDIT.\n", None),
    ("app/unicode.py", "# Ünïcödé\n# @generated\nx = 1\n", "generated"),
    ("app/edit.ts", "// do NOT edit this file\nexport const a = 1;\n", "generated"),
])
def test_not_own_code(tmp_path: Path, rel: str, text: str, kind: str | None):
    got = info(write(tmp_path, rel, text))
    if got.language is None:
        return
    assert (got.not_own.kind if got.not_own else None) == kind, got


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_files_git_ignores(tmp_path: Path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "generated/\n*.local.sql\n")
    ignored = write(tmp_path, "generated/api.py", "x = 1\n")
    local = write(tmp_path, "db/seed.local.sql", "SELECT 1;\n")
    kept = write(tmp_path, "app/api.py", "x = 1\n")
    m = ProjectModel()
    m.prefetch_ignored([str(ignored), str(local), str(kept)])
    assert m.file_info(str(ignored)).not_own.kind == "gitignored"
    assert m.file_info(str(local)).not_own.kind == "gitignored"
    assert m.file_info(str(kept)).not_own is None
    # without a prefetch the model asks git itself
    assert ProjectModel().file_info(str(ignored)).not_own.kind == "gitignored"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_many_files_git_ignores_are_listed_once(tmp_path: Path):
    """A whole project's files are answered from one listing of what git ignores: the
    answers are check-ignore's (ignored folders, patterns, a negation under an ignored
    folder, a folder of ignored files only, tracked files never ignored)."""
    from backend_architect.project import ownership

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "build/\n*.gen.py\nout/*\n!out/keep.py\nbin\n!bin/ok.py\nlocal.py\n")
    paths = [write(tmp_path, f"app/m{i}.py", "x = 1\n") for i in range(70)]
    for rel in ("build/a.py", "build/sub/b.py", "out/x.py", "out/keep.py", "bin/ok.py",
                "gen/only.gen.py", "deep/a/b/c.gen.py", "app/z.gen.py", "local.py", "tracked.gen.py"):
        paths.append(write(tmp_path, rel, "x = 1\n"))
    subprocess.run(["git", "-C", str(tmp_path), "add", "app"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-f", "tracked.gen.py"], check=True)
    names = [str(p) for p in paths]
    listed = ownership.git_ignored(str(tmp_path), names)
    asked = set().union(*(ownership.git_ignored(str(tmp_path), names[i:i + 8]) for i in range(0, len(names), 8)))
    assert listed == asked
    assert {Path(p).relative_to(tmp_path).as_posix() for p in listed} == {
        "build/a.py", "build/sub/b.py", "out/x.py", "bin/ok.py", "gen/only.gen.py",
        "deep/a/b/c.gen.py", "app/z.gen.py", "local.py"}
    r = run("project", ".", "--files", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "gitignored" in r.stdout and "app/z.gen.py" in r.stdout and "app/m0.py" in r.stdout


# -- the engine judges each file for what it is ----------------------------------------------------------

LOCKING = "CREATE INDEX idx_posts_user ON posts (user_id);\nSELECT id FROM posts WHERE id NOT IN (SELECT post_id FROM bans);\n"


# QO005 (NOT IN, off by default) stands for the dialect-neutral rules
NEUTRAL = Settings(extend_select=("QO005",))


@pytest.mark.parametrize("rel", [
    "migrations/0002_index.mysql.sql",
    "store/migration/mysql/0002_index.sql",
    "db/migrations/sqlite/0002_index.sql",
    "db/migrations/0002_index.cockroach.up.sql",
    "migrations/0002_index.down.sql",
    "migrations/2024-01-01-000000_index/down.sql",
])
def test_migration_rules_skip_other_dialects_and_down_files(tmp_path: Path, rel: str):
    path = write(tmp_path, rel, LOCKING)
    doc = Document(LOCKING, path=str(path))
    found = codes(lint(doc, NEUTRAL, info=info(path)))
    assert not [c for c in found if c.startswith("MG")], found
    assert "QO005" in found  # NOT IN (subquery) is not a Postgres matter


def test_migration_rules_still_run_on_postgres_and_unknown_dialects(tmp_path: Path):
    for rel in ("migrations/0002_index.sql", "migrations/0002_index.postgres.up.sql", "store/migration/postgres/2.sql"):
        path = write(tmp_path, rel, LOCKING)
        found = codes(lint(Document(LOCKING, path=str(path)), NEUTRAL))  # the engine asks the model itself
        assert "MG001" in found and "QO005" in found, (rel, found)


def test_down_section_of_an_up_file_gets_no_migration_advice(tmp_path: Path):
    text = "-- +goose Up\nCREATE TABLE t (id bigint PRIMARY KEY);\n-- +goose Down\nDROP TABLE posts;\n"
    path = write(tmp_path, "migrations/0003_t.sql", text)
    assert not [c for c in codes(lint(Document(text, path=str(path)), Settings())) if c.startswith("MG")]


def test_fix_in_another_dialect_is_dropped_but_the_finding_stays(tmp_path: Path):
    text = "CREATE TABLE events (id int PRIMARY KEY, name varchar(20));\n"
    # two projects: one folder holding the same migration once per database is judged differently
    write(tmp_path, "pgapp/go.mod", "module pgapp\n")
    write(tmp_path, "myapp/go.mod", "module myapp\n")
    pg = write(tmp_path, "pgapp/db/postgres/001.sql", text)
    my = write(tmp_path, "myapp/db/mysql/001.sql", text)
    settings, problems = from_mapping({"extend_select": ["SD004"]})  # SD004 is off by default
    assert not problems
    pg_found = {f.code: f for f in lint(Document(text, path=str(pg)), settings).findings}
    my_found = {f.code: f for f in lint(Document(text, path=str(my)), settings).findings}
    assert pg_found["SD002"].fix is not None and "SD004" in pg_found
    assert my_found["SD002"].fix is None  # bigint identity syntax is Postgres's
    assert "SD004" not in my_found  # varchar(n) is the right type in MySQL


# -- the project's schema -----------------------------------------------------------------------------


def test_schema_comes_from_the_projects_own_postgres_migrations(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n")
    write(tmp_path, "migrations/0001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    write(tmp_path, "migrations/mysql/0001_users.sql", "CREATE TABLE mysql_only (id bigint);\n")
    write(tmp_path, "internal/testdata/migrations/0001.sql", "CREATE TABLE fixture_only (id bigint);\n")
    write(tmp_path, "tools/go.mod", "module tools\n")
    write(tmp_path, "tools/migrations/0001_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY);\n")
    app = build_catalog(str(tmp_path), Settings(), use_disk_cache=False)
    tools = build_catalog(str(tmp_path / "tools"), Settings(), use_disk_cache=False)
    assert app.table("users") is not None
    assert app.table("jobs") is None and app.table("mysql_only") is None and app.table("fixture_only") is None
    assert tools.table("jobs") is not None and tools.table("users") is None
    # a folder that is not a project root itself (an editor opened on db/) still has a schema
    write(tmp_path, "db/migrations/0001_teams.sql", "CREATE TABLE teams (id bigint PRIMARY KEY);\n")
    assert build_catalog(str(tmp_path / "db"), Settings(), use_disk_cache=False).table("teams") is not None


def test_a_migration_sees_the_schema_as_of_itself(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n")
    write(tmp_path, "migrations/0001_posts.sql", "CREATE TABLE posts (id bigint PRIMARY KEY, title text);\n")
    copy = write(tmp_path, "migrations/0002_copy.sql", "CREATE TABLE old_posts AS SELECT * FROM posts;\n")
    write(tmp_path, "migrations/0003_published.sql", "ALTER TABLE posts ADD COLUMN published_at timestamptz;\n")
    root = str(tmp_path)
    final = build_catalog(root, Settings(), use_disk_cache=False)
    assert [c.name for c in final.table("posts").columns] == ["id", "title", "published_at"]
    before = catalog_before(root, str(copy))
    assert before().columns_of("posts") == ["id", "title"]
    assert catalog_before(root, str(tmp_path / "migrations/0004_new.sql"))().columns_of("posts") == \
        ["id", "title", "published_at"]  # a migration not written yet sees every earlier one
    # a migration's SELECT * is not a finding (QO001 leaves migrations alone), so the schema as of
    # the file is what the engine hands the rules of that migration
    doc = Document(copy.read_text(), path=str(copy))
    assert not [f for f in lint(doc, Settings(), final, catalog_before=before).findings if f.code == "QO001"]


def test_validated_checks_and_indexes_are_carried_to_later_migrations(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n")
    write(tmp_path, "migrations/0001_users.sql",
          "CREATE TABLE users (id bigint PRIMARY KEY, email text, nick text);\n"
          "CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON users (email);\n")
    write(tmp_path, "migrations/0002_checks.sql",
          "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
          "ALTER TABLE users ADD CONSTRAINT users_nick_nn CHECK (nick IS NOT NULL AND nick <> '') NOT VALID;\n")
    third = write(tmp_path, "migrations/0003_validate.sql", "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n")
    fourth = write(tmp_path, "migrations/0004_rename.sql",
                   "ALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users VALIDATE CONSTRAINT users_nick_nn;\n")
    fifth = write(tmp_path, "migrations/0005_drop.sql", "ALTER TABLE users DROP CONSTRAINT users_nick_nn;\n")
    last = write(tmp_path, "migrations/0006_not_null.sql", "ALTER TABLE users ALTER COLUMN mail SET NOT NULL;\n")
    root = str(tmp_path)
    assert catalog_before(root, str(third))().proven_not_null("users", "email") == []  # NOT VALID yet
    at_fourth = catalog_before(root, str(fourth))()
    assert at_fourth.proven_not_null("users", "email") == ["users_email_nn"]
    assert at_fourth.unique_index_on("users", ["email"]) == "users_email_idx"
    at_fifth = catalog_before(root, str(fifth))()
    assert at_fifth.proven_not_null("public.users", "mail") == ["users_email_nn"]  # follows the rename
    assert at_fifth.proven_not_null("users", "nick") == ["users_nick_nn"]  # ANDed with another test
    assert at_fifth.has_index("users_email_idx", "users") and not at_fifth.has_index("users_mail_idx")
    at_last = catalog_before(root, str(last))()
    assert at_last.proven_not_null("users", "nick") == []  # dropped
    doc = Document(last.read_text(), path=str(last))
    final = build_catalog(root, Settings(), use_disk_cache=False)
    assert "MG006" not in codes(lint(doc, Settings(), final, catalog_before=catalog_before(root, str(last))))
    # without the validation the SET NOT NULL scans the table
    third.write_text("SELECT 1;\n")
    from backend_architect.project.schema import forget_histories

    forget_histories()
    final = build_catalog(root, Settings(), use_disk_cache=False)
    assert "MG006" in codes(lint(doc, Settings(), final, catalog_before=catalog_before(root, str(last))))


# -- command line -----------------------------------------------------------------------------------------


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "backend_architect", *args], capture_output=True, text=True,
                          cwd=cwd, env=server_env(), timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(tmp_path, "go.mod", "module app\n\nrequire github.com/lib/pq v1.10.0\n")
    write(tmp_path, "migrations/0001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    write(tmp_path, "migrations/0002_idx.sql", "CREATE INDEX users_name ON users (name);\n")
    write(tmp_path, "migrations/0002_idx.down.sql", "DROP INDEX users_name;\nDROP TABLE users;\n")
    write(tmp_path, "migrations/mysql/0002_idx.sql", "CREATE INDEX users_name ON users (name);\n")
    write(tmp_path, "internal/db/models.go", "// Code generated by sqlc. DO NOT EDIT.\npackage db\n\n"
          "func all(db *sql.DB) {\n\tdb.Query(\"SELECT * FROM users\")\n}\n")
    write(tmp_path, "internal/testdata/q.sql", "SELECT * FROM users;\n")
    return tmp_path


def test_project_command_text(tree: Path):
    r = run("project", ".", cwd=tree)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "dialect: postgres" in out and "go.mod requires github.com/lib/pq" in out
    assert "not the project's own code (not checked): 1 generated, 1 test data" in out \
        or "not the project's own code (not checked): 1 test data, 1 generated" in out
    assert "migrations: migrations: 3 files" in out and "migrations: migrations/mysql: 1 files (1 mysql; 1 up)" in out
    r = run("project", ".", "--files", cwd=tree)
    assert "internal/db/models.go: go; NOT OWN CODE: generated" in r.stdout
    assert "migrations/0002_idx.down.sql: sql; dialect postgres" in r.stdout and "migration down" in r.stdout


def test_project_command_json(tree: Path):
    r = run("project", ".", "--output-format", "json", cwd=tree)
    data = json.loads(r.stdout)
    (proj,) = data["projects"]
    assert proj["dialect"] == "postgres" and proj["summary"]["not_own"] == {"generated": 1, "test data": 1}
    by_path = {Path(f["path"]).relative_to(tree).as_posix(): f for f in proj["files"]}
    assert by_path["migrations/mysql/0002_idx.sql"]["dialect"] == "mysql"
    assert by_path["migrations/0002_idx.down.sql"]["direction"] == "down"
    assert by_path["internal/testdata/q.sql"]["not_own"] == "test data"


def test_project_command_shows_each_migrations_runner_transaction_and_history(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n\nrequire github.com/pressly/goose/v3 v3.20.0\n")
    write(tmp_path, "migrations/0001_users.sql", "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    write(tmp_path, "migrations/0002_idx.sql",
          "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY users_name ON users (name);\n")
    write(tmp_path, "migrations/0003_email.sql", "-- +goose Up\nALTER TABLE users ADD COLUMN email text;\n")
    r = run("project", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = {ln.strip().split(":", 1)[0]: ln for ln in r.stdout.splitlines() if ln.startswith("    ")}
    assert "runner goose" in lines["0001_users.sql"] and "in a transaction (goose runs each file" in lines["0001_users.sql"]
    assert "no transaction (goose opt-out in the file)" in lines["0002_idx.sql"]
    # no git: the newest migration.pending (1) files are pending, the others history
    assert "history (2 newer migrations in its series (migration.pending = 1; no git))" in lines["0001_users.sql"]
    assert "pending (one of the newest 1 migrations of its series (no git))" in lines["0003_email.sql"]
    write(tmp_path, "backend-architect.toml", "[migration]\nbaseline = \"0001\"\n")
    data = json.loads(run("project", ".", "--output-format", "json", cwd=tmp_path).stdout)
    (folder,) = data["projects"][0]["migration_folders"]
    by_name = {Path(m["path"]).name: m for m in folder["migrations"]}
    assert by_name["0001_users.sql"]["history"] and "at or before migration.baseline" in by_name["0001_users.sql"]["history_reason"]
    assert not by_name["0002_idx.sql"]["history"] and by_name["0002_idx.sql"]["in_transaction"] is False
    # with git: what is committed on the main line is history
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "init"], cwd=tmp_path, check=True)
    write(tmp_path, "migrations/0004_bio.sql", "-- +goose Up\nALTER TABLE users ADD COLUMN bio text;\n")
    out = run("project", ".", cwd=tmp_path).stdout
    lines = {ln.strip().split(":", 1)[0]: ln for ln in out.splitlines() if ln.startswith("    ")}
    assert "history (committed on the main line (merge-base of HEAD and main" in lines["0003_email.sql"]
    assert "pending (new: not on the main line (merge-base of HEAD and main))" in lines["0004_bio.sql"]


def test_project_command_lists_code_migrations_not_their_neighbours(tmp_path: Path):
    write(tmp_path, "requirements.txt", "Django>=4.2\npsycopg>=3\n")
    write(tmp_path, "shop/migrations/__init__.py", "")
    write(tmp_path, "shop/migrations/0001_initial.py", "from django.db import migrations\n\n\n"
          "class Migration(migrations.Migration):\n    operations = []\n")
    write(tmp_path, "shop/migrations/0002_idx.py", "from django.db import migrations\n\n\n"
          "class Migration(migrations.Migration):\n    atomic = False\n    operations = []\n")
    out = run("project", ".", cwd=tmp_path).stdout
    listed = [ln.strip() for ln in out.splitlines() if ln.startswith("    ") and "evidence:" not in ln]
    assert [ln.split(":", 1)[0] for ln in listed] == ["0001_initial.py", "0002_idx.py"], out
    assert "runner django; in a transaction" in listed[0]
    assert "runner django; no transaction (django opt-out in the file)" in listed[1]


def test_check_leaves_out_what_is_not_own_code_and_says_so(tree: Path):
    r = run("check", ".", "--output-format", "json", cwd=tree)
    found = {(Path(f["filename"]).as_posix(), f["code"]) for f in json.loads(r.stdout)}
    assert ("migrations/0002_idx.sql", "MG001") in found
    assert not [p for p, c in found if "mysql" in p or p.endswith(".down.sql") and c.startswith("MG")]
    assert not [p for p, _ in found if "models.go" in p or "testdata" in p]
    assert "2 files not checked as not the project's own code" in r.stderr
    assert "1 generated" in r.stderr and "1 test data" in r.stderr
    # naming the file checks it
    # (QO001 is off by default: selected here as the canary)
    star = ("--extend-select", "QO001")
    r = run("check", "internal/testdata/q.sql", *star, "--output-format", "json", cwd=tree)
    assert [f["code"] for f in json.loads(r.stdout)] == ["QO001"]
    # and naming a folder that is itself test data
    r = run("check", "internal/testdata", *star, "--output-format", "json", cwd=tree)
    assert [f["code"] for f in json.loads(r.stdout)] == ["QO001"]
    # and so does the setting
    write(tree, "backend-architect.toml", 'include-generated = ["generated"]\n')
    r = run("check", ".", *star, "--output-format", "json", cwd=tree)
    files = {Path(f["filename"]).as_posix() for f in json.loads(r.stdout)}
    assert "internal/db/models.go" in files and "internal/testdata/q.sql" not in files


# -- the migration runner and its transactions --------------------------------------------------------------


@pytest.mark.parametrize("files, target, runner, in_tx", [
    ({"go.mod": "module x\n", "db/migrations/001_a.sql": "-- +goose Up\nCREATE TABLE a (id bigint);\n"},
     "db/migrations/001_a.sql", "goose", True),
    ({"go.mod": "module x\n",
      "db/migrations/002_b.sql": "-- +goose Up\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY b ON a (id);\n"},
     "db/migrations/002_b.sql", "goose", False),
    ({"db/migrations/001_a.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n"},
     "db/migrations/001_a.sql", "dbmate", False),
    ({"Cargo.toml": '[package]\nname = "x"\n[dependencies]\ndiesel = { version = "2", features = ["postgres"] }\n',
      "migrations/2024-01-01-000000_a/up.sql": "CREATE TABLE a (id bigint);\n",
      "migrations/2024-01-01-000000_a/down.sql": "DROP TABLE a;\n"},
     "migrations/2024-01-01-000000_a/up.sql", "diesel", True),
    ({"Cargo.toml": '[package]\nname = "x"\n[dependencies]\ndiesel = { version = "2", features = ["postgres"] }\n',
      "migrations/2024-01-01-000000_a/up.sql": "CREATE INDEX CONCURRENTLY i ON a (id);\n",
      "migrations/2024-01-01-000000_a/metadata.toml": "run_in_transaction = false\n"},
     "migrations/2024-01-01-000000_a/up.sql", "diesel", False),
    ({"sql/migrations/V1__a.sql": "CREATE TABLE a (id bigint);\n",
      "sql/migrations/V2__b.sql": "CREATE INDEX CONCURRENTLY i ON a (id);\n",
      "sql/migrations/V2__b.sql.conf": "executeInTransaction=false\n"},
     "sql/migrations/V2__b.sql", "flyway", False),
    ({"package.json": "{}", "prisma/migrations/20240101_init/migration.sql": "CREATE TABLE a (id bigint);\n"},
     "prisma/migrations/20240101_init/migration.sql", "prisma", True),
    ({"go.mod": "module x\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
      "migrations/000001_a.up.sql": "CREATE TABLE a (id bigint);\n", "migrations/000001_a.down.sql": "DROP TABLE a;\n"},
     "migrations/000001_a.up.sql", "golang-migrate", True),
    ({"app/migrations/0002_idx.py": "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
      "    atomic = False\n    operations = []\n", "app/migrations/__init__.py": "", "requirements.txt": "django\n"},
     "app/migrations/0002_idx.py", "django", False),
])
def test_migration_runner_and_transaction(tmp_path: Path, files: dict, target: str, runner: str, in_tx: bool):
    for rel, text in files.items():
        write(tmp_path, rel, text)
    got = info(tmp_path / target)
    assert (got.runner, got.in_transaction) == (runner, in_tx), got


def test_folders_above_a_nested_project_still_count(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n")
    write(tmp_path, "internal/endtoend/testdata/case1/go.mod", "module case1\n")
    q = info(write(tmp_path, "internal/endtoend/testdata/case1/query.sql", "SELECT 1;\n"))
    assert q.project_root == str(tmp_path / "internal/endtoend/testdata/case1") and q.not_own.kind == "test data"
    write(tmp_path, "db/mysql/package.json", "{}")
    assert info(write(tmp_path, "db/mysql/schema.sql", "CREATE TABLE t (id int);\n")).dialect == "mysql"


def test_sql_of_another_dialect_is_not_checked_against_the_postgres_schema(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n")
    write(tmp_path, "migrations/0001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    write(tmp_path, "queries/users.sql", "SELECT id, nme FROM users WHERE id = $1;\n")
    write(tmp_path, "queries/mysql/users.sql", "SELECT id, nme FROM users WHERE id = ?;\n")
    r = run("check", ".", "--select", "QO006", "--output-format", "json", cwd=tmp_path)
    assert [(Path(f["filename"]).as_posix(), f["code"]) for f in json.loads(r.stdout)] == \
        [("queries/users.sql", "QO006")]


def test_cql_strings_are_not_checked_as_sql(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n\nrequire github.com/lib/pq v1.10.0\n")
    write(tmp_path, "migrations/0001_tasks.sql", "CREATE TABLE tasks (id bigint PRIMARY KEY, name text);\n")
    query = (
        'package store\n\nimport "database/sql"\n\n'
        "func Name(db *sql.DB, id int64) {\n"
        '\tdb.Query("SELECT nme FROM tasks WHERE id = $1", id)\n}\n'
    )
    write(tmp_path, "store/sql/tasks.go", query)
    write(tmp_path, "store/cassandra/tasks.go", query)
    r = run("check", ".", "--select", "QO006", "--output-format", "json", cwd=tmp_path)
    assert [(Path(f["filename"]).as_posix(), f["code"]) for f in json.loads(r.stdout)] == \
        [("store/sql/tasks.go", "QO006")]


# -- the language server's session uses the same model ---------------------------------------------------


def test_session_judges_open_documents_with_the_model(tmp_path: Path):
    from backend_architect.lsp.session import Session
    from backend_architect.project import build_catalog as project_catalog

    write(tmp_path, "go.mod", "module app\n")
    write(tmp_path, "migrations/0001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n")
    write(tmp_path, "svc/go.mod", "module svc\n")
    write(tmp_path, "svc/migrations/0001_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY, name text);\n")
    session = Session(root=str(tmp_path), settings=Settings())
    session.configure({"extendSelect": ["QO005"]})  # NOT IN (off by default) as the neutral rule
    session.catalog = project_catalog(str(tmp_path), session.settings, use_disk_cache=False)

    def found(rel: str, text: str) -> list[str]:
        path = write(tmp_path, rel, text)
        doc = session.document_for(path.as_uri(), text, 1, None)
        return codes(session.analyse(doc).result)

    # a nested module's query is checked against that module's schema, not the workspace's
    assert "QO006" in found("svc/queries/jobs.sql", "SELECT nme FROM jobs WHERE id = $1;\n")
    assert "QO006" in found("queries/users.sql", "SELECT nme FROM users WHERE id = $1;\n")
    assert "QO006" not in found("queries/jobs.sql", "SELECT nme FROM jobs WHERE id = $1;\n")
    # a MySQL migration gets no PostgreSQL lock advice, a generated file no findings at all
    assert found("migrations/mysql/0002_idx.sql", LOCKING) == ["QO005"]
    assert found("internal/db/q.go", "// Code generated by sqlc. DO NOT EDIT.\npackage db\n\n"
                 "func all(db *sql.DB) {\n\tdb.Query(\"SELECT * FROM users\")\n}\n") == []


def test_hover_on_a_migration_finding_says_what_the_file_is(tmp_path: Path):
    from lsprotocol import types

    from backend_architect.lsp.handlers.hover import hover
    from backend_architect.lsp.session import Session

    write(tmp_path, "go.mod", "module app\n")
    text = "-- +goose Up\nCREATE INDEX idx_posts_user ON posts (user_id);\n-- +goose Down\nDROP INDEX idx_posts_user;\n"
    path = write(tmp_path, "db/migrations/postgres/0002_idx.sql", text)
    session = Session(root=str(tmp_path), settings=Settings())
    session.configure()
    snap = session.analyse(session.document_for(path.as_uri(), text, 1, None))
    assert "MG001" in codes(snap.result)
    shown = hover(session, snap, types.Position(line=1, character=3)).contents.value
    assert "**This file**: up+down migration, dialect postgres (folder postgres/)" in shown
    assert "run by goose in a transaction" in shown
    assert "pending: one of the newest 1 migrations of its series (no git)" in shown
    # an older migration is history: its findings are hints, and hover says why
    old_text = "-- +goose Up\nCREATE INDEX idx_posts_title ON posts (title);\n"
    old = write(tmp_path, "db/migrations/postgres/0001_title.sql", old_text)
    snap = session.analyse(session.document_for(old.as_uri(), old_text, 1, None))
    shown = hover(session, snap, types.Position(line=1, character=3)).contents.value
    assert "history: 1 newer migrations in its series" in shown and "never fixed" in shown


def test_test_code_is_not_held_to_todays_schema_nor_flagged_for_its_own_values(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n\nrequire github.com/lib/pq v1.10.0\n")
    write(tmp_path, "migrations/0001_reaction.sql", "CREATE TABLE reaction (id bigint PRIMARY KEY, memo_id bigint);\n")
    body = (
        'package store\n\nfunc seed(db *sql.DB, name string) {\n'
        '\tdb.Exec("INSERT INTO reaction (content_id) VALUES (1)")\n'
        '\tdb.Exec("DELETE FROM reaction WHERE memo_id = " + name)\n}\n'
    )
    write(tmp_path, "store/test/helpers/legacy.go", body)  # a test helper builds a past schema on purpose
    write(tmp_path, "store/seed.go", body)
    r = run("check", ".", "--select", "QO006,IV010", "--output-format", "json", cwd=tmp_path)
    found = sorted((Path(f["filename"]).as_posix(), f["code"]) for f in json.loads(r.stdout))
    assert found == [("store/seed.go", "IV010"), ("store/seed.go", "QO006")], r.stderr


def test_a_generic_migration_with_a_postgres_variant_serves_the_other_databases(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n\nrequire github.com/lib/pq v1.10.0\n")
    folder = "migrations/sql"
    generic = write(tmp_path, f"{folder}/20260703000000_idx.autocommit.up.sql", "CREATE INDEX idx_a ON courier (a);\n")
    write(tmp_path, f"{folder}/20260703000000_idx.postgres.autocommit.up.sql",
          "CREATE INDEX CONCURRENTLY idx_a ON courier (a);\n")
    alone = write(tmp_path, f"{folder}/20260704000000_idx_b.up.sql", "CREATE INDEX idx_b ON courier (b);\n")
    assert not info(generic).may_be(("postgres",)) and info(alone).may_be(("postgres",))
    r = run("check", ".", "--select", "MG001", "--include-history", "--output-format", "json", cwd=tmp_path)
    assert [Path(f["filename"]).name for f in json.loads(r.stdout)] == [alone.name], r.stderr


def test_project_command_lists_schema_snapshots(tree: Path):
    write(tree, "db/schema_latest.sql", "CREATE TABLE users (id serial PRIMARY KEY, name text);\n")
    write(tree, "db/reports.sql", "CREATE TABLE report_cache (id bigint PRIMARY KEY);\n")  # its own tables
    r = run("project", ".", cwd=tree)
    assert r.returncode == 0, r.stderr
    assert "schema snapshot: db/schema_latest.sql (mirrors the migration history in ." in r.stdout
    assert "db/reports.sql" not in r.stdout
    data = json.loads(run("project", ".", "--output-format", "json", cwd=tree).stdout)
    (proj,) = data["projects"]
    assert [Path(s["path"]).relative_to(tree).as_posix() for s in proj["schema_snapshots"]] == [
        "db/schema_latest.sql"
    ]


def test_a_file_named_relative_or_absolute_is_read_once(tmp_path: Path, monkeypatch):
    write(tmp_path, "go.mod", "module app\n")
    path = write(tmp_path, "migrations/0001_a.sql", "CREATE TABLE a (id int);\n")
    monkeypatch.chdir(tmp_path)
    m = ProjectModel()
    assert m.file_info("migrations/0001_a.sql") is m.file_info(str(path))
    assert m.file_info(str(path)).path == str(path)


def test_a_repository_created_later_is_seen_after_the_model_forgets(tmp_path: Path):
    write(tmp_path, "go.mod", "module app\n")
    m = ProjectModel()
    assert m._repo_of(str(tmp_path)) is None  # noqa: SLF001
    (tmp_path / ".git").mkdir()
    m.forget()
    assert m._repo_of(str(tmp_path)) == str(tmp_path)  # noqa: SLF001
