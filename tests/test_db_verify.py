"""`verify` against a real PostgreSQL: replay order and transaction semantics, errors at the
right line, and every MIGRATION rule's lock/rewrite/scan claim held against the trace."""

from __future__ import annotations

import json
import textwrap

import pytest

from backend_architect.cli import main
from backend_architect.db.replay import discover, split_sql, up_text
from backend_architect.db.verify import CLAIMS, verify
from backend_architect.project import forget

pytest.importorskip("psycopg")

BASE = """\
CREATE TABLE users (id bigserial PRIMARY KEY, email text, age int, status text, note text);
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint, total numeric(10,2));
CREATE TYPE mood AS ENUM ('sad', 'ok');
"""


def _project(tmp_path, files: dict[str, str], goose: bool = True):
    (tmp_path / "go.mod").write_text("module example.com/app\n")
    mig = tmp_path / "migrations"
    mig.mkdir(exist_ok=True)
    for name, body in files.items():
        body = textwrap.dedent(body)
        if goose:
            body = f"-- +goose Up\n{body}\n-- +goose Down\nSELECT 1;\n"
        (mig / name).write_text(body)
    forget()
    return tmp_path


def test_up_text_blanks_the_down_section_and_keeps_lines():
    text = "-- +goose Up\nCREATE TABLE a (x int);\n-- +goose Down\nDROP TABLE a;\n"
    up = up_text(text)
    assert len(up) == len(text) and up.count("\n") == text.count("\n")
    assert "DROP" not in up and "CREATE TABLE a" in up
    assert [p.text for p in split_sql(up)] == ["CREATE TABLE a (x int)"]


def test_split_keeps_dollar_quotes_and_strings_whole():
    sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT ';' -- ;\n;"
    assert [p.text for p in split_sql(sql)] == ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                                                "SELECT ';' -- ;"]


ATOMIC_FUNCTION = """\
CREATE FUNCTION order_sign(total numeric) RETURNS int LANGUAGE sql
BEGIN ATOMIC
    SELECT CASE WHEN total IS NULL THEN NULL ELSE 0 END; -- end; of a comment
    SELECT CASE WHEN total > 0 THEN 1 WHEN total < 0 THEN -1 ELSE 0 END;
END;
CREATE PROCEDURE close_orders() LANGUAGE sql
begin atomic
    UPDATE orders SET total = 0 WHERE total IS NULL;
end;
"""


def test_split_keeps_a_begin_atomic_body_with_its_create_function():
    sql = "BEGIN;\n" + ATOMIC_FUNCTION + "COMMIT;\nSELECT 'begin atomic;';\n"
    texts = [p.text for p in split_sql(sql)]
    assert len(texts) == 5, texts
    assert texts[0] == "BEGIN" and texts[3:] == ["COMMIT", "SELECT 'begin atomic;'"]
    assert texts[1].startswith("CREATE FUNCTION order_sign") and texts[1].endswith("ELSE 0 END;\nEND")
    assert texts[2].startswith("CREATE PROCEDURE close_orders") and texts[2].endswith("\nend")


def test_a_migration_with_a_begin_atomic_function_applies(tmp_path, scratch_postgres):
    """Replayed the way goose runs it (the file in one transaction) and statement by statement
    (no known runner): the function's body is sent whole, both times."""
    import psycopg

    from backend_architect.db.replay import replay

    for goose in (True, False):
        proj = tmp_path / ("goose" if goose else "plain")
        proj.mkdir()
        if not goose:
            (proj / "pyproject.toml").write_text("[project]\nname='x'\n")
            (proj / "migrations").mkdir()
        files = {"001_init.sql": BASE, "002_fn.sql": ATOMIC_FUNCTION + "INSERT INTO orders (total) VALUES (-5), (NULL);\n"}
        if goose:
            _project(proj, files)
        else:
            for name, body in files.items():
                (proj / "migrations" / name).write_text(body)
            forget()
        (folder,) = discover([str(proj)])
        assert [mf.in_transaction for mf in folder.files] == ([True, True] if goose else [None, None])
        assert len(folder.files[1].pieces) == 3
        dsn = scratch_postgres.create_database(f"atomic_{'goose' if goose else 'plain'}")
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert replay(conn, folder.files) is None
            assert conn.execute("SELECT order_sign(-5), order_sign(2), order_sign(NULL)").fetchone() == (-1, 1, 0)
            conn.execute("CALL close_orders()")
            assert conn.execute("SELECT count(*) FROM orders WHERE total IS NULL").fetchone()[0] == 0


