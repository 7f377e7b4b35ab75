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
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "benchmarks"))
from lsp_sync import ENCODINGS, ClientText, SyncMachine, SyncSession, change_json, check_full, check_sync  # noqa: E402

_counter = itertools.count()


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

