"""Every rule over its fixtures: inline expectations, a snapshot, and the fix harness."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from backend_architect.core.document import Document
from backend_architect.core.engine import fix_document, lint
from backend_architect.core.registry import rule_by_code

from harness import SNAPSHOTS, Fixture, expected_lines, fixtures, parse_errors, render, settings_for

UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
ALL = fixtures()
# A rule declares that it has a fix by its fix_title (as ruff's fix availability):
# only those rules' fixtures go through the fix harness; test_fix_declaration holds
# every rule to its declaration.
WITH_FIX = [f for f in ALL if (rule_by_code(f.code) is not None and rule_by_code(f.code).fix_title)]


@pytest.mark.parametrize("fixture", ALL, ids=[f.id for f in ALL])
def test_rule_fixture(fixture: Fixture, tmp_path):
    rule = rule_by_code(fixture.code)
    assert rule is not None, f"fixture {fixture.id} names unknown rule {fixture.code}"
    text = fixture.path.read_text(encoding="utf-8")
    doc = Document(text, path=str(fixture.path))
    settings = settings_for(text, fixture.code)
    catalog = fixture.catalog()
    before = fixture.catalog_before(tmp_path)
    result = lint(doc, settings, catalog, catalog_before=before)
    assert not result.errors, result.errors
    mine = [f for f in result.findings if f.code == fixture.code]
    got = sorted(doc.line_of(f.start) + 1 for f in mine)
    assert got == expected_lines(doc, fixture.code), render(doc, mine)

    # snapshot of the rendered findings and of the fixed text
    fixed = fix_document(doc, settings, catalog, safe_only=False, codes={fixture.code}, catalog_before=before)
    rendered = render(doc, mine) + "\n\n--- fixed ---\n" + fixed.text
    for nf in fixed.new_files:  # created files, named relative to the workspace
        rel = os.path.relpath(nf.path, fixture.workspace) if fixture.workspace and os.path.isabs(nf.path) else nf.path
        rendered += f"\n--- new file {_stable_name(rel)} ---\n{nf.text}"
    snap = SNAPSHOTS / fixture.snapshot_name
    if UPDATE or not snap.exists():
        snap.write_text(rendered, encoding="utf-8")
    assert rendered == snap.read_text(encoding="utf-8"), f"snapshot {snap.name} differs (UPDATE_SNAPSHOTS=1 to accept)"


def _stable_name(rel: str) -> str:
    """A created migration's name with its timestamp or sequence number masked (it depends on the clock)."""
    return re.sub(r"\d{4}-\d{2}-\d{2}-\d{6}|\d{12,14}", "<timestamp>", rel.replace(os.sep, "/"))


@pytest.mark.parametrize("fixture", WITH_FIX, ids=[f.id for f in WITH_FIX])
def test_fixes_converge_parse_and_silence_the_rule(fixture: Fixture, tmp_path):
    if fixture.workspace is not None:
        return _check_workspace_fix(fixture, tmp_path)
    text = fixture.path.read_text(encoding="utf-8")
    doc = Document(text, path=str(fixture.path))
    settings = settings_for(text, fixture.code)
    before = lint(doc, settings)
    fixable = [f for f in before.findings if f.code == fixture.code and f.fix]
    if not fixable:  # e.g. only valid cases, or cases the rule cannot fix: fixing changes nothing
        return _assert_fix_changes_nothing(doc, settings, fixture)
    fixed = fix_document(doc, settings, safe_only=False, codes={fixture.code})
    assert fixed.converged, f"fixes for {fixture.code} never converged"
    assert parse_errors(fixed.text, doc.language) <= parse_errors(text, doc.language), fixed.text
    after = lint(Document(fixed.text, path=str(fixture.path)), settings)
    still = [f for f in after.findings if f.code == fixture.code and f.fix]
    assert not still, f"{fixture.code} still fires after its fix:\n" + render(Document(fixed.text), still)
    unfixable_before = len([f for f in before.findings if f.code == fixture.code and not f.fix])
    remaining = len([f for f in after.findings if f.code == fixture.code])
    assert remaining <= unfixable_before