def test_discover_orders_numbered_files_by_value_and_skips_down_files(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    mig = tmp_path / "migrations"
    mig.mkdir()
    for name in ("10_c.up.sql", "2_b.up.sql", "1_a.up.sql", "1_a.down.sql"):
        (mig / name).write_text("SELECT 1;\n")
    forget()
    folders = discover([str(tmp_path)])
    assert [f.path.rsplit("/", 1)[-1] for f in folders[0].files] == ["1_a.up.sql", "2_b.up.sql", "10_c.up.sql"]


def test_a_failing_migration_is_reported_at_its_line_and_column(tmp_path, scratch_postgres):
    proj = _project(tmp_path, {
        "001_init.sql": BASE,
        "002_bad.sql": "CREATE INDEX a ON users (email);\nALTER TABLE users\n  ADD COLUMN x integr;\n",
        "003_later.sql": "SELECT 1;",
        "004_pending.sql": "SELECT 1;",
    })
    report = verify([str(proj)], server=scratch_postgres, rows=10)
    folder = report.folders[0]
    err = folder.error
    assert err is not None and err.path.endswith("002_bad.sql")
    assert err.sqlstate == "42704" and "integr" in err.message
    # the goose Up marker is line 1; the ALTER starts at line 3 and the bad type is on line 4
    assert (err.line, err.column) == (4, 16)
    assert [p.rsplit("/", 1)[-1] for p in err.not_applied] == ["003_later.sql", "004_pending.sql"]
    assert folder.applied == 1 and report.failed


def test_goose_file_runs_in_one_transaction_so_a_failure_leaves_nothing(tmp_path, scratch_postgres):
    import psycopg

    from backend_architect.db.replay import apply_file

    proj = _project(tmp_path, {"001_a.sql": "CREATE TABLE kept (x int);\nSELECT nonsense_fn();\n"})
    mf = discover([str(proj)])[0].files[0]
    assert mf.in_transaction is True
    dsn = scratch_postgres.create_database("tx_semantics")
    with psycopg.connect(dsn, autocommit=True) as conn:
        err = apply_file(conn, mf)
        assert err is not None and err.line == 3
        assert conn.execute("SELECT to_regclass('kept')").fetchone()[0] is None


def test_plain_numbered_history_without_a_known_runner_runs_statement_by_statement(tmp_path, scratch_postgres):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "0001_init.sql").write_text(BASE)
    (mig / "0002_index.sql").write_text("CREATE INDEX users_email ON users (email);\n")
    forget()
    report = verify([str(tmp_path)], server=scratch_postgres, rows=500)
    folder = report.folders[0]
    assert folder.error is None and folder.applied == 2
    assert folder.filled.get("public.users") == 500
    (result,) = folder.files
    (trace,) = result.traces
    assert trace.strongest().mode == "SHARE" and trace.strongest().relation == "public.users"
    assert [v.status for v in result.verdicts if v.code == "MG001"] == ["confirmed"]


