"""tree-sitter parsers and queries per language, created once and shared.

Grammars come from the official wheels (tree-sitter-python, -javascript,
-typescript, -go, -rust) and tree-sitter-postgres. Parsers are built lazily so that a
SQL-only session never loads the others.
"""

from __future__ import annotations

import re
import threading
from functools import cache

import tree_sitter as ts
from .lazy_re import lazy

_lock = threading.Lock()


@cache
def language(name: str) -> ts.Language:
    if name == "python":
        return ts.Language(_binding("tree_sitter_python").language())
    if name == "javascript":
        return ts.Language(_binding("tree_sitter_javascript").language())
    if name in ("typescript", "tsx"):
        grammars = _binding("tree_sitter_typescript")
        if name == "tsx":
            return ts.Language(grammars.language_tsx())
        return ts.Language(grammars.language_typescript())
    if name == "go":
        return ts.Language(_binding("tree_sitter_go").language())
    if name == "rust":
        return ts.Language(_binding("tree_sitter_rust").language())
    if name == "sql":
        return ts.Language(_binding("tree_sitter_postgres").language())
    raise KeyError(f"no tree-sitter grammar for {name!r}")


def _binding(package: str):
    """A grammar wheel's compiled module (``<package>._binding``), loaded without running the
    package's ``__init__``: that imports importlib.resources (and with it pathlib, tempfile,
    shutil, zlib, bz2, lzma: 4 ms of a run's start) for the query files, which are not read
    here. The package itself (whose ``__init__`` exports the same functions) when the module
    cannot be found so."""
    import importlib.machinery
    import importlib.util
    import sys

    name = f"{package}._binding"
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    try:
        found = importlib.util.find_spec(package)  # (finds the package without importing it)
        where = found.submodule_search_locations if found is not None else None
        spec = importlib.machinery.PathFinder.find_spec(name, list(where or ()))
        if spec is None or spec.loader is None:
            raise ImportError(name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:
        return importlib.import_module(package)
    sys.modules[name] = module
    return module


_parsers = threading.local()


def parser(name: str) -> ts.Parser:
    """A parser for ``name``, one per thread (parsers are not thread safe)."""
    cache = getattr(_parsers, "cache", None)
    if cache is None:
        cache = _parsers.cache = {}
    p = cache.get(name)
    if p is None:
        p = cache[name] = ts.Parser(language(name))
    return p


# -- guards: input tree-sitter must not be given ------------------------------------------
#
# tree-sitter-python's scanner overflows its state buffer (and the process dies with
# SIGSEGV) on a string about 510 indentation levels deep; deep bracket nesting makes
# every recursive walk of the tree expensive. Real code stays far below these limits.

MAX_PARSE_BYTES = 32 * 1024 * 1024
MAX_INDENT_LEVELS = 100  # Python blocks nested this deep
MAX_BRACKET_DEPTH = 500  # (, [ and { nested this deep, in any language

_OPEN = b"([{"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"()[]{}")
# a line starting with MAX_INDENT_LEVELS blanks, once tabs read as spaces (a search of the
# bytes, many times faster than a multi-line pattern that tries every position)
_DEEP_INDENT = b"\n" + b" " * MAX_INDENT_LEVELS
_TAB_AS_SPACE = bytes.maketrans(b"\t", b" ")
_INDENT_RE = lazy(rb"^([ \t]*)[^ \t\r\n\f#]", re.M)


class ParseRefused(ValueError):
    """The text was not given to tree-sitter; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bracket_depth(data: bytes, limit: int = MAX_BRACKET_DEPTH) -> int:
    """The deepest nesting of (, [ and { (brackets inside strings and comments count too).

    Returns early with a number below ``limit`` when fewer brackets than that are opened."""
    only = data.translate(None, _NOT_BRACKETS)
    opened = only.count(b"(") + only.count(b"[") + only.count(b"{")
    if opened < limit:
        return opened  # an upper bound, enough to know the limit is not reached
    depth = deepest = 0
    for ch in only:
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif depth:
            depth -= 1
    return deepest


def indent_levels(data: bytes) -> int:
    """The deepest stack of indentation levels, as Python's tokenizer keeps it (a tab
    advances to the next multiple of 8). 0 when no line is indented MAX_INDENT_LEVELS
    columns: each level adds at least one column, so the limit cannot be reached."""
    blanks = data.translate(_TAB_AS_SPACE) if b"\t" in data else data
    if _DEEP_INDENT not in blanks and not blanks.startswith(_DEEP_INDENT[1:]):
        return 0
    stack = [0]
    deepest = 0
    for m in _INDENT_RE.finditer(data):
        lead = m.group(1)
        width = len(lead) if b"\t" not in lead else len(lead.expandtabs(8))
        while width < stack[-1]:
            stack.pop()
        if width > stack[-1]:
            stack.append(width)
            deepest = max(deepest, len(stack) - 1)
    return deepest


def parse_refusal(text: str | bytes, name: str) -> str | None:
    """Why ``text`` must not be parsed with the ``name`` grammar (None when it may be)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if len(data) > MAX_PARSE_BYTES:
        return f"larger than {MAX_PARSE_BYTES} bytes, the limit for parsing; not analysed"
    if name == "python":
        levels = indent_levels(data)
        if levels >= MAX_INDENT_LEVELS:
            return (
                f"blocks nested {levels} indentation levels deep (the limit for parsing is "
                f"{MAX_INDENT_LEVELS}); not analysed"
            )
    depth = bracket_depth(data)
    if depth >= MAX_BRACKET_DEPTH:
        return f"brackets nested {depth} deep (the limit for parsing is {MAX_BRACKET_DEPTH}); not analysed"
    return None


def parse(text: str | bytes, name: str, old_tree: ts.Tree | None = None) -> ts.Tree:
    """The tree-sitter tree of ``text``; raises :class:`ParseRefused` for input over the limits.

    Every tree-sitter parse goes through here, so one bad file cannot take the process down."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if old_tree is None:
        key = (name, data)
        tree = _RECENT.get(key)
        if tree is not None:  # the same text parsed again in one analysis (routes, SQL strings)
            return tree
    reason = parse_refusal(data, name)
    if reason is not None:
        raise ParseRefused(reason)
    if old_tree is not None:
        return parser(name).parse(data, old_tree)
    tree = parser(name).parse(data)
    _RECENT[key] = tree
    try:
        while len(_RECENT) > 4:
            del _RECENT[next(iter(_RECENT))]
    except (KeyError, RuntimeError):  # another thread trimmed it at the same time
        pass
    return tree


# the last few trees parsed, by (grammar, text): the analyses of one document ask for its
# tree several times; a tree is never edited after parsing
_RECENT: dict[tuple[str, bytes], ts.Tree] = {}


@cache
def query(name: str, source: str) -> ts.Query:
    """A compiled query (cached by language and source)."""
    return ts.Query(language(name), source)


def captures(name: str, source: str, node: ts.Node) -> dict[str, list[ts.Node]]:
    return ts.QueryCursor(query(name, source)).captures(node)


def matches(name: str, source: str, node: ts.Node):
    return ts.QueryCursor(query(name, source)).matches(node)


def error_count(text: str, name: str) -> int:
    """Number of ERROR and MISSING nodes in the parse of ``text``."""
    tree = parse(text, name)
    if not tree.root_node.has_error:
        return 0
    q = query(name, "(ERROR) @e (MISSING) @m") if name != "sql" else query(name, "(ERROR) @e")
    caps = ts.QueryCursor(q).captures(tree.root_node)
    return sum(len(v) for v in caps.values())
