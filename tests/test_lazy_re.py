"""Patterns compiled on first use (core.lazy_re): they answer as the compiled pattern does."""

from __future__ import annotations

import re

import pytest

from backend_architect.core.lazy_re import lazy


def test_a_lazy_pattern_answers_every_method_as_the_compiled_one():
    source, flags = r"(?P<word>\b[a-z]+)(\d*)", re.I
    text = "Alpha1 beta22 GAMMA gamma3"
    lazy_one, compiled = lazy(source, flags), re.compile(source, flags)
    for name, args in (
        ("search", (text,)),
        ("match", (text,)),
        ("fullmatch", ("beta22",)),
        ("findall", (text,)),
        ("split", (text,)),
        ("sub", (r"<\1>", text)),
        ("subn", (r"<\g<word>>", text, 2)),
        ("search", (text, 7, 12)),
    ):
        got, want = getattr(lazy_one, name)(*args), getattr(compiled, name)(*args)
        if isinstance(want, re.Match):
            assert got is not None and got.span() == want.span() and got.groups() == want.groups()
        else:
            assert got == want, name
    assert [m.span() for m in lazy_one.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert (lazy_one.pattern, lazy_one.flags, lazy_one.groups, lazy_one.groupindex) == (
        compiled.pattern,
        compiled.flags,
        compiled.groups,
        compiled.groupindex,
    )


def test_bytes_patterns_and_flags_are_kept():
    pattern = lazy(rb"^\s*--\s*\+goose\s+up\b", re.I | re.M)
    assert pattern.search(b"SELECT 1;\n  -- +goose Up\n") is not None
    assert pattern.findall(b"-- +GOOSE UP\n--+goose up") == [b"-- +GOOSE UP", b"--+goose up"]


def test_a_pattern_is_compiled_when_first_used_not_when_defined():
    broken = lazy(r"(unclosed")  # defining it costs nothing, not even a syntax check
    assert broken.pattern == "(unclosed"  # nor does reading its source (to build another pattern)
    with pytest.raises(re.error):
        broken.search("x")
    assert "unclosed" in repr(broken)


def test_a_lazy_pattern_pickles_and_copies_as_its_definition():
    import copy
    import pickle

    pattern = lazy(r"\bselect\b", re.I)
    assert pattern.search("SELECT 1") is not None  # compiled: its methods are bound in it
    for other in (pickle.loads(pickle.dumps(pattern)), copy.deepcopy(pattern), copy.copy(pattern)):
        assert other.findall("select Select x") == ["select", "Select"]
        assert other.pattern == pattern.pattern
