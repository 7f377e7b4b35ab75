"""Python syntax helpers: imports."""

from __future__ import annotations

import os
import re

import tree_sitter as ts

from ..core.findings import Edit
from . import text


def add_import(data: bytes, tree: ts.Tree, line: str) -> Edit | None:
    """An edit adding ``line`` after the module's top-level imports (None when present)."""
    if line.encode() in data:
        return None
    last = None
    for stmt in tree.root_node.named_children:
        if stmt.type in ("import_statement", "import_from_statement", "future_import_statement"):
            last = stmt
        elif last is not None or stmt.type not in ("expression_statement", "comment"):
            if (
                last is None
                and stmt.type == "expression_statement"
                and stmt.named_children
                and stmt.named_children[0].type == "string"
            ):
                continue  # module docstring
            break
    if last is None:
        return Edit(0, 0, line + "\n")
    return Edit(last.end_byte, last.end_byte, "\n" + line)


def import_names(data: bytes, tree, module: str, names: list[str]) -> Edit | None:
    """``from module import a, b``: adds missing names to an existing import or a new line."""
    for stmt in tree.root_node.named_children:
        if (
            stmt.type != "import_from_statement"
            or text(stmt.child_by_field_name("module_name"), data) != module
        ):
            continue
        imported = stmt.children_by_field_name("name")
        have = {text(n, data).split(" as ")[-1].strip() for n in imported}
        if "*" in text(stmt, data).split("import", 1)[-1]:
            return None
        missing = [n for n in names if n not in have]
        if not missing:
            return None
        if not imported:
            continue
        last = imported[-1]
        return Edit(last.end_byte, last.end_byte, "".join(", " + n for n in missing))
    return add_import(data, tree, f"from {module} import {', '.join(names)}")


def after_imports(source: str) -> int:
    """The byte offset after a module's last top-level import (after its docstring when none)."""
    last = 0
    offset = 0
    in_doc = False
    for line in source.splitlines(keepends=True):
        offset += len(line.encode("utf-8"))
        if re.match(r"(from\s+\S+\s+import\b|import\s+\S)", line) and not in_doc:
            last = offset
        if line.count('"""') == 1:
            in_doc = not in_doc
    if last == 0:
        m = re.match(rb'\s*(?:"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\')[^\n]*\n', source.encode("utf-8"))
        last = m.end() if m else 0
    return last


def module_path(path: str) -> tuple[str, str]:
    """(package root folder, dotted module of ``path``) walking up through __init__.py files."""
    folder = os.path.dirname(path)
    parts = [os.path.splitext(os.path.basename(path))[0]]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return folder, ".".join(parts)


def import_name(importer: str, module_file: str) -> str:
    """How the Python file ``importer`` imports ``module_file`` (a module beside it or in its package)."""
    _, app_module = module_path(importer)
    _, mod = module_path(module_file)
    if "." not in app_module:
        mod = os.path.splitext(os.path.basename(module_file))[0]
    return mod


def missing_imports(doc_text: str, imports: str) -> tuple[int, str]:
    """(byte offset, text) adding the import lines the file lacks, after its last top-level import."""
    have = set(doc_text.splitlines())
    needed = [ln for ln in imports.splitlines() if ln.strip() and ln not in have]
    if not needed:
        return 0, ""
    data = doc_text.encode("utf-8")
    last = 0
    offset = 0
    for line in doc_text.splitlines(keepends=True):
        offset += len(line.encode("utf-8"))
        if re.match(r"(from\s+\S+\s+import\b|import\s+\S)", line) and not line.startswith(
            "from __future__"
        ):
            last = offset
    if last == 0:
        m = re.match(
            rb'(\s*("""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\')\s*\n)?(from __future__[^\n]*\n)?', data
        )
        last = m.end() if m else 0
    return last, "\n".join(needed) + "\n"
