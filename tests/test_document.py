"""Positions: UTF-8 bytes <-> UTF-16 / UTF-32 / UTF-8 columns, in one place."""

from __future__ import annotations

import pytest

from backend_architect.core.document import UTF8, UTF16, UTF32, Document, apply_edits
from backend_architect.core.findings import Edit

TEXT = "ab\n😀 数据 x\r\nlast"


@pytest.mark.parametrize(
    "char_index, expected",
    [
        # (line, utf16 col, utf32 col, utf8 col)
        (0, (0, 0, 0, 0)),
        (3, (1, 0, 0, 0)),  # start of line 1
        (4, (1, 2, 1, 4)),  # after the emoji: 2 UTF-16 units, 1 code point, 4 bytes
        (5, (1, 3, 2, 5)),
        (7, (1, 5, 4, 11)),  # after the two CJK characters (3 bytes each)
        (9, (1, 7, 6, 13)),  # after the "x", before "\r"
    ],
)
def test_offset_to_position(char_index, expected):
    doc = Document(TEXT)
    offset = doc.offset_of_char(char_index)
    line, u16, u32, u8 = expected
    assert doc.offset_to_position(offset, UTF16) == (line, u16)
    assert doc.offset_to_position(offset, UTF32) == (line, u32)
    assert doc.offset_to_position(offset, UTF8) == (line, u8)
    assert doc.position_to_offset(line, u16, UTF16) == offset
    assert doc.position_to_offset(line, u32, UTF32) == offset
    assert doc.position_to_offset(line, u8, UTF8) == offset


def test_positions_past_the_end_are_clamped():
    doc = Document(TEXT)
    assert doc.position_to_offset(99, 0) == len(doc.data)
    assert doc.position_to_offset(0, 99) == 2  # end of "ab"
    assert doc.offset_to_position(10_000) == (2, 4)


def test_crlf_lines_and_line_text():
    doc = Document(TEXT)
    assert doc.line_text(1) == "😀 数据 x"
    assert doc.line_of(doc.offset_of_char(len(TEXT))) == 2


def test_apply_edits_in_bytes():
    doc = Document(TEXT)
    x = doc.offset_of_char(8)
    assert apply_edits(TEXT, [Edit(x, x + 1, "y"), Edit(0, 0, ">")]) == ">ab\n😀 数据 y\r\nlast"


# -- LSP line breaks and positions, against a model of the client written from the spec --

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from lsp_sync import ENCODINGS, LSP_BREAKS, NOT_BREAKS, WIDE, ClientText, pieces, positions  # noqa: E402

from backend_architect.core.findings import minimal_edit  # noqa: E402

ENC = {"utf-16": UTF16, "utf-8": UTF8, "utf-32": UTF32}


@pytest.mark.parametrize("sep", NOT_BREAKS)
def test_only_lsp_line_breaks_end_a_line(sep):
    doc = Document(f"a{sep}b\nc")
    assert len(doc.line_starts) == 2
    assert doc.line_text(0) == f"a{sep}b"
    assert doc.position_to_offset(1, 0) == len(f"a{sep}b\n".encode())


@pytest.mark.parametrize("sep", LSP_BREAKS)
def test_each_lsp_line_break_ends_a_line(sep):
    doc = Document(f"ab{sep}cd{sep}")
    assert len(doc.line_starts) == 3
    assert doc.line_text(0) == "ab" and doc.line_text(1) == "cd" and doc.line_text(2) == ""
    # a column past the end of a line is the end of that line, never the next one
    assert doc.position_to_offset(0, 50) == 2
    assert doc.offset_to_position(3) == ((0, 2) if sep == "\r\n" else (1, 0))


documents = st.lists(pieces, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), text=documents, encoding=st.sampled_from(ENCODINGS))
def test_positions_agree_with_the_client(data, text, encoding):
    client = ClientText(text, encoding)
    doc = Document(text)
    line, character = data.draw(positions(client))
    index = client.index(line, character)
    offset = doc.position_to_offset(line, character, ENC[encoding])
    assert offset == len(text[:index].encode("utf-8"))
    # and back: every character boundary maps to the position the client gives it
    assert doc.offset_to_position(offset, ENC[encoding]) == client.position(index)
    assert len(doc.line_starts) == len(client.lines())


@settings(max_examples=300, deadline=None)
@given(old=documents, new=documents)
def test_minimal_edit_keeps_characters_whole(old, new):
    edit = minimal_edit(old, new)
    assert apply_edits(old, [edit]) == new
    data = old.encode("utf-8")
    data[: edit.start].decode("utf-8")  # both ends lie between characters
    data[edit.end :].decode("utf-8")


def test_minimal_edit_does_not_cut_a_shared_leading_byte():
    # 表 (E8 A1 A8) and the removed noqa: the old bug cut 表 after its first byte
    old = "表#noqa:IV010\n"
    edit = minimal_edit(old, "表\n")
    assert apply_edits(old, [edit]) == "表\n"
    assert minimal_edit("表", "衣") == Edit(0, 3, "衣")  # same first byte E8
    assert minimal_edit("a😀", "a😃") == Edit(1, 5, "😃")  # same first three bytes
