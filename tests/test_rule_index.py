"""The rule index (rules/_index.py) against the rule classes, and what a run imports.

A run decides which rules apply to a file from the index, without importing the rules;
these tests keep the index in step with the classes and check that `check` on a SQL file
does not import what only application code or other dialects need.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from backend_architect.cli import rules_table
from backend_architect.core import registry
from backend_architect.core.registry import all_rules, info_of, render_index, rule_infos

ROOT = Path(__file__).resolve().parent.parent
INDEX = ROOT / "server" / "backend_architect" / "rules" / "_index.py"


def test_index_file_is_generated_from_the_rule_classes():
    assert INDEX.read_text(encoding="utf-8") == render_index(), (
        "rules/_index.py is stale: run `make rules-table`"
    )


def test_index_entries_equal_the_imported_classes():
    imported = [info_of(r) for r in all_rules()]
    assert list(rule_infos()) == imported
    assert len(imported) > 50


def test_loading_an_entry_gives_the_registered_class():
    classes = {r.code: r for r in all_rules()}
    for info in rule_infos():
        assert registry.load(info) is classes[info.code]


def test_rules_for_a_language_and_dialect():
    sql = {r.code for r in registry.rules_for("sql")}
    assert sql == {r.code for r in all_rules() if "sql" in r.languages}
    python = {r.code for r in registry.rules_for("python")}
    assert python == {r.code for r in all_rules() if "python" in r.languages}
    mysql = {r.code for r in registry.rules_for("sql", lambda d: d is None or "mysql" in d)}
    assert "MG001" in sql and "MG001" not in mysql  # lock advice is Postgres-only
    assert mysql == {
        r.code
        for r in all_rules()
        if "sql" in r.languages and (r.dialects is None or "mysql" in r.dialects)
    }


def _table_from_classes() -> str:
    lines = ["| code | name | command | fix | summary |", "|---|---|---|---|---|"]
    for r in all_rules():
        fix = f"{r.fix_title} ({r.fix_safety.value})" if r.fix_title else "—"
        off = " (off by default)" if not r.default_enabled else ""
        lines.append(f"| {r.code}{off} | {r.name} | {r.command} | {fix} | {r.summary()} |")
    return "\n".join(lines)


def test_rules_table_from_the_index_equals_the_one_from_the_classes():
    assert rules_table() == _table_from_classes()


def _run(code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
    env.pop("BACKEND_ARCHITECT_LOCAL_RULES", None)
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def test_rules_json_lists_every_rule_with_the_classes_facts(tmp_path):
    out = _run(
        "import sys; from backend_architect.cli import main; sys.exit(main(['rules', '--format', 'json']))",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    expected = [
        {
            "code": r.code,
            "name": r.name,
            "command": r.command,
            "severity": r.severity.value,
            "languages": list(r.languages),
            "fix": r.fix_title,
            "fix_safety": r.fix_safety.value,
            "dialects": list(r.dialects) if r.dialects else None,
            "fix_dialects": list(r.fix_dialects) if r.fix_dialects else None,
            "summary": r.summary(),
        }
        for r in all_rules()
    ]
    assert listed == expected


# What `check` imported: rule modules, tree-sitter grammars, sqlglot, the frameworks.
_PROBE = """
import sys
from backend_architect.cli import main
code = main(sys.argv[1:])
mods = sorted(sys.modules)
print("\\n".join(mods))
"""


def _imported_by_check(tmp_path: Path, name: str, text: str, *args: str) -> set[str]:
    (tmp_path / name).write_text(text)
    env_args = ["check", "--no-cache", "--jobs", "1", *args, name]
    out = _run(_PROBE, *env_args, cwd=tmp_path)
    assert "MG001" in out.stdout or "Found" in out.stdout or out.returncode in (0, 1), out.stderr
    return {line for line in out.stdout.splitlines() if line and " " not in line}


def test_check_on_a_sql_file_imports_no_grammar_sqlglot_or_app_rule(tmp_path):
    mods = _imported_by_check(tmp_path, "one.sql", "CREATE INDEX idx_a ON t (a);\n")
    assert "pglast" in mods  # the SQL parser is needed
    assert not [m for m in mods if m.startswith("tree_sitter_")], "a tree-sitter grammar"
    assert not [m for m in mods if m.startswith("sqlglot")]
    assert not [m for m in mods if m.startswith("backend_architect.frameworks")]
    app_only = {i.module for i in rule_infos() if "sql" not in i.languages}
    assert app_only and not (app_only & mods), sorted(app_only & mods)


def test_check_on_a_python_file_imports_no_sql_only_rule(tmp_path):
    # a route (so the module is parsed: one with nothing to find in it is not) and no SQL
    app = 'from flask import Flask\napp = Flask(__name__)\n\n\n@app.route("/x")\ndef f():\n    return "x"\n'
    mods = _imported_by_check(tmp_path, "app.py", app)
    assert "tree_sitter_python._binding" in mods  # (the grammar: the module was parsed)
    assert not [m for m in mods if m.startswith("sqlglot")]
    assert not [m for m in mods if m.startswith(("tree_sitter_go", "tree_sitter_typescript"))]
    document_rules = {
        i.module
        for i in rule_infos()
        if "python" in i.languages and "document" in i.hooks and i.default_enabled
    }
    assert document_rules <= mods  # every rule on Python code as a whole ran
    # a file without SQL imports no rule that checks SQL statements only
    statement_rules = {i.module for i in rule_infos() if "python" in i.languages and not i.hooks}
    assert statement_rules and not (statement_rules & mods), sorted(statement_rules & mods)


def _module(code: str) -> str:
    return next(i.module for i in rule_infos() if i.code == code)


def test_a_rule_is_imported_only_for_the_statement_kinds_it_checks(tmp_path):
    """A file of queries imports no rule about `ALTER TABLE` or `CREATE TABLE`; a file with
    those statements imports them and they report."""
    # a project of its own: the migration histories other tests leave in sibling folders
    # would make m.sql a schema snapshot of theirs (whose findings are hidden)
    (tmp_path / "backend-architect.toml").write_text("")
    mods = _imported_by_check(tmp_path, "q.sql", "SELECT id FROM users WHERE id = 1;\n")
    for code in ("MG003", "SD001", "IX002", "MG001"):
        assert _module(code) not in mods, code
    ddl = "ALTER TABLE users ADD COLUMN age integer NOT NULL;\nCREATE TABLE t (a int);\n"
    (tmp_path / "m.sql").write_text(ddl)
    out = _run(_PROBE, "check", "--no-cache", "--jobs", "1", "m.sql", cwd=tmp_path)
    assert "MG003" in out.stdout and "SD001" in out.stdout, out.stdout + out.stderr
    mods = {line for line in out.stdout.splitlines() if line and " " not in line}
    assert {_module("MG003"), _module("SD001")} <= mods
    assert _module("MG012") not in mods  # off by default: never imported


def test_rule_index_lists_each_rules_statement_kinds_and_hooks():
    from backend_architect.core.registry import Rule

    for rule in all_rules():
        info = info_of(rule)
        assert info.statement_kinds == (
            None if rule.statement_kinds is None else tuple(rule.statement_kinds)
        )
        assert ("region" in info.hooks) == (rule.check_region is not Rule.check_region)
        assert ("document" in info.hooks) == (rule.check_document is not Rule.check_document)
    assert any("region" in i.hooks for i in rule_infos())


def test_sql_check_loads_pglast_without_its_node_classes(tmp_path):
    """The parser extension runs without pglast's node classes and enumerations being
    executed; they load on first use and pglast works as usual."""
    (tmp_path / "q.sql").write_text("SELECT 1;\n")
    probe = """
import sys
from backend_architect.cli import main
main(["check", "--no-cache", "--jobs", "1", "q.sql"])
print("nodes-loaded" if "pglast.enums.nodes" in sys.modules else "nodes-not-loaded")
import pglast
from pglast.enums import SetOperation
print(type(pglast.parse_sql("SELECT 1")[0].stmt).__name__, SetOperation.SETOP_NONE.name)
print(pglast.parse_plpgsql("CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql")[0].keys())
"""
    out = _run(probe, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "nodes-not-loaded" in out.stdout
    assert "SelectStmt SETOP_NONE" in out.stdout
    assert "PLpgSQL_function" in out.stdout
