"""The results cache of `check`: what makes an entry valid, what invalidates it, and that
a cached run prints exactly what an uncached one does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SERVER_DIR, server_env

from backend_architect.cli import check_paths
from backend_architect.core.results_cache import ResultsCache

MIGRATION_1 = "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n"
MIGRATION_2 = "SET lock_timeout = '5s';\nCREATE INDEX idx_users_email ON users (email);\n"
QUERY = "SELECT * FROM users WHERE email = $1 LIMIT 10;\n"
APP = 'def find(db, email):\n    return db.execute("SELECT id, email FROM users WHERE email = %s", (email,))\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "migrations").mkdir(parents=True)
    (root / ".git").mkdir()  # a repository marker: the project is this folder
    (root / "migrations" / "0001_users.sql").write_text(MIGRATION_1)
    (root / "migrations" / "0002_index.sql").write_text(MIGRATION_2)
    (root / "queries.sql").write_text(QUERY)
    (root / "app.py").write_text(APP)
    return root


def entries_in(folder: Path) -> int:
    """How many reports the packs under ``folder`` hold."""
    return sum(len(json.loads(p.read_bytes().partition(b"\n")[2])) for p in folder.rglob("*.pack"))


def files_of(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and p.suffix in (".sql", ".py"))


def summary(reports) -> list:
    return [(r.path, r.skipped, [(f.code, f.message, f.start, f.end) for f in r.findings],
             [(p.kind, p.message) for p in r.problems], sorted(r.positions.items())) for r in reports]


def check(root: Path, cache: ResultsCache, **overrides):
    return check_paths([str(root)], overrides, jobs=1, cache=cache)


def test_second_run_reads_every_report_from_the_cache(project: Path, tmp_path: Path):
    first_cache = ResultsCache(str(tmp_path / "cache"))
    first = check(project, first_cache)
    assert first_cache.hits == 0 and first_cache.written == files_of(project)
    second_cache = ResultsCache(str(tmp_path / "cache"))
    second = check(project, second_cache)
    assert second_cache.hits == files_of(project) and second_cache.misses == 0
    assert summary(second) == summary(first)
    assert any(r.findings for r in first)  # the reports compared are not empty


def test_a_changed_file_is_checked_again(project: Path, tmp_path: Path):
    check(project, ResultsCache(str(tmp_path / "cache")))
    (project / "queries.sql").write_text("SELECT id FROM users WHERE email = $1 ORDER BY id LIMIT 10;\n")
    cache = ResultsCache(str(tmp_path / "cache"))
    reports = check(project, cache)
    assert cache.misses >= 1
    fresh = check_paths([str(project)], {}, jobs=1)  # no cache at all
    assert summary(reports) == summary(fresh)
    assert (project / "app.py").exists() and cache.hits >= 1  # the Python file did not change, nor the schema


def test_a_changed_setting_misses(project: Path, tmp_path: Path):
    check(project, ResultsCache(str(tmp_path / "cache")))
    cache = ResultsCache(str(tmp_path / "cache"))
    reports = check(project, cache, select=["MG"])
    assert cache.hits == 0 and cache.misses == files_of(project)
    assert all(f.code.startswith("MG") for r in reports for f in r.findings)
    cache = ResultsCache(str(tmp_path / "cache"))
    check(project, cache)  # the first settings' reports were kept (a pack per settings)
    assert cache.hits == files_of(project)


def test_a_changed_config_file_misses(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    first = run_cli("check", "--output-format", "json", ".", cwd=project, cache_dir=cache_dir)
    assert entries_in(cache_dir / "results") == files_of(project)
    (project / "backend-architect.toml").write_text('ignore = ["MG"]\n')
    second = run_cli("check", "--output-format", "json", ".", cwd=project, cache_dir=cache_dir)
    assert entries_in(cache_dir / "results") == 2 * files_of(project)
    assert any(f["code"].startswith("MG") for f in json.loads(first.stdout))
    assert not any(f["code"].startswith("MG") for f in json.loads(second.stdout))


def test_a_changed_schema_misses_for_files_that_read_it(project: Path, tmp_path: Path):
    check(project, ResultsCache(str(tmp_path / "cache")))
    # only the SQL files change: the Python file is checked again because the schema it is read against changed
    (project / "migrations" / "0001_users.sql").write_text(MIGRATION_1.replace("email text", "email text, name text"))
    cache = ResultsCache(str(tmp_path / "cache"))
    check(project, cache)
    assert cache.hits == 0 and cache.misses == files_of(project)
    # and with the schema back as it was, everything is found again
    (project / "migrations" / "0001_users.sql").write_text(MIGRATION_1)
    cache = ResultsCache(str(tmp_path / "cache"))
    check(project, cache)
    assert cache.hits == files_of(project)


def test_corrupted_entries_are_ignored_and_replaced(project: Path, tmp_path: Path):
    folder = tmp_path / "cache"
    first = check(project, ResultsCache(str(folder)))
    entries = [p for p in folder.rglob("*.pack")]
    assert len(entries) == 2  # one pack per group: the SQL files, the Python file
    for i, p in enumerate(entries):
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 2] if i % 2 else b"garbage")  # torn and foreign entries
    cache = ResultsCache(str(folder))
    second = check(project, cache)
    assert cache.hits == 0 and cache.written == files_of(project)
    assert summary(second) == summary(first)
    cache = ResultsCache(str(folder))
    check(project, cache)
    assert cache.hits == files_of(project)


def test_size_cap_evicts_least_recently_used(tmp_path: Path):
    cache = ResultsCache(str(tmp_path / "cache"), max_bytes=20_000)
    payload = "x" * 1000
    for i in range(60):
        cache.put(f"{i:040x}", payload)
        os.utime(cache._path(f"{i:040x}"), ns=(i * 10**9, i * 10**9))  # entry i last used at time i
    cache.get(f"{0:040x}")  # used just now: kept
    cache.prune()
    sizes = [p.stat().st_size for p in (tmp_path / "cache").rglob("*.json")]
    assert sum(sizes) <= 20_000
    assert cache.get(f"{0:040x}") == payload
    assert cache.get(f"{1:040x}") is None and cache.get(f"{59:040x}") == payload


def run_cli(*args, cwd: Path, cache_dir: Path, pythonpath: Path = SERVER_DIR, **extra_env):
    env = server_env(BACKEND_ARCHITECT_CACHE_DIR=str(cache_dir), **extra_env)
    env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-m", "backend_architect", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def test_cached_and_uncached_runs_print_the_same(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    for fmt in ("json", "text", "sarif"):
        uncached = run_cli("check", "--no-cache", "--output-format", fmt, ".", cwd=project, cache_dir=cache_dir)
        assert not (cache_dir / "results").exists()  # --no-cache writes nothing
        cold = run_cli("check", "--output-format", fmt, ".", cwd=project, cache_dir=cache_dir)
        warm = run_cli("check", "--output-format", fmt, ".", cwd=project, cache_dir=cache_dir)
        assert uncached.returncode == cold.returncode == warm.returncode == 1, uncached.stderr
        assert uncached.stdout == cold.stdout == warm.stdout
        if fmt == "json":
            assert json.loads(warm.stdout)
        shutil.rmtree(cache_dir / "results")


def test_another_tool_version_does_not_read_old_entries(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    copy = tmp_path / "server"
    shutil.copytree(SERVER_DIR / "backend_architect", copy / "backend_architect",
                    ignore=shutil.ignore_patterns("__pycache__"))
    first = run_cli("check", "--output-format", "json", ".", cwd=project, cache_dir=cache_dir, pythonpath=copy)
    entries = entries_in(cache_dir / "results")
    assert entries == files_of(project)
    init = copy / "backend_architect" / "__init__.py"
    text = init.read_text()
    assert "__version__" in text
    init.write_text(text + '\n__version__ = __version__ + ".dev1"\n')
    second = run_cli("check", "--output-format", "json", ".", cwd=project, cache_dir=cache_dir, pythonpath=copy)
    assert second.stdout == first.stdout
    assert entries_in(cache_dir / "results") == 2 * entries  # all checked again


def test_a_new_sibling_migration_misses_when_one_file_is_checked(project: Path, tmp_path: Path):
    newest = project / "migrations" / "0002_index.sql"
    newest.write_text("ALTER TABLE users ADD COLUMN name text;\n")  # no lock_timeout: MG015 on the newest file
    only = {"select": ["MG015"]}  # no rule reads the schema: only the folder tells that 0002 is no longer the newest
    first = check_paths([str(newest)], only, jobs=1, cache=ResultsCache(str(tmp_path / "cache")))
    assert [f.code for f in first[0].findings] == ["MG015"]
    (project / "migrations" / "0003_later.sql").write_text("SELECT 1;\n")
    cache = ResultsCache(str(tmp_path / "cache"))
    second = check_paths([str(newest)], only, jobs=1, cache=cache)
    assert cache.hits == 0 and second[0].findings == []
    assert summary(second) == summary(check_paths([str(newest)], only, jobs=1))


def _repo_with_one_committed_migration(tmp_path: Path):
    """A git repository whose first migration is committed on main and second is pending;
    and a function running git in it."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    root = tmp_path / "repo"
    (root / "migrations").mkdir(parents=True)
    (root / "migrations" / "0001_users.sql").write_text(MIGRATION_1)
    (root / "migrations" / "0002_index.sql").write_text("CREATE INDEX idx_users_email ON users (email);\n")
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "migrations/0001_users.sql")
    git("commit", "-qm", "users")
    return root, git