def _assert_fix_changes_nothing(doc: Document, settings, fixture: Fixture, catalog=None) -> None:
    fixed = fix_document(doc, settings, catalog, safe_only=False, codes={fixture.code})
    assert fixed.text == doc.text and not fixed.new_files, f"{fixture.code} rewrote a file with no fix offered"


def _fixable_findings(code: str) -> int:
    """Findings of ``code`` that carry a fix, over every fixture of that rule."""
    count = 0
    for fixture in (f for f in ALL if f.code == code):
        text = fixture.path.read_text(encoding="utf-8")
        result = lint(Document(text, path=str(fixture.path)), settings_for(text, code), fixture.catalog())
        count += sum(1 for f in result.findings if f.code == code and f.fix)
    return count


def _rule_codes() -> list[str]:
    from backend_architect.core.registry import all_rules

    return [r.code for r in all_rules()]


@pytest.mark.parametrize("code", _rule_codes())
def test_fix_declaration(code: str):
    """A rule with a fix_title fixes at least one fixture case; a rule without one never offers a fix."""
    rule = rule_by_code(code)
    fixable = _fixable_findings(code)
    if rule.fix_title:
        assert fixable > 0, f"{code} declares the fix {rule.fix_title!r} but offers it on no fixture case"
    else:
        assert fixable == 0, f"{code} offers fixes ({fixable} in its fixtures) but declares none (set fix_title)"


def test_every_rule_has_a_fixture():
    from backend_architect.core.registry import all_rules

    covered = {f.code for f in ALL}
    missing = [r.code for r in all_rules() if r.code not in covered]
    assert not missing, f"rules without a fixture: {missing}"


def _check_workspace_fix(fixture: Fixture, tmp_path):
    """On a copy of the workspace: apply the fixes, write the files they create,
    check each parses, rebuild the catalog with them and check the finding is gone."""
    root = tmp_path / fixture.workspace.name
    shutil.copytree(fixture.workspace, root)
    path = root / fixture.path.relative_to(fixture.workspace)
    text = path.read_text(encoding="utf-8")
    settings = settings_for(text, fixture.code)
    doc = Document(text, path=str(path))
    before = lint(doc, settings, fixture.catalog(root), catalog_before=fixture.catalog_before(root, path))
    fixable = [f for f in before.findings if f.code == fixture.code and f.fix]
    if not fixable:
        return _assert_fix_changes_nothing(doc, settings, fixture, fixture.catalog(root))
    fixed = fix_document(doc, settings, fixture.catalog(root), safe_only=False, codes={fixture.code},
                         catalog_before=fixture.catalog_before(root, path))
    assert fixed.converged, f"fixes for {fixture.code} never converged"
    assert parse_errors(fixed.text, "sql") <= parse_errors(text, "sql"), fixed.text
    path.write_text(fixed.text, encoding="utf-8")
    for nf in fixed.new_files:
        target = Path(nf.path if os.path.isabs(nf.path) else os.path.join(path.parent, nf.path))
        assert root in target.parents, f"{fixture.code} creates {target} outside the workspace"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(nf.text, encoding="utf-8")
        if target.suffix == ".sql":
            assert nf.text.strip() == "" and target.name.endswith("down.sql") or pglast_parses(nf.text), nf.text
    after = lint(Document(fixed.text, path=str(path)), settings, fixture.catalog(root),
                 catalog_before=fixture.catalog_before(root, path))
    still = [f for f in after.findings if f.code == fixture.code and f.fix]
    assert not still, f"{fixture.code} still fires once its migration is in the catalog:\n" + render(Document(fixed.text), still)
    unfixable_before = len([f for f in before.findings if f.code == fixture.code and not f.fix])
    assert len([f for f in after.findings if f.code == fixture.code]) <= unfixable_before


def pglast_parses(sql: str) -> bool:
    import pglast

    try:
        return bool(pglast.parse_sql(sql))
    except pglast.parser.ParseError:
        return False
