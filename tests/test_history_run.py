"""`check` on a migration history in a git clone: the advice a committed migration cannot take
is not computed at all (its rules do not run), and what is reported stays the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import committed_django_site, server_env

# A project-specific MIGRATION rule that fails on every file it runs on: a file it did not
# run on reports no internal error.
MIGRATION_RULE = textwrap.dedent('''
    from backend_architect.core.registry import Rule

    class FailsWhereverItRuns(Rule):
        """Fails on purpose.

        ## What it does
        Raises on every SQL file it is run on.
        """
        code = "MG991"
        name = "fails-wherever-it-runs"
        command = "MIGRATION"
        languages = ("sql",)
        message = "never reported"

        def check_document(self, ctx):
            raise RuntimeError("ran on " + ctx.path)
''')

TABLE = "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint, x int);\n"
OLD = (
    "CREATE INDEX idx_posts_user ON posts (user_id);\n"
    "CREATE INDEX idx_posts_x ON posts (x); -- noqa: MG001\n"
    "CREATE INDEX idx_posts_user_x ON posts (user_id, x);\n"
)
NEW = "CREATE INDEX idx_posts_id_x ON posts (id, x);\n"


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend_architect", *args],
        capture_output=True, text=True, cwd=cwd, env=server_env(**env), timeout=120,
    )


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    repo = tmp_path / "app"
    migrations = repo / "migrations"
    migrations.mkdir(parents=True)
    (repo / "go.mod").write_text("module app\n")
    (migrations / "0001_posts.sql").write_text(TABLE)
    (migrations / "0002_indexes.sql").write_text(OLD)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    (migrations / "0003_index.sql").write_text(NEW)  # written, not committed: not history
    return repo


def findings(r: subprocess.CompletedProcess) -> set[tuple[str, str, int]]:
    return {(Path(f["filename"]).name, f["code"], f["location"]["row"]) for f in json.loads(r.stdout)}


def test_history_reports_only_the_advice_it_can_take(clone: Path, tmp_path: Path):
    args = ("check", "--exit-zero", "--no-cache", "--output-format", "json", "migrations")
    default = run(*args, cwd=clone)
    assert default.returncode == 0, default.stderr
    got = findings(default)
    # the committed migration: its redundant index (index advice) only; the new one: everything
    assert ("0002_indexes.sql", "IX003", 1) in got
    assert not {f for f in got if f[0] == "0002_indexes.sql" and f[1] != "IX003"}, got
    assert ("0003_index.sql", "MG001", 1) in got
    # the noqa names a rule that fires on its line: not an unused suppression in either mode
    shown = findings(run(*args, "--include-history", cwd=clone))
    assert ("0002_indexes.sql", "MG001", 1) in shown and ("0002_indexes.sql", "MG001", 2) not in shown
    assert not {f for f in got | shown if f[1] == "BA001"}
    assert shown > got


def failed_on(r: subprocess.CompletedProcess) -> set[str]:
    """The files the failing rule ran on (each has an internal error naming the rule)."""
    return {
        Path(f["filename"]).name
        for f in json.loads(r.stdout)
        if f["name"] == "internal-error" and "MG991" in f["message"]
    }


def test_rules_whose_findings_history_hides_do_not_run_on_it(clone: Path, tmp_path: Path):
    rules = tmp_path / "rules.py"
    rules.write_text(MIGRATION_RULE)
    args = ("check", "--exit-zero", "--no-cache", "--output-format", "json", "migrations")
    default = run(*args, cwd=clone, BACKEND_ARCHITECT_LOCAL_RULES=str(rules))
    assert default.returncode == 2  # an internal error
    assert failed_on(default) == {"0003_index.sql"}
    shown = run(*args, "--include-history", cwd=clone, BACKEND_ARCHITECT_LOCAL_RULES=str(rules))
    assert failed_on(shown) == {"0001_posts.sql", "0002_indexes.sql", "0003_index.sql"}


def test_a_folders_ordered_migrations_follow_its_changes(tmp_path: Path):
    """Kept between asks while no folder under it changed (the editor asks for each file)."""
    import os
    import time

    from backend_architect.project.history import ordered_migrations

    folder = tmp_path / "migrations"
    for name in ("2024-01-01-000000_a", "2024-02-01-000000_b"):
        (folder / name).mkdir(parents=True)
        (folder / name / "up.sql").write_text("SELECT 1;\n")
        (folder / name / "down.sql").write_text("SELECT 1;\n")
    hours = iter(range(10, 0, -1))

    def age() -> None:  # folders last changed hours ago (later each time): their listing is kept
        old = time.time() - 3600 * next(hours)
        for d in (folder, *folder.iterdir()):
            os.utime(d, (old, old))

    age()
    first = ordered_migrations(str(folder))
    assert [Path(p).parent.name for p in first] == ["2024-01-01-000000_a", "2024-02-01-000000_b"]
    assert ordered_migrations(str(folder)) == first
    # a new migration folder (the top folder changes) and a file added to an old one
    (folder / "2024-03-01-000000_c").mkdir()
    (folder / "2024-03-01-000000_c" / "up.sql").write_text("SELECT 1;\n")
    age()
    assert len(ordered_migrations(str(folder))) == 3
    (folder / "2024-01-01-000000_a" / "up.sql").unlink()
    assert [Path(p).parent.name for p in ordered_migrations(str(folder))] == [
        "2024-02-01-000000_b", "2024-03-01-000000_c"
    ]


def test_the_schema_as_of_each_migration_follows_renames_and_drops(tmp_path: Path):
    """Each migration changes a few tables: the others are carried from the one before."""
    from backend_architect.config import Settings
    from backend_architect.project.schema import catalog_before, forget_histories

    (tmp_path / "go.mod").write_text("module app\n")
    steps = [
        "CREATE TABLE a (id bigint PRIMARY KEY, x int);\nCREATE TABLE b (id bigint, y int);\n"
        "CREATE INDEX a_x ON a (x);\nCREATE INDEX b_y ON b (y);\n",
        "ALTER TABLE a RENAME TO a2;\n",
        "ALTER INDEX b_y RENAME TO b_y2;\n",
        "DROP INDEX a_x;\n",
        "ALTER TABLE b RENAME COLUMN y TO z;\n",
        "SET search_path = other;\nCREATE TABLE c (id bigint);\nDROP TABLE public.a2;\n",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
    ]
    folder = tmp_path / "migrations"
    folder.mkdir()
    paths = []
    for i, sql in enumerate(steps, 1):
        paths.append(folder / f"{i:04d}_step.sql")
        paths[-1].write_text(sql)
    forget_histories()
    at = [catalog_before(str(tmp_path), str(p), Settings())() for p in paths]
    at.append(catalog_before(str(tmp_path), str(folder / "9999_next.sql"), Settings())())
    assert at[0].columns_of("a") is None and at[1].columns_of("a") == ["id", "x"]
    assert at[2].columns_of("a") is None and at[2].columns_of("a2") == ["id", "x"]
    assert at[2].has_index("a_x", "a2") and at[2].has_index("a2_pkey", "a2")
    assert at[3].has_index("b_y2", "b") and not at[3].has_index("b_y")
    assert not at[4].has_index("a_x") and at[4].has_index("b_y2", "b")
    assert at[5].columns_of("b") == ["id", "z"] and at[5].columns_of("a2") == ["id", "x"]
    assert at[6].columns_of("a2") is None and at[6].columns_of("other.c") == ["id"]
    assert at[7].columns_of("b") == ["id", "z"] and at[7].has_index("b_y2", "b")


def test_the_schema_cache_keeps_what_the_fast_encoder_refuses(tmp_path: Path, monkeypatch):
    """A lone surrogate (a file that is not UTF-8) is written by the standard encoder, and read."""
    from backend_architect.catalog import build as catalog_build
    from backend_architect.catalog.apply import Op

    monkeypatch.setenv("BACKEND_ARCHITECT_CACHE_DIR", str(tmp_path / "cache"))
    path = str(tmp_path / "cache" / "catalog.json")
    odd = catalog_build.FileEntry("sha", 3, 1, [Op("CreateStmt", {"relname": "t\udcff"}, 1, [])], [])
    plain = catalog_build.FileEntry("sha", 3, 1, [Op("CreateStmt", {"relname": "t"}, 1, [])], [])
    for entry in (odd, plain):
        catalog_build._save_disk(path, {"a.sql": entry})
        back = catalog_build._load_disk(path)["a.sql"]
        assert back.ops[0].node == entry.ops[0].node and back.sha == "sha"


def test_without_git_each_migration_is_judged_against_the_current_listing(tmp_path: Path):
    """Every migration of a series but the newest is history; a new one makes the newest history."""
    import os
    import time

    from backend_architect.project.history import history_of

    folder = tmp_path / "migrations"
    folder.mkdir()
    for i in range(1, 4):
        (folder / f"{i:04d}_step.sql").write_text("SELECT 1;\n")
    os.utime(folder, (time.time() - 7200, time.time() - 7200))  # listing kept while unchanged
    files = sorted(folder.iterdir())
    assert [history_of(str(f)).historical for f in files] == [True, True, False]
    assert [history_of(str(f)).historical for f in files] == [True, True, False]
    (folder / "0004_step.sql").write_text("SELECT 1;\n")
    os.utime(folder, (time.time() - 3600, time.time() - 3600))
    assert history_of(str(files[2])).historical and not history_of(str(folder / "0004_step.sql")).historical
    # the whole run: only the newest file gets migration advice
    (folder / "0004_step.sql").write_text("CREATE INDEX i ON t (x);\n")
    (folder / "0002_step.sql").write_text("CREATE INDEX j ON t (y);\n")
    r = run("check", "--no-cache", "--exit-zero", "--output-format", "json", "migrations", cwd=tmp_path)
    assert {(Path(f["filename"]).name, f["code"]) for f in json.loads(r.stdout)} == {("0004_step.sql", "MG001")}


# A project-specific rule whose findings say which process checked the file and its parent.
PROCESS_RULE = textwrap.dedent('''
    import os
    from backend_architect.core.registry import Rule

    class SaysWhichProcess(Rule):
        """Names the process.

        ## What it does
        Reports, on every SQL file, the process that checked it and that process's parent.
        """
        code = "ZZ992"
        name = "says-which-process"
        command = "GENERAL"
        languages = ("sql",)
        message = "checked by {pid} under {parent}"

        def check_document(self, ctx):
            yield self.finding(0, 1, pid=os.getpid(), parent=os.getppid())
''')


@pytest.mark.skipif((__import__("os").cpu_count() or 1) < 2, reason="one CPU: never parallel")
def test_a_history_is_checked_in_worker_processes_only_when_its_work_pays_for_them(tmp_path: Path):
    import os

    repo = tmp_path / "app"
    migrations = repo / "migrations"
    migrations.mkdir(parents=True)
    (repo / "go.mod").write_text("module app\n")
    pad = "-- " + "x" * 96 + "\n"
    for i in range(1, 8):  # 7 files of 100 kB: over the size at which a run forks workers
        (migrations / f"{i:04d}_step.sql").write_text(pad * 1000 + f"CREATE TABLE t{i} (id bigint);\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    rules = tmp_path / "rules.py"
    rules.write_text(PROCESS_RULE)

    def parents(*extra: str) -> set[str]:
        r = run("check", "--no-cache", "--exit-zero", "--output-format", "json", *extra, "migrations",
                cwd=repo, BACKEND_ARCHITECT_LOCAL_RULES=str(rules))
        found = [f["message"].split()[-1] for f in json.loads(r.stdout) if f["code"] == "ZZ992"]
        assert len(found) == 7, r.stderr
        return set(found)

    me = str(os.getpid())
    # committed migrations (their migration advice not computed): not worth a worker process
    assert parents() == {me}
    # every rule runs on them: worker processes (children of the command's process) check all
    # but the first file, which the command checks itself before forking them
    assert parents("--include-history") - {me}
    assert parents("--include-history", "--jobs", "1") == {me}


def test_a_committed_migration_edited_since_is_no_longer_history(clone: Path):
    """The server asks again after an edit on disk: the file's content is compared again."""
    import os
    import time

    from backend_architect.project.history import history_of

    old = clone / "migrations" / "0002_indexes.sql"
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    assert history_of(str(old)).historical and history_of(str(old)).historical
    old.write_text(OLD + "CREATE INDEX idx_posts_id ON posts (id);\n")
    os.utime(old, (hour_ago + 60, hour_ago + 60))
    assert "changed since the main line" in history_of(str(old)).reason


