"""Go syntax helpers: imports."""

from __future__ import annotations

import re

import tree_sitter as ts

from ..core.findings import Edit
from . import text


def add_import(data: bytes, tree: ts.Tree, path: str | list[str]) -> Edit | None:
    paths = [path] if isinstance(path, str) else list(path)
    paths = [p for p in paths if f'"{p}"'.encode() not in data]
    if not paths:
        return None
    path = '"\n\t"'.join(paths)
    for decl in tree.root_node.named_children:
        if decl.type != "import_declaration":
            continue
        spec_list = next((c for c in decl.named_children if c.type == "import_spec_list"), None)
        if spec_list is not None:
            close = spec_list.children[-1]
            return Edit(close.start_byte, close.start_byte, f'\t"{path}"\n')
        spec = next((c for c in decl.named_children if c.type == "import_spec"), None)
        if spec is not None:
            return Edit(
                decl.start_byte, decl.end_byte, f'import (\n\t{text(spec, data)}\n\t"{path}"\n)'
            )
    pkg = next((c for c in tree.root_node.named_children if c.type == "package_clause"), None)
    at = pkg.end_byte if pkg is not None else 0
    return Edit(at, at, f'\n\nimport (\n\t"{path}"\n)')


def package_name(source: str) -> str:
    """The package a Go file declares ("main" when it declares none)."""
    m = re.search(r"^package\s+(\w+)", source, re.M)
    return m.group(1) if m else "main"
