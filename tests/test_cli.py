"""The command line: formats, exit codes, fixing, rule docs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, server_env

MIGRATION = (
    "SET lock_timeout = '5s';\nCREATE INDEX idx_posts_user_id ON posts (user_id);\n"
    "SELECT id FROM posts ORDER BY id LIMIT 10;\n"
)


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "backend_architect", *args],
        capture_output=True, text=True, cwd=cwd, env=server_env(), timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_index.sql").write_text(MIGRATION)
    (tmp_path / "clean.sql").write_text("SELECT id FROM users WHERE id = $1;\n")
    return tmp_path


def test_text_output_and_exit_code_1(project: Path):
    r = run("check", ".", cwd=project)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "migrations/0001_index.sql:2:1: MG001 [*] CREATE INDEX without CONCURRENTLY locks table posts against writes while it runs"
    assert lines[1] == "  help: MIGRATION: build the index CONCURRENTLY"
    assert lines[-1] == "Found 1 finding (1 fixable with --fix)."


def test_clean_file_exits_0(project: Path):
    r = run("check", "clean.sql", cwd=project)
    assert r.returncode == 0 and r.stdout.strip() == "All checks passed!"


def test_usage_errors_exit_2(project: Path):
    assert run("check", "--output-format", "xml", cwd=project).returncode == 2
    r = run("check", "missing.sql", cwd=project)
    assert r.returncode == 2 and "no such file" in r.stderr
    assert run("rule", "ZZ999").returncode == 2


def test_select_and_ignore(project: Path):
    assert run("check", ".", "--ignore", "MG", cwd=project).returncode == 0
    assert run("check", ".", "--select", "QO", cwd=project).returncode == 0
    assert run("check", ".", "--select", "MG001", cwd=project).returncode == 1


def test_json_output(project: Path):
    r = run("check", ".", "--output-format", "json", cwd=project)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert len(data) == 1
    item = data[0]
    assert item["code"] == "MG001" and item["command"] == "MIGRATION"
    assert item["location"] == {"row": 2, "column": 1} and item["end_location"] == {"row": 2, "column": 13}
    assert item["fix"]["edits"] == [
        {"content": " CONCURRENTLY", "location": {"row": 2, "column": 13}, "end_location": {"row": 2, "column": 13}}
    ]


def test_github_output(project: Path):
    r = run("check", ".", "--output-format", "github", cwd=project)
    assert r.returncode == 1
    assert r.stdout.startswith(
        "::warning title=backend-architect (MG001),file=migrations/0001_index.sql,line=2,col=1,endLine=2,endColumn=13::MG001 "
    )


def _sarif_schema() -> dict | None:
    candidates = [os.environ.get("SARIF_SCHEMA", ""), str(ROOT / ".cache" / "sarif-schema-2.1.0.json")]
    for c in candidates:
        if c and Path(c).is_file():
            return json.loads(Path(c).read_text())
    return None


def test_sarif_validates_against_the_2_1_0_schema(project: Path):
    schema = _sarif_schema()
    if schema is None:
        if os.environ.get("CI"):
            pytest.fail("SARIF schema missing: .ci/run fetches it into .cache/ (make sarif-schema)")
        pytest.skip("SARIF 2.1.0 schema not fetched (make sarif-schema)")
    import jsonschema

    r = run("check", ".", "--output-format", "sarif", cwd=project)
    assert r.returncode == 1
    sarif = json.loads(r.stdout)
    jsonschema.Draft4Validator(schema).validate(sarif)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "MG001"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 13}
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] == " CONCURRENTLY"


def test_fix_rewrites_the_file_and_exits_0(project: Path):
    r = run("check", ".", "--fix", cwd=project)
    assert r.returncode == 0, r.stdout
    assert (project / "migrations" / "0001_index.sql").read_text().splitlines()[1] == (
        "CREATE INDEX CONCURRENTLY idx_posts_user_id ON posts (user_id);")


def test_unsafe_fixes_only_on_request(tmp_path: Path):
    q = tmp_path / "q.sql"
    q.write_text("SELECT id FROM users WHERE id NOT IN (SELECT user_id FROM bans);\n")
    not_in = ("--extend-select", "QO005")  # off by default; its fix is the unsafe one here
    assert run("check", str(q), *not_in, "--fix").returncode == 1
    assert "NOT IN" in q.read_text()
    assert run("check", str(q), *not_in, "--fix", "--unsafe-fixes").returncode == 0
    assert "NOT EXISTS (SELECT 1 FROM bans WHERE bans.user_id = users.id)" in q.read_text()


def test_bad_input_is_skipped_with_a_reason(tmp_path: Path):
    (tmp_path / "binary.sql").write_bytes(b"SELECT\x00\x01\x02")
    (tmp_path / "latin1.sql").write_bytes("SELECT 'caf\xe9';".encode("latin-1"))
    r = run("check", ".", cwd=tmp_path)
    assert r.returncode == 0
    assert "binary.sql: skipped: binary file" in r.stdout
    assert "latin1.sql: skipped: not valid UTF-8" in r.stdout


def test_project_config_is_read(tmp_path: Path):
    (tmp_path / "backend-architect.toml").write_text('ignore = ["MG001"]\n')
    (tmp_path / "m.sql").write_text(MIGRATION)
    assert run("check", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "backend-architect.toml").write_text('[per-file-ignores]\n"other.sql" = ["MG001"]\n')
    assert run("check", ".", cwd=tmp_path).returncode == 1


def test_rule_and_rules_commands():
    r = run("rule", "MG001")
    assert r.returncode == 0 and "## Why is this bad?" in r.stdout and "CONCURRENTLY" in r.stdout
    r = run("rules", "--format", "json")
    codes = [x["code"] for x in json.loads(r.stdout)]
    assert "MG001" in codes and codes == sorted(codes)


def test_parallel_check_matches_a_single_process(tmp_path: Path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from gen_sql import generate

    for i in range(8):
        (tmp_path / f"{i:04d}.sql").write_text(generate(3000, seed=i))
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) > 512 * 1024  # large enough to fan out
    one = run("check", ".", "-j", "1", "--output-format", "json", cwd=tmp_path)
    two = run("check", ".", "-j", "2", "--output-format", "json", cwd=tmp_path)
    assert one.returncode == two.returncode == 1
    assert json.loads(one.stdout) == json.loads(two.stdout) and len(json.loads(one.stdout)) > 50


def test_a_link_to_a_file_of_the_tree_is_checked_once(tmp_path: Path):
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_index.sql").write_text(MIGRATION)
    (tmp_path / "contrib").mkdir()
    (tmp_path / "contrib" / "index.sql").symlink_to("../migrations/0001_index.sql")
    outside = tmp_path.parent / f"{tmp_path.name}-shared.sql"
    outside.write_text(MIGRATION.replace("posts", "users"))
    (tmp_path / "shared.sql").symlink_to(outside)
    (tmp_path / "linked").symlink_to("migrations")  # a link to a folder: not walked into
    (tmp_path / "dangling.sql").symlink_to("missing.sql")
    r = run("check", "--output-format", "json", "--exit-zero", ".", cwd=tmp_path)
    files = sorted({f["filename"] for f in json.loads(r.stdout)})
    # the link inside the tree is the same file; a link out of the tree is the only way in
    assert files == ["migrations/0001_index.sql", "shared.sql"], r.stderr