def test_a_migration_that_becomes_history_is_analysed_again(tmp_path: Path):
    """Content unchanged, but committed on the main line: its lock findings go (not read from the cache)."""
    root, git = _repo_with_one_committed_migration(tmp_path)
    codes = lambda reports: sorted(f.code for r in reports for f in r.findings)  # noqa: E731
    assert "MG001" in codes(check(root, ResultsCache(str(tmp_path / "cache"))))  # not committed yet: pending
    git("add", "migrations/0002_index.sql")
    git("commit", "-qm", "index")
    git("checkout", "-qb", "feature")  # main now holds the migration: it is history on any branch
    from backend_architect.project import history

    history._INDEX.forget()  # what a new `check` process starts with
    cache = ResultsCache(str(tmp_path / "cache"))
    assert "MG001" not in codes(check(root, cache))


class _Payload:
    """Pickled, this object would create a file when loaded."""

    def __init__(self, target: str):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


def test_reading_an_entry_never_runs_code(tmp_path: Path):
    import pickle

    cache = ResultsCache(str(tmp_path / "cache"))
    target = tmp_path / "created-by-a-payload"
    key = "ab" + "0" * 38
    entry = Path(cache._path(key))
    entry.parent.mkdir(parents=True)
    for body in (
        b"BARC" + pickle.dumps(_Payload(str(target))),  # the old format
        b"BARC2\n" + pickle.dumps(_Payload(str(target))),
        b'BARC2\n{"!c": "Popen", "f": {"args": ["touch", "%s"]}}' % str(target).encode(),
        b'BARC2\n{"!e": "Path", "v": "%s"}' % str(target).encode(),
    ):
        entry.write_bytes(body)
        assert cache.get(key) is None
        assert not entry.exists()  # an unreadable entry is removed
    assert not target.exists()


