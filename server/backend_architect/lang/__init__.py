"""Syntax helpers shared by every language: node text, string literal values, call
arguments, the enclosing function. Language specifics (imports) live in
:mod:`.python`, :mod:`.javascript`, :mod:`.go` and :mod:`.rust` (Rust string literals,
``format!`` strings and the SQL handed to Rust database crates).
"""

from __future__ import annotations

import re

import tree_sitter as ts

# Languages whose files hold HTTP handlers (the document languages of the handler rules).
APP_LANGUAGES = ("python", "javascript", "typescript", "tsx", "go")
JS_LANGUAGES = ("javascript", "typescript", "tsx")

# Blanks, line continuations and comments between a Python name and what follows it, as a
# pattern: the text of ``(?:[\s\\]|#[^\n]*)*`` with one way to read it (each comment to its
# line's end, only the last one cut short), so a failed search costs time in proportion to
# the text, not exponential time (a ``####`` banner after a name).
PY_GAP = r"[\s\\]*(?:#[^\n]*\n[\s\\]*)*(?:#[^\n]*)?"

FUNCTION_TYPES = (
    "function_definition",
    "lambda",
    "function_declaration",
    "func_literal",
    "method_declaration",
    "arrow_function",
    "function_expression",
    "method_definition",
)


def text(node: ts.Node | None, data: bytes) -> str:
    """The source text of ``node`` ("" for None); bytes that are not UTF-8 become U+FFFD."""
    if node is None:
        return ""
    raw = data[node.start_byte : node.end_byte]
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def string_value(node: ts.Node | None, data: bytes) -> str | None:
    """The value of a plain string literal (no interpolation), else None."""
    if node is None:
        return None
    t = node.type
    if t == "string" and node.children and node.children[0].type == "string_start":  # python
        start = text(node.children[0], data)
        if "f" in start.lower() or any(c.type == "interpolation" for c in node.children):
            return None
        return "".join(text(c, data) for c in node.children if c.type == "string_content")
    if t == "string":  # javascript
        return "".join(
            text(c, data) for c in node.children if c.type in ("string_fragment", "escape_sequence")
        )
    if t == "template_string":
        if any(c.type == "template_substitution" for c in node.children):
            return None
        return text(node, data)[1:-1]
    if t == "interpreted_string_literal":
        return "".join(
            text(c, data)
            for c in node.children
            if c.type in ("interpreted_string_literal_content", "escape_sequence")
        )
    if t == "raw_string_literal":
        return text(node, data)[1:-1]
    if t == "concatenated_string":
        parts = [string_value(c, data) for c in node.children if c.type == "string"]
        return "".join(p for p in parts if p is not None) if None not in parts else None
    return None


def is_string(node: ts.Node | None) -> bool:
    return node is not None and node.type in (
        "string",
        "template_string",
        "interpreted_string_literal",
        "raw_string_literal",
        "concatenated_string",
    )


def children(node: ts.Node | None) -> list[ts.Node]:
    """A node's named children (none for a missing node)."""
    return list(node.named_children) if node is not None else []


def named_args(args: ts.Node | None) -> list[ts.Node]:
    if args is None:
        return []
    return [c for c in args.named_children if c.type not in ("comment",)]


def enclosing_function(node: ts.Node) -> ts.Node | None:
    """The nearest function (def, lambda, func, arrow, method) around ``node``."""
    n = node.parent
    while n is not None and n.type not in FUNCTION_TYPES:
        n = n.parent
    return n


def line_start(data: bytes, offset: int) -> int:
    return data.rfind(b"\n", 0, offset) + 1


def indent_at(data: bytes, offset: int) -> str:
    s = line_start(data, offset)
    m = re.match(rb"[ \t]*", data[s:offset])
    return m.group(0).decode() if m else ""


def line_end(data: bytes, offset: int) -> int:
    """The offset of the line break ending the line of ``offset`` (or the end of the data)."""
    end = data.find(b"\n", offset)
    return len(data) if end < 0 else end


def top_level_statement_end(tree: ts.Tree, offset: int, data: bytes) -> int:
    """The end of the top-level statement holding ``offset`` (else the end of its line)."""
    for stmt in tree.root_node.named_children:
        if stmt.start_byte <= offset < stmt.end_byte:
            return stmt.end_byte
    return line_end(data, offset)


def matching_close(
    data: bytes, open_at: int, open_ch: bytes = b"(", close_ch: bytes = b")"
) -> int | None:
    """Offset just past the bracket closing the one at ``open_at`` (strings skipped)."""
    depth = 0
    i = open_at
    n = len(data)
    quote = None
    while i < n:
        ch = data[i : i + 1]
        if quote:
            if ch == b"\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in (b'"', b"'", b"`"):
            quote = ch
        elif ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
        if i - open_at > 20000:
            return None
    return None
