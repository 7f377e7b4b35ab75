"""SQL statements: splitting a region, exact parsing with libpg_query (pglast).

Splitting is a small scanner that understands quotes, dollar quoting and
comments, so one broken statement never hides the others: each statement is
parsed on its own, and one that does not parse (half-typed, another dialect)
is kept with its error while the rest are analysed. Parses are cached by
statement text, so after an edit only the statements that changed are parsed
again.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from collections.abc import Callable, Iterator

from .bounded import MB, byte_lru_cache
from .regions import Region
from .lazy_re import lazy

# libpg_query's JSON is about 8x the statement's text and the decoded nodes about 10x
# the JSON: the caches below are bounded by those estimates, in bytes.
PARSE_CACHE_BYTES = 24 * MB
NODE_CACHE_BYTES = 24 * MB
DECODED_PER_JSON_BYTE = 10

_SPLIT_RE = lazy(
    r"""--[^\n]*|/\*(?:.|\n)*?(?:\*/|\Z)|[eE]'(?:[^'\\]|\\.|'')*(?:'|\Z)|'(?:[^']|'')*(?:'|\Z)"""
    r"""|"(?:[^"]|"")*(?:"|\Z)|\$(?P<tag>(?:[A-Za-z_][A-Za-z0-9_]*)?)\$(?:.|\n)*?(?:\$(?P=tag)\$|\Z)|;""",
)
_LEADING_RE = lazy(r"(?:\s+|--[^\n]*|/\*(?:.|\n)*?\*/)*")
# the scanner with words too: a routine body in SQL-standard form (BEGIN ATOMIC ... END)
_SCAN_RE = lazy(_SPLIT_RE.pattern + r"|(?P<word>[^\W\d][\w$]*)")
_SCAN_RE_B = lazy(
    _SPLIT_RE.pattern.encode() + rb"|(?P<word>[A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]*)"
)
_ATOMIC_RE = lazy(r"\bATOMIC\b", re.I)
_ATOMIC_RE_B = lazy(rb"\bATOMIC\b", re.I)


def statement_ends(text, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) of every ';' in ``text[start:end]`` (str or bytes) that ends a statement:
    not inside a string, a quoted name, a comment or a dollar quote, and not inside the body of
    a ``CREATE FUNCTION`` / ``CREATE PROCEDURE`` written in SQL-standard form
    (``BEGIN ATOMIC ... END``), whose statements end with ';' too. Inside such a body every
    ``CASE`` is closed by an ``END`` of its own, so only the ``END`` that balances the body's
    ``BEGIN ATOMIC`` closes it (as psql reads it). ``start`` must be a statement's start."""
    binary = isinstance(text, (bytes, bytearray))
    end = len(text) if end is None else end
    semicolon = b";" if binary else ";"
    dash: Any = b"-" if binary else "-"  # bytes or str, as the text is
    slash: Any = b"/" if binary else "/"
    if (
        # (bytes: an ASCII-only case fold, which lower() gives at C speed)
        binary and b"atomic" not in text[start:end].lower()
    ) or not (_ATOMIC_RE_B if binary else _ATOMIC_RE).search(text, start, end):
        semi = 59 if binary else ";"  # (an item of bytes is an int): no copy of each token
        for m in (_SPLIT_RE_B if binary else _SPLIT_RE).finditer(text, start, end):
            i = m.start()
            if text[i] == semi and m.end() == i + 1:
                yield i, i + 1
        return
    first = prev = None  # the statement's first word and the last word seen (upper case)
    depth = 0  # BEGIN ATOMIC and CASE blocks open in a routine body
    for m in (_SCAN_RE_B if binary else _SCAN_RE).finditer(text, start, end):
        word = m.group("word")
        if word is None:
            token = m.group(0)
            if token == semicolon:
                if depth == 0:
                    yield m.start(), m.end()
                    first = None
                prev = None
            elif not token.startswith(dash) and not token.startswith(slash):
                prev = None  # a string or a quoted name; comments do not separate two words
            continue
        w = word.upper()
        if isinstance(w, bytes):
            w = w.decode("latin-1")
        if first is None:
            first = w
        if depth:
            if w == "CASE":
                depth += 1
            elif w == "END":
                depth -= 1
        elif w == "ATOMIC" and prev == "BEGIN" and first == "CREATE":
            depth = 1
        prev = w


