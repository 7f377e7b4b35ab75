"""String literals of Python and JavaScript/TypeScript as SQL text with an offset map."""

from __future__ import annotations

import ast
import json

from ..core.regions import PLACEHOLDER_SCHEMA, OffsetMap

_STRING_TYPES = {"string", "concatenated_string", "template_string"}


def is_string(node) -> bool:
    return node is not None and node.type in _STRING_TYPES


def literal_text(node, data: bytes) -> tuple[str, OffsetMap, str] | None:
    """(text, map to document bytes, quote) of a string literal node, or None.

    Escapes are decoded (replace pieces), interpolations (f-strings, `${...}`)
    become a placeholder name. ``quote`` is the delimiter (for fix safety).
    """
    out: list[str] = []
    omap = OffsetMap()
    quote = ""
    strings = (
        [c for c in node.children if c.type == "string"]
        if node.type == "concatenated_string"
        else [node]
    )
    for i, s in enumerate(strings):
        if i:
            out.append(" ")
            omap.replace(1, s.start_byte, 0)
        q = _emit_string(s, data, out, omap)
        if q is None:
            return None
        quote = quote or q
    return "".join(out), omap, quote


def _emit_string(node, data: bytes, out: list[str], omap: OffsetMap) -> str | None:
    start_tok = next((c for c in node.children if c.type == "string_start"), None)
    if node.type == "template_string":
        quote, raw = "`", False
    elif start_tok is not None:  # python
        prefix = data[start_tok.start_byte : start_tok.end_byte].decode()
        raw = "r" in prefix.lower()
        quote = prefix.lstrip("rRbBuUfF")
    else:  # javascript string: '...' or "..."
        quote, raw = data[node.start_byte : node.start_byte + 1].decode(), False

    def content(n):
        pos = n.start_byte
        for c in n.children:
            if c.type == "escape_sequence" and not raw:
                if c.start_byte > pos:
                    _copy(data, pos, c.start_byte, out, omap)
                decoded = _decode_escape(data[c.start_byte : c.end_byte].decode("utf-8", "replace"))
                out.append(decoded)
                omap.replace(
                    len(decoded.encode("utf-8", "surrogatepass")),
                    c.start_byte,
                    c.end_byte - c.start_byte,
                )
                pos = c.end_byte
        if n.end_byte > pos:
            _copy(data, pos, n.end_byte, out, omap)

    for child in node.children:
        t = child.type
        if t in ("string_content", "string_fragment"):
            content(child)
        elif t == "escape_sequence" and not raw:
            decoded = _decode_escape(
                data[child.start_byte : child.end_byte].decode("utf-8", "replace")
            )
            out.append(decoded)
            omap.replace(
                len(decoded.encode("utf-8", "surrogatepass")),
                child.start_byte,
                child.end_byte - child.start_byte,
            )
        elif t == "escape_sequence":
            _copy(data, child.start_byte, child.end_byte, out, omap)
        elif t in ("interpolation", "template_substitution"):
            out.append(PLACEHOLDER_SCHEMA)
            omap.replace(
                len(PLACEHOLDER_SCHEMA), child.start_byte, child.end_byte - child.start_byte
            )
    return quote


def _copy(data: bytes, s: int, e: int, out: list[str], omap: OffsetMap) -> None:
    out.append(data[s:e].decode("utf-8", "surrogatepass"))
    omap.copy(e - s, s)


def _decode_escape(esc: str) -> str:
    try:
        return ast.literal_eval('"' + esc + '"') if esc != '\\"' else '"'
    except Exception:
        try:
            return json.loads('"' + esc + '"')
        except Exception:
            return esc[1:] if len(esc) > 1 else esc


def string_value(node, data: bytes) -> str | None:
    """The plain value of a string literal (None for anything else)."""
    if not is_string(node):
        return None
    got = literal_text(node, data)
    return got[0] if got else None