@pytest.mark.parametrize(
    "text",
    [
        "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n",
        "--  +GOOSE   DOWN\nDROP TABLE t;\n",
        "-- migrate:up\nSELECT 1;\n  -- MIGRATE:DOWN\nSELECT 2;\n",
        "-- +migrate Down\nSELECT 1;\n",
        "--//@UNDO\nDROP TABLE t;\n",
        "-- how to migrate down: see the README\nSELECT 1;\n",
        "CREATE TABLE goose_down (id int);\n",
        "SELECT 1;\n",
    ],
)
def test_a_down_marker_is_found_as_the_pattern_finds_it(text: str):
    from backend_architect.core.regions import DOWN_MARKER_RE, down_sections, has_down_marker

    assert has_down_marker(text) == (DOWN_MARKER_RE.search(text) is not None)
    assert bool(down_sections(text)) == has_down_marker(text)


def test_within_one_run_each_migration_is_decided_once(clone: Path):
    """A `check` run asks for a migration's history when it keys its cached report, when it
    weighs the work and when it checks it: the answers of one run agree, the next run asks again."""
    from backend_architect.project import history

    old = clone / "migrations" / "0002_indexes.sql"
    with history.one_run():
        first = history.history_of(str(old))
        assert first.historical
        old.write_text(OLD + "CREATE INDEX idx_posts_id ON posts (id);\n")
        assert history.history_of(str(old)) is first
        # the same file named by a relative path is the same file
        rel = os.path.relpath(old)
        assert history.history_of(rel) is first
    assert "changed since the main line" in history.history_of(str(old)).reason


