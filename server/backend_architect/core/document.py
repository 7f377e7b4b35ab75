"""A text document and the one place where positions are converted.

Analysis works in UTF-8 byte offsets (what tree-sitter and libpg_query report).
LSP clients speak UTF-16 code units unless they negotiated UTF-8 or UTF-32.
Every conversion between the two goes through :class:`Document`.
"""

from __future__ import annotations

import bisect
import functools
from itertools import accumulate
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from .lazy_re import lazy

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"

# The only line breaks LSP knows. U+2028, U+0085, form feed and the other
# characters str.splitlines() breaks on are ordinary text.
LINE_BREAK_RE = lazy(r"\r\n|\r|\n")
_LINE_BREAK_BYTES_RE = lazy(rb"\r\n|\r|\n")

LANGUAGE_BY_SUFFIX = {
    ".sql": "sql",
    ".psql": "sql",
    ".pgsql": "sql",
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
}

LANGUAGE_ALIASES = {
    "sql": "sql",
    "pgsql": "sql",
    "postgres": "sql",
    "plpgsql": "sql",
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "go": "go",
    "rust": "rust",
}


def split_lines(text: str) -> list[str]:
    """The text's lines as LSP counts them (no empty line after a final line break)."""
    lines = LINE_BREAK_RE.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines if text else []


@functools.lru_cache(maxsize=8192)  # a run asks for each file's several times
def language_for_path(path: str) -> str | None:
    """The analysed language of a file, from its suffix (None when not analysed)."""
    return LANGUAGE_BY_SUFFIX.get(os.path.splitext(path)[1].lower())


