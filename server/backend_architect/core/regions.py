"""SQL regions: the SQL found in a document, cleaned for parsing, with an offset map.

A region is SQL text plus a map from its UTF-8 byte offsets back to byte
offsets in the host document. A ``.sql`` file is one region; a string literal
holding SQL in Python, TypeScript or Go is another (its escapes decoded).

Real SQL is messy, so the text handed to the parser is cleaned first:
- ``{{ .Schema }}`` / ``{{ index .Options "x" }}`` (Go templates, Jinja
  expressions) and ``${schema}`` (Flyway and Liquibase placeholders) become the
  identifier ``__tmpl__`` (a placeholder name);
- ``{% ... %}`` and ``{# ... #}`` blocks and psql meta-commands (``\\connect``)
  become blanks;
- driver placeholders ``%s``, ``%(name)s``, ``:name``, ``?`` become ``$n``.
The map records every replacement so positions still point at the user's text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from .lazy_re import lazy

PLACEHOLDER_SCHEMA = "__tmpl__"

# Sections of one migration file that runs both ways: what follows a down marker is the
# rollback, until an up marker (goose, dbmate, sql-migrate; Flyway's //@UNDO).
DOWN_MARKER_RE = lazy(
    r"^[ \t]*--[ \t]*(?:\+goose[ \t]+Down|migrate:down|\+migrate[ \t]+Down|//@UNDO)\b", re.I | re.M
)
UP_MARKER_RE = lazy(
    r"^[ \t]*--[ \t]*(?:\+goose[ \t]+Up|migrate:up|\+migrate[ \t]+Up)\b", re.I | re.M
)


def has_down_marker(sql: str) -> bool:
    """Whether ``sql`` has a down-migration marker (each names goose, migrate or @UNDO: the
    words are looked for before the line-by-line pattern)."""
    low = sql.lower()
    if "goose" not in low and "migrate" not in low and "@undo" not in low:
        return False
    return DOWN_MARKER_RE.search(sql) is not None


def down_sections(sql: str) -> list[tuple[int, int]]:
    """Character ranges of ``sql`` that are rollback sections (empty when it has no down marker)."""
    if not has_down_marker(sql):
        return []
    marks = sorted(
        [(m.start(), True) for m in DOWN_MARKER_RE.finditer(sql)]
        + [(m.start(), False) for m in UP_MARKER_RE.finditer(sql)]
    )
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for pos, is_down in marks:
        if is_down and start is None:
            start = pos
        elif not is_down and start is not None:
            ranges.append((start, pos))
            start = None
    if start is not None:
        ranges.append((start, len(sql)))
    return ranges


class OffsetMap:
    """Maps offsets of a derived text back to offsets of its source.

    Built from pieces appended in order: ``copy(n, src_start)`` for text taken
    unchanged, ``replace(derived_len, src_start, src_len)`` for text that stands
    for a different source span.
    """

    __slots__ = ("_dst", "_pieces", "_len")

    def __init__(self) -> None:
        self._dst: list[int] = []
        self._pieces: list[tuple[int, int, int, bool]] = []  # dst_len, src_start, src_len, is_copy
        self._len = 0

    @classmethod
    def identity(cls, length: int, base: int = 0) -> OffsetMap:
        m = cls()
        m.copy(length, base)
        return m

    def copy(self, length: int, src_start: int) -> None:
        if length <= 0:
            return
        if self._pieces:
            dl, ss, sl, is_copy = self._pieces[-1]
            if is_copy and ss + sl == src_start:
                self._pieces[-1] = (dl + length, ss, sl + length, True)
                self._len += length
                return
        self._dst.append(self._len)
        self._pieces.append((length, src_start, length, True))
        self._len += length

    def replace(self, dst_len: int, src_start: int, src_len: int) -> None:
        self._dst.append(self._len)
        self._pieces.append((dst_len, src_start, src_len, False))
        self._len += dst_len

    def __call__(self, offset: int, *, end: bool = False) -> int:
        """Source offset of a derived offset. ``end`` maps an exclusive end."""
        if not self._pieces:
            return offset
        i = bisect.bisect_right(self._dst, offset) - 1
        if end and i > 0 and self._dst[i] == offset:
            i -= 1  # an end offset belongs to the piece before it
        i = max(i, 0)
        dst_start = self._dst[i]
        dl, ss, sl, is_copy = self._pieces[i]
        rel = offset - dst_start
        if is_copy:
            return ss + min(max(rel, 0), sl) if rel <= dl else ss + sl + (rel - dl)
        if rel <= 0:
            return ss
        return ss + sl if (end or rel >= dl) else ss

    def compose(self, outer: OffsetMap) -> OffsetMap:
        """A map that applies self, then outer (self's source is outer's derived text)."""
        composed = OffsetMap()
        for _dst, (dl, ss, sl, is_copy) in zip(self._dst, self._pieces, strict=False):
            if is_copy:
                # split along outer's pieces so escapes keep exact positions
                pos = ss
                while pos < ss + sl:
                    j = max(bisect.bisect_right(outer._dst, pos) - 1, 0)
                    if not outer._pieces:
                        composed.copy(ss + sl - pos, pos)
                        break
                    odst = outer._dst[j]
                    odl, oss, osl, ocopy = outer._pieces[j]
                    piece_end = min(ss + sl, odst + odl) if odst + odl > pos else ss + sl
                    n = piece_end - pos
                    if ocopy:
                        composed.copy(n, oss + (pos - odst))
                    else:
                        composed.replace(n, oss, osl)
                    pos = piece_end if n > 0 else ss + sl
            else:
                s = outer(ss)
                e = outer(ss + sl, end=True)
                composed.replace(dl, s, e - s)
        return composed


@dataclass
class Region:
    """SQL text inside a document."""

    sql: str
    map: OffsetMap
    kind: str = "file"  # "file" for a .sql document, else the call that holds it
    host_start: int = 0
    host_end: int = 0
    meta: dict = field(default_factory=dict)

    @property
    def data(self) -> bytes:
        cached = self.meta.get("_data")
        if cached is None:
            cached = self.meta["_data"] = self.sql.encode("utf-8", "surrogatepass")
        return cached

    def to_doc(self, offset: int, *, end: bool = False) -> int:
        return self.map(offset, end=end)

    def doc_range(self, start: int, end: int) -> tuple[int, int]:
        s = self.map(start)
        e = self.map(end, end=True)
        return s, max(s, e)


# -- cleaning ----------------------------------------------------------------

# Order matters: literals and comments first so that placeholders inside them are kept.
_CLEAN_RE = lazy(
    r"""
      (?P<comment>--[^\n]*|/\*(?:.|\n)*?(?:\*/|\Z))
    | (?P<estring>[eE]'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<string>'(?:[^']|'')*(?:'|\Z))
    | (?P<dollar>\$(?P<tag>(?:[A-Za-z_][A-Za-z0-9_]*)?)\$(?:.|\n)*?(?:\$(?P=tag)\$|\Z))
    | (?P<ident>"(?:[^"]|"")*(?:"|\Z))
    | (?P<tmpl_expr>\{\{(?:.|\n)*?\}\}|\$\{[A-Za-z_][\w.:-]*\})
    | (?P<tmpl_stmt>\{%(?:.|\n)*?%\}|\{\#(?:.|\n)*?\#\})
    | (?P<meta>(?m:^[ \t]*\\[A-Za-z!?][^\n]*))
    | (?P<pyformat>%\([A-Za-z_][A-Za-z0-9_]*\)s|%s\b|%s(?=\W|$))
    | (?P<cast>::)
    | (?P<named>(?<![A-Za-z0-9_:]):[A-Za-z_][A-Za-z0-9_]*)
    | (?P<qmark>\?(?![|&\-#]))
    | (?P<dollarnum>\$[0-9]+)
    """,
    re.VERBOSE,
)


def clean_sql(
    text: str, base: int = 0, *, placeholders: bool = True, qmark: bool = False
) -> tuple[str, OffsetMap]:
    """Clean SQL for parsing; returns the clean text and its map to ``text``'s bytes.

    ``base`` is added to every source offset (the text's position in its host).
    ``qmark`` turns ``?`` into a parameter (drivers that use it); in plain
    Postgres SQL it is the jsonb operator and stays.
    """
    if not _needs_cleaning(text):
        return text, OffsetMap.identity(len(text.encode("utf-8", "surrogatepass")), base)
    out: list[str] = []
    omap = OffsetMap()
    src_pos = 0  # byte offset in text
    char_pos = 0
    counter = [max((int(m) for m in re.findall(r"\$([0-9]+)", text)), default=0)]
    named: dict[str, str] = {}

    def emit_copy(chars: str) -> None:
        nonlocal src_pos
        if chars:
            n = len(chars.encode("utf-8", "surrogatepass"))
            out.append(chars)
            omap.copy(n, base + src_pos)
            src_pos += n

    replaced = False

    def emit_replace(original: str, replacement: str) -> None:
        nonlocal src_pos, replaced
        replaced = replaced or original != replacement
        n = len(original.encode("utf-8", "surrogatepass"))
        out.append(replacement)
        omap.replace(len(replacement.encode()), base + src_pos, n)
        src_pos += n

    def next_param(name: str | None = None) -> str:
        if name is not None and name in named:
            return named[name]
        counter[0] += 1
        param = f"${counter[0]}"
        if name is not None:
            named[name] = param
        return param

    for m in _CLEAN_RE.finditer(text):
        kind = m.lastgroup
        if kind in ("comment", "estring", "string", "dollar", "ident", "cast", "dollarnum", "tag"):
            continue
        emit_copy(text[char_pos : m.start()])
        original = m.group(0)
        if kind == "tmpl_expr":
            emit_replace(original, PLACEHOLDER_SCHEMA)
        elif kind in ("tmpl_stmt", "meta"):
            # keep line structure; a meta-command also ends the statement before it
            blank = "".join("\n" if c == "\n" else " " for c in original)
            emit_replace(original, (";" + blank[1:]) if kind == "meta" and blank else blank)
        elif not placeholders:
            emit_copy(original)
        elif kind == "pyformat":
            name = original[2:-2] if original.startswith("%(") else None
            emit_replace(original, next_param(name))
        elif kind == "named":
            emit_replace(original, next_param(original[1:]))
        elif kind == "qmark":
            if qmark:
                emit_replace(original, next_param())
            else:  # in Postgres files `?` is the jsonb key-exists operator
                emit_copy(original)
        else:  # pragma: no cover - every group is handled above
            emit_copy(original)
        char_pos = m.end()
    emit_copy(text[char_pos:])
    if not replaced:  # (a jsonb `?`, a `%s` in a string): the text itself, so that an
        # editor's next analysis of it can be incremental (it needs offsets that map 1:1)
        return text, OffsetMap.identity(src_pos, base)
    return "".join(out), omap


_COLON_NAME = lazy(r":[A-Za-z_]")
_META_LINE = lazy(r"^[ \t]*\\", re.M)


def _needs_cleaning(text: str) -> bool:
    # plain substring tests first: most SQL has none of these
    if (
        "{{" in text
        or "{%" in text
        or "{#" in text
        or "${" in text
        or "%s" in text
        or "%(" in text
        or "?" in text
    ):
        return True
    if "\\" in text and _META_LINE.search(text):
        return True
    if ":" not in text:
        return False
    # a `:name` placeholder, not a `::type` cast or `arr[1:n]` slice (a lookbehind in the
    # pattern would be tried at every position; checking each match is much faster)
    if "::" in text:
        text = text.replace("::", "  ")  # casts are not placeholders; same length keeps positions
    for m in _COLON_NAME.finditer(text):
        i = m.start()
        if i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"):
            return True
    return False


def region_for_sql_document(text: str) -> Region:
    clean, omap = clean_sql(text)
    data_len = len(text.encode("utf-8", "surrogatepass"))
    return Region(sql=clean, map=omap, kind="file", host_start=0, host_end=data_len)
