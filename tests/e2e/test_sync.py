"""Document sync against the real server over stdio, as a property.

Documents mix every kind of separator (LSP's three line breaks and the characters
that only look like one) with multi-byte and astral characters; random edits go to
the server in every position encoding. After every edit the server's text equals
the editor's, its diagnostics are for the current version and lie inside the
document; at the end a fresh analysis of the final text publishes the same
diagnostics. ``benchmarks/fuzz_sync.py`` runs the same machine for long.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "benchmarks"))
from lsp_sync import (  # noqa: E402
    ENCODINGS,
    SEEDS,
    ClientText,
    SyncSession,
    change_json,
    changes,
    check_full,
    check_sync,
)

_counter = itertools.count()


class SyncMachine(RuleBasedStateMachine):
    """One open document per run; ``session`` is set by the test that runs the machine."""

    session: SyncSession

    @initialize(rel=st.sampled_from(sorted(SEEDS)))
    def open_document(self, rel):
        n = next(_counter)
        folder, name = rel.rsplit("/", 1) if "/" in rel else ("", rel)
        self.rel = f"{folder}/{n}_{name}".lstrip("/") if folder else f"run{n}/{name}"
        self.client = ClientText(SEEDS[rel], self.session.encoding)
        self.version = 1
        self.uri = self.session.open(self.rel, self.client.text, self.version)
        self.diags = check_sync(self.session, self.uri, self.client, self.version)

    @rule(data=st.data(), count=st.integers(1, 3))
    def edit(self, data, count):
        batch = []
        for _ in range(count):  # the changes of one didChange apply one after the other
            rng, text = data.draw(changes(self.client))
            self.client.apply(rng, text)
            batch.append(change_json(rng, text))
        self.version += 1
        self.session.change(self.uri, self.version, batch)

    @invariant()
    def in_sync(self):
        if hasattr(self, "uri"):
            self.diags = check_sync(self.session, self.uri, self.client, self.version)

    def teardown(self):
        if hasattr(self, "uri"):
            check_full(self.session, self.uri, self.rel, self.client, self.version, self.diags)
            self.session.close_doc(self.uri)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    opened: dict[str, SyncSession] = {}

    def get(encoding: str) -> SyncSession:
        if encoding not in opened:
            opened[encoding] = SyncSession(tmp_path_factory.mktemp(encoding), encoding)
        return opened[encoding]

    yield get
    for s in opened.values():
        s.close()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_random_edits_keep_the_server_in_sync(sessions, encoding):
    SyncMachine.session = sessions(encoding)
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )


def test_form_feed_is_not_a_line_break(sessions):
    """Deleting the WHERE clause on the line after a form feed is seen where the editor made it."""
    session = sessions("utf-16")
    text = "-- page\fbreak\nDELETE FROM users WHERE id = 1;\n"
    client = ClientText(text)
    uri = session.open("ff/query.sql", text)
    check_sync(session, uri, client, 1)
    rng = ((1, 17), (1, 30))
    client.apply(rng, "")
    assert client.text == "-- page\fbreak\nDELETE FROM users;\n"
    session.change(uri, 2, [change_json(rng, "")])
    diags = check_sync(session, uri, client, 2)
    assert "QO002" in {d["code"] for d in diags}
    check_full(session, uri, "ff/query.sql", client, 2, diags)


@pytest.mark.parametrize(
    "text,rng,expected",
    [
        ("a\u2028b\nc", ((0, 2), (0, 3)), "a\u2028\nc"),  # U+2028 is text: column 2 is before "b"
        ("ab\r\ncd", ((0, 9), (1, 1)), "abd"),  # past the end of line 0: its end, not into "\r\n"
        ("ab\rcd", ((1, 0), (1, 1)), "ab\rd"),  # a lone \r ends a line
        ("😀x\n", ((0, 2), (0, 3)), "😀\n"),  # an astral character is two UTF-16 units
        ("ab\n", ((7, 0), (9, 0)), "ab\n!"),  # a line past the end is the end of the document
    ],
)
def test_positions_follow_the_spec(sessions, text, rng, expected):
    session = sessions("utf-16")
    uri = session.open(f"spec{next(_counter)}/q.sql", text)
    new = "!" if rng[0][0] >= 7 else ""
    session.change(uri, 2, [change_json(rng, new)])
    assert session.text(uri) == expected
    client = ClientText(text)
    client.apply(rng, new)
    assert client.text == expected  # the test's model agrees with the spec examples
    session.close_doc(uri)