def test_an_entry_keeps_every_field_of_a_report(tmp_path: Path):
    from backend_architect.cli import FileReport, Problem
    from backend_architect.core.files import TextStyle
    from backend_architect.core.findings import Applicability, Edit, Finding, Fix, NewFile, Severity

    report = FileReport(
        "/p/a.sql",
        [
            Finding(
                "MG001",
                "message ✓",
                3,
                9,
                Fix("t", (Edit(3, 9, "x"),), Applicability.UNSAFE, (NewFile("n.sql", "y"),)),
                severity=Severity.ERROR,
                command="MIGRATION",
                name="n",
            )
        ],
        {3: (1, 4), 9: (2, 1)},
        None,
        [Problem("parse-error", "bad", 2, 3)],
        style=TextStyle(bom=True, newline="\r\n"),
        fixed_codes={"MG001": 1},
    )
    cache = ResultsCache(str(tmp_path / "cache"))
    cache.put("cd" + "1" * 38, report)
    assert ResultsCache(str(tmp_path / "cache")).get("cd" + "1" * 38) == report


# -- the whole-run fast path (backend_architect.warm) -------------------------------------------

WARM = "backend-architect: warm: "


def settle(*roots: Path, age: float = 60.0) -> None:
    """Every file and folder under ``roots`` as last changed ``age`` seconds ago: a stored run is
    only written when no input changed in the two seconds before the run started."""
    then = time.time() - age
    for root in roots:
        for p in [root, *root.rglob("*")]:
            os.utime(p, (then, then), follow_symlinks=False)


