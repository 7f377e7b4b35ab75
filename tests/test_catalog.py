"""The catalog: each DDL form, renames, drops, migration order, schemas, the cache."""

from __future__ import annotations

import os

import pytest

from backend_architect.catalog import build_for_paths
from backend_architect.catalog.build import forget_memory
from backend_architect.catalog.sources import order_key


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKEND_ARCHITECT_CACHE_DIR", str(tmp_path / "cache"))
    forget_memory()
    yield
    forget_memory()


def workspace(tmp_path, files: dict[str, str]):
    root = tmp_path / "ws"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def build(root):
    return build_for_paths([str(root)], None)


def test_no_schema_sources_gives_none(tmp_path):
    root = workspace(tmp_path, {"app/main.py": "print(1)", "queries/report.sql": "SELECT 1;"})
    assert build(root) is None


def test_create_table_columns_types_nullability_defaults_keys(tmp_path):
    root = workspace(tmp_path, {"migrations/0001_init.sql": """
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email varchar(255) NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  org_id bigint REFERENCES orgs (id),
  CONSTRAINT users_email_org UNIQUE (email, org_id)
);
"""})
    cat = build(root)
    t = cat.table("users")
    assert [c.name for c in t.columns] == ["id", "email", "created_at", "org_id"]
    email = t.column("email")
    assert (email.type, email.nullable, email.line) == ("varchar(255)", False, 4)
    assert t.column("created_at").default == "now()"
    assert t.column("org_id").nullable is True
    assert t.primary_key == ["id"]
    assert t.uniques == [["email"], ["email", "org_id"]]
    fk = t.foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["org_id"], "public.orgs", ["id"])
    assert t.source_path.endswith("0001_init.sql") and t.line == 2
    assert cat.columns_of("public.users") == ["id", "email", "created_at", "org_id"]
    assert cat.columns_of("nope") is None


def test_alter_table_forms(tmp_path):
    root = workspace(tmp_path, {
        "migrations/0001_init.sql": "CREATE TABLE t (a int, b text, c text);\nCREATE TABLE p (id bigint PRIMARY KEY);",
        "migrations/0002_alter.sql": """
ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0, DROP COLUMN c;
ALTER TABLE t ALTER COLUMN a TYPE bigint, ALTER COLUMN a SET NOT NULL;
ALTER TABLE t ALTER COLUMN b SET DEFAULT 'x';
ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (a);
ALTER TABLE t ADD CONSTRAINT t_p_fk FOREIGN KEY (d) REFERENCES p (id);
ALTER TABLE t ADD CONSTRAINT t_b_key UNIQUE (b);
""",
        "migrations/0003_drop_constraint.sql": "ALTER TABLE t DROP CONSTRAINT t_p_fk;",
    })
    t = build(root).table("t")
    assert [c.name for c in t.columns] == ["a", "b", "d"]
    assert t.column("a").type == "bigint" and not t.column("a").nullable
    assert t.column("b").default == "'x'"
    assert t.column("d").default == "0" and not t.column("d").nullable
    assert t.primary_key == ["a"]
    assert t.uniques == [["b"]]
    assert t.foreign_keys == []


def test_indexes_order_partial_expression_unique(tmp_path):
    root = workspace(tmp_path, {"migrations/0001.sql": """
CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint, created_at timestamptz, email text, deleted_at timestamptz);
CREATE INDEX CONCURRENTLY idx_posts_user ON posts (user_id, created_at DESC);
CREATE UNIQUE INDEX posts_email_lower ON posts (lower(email)) WHERE deleted_at IS NULL;
CREATE INDEX ON posts ((created_at::date));
"""})
    t = build(root).table("posts")
    by_name = {i.name: i for i in t.indexes}
    ix = by_name["idx_posts_user"]
    assert (ix.columns, ix.orders, ix.unique, ix.predicate, ix.line) == (["user_id", "created_at"], ["ASC", "DESC"], False, None, 3)
    ix = by_name["posts_email_lower"]
    assert (ix.columns, ix.unique, ix.predicate, ix.expressions) == (["lower(email)"], True, "deleted_at IS NULL", [True])
    assert any(i.columns == ["(created_at)::date"] for i in t.indexes)


