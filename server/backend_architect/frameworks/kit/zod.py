"""zod schemas generated from the fields a handler reads (Express, Hono)."""

from __future__ import annotations

import re

from ...app.model import Handler
from ...core.findings import Edit
from ...lang import indent_at, line_start
from ...lang import javascript as jslang
from .schemas import kind_of, model_name, unique_name


def zod_fix(a, h: Handler, kind: str, data: bytes) -> tuple[list[Edit], str] | None:
    """A zod schema of the fields a ``(req, res)`` handler reads from ``req.<kind>``, declared
    before the route and parsed at the top of the handler; the reads use the parsed value."""
    route = h.route
    reads = [r for r in route.reads if r.kind == kind]
    if any(r.name is None for r in reads) or not reads:
        return None
    body = h.node.child_by_field_name("body") if h.node is not None else None
    if body is None or body.type != "statement_block" or h.decl is None:
        return None
    req = route.request_names[0]
    tree, optional = field_tree(reads, data)

    schema = unique_name(model_name(h, "Body" if kind == "body" else "Query", upper=False), data)
    local = "body" if kind == "body" else "query"
    if re.search(rb"(?<![.\w])" + local.encode() + rb"\b", data[body.start_byte : body.end_byte]):
        local = "valid" + local.capitalize()
    decl = h.decl
    stmt = jslang.statement_of(decl)
    start = line_start(data, stmt.start_byte)
    indent = indent_at(data, stmt.start_byte)
    schema_text = f"{indent}const {schema} = z.object({{\n{zod_fields(tree, optional, kind, indent)}\n{indent}}});\n\n"
    edits = [Edit(start, start, schema_text)]
    first_stmt = body.named_children[0] if body.named_children else None
    inner_indent = (
        indent_at(data, first_stmt.start_byte) if first_stmt is not None else indent + "  "
    )
    edits.append(
        Edit(
            body.start_byte + 1,
            body.start_byte + 1,
            f"\n{inner_indent}const {local} = {schema}.parse({req}.{kind});",
        )
    )
    done = set()
    for r in reads:
        # replace "req.body" (the first two names) with the parsed value
        s = r.start
        if s in done:
            continue
        done.add(s)
        seg = data[s : r.end]
        m = re.match(rb"\s*" + re.escape(req.encode()) + rb"\s*\.\s*" + kind.encode(), seg)
        if m:
            edits.append(Edit(s, s + m.end(), local))
    imp = jslang.import_names(data, a.tree, "zod", ["z"])
    if imp is not None:
        edits.append(imp)
    return edits, f"generate zod schema {schema} from the fields the handler reads"


def field_tree(reads, data: bytes) -> tuple[dict, set[str]]:
    """The dotted field names of ``reads`` as a tree ({"user": {"email": None}}), and the names
    read as optional (``typeof x``, ``x ?? d``, ``x || d``)."""
    tree: dict = {}
    optional = set()
    for r in reads:
        node = tree
        parts = r.name.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node.setdefault(parts[-1], None)
        before = data[max(0, r.start - 8) : r.start]
        after = data[r.end : r.end + 6]
        if before.rstrip().endswith(b"typeof") or after.lstrip().startswith((b"??", b"||")):
            optional.add(r.name)
    return tree, optional


def zod_fields(tree: dict, optional: set[str], kind: str, indent: str, prefix: str = "") -> str:
    """The lines inside ``z.object({...})`` for a field tree (types guessed from the names;
    query values are strings, so numbers are coerced)."""
    parts = []
    for k, v in tree.items():
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            inner = zod_fields(v, optional, kind, indent + "  ", path)
            parts.append(f"{indent}  {k}: z.object({{\n{inner}\n{indent}  }}),")
        else:
            t = {
                "int": "z.coerce.number()" if kind == "query" else "z.number()",
                "bool": "z.boolean()",
                "str": "z.string()",
            }[kind_of(k)]
            parts.append(f"{indent}  {k}: {t}{'.optional()' if path in optional else ''},")
    return "\n".join(parts)