def warm_cli(*args, cwd: Path, cache_dir: Path, **env):
    """A run through the real command line, saying whether it was served from a stored run:
    (completed process, stderr without the fast path's own lines, its lines)."""
    proc = run_cli(*args, cwd=cwd, cache_dir=cache_dir, BACKEND_ARCHITECT_WARM_DEBUG="1", **env)
    said = [line[len(WARM) :] for line in proc.stderr.splitlines() if line.startswith(WARM)]
    rest = "".join(line for line in proc.stderr.splitlines(keepends=True) if not line.startswith(WARM))
    return proc, rest, said


def stored_runs(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "results" / "runs").glob("*.run"))


@pytest.mark.parametrize("fmt", ["json", "text", "sarif"])
def test_a_second_identical_run_is_served_byte_for_byte(project: Path, tmp_path: Path, fmt: str):
    cache_dir = tmp_path / "cache"
    (project / "big.sql").write_text("SELECT 1;\n" * 100)
    (project / "backend-architect.toml").write_text("max-file-bytes = 500\n")  # big.sql: a skip note on stderr
    settle(project)
    args = ("check", "--output-format", fmt, ".")
    uncached = run_cli("check", "--no-cache", "--output-format", fmt, ".", cwd=project, cache_dir=cache_dir)
    first, first_err, said = warm_cli(*args, cwd=project, cache_dir=cache_dir)
    assert said[0] == "miss: no stored run" and said[-1].startswith("stored"), said
    assert len(stored_runs(cache_dir)) == 1
    second, second_err, said = warm_cli(*args, cwd=project, cache_dir=cache_dir)
    assert said == ["hit"]
    assert second.stdout == first.stdout == uncached.stdout
    assert second_err == first_err == uncached.stderr
    assert second.returncode == first.returncode == uncached.returncode == 1
    if fmt != "text":
        assert "skipped" in second_err  # the stored standard error is written too


