"""Helpers the frameworks' validation fixes share: field types guessed from names, schema
names, JavaScript object literals, Go struct tags."""

from __future__ import annotations

import re

from ...app.model import Handler
from ...core import languages
from ...core.findings import Edit
from ...lang import string_value, text
from ...core.lazy_re import lazy

INT_NAME_RE = lazy(
    r"(^|_)(id|age|count|quantity|qty|limit|offset|page|size|year|amount|price|total|number|num)$|Id$|Count$",
    re.I,
)
BOOL_NAME_RE = lazy(
    r"^(is|has|can|should|enable|enabled|active|allow)[_A-Z]|^(active|enabled|published|private|public|admin)$",
    re.I,
)


def kind_of(name: str) -> str:
    if BOOL_NAME_RE.search(name):
        return "bool"
    if INT_NAME_RE.search(name):
        return "int"
    return "str"


def camel(words: str, upper: bool) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])", words) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "Request"
    return out if upper else out[:1].lower() + out[1:]


def model_name(h: Handler, suffix: str, upper: bool = True) -> str:
    base = h.route.handler.rsplit(".", 1)[-1]
    if not base or base.startswith("<"):
        base = (
            h.route.method.lower()
            + " "
            + " ".join(s for s in h.route.path.split("/") if s and "{" not in s)
        )
    return camel(base, upper) + suffix


def optional_read(data: bytes, read) -> bool:
    before = data[max(0, read.start - 8) : read.start]
    after = data[read.end : read.end + 6]
    return before.rstrip().endswith(b"typeof") or after.lstrip().startswith((b"??", b"||", b"?."))


def js_props(obj, data: bytes) -> dict:
    out = {}
    for c in obj.named_children:
        if c.type == "pair":
            key = c.child_by_field_name("key")
            out[string_value(key, data) or text(key, data)] = c.child_by_field_name("value")
        elif c.type == "shorthand_property_identifier":
            out[text(c, data)] = c
    return out


def js_add_prop(obj, prop: str, data: bytes, indent: str | None = None) -> Edit:
    """An edit adding ``prop`` as the last property of the object literal ``obj``
    (on a line of its own at ``indent`` when given)."""
    members = [c for c in obj.named_children if c.type != "comment"]
    if not members:
        return Edit(obj.start_byte + 1, obj.end_byte - 1, f" {prop} ")
    last = members[-1]
    between = data[last.end_byte : obj.end_byte - 1]
    sep = f"\n{indent}" if indent is not None else " "
    if b"," in between:
        at = last.end_byte + between.index(b",") + 1
        return Edit(at, at, f"{sep}{prop},")
    return Edit(last.end_byte, last.end_byte, f",{sep}{prop}" + ("," if indent is not None else ""))


def unique_name(name: str, data: bytes) -> str:
    """``name``, or ``name2``, ``name3``... when the file already uses it."""
    n, i = name, 2
    while re.search(rb"\b" + n.encode() + rb"\b", data):
        n, i = f"{name}{i}", i + 1
    return n


def find_go_struct(tree, name, data):
    for _, m in languages.matches(
        "go",
        "(type_spec name: (type_identifier) @n type: (struct_type (field_declaration_list) @f))",
        tree.root_node,
    ):
        if text(m["n"][0], data) == name.rsplit(".", 1)[-1]:
            return m["f"][0]
    return None


def struct_tag_edits(fields, tag_key: str, data: bytes) -> list[Edit]:
    """Add ``tag_key:"required"`` to every field of a Go struct (keeping its other tags)."""
    edits = []
    for f in fields:
        tag = next(
            (
                c
                for c in f.named_children
                if c.type in ("raw_string_literal", "interpreted_string_literal")
            ),
            None,
        )
        if tag is not None:
            inner = text(tag, data)[1:-1]
            edits.append(
                Edit(
                    tag.start_byte,
                    tag.end_byte,
                    "`" + (inner + " " if inner else "") + f'{tag_key}:"required"`',
                )
            )
        else:
            edits.append(Edit(f.end_byte, f.end_byte, f' `{tag_key}:"required"`'))
    return edits