class Token(NamedTuple):  # a tuple: statements with findings scan thousands of these
    start: int  # byte offset in the statement
    end: int  # exclusive
    name: str  # libpg_query token name: SELECT, IDENT, SCONST, ASCII_42 ...
    kind: str  # RESERVED_KEYWORD, UNRESERVED_KEYWORD, NO_KEYWORD ...


@dataclass
class Statement:
    """One SQL statement of a region. Offsets are bytes in the region's SQL."""

    region: Region
    index: int
    start: int
    end: int  # exclusive, before the terminating ';'
    text: str
    terminated: bool = True
    kind: str | None = None  # the libpg_query node name, e.g. "IndexStmt"
    raw: str | None = None  # libpg_query's JSON for the statement (parsed into .node on demand)
    error: str | None = None
    in_transaction: bool = False  # inside an explicit BEGIN ... COMMIT
    span_start: int = 0  # the piece of text this statement owns: after the previous ';' ...
    span_end: int = 0  # ... up to and including its own ';'
    _tokens: list[Token] | None = field(default=None, repr=False)
    _node: dict | None = field(default=None, repr=False)
    _released: bool = field(default=False, repr=False)  # decoded nodes are no longer kept
    # decoded trees go through the bounded cache (the editor); a one-shot run decodes each
    # statement for itself: a cache that never hits only costs (LRU upkeep, freeing on eviction)
    cached: bool = field(default=True, repr=False)

    @property
    def node(self) -> dict | None:
        """The statement node's fields (libpg_query JSON), decoded on first use."""
        if self._node is None and self.raw is not None:
            # a bounded cache: repeated asks stay cheap
            node = (node_of if self.cached else _node_once)(self.raw, self.kind)
            if self._released:
                return node
            self._node = node
        return self._node

    def release(self) -> None:
        """Drop what was decoded from the parse (the node, its index, the tokens); they are
        decoded again when asked for. The trees of a large file's statements, about 80 times
        the text, need not all be in memory at once."""
        self._released = True
        self._node = None
        self._tokens = None
        self.__dict__.pop("_nodes", None)
        self.__dict__.pop("_selects", None)

    @property
    def relation(self) -> str | None:
        """The qualified name of the table the statement names in its ``relation`` field
        (CREATE TABLE, ALTER TABLE, INSERT, UPDATE, DELETE, CREATE INDEX ...). Read from the
        parser's JSON when the statement's node starts with it, without decoding the tree."""
        raw = self.raw
        if raw is None:
            return None
        m = _TOP_RELATION_RE.match(raw)
        if m is not None and m.group(1) == self.kind:
            schema, name = m.group(2), m.group(3)
            return f"{schema}.{name}" if schema else name
        return relation_name((self.node or {}).get("relation"))

    def mentions(self, *names: str) -> bool:
        """Whether the parse tree holds any of these node types or enum values.

        A substring test on the parser's JSON (C speed): rules use it to skip
        statements before decoding or walking anything."""
        raw = self.raw
        return raw is not None and any(f'"{n}"' in raw for n in names)

    # -- positions ------------------------------------------------------------

    def doc_range(self, rel_start: int = 0, rel_end: int | None = None) -> tuple[int, int]:
        """Document byte range of a range relative to this statement."""
        if rel_end is None:
            rel_end = self.end - self.start
        return self.region.doc_range(self.start + rel_start, self.start + rel_end)

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8", "surrogatepass")

    def slice(self, rel_start: int, rel_end: int) -> str:
        return self.data[rel_start:rel_end].decode("utf-8", "surrogatepass")

    # -- the parse tree, indexed once ----------------------------------------------

    @property
    def nodes(self) -> dict[str, list[dict]]:
        """Every typed node of the statement by type ({"A_Expr": [...], ...}); built once."""
        index = self.__dict__.get("_nodes")
        if index is None:
            index, selects = _index_nodes(self.node) if self.node else ({}, [])
            self.__dict__["_nodes"] = index
            self.__dict__["_selects"] = selects
        return index

    @property
    def selects(self) -> list[dict]:
        """Every SELECT of the statement (CTEs, subqueries, set operations), except those
        inside EXISTS (...), where the target list does not matter."""
        if "_selects" not in self.__dict__:
            self.nodes  # noqa: B018 - builds both
        return self.__dict__["_selects"]

    # -- tokens -----------------------------------------------------------------

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = list(_scan(self.text))
        return self._tokens

    def find_token(self, *names: str, start: int = 0, end: int | None = None) -> Token | None:
        """First token with one of ``names`` (keyword names are upper case) in [start, end)."""
        for tok in self.tokens:
            if tok.start < start:
                continue
            if end is not None and tok.start >= end:
                break
            if tok.name in names:
                return tok
        return None

    def find_sequence(self, *names: str, start: int = 0) -> list[Token] | None:
        toks = [t for t in self.tokens if t.start >= start]
        n = len(names)
        for i in range(len(toks) - n + 1):
            if all(toks[i + j].name == names[j] for j in range(n)):
                return toks[i : i + n]
        return None

    def head_range(self, *names: str) -> tuple[int, int]:
        """Relative range of the leading keywords (e.g. CREATE INDEX) for a finding."""
        seq = self.find_sequence(*names) if names else None
        if seq:
            return seq[0].start, seq[-1].end
        return 0, min(
            len(self.data), self.data.find(b"\n") if b"\n" in self.data else len(self.data)
        )


