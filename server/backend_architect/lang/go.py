"""Go syntax helpers: imports, the method calls of a file."""

from __future__ import annotations

import re

import tree_sitter as ts

from ..core import languages
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


# every method call of a Go file (``x.Name(args)``): the routes, the handlers' request reads
# and the SQL strings' database calls all read them
SELECTOR_CALLS = "(call_expression function: (selector_expression operand: (_) @obj field: (field_identifier) @field) arguments: (argument_list) @args) @call"


def selector_calls(document, tree: ts.Tree) -> tuple[list, list[str]]:
    """The matches of SELECTOR_CALLS in ``tree`` (the parse of ``document``), as
    ``languages.matches`` gives them, and the name each calls (its ``@field``): the tree is
    queried once for all who ask."""
    cache = document._cache
    hit = cache.get("go selector calls")
    if hit is None or hit[0] is not tree:
        data = document.data
        found = list(languages.matches("go", SELECTOR_CALLS, tree.root_node))
        names = [text(m["field"][0], data) for _, m in found]
        hit = cache["go selector calls"] = (tree, found, names)
    return hit[1], hit[2]