def uri_to_path(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    parsed = urlparse(uri)
    if parsed.scheme not in ("file", ""):
        return uri
    return unquote(parsed.path)


def path_to_uri(path: str) -> str:
    if os.path.isabs(path):
        return _absolute_path_to_uri(path)
    return _absolute_path_to_uri(os.path.abspath(path))


# an absolute POSIX path that a file URI spells as it is (nothing to percent-encode)
_PLAIN_PATH_RE = re.compile(r"/(?!/)[A-Za-z0-9_.~/-]*")


@functools.lru_cache(maxsize=4096)  # every Document of a file asks (and pathlib is slow)
def _absolute_path_to_uri(path: str) -> str:
    path = os.path.abspath(path)
    if os.sep == "/":
        if _PLAIN_PATH_RE.fullmatch(path):
            return "file://" + path  # as pathlib writes it, without importing pathlib and urllib
        # as pathlib's as_uri spells a POSIX path (its bytes percent-encoded, "/" kept),
        # without building a Path of it; a folder's part is encoded once for all its files
        folder, _, name = path.rpartition("/")
        return _folder_uri(folder) + "/" + _quoted(name)
    from pathlib import Path

    return Path(path).as_uri()


@functools.lru_cache(maxsize=1024)
def _folder_uri(folder: str) -> str:
    return "file://" + _quoted(folder)


# the bytes a file URI's path keeps as they are (urllib.parse.quote's, and "/"); the others are
# percent-encoded, as quote_from_bytes does (without importing urllib: 3 ms of a run's start)
_URI_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/")


_PLAIN_PART_RE = re.compile(r"[A-Za-z0-9_.~/-]*")


def _quoted(part: str) -> str:
    if _PLAIN_PART_RE.fullmatch(part):
        return part
    safe = _URI_SAFE
    return "".join(chr(b) if b in safe else f"%{b:02X}" for b in os.fsencode(part))


@dataclass
class Document:
    """Text plus a UTF-8 line index.

    Lines end at ``\n``, ``\r\n`` or ``\r`` (as in LSP), nothing else.
    """

    text: str
    path: str = "<memory>"
    language: str | None = None
    version: int | None = None
    uri: str | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.language is None:
            self.language = language_for_path(self.path)
        if self.uri is None and self.path != "<memory>":
            self.uri = path_to_uri(self.path)

    @cached_property
    def data(self) -> bytes:
        # surrogatepass keeps lone surrogates (from a bad client) from raising.
        return self.text.encode("utf-8", "surrogatepass")

    @cached_property
    def line_starts(self) -> list[int]:
        data = self.data
        if b"\r" not in data:
            # split and accumulate run in C; a find() loop costs several ms on a 10,000-line file
            lengths = [len(line) + 1 for line in data.split(b"\n")]
            lengths.pop()
            return [0, *accumulate(lengths)]
        return [0, *(m.end() for m in _LINE_BREAK_BYTES_RE.finditer(data))]

    # -- conversions ---------------------------------------------------------

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def line_end(self, line: int) -> int:
        """Byte offset where ``line``'s text ends (before its line break)."""
        starts = self.line_starts
        if line + 1 >= len(starts):
            return len(self.data)
        end = starts[line + 1] - 1
        if end > starts[line] and self.data[end - 1 : end + 1] == b"\r\n":
            end -= 1
        return end

    def line_text(self, line: int) -> str:
        starts = self.line_starts
        if line < 0 or line >= len(starts):
            return ""
        return self.data[starts[line] : self.line_end(line)].decode("utf-8", "replace")

    def offset_to_position(self, offset: int, encoding: str = UTF16) -> tuple[int, int]:
        """UTF-8 byte offset -> (line, column) in the given encoding."""
        offset = max(0, min(offset, len(self.data)))
        line = self.line_of(offset)
        start = self.line_starts[line]
        data = self.data
        if offset > start:
            offset = min(offset, self.line_end(line))  # not between \r and \n
            while start < offset < len(data) and (data[offset] & 0xC0) == 0x80:
                offset -= 1  # not inside a character
        if encoding == UTF8:
            return line, offset - start
        raw = self.data[start:offset]
        if raw.isascii():  # the common case: one byte, one code unit
            return line, offset - start
        segment = raw.decode("utf-8", "surrogatepass")
        if encoding == UTF32:
            return line, len(segment)
        return line, _utf16_len(segment)

    def position_to_offset(self, line: int, column: int, encoding: str = UTF16) -> int:
        """(line, column) in the given encoding -> UTF-8 byte offset.

        As LSP asks: a column past the end of its line means the end of that line
        (never a character of the next one); a line past the end means the end of
        the document.
        """
        starts = self.line_starts
        if line < 0:
            return 0
        if line >= len(starts):
            return len(self.data)
        start = starts[line]
        end = self.line_end(line)
        column = max(column, 0)
        if encoding == UTF8:
            offset = min(start + column, end)
            while offset < end and (self.data[offset] & 0xC0) == 0x80:
                offset += 1  # inside a character: after it, as for half a UTF-16 surrogate pair
            return offset
        raw = self.data[start:end]
        if raw.isascii():
            return start + min(column, end - start)
        text = raw.decode("utf-8", "surrogatepass")
        prefix = text[:column] if encoding == UTF32 else _utf16_prefix(text, column)
        return start + len(prefix.encode("utf-8", "surrogatepass"))

    def offset_of_char(self, char_index: int) -> int:
        """Python str index -> UTF-8 byte offset."""
        return len(self.text[:char_index].encode("utf-8", "surrogatepass"))

    def char_of_offset(self, offset: int) -> int:
        return len(self.data[:offset].decode("utf-8", "surrogatepass"))


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _utf16_prefix(text: str, units: int) -> str:
    if text.isascii():
        return text[: max(units, 0)]
    count = 0
    for i, ch in enumerate(text):
        if count >= units:
            return text[:i]
        count += 2 if ord(ch) > 0xFFFF else 1
    return text


def apply_edits(text: str, edits) -> str:
    """Apply byte-offset edits (objects with start, end, new_text) to text.

    Edits must not overlap; they are applied from the end so offsets stay valid.
    """
    data = text.encode("utf-8", "surrogatepass")
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        data = data[: edit.start] + edit.new_text.encode("utf-8") + data[edit.end :]
    return data.decode("utf-8", "surrogatepass")