def pglast_parser():
    """pglast's parser extension (libpg_query), imported without pglast's node classes and
    enumerations: the extension imports ``pglast.ast`` and ``pglast.enums`` at start-up but
    uses them only to build node objects (``parse_sql``), and this project reads the JSON
    (``parse_sql_json``) and the tokens (``scan``). They are loaded lazily (on first use of
    an attribute), which halves the parser's import time; pglast behaves as usual."""
    parser = sys.modules.get("pglast.parser")
    if parser is not None:
        return parser
    with _PGLAST_LOCK:  # the server's schema indexer parses in a thread of its own
        if "pglast" not in sys.modules:
            try:
                _import_pglast_lazily()
            except Exception:  # another layout of the package: import it as usual
                for name in ("pglast", "pglast.enums", "pglast.ast"):
                    sys.modules.pop(name, None)
        from pglast import parser

    return parser


_PGLAST_LOCK = threading.Lock()


def _import_pglast_lazily() -> None:
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("pglast")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    package = importlib.util.module_from_spec(spec)
    for sub in ("enums", "ast"):
        sub_spec = importlib.machinery.PathFinder.find_spec(
            f"pglast.{sub}", spec.submodule_search_locations
        )
        if sub_spec is None or sub_spec.loader is None:
            return
        sub_spec.loader = importlib.util.LazyLoader(sub_spec.loader)
        module = importlib.util.module_from_spec(sub_spec)
        sub_spec.loader.exec_module(module)
        sys.modules[sub_spec.name] = module
        # set on the package beforehand: `from . import ast` then finds it without
        # touching the lazy module (which would load it)
        setattr(package, sub, module)
    sys.modules["pglast"] = package
    spec.loader.exec_module(package)


# the start of libpg_query's JSON for a statement whose node's first field is its table (names
# holding a quote or a backslash are escaped in JSON: those are decoded the long way)
_TOP_RELATION_RE = lazy(
    r'\{"version":\d+,"stmts":\[\{"stmt":\{"(\w+)":\{"relation":\{(?:"catalogname":"[^"\\]*",)?'
    r'(?:"schemaname":"([^"\\]*)",)?"relname":"([^"\\]*)"'
)


def _parse_size(result, text: str) -> int:
    return 2 * len(text) + len(result[1] or "") + len(result[2] or "") + 200


@byte_lru_cache(PARSE_CACHE_BYTES, _parse_size)
def parse_statement(text: str) -> tuple[str | None, str | None, str | None]:
    """(kind, libpg_query JSON, error) for one statement's text; cached by text."""
    return _parse(text)


def _parse_once(text: str) -> tuple[str | None, str | None, str | None]:
    """:func:`parse_statement` for a one-shot run: a parse already cached (e.g. by the schema
    build) is used, a new one is not kept."""
    found = parse_statement.cache.get((text,), _MISSING)
    return _parse(text) if found is _MISSING else found


def _parse(text: str) -> tuple[str | None, str | None, str | None]:
    parser = pglast_parser()

    try:
        raw = parser.parse_sql_json(text)
    except parser.ParseError as exc:
        msg = exc.args[0] if exc.args else str(exc)
        return None, None, str(msg)
    except Exception as exc:  # libpg_query can raise other errors on odd input
        return None, None, f"{type(exc).__name__}: {exc}"
    i = raw.find('"stmt":{"')
    if i < 0:
        return None, None, None  # only comments or an empty statement
    i += 9
    return raw[i : raw.index('"', i)], raw, None


