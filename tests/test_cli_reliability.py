"""The command line under stress: parallel runs, crashing rules, faithful and atomic
writes, --diff, guards against bad paths, codes and configuration."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backend_architect.core.files import TextStyle, WriteError, decode, read_text, write_text

from conftest import ROOT, SERVER_DIR, server_env

MIGRATION = "CREATE INDEX idx_posts_user_id ON posts (user_id);\nSELECT id FROM posts ORDER BY id LIMIT 10;\n"
FIXED_LINE = "CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);"
# MG001 rewrites the line (a CREATE INDEX takes no ACCESS EXCLUSIVE lock, so MG015 adds no lock_timeout)
FIXED = FIXED_LINE + "\nSELECT id FROM posts ORDER BY id LIMIT 10;\n"

# A project-specific rule (the documented BACKEND_ARCHITECT_LOCAL_RULES hook) that breaks
# on files whose name says so: a real rule failure inside a real run.
BROKEN_RULES = textwrap.dedent('''
    import os
    from backend_architect.core.registry import Rule

    class BreaksOnSomeFiles(Rule):
        """Fails on purpose.

        ## What it does
        Raises on files named *boom*; kills its process on files named *segv*.
        """
        code = "ZZ901"
        name = "breaks-on-some-files"
        command = "GENERAL"
        languages = ("sql",)
        message = "never reported"

        def check_document(self, ctx):
            base = os.path.basename(ctx.path)
            if "segv" in base:
                os._exit(139)  # as a segfaulting parser would end the process
            if "boom" in base:
                raise RuntimeError("rule exploded on purpose")
            return ()
''')


def run(*args, cwd=None, env=None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "backend_architect", *args],
        capture_output=True, text=True, cwd=cwd, env=env or server_env(), **{"timeout": 300, **kw},
    )


@pytest.fixture
def broken_env(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("rules") / "broken_rules.py"
    path.write_text(BROKEN_RULES)
    return server_env(BACKEND_ARCHITECT_LOCAL_RULES=str(path))


def _big_tree(root: Path, files: int = 8, lines: int = 3000) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from gen_sql import generate

    for i in range(files):
        (root / f"{i:04d}.sql").write_text(generate(lines, seed=i))


# -- parallel check ---------------------------------------------------------------------------


def test_parallel_check_of_application_code_does_not_crash(tmp_path: Path):
    """Python and TypeScript files (syntax trees inside) over the parallel threshold."""
    from backend_architect.cli import APP_CODE_BYTES_WEIGHT, PARALLEL_MIN_BYTES

    py = "from fastapi import FastAPI\napp = FastAPI()\n\n" + "".join(
        f"@app.get('/items{i}')\ndef items{i}(conn):\n    return conn.execute(f\"SELECT * FROM items WHERE id = {{{i}}}\")\n\n"
        for i in range(400)
    )
    ts = "".join(f"app.get('/u{i}', async (req, res) => {{ res.json(await db.query('SELECT * FROM u{i}')); }});\n"
                 for i in range(400))
    for i in range(12):
        (tmp_path / f"app{i}.py").write_text(py)
        (tmp_path / f"server{i}.ts").write_text("import express from 'express';\nconst app = express();\n" + ts)
    plain = "".join(f"def helper_{i}(a, b):\n    return a * {i} + b  # {'-' * 40}\n\n" for i in range(1000))
    for i in range(32):
        (tmp_path / f"lib{i}.py").write_text(plain)
    # application code weighs a fraction of its bytes in the decision to fork
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) * APP_CODE_BYTES_WEIGHT > PARALLEL_MIN_BYTES
    star = ("--extend-select", "QO001")  # SELECT * (off by default) gives the volume
    two = run("check", ".", "-j", "2", *star, "--output-format", "json", cwd=tmp_path)
    assert "Traceback" not in two.stderr, two.stderr
    one = run("check", ".", "-j", "1", *star, "--output-format", "json", cwd=tmp_path)
    assert two.returncode == one.returncode == 1, two.stderr
    assert json.loads(two.stdout) == json.loads(one.stdout) and len(json.loads(one.stdout)) > 100


def test_parallel_fix_and_diff(tmp_path: Path):
    _big_tree(tmp_path)
    (tmp_path / "m.sql").write_text(MIGRATION)
    diff = run("check", ".", "-j", "2", "--diff", cwd=tmp_path)
    assert diff.returncode == 1 and "+++ b/m.sql" in diff.stdout, diff.stderr
    assert (tmp_path / "m.sql").read_text() == MIGRATION
    r = run("check", ".", "-j", "2", "--fix", cwd=tmp_path)
    assert r.returncode in (0, 1) and "- m.sql:" in r.stderr, r.stderr
    assert (tmp_path / "m.sql").read_text() == FIXED


PID_RULES = textwrap.dedent('''
    import os
    from backend_architect.core.registry import Rule

    FIRST_CHECK_IN = None  # the process that checked a file first: what a check loads

    class RecordsItsProcess(Rule):
        """Records which process checks each file.

        ## What it does
        Appends the file's name, the checking process, its parent and the process whose check
        came first (set on the first check, inherited by processes forked after it).
        """
        code = "ZZ902"
        name = "records-its-process"
        command = "GENERAL"
        languages = ("sql",)
        message = "never reported"

        def check_document(self, ctx):
            global FIRST_CHECK_IN
            if FIRST_CHECK_IN is None:
                FIRST_CHECK_IN = os.getpid()
            with open(os.environ["PID_LOG"], "a") as fh:
                fh.write(f"{os.path.basename(ctx.path)} {os.getpid()} {os.getppid()} {FIRST_CHECK_IN}\\n")
            return ()
''')


def _processes(tmp_path: Path, tree: Path, *args: str) -> dict[str, tuple[int, int, int]]:
    """For each file checked in ``tree``: (checking process, its parent, process of the first check)."""
    rules = tmp_path / "pid_rules.py"
    rules.write_text(PID_RULES)
    log = tmp_path / f"pids-{tree.name}.log"
    env = server_env(BACKEND_ARCHITECT_LOCAL_RULES=str(rules), PID_LOG=str(log))
    r = run("check", ".", "--exit-zero", "--no-cache", *args, cwd=tree, env=env)
    assert r.returncode == 0, r.stderr
    rows = [line.split() for line in log.read_text().splitlines()]
    return {name: (int(pid), int(parent), int(first)) for name, pid, parent, first in rows}


def test_a_small_run_is_checked_in_one_process(tmp_path: Path):
    tree = tmp_path / "small"
    tree.mkdir()
    for i in range(40):
        (tree / f"{i:04d}.sql").write_text(MIGRATION)
    seen = _processes(tmp_path, tree, "-j", "2")
    assert len(seen) == 40 and len({pid for pid, _, _ in seen.values()}) == 1


def test_workers_inherit_what_the_first_file_loaded(tmp_path: Path):
    """The main process checks one file before forking: what checking loads (rules, the parser,
    whatever a rule keeps) is loaded once, there, and the workers inherit it."""
    tree = tmp_path / "big"
    tree.mkdir()
    _big_tree(tree)
    seen = _processes(tmp_path, tree, "-j", "2")
    assert len(seen) == 8
    main = seen["0000.sql"][0]  # the first file, checked before the workers start
    assert {first for _, _, first in seen.values()} == {main}
    workers = {pid for pid, parent, _ in seen.values() if parent == main}
    assert workers and {pid for pid, _, _ in seen.values()} == workers | {main}


def test_two_large_files_are_both_checked_by_workers(tmp_path: Path):
    """No file is a small share of the work: none is checked before the fork."""
    tree = tmp_path / "two"
    tree.mkdir()
    _big_tree(tree, files=2, lines=12000)
    assert sum(p.stat().st_size for p in tree.iterdir()) > 512 * 1024
    seen = _processes(tmp_path, tree, "-j", "2")
    assert len(seen) == 2 and len({parent for _, parent, _ in seen.values()}) == 1  # both workers
    assert all(pid == first for pid, _, first in seen.values())


def test_batches_balance_by_size():
    from backend_architect.cli import BATCH_MIN_BYTES, batches

    sizes = [10] * 5000 + [400_000, 300_000]
    out = batches(sizes, 2)
    assert sorted(i for b in out for i in b) == list(range(len(sizes)))  # every file exactly once
    assert out[0][0] == 5000  # the largest file starts first
    small = batches([100] * 50, 4)  # a few KB in all: one batch, not one process round trip per file
    assert len(small) == 1
    assert all(sum(sizes[i] for i in b) >= BATCH_MIN_BYTES for b in out[:-1])


# -- internal errors --------------------------------------------------------------------------


@pytest.fixture
def crashing_project(tmp_path: Path) -> Path:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_boom.sql").write_text(MIGRATION)
    (tmp_path / "migrations" / "0002_fine.sql").write_text(MIGRATION)
    # both migrations are new (not history), so both are judged in full
    (tmp_path / "backend-architect.toml").write_text("[migration]\npending = 2\n")
    return tmp_path


def test_a_rule_error_is_reported_for_its_file_and_the_run_goes_on(crashing_project: Path, broken_env):
    r = run("check", ".", cwd=crashing_project, env=broken_env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "migrations/0001_boom.sql:1:1: internal error: rule ZZ901 failed: RuntimeError: rule exploded on purpose" in r.stdout
    # the other rules still ran on that file, and the other file was checked
    assert "migrations/0001_boom.sql:1:1: MG001" in r.stdout and "migrations/0002_fine.sql:1:1: MG001" in r.stdout
    assert r.stdout.rstrip().endswith("1 internal error: the files named above were not fully checked.")


def test_internal_errors_in_json_sarif_and_github(crashing_project: Path, broken_env):
    r = run("check", ".", "--output-format", "json", cwd=crashing_project, env=broken_env)
    assert r.returncode == 2
    items = json.loads(r.stdout)
    errors = [i for i in items if i["code"] is None]
    assert [(e["name"], e["filename"]) for e in errors] == [("internal-error", "migrations/0001_boom.sql")]
    assert "rule exploded on purpose" in errors[0]["message"]
    assert sum(1 for i in items if i["code"] == "MG001") == 2

    r = run("check", ".", "--output-format", "sarif", cwd=crashing_project, env=broken_env)
    assert r.returncode == 2
    schema = ROOT / ".cache" / "sarif-schema-2.1.0.json"  # `make sarif-schema`
    if schema.is_file():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(schema.read_text())).validate(json.loads(r.stdout))
    invocation = json.loads(r.stdout)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error" and "rule exploded on purpose" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "migrations/0001_boom.sql"

    r = run("check", ".", "--output-format", "github", cwd=crashing_project, env=broken_env)
    assert r.returncode == 2
    assert "::error title=backend-architect (internal error),file=migrations/0001_boom.sql,line=1,col=1::internal error: rule ZZ901 failed" in r.stdout


def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, broken_env):
    _big_tree(tmp_path)
    (tmp_path / "0003_segv.sql").write_text(MIGRATION)
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) > 512 * 1024  # large enough to fan out
    r = run("check", ".", "-j", "2", "--output-format", "json", cwd=tmp_path, env=broken_env)
    assert r.returncode == 2, r.stderr
    items = json.loads(r.stdout)
    died = [i for i in items if i["code"] is None]
    assert [d["filename"] for d in died] == ["0003_segv.sql"] and "died" in died[0]["message"]
    checked = {i["filename"] for i in items if i["code"]}
    assert {f"{i:04d}.sql" for i in range(8)} <= checked


def test_fix_writes_nothing_into_a_file_whose_check_failed(crashing_project: Path, broken_env):
    r = run("check", ".", "--fix", cwd=crashing_project, env=broken_env)
    assert r.returncode == 2
    assert (crashing_project / "migrations" / "0001_boom.sql").read_text() == MIGRATION
    assert (crashing_project / "migrations" / "0002_fine.sql").read_text() == FIXED


# -- --fix output, --diff, faithful writes ------------------------------------------------------


def test_fix_says_what_it_changed(tmp_path: Path):
    (tmp_path / "m.sql").write_text(MIGRATION + "CREATE INDEX idx_b ON posts (b);\n")
    r = run("check", "m.sql", "--fix", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert r.stderr.splitlines() == [
        "Fixed 2 findings:", "- m.sql:", "    2 × MG001 (create-index-non-concurrently)"]
    assert r.stdout.strip() == "All checks passed!"


def test_diff_prints_the_changes_and_writes_nothing(tmp_path: Path):
    m = tmp_path / "m.sql"
    m.write_text(MIGRATION)
    before = m.stat().st_mtime_ns
    r = run("check", "m.sql", "--diff", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "--- a/m.sql", "+++ b/m.sql", "@@ -1,2 +1,2 @@",
        "-CREATE INDEX idx_posts_user_id ON posts (user_id);", f"+{FIXED_LINE}",
        " SELECT id FROM posts ORDER BY id LIMIT 10;",
    ]
    assert m.read_text() == MIGRATION and m.stat().st_mtime_ns == before
    # the diff applies: it is exactly what --fix writes
    subprocess.run(["patch", "-p1", "-s"], input=r.stdout, text=True, cwd=tmp_path, check=True)
    fixed = m.read_text()
    m.write_text(MIGRATION)
    assert run("check", "m.sql", "--fix", cwd=tmp_path).returncode == 0
    assert m.read_text() == fixed
    assert run("check", "m.sql", "--diff", cwd=tmp_path).stdout == "" and run("check", "m.sql", "--diff", cwd=tmp_path).returncode == 0


def test_fix_keeps_crlf_bom_and_mode(tmp_path: Path):
    crlf = tmp_path / "crlf.sql"
    crlf.write_bytes(MIGRATION.replace("\n", "\r\n").encode())
    bom = tmp_path / "bom.sql"
    bom.write_bytes(b"\xef\xbb\xbf" + MIGRATION.encode())
    os.chmod(crlf, 0o640)
    os.chmod(bom, 0o600)
    r = run("check", ".", "--fix", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    data = crlf.read_bytes()
    assert data == FIXED.replace("\n", "\r\n").encode()  # the inserted line too: nothing mixed
    assert bom.read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()
    assert stat.S_IMODE(crlf.stat().st_mode) == 0o640 and stat.S_IMODE(bom.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_text_inserted_into_a_crlf_file_gets_crlf(tmp_path: Path):
    # MG006's fix replaces one statement by several lines (CHECK NOT VALID, VALIDATE, SET NOT NULL, DROP)
    (tmp_path / "migrations").mkdir()
    f = tmp_path / "migrations" / "0002_not_null.sql"
    sql = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\r\n"
    f.write_bytes(sql.encode())
    r = run("check", ".", "--fix", "--unsafe-fixes", cwd=tmp_path)
    assert "1 × MG006" in r.stderr, r.stdout + r.stderr
    data = f.read_bytes()
    assert b"NOT VALID;\r\nALTER TABLE users VALIDATE CONSTRAINT" in data
    assert data.count(b"\n") == 5 and data.count(b"\n") == data.count(b"\r\n"), data


def _file_size_limit(limit: int):
    """For a subprocess: writes to regular files past ``limit`` bytes fail with EFBIG (a
    real OS condition, as a full disk fails a write part-way; chmod cannot stop root)."""
    import resource
    import signal

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_file_that_cannot_be_written_is_named_and_left_as_it_was(tmp_path: Path):
    big = tmp_path / "big.sql"
    original = MIGRATION + "SELECT id FROM posts WHERE id = $1;\n" * 800  # about 30 KB
    big.write_text(original)
    small = tmp_path / "small.sql"
    small.write_text(MIGRATION)
    r = run("check", ".", "--fix", "-j", "1", cwd=tmp_path, preexec_fn=_file_size_limit(20_000))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "error: big.sql: cannot write: File too large" in r.stderr
    assert big.read_text() == original  # every byte still there
    assert small.read_text() == FIXED  # the other file was still fixed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.sql", "small.sql"]  # no temporary file left


def test_a_read_only_folder_is_named_and_its_file_left_as_it_was(tmp_path: Path):
    """The folder is immutable (chattr +i): no file can be created or renamed in it,
    even by root, as on a read-only mount."""
    folder = tmp_path / "ro"
    folder.mkdir()
    m = folder / "m.sql"
    m.write_text(MIGRATION)
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here (needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs)")
    try:
        r = run("check", ".", "--fix", cwd=folder)
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "error: m.sql: cannot write: Operation not permitted" in r.stderr and "Traceback" not in r.stderr
    assert m.read_text() == MIGRATION and [p.name for p in folder.iterdir()] == ["m.sql"]


# -- the atomic writer on real OS failures -------------------------------------------------------


def test_write_text_keeps_style_and_mode(tmp_path: Path):
    p = tmp_path / "a.sql"
    p.write_bytes(b"\xef\xbb\xbfSELECT 1;\r\nSELECT 2;\r\n")
    os.chmod(p, 0o751)
    text, style = read_text(str(p))
    assert text == "SELECT 1;\nSELECT 2;\n" and style == TextStyle(bom=True, newline="\r\n")
    write_text(str(p), text + "SELECT 3;\n")
    assert p.read_bytes() == b"\xef\xbb\xbfSELECT 1;\r\nSELECT 2;\r\nSELECT 3;\r\n"
    assert stat.S_IMODE(p.stat().st_mode) == 0o751
    mixed = b"a\r\nb\nc\r\n"
    assert decode(mixed) == ("a\r\nb\nc\r\n", TextStyle())  # mixed: kept as it is, never normalised
    new = tmp_path / "sub" / "new.sql"
    write_text(str(new), "x\n")
    assert new.read_text() == "x\n" and stat.S_IMODE(new.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def test_write_into_a_path_whose_parent_is_a_file_fails_cleanly(tmp_path: Path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteError) as err:
        write_text(str(tmp_path / "file" / "child.sql"), "SELECT 1;\n")
    assert str(tmp_path / "file" / "child.sql") in str(err.value)


def test_a_full_disk_leaves_the_original_intact(tmp_path: Path):
    """RLIMIT_FSIZE makes every write past N bytes fail with EFBIG, as a full disk fails
    a write part-way: the original keeps every byte and no temporary file is left."""
    original = ("SELECT 1;\n" * 3000).encode()  # 30,000 bytes
    target = tmp_path / "big.sql"
    target.write_bytes(original)
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(SERVER_DIR)!r})
        from backend_architect.core.files import WriteError, write_text
        try:
            write_text({str(target)!r}, "SELECT 2;\\n" * 3000)
        except WriteError as exc:
            print(exc)
            sys.exit(2)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=_file_size_limit(20_000))
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stdout.startswith(f"{target}: cannot write: File too large")
    assert target.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["big.sql"]


# -- guards ------------------------------------------------------------------------------------


def test_unknown_codes_are_errors(tmp_path: Path):
    (tmp_path / "m.sql").write_text(MIGRATION)
    r = run("check", ".", "--select", "ZZZ9", cwd=tmp_path)
    assert r.returncode == 2 and "ZZZ9" in r.stderr and "All checks passed" not in r.stdout
    r = run("check", ".", "--ignore", "MG001,QQ", cwd=tmp_path)
    assert r.returncode == 2 and "QQ" in r.stderr and "MG001" not in r.stderr.split("prefix", 1)[1]
    assert run("check", ".", "--select", "MG", cwd=tmp_path).returncode == 1  # a prefix of real rules
    (tmp_path / "backend-architect.toml").write_text('select = ["ZZ999"]\n')
    r = run("check", ".", cwd=tmp_path)
    assert r.returncode == 2
    assert f"{tmp_path / 'backend-architect.toml'}: invalid value for 'select'" in r.stderr and "ZZ999" in r.stderr


def test_invalid_config_files_are_errors(tmp_path: Path):
    (tmp_path / "m.sql").write_text(MIGRATION)
    (tmp_path / "pyproject.toml").write_text('[tool.backend-architect]\nselect = ["MG"\n')
    r = run("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and f"error: {tmp_path / 'pyproject.toml'}: invalid TOML" in r.stderr, r.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.backend-architect]\npostgres-version = "fifteen"\n')
    r = run("check", ".", cwd=tmp_path)
    assert r.returncode == 2 and "postgres-version" in r.stderr
    r = run("openapi", ".", cwd=tmp_path)
    assert r.returncode == 2 and "postgres-version" in r.stderr


def test_the_editor_is_warned_about_an_invalid_config_file(tmp_path: Path):
    from backend_architect.lsp.settings import resolve

    (tmp_path / "pyproject.toml").write_text('[tool.backend-architect]\nselect = ["MG"\n')
    settings, warnings = resolve({}, str(tmp_path))
    assert len(warnings) == 1 and str(tmp_path / "pyproject.toml") in warnings[0] and "invalid TOML" in warnings[0]
    assert settings.select == ("ALL",)
    _, warnings = resolve({"select": ["ZZ999"]}, str(tmp_path / "elsewhere"))
    assert any("ZZ999" in w for w in warnings)


@pytest.mark.parametrize("args", [
    ["check", "no/such/dir"],
    ["openapi", "no/such/dir"],
    ["report", "design_api", "no/such/dir"],
    ["generate", "repository", "no/such/file.sql"],
    ["schema", "no/such/dir"],
])
def test_missing_paths_are_errors_before_any_walk(args, tmp_path: Path):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2 and "no/such/" in r.stderr and r.stdout == "", (r.stdout, r.stderr)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folders_are_named_as_non_root(tmp_path: Path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "m.sql").write_text(MIGRATION)
    os.chmod(locked, 0)
    try:
        r = run("check", ".", cwd=tmp_path)
    finally:
        os.chmod(locked, 0o755)
    assert "locked: cannot read this folder" in r.stderr


def test_unreadable_folders_are_named(tmp_path: Path):
    """As root no permission stops a read; a folder that vanishes between the listing
    and the read is the same OSError from the walk (a real one, from the OS)."""
    code = textwrap.dedent("""
        import os, shutil, sys
        from backend_architect import cli
        real_scandir = os.scandir
        def scandir(path="."):
            if not isinstance(path, int) and os.path.basename(os.fspath(path)) == "gone" and os.path.isdir(path):
                shutil.rmtree(path)  # removed after its parent was listed, before its own listing
            return real_scandir(path)
        os.scandir = scandir
        sys.exit(cli.main(["check", "."]))
    """)
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "m.sql").write_text(MIGRATION)
    (tmp_path / "clean.sql").write_text("SELECT id FROM users WHERE id = $1;\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=server_env())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "warning: ./gone: cannot read this folder (No such file or directory); its files are not checked" in r.stderr


def test_unterminated_sql_is_reported(tmp_path: Path):
    (tmp_path / "dollar.sql").write_text("SELECT 1;\nDO $$ BEGIN PERFORM 1;\nDELETE FROM users;\n")
    (tmp_path / "quote.sql").write_text("SELECT 'abc;\nDELETE FROM users;\n")
    r = run("check", ".", cwd=tmp_path)
    assert r.returncode == 1, r.stdout
    assert "dollar.sql:2:1: could not parse: unterminated dollar-quoted string" in r.stdout
    assert "quote.sql:1:1: could not parse: unterminated quoted string" in r.stdout
    assert "All checks passed" not in r.stdout
    items = json.loads(run("check", ".", "--output-format", "json", cwd=tmp_path).stdout)
    assert sorted((i["filename"], i["name"]) for i in items if i["code"] is None) == [
        ("dollar.sql", "parse-error"), ("quote.sql", "parse-error")]


# -- the first hour ---------------------------------------------------------------------------


def test_a_wrong_option_shows_the_subcommands_usage():
    r = run("check", "--bogus", ".")
    assert r.returncode == 2
    assert r.stderr.startswith("usage: backend-architect check ") and "unrecognized arguments: --bogus" in r.stderr


def test_schema_errors_go_to_stderr(tmp_path: Path):
    r = run("schema", ".", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == "" and "no schema sources found" in r.stderr


def test_ai_without_the_extra_names_the_install_command(monkeypatch):
    from backend_architect import ai
    from backend_architect.ai.client import AIError, ask
    from backend_architect.config import Settings

    monkeypatch.setitem(sys.modules, "anthropic", None)  # the [ai] extra is not installed
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("BACKEND_ARCHITECT_AI", "1")
    assert not ai.enabled(Settings())
    assert "pip install 'backend-architect[ai]'" in ai.why_disabled(Settings())
    with pytest.raises(AIError, match=r"pip install 'backend-architect\[ai\]'"):
        ask(Settings(), "hello")


def test_a_report_that_cannot_be_written_is_an_error(tmp_path: Path):
    shop = tmp_path / "shop"
    import shutil

    shutil.copytree(ROOT / "examples" / "shop", shop)
    (shop / ".backend-architect").write_text("in the way\n")  # the report folder's name is taken by a file
    r = run("report", "design_api", ".", cwd=shop)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"error: {shop / '.backend-architect' / 'openapi.yaml'}: cannot write" in r.stderr
    assert (shop / ".backend-architect").read_text() == "in the way\n"
    (shop / ".backend-architect").unlink()
    r = run("report", "design_api", ".", cwd=shop)
    assert r.returncode == 0 and (shop / ".backend-architect" / "openapi.yaml").read_text().startswith("openapi: 3.1")


def test_new_migrations_a_fix_creates_follow_diff_and_fix(tmp_path: Path):
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "tests" / "fixtures" / "index_strategy" / "IX001_workspace", ws)
    queries = ws / "IX001_queries.sql"
    queries.write_bytes(queries.read_bytes().replace(b"\n", b"\r\n"))  # a CRLF project
    before = sorted(p.name for p in (ws / "migrations").iterdir())
    r = run("check", ".", "--select", "IX001", "--unsafe-fixes", "--diff", cwd=ws)
    assert r.returncode == 1, r.stderr
    assert "--- /dev/null\n+++ b/migrations/0003_add_idx_users_name.sql\n" in r.stdout
    assert "+CREATE INDEX CONCURRENTLY idx_users_name ON users (name);" in r.stdout
    assert sorted(p.name for p in (ws / "migrations").iterdir()) == before  # --diff writes nothing
    r = run("check", ".", "--select", "IX001", "--unsafe-fixes", "--fix", cwd=ws)
    assert "    created migrations/0003_add_idx_users_name.sql" in r.stderr, r.stderr
    created = ws / "migrations" / "0003_add_idx_users_name.sql"
    data = created.read_bytes()
    assert data.startswith(b"CREATE INDEX CONCURRENTLY idx_users_name ON users (name);\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")  # the project's line endings
    assert stat.S_IMODE(created.stat().st_mode) == 0o666 & ~_umask()


def test_an_indented_raw_string_that_is_not_sql_is_checked_in_time(tmp_path: Path):
    """A query-builder file with an indented raw fragment ("(" then CASE) once took time
    exponential in the indentation to decide whether the string was SQL."""
    pad = " " * 40
    (tmp_path / "stats.ts").write_text(
        "export const q = (db) => db.select(\n"
        f"  db.raw(`\n{pad}(\n{pad}CASE WHEN gs = 0 THEN NOW() ELSE now() END\n{pad})::timestamptz AS mon_end\n`),\n"
        ");\n"
    )
    r = run("check", "stats.ts", cwd=tmp_path, timeout=120)  # seconds; the old pattern needed days
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_run_that_skipped_files_never_says_all_checks_passed(tmp_path: Path):
    deep = "def f():\n" + "".join("    " * i + "if x:\n" for i in range(1, 200)) + "    " * 200 + "pass\n"
    (tmp_path / "deep.py").write_text(deep)
    r = run("check", "deep.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "deep.py: skipped: blocks nested" in r.stdout
    assert "All checks passed" not in r.stdout and "1 file not checked" in r.stdout


def test_a_tree_of_application_code_is_forked_for_only_when_large(tmp_path: Path):
    """The size that decides to fork counts application code for a fraction of its bytes: a
    megabyte of Python is checked in one process, the same bytes of SQL in workers."""
    from backend_architect.cli import APP_CODE_BYTES_WEIGHT, PARALLEL_MIN_BYTES, _plan, _work_size

    code = "def handler_{n}(a, b):\n    return a + b  # " + "x" * 60 + "\n"
    (tmp_path / "app").mkdir()
    (tmp_path / "sql").mkdir()
    for n in range(100):
        (tmp_path / "app" / f"m{n}.py").write_text(code.format(n=n) * 120)
        (tmp_path / "sql" / f"q{n}.sql").write_text("SELECT 1 FROM t WHERE a = 'x';\n" * 330)
    py = _plan([str(tmp_path / "app")], {})
    sql = _plan([str(tmp_path / "sql")], {})
    assert sum(j.size for j in py) > PARALLEL_MIN_BYTES * 1.5
    assert sum(j.size for j in sql) > PARALLEL_MIN_BYTES
    assert _work_size(py) == pytest.approx(sum(j.size for j in py) * APP_CODE_BYTES_WEIGHT)
    assert _work_size(py) < PARALLEL_MIN_BYTES <= _work_size(sql)
    # and the command line gives the same findings either way
    one = run("check", "app", "--output-format", "json", "--no-cache", "--exit-zero", "-j", "1", cwd=tmp_path)
    default = run("check", "app", "--output-format", "json", "--no-cache", "--exit-zero", cwd=tmp_path)
    assert one.returncode == default.returncode == 0 and one.stdout == default.stdout
