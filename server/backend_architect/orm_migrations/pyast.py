"""Small helpers over tree-sitter Python nodes."""

from __future__ import annotations

from ..lang import text
from .strings import is_string, string_value


def call_name(call, data: bytes) -> str:
    fn = call.child_by_field_name("function")
    return text(fn, data) if fn is not None else ""


def call_args(call, data: bytes) -> tuple[list, dict]:
    """(positional argument nodes, keyword name -> value node)."""
    args = call.child_by_field_name("arguments")
    pos: list = []
    kw: dict = {}
    if args is None:
        return pos, kw
    for child in args.named_children:
        if child.type == "keyword_argument":
            name = child.child_by_field_name("name")
            value = child.child_by_field_name("value")
            if name is not None and value is not None:
                kw[text(name, data)] = value
        elif child.type not in ("comment", "list_splat", "dictionary_splat"):
            pos.append(child)
    return pos, kw


def arg(call, data: bytes, index: int, name: str):
    pos, kw = call_args(call, data)
    if name in kw:
        return kw[name]
    return pos[index] if index < len(pos) else None


def str_arg(call, data: bytes, index: int, name: str) -> str | None:
    node = arg(call, data, index, name)
    return string_value(node, data) if node is not None else None


def str_list(node, data: bytes) -> list[str]:
    if node is None:
        return []
    if is_string(node):
        v = string_value(node, data)
        return [v] if v is not None else []
    if node.type in ("list", "tuple"):
        out = []
        for c in node.named_children:
            v = string_value(c, data)
            out.append(v if v is not None else "__tmpl__")
        return out
    return []


def literal(node, data: bytes):
    """True/False/None/number/str for simple literals, else the source text."""
    if node is None:
        return None
    t = node.type
    if t == "true":
        return True
    if t == "false":
        return False
    if t == "none":
        return None
    if is_string(node):
        return string_value(node, data)
    if t in ("integer", "float"):
        try:
            return int(text(node, data)) if t == "integer" else float(text(node, data))
        except ValueError:
            return text(node, data)
    return text(node, data)


def walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))