# orjson decodes libpg_query's trees about twice as fast as the standard library, but its
# import costs more than decoding a small file's trees: it is imported once a run has
# decoded this much JSON (both give the same objects).
FAST_JSON_AFTER = 256 * 1024


class _Decoder:
    """``loads`` for libpg_query's JSON: the standard library's, then orjson's."""

    def __init__(self) -> None:
        self.decoded = 0  # bytes decoded before orjson was imported
        self.fast: Callable[[str], Any] | None = None

    def __call__(self, raw: str):
        fast = self.fast
        if fast is None:
            self.decoded += len(raw)
            if self.decoded <= FAST_JSON_AFTER:
                return json.loads(raw)
            fast = self.fast = _orjson_loads()
        try:
            return fast(raw)
        except ValueError:  # e.g. an integer beyond 64 bits: the standard library takes it
            return json.loads(raw)


def _orjson_loads() -> Callable[[str], Any]:
    try:
        from orjson import loads
    except ImportError:  # pragma: no cover - a dependency; the standard library still works
        return json.loads
    return loads


_loads = _Decoder()


@byte_lru_cache(NODE_CACHE_BYTES, lambda node, raw, kind: DECODED_PER_JSON_BYTE * len(raw) + 200)
def node_of(raw: str, kind: str | None) -> dict | None:
    return _decode(raw, kind)


def _node_once(raw: str, kind: str | None) -> dict | None:
    """:func:`node_of` for a one-shot run: a cached tree is used, a new one is not kept (but
    the last one, for the rules that ask a released statement for its tree more than once)."""
    last = _LAST_ONCE
    if last[0] is raw and last[1] == kind:
        return last[2]
    found = node_of.cache.get((raw, kind), _MISSING)
    node = _decode(raw, kind) if found is _MISSING else found
    _LAST_ONCE[:] = (raw, kind, node)
    return node


_MISSING = object()
_LAST_ONCE: list = [None, None, None]  # (raw JSON, kind, tree) last decoded by _node_once


def _decode(raw: str, kind: str | None) -> dict | None:
    tree = _loads(raw)
    stmts = tree.get("stmts") or []
    if not stmts or not kind:
        return None
    return (stmts[0].get("stmt") or {}).get(kind)


def _scan(text: str) -> Iterator[Token]:
    parser = pglast_parser()

    try:
        raw = parser.scan(text)
    except Exception:
        return
    ascii_text = text.isascii()
    if not ascii_text:
        # scan() reports character offsets; convert to bytes
        offsets = [0]
        for ch in text:
            offsets.append(offsets[-1] + len(ch.encode("utf-8", "surrogatepass")))
    for t in raw:
        if ascii_text:
            yield Token(t.start, t.end + 1, t.name, t.kind)
        else:
            yield Token(offsets[t.start], offsets[t.end + 1], t.name, t.kind)


def split_statements(region: Region, cache: bool = True, trees: bool = True) -> list[Statement]:
    """Split a region into statements and parse each one. Without ``cache`` (a one-shot run)
    parses and decoded trees are not kept in the bounded caches. Without ``trees`` (no rule
    reads the region's statements) a statement is parsed only when it may hold a quote or a
    comment left open (the parser's "unterminated" error, which a run reports); the others
    are split but have no kind."""
    statements, _ = split_range(region, 0, len(region.data), 0, False, cache, trees)
    return statements


# A one-shot run (``check``) splits each up migration twice: the schema build reads its DDL,
# then the check runs the rules on it. Within :func:`one_run` a file's pieces (where each
# statement starts and ends, its parse) are kept from the first split for the second, by the
# file's SQL; RUN_PIECES_BYTES bounds what is kept (about the statements' text and parse).
RUN_PIECES_BYTES = 64 * MB
_RUN_PIECES: dict[bytes, tuple[list, bool]] | None = None
_RUN_PIECES_SIZE = [0]


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """Files are taken as unchanged while this lasts: a file split once is not scanned again."""
    global _RUN_PIECES  # noqa: PLW0603
    previous, size, _RUN_PIECES = _RUN_PIECES, _RUN_PIECES_SIZE[0], {}
    _RUN_PIECES_SIZE[0] = 0
    try:
        yield
    finally:
        _RUN_PIECES, _RUN_PIECES_SIZE[0] = previous, size


