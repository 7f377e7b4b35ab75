"""Validation fixes shared by the Python frameworks: the fields a view reads, the model or form
that declares them, and the prologue that validates the request with it."""

from __future__ import annotations

import re

from ...app.model import Handler
from ...core.findings import Edit
from ...lang import indent_at, line_start, named_args, text
from ...lang import python as pylang
from .schemas import camel, kind_of, model_name
from ...core.lazy_re import lazy


def raw_reads(h: Handler) -> list:
    """The handler's unvalidated reads of body, form and query data (see kit.python_views)."""
    return [
        r
        for r in h.extra.get("raw_reads", [])
        if r[0].kind in ("body", "form", "query") and not r[3]
    ]


def py_model_name(h: Handler, suffix: str) -> str:
    """Like _model_name; a class-based view's ``OrderView.post`` gives ``OrderPost``."""
    cls, _, meth = h.route.handler.rpartition(".")
    if cls and meth.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        return camel(re.sub(r"(API)?View$", "", cls.rsplit(".", 1)[-1]) + " " + meth, True) + suffix
    return model_name(h, suffix)


def module_statement(node):
    """The top-level statement holding ``node`` (a decorated view, the class of a method, a factory function)."""
    while node.parent is not None and node.parent.type != "module":
        node = node.parent
    return node


def one_kind(raw, data: bytes):
    """The one kind of request data the reads take (None when several) and the request attributes used."""
    kinds = {r[0].kind for r in raw}
    attrs = {
        re.sub(
            r"\W.*",
            "",
            data[r[0].start : r[0].end].decode("utf-8", "surrogatepass").split(".", 1)[-1],
        )
        for r in raw
    }
    return (kinds.pop() if len(kinds) == 1 else None), attrs


def free_name(h, candidates, data: bytes):
    fn_text = data[h.node.start_byte : h.node.end_byte]
    return next(
        (
            v
            for v in tuple(candidates) + ("validated",)
            if not re.search(rb"\b" + v.encode() + rb"\b", fn_text)
        ),
        None,
    )


def collect_fields(h, raw, data: bytes, replacement):
    """The fields a Python view reads from its request data, each replaced by ``replacement(field)``.

    Returns (fields, edits, types) or None when the reads cannot all be rewritten: a read inside a
    branch or nested function (validating first would change the other paths), the payload passed on
    whole (its fields are unknown, and a schema would drop the ones nobody names), or a default value.
    """
    fn_body = h.node.child_by_field_name("body")
    if fn_body is None or fn_body.type != "block" or not fn_body.named_children:
        return None
    fn_text = data[fn_body.start_byte : fn_body.end_byte]
    fields, edits = [], []
    for read, variable, holder, _ in raw:
        stmt = top_statement(holder, fn_body)
        if stmt is None:
            return None
        if variable:
            vf = [(f[1], f[2], f[3], f[4]) for f in h.extra.get("fields", []) if f[0] is read]
            uses = len(re.findall(rb"(?<![.\w])" + re.escape(variable.encode()) + rb"\b", fn_text))
            assign = holder.parent
            if (
                not vf
                or uses != len(vf) + 1
                or stmt.type != "expression_statement"
                or assign is None
                or assign.parent != stmt
            ):
                return None
            fields += vf
            edits.append(remove_statement(stmt, data))
        elif read.name and read.name.isidentifier():
            parent = holder.parent
            if parent is not None and parent.type == "subscript":
                fields.append((read.name, parent.start_byte, parent.end_byte, False))
            elif (
                parent is not None
                and parent.type == "attribute"
                and parent.parent is not None
                and parent.parent.type == "call"
            ):
                call = parent.parent
                if len(named_args(call.child_by_field_name("arguments"))) != 1:
                    return None
                fields.append((read.name, call.start_byte, call.end_byte, True))
            else:
                return None
        else:
            return None
    types = {}
    for fname, s, e, _ in fields:
        node = fn_body.descendant_for_byte_range(s, e)
        conv = (
            node.parent.parent
            if node is not None and node.parent is not None and node.parent.type == "argument_list"
            else None
        )
        if (
            conv is not None
            and conv.type == "call"
            and text(conv.child_by_field_name("function"), data) in ("int", "float", "bool")
        ):
            types[fname] = text(conv.child_by_field_name("function"), data)
        edits.append(Edit(s, e, replacement(fname)))
    return fields, edits, types


def prologue(h, data: bytes, lines: list[str]) -> Edit:
    """An edit inserting ``lines`` as the first statements of the view (after its docstring)."""
    fn_body = h.node.child_by_field_name("body")
    first = fn_body.named_children[0]
    if (
        first.type == "expression_statement"
        and first.named_children
        and first.named_children[0].type == "string"
        and len(fn_body.named_children) > 1
    ):
        indent = indent_at(data, fn_body.named_children[1].start_byte)
        return Edit(first.end_byte, first.end_byte, "".join(f"\n{indent}{line}" for line in lines))
    indent = indent_at(data, first.start_byte)
    at = line_start(data, first.start_byte)
    return Edit(at, at, "".join(f"{indent}{line}\n" for line in lines))


