"""The command line's process ends without the interpreter's teardown once a `check` is done:
its output is complete, its exit status and exit handlers are as usual, the objects it made
are not freed one by one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import server_env

# as the console script runs the command, with an exit handler that must run
PROBE = """
import atexit, os, sys
marks = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
atexit.register(os.write, marks, b"atexit\\n")
sys.argv = ["backend-architect", *sys.argv[2:]]
from backend_architect.entry import main
sys.exit(main())
"""


def run(tmp_path: Path, *words: str) -> tuple[subprocess.CompletedProcess, list[str], bool]:
    """The run, the exit handlers' marks and whether the interpreter tore itself down (its
    verbose mode names each module it cleans up)."""
    marks = tmp_path / "marks.txt"
    marks.unlink(missing_ok=True)
    r = subprocess.run(
        [sys.executable, "-v", "-c", PROBE, str(marks), *words],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    torn_down = any(line.startswith("# cleanup[") for line in r.stderr.splitlines())
    return r, marks.read_text().split() if marks.exists() else [], torn_down


def test_a_check_ends_its_process_without_tearing_it_down(tmp_path: Path):
    # enough findings that the output is far larger than a pipe's buffer
    (tmp_path / "q.sql").write_text(
        "".join(f"CREATE INDEX idx_{i} ON t{i} (a);\n" for i in range(400))
    )
    for cache in ([], [], ["--no-cache"]):  # a run, the stored run, a run without the caches
        r, marks, torn_down = run(tmp_path, "check", "--output-format", "json", *cache, "q.sql")
        assert r.returncode == 1  # findings
        found = json.loads(r.stdout)
        assert len(found) >= 400 and "MG001" in {f["code"] for f in found}
        assert marks == ["atexit"] and not torn_down
    r, marks, torn_down = run(tmp_path, "check", "--exit-zero", "--output-format", "json", "q.sql")
    assert r.returncode == 0 and len(json.loads(r.stdout)) >= 400
    assert marks == ["atexit"] and not torn_down


def test_other_commands_and_usage_errors_exit_as_usual(tmp_path: Path):
    (tmp_path / "q.sql").write_text("SELECT 1;\n")
    r, marks, torn_down = run(tmp_path, "check", "--output-format", "xml", "q.sql")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    assert marks == ["atexit"] and torn_down
    r, marks, torn_down = run(tmp_path, "rules")
    assert r.returncode == 0 and "MG001" in r.stdout
    assert marks == ["atexit"] and torn_down


def test_a_profiled_check_still_writes_its_profile(tmp_path: Path):
    """A profiler writes its data after the command returns: the process ends as usual."""
    (tmp_path / "q.sql").write_text("CREATE INDEX idx_a ON t (a);\n")
    out = tmp_path / "check.prof"
    r = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "backend_architect",
         "check", "--no-cache", "--output-format", "json", "q.sql"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        env=server_env(BACKEND_ARCHITECT_CACHE_DIR=str(tmp_path / "cache")),
    )
    assert "MG001" in {f["code"] for f in json.loads(r.stdout)}  # (cProfile exits with 0)
    assert out.stat().st_size > 0
