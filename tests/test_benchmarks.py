"""The corpus checkout and the precision sampler in benchmarks/."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


corpus = load("corpus")
precision = load("precision")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@t", "-c", "user.name=t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    src = tmp_path / "src"
    (src / "db" / "migrations").mkdir(parents=True)
    (src / "db" / "migrations" / "001_init.sql").write_text("CREATE TABLE t (id int);\n")
    (src / "big.bin").write_bytes(b"x" * 5000)
    (src / "run.sh").write_text("#!/bin/sh\n")
    (src / "run.sh").chmod(0o755)
    (src / "link").symlink_to("db/migrations/001_init.sql")
    git(src, "init", "-q")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "init")
    commit = git(src, "rev-parse", "HEAD")
    big = git(src, "rev-parse", "HEAD:big.bin")
    return src / ".git", commit, big


def test_materialise_writes_the_tree_and_skips_missing_blobs(repo, tmp_path):
    git_dir, commit, big = repo
    (git_dir / "objects" / big[:2] / big[2:]).unlink()  # a snapshot without the large file
    dest = tmp_path / "out"
    dest.mkdir()
    counts = corpus.materialise(git_dir, commit, dest)
    assert counts == {"files": 2, "links": 1, "submodules": 0, "missing": 1}
    assert (dest / "db/migrations/001_init.sql").read_text() == "CREATE TABLE t (id int);\n"
    assert not (dest / "big.bin").exists()
    assert (dest / "run.sh").stat().st_mode & 0o111
    assert (dest / "link").is_symlink() and (dest / "link").read_text().startswith("CREATE")


def test_missing_mirror_names_repository_and_commit(tmp_path, monkeypatch, capsys):
    tsv = tmp_path / "corpus.tsv"
    tsv.write_text(
        "name\tcommit\tlanguages\tdialects\tnotes\nacme/shop\t" + "a" * 40 + "\tGo\tpostgres\t\n"
    )
    monkeypatch.setattr(corpus, "CORPUS_TSV", tsv)
    rc = corpus.main(["--mirrors", str(tmp_path / "none"), "--into", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "acme/shop" in err and "a" * 40 in err and "github.com/acme/shop" in err


def finding(code: str, path: str, row: int, message: str) -> dict:
    return {
        "code": code,
        "filename": path,
        "location": {"row": row, "column": 1},
        "message": message,
    }


@pytest.fixture
def measured(tmp_path, monkeypatch):
    """A two-file corpus with saved findings, and the sampler pointed at temporary tables."""
    tsv = tmp_path / "corpus.tsv"
    tsv.write_text(
        "name\tcommit\tlanguages\tdialects\tnotes\nacme/shop\t" + "a" * 40 + "\tSQL\tpostgres\t\n"
    )
    monkeypatch.setattr(precision, "CORPUS_TSV", tsv)
    monkeypatch.setattr(precision, "TABLE", tmp_path / "precision" / "judgments.tsv")
    monkeypatch.setattr(precision, "GONE", tmp_path / "precision" / "gone.tsv")
    monkeypatch.setattr(precision, "ROOT", tmp_path)
    checkout = tmp_path / "corpus" / "acme+shop"
    checkout.mkdir(parents=True)
    lines = [f"SELECT * FROM t{i};" for i in range(40)]
    (checkout / "q.sql").write_text("\n".join(lines) + "\n")
    results = tmp_path / "results" / "findings"
    results.mkdir(parents=True)

    def save(findings: list[dict]) -> None:
        (results / "acme+shop.json").write_text(json.dumps(findings))

    base = ["--corpus", str(tmp_path / "corpus"), "--results", str(tmp_path / "results")]
    return checkout, save, base


def test_sample_takes_every_rule_then_fills_and_keeps_verdicts(measured, capsys):
    checkout, save, base = measured
    findings = [finding("QO001", "q.sql", i + 1, f"select star {i}") for i in range(30)]
    findings += [finding("MG001", "q.sql", 3, "lock")]
    save(findings)
    assert (
        precision.main([*base, "sample", "--size", "10", "--per-rule", "6", "--uniform", "0"]) == 0
    )
    rows = precision.read_table(precision.TABLE)
    assert len(rows) == 10
    assert sum(r["code"] == "MG001" for r in rows) == 1  # fewer than per-rule: all of them
    judged = rows[0]
    judged["verdict"], judged["reason"] = "false", "a CTE lists the columns"
    precision.write_table(precision.TABLE, rows)

    # Lines move down by two: the id holds, the verdict stays, the line number follows.
    text = checkout.joinpath("q.sql").read_text()
    checkout.joinpath("q.sql").write_text("-- a\n-- b\n" + text)
    save([{**f, "location": {"row": f["location"]["row"] + 2, "column": 1}} for f in findings])
    precision.main([*base, "sample", "--size", "10", "--per-rule", "6", "--uniform", "0"])
    again = {r["id"]: r for r in precision.read_table(precision.TABLE)}
    assert again[judged["id"]]["verdict"] == "false"
    assert int(again[judged["id"]]["line"]) == int(judged["line"]) + 2

    # The judged finding disappears: it moves to the gone table and stops counting.
    save([f for f in findings if f["message"] != judged["message"] or f["code"] != judged["code"]])
    precision.main([*base, "sample", "--size", "10", "--per-rule", "6", "--uniform", "0"])
    assert judged["id"] not in {r["id"] for r in precision.read_table(precision.TABLE)}
    assert [r["id"] for r in precision.read_table(precision.GONE)] == [judged["id"]]


def test_report_counts_precision_and_noise(measured, capsys):
    _, save, base = measured
    save([finding("QO001", "q.sql", i + 1, f"m{i}") for i in range(4)])
    precision.main([*base, "sample", "--size", "4", "--uniform", "0"])
    rows = precision.read_table(precision.TABLE)
    for row, verdict in zip(rows, ["true", "false", "noise", ""]):
        row["verdict"] = verdict
    precision.write_table(precision.TABLE, rows)
    capsys.readouterr()
    precision.main([*base, "report"])
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("QO001"))
    assert line.split()[1:7] == ["50%", "1", "1", "1", "3", "1"]
    assert "< 70%" in line
    assert "noise 33% of 3 judged" in out


def test_draw_is_stable_when_findings_are_added():
    before = {"QO001": [f"a{i}" for i in range(50)]}
    first = precision.draw(before, size=10, per_rule=6, seed=3)
    after = {**before, "MG001": ["b0"]}
    second = precision.draw(after, size=10, per_rule=6, seed=3)
    assert len(first) == len(second) == 10
    assert "b0" in second
    assert set(second) - {"b0"} <= set(first)  # nothing new but the new rule's finding
    assert len(precision.draw(after, size=10, per_rule=6, seed=3, uniform=20)) == 27


def test_a_finding_that_comes_back_gets_its_verdict_back(measured):
    _, save, base = measured
    findings = [finding("IX002", "q.sql", i + 1, f"fk {i}") for i in range(3)]
    save(findings)
    precision.main([*base, "sample", "--size", "3", "--uniform", "0"])
    rows = precision.read_table(precision.TABLE)
    rows[0]["verdict"], rows[0]["reason"] = "true", "cascade deletes scan the child"
    precision.write_table(precision.TABLE, rows)
    gone = {k: v for k, v in rows[0].items()}
    save([f for f in findings if f["message"] not in gone["message"]])  # a rule change hides it
    precision.main([*base, "sample", "--size", "3", "--uniform", "0"])
    assert [r["id"] for r in precision.read_table(precision.GONE)] == [gone["id"]]
    save(findings)  # ... and the next change brings it back: same finding, same verdict
    precision.main([*base, "sample", "--size", "3", "--uniform", "0"])
    back = {r["id"]: r for r in precision.read_table(precision.TABLE)}
    assert back[gone["id"]]["verdict"] == "true" and precision.read_table(precision.GONE) == []


def test_a_second_table_and_check_options(measured, monkeypatch):
    _, save, base = measured
    precision.use_table("history-mg")
    assert precision.TABLE.name == "history-mg.tsv" and precision.GONE.name == "history-mg.gone.tsv"
    seen = {}

    def fake_run(path, jobs1, timeout, extra=None):
        seen["extra"] = extra
        return {
            "exit": 0,
            "seconds": 0.1,
            "findings": [],
            "json_ok": True,
            "tracebacks": 0,
            "stderr": "",
            "last_error": "",
        }

    monkeypatch.setattr(precision, "run_one", fake_run)
    assert precision.main([*base, "run", "--check-args", "--include-history --select MG"]) == 0
    assert seen["extra"] == ["--include-history", "--select", "MG"]
    runs = json.loads((Path(base[base.index("--results") + 1]) / "runs.json").read_text())
    assert {s["mode"] for s in runs.values()} == {"default --include-history --select MG"}


def test_git_checkout_puts_the_pinned_commit_on_the_default_branch(repo, tmp_path, monkeypatch):
    git_dir, commit, _ = repo
    src = git_dir.parent
    (src / "later.sql").write_text("SELECT 1;\n")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "later")  # the mirror moved on past the pinned commit
    mirrors = tmp_path / "mirrors"
    mirrors.mkdir()
    (mirrors / "acme+shop").symlink_to(git_dir)
    tsv = tmp_path / "corpus.tsv"
    tsv.write_text(
        f"name\tcommit\tlanguages\tdialects\tnotes\nacme/shop\t{commit}\tGo\tpostgres\t\n"
    )
    monkeypatch.setattr(corpus, "CORPUS_TSV", tsv)
    into = tmp_path / "c"
    assert corpus.main(["--mirrors", str(mirrors), "--into", str(into), "--git"]) == 0
    dest = into / "acme+shop"
    assert git(dest, "rev-parse", "HEAD") == commit and not (dest / "later.sql").exists()
    assert git(dest, "merge-base", "HEAD", "origin/HEAD") == commit
    assert git(dest, "status", "--porcelain") == ""  # the stamp is not an untracked change
    assert (dest / "db/migrations/001_init.sql").read_text() == "CREATE TABLE t (id int);\n"


def test_git_checkout_leaves_out_and_counts_missing_blobs(repo, tmp_path):
    git_dir, commit, big = repo
    (git_dir / "objects" / big[:2] / big[2:]).unlink()  # a snapshot without the large file
    dest = tmp_path / "clone"
    counts = corpus.git_checkout(git_dir, commit, dest)
    assert counts["missing"] == 1 and counts["files"] == 3
    assert not (dest / "big.bin").exists()
    assert (dest / "db/migrations/001_init.sql").read_text() == "CREATE TABLE t (id int);\n"
    assert git(dest, "rev-parse", "HEAD") == commit


def test_app_code_benchmark_skips_repositories_that_are_not_checked_out(tmp_path, capsys):
    app_code = load("app_code")
    sys_argv = sys.argv
    sys.argv = ["app_code.py", "--corpus", str(tmp_path), "--runs", "1"]
    try:
        assert app_code.main() == 0
    finally:
        sys.argv = sys_argv
    out = capsys.readouterr().out
    for name, _ in app_code.REPOS:
        assert f"{name}: not checked out under {tmp_path}, skipped" in out


def test_app_code_benchmark_counts_source_lines_of_its_language(tmp_path):
    app_code = load("app_code")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("a = 1\nb = 2\n")
    (tmp_path / "web.ts").write_text("export const x = 1;\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.ts").write_text("x\n" * 50)
    assert app_code.source_lines(tmp_path, "python") == (1, 2)
    assert app_code.source_lines(tmp_path, "typescript") == (1, 1)


def test_app_code_benchmark_does_not_time_a_tool_that_crashed(tmp_path):
    """A Python tool that dies with a traceback exits 1, as one that found something does:
    without the JSON it was asked for, the run is reported as failed, not timed."""
    app_code = load("app_code")
    crash = [sys.executable, "-c", "import sys; sys.exit('ImportError: no such module')", "--json"]
    why = app_code.run_measured(crash, tmp_path, dict(os.environ), json_out=True)
    assert (
        isinstance(why, str) and why.startswith("failed (exit status 1)") and "ImportError" in why
    )
    ok = [sys.executable, "-c", "print('{\"results\": []}'); raise SystemExit(1)"]
    timed = app_code.run_measured(ok, tmp_path, dict(os.environ), json_out=True)
    assert isinstance(timed, tuple) and len(timed) == 3 and timed[0] > 0
    killed = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    assert "exit status -9" in app_code.run_measured(killed, tmp_path, dict(os.environ))


@pytest.mark.parametrize("language", ["sql", "python", "typescript", "go"])
def test_editor_latency_documents_have_findings_to_act_on(language, tmp_path):
    # codeAction and hover are timed at findings: a benchmark document without any would
    # leave those rows empty for its language
    editor_latency = load("editor_latency")
    rel, _, text = editor_latency.document(language, 200)
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_text(text)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "backend_architect",
            "check",
            "--no-cache",
            "--exit-zero",
            "--output-format",
            "json",
            str(path),
        ],
        check=False,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(BENCH.parent / "server")),
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout), f"no finding in the {language} document"


def test_a_held_out_list_is_sampled_on_its_own(measured, tmp_path, monkeypatch):
    """`--list` measures another list of repositories (the held-out one) than corpus.tsv."""
    checkout, save, base = measured
    save([finding("QO001", "q.sql", 1, "select star")])
    held = tmp_path / "holdout.tsv"
    held.write_text(
        "name\tcommit\tlanguages\tdialects\tnotes\nother/app\t" + "b" * 40 + "\tSQL\tpostgres\t\n"
    )
    other = tmp_path / "corpus" / "other+app"
    other.mkdir(parents=True)
    (other / "a.sql").write_text("DROP TABLE x;\n")
    (tmp_path / "results" / "findings" / "other+app.json").write_text(
        json.dumps([finding("MG001", "a.sql", 1, "drop")])
    )
    monkeypatch.setattr(precision, "CORPUS_TSV", precision.CORPUS_TSV)  # restored after the test
    assert precision.main([*base, "--list", str(held), "sample", "--uniform", "0"]) == 0
    rows = precision.read_table(precision.TABLE)
    assert [(r["repo"], r["code"]) for r in rows] == [("other/app", "MG001")]


def test_migration_floor_scripts_load_the_parser_and_parse_each_file(tmp_path):
    """The floor rows time scripts of their own: each must do the work it is named after
    (load libpg_query through pglast, parse each file given), not fail quickly and be
    timed as a floor below the real one."""
    run = load("run")
    good = tmp_path / "a.sql"
    good.write_text("CREATE TABLE t (id int);\n")
    bad = tmp_path / "b.sql"
    bad.write_bytes(b"CREATE TABL \xff;\n")
    probe = run.FLOOR_PARSE + (
        "import json\n"
        "print(json.dumps([sorted(k for k in sys.modules if k.startswith('pglast')),"
        " parse_sql_json(open(sys.argv[1]).read())]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(good), str(bad)],
        capture_output=True,
        text=True,
        check=True,
    )
    modules, tree = json.loads(out.stdout)
    assert "pglast.parser" in modules
    assert "CreateStmt" in tree
    # a run that fails is not timed
    with pytest.raises(SystemExit, match="exit status 3"):
        run.run_measured(
            [sys.executable, "-c", "raise SystemExit(3)"], tmp_path, dict(os.environ), True
        )