def top_statement(node, block):
    """The statement of ``block`` holding ``node``; None when ``node`` sits in a nested block or function."""
    while node is not None and node.parent != block:
        node = node.parent
        if node is None or node.type in ("block", "lambda"):
            return None
    return node


def remove_statement(stmt, data: bytes) -> Edit:
    """Delete a statement on a line of its own; a trailing comment stays on its line."""
    start = line_start(data, stmt.start_byte)
    nl = data.find(b"\n", stmt.end_byte)
    nl = len(data) if nl < 0 else nl
    rest = data[stmt.end_byte : nl]
    if rest.strip():
        return Edit(stmt.start_byte, stmt.end_byte + len(rest) - len(rest.lstrip()), "")
    return Edit(start, min(nl + 1, len(data)), "")


_LIST_USE = lazy(
    rb"for\s+\w+(?:\s*,\s*\w+)*\s+in\s+$|(?:len|sum|sorted|min|max|any|all|enumerate|set|tuple)\(\s*$|\.join\(\s*$"
)
_NUMBER_AFTER = lazy(rb"^\s*(?:[*/%]|[-+]\s*\d|[<>]=?\s*-?\d|==\s*-?\d)")
_NUMBER_BEFORE = lazy(rb"(?:-?\d+(?:\.\d+)?\s*(?:[*/%+\-]|[<>]=?|==)|round\(|abs\()\s*$")
_STR_AFTER = lazy(
    rb"^\.(?:lower|upper|strip|lstrip|rstrip|split|startswith|endswith|encode|replace|format)\("
)
_DICT_AFTER = lazy(rb"^(?:\.(?:items|keys|values|get)\(|\[\s*['\"])")
_LIST_AFTER = lazy(rb"^(?:\[\s*-?\d+\s*\]|\.(?:index|count)\()")
_ASSIGNED = lazy(rb"(\w+)\s*=\s*$")


def _kind_at(body: bytes, s: int, e: int) -> str | None:
    before, after = body[max(0, s - 60) : s], body[e : e + 40]
    if _LIST_USE.search(before) or _LIST_AFTER.search(after):
        return "list"
    if _DICT_AFTER.search(after):
        return "dict"
    if re.search(rb"float\(\s*$", before):
        return "float"
    if (
        _NUMBER_AFTER.search(after)
        or _NUMBER_BEFORE.search(before)
        or re.search(rb"int\(\s*$", before)
    ):
        return "int"
    if _STR_AFTER.search(after):
        return "str"
    return None


def usage_kind(h, data: bytes, fname: str, s: int, e: int) -> str:
    """The type of a request field from how the handler uses the value (iterated or passed
    to len(): a list; compared with or multiplied by numbers: a number; .lower(): a
    string), following one assignment (``tags = body["tags"]``); else from its name."""
    node = h.node
    lo, hi = (node.start_byte, node.end_byte) if node is not None else (0, len(data))
    kind = _kind_at(data, s, e)
    if kind is None:
        m = _ASSIGNED.search(data[max(lo, s - 40) : s])
        if m:
            name = m.group(1)
            for use in re.finditer(rb"\b" + re.escape(name) + rb"\b", data[e:hi]):
                kind = _kind_at(data, e + use.start(), e + use.end())
                if kind is not None:
                    break
    if kind == "list":
        return "list[Any]"
    if kind == "dict":
        return "dict[str, Any]"
    return kind or kind_of(fname)


def pydantic_class(a, h, model, fields, data, types=None, imports=True):
    """A Pydantic model of ``fields`` declared before the handler's module statement."""
    seen = {}
    inferred: dict[str, str] = {}
    for fname, s, e, optional in fields:
        seen[fname] = seen.get(fname, True) and optional
        if fname not in inferred and (types is None or fname not in types):
            inferred[fname] = usage_kind(h, data, fname, s, e)  # from how the value is used
    lines = [f"class {model}(BaseModel):"]
    for fname, optional in seen.items():
        t = types[fname] if types is not None and fname in types else inferred[fname]
        lines.append(f"    {fname}: {t} | None = None" if optional else f"    {fname}: {t}")
    start = line_start(data, module_statement(h.node).start_byte)
    edits = [Edit(start, start, "\n".join(lines) + "\n\n\n")]
    needed = []
    if imports and not re.search(rb"from pydantic import[^\n]*\bBaseModel\b", data):
        needed.append("from pydantic import BaseModel")
    if any("Any" in t for t in inferred.values()) and not re.search(
        rb"from typing import[^\n]*\bAny\b", data
    ):
        needed.append("from typing import Any")
    imp = pylang.add_import(data, a.tree, "\n".join(needed)) if needed else None
    if imp is not None:
        edits.append(imp)
    return edits