_TX_BEGIN = ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
_TX_END = (
    "TRANS_STMT_COMMIT",
    "TRANS_STMT_ROLLBACK",
    "TRANS_STMT_PREPARE",
    "TRANS_STMT_COMMIT_PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED",
)


def _open_line_comment(data: bytes, start: int, end: int) -> bool:
    """Whether the comments and blanks of data[start:end] end inside a `--` comment."""
    k = data.rfind(b"--", start, end)
    return k >= 0 and data.find(b"\n", k, end) < 0


def split_range(
    region: Region,
    start: int,
    end: int,
    index_base: int,
    in_tx: bool,
    cache: bool = True,
    trees: bool = True,
) -> tuple[list[Statement], bool]:
    """Statements of region bytes [start, end).

    Returns the statements and whether the range ends inside an unterminated
    statement (text after the last ';'): the caller of a partial re-split then
    knows the range must grow.
    """
    data = region.data
    run = _RUN_PIECES
    whole = run is not None and start == 0 and end == len(data) and region.kind == "file"
    known = run.pop(data, None) if whole and run is not None else None
    if known is not None:
        found, dangling = known
    else:
        found, dangling = _pieces(data, start, end, cache, trees)
        # (a schema build's split: the check's next)
        if whole and cache and trees and run is not None:
            size = len(data) + sum(len(p[2]) + len(p[4] or "") for f in found for p in f[4])
            if _RUN_PIECES_SIZE[0] + size <= RUN_PIECES_BYTES:
                run[data] = (found, dangling)
                _RUN_PIECES_SIZE[0] += size
    statements: list[Statement] = []
    for s, s2, span_end, terminated, parts, length in found:
        for rel_start, rel_end, part_text, kind, js, error in parts:
            stmt = Statement(
                region,
                index_base + len(statements),
                s2 + rel_start,
                s2 + rel_end,
                part_text,
                terminated and rel_end == length,
                kind=kind,
                raw=js,
                error=error,
                cached=cache,
            )
            # statements recovered from one piece share its span: an edit re-splits all of them
            stmt.span_start, stmt.span_end = s, span_end
            in_tx = _transaction_state(stmt, in_tx)
            statements.append(stmt)
    return statements, dangling


def _pieces(
    data: bytes, start: int, end: int, cache: bool, trees: bool = True
) -> tuple[list, bool]:
    """The statements of data[start:end] before they are made: [(piece start, statement start,
    span end, terminated, [(start, end, text, kind, JSON, error) relative to the statement
    start: one, or the statements recovered from a piece that does not parse], length)],
    and whether the range ends inside an unterminated statement."""
    pieces: list[tuple[int, int, int, bool]] = []  # piece start, text end, span end, terminated
    pos = start
    for semi_start, semi_end in statement_ends(data, start, end):
        pieces.append((pos, semi_start, semi_end, True))
        pos = semi_end
    pieces.append((pos, end, end, False))

    found: list = []
    dangling = False
    for s, e, span_end, terminated in pieces:
        lead = _LEADING_RE_B.match(data, s, e)
        s2 = lead.end() if lead else s
        if s2 >= e:
            if not terminated and e < len(data) and _open_line_comment(data, s, e):
                dangling = True  # a `--` comment running on past the range takes in what follows
            continue
        raw = data[s2:e].rstrip()
        if not raw:
            continue
        if not terminated:
            dangling = True
        text = raw.decode("utf-8", "surrogatepass")
        if trees or may_be_unterminated(raw):
            kind, js, error = (parse_statement if cache else _parse_once)(text)
        else:
            kind = js = error = None
        parts = (
            _recover(raw)
            if error is not None and b"\n" in raw and "unterminated" not in error
            else None
        )
        if parts is None:
            parts = [(0, len(raw), text, kind, js, error)]
        found.append((s, s2, span_end, terminated, parts, len(raw)))
    return found, dangling


def may_be_unterminated(raw: bytes) -> bool:
    """Whether the parser may find a literal or a comment of ``raw`` left open: each starts with
    a quote, a dollar sign or ``/*`` (strings, quoted names, bit and hex strings, dollar quotes)."""
    return b"'" in raw or b'"' in raw or b"$" in raw or b"/*" in raw


