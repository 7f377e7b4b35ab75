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
