"""Rules too noisy on real code are off by default and run only when selected by code."""

from __future__ import annotations

from backend_architect.config import Settings, from_mapping
from backend_architect.core.document import Document
from backend_architect.core.engine import lint
from backend_architect.core.registry import all_rules, off_by_default, rule_by_code


def test_off_by_default_rules_say_so_and_give_their_precision():
    off = off_by_default()
    assert off, "expected at least one rule off by default"
    for code in off:
        rule = rule_by_code(code)
        assert rule is not None and not rule.default_enabled
        assert "precision" in rule.doc().lower(), f"{code} must document its measured precision"


def test_off_by_default_rule_runs_only_when_selected_by_code():
    code = sorted(off_by_default())[0]
    prefix = code[:2]
    assert not Settings().rule_enabled(code)
    assert not Settings(select=(prefix,)).rule_enabled(code)
    assert Settings(select=(code,)).rule_enabled(code)
    settings, warnings = from_mapping({"extend-select": [code]}, Settings())
    assert not warnings and settings.rule_enabled(code)
    assert not Settings(extend_select=(code,), ignore=(code,)).rule_enabled(code)
    # rules on by default are unaffected
    on = next(r.code for r in all_rules() if r.default_enabled)
    assert Settings().rule_enabled(on)


def test_varchar_length_is_silent_unless_selected():
    text = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);\n"
    doc = Document(text, path="/ws/migrations/0001_users.sql")
    assert "SD004" not in {f.code for f in lint(doc, Settings()).findings}
    settings, _ = from_mapping({"extend-select": ["SD004"]}, Settings())
    assert "SD004" in {f.code for f in lint(doc, settings).findings}
