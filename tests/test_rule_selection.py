"""Rules measured under 70% precision on real code are off unless selected by their code."""

from __future__ import annotations

import re

from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint
from backend_architect.core.registry import all_rules

OFF = [r for r in all_rules() if not r.default_enabled]

VERB_ROUTE = '''\
from fastapi import APIRouter

router = APIRouter()


@router.post("/users/create")
async def create_user(name: str):
    return {"name": name}
'''


def test_some_rules_are_off_by_default_and_say_why():
    assert OFF, "no rule is off by default"
    for rule in OFF:
        assert re.search(r"[Oo]ff by default", rule.doc()), rule.code
        assert re.search(r"\d+% precision|precision\D{0,20}\d+", rule.doc()), \
            f"{rule.code} does not state its measured precision"


def test_all_and_prefixes_leave_them_off_and_an_explicit_code_turns_them_on():
    for rule in OFF:
        assert not Settings().rule_enabled(rule.code)
        assert not Settings(select=("ALL",), extend_select=("MG",)).rule_enabled(rule.code)
        assert Settings(select=(rule.code,)).rule_enabled(rule.code)
        assert not Settings(extend_select=(rule.code[:-3],)).rule_enabled(rule.code)
        assert Settings(extend_select=(rule.code,)).rule_enabled(rule.code)
        assert not Settings(select=(rule.code,), ignore=(rule.code,)).rule_enabled(rule.code)
    on = next(r for r in all_rules() if r.default_enabled)
    assert Settings().rule_enabled(on.code)


def test_lint_honours_the_default():
    doc = Document(VERB_ROUTE, path="app/users.py")
    assert "API001" not in {f.code for f in lint(doc, Settings()).findings}
    assert "API001" in {f.code for f in lint(doc, Settings(select=("API001",))).findings}


def test_check_reads_the_schema_exactly_when_a_selected_rule_declares_it():
    """A rule says it reads the schema (``needs_catalog`` / ``reads_schema``); nothing
    else needs to know its code."""
    from backend_architect.cli import _wants_catalog
    from backend_architect.config import Settings, from_mapping
    from backend_architect.core.registry import all_rules

    readers = {r.code for r in all_rules() if r.needs_catalog or r.reads_schema}
    assert {"QO001", "IX001", "SD003"} <= readers and "MG001" not in readers
    for code, expected in (("QO001", True), ("SD003", True), ("MG001", False)):
        settings, warnings = from_mapping({"select": [code]}, Settings())
        assert not warnings
        assert _wants_catalog(settings) is expected, code
