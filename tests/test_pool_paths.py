"""CP002's test-support folders are words of a folder's name, the same from any working folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import server_env

OPENER = """package store

import "database/sql"

func Open(dsn string) *sql.DB {
	db, _ := sql.Open("postgres", dsn)
	return db
}
"""


def flagged(cwd: Path, target: str) -> set[str]:
    r = subprocess.run(
        [sys.executable, "-m", "backend_architect", "check", "--no-cache", "--exit-zero"]
        + ["--output-format", "json", "--select", "CP002", target],
        capture_output=True, text=True, cwd=cwd, env=server_env(), timeout=120, check=True,
    )
    return {Path(f["filename"]).parent.name for f in json.loads(r.stdout)}


@pytest.mark.parametrize(
    ("folder", "reported"),
    [("attestation", True), ("latest", True), ("testutil", False), ("e2e-tests", False)],
)
def test_test_support_folders_are_named_by_a_word_whatever_the_working_folder(
    tmp_path: Path, folder: str, reported: bool
):
    repo = tmp_path / "repo"
    (repo / folder).mkdir(parents=True)
    (repo / "go.mod").write_text("module app\n\nrequire github.com/lib/pq v1.10.9\n")
    (repo / folder / "db.go").write_text(OPENER)
    want = {folder} if reported else set()
    assert flagged(repo, ".") == want  # from the repository's root: a relative path
    assert flagged(tmp_path, "repo") == want  # from above it
