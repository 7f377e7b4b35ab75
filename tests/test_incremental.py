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


def test_joining_a_comment_with_the_next_line_takes_in_the_statements_it_swallows():
    settings = Settings()
    text = "-- page\nDELETE FROM users WHERE id = 1;CREATE INDEX i ON t (a);\n"
    first = lint(Document(text, path="/ws/query.sql"), settings)
    assert [f.code for f in first.findings] == ["MG001"]
    joined = text.replace("page\n", "page", 1)  # the comment now runs to the end of the line
    second = lint(Document(joined, path="/ws/query.sql", version=2), settings, previous=first)
    assert second.findings == [] == lint(Document(joined, path="/ws/query.sql"), settings).findings


# -- incremental == full, as a property over every kind of document ----------------------

from hypothesis import HealthCheck, settings as hsettings, strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test  # noqa: E402
from lsp_sync import SEEDS, ClientText, changes  # noqa: E402


class IncrementalMachine(RuleBasedStateMachine):
    """Edits to SQL, migration, Python, TypeScript and Go documents; after each, the
    result re-using the previous one equals a fresh analysis of the text."""

    @initialize(rel=st.sampled_from(sorted(SEEDS)))
    def open_document(self, rel):
        self.path = f"/ws/{rel}"
        self.client = ClientText(SEEDS[rel])
        self.settings = Settings()
        self.version = 1
        self.result = lint(Document(self.client.text, path=self.path, version=1), self.settings)

    @rule(data=st.data())
    def edit(self, data):
        rng, text = data.draw(changes(self.client))
        self.client.apply(rng, text)
        self.version += 1
        doc = Document(self.client.text, path=self.path, version=self.version)
        self.result = lint(doc, self.settings, previous=self.result)

    @invariant()
    def same_as_full(self):
        if hasattr(self, "result"):
            full = lint(Document(self.client.text, path=self.path), self.settings, cache=False)
            assert _key(self.result.findings) == _key(full.findings)


def test_incremental_equals_full_after_any_edits():
    run_state_machine_as_test(
        IncrementalMachine,
        settings=hsettings(max_examples=40, stateful_step_count=15, deadline=None,
                           suppress_health_check=list(HealthCheck), database=None),
    )


MIGRATION_WITH_INDEX = (
    "CREATE INDEX idx_posts_user ON posts (user_id);\n"
    "ALTER TABLE posts ADD CONSTRAINT posts_author_fkey FOREIGN KEY (author_id) REFERENCES users (id);\n"
)


SETTINGS = Settings()  # one object: a result is re-used only under the same settings


def _codes(text: str, path: str, previous=None):
    result = lint(Document(text, path=path), SETTINGS, previous=previous)
    return {f.code for f in result.findings}


def test_a_name_comment_does_not_turn_a_migration_into_a_query_file():
    path = "/ws/migrations/0002_index.sql"
    before = lint(Document(MIGRATION_WITH_INDEX, path=path), SETTINGS)
    assert "MG004" in {f.code for f in before.findings}
    text = "-- name: ListPosts :many\n" + MIGRATION_WITH_INDEX
    assert "MG004" in _codes(text, path)
    assert "MG004" in _codes(text, path, previous=before)  # the same answer after an edit


def test_named_queries_outside_migrations_get_no_migration_rules():
    text = "-- name: ListPosts :many\n" + MIGRATION_WITH_INDEX
    assert "MG004" not in _codes(text, "/ws/db/query.sql")
    assert "MG004" not in _codes(text, "/ws/queries/posts.sql")
    assert "MG004" in _codes(MIGRATION_WITH_INDEX, "/ws/db/schema_change.sql")


BACKFILL = "SELECT 1;\nUPDATE posts SET flag = true;\nSELECT 2;\n"  # MG018, a migration rule, on a statement that is not DDL


def test_adding_a_name_comment_outside_migrations_is_seen_incrementally():
    path = "/ws/db/posts.sql"
    before = lint(Document(BACKFILL, path=path), SETTINGS)
    assert "MG018" in {f.code for f in before.findings}
    after = BACKFILL + "-- name: ListPosts :many\n"
    assert _codes(after, path, previous=before) == _codes(after, path)
    assert "MG018" not in _codes(after, path)


def test_adding_a_down_marker_is_seen_incrementally():
    path = "/ws/migrations/0003.sql"
    text = "-- +goose Up\nSELECT 1;\n-- +goose Dow\n" + BACKFILL
    before = lint(Document(text, path=path), SETTINGS)
    assert "MG018" in {f.code for f in before.findings}
    after = text.replace("-- +goose Dow", "-- +goose Down")
    assert lint(Document(after, path=path), SETTINGS, previous=before).incremental  # statements re-used...
    assert _codes(after, path, previous=before) == _codes(after, path)  # ...but not their findings
    assert "MG018" not in _codes(after, path)  # a rollback is not a deploy