def test_renames_and_drops_follow_through(tmp_path):
    root = workspace(tmp_path, {
        "migrations/001_init.sql": """
CREATE TABLE users (id bigint PRIMARY KEY, mail text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
CREATE INDEX users_mail_idx ON users (mail);
CREATE TABLE legacy (id int);
""",
        "migrations/002_rename.sql": """
ALTER TABLE users RENAME COLUMN mail TO email;
ALTER TABLE users RENAME TO accounts;
ALTER INDEX users_mail_idx RENAME TO accounts_email_idx;
DROP TABLE legacy;
""",
        "migrations/003_drop_index.sql": "DROP INDEX CONCURRENTLY IF EXISTS accounts_email_idx;\nCREATE INDEX a_e ON accounts (email);\nALTER TABLE accounts DROP COLUMN email;",
    })
    cat = build(root)
    assert cat.table("users") is None
    acc = cat.table("accounts")
    assert [c.name for c in acc.columns] == ["id"]
    assert acc.indexes == []  # the index went with its column
    assert cat.table("orders").foreign_keys[0].ref_table == "public.accounts"
    assert cat.table("legacy") is None and cat.was_dropped("legacy").endswith("002_rename.sql:5")


def test_migration_order_understands_sequences_and_timestamps(tmp_path):
    # lexical order would apply 10_ before 9_; a rename then would see no table
    root = workspace(tmp_path, {
        "migrations/9_create.sql": "CREATE TABLE a (x int);",
        "migrations/10_rename.sql": "ALTER TABLE a RENAME COLUMN x TO y;",
    })
    assert build(root).columns_of("a") == ["y"]
    keys = sorted(["V10__b.sql", "V2__a.sql", "V1_1__c.sql", "R__views.sql"], key=order_key)
    assert keys == ["V1_1__c.sql", "V2__a.sql", "V10__b.sql", "R__views.sql"]
    keys = sorted(["20240102000000_b.sql", "20231231235959_a.sql"], key=order_key)
    assert keys[0].startswith("2023")
    assert order_key("migrations/2024-01-01-000000_x/up.sql") < order_key("migrations/2024-02-01-000000_a/up.sql")


def test_up_sql_only_and_dump_files(tmp_path):
    root = workspace(tmp_path, {
        "db/1_init.up.sql": "CREATE TABLE a (x int);",
        "db/1_init.down.sql": "DROP TABLE a;",
        "db/dump.sql": "--\n-- PostgreSQL database dump\n--\nSET search_path = app;\nCREATE TABLE app.b (id integer NOT NULL);\n",
        "db/structure.sql": "CREATE TABLE c (id int);",
    })
    cat = build(root)
    assert cat.columns_of("a") == ["x"]
    assert cat.columns_of("app.b") == ["id"] and cat.columns_of("b") == ["id"]
    assert cat.columns_of("c") == ["id"]
    assert not any(s.endswith("down.sql") for s in cat.sources)


def test_schemas_search_path_and_templates(tmp_path):
    root = workspace(tmp_path, {"migrations/0001.sql": """
CREATE SCHEMA auth;
CREATE TABLE auth.users (id uuid PRIMARY KEY);
SET search_path TO billing, public;
CREATE TABLE invoices (id bigint PRIMARY KEY);
CREATE TABLE {{ .Schema }}.events (id bigint PRIMARY KEY, payload jsonb);
""", "migrations/0002.sql": "CREATE TABLE users (id int);"})
    cat = build(root)
    assert cat.table("auth.users").columns[0].type == "uuid"
    assert cat.table("users").schema == "public"  # public first on the search path
    assert cat.table("billing.invoices") is not None and cat.table("invoices").schema == "billing"
    assert cat.columns_of("__tmpl__.events") == ["id", "payload"]
    assert cat.columns_of("events") == ["id", "payload"]


def test_views_and_unknown_statements_are_notes_not_errors(tmp_path):
    root = workspace(tmp_path, {"migrations/0001.sql": """
CREATE TABLE t (a int, b int);
CREATE VIEW v AS SELECT a, b AS bee FROM t;
CREATE VIEW w AS SELECT * FROM t;
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'DROP TABLE t'; RETURN NEW; END $$;
DO $$ BEGIN EXECUTE format('CREATE TABLE %I (x int)', 'dyn'); END $$;
THIS IS NOT SQL;
ALTER TABLE missing ADD COLUMN x int;
"""})
    cat = build(root)
    assert cat.columns_of("v") == ["a", "bee"] and cat.table("v").kind == "view"
    assert cat.columns_of("w") == ["a", "b"]
    assert cat.columns_of("t") == ["a", "b"] and cat.table("dyn") is None
    text = "\n".join(cat.notes)
    assert "function body was skipped" in text and "dynamic SQL (EXECUTE) in a DO block was skipped" in text
    assert "not parsed" in text and "missing" in text