# each MIGRATION rule's claim, on a statement like its fixture's
CASES = [
    ("MG001", "CREATE INDEX users_email_idx ON users (email);"),
    ("MG002", "BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;"),
    ("MG003", "ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;"),
    ("MG004", "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);"),
    ("MG004", "ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0);"),
    ("MG005", "ALTER TABLE users ALTER COLUMN age TYPE bigint;"),
    ("MG006", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"),
    ("MG007", "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();"),
    ("MG008", "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);"),
    ("MG009", "ALTER TABLE users RENAME COLUMN note TO remark;"),
    ("MG010", "ALTER TABLE orders RENAME TO purchases;"),
    ("MG011", "ALTER TABLE users DROP COLUMN note;"),
    ("MG012", "DROP TABLE orders;"),
    ("MG013", "TRUNCATE orders;"),
    ("MG017", "CLUSTER users USING users_pkey;"),
    ("MG018", "UPDATE users SET status = 'active';"),
]


@pytest.mark.parametrize(("code", "statement"), CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_each_rule_claim_is_confirmed_by_postgres(tmp_path, scratch_postgres, code, statement):
    proj = _project(tmp_path, {"001_init.sql": BASE, "002_change.sql": "SET lock_timeout = '5s';\n" + statement})
    (proj / "backend-architect.toml").write_text(f'extend-select = ["{code}"]\n')  # rules off by default too
    report = verify([str(proj)], server=scratch_postgres, rows=200)
    (result,) = report.folders[0].files
    verdicts = [v for v in result.verdicts if v.code == code]
    assert verdicts, f"{code} did not flag {statement!r}: {[v.code for v in result.verdicts]}"
    assert {v.status for v in verdicts} == {"confirmed"}, [(v.status, v.observed) for v in verdicts]


def test_every_claimed_rule_has_a_case():
    assert {c for c, _ in CASES} == set(CLAIMS)


def test_the_trace_reports_what_no_rule_flagged(tmp_path, scratch_postgres):
    # LOCK TABLE is explicit: no rule flags it, the trace sees the ACCESS EXCLUSIVE lock on a table with rows
    proj = _project(tmp_path, {"001_init.sql": BASE, "002_lock.sql": "SET lock_timeout = '5s';\nLOCK TABLE users;"})
    report = verify([str(proj)], server=scratch_postgres, rows=50)
    (result,) = report.folders[0].files
    assert [t.strongest().mode for t in result.trace_only] == ["ACCESS EXCLUSIVE"]


def test_cli_verify_json_and_exit_code(tmp_path, scratch_postgres, capsys, monkeypatch):
    proj = _project(tmp_path, {"001_init.sql": BASE, "002_bad.sql": "ALTER TABLE nope ADD COLUMN x int;"})
    monkeypatch.chdir(proj)
    rc = main(["verify", "--rows", "5", "--postgres-bin", str(scratch_postgres.bin_dir), "--output-format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1
    (folder,) = out["folders"]
    assert folder["pending"][0]["error"]["line"] == 2
    assert "nope" in folder["pending"][0]["error"]["message"]


def test_cli_verify_names_the_package_when_no_server_is_installed(tmp_path, capsys):
    (tmp_path / "bin").mkdir()
    rc = main(["verify", str(tmp_path), "--postgres-bin", str(tmp_path / "bin")])
    err = capsys.readouterr().err
    assert rc == 2 and "no initdb" in err and "apt-get install postgresql-15" in err
    assert "Traceback" not in err


def test_concurrent_index_in_a_no_transaction_file_runs_alone_and_its_lock_is_sampled(tmp_path, scratch_postgres):
    proj = _project(tmp_path, {"001_init.sql": BASE})
    (proj / "migrations" / "002_idx.sql").write_text(
        "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n")
    forget()
    report = verify([str(proj)], server=scratch_postgres, rows=20000)
    (result,) = report.folders[0].files
    (trace,) = result.traces
    assert trace.error is None and not trace.in_transaction
    assert trace.strongest().mode == "SHARE UPDATE EXCLUSIVE"


def test_a_concurrent_index_in_a_goose_transaction_fails_in_the_trace(tmp_path, scratch_postgres):
    proj = _project(tmp_path, {"001_init.sql": BASE,
                               "002_idx.sql": "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);"})
    report = verify([str(proj)], server=scratch_postgres, rows=10)
    (result,) = report.folders[0].files
    assert result.error is not None and result.error.sqlstate == "25001" and result.error.line == 2


def test_flyway_placeholders_are_substituted_before_the_replay(tmp_path, scratch_postgres):
    (tmp_path / "flyway.conf").write_text("flyway.placeholders.schema=billing\n")
    mig = tmp_path / "db" / "migration"
    mig.mkdir(parents=True)
    (mig / "V1__schema.sql").write_text("CREATE SCHEMA ${schema};\n")
    (mig / "V2__invoices.sql").write_text("CREATE TABLE ${schema}.invoices (id bigint PRIMARY KEY);\n"
                                         "CREATE INDEX invoices_id ON ${schema}.invoices (id);\n")
    forget()
    (folder,) = discover([str(tmp_path)])
    assert folder.runner == "flyway"
    assert folder.files[1].pieces[1].text == "CREATE INDEX invoices_id ON billing.invoices (id)"
    report = verify([str(tmp_path)], server=scratch_postgres, rows=10)
    assert report.folders and not report.folders[0].error, report.folders[0].error
