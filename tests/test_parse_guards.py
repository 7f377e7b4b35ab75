"""Input over tree-sitter's limits is skipped with a reason, never parsed (nor a crash)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backend_architect.core import languages
from backend_architect.core.document import Document
from backend_architect.core.engine import lint
from conftest import server_env


def deep_python(levels: int) -> str:
    """Blocks nested ``levels`` deep with a string in the innermost one (what crashes
    tree-sitter-python's scanner past about 510 levels)."""
    lines = ["import sqlite3", "x = 1"] + ["    " * i + "if x:" for i in range(levels)]
    lines.append("    " * levels + 'q = "SELECT * FROM users"')
    return "\n".join(lines) + "\n"


def deep_brackets(depth: int, lang: str) -> str:
    inner = "(" * depth + "1" + ")" * depth
    if lang == "go":
        return f'package main\n\nvar q = "SELECT * FROM users"\n\nvar x = {inner}\n'
    return f'const q = "SELECT * FROM users";\nconst x = {"[" * depth}1{"]" * depth};\nconst y = {inner};\n'


def run_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "backend_architect", "check", "--jobs", "1", str(path)],
                          capture_output=True, text=True, env=server_env(), timeout=120)


def test_deeply_nested_python_is_skipped_not_a_segfault(tmp_path: Path):
    path = tmp_path / "deep.py"
    path.write_text(deep_python(600))
    r = run_check(path)
    assert r.returncode != -11 and r.returncode != 139, r.stderr
    assert r.returncode == 0, r.stderr
    assert f"{path}: skipped: blocks nested 600 indentation levels deep" in r.stdout
    assert "limit for parsing is 100" in r.stdout


@pytest.mark.parametrize("suffix,lang", [("js", "javascript"), ("ts", "typescript"), ("go", "go")])
def test_deeply_nested_brackets_are_skipped(tmp_path: Path, suffix: str, lang: str):
    path = tmp_path / f"deep.{suffix}"
    path.write_text(deep_brackets(3000, lang))
    r = run_check(path)
    assert r.returncode == 0, r.stderr
    assert f"{path}: skipped: brackets nested 3000 deep" in r.stdout


def test_the_server_path_skips_the_document_with_the_reason():
    doc = Document(deep_python(520), path="/w/app/deep.py")
    result = lint(doc)
    assert result.findings == [] and result.errors == []
    assert result.skipped.startswith("blocks nested 520 indentation levels deep")


def test_every_parse_refuses_input_over_the_limits():
    with pytest.raises(languages.ParseRefused) as exc:
        languages.parse(deep_python(600), "python")
    assert "600 indentation levels" in exc.value.reason
    with pytest.raises(languages.ParseRefused):
        languages.parse(deep_brackets(languages.MAX_BRACKET_DEPTH, "go"), "go")
    # just under the limits: parsed as usual
    assert not languages.parse(deep_python(languages.MAX_INDENT_LEVELS - 1), "python").root_node.has_error
    assert languages.parse(deep_brackets(languages.MAX_BRACKET_DEPTH - 1, "go"), "go") is not None


def test_nesting_measures():
    assert languages.bracket_depth(b"f(a[1], {b: (2)}) + g()", limit=0) == 3  # the exact depth
    assert languages.bracket_depth(b"f(a[1], {b: (2)}) + g()") < languages.MAX_BRACKET_DEPTH
    deep = b"x = " + b"([{" * 300 + b"}])" * 300 + b" + " + b"(" * 10 + b")" * 10
    assert languages.bracket_depth(deep) == 900
    # closing brackets without openers (in strings, say) never make the depth negative
    assert languages.bracket_depth(b")" * 1000 + b"(" * 600) == 600
    text = deep_python(150).encode()
    assert languages.indent_levels(text) == 150
    # wide but shallow indentation is not deep: 4 levels of 40 columns
    wide = b"".join(b" " * (40 * i) + b"if x:\n" for i in range(5)) + b" " * 200 + b"pass\n"
    assert languages.indent_levels(wide) == 5
    # tabs count as 8 columns; dedenting pops levels
    tabs = b"if a:\n\tif b:\n\t\tpass\n\tpass\nz = 1\n" + b"".join(b"\t" * i + b"if x:\n" for i in range(120))
    assert languages.indent_levels(tabs) == 119


def test_indentation_is_measured_only_past_the_limit_in_blanks():
    limit = languages.MAX_INDENT_LEVELS
    # a first line (no line break before it) of tabs and spaces mixed, as wide as the limit
    assert languages.indent_levels(b" \t" * (limit // 2) + b"x = 1\n") == 1
    assert languages.indent_levels(b"x\n" + b"\t" * limit + b"y\n") == 1
    # one blank short of the limit on every line: not measured at all
    assert languages.indent_levels(b"if x:\n" + b" " * (limit - 1) + b"y\n") == 0
    assert languages.indent_levels(b"if x:\n" + b" \t" * ((limit - 1) // 2) + b" y\n") == 0