def test_check_keys_and_checks_a_migration_by_one_answer(clone: Path, tmp_path: Path):
    """Through the CLI with the results cache: a committed migration is reported as history,
    and once edited it is checked in full (its cached report is not reused)."""
    cache = str(tmp_path / "cache")
    args = ("check", "--exit-zero", "--output-format", "json", "migrations")
    before = findings(run(*args, cwd=clone, BACKEND_ARCHITECT_CACHE_DIR=cache))
    assert before == findings(run(*args, "--no-cache", cwd=clone))
    old = clone / "migrations" / "0002_indexes.sql"
    old.write_text(OLD.replace(" -- noqa: MG001", ""))
    after = run(*args, cwd=clone, BACKEND_ARCHITECT_CACHE_DIR=cache)
    assert after.returncode == 0, after.stderr
    got = findings(after)
    assert got == findings(run(*args, "--no-cache", cwd=clone))
    assert ("0002_indexes.sql", "MG001", 2) in got - before


def cli_counting(counter: str, setup: str) -> str:
    """A script: ``setup`` (which fills the Counter named ``counter``), then the CLI with the
    script's arguments, then the counts as JSON on the last line of stderr."""
    return textwrap.dedent(setup) + textwrap.dedent(f'''
        from backend_architect.cli import main
        try:
            main(sys.argv[1:])
        except SystemExit:
            pass
        print(json.dumps({counter}), file=sys.stderr)
    ''')