def test_do_blocks_apply_their_plain_ddl(tmp_path):
    root = workspace(tmp_path, {"migrations/0001.sql": """
CREATE TABLE t (a int, b int);
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_ab_key') THEN
    ALTER TABLE t ADD CONSTRAINT t_ab_key UNIQUE (a, b);
  END IF;
  CREATE INDEX IF NOT EXISTS t_b_idx ON t (b);
END $$;
"""})
    t = build(root).table("t")
    assert t.uniques == [["a", "b"]]
    assert [(i.name, i.line) for i in t.indexes] == [("t_b_idx", 8)]


def test_cache_reuses_unchanged_files_and_rereads_changed_ones(tmp_path):
    files = {f"migrations/{i:04d}_m.sql": f"CREATE TABLE t{i} (id bigint PRIMARY KEY);" for i in range(5)}
    root = workspace(tmp_path, files)
    cold = build(root)
    assert cold.from_cache == 0 and len(cold.sources) == 5
    forget_memory()  # a restart: only the disk cache is left
    warm = build(root)
    assert warm.from_cache == 5 and warm.columns_of("t3") == ["id"]
    (root / "migrations/0003_m.sql").write_text("CREATE TABLE t3 (id bigint PRIMARY KEY, name text);")
    os.utime(root / "migrations/0003_m.sql", ns=(1, 1))
    again = build(root)
    assert again.from_cache == 4 and again.columns_of("t3") == ["id", "name"]


