"""Incremental re-analysis gives exactly the findings of a full analysis."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from backend_architect.config import Settings
from backend_architect.core.document import Document
from backend_architect.core.engine import lint

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from gen_sql import generate  # noqa: E402

EDITS = [
    "x", ";", "'", "$$", "--", "/*", " ", "\n", "SELECT * FROM t;", "CREATE INDEX i ON t (a);", "BEGIN;", "COMMIT;",
    "", "NOT IN (SELECT a FROM b)",
]


def _key(findings):
    return [(f.code, f.start, f.end, f.message, f.fix.to_json() if f.fix else None) for f in findings]


@pytest.mark.parametrize("seed", range(12))
def test_random_edits_match_a_full_analysis(seed: int):
    rng = random.Random(seed)
    settings = Settings()
    text = generate(300, seed=seed)
    doc = Document(text, path="/ws/migrations/0001.sql", version=1)
    result = lint(doc, settings)
    incremental_runs = 0
    for version in range(2, 40):
        pos = rng.randrange(len(text) + 1)
        end = min(len(text), pos + rng.choice([0, 0, 1, 3, 20]))
        text = text[:pos] + rng.choice(EDITS) + text[end:]
        doc = Document(text, path="/ws/migrations/0001.sql", version=version)
        result = lint(doc, settings, previous=result)
        incremental_runs += result.incremental
        full = lint(Document(text, path="/ws/migrations/0001.sql"), settings)
        assert _key(result.findings) == _key(full.findings), f"edit {version} at {pos}"
    assert incremental_runs >= 1  # the incremental path is exercised (edits touching DDL fall back)


def test_an_edit_inside_one_statement_is_incremental():
    settings = Settings()
    text = generate(2000)
    first = lint(Document(text, path="/ws/q.sql"), settings)
    pos = text.index("SELECT", len(text) // 2)
    second = lint(Document(text[:pos] + " " + text[pos:], path="/ws/q.sql"), settings, previous=first)
    assert second.incremental
    assert len(second.findings) == len(first.findings)
