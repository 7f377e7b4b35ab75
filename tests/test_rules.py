"""Every rule over its fixtures: inline expectations, a snapshot, and the fix harness."""

from __future__ import annotations

import os

import pytest

from backend_architect.core.document import Document
from backend_architect.core.engine import fix_document, lint
from backend_architect.core.registry import rule_by_code

from harness import SNAPSHOTS, Fixture, expected_lines, fixtures, parse_errors, render, settings_for

UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
ALL = fixtures()


@pytest.mark.parametrize("fixture", ALL, ids=[f.id for f in ALL])
def test_rule_fixture(fixture: Fixture):
    rule = rule_by_code(fixture.code)
    assert rule is not None, f"fixture {fixture.id} names unknown rule {fixture.code}"
    text = fixture.path.read_text(encoding="utf-8")
    doc = Document(text, path=str(fixture.path))
    settings = settings_for(text)
    result = lint(doc, settings)
    assert not result.errors, result.errors
    mine = [f for f in result.findings if f.code == fixture.code]
    got = sorted(doc.line_of(f.start) + 1 for f in mine)
    assert got == expected_lines(doc, fixture.code), render(doc, mine)

    # snapshot of the rendered findings and of the fixed text
    fixed = fix_document(doc, settings, safe_only=False, codes={fixture.code})
    rendered = render(doc, mine) + "\n\n--- fixed ---\n" + fixed.text
    snap = SNAPSHOTS / (fixture.path.name + ".snap")
    if UPDATE or not snap.exists():
        snap.write_text(rendered, encoding="utf-8")
    assert rendered == snap.read_text(encoding="utf-8"), f"snapshot {snap.name} differs (UPDATE_SNAPSHOTS=1 to accept)"


@pytest.mark.parametrize("fixture", ALL, ids=[f.id for f in ALL])
def test_fixes_converge_parse_and_silence_the_rule(fixture: Fixture):
    text = fixture.path.read_text(encoding="utf-8")
    doc = Document(text, path=str(fixture.path))
    settings = settings_for(text)
    before = lint(doc, settings)
    fixable = [f for f in before.findings if f.code == fixture.code and f.fix]
    if not fixable:
        pytest.skip(f"{fixture.code} offers no fix in this fixture")
    fixed = fix_document(doc, settings, safe_only=False, codes={fixture.code})
    assert fixed.converged, f"fixes for {fixture.code} never converged"
    assert parse_errors(fixed.text, doc.language) <= parse_errors(text, doc.language), fixed.text
    after = lint(Document(fixed.text, path=str(fixture.path)), settings)
    still = [f for f in after.findings if f.code == fixture.code and f.fix]
    assert not still, f"{fixture.code} still fires after its fix:\n" + render(Document(fixed.text), still)
    unfixable_before = len([f for f in before.findings if f.code == fixture.code and not f.fix])
    remaining = len([f for f in after.findings if f.code == fixture.code])
    assert remaining <= unfixable_before


def test_every_rule_has_a_fixture():
    from backend_architect.core.registry import all_rules

    covered = {f.code for f in ALL}
    missing = [r.code for r in all_rules() if r.code not in covered]
    assert not missing, f"rules without a fixture: {missing}"