def test_unwritable_cache_never_fails(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("BACKEND_ARCHITECT_CACHE_DIR", str(blocker / "sub"))
    root = workspace(tmp_path, {"migrations/1.sql": "CREATE TABLE a (x int);"})
    assert build(root).columns_of("a") == ["x"]


def test_schema_command_prints_the_catalog(tmp_path, capsys):
    from backend_architect import cli

    root = workspace(tmp_path, {"db/migrate/20240101000000_users.sql":
                                "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n"
                                "CREATE UNIQUE INDEX users_email ON users (lower(email));"})
    assert cli.main(["schema", str(root)]) == 0
    out = capsys.readouterr().out
    assert "table public.users  (db/migrate/20240101000000_users.sql:1)" in out
    assert "email  text  NOT NULL" in out and "index UNIQUE users_email (lower(email))" in out
    assert cli.main(["schema", str(root), "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("erDiagram\n    users {")
    (tmp_path / "empty").mkdir()
    assert cli.main(["schema", str(tmp_path / "empty")]) == 1
    assert "no schema sources found" in capsys.readouterr().err  # an error: on stderr


def test_schema_setting_globs_add_sources_anywhere(tmp_path):
    from backend_architect.config import Settings, from_mapping

    root = workspace(tmp_path, {"database/tables/users.sql": "CREATE TABLE users (id bigint PRIMARY KEY);",
                                "database/tables/users_email.sql": "ALTER TABLE users ADD COLUMN email text;",
                                "queries/report.sql": "SELECT 1;"})
    assert build(root) is None  # not a migration folder, not a dump
    settings, warnings = from_mapping({"schema": ["database/**/*.sql"]}, Settings(root=str(root)))
    assert not warnings
    cat = build_for_paths([str(root)], settings)
    assert cat.columns_of("users") == ["id", "email"]
    assert [os.path.basename(s) for s in cat.sources] == ["users.sql", "users_email.sql"]


def test_rollback_sections_of_a_migration_never_reach_the_schema(tmp_path):
    """-- +goose Down / -- migrate:down sections are the rollback: the tables they drop still exist."""
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "001_init.sql").write_text(
        "-- +goose Up\nCREATE TABLE tuple (id bigint PRIMARY KEY, store text);\n"
        "-- +goose Down\nDROP TABLE tuple;\n")
    (mig / "002_more.sql").write_text(
        "-- migrate:up\nCREATE TABLE événements (id bigint PRIMARY KEY);\n-- migrate:down\n"
        "DROP TABLE événements;\n-- migrate:up\nALTER TABLE tuple ADD COLUMN note text;\n")
    catalog = build(tmp_path)
    assert catalog.table("tuple") is not None and catalog.table("événements") is not None
    assert [c.name for c in catalog.table("tuple").columns] == ["id", "store", "note"]


# -- what the project's visible queries do to each table -------------------------------

_USAGE_SCHEMA = {
    "migrations/0001_init.up.sql": (
        "CREATE TABLE users (id bigint PRIMARY KEY);\n"
        "CREATE TABLE carts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n"
        "CREATE TABLE items (id bigint PRIMARY KEY,"
        " cart_id bigint REFERENCES carts (id) ON DELETE CASCADE);\n"
        "CREATE TABLE notes (id bigint PRIMARY KEY, cart_id bigint REFERENCES carts (id) ON DELETE SET NULL);\n"
    ),
    # history, not the running application: never counted
    "migrations/0002_cleanup.up.sql": "DELETE FROM users; INSERT INTO notes VALUES (1, NULL);\n",
}


def test_usage_of_visible_queries_follows_cascades(tmp_path):
    from backend_architect.catalog.usage import table_usage

    root = workspace(
        tmp_path,
        {
            **_USAGE_SCHEMA,
            "go.mod": "module example.com/x\n\ngo 1.22\n",
            "store/carts.go": (
                'const a = `DELETE FROM carts WHERE id = $1`\n'
                'const b = "DELETE FROM \\"carts\\" WHERE user_id = $1"\n'
                "const c = `delete from carts where id < $1`\n"
                "const d = `UPDATE users SET id = id WHERE id = $1`\n"
            ),
            # a test's clean-up is not the application deleting users
            "store/carts_test.go": "const cleanup = `DELETE FROM users`\n",
        },
    )
    usage = table_usage(build(root))
    assert usage is not None and usage.deletes_known() and usage.writes_known()
    assert usage.rows_deleted("public.carts")
    assert usage.rows_deleted("public.items")  # ON DELETE CASCADE from carts
    assert not usage.rows_deleted("public.users")  # only a migration and a test delete users
    assert not usage.rows_deleted("public.notes")  # SET NULL keeps the rows
    assert not usage.rows_written("public.notes")
    assert usage.rows_written("public.users")


def test_usage_is_unknown_behind_an_orm_or_dynamic_table_names(tmp_path):
    from backend_architect.catalog.usage import table_usage

    queries = "const a = `DELETE FROM carts WHERE id = $1`\n" * 3
    orm = workspace(
        tmp_path / "orm",
        {
            **_USAGE_SCHEMA,
            "store/carts.go": queries,
            "api/go.mod": "module example.com/api\n\nrequire gorm.io/gorm v1.25.0\n",
        },
    )
    assert table_usage(build(orm)) is None  # a module of the project uses GORM
    dynamic = workspace(
        tmp_path / "dyn",
        {
            **_USAGE_SCHEMA,
            "store/carts.go": queries + 'q := fmt.Sprintf("DELETE FROM %s WHERE id = $1", t)\n',
        },
    )
    usage = table_usage(build(dynamic))
    assert usage is not None and not usage.deletes_known()  # any table may be deleted


def test_within_one_run_a_project_is_walked_once(tmp_path):
    """`check` takes the schema's fingerprint, then builds the schema: one walk serves both."""
    from backend_architect.catalog import sources

    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_a.sql").write_text("CREATE TABLE a (id int);\n")
    with sources.one_run():
        first = sources.discover([str(tmp_path)])
        (migrations / "0002_b.sql").write_text("CREATE TABLE b (id int);\n")
        assert sources.discover([str(tmp_path)]) == first
        # a filter of the files found still applies to the walk kept
        assert sources.discover([str(tmp_path)], is_excluded=lambda p: True) == ([], [])
    dumps, found = sources.discover([str(tmp_path)])
    assert [os.path.basename(p) for p in found] == ["0001_a.sql", "0002_b.sql"]


def test_the_file_budget_is_shared_by_the_roots_within_one_run(tmp_path):
    from backend_architect.catalog import sources

    for name in ("one", "two"):
        folder = tmp_path / name / "migrations"
        folder.mkdir(parents=True)
        for i in range(3):
            (folder / f"000{i}_{name}.sql").write_text("SELECT 1;\n")
    roots = [str(tmp_path / "one"), str(tmp_path / "two")]
    outside: list[str] = []
    plain = sources.discover(roots, max_files=4, warnings=outside)
    with sources.one_run():
        inside: list[str] = []
        assert sources.discover(roots, max_files=4, warnings=inside) == plain
        assert sources.discover(roots, max_files=4) == plain
    assert len(plain[1]) == 4 and inside == outside and len(inside) == 1