# The CLI with an audit hook that counts the opens of each file under the current folder
COUNT_OPENS = cli_counting('opened', '''
    import collections, json, os, sys
    opened = collections.Counter()
    here = os.getcwd() + os.sep
    def hook(event, args):
        if event == "open" and isinstance(args[0], str) and os.path.abspath(args[0]).startswith(here):
            opened[os.path.relpath(args[0])] += 1
    sys.addaudithook(hook)
''')


@pytest.mark.parametrize("cache", [True, False])
def test_a_check_reads_each_file_once(clone: Path, tmp_path: Path, cache: bool):
    """The planner, the results cache's keys, the history's blob ids, the schema build and the
    check all read the migrations: a run opens each once (the files are taken as unchanged)."""
    (clone / "migrations" / "0004_more.sql").write_text(TABLE.replace("posts", "more"))
    args = ["check", "--exit-zero", "--output-format", "json", "--jobs", "1", "migrations"]
    r = subprocess.run(
        [sys.executable, "-c", COUNT_OPENS, *args, *([] if cache else ["--no-cache"])],
        capture_output=True, text=True, cwd=clone, timeout=120,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    opened = json.loads(r.stderr.strip().splitlines()[-1])
    names = sorted(p.name for p in (clone / "migrations").iterdir())
    assert {os.path.join("migrations", n): 1 for n in names}.items() <= opened.items(), opened
    assert ("0003_index.sql", "MG001", 1) in findings(r)


# The CLI with os.stat wrapped: the paths probed under the current folder, and how often
COUNT_STATS = cli_counting('probed', '''
    import collections, json, os, sys
    probed = collections.Counter()
    here = os.getcwd() + os.sep
    real_stat = os.stat
    def stat(path, *args, **kwargs):
        if isinstance(path, str) and os.path.abspath(path).startswith(here):
            probed[os.path.relpath(path)] += 1
        return real_stat(path, *args, **kwargs)
    os.stat = stat
''')


def test_a_walked_folder_is_not_probed_for_project_markers(tmp_path: Path):
    """The folders of a history (one per migration) are listed by the run's walk: the project
    model asks that listing for go.mod, package.json, .git ... instead of probing each name."""
    repo = tmp_path / "app"
    (repo / "migrations" / "2024-01-01-000000_a").mkdir(parents=True)
    (repo / "migrations" / "2024-02-01-000000_b").mkdir(parents=True)
    (repo / "Cargo.toml").write_text('[dependencies]\ndiesel = "2"\n')
    for folder in (repo / "migrations").iterdir():
        table = folder.name[-1]  # a table with a redundant index (index advice: shown in history)
        (folder / "up.sql").write_text(
            TABLE.replace("posts", table)
            + f"CREATE INDEX i_{table} ON {table} (user_id);\n"
            + f"CREATE INDEX i2_{table} ON {table} (user_id, x);\n"
        )
        (folder / "down.sql").write_text(f"DROP TABLE {folder.name[-1]};\n")
    args = ["check", "--exit-zero", "--output-format", "json", "--jobs", "1", "migrations"]
    r = subprocess.run(
        [sys.executable, "-c", COUNT_STATS, *args], capture_output=True, text=True, cwd=repo,
        timeout=120, env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    probed = json.loads(r.stderr.strip().splitlines()[-1])
    markers = {"go.mod", "package.json", "Cargo.toml", ".git", "setup.py", "sqlc.yaml"}
    assert not {p for p in probed if p.startswith("migrations") and Path(p).name in markers}, probed
    assert {Path(f["filename"]).parent.name for f in json.loads(r.stdout)} >= {
        "2024-01-01-000000_a", "2024-02-01-000000_b"
    }


# The CLI with the statement scanner counted: how often each SQL text was split
COUNT_SPLITS = cli_counting('split', '''
    import collections, json, sys
    from backend_architect.core import sql
    split = collections.Counter()
    scan = sql._pieces
    def counted(data, start, end, *rest):
        if start == 0 and end == len(data):
            split[data.decode()] += 1
        return scan(data, start, end, *rest)
    sql._pieces = counted
''')


def test_the_schema_build_and_the_check_split_a_migration_once(clone: Path, tmp_path: Path):
    """The schema is built from the up migrations, which are then checked: one scan of each."""
    args = ["check", "--exit-zero", "--output-format", "json", "--jobs", "1", "--no-cache"]
    r = subprocess.run(
        [sys.executable, "-c", COUNT_SPLITS, *args, "migrations"], capture_output=True,
        text=True, cwd=clone, timeout=120,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    split = json.loads(r.stderr.strip().splitlines()[-1])
    for name in ("0001_posts.sql", "0002_indexes.sql", "0003_index.sql"):
        assert split[(clone / "migrations" / name).read_text()] == 1, (name, split)
    # the check still sees every statement: the committed migration's redundant index, the new one's lock
    assert ("0002_indexes.sql", "IX003", 1) in findings(r) and ("0003_index.sql", "MG001", 1) in findings(r)


@pytest.mark.parametrize("cache", [True, False])
def test_a_check_reads_each_file_of_application_code_once(tmp_path: Path, cache: bool):
    """Application code is asked for by the planner, the results cache's keys, a Django
    migration's history (its blob id) and the check: a run opens each file once."""
    repo = committed_django_site(tmp_path / "site")
    args = ["check", "--exit-zero", "--output-format", "json", "--select", "IV010", "--jobs", "1", "."]
    r = subprocess.run(
        [sys.executable, "-c", COUNT_OPENS, *args, *([] if cache else ["--no-cache"])],
        capture_output=True, text=True, cwd=repo, timeout=120,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    opened = json.loads(r.stderr.strip().splitlines()[-1])
    code = ["manage.py", os.path.join("shop", "views.py"), os.path.join("shop", "migrations", "0001_initial.py")]
    assert {p: 1 for p in code}.items() <= opened.items(), opened
    assert ("views.py", "IV010", 5) in findings(r), r.stdout


# The CLI with libpg_query's parse wrapped: the statement texts it was given, and how often
COUNT_PARSES = cli_counting('parsed', '''
    import collections, json, sys
    from backend_architect.core.sql import pglast_parser
    parsed = collections.Counter()
    parser = pglast_parser()
    real_parse = parser.parse_sql_json
    def parse_sql_json(text):
        parsed[text] += 1
        return real_parse(text)
    parser.parse_sql_json = parse_sql_json
''')


def test_a_committed_rollback_no_rule_reads_is_not_parsed(tmp_path: Path):
    """diesel's down.sql of a committed migration: the rules left on history (index advice)
    judge deploy steps only, so no rule reads a rollback's statements. They are split but
    not parsed, except a statement that may hold a quote left open: that error is reported."""
    repo = tmp_path / "app"
    first = repo / "migrations" / "2020-01-01-000000_posts"
    second = repo / "migrations" / "2020-02-01-000000_indexes"
    first.mkdir(parents=True)
    second.mkdir()
    (repo / "diesel.toml").write_text('[print_schema]\nfile = "src/schema.rs"\n')
    (first / "up.sql").write_text(TABLE)
    (first / "down.sql").write_text("DROP TABLE posts;\n")
    (second / "up.sql").write_text(OLD)
    (second / "down.sql").write_text(
        "DROP INDEX idx_posts_user_x;\nDROP INDEX idx_posts_x;\n"
        "UPDATE posts SET x = 1 WHERE user_id = 2;\nSELECT 'left open;\n"
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    args = ["check", "--exit-zero", "--output-format", "json", "--jobs", "1", "--no-cache"]
    r = subprocess.run(
        [sys.executable, "-c", COUNT_PARSES, *args, "migrations"],
        capture_output=True, text=True, cwd=repo, timeout=120,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    parsed = json.loads(r.stderr.strip().splitlines()[-1])
    # the up migrations' statements are parsed (the schema and the index advice read them)
    assert parsed.get("CREATE INDEX idx_posts_user ON posts (user_id)") == 1, parsed
    # the rollbacks' are not, but the one that holds a quote
    assert not any(t.startswith(("DROP", "UPDATE")) for t in parsed), parsed
    assert parsed.get("SELECT 'left open;") == 1, parsed
    found = {(Path(f["filename"]).parent.name, Path(f["filename"]).name, f["code"], f["location"]["row"]) for f in json.loads(r.stdout)}
    assert (second.name, "up.sql", "IX003", 1) in found
    assert (second.name, "down.sql", None, 4) in found  # the quote left open
    # a rollback with no quote, dollar sign or comment at all is not even split
    r = subprocess.run(
        [sys.executable, "-c", COUNT_SPLITS, *args, "migrations"],
        capture_output=True, text=True, cwd=repo, timeout=120,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    split = json.loads(r.stderr.strip().splitlines()[-1])
    assert "DROP TABLE posts;\n" not in split and split[(second / "down.sql").read_text()] == 1, split
    # with the history's own advice shown, the rules that read a rollback parse it
    shown = subprocess.run(
        [sys.executable, "-c", COUNT_PARSES, *args, "--include-history", "migrations"],
        capture_output=True, text=True, cwd=repo, timeout=120,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    parsed = json.loads(shown.stderr.strip().splitlines()[-1])
    assert parsed.get("DROP TABLE posts") == 1, parsed


# The CLI with the garbage collector watched: whether a collection ran while the schema was built
COUNT_COLLECTIONS = cli_counting('collections', '''
    import collections, gc, json, sys
    collections = collections.Counter()
    def watch(phase, info):
        if phase == "start":
            frame = sys._getframe()
            while frame is not None and frame.f_code.co_name != "build_catalog":
                frame = frame.f_back
            collections["in the schema build" if frame is not None else "elsewhere"] += 1
    gc.callbacks.append(watch)
''')


def test_the_garbage_collector_does_not_walk_the_schema_while_it_is_built(tmp_path: Path):
    """The schema keeps every decoded statement for the run: no collection runs while it is
    built (each would walk them all again), and the check still reports as usual."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (tmp_path / "go.mod").write_text("module app\n")
    columns = ", ".join(f"c{i} text NOT NULL DEFAULT 'x' CHECK (c{i} <> '')" for i in range(40))
    for n in range(1, 61):
        (migrations / f"{n:04d}_t{n}.sql").write_text(
            f"CREATE TABLE t{n} (id bigint PRIMARY KEY, {columns});\n"
            f"CREATE INDEX t{n}_c1 ON t{n} (c1);\nCREATE INDEX t{n}_c1_c2 ON t{n} (c1, c2);\n"
        )
    args = ["check", "--exit-zero", "--output-format", "json", "--jobs", "1", "--no-cache", "--select", "IX003"]
    r = subprocess.run(
        [sys.executable, "-c", COUNT_COLLECTIONS, *args, "migrations"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    counted = json.loads(r.stderr.strip().splitlines()[-1])
    assert "in the schema build" not in counted, counted
    assert {(n, c) for n, c, _ in findings(r)} == {(f"{n:04d}_t{n}.sql", "IX003") for n in range(1, 61)}


def test_a_diesel_opt_out_is_read_where_the_walk_saw_one(tmp_path: Path):
    """diesel's metadata.toml (run_in_transaction = false) is read where the run's walk found
    one; the folders without one are not probed for it."""
    (tmp_path / "diesel.toml").write_text('[print_schema]\nfile = "src/schema.rs"\n')
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "x"\nversion = "0.1.0"\n[dependencies]\n'
        'diesel = { version = "2", features = ["postgres"] }\n'
    )
    for name in ("2024-01-01-000000_a", "2024-01-02-000000_b"):
        folder = tmp_path / "migrations" / name
        folder.mkdir(parents=True)
        (folder / "up.sql").write_text(f"CREATE INDEX CONCURRENTLY idx_{name[-1]} ON posts (user_id);\n")
        (folder / "down.sql").write_text(f"DROP INDEX idx_{name[-1]};\n")
    opted = tmp_path / "migrations" / "2024-01-01-000000_a" / "metadata.toml"
    opted.write_text("run_in_transaction = false\n")
    args = ["check", "--exit-zero", "--output-format", "json", "--jobs", "1", "--no-cache", "migrations"]
    r = subprocess.run(
        [sys.executable, "-c", COUNT_OPENS, *args], capture_output=True, text=True, cwd=tmp_path,
        timeout=120, env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    opened = json.loads(r.stderr.strip().splitlines()[-1])
    # the opted-out migration runs outside a transaction: its concurrent index is fine
    assert {(f["filename"].split("/")[-2], f["code"]) for f in json.loads(r.stdout)} == {
        ("2024-01-02-000000_b", "MG002")
    }
    assert opened.get(str(opted.relative_to(tmp_path)), 0) >= 1
    assert not [p for p in opened if p.endswith("metadata.toml") and "_b" in p], opened


def test_index_advice_lands_once_on_the_migration_that_defines_what_stands(tmp_path: Path):
    """A table dropped and created again with the same index and key names: the redundant index
    and the unindexed foreign key are judged where the standing ones are defined, not again on
    the first migration, whose objects the drop removed."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (tmp_path / "go.mod").write_text("module app\n")
    body = (
        "CREATE TABLE owners (id bigint PRIMARY KEY);\n"
        "CREATE TABLE pets (id bigint PRIMARY KEY, owner_id bigint REFERENCES owners (id), name text);\n"
        "CREATE INDEX pets_name_idx ON pets (name);\n"
        "CREATE INDEX pets_name_id_idx ON pets (name, id);\n"
    )
    (folder / "0001_pets.sql").write_text(body)
    (folder / "0002_again.sql").write_text("DROP TABLE pets;\nDROP TABLE owners;\n" + body)
    args = ("check", "--exit-zero", "--no-cache", "--output-format", "json")
    r = run(*args, "--select", "IX002,IX003", "migrations", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = {(Path(f["filename"]).name, f["code"]) for f in json.loads(r.stdout)}
    assert got == {("0002_again.sql", "IX002"), ("0002_again.sql", "IX003")}


def _git_logged(tmp_path: Path) -> tuple[Path, dict]:
    """A `git` first on the PATH that writes each of its command lines to a log, then runs git."""
    import shutil

    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "git.log"
    (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{shutil.which("git")}" "$@"\n')
    (shim / "git").chmod(0o755)
    return log, {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}


def test_a_clone_on_its_default_branch_is_judged_without_asking_git_for_the_merge_base(
    clone: Path, tmp_path: Path
):
    """In a clone whose HEAD is where origin/HEAD is (read from its ref files, loose or packed),
    the main line is that commit: the same history as git's merge base gives, one git run fewer.
    Once HEAD has moved on (a local commit), git is asked, and the new commit is no history."""
    git(clone, "add", ".")
    git(clone, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "third")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(clone), str(work))
    git(work, "reset", "-q", "--hard", "HEAD~1")  # (0003 stays committed on origin only)
    git(work, "update-ref", "refs/remotes/origin/main", "HEAD")  # origin/HEAD -> main: HEAD
    (work / "migrations" / "0003_index.sql").write_text(NEW)  # again, uncommitted here
    args = ("check", "--exit-zero", "--no-cache", "--output-format", "json", "migrations")
    log, env = _git_logged(tmp_path)
    for packed in (False, True):
        if packed:
            git(work, "pack-refs", "--all")
        log.write_text("")
        got = findings(run(*args, cwd=work, **env))
        assert ("0003_index.sql", "MG001", 1) in got  # new: every advice
        assert not {f for f in got if f[0] == "0002_indexes.sql" and f[1] != "IX003"}, got
        asked = log.read_text()
        assert "ls-tree" in asked and "merge-base" not in asked, asked
    # a commit of its own: HEAD is past origin/HEAD, git finds the merge base
    git(work, "add", ".")
    git(work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "local")
    log.write_text("")
    got = findings(run(*args, cwd=work, **env))
    assert ("0003_index.sql", "MG001", 1) in got  # committed on this branch only: no history
    assert "merge-base HEAD origin/HEAD" in log.read_text()


def test_a_folders_ignored_files_come_from_one_listing_started_before_the_walk(tmp_path: Path):
    """Checking a folder of a repository: git lists what the repository ignores while the
    folder is walked (one `ls-files`, however few its files: no `check-ignore` besides), and
    the files it ignores are not checked."""
    repo = tmp_path / "app"
    (repo / "migrations").mkdir(parents=True)
    (repo / "build").mkdir()
    (repo / ".gitignore").write_text("build/\n*.local.sql\n")
    (repo / "migrations" / "0001_posts.sql").write_text(TABLE)
    (repo / "migrations" / "0002_index.sql").write_text(NEW)
    (repo / "migrations" / "0000_seed.local.sql").write_text(NEW.replace("idx_posts_id_x", "a"))
    (repo / "build" / "0004_index.sql").write_text(NEW.replace("idx_posts_id_x", "b"))
    git(repo, "init", "-q", "-b", "main")
    log, env = _git_logged(tmp_path)
    r = run("check", "--exit-zero", "--no-cache", "--output-format", "json", ".", cwd=repo, **env)
    assert r.returncode == 0, r.stderr
    got = findings(r)
    assert ("0002_index.sql", "MG001", 1) in got
    assert not {f for f in got if f[0] in ("0000_seed.local.sql", "0004_index.sql")}, got
    asked = log.read_text().splitlines()
    assert sum("ls-files" in line and "--ignored" in line for line in asked) == 1, asked
    assert not [line for line in asked if "check-ignore" in line], asked
