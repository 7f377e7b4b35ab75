"""tree-sitter parsers and queries per language, created once and shared.

Grammars come from the official wheels (tree-sitter-python, -javascript,
-typescript, -go) and tree-sitter-postgres. Parsers are built lazily so that a
SQL-only session never loads the others.
"""

from __future__ import annotations

import threading
from functools import lru_cache

import tree_sitter as ts

_lock = threading.Lock()


@lru_cache(maxsize=None)
def language(name: str) -> ts.Language:
    if name == "python":
        import tree_sitter_python as mod

        return ts.Language(mod.language())
    if name == "javascript":
        import tree_sitter_javascript as mod

        return ts.Language(mod.language())
    if name == "typescript":
        import tree_sitter_typescript as mod

        return ts.Language(mod.language_typescript())
    if name == "tsx":
        import tree_sitter_typescript as mod

        return ts.Language(mod.language_tsx())
    if name == "go":
        import tree_sitter_go as mod

        return ts.Language(mod.language())
    if name == "sql":
        import tree_sitter_postgres as mod

        return ts.Language(mod.language())
    raise KeyError(f"no tree-sitter grammar for {name!r}")


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


def parse(text: str | bytes, name: str, old_tree: ts.Tree | None = None) -> ts.Tree:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if old_tree is not None:
        return parser(name).parse(data, old_tree)
    return parser(name).parse(data)


@lru_cache(maxsize=None)
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


def node_text(node: ts.Node, data: bytes) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")
