"""JavaScript / TypeScript syntax helpers: imports (ES modules or CommonJS, as the file does)."""

from __future__ import annotations

import os
import re

import tree_sitter as ts

from ..core.findings import Edit
from . import text


def add_import(data: bytes, tree: ts.Tree, esm_line: str, cjs_line: str) -> Edit | None:
    uses_require = b"require(" in data and not re.search(rb"^[^\S\n]*import\s", data, re.M)
    line = cjs_line if uses_require else esm_line
    quoted = re.search(r"['\"]([^'\"]+)['\"]", line)
    module = quoted.group(1) if quoted else line
    if re.search(rb"""['"]""" + re.escape(module.encode()) + rb"""['"]""", data):
        return None
    last = None
    for stmt in tree.root_node.named_children:
        if (
            stmt.type == "import_statement"
            or stmt.type in ("lexical_declaration", "variable_declaration")
            and b"require(" in data[stmt.start_byte : stmt.end_byte]
        ):
            last = stmt
        elif stmt.type in ("comment", "expression_statement") and last is None:
            continue
        else:
            break
    if last is None:
        return Edit(0, 0, line + "\n")
    return Edit(last.end_byte, last.end_byte, "\n" + line)


def import_names(data: bytes, tree: ts.Tree, module: str, names: list[str]) -> Edit | None:
    """``import { a, b } from "module"``: adds missing names to an existing import or a new one."""
    m = re.search(
        rb"import\s*\{([^}]*)\}\s*from\s*['\"]" + re.escape(module.encode()) + rb"['\"]", data
    )
    if m:
        have = {n.strip() for n in m.group(1).decode().split(",") if n.strip()}
        missing = [n for n in names if n not in have]
        if not missing:
            return None
        inner = m.group(1).decode().rstrip()
        sep = ", " if inner.strip() else " "
        at = m.start(1) + len(inner.encode())
        return Edit(
            at,
            at,
            sep
            + ", ".join(missing)
            + ("" if m.group(1).decode() != inner or not inner.strip() else " "),
        )
    return add_import(
        data,
        tree,
        f'import {{ {", ".join(names)} }} from "{module}";',
        f'const {{ {", ".join(names)} }} = require("{module}");',
    )


def after_imports(source: str) -> int:
    """The byte offset after the last ``import`` / ``require`` line."""
    last = 0
    offset = 0
    for line in source.splitlines(keepends=True):
        offset += len(line.encode("utf-8"))
        if re.match(r"\s*(import\s|const\s+\w+\s*=\s*require\()", line):
            last = offset
    return last


def relative_import(importer: str, module_file: str) -> str:
    """The specifier ``importer`` uses for ``module_file`` ("./middleware")."""
    rel = os.path.relpath(os.path.splitext(module_file)[0], os.path.dirname(importer)).replace(
        os.sep, "/"
    )
    return rel if rel.startswith(".") else "./" + rel


def statement_of(node: ts.Node) -> ts.Node:
    """The statement holding ``node`` (the ancestor whose parent is the program or a block)."""
    while node.parent is not None and node.parent.type not in ("program", "statement_block"):
        node = node.parent
    return node


def parameter_names(fn: ts.Node, data: bytes) -> list[str]:
    """The names of a function's parameters by position ("" for a destructured one); an
    arrow function's single bare parameter too."""
    params = fn.child_by_field_name("parameters")
    if params is None:
        p = fn.child_by_field_name("parameter")
        return [text(p, data)] if p is not None else []
    out = []
    for p in params.named_children:
        pat = (
            p.child_by_field_name("pattern")
            if p.type in ("required_parameter", "optional_parameter")
            else p
        )
        out.append(text(pat, data) if pat is not None and pat.type == "identifier" else "")
    return out


def declaration_start(call: ts.Node) -> int:
    """Where a route registration starts: ``post(`` of a chained ``new Hono().get(...).post(...)``
    (the chain before it declares other routes), else the call itself."""
    fn = call.child_by_field_name("function") if call.type == "call_expression" else None
    if fn is not None and fn.type == "member_expression":
        obj = fn.child_by_field_name("object")
        prop = fn.child_by_field_name("property")
        if obj is not None and obj.type == "call_expression" and prop is not None:
            return prop.start_byte
    return call.start_byte