_STATEMENT_START_B = lazy(
    rb"\n(?=(?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|GRANT|REVOKE|TRUNCATE|COMMENT|BEGIN|COMMIT"
    rb"|ROLLBACK|SET|VACUUM|REINDEX|CLUSTER|DO|EXPLAIN|MERGE|COPY)\b)",
    re.I,
)


def _recovered_size(parts, raw: bytes) -> int:
    # the key, and each part's text and parse JSON (as parse_statement's cache counts them)
    return 2 * len(raw) + 200 + sum(2 * len(p[2]) + len(p[4] or "") + 100 for p in parts or ())


@byte_lru_cache(8 * MB, _recovered_size)
def _recover(raw: bytes):
    """Split a piece that does not parse (a missing ';', a half-typed statement) into
    statements that do, so one error does not hide the findings around it.

    tree-sitter-postgres recovers from the error and tells where statements start;
    when it sees only one, lines starting with a statement keyword are the cut points.
    Returns [(rel_start, rel_end, text, kind, node, error)] or None when nothing parses.
    Cached by the piece's bytes: a broken statement is recovered again on every edit elsewhere
    when the file is analysed whole.
    """
    from . import languages

    cuts: list[tuple[int, int]] = []
    try:
        tree = languages.parse(raw, "sql")
        for child in tree.root_node.children:
            if child.type in ("toplevel_stmt", "ERROR"):
                cuts.append((child.start_byte, child.end_byte))
    except Exception:  # the recovery is best effort
        cuts = []
    if len(cuts) < 2:
        starts = [0] + [m.start() + 1 for m in _STATEMENT_START_B.finditer(raw)]
        cuts = [(a, b) for a, b in zip(starts, starts[1:] + [len(raw)], strict=False)]
    if len(cuts) < 2:
        return None
    # cover the whole piece: each part runs to the start of the next
    bounds = [c[0] for c in cuts[1:]]
    starts = [0] + bounds
    ends = bounds + [len(raw)]
    parts = []
    for a, b in zip(starts, ends, strict=False):
        chunk = raw[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        chunk = chunk.strip()
        if not chunk:
            continue
        text = chunk.decode("utf-8", "surrogatepass")
        kind, js, error = parse_statement(text)
        parts.append((a + lead, a + lead + len(chunk), text, kind, js, error))
    if not any(p[5] is None for p in parts):
        return None
    return parts


def _transaction_state(stmt: Statement, in_tx: bool) -> bool:
    """Set stmt.in_transaction; returns the state after the statement."""
    if stmt.kind == "TransactionStmt" and stmt.node is not None:
        tx_kind = stmt.node.get("kind", "")
        if tx_kind in _TX_BEGIN:
            stmt.in_transaction = True
            return True
        stmt.in_transaction = in_tx
        return False if tx_kind in _TX_END else in_tx
    stmt.in_transaction = in_tx
    return in_tx


_SPLIT_RE_B = lazy(_SPLIT_RE.pattern.encode())
_LEADING_RE_B = lazy(_LEADING_RE.pattern.encode())


def _byte_offsets(text: str):
    table: dict[int, int] = {}
    pos = 0
    for i, ch in enumerate(text):
        table[i] = pos
        pos += len(ch.encode("utf-8", "surrogatepass"))
    table[len(text)] = pos
    return table.__getitem__


# -- AST helpers ------------------------------------------------------------------


def _index_nodes(root: dict) -> tuple[dict[str, list[dict]], list[dict]]:
    index: dict[str, list[dict]] = {}
    selects: list[dict] = []
    if "limitOption" in root:
        selects.append(root)  # the statement itself is a SELECT
    # (value, inside EXISTS)
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        cur, in_exists = stack.pop()
        if isinstance(cur, dict):
            for field, value in cur.items():
                if isinstance(value, dict):
                    exists = in_exists
                    # UNION/INTERSECT/EXCEPT branches are SelectStmt fields, not wrapped nodes
                    key = "SelectStmt" if _is_set_branch(field, value) else field
                    if key[:1].isupper():
                        index.setdefault(key, []).append(value)
                        if key == "SubLink" and value.get("subLinkType") == "EXISTS_SUBLINK":
                            exists = True
                        elif key == "SelectStmt" and not in_exists:
                            selects.append(value)
                    stack.append((value, exists))
                elif isinstance(value, list):
                    stack.append((value, in_exists))
        elif isinstance(cur, list):
            for item in cur:
                if isinstance(item, (dict, list)):
                    stack.append((item, in_exists))
    return index, selects


def _is_set_branch(key: str, value: dict) -> bool:
    """A branch of a set operation: ``larg``/``rarg`` of a SelectStmt (a JoinExpr's are wrapped nodes)."""
    return key in ("larg", "rarg") and "op" in value and "limitOption" in value


def walk(node: Any) -> Iterator[tuple[str, dict]]:
    """Yield (node type, fields) for every typed node below ``node``."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                if isinstance(value, dict):
                    if key[:1].isupper():
                        yield key, value
                    stack.append(value)
                elif isinstance(value, list):
                    stack.extend(value)
        elif isinstance(cur, list):
            stack.extend(cur)


def string_value(node: Any) -> str | None:
    """The text of a String node ({"String": {"sval": "x"}}) or an A_Const string."""
    if isinstance(node, dict):
        if "String" in node:
            return node["String"].get("sval", "")
        if "A_Const" in node:
            sval = node["A_Const"].get("sval")
            if isinstance(sval, dict):
                return sval.get("sval", "")
    return None


def name_list(nodes: list | None) -> list[str]:
    return [s for s in (string_value(n) for n in nodes or []) if s is not None]


def relation_name(rangevar: dict | None) -> str | None:
    """Qualified name of a RangeVar (schema.table or table)."""
    if not rangevar:
        return None
    rel = rangevar.get("RangeVar", rangevar)
    name = rel.get("relname")
    if not name:
        return None
    schema = rel.get("schemaname")
    return f"{schema}.{name}" if schema else name


def unqualified(name: str | None) -> str | None:
    return name.rsplit(".", 1)[-1] if name else name


def matching_paren(stmt: Statement, open_tok: Token) -> Token | None:
    """The ')' token closing ``open_tok``."""
    depth = 0
    for tok in stmt.tokens:
        if tok.start < open_tok.start:
            continue
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            depth -= 1
            if depth == 0:
                return tok
    return None


def token_at(stmt: Statement, offset: int) -> Token | None:
    for tok in stmt.tokens:
        if tok.start <= offset < tok.end:
            return tok
        if tok.start > offset:
            break
    return None


def quote_ident(name: str) -> str:
    """Quote an identifier only when Postgres needs it."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) and name.upper() not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = {
    "ALL",
    "ANALYSE",
    "ANALYZE",
    "AND",
    "ANY",
    "ARRAY",
    "AS",
    "ASC",
    "ASYMMETRIC",
    "BOTH",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "CONSTRAINT",
    "CREATE",
    "CURRENT_CATALOG",
    "CURRENT_DATE",
    "CURRENT_ROLE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DEFAULT",
    "DEFERRABLE",
    "DESC",
    "DISTINCT",
    "DO",
    "ELSE",
    "END",
    "EXCEPT",
    "FALSE",
    "FETCH",
    "FOR",
    "FOREIGN",
    "FROM",
    "GRANT",
    "GROUP",
    "HAVING",
    "IN",
    "INITIALLY",
    "INTERSECT",
    "INTO",
    "LATERAL",
    "LEADING",
    "LIMIT",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "NOT",
    "NULL",
    "OFFSET",
    "ON",
    "ONLY",
    "OR",
    "ORDER",
    "PLACING",
    "PRIMARY",
    "REFERENCES",
    "RETURNING",
    "SELECT",
    "SESSION_USER",
    "SOME",
    "SYMMETRIC",
    "TABLE",
    "THEN",
    "TO",
    "TRAILING",
    "TRUE",
    "UNION",
    "UNIQUE",
    "USER",
    "USING",
    "VARIADIC",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
}


def select_statements(node: dict | None) -> Iterator[dict]:
    """Every SelectStmt in a statement (CTEs, subqueries, set operations), except
    those inside EXISTS (...), where the target list does not matter."""
    if not node:
        return
    stack: list[Any] = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(cur)
            continue
        if not isinstance(cur, dict):
            continue
        for key, value in cur.items():
            if (
                key == "SubLink"
                and isinstance(value, dict)
                and value.get("subLinkType") == "EXISTS_SUBLINK"
            ):
                continue
            if (key == "SelectStmt" or _is_set_branch(key, value)) and isinstance(value, dict):
                yield value
            if isinstance(value, (dict, list)):
                stack.append(value)
    if "limitOption" in node:
        yield node  # the statement itself is a SELECT