def test_the_exit_status_is_stored_too(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    settle(project)
    for _ in range(2):
        proc, _, said = warm_cli("check", "--exit-zero", "migrations", cwd=project, cache_dir=cache_dir)
        assert proc.returncode == 0 and "Found" in proc.stdout
    assert said == ["hit"]
    proc, _, said = warm_cli("check", "migrations", cwd=project, cache_dir=cache_dir)  # other arguments
    assert said[0] == "miss: no stored run" and proc.returncode == 1


def record(project: Path, cache_dir: Path, *args: str):
    """A first run that stores its output (after settling the tree), and the second served from it."""
    settle(project)
    first, _, said = warm_cli("check", "--output-format", "json", *args, cwd=project, cache_dir=cache_dir)
    assert said[-1].startswith("stored"), said
    again, _, said = warm_cli("check", "--output-format", "json", *args, cwd=project, cache_dir=cache_dir)
    assert said == ["hit"] and again.stdout == first.stdout
    return first


def after_change(project: Path, cache_dir: Path, *args: str, **env):
    """The run after a change: never the stored answer; what an uncached run prints."""
    proc, err, said = warm_cli("check", "--output-format", "json", *args, cwd=project, cache_dir=cache_dir, **env)
    assert "hit" not in said, said
    fresh = run_cli("check", "--no-cache", "--output-format", "json", *args, cwd=project, cache_dir=cache_dir, **env)
    assert proc.stdout == fresh.stdout and proc.returncode == fresh.returncode
    return proc, said


def codes(proc) -> list[str]:
    return sorted(f["code"] for f in json.loads(proc.stdout))


def test_an_edited_file_is_not_served_from_the_stored_run(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    first = record(project, cache_dir)
    (project / "migrations" / "0002_index.sql").write_text(MIGRATION_2.replace("CREATE INDEX", "-- CREATE INDEX"))
    settle(project)  # an old time stamp: only the size and inode tell
    proc, said = after_change(project, cache_dir)
    assert said[0] == "miss: an input changed"
    assert codes(proc) != codes(first)


def test_a_touched_file_is_not_served_from_the_stored_run(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    first = record(project, cache_dir)
    then = time.time() - 30
    os.utime(project / "app.py", (then, then))  # same content, another time
    proc, said = after_change(project, cache_dir)
    assert said[0] == "miss: an input changed" and proc.stdout == first.stdout


def test_a_file_added_to_a_checked_folder_is_not_missed(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    first = record(project, cache_dir)
    (project / "migrations" / "0003_more.sql").write_text("CREATE INDEX idx_users_id ON users (id);\n")
    settle(project)
    proc, said = after_change(project, cache_dir)
    assert said[0] == "miss: an input changed"
    assert "0003_more.sql" in proc.stdout and "0003_more.sql" not in first.stdout


def test_a_config_file_created_above_the_checked_folder_is_not_missed(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    first = record(project, cache_dir, "migrations")
    assert any(c.startswith("MG") for c in codes(first))
    (project / "backend-architect.toml").write_text('ignore = ["MG"]\n')
    settle(project)
    proc, said = after_change(project, cache_dir, "migrations")
    assert said[0] == "miss: an input changed"
    assert not any(c.startswith("MG") for c in codes(proc))


def test_another_environment_or_argument_is_another_run(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    record(project, cache_dir)
    _, said = after_change(project, cache_dir, BACKEND_ARCHITECT_RESULTS_CACHE_MB="100")
    assert said[0] == "miss: no stored run"
    proc, said = after_change(project, cache_dir, "--select", "MG")
    assert said[0] == "miss: no stored run"
    assert all(c.startswith("MG") for c in codes(proc))


def test_a_racy_input_is_never_stored(project: Path, tmp_path: Path):
    """A file changed just before the run may change again within its time stamp's granule
    without its stat changing: such a run is not stored, and the next one checks again."""
    cache_dir = tmp_path / "cache"
    settle(project)
    target = project / "migrations" / "0002_index.sql"
    os.utime(target)  # changed just now
    first, _, said = warm_cli("check", "--output-format", "json", ".", cwd=project, cache_dir=cache_dir)
    assert said[-1].startswith("not stored: racy") and "0002_index.sql" in said[-1]
    assert stored_runs(cache_dir) == []
    # the same size, inode and time stamp, other content: only the content tells
    st = target.stat()
    with open(target, "r+b") as fh:
        fh.write(target.read_bytes().replace(b"CREATE INDEX", b"--EATE INDEX"))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_ino) == (st.st_size, st.st_ino)
    proc, said = after_change(project, cache_dir, ".")
    assert said[0] == "miss: no stored run"
    assert codes(proc) != codes(first)


def test_fixes_and_no_cache_runs_are_never_served_or_stored(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    first = record(project, cache_dir)
    for args in (("--no-cache",), ("--diff",), ("--no-c",), ("--help",)):
        proc, _, said = warm_cli("check", "--output-format", "json", *args, cwd=project, cache_dir=cache_dir)
        assert said == [], args  # not looked up, not recorded
    proc, _, said = warm_cli("check", "--fix", ".", cwd=project, cache_dir=cache_dir)
    assert said == [] and proc.returncode in (0, 1)
    proc, said = after_change(project, cache_dir)  # the fix wrote files: checked again
    assert proc.stdout != first.stdout
    assert len(stored_runs(cache_dir)) == 1


def test_a_disabled_results_cache_stores_no_run(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    settle(project)
    for _ in range(2):
        _, _, said = warm_cli("check", ".", cwd=project, cache_dir=cache_dir, BACKEND_ARCHITECT_RESULTS_CACHE_MB="0")
        assert said == ["results cache disabled (BACKEND_ARCHITECT_RESULTS_CACHE_MB=0)"]
    assert not (cache_dir / "results").exists()


def test_a_git_commit_is_an_input(tmp_path: Path):
    """Committing a migration on the main line makes it history: the stored run is not served."""
    root, git = _repo_with_one_committed_migration(tmp_path)
    cache_dir = tmp_path / "cache"
    first = record(root, cache_dir)
    assert "MG001" in codes(first)  # not committed yet: pending
    git("add", "migrations/0002_index.sql")
    git("commit", "-qm", "index")
    settle(root)
    proc, said = after_change(root, cache_dir)
    assert said[0] == "miss: an input changed"
    assert "MG001" not in codes(proc)
    # a branch switch that changes nothing else is an input too (HEAD)
    record(root, cache_dir)
    git("checkout", "-qb", "feature")
    settle(root)
    _, said = after_change(root, cache_dir)
    assert said[0] == "miss: an input changed"


def test_run_entries_count_in_the_size_cap(project: Path, tmp_path: Path):
    cache_dir = tmp_path / "cache"
    record(project, cache_dir)
    results = cache_dir / "results"
    (entry,) = stored_runs(cache_dir)
    old = time.time() - 3600
    for p in results.rglob("*"):
        if p.is_file() and p != entry:
            os.utime(p, (old, old))
    os.utime(entry, (old - 60, old - 60))  # the run is the least recently used
    total = sum(p.stat().st_size for p in results.rglob("*") if p.is_file())
    ResultsCache(str(results), max_bytes=total - 1).prune()
    assert stored_runs(cache_dir) == []


def test_a_run_with_worker_processes_is_stored_and_served(tmp_path: Path):
    """Over 512 KB: the files are checked in forked workers, which report what they read."""
    root = tmp_path / "big"
    (root / "migrations").mkdir(parents=True)
    (root / ".git").mkdir()
    padding = "-- a long comment line that only makes the file large enough to be checked in parallel\n" * 2200
    for i in range(3):
        (root / "migrations" / f"000{i}_m.sql").write_text(padding + f"CREATE INDEX idx_{i} ON t{i} (a);\n")
    cache_dir = tmp_path / "cache"
    first = record(root, cache_dir, "--jobs", "2")
    newest = [f for f in json.loads(first.stdout) if f["code"] == "MG001"]
    assert [f["filename"] for f in newest] == ["migrations/0002_m.sql"]  # the older ones are history
    (root / "migrations" / "0002_m.sql").write_text(padding + "SELECT 1;\n")
    settle(root)
    proc, said = after_change(root, cache_dir, "--jobs", "2")
    assert said[0] == "miss: an input changed"
    assert "MG001" not in codes(proc)


def test_a_file_replaced_by_a_link_to_the_same_file_is_not_served(project: Path, tmp_path: Path):
    """A file and its hard link both are checked; once the copy is a symbolic link to a file of
    the same tree it is not checked under its own name. The file the name leads to is the same
    file (same inode, size and time): only the link, and its folder, tell."""
    cache_dir = tmp_path / "cache"
    (project / "table.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, name text);\n")
    copy = project / "table_copy.sql"
    os.link(project / "table.sql", copy)
    first = record(project, cache_dir)
    assert "table_copy.sql" in first.stdout and "table.sql" in first.stdout
    copy.unlink()
    os.symlink("table.sql", copy)
    settle(project)
    proc, said = after_change(project, cache_dir)
    assert said[0] == "miss: an input changed"
    assert "table_copy.sql" not in proc.stdout and "table.sql" in proc.stdout
    record(project, cache_dir)  # stored again, with the link
