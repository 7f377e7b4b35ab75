"""Rule metadata: unique codes, documented, every rule reachable from the README."""

from __future__ import annotations

import re
from pathlib import Path

from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import COMMANDS, DOC_SECTIONS, PREFIXES, all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_codes_are_unique_and_follow_the_command_prefix():
    rules = all_rules()
    codes = [r.code for r in rules]
    assert len(codes) == len(set(codes))
    for r in rules:
        assert r.command in COMMANDS or r.command == "GENERAL", r
        prefix = PREFIXES[r.command]
        assert re.fullmatch(rf"{prefix}[0-9]{{3}}", r.code), f"{r.code} should be {prefix} + 3 digits"


def test_names_are_unique_kebab_case():
    names = [r.name for r in all_rules()]
    assert len(names) == len(set(names))
    for n in names:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n), n


def test_every_rule_documents_itself():
    for r in all_rules():
        sections = r.doc_sections()
        for section in DOC_SECTIONS:
            assert sections.get(section), f"{r.code} lacks a non-empty '## {section}' section"
        assert "```" in sections["Example"] and "```" in sections["Use instead"], r.code
        assert isinstance(r.severity, Severity)
        assert isinstance(r.fix_safety, Applicability)
        assert r.message and r.languages


def test_readme_rule_table_is_current():
    from backend_architect.cli import rules_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- rules:start -->\n(.*?)\n<!-- rules:end -->", readme, re.S)
    assert m, "README.md lacks the <!-- rules:start --> ... <!-- rules:end --> block"
    assert m.group(1).strip() == rules_table().strip(), "README rule table is stale: run `make rules-table`"


def test_rules_doc_page_is_current():
    from backend_architect.cli import rules_doc

    page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert page == rules_doc(), "docs/rules.md is stale: run `make rules-table`"
    for r in all_rules():
        # the diagnostics' codeDescription links point at these headings
        assert f"\n## {r.code} {r.name}\n" in page
        assert r.doc_url().endswith(f"#{r.code.lower()}-{r.name}")
