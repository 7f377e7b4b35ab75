"""SERVICE: move a handler's inline logic into a service function.

The handler keeps the HTTP part (reading the request, wrapping the answer); the
statements between become a function in a services module, called with the
values it needs. One edit across two files: the services module (created or
appended to) and the handler.
"""

from __future__ import annotations

import os
import re

from ..core.document import Document
from ..core.findings import Edit
from ..core.languages import parse, query  # noqa: F401
from . import naming
from .base import CommandError, FileChange, Target, handler, open_or_read, result, send_edit, show, to_json, workspace_edit

HTTP_NAMES = {
    "request", "req", "res", "response", "jsonify", "abort", "make_response", "Response", "JSONResponse",
    "HTTPException", "status", "redirect", "url_for", "g", "session",
}
RESPONSE_WRAPPERS = {"jsonify", "JSONResponse", "make_response"}
ROUTE_DECORATOR_ANYWHERE = re.compile(r"^\s*@\w+(\.\w+)*\.(get|post|put|patch|delete|route|api_route)\(", re.M)
ROUTE_DECORATOR = re.compile(r"^@\w+(\.\w+)*\.(get|post|put|patch|delete|route|api_route)\b")

_PY_FUNCS = "(function_definition) @fn"
_PY_IDENTS = "(identifier) @id"
_PY_IMPORTS = "[(import_statement) (import_from_statement)] @imp"


def _text(node, data: bytes) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def handler_at(doc: Document, offset: int):
    """The route handler function around ``offset`` (Python: a decorated route function), or None."""
    if doc.language != "python" or not ROUTE_DECORATOR_ANYWHERE.search(doc.text):
        return None
    from .base import tree_of

    node = tree_of(doc, "python").root_node.descendant_for_byte_range(offset, offset)
    while node is not None:
        if node.type == "function_definition" and node.parent is not None and node.parent.type == "decorated_definition":
            decos = [c for c in node.parent.children if c.type == "decorator"]
            if any(ROUTE_DECORATOR.match(_text(d, doc.data)) for d in decos):
                return node
        node = node.parent
    return None


def _identifiers(node, data: bytes) -> list[tuple[str, object]]:
    from tree_sitter import QueryCursor

    caps = QueryCursor(query("python", _PY_IDENTS)).captures(node)
    return [(_text(n, data), n) for n in caps.get("id", [])]


def _assigned(stmt, data: bytes) -> set[str]:
    names = set()
    if stmt.type == "expression_statement" and stmt.named_children and stmt.named_children[0].type == "assignment":
        left = stmt.named_children[0].child_by_field_name("left")
        if left is not None:
            names |= {n for n, _ in _identifiers(left, data)}
    return names


def _params(fn, data: bytes) -> list[str]:
    out = []
    params = fn.child_by_field_name("parameters")
    for p in params.named_children if params is not None else []:
        if p.type == "identifier":
            out.append(_text(p, data))
        else:
            name = p.child_by_field_name("name") or (p.named_children[0] if p.named_children else None)
            if name is not None and name.type == "identifier":
                out.append(_text(name, data))
    return [p for p in out if p not in ("self", "cls")]


def _module_names(tree, data: bytes) -> tuple[dict[str, str], set[str]]:
    """(imported name -> its import statement, names defined at module level)."""
    imported: dict[str, str] = {}
    defined: set[str] = set()
    for child in tree.root_node.named_children:
        if child.type in ("import_statement", "import_from_statement"):
            text = _text(child, data)
            if text.startswith("from __future__"):
                continue
            for alias in child.named_children:
                if child.type == "import_from_statement" and alias == child.child_by_field_name("module_name"):
                    continue
                if alias.type == "aliased_import":
                    name = alias.child_by_field_name("alias")
                    imported[_text(name, data)] = text
                elif alias.type == "dotted_name":
                    imported[_text(alias, data).split(".")[0]] = text
        elif child.type in ("function_definition", "class_definition"):
            defined.add(_text(child.child_by_field_name("name"), data))
        elif child.type == "decorated_definition":
            d = child.child_by_field_name("definition")
            if d is not None:
                defined.add(_text(d.child_by_field_name("name"), data))
        elif child.type == "expression_statement":
            defined |= _assigned(child, data)
    return imported, defined


def _module_path(path: str) -> tuple[str, str]:
    """(package root folder, dotted module of ``path``) walking up through __init__.py files."""
    folder = os.path.dirname(path)
    parts = [os.path.splitext(os.path.basename(path))[0]]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    return folder, ".".join(parts)


def default_services_path(handler_path: str) -> str:
    """``<top package>/services/<module>_service.py`` (or ``services/`` beside a loose module)."""
    folder_root, handler_module = _module_path(handler_path)
    parts = handler_module.split(".")
    base = os.path.join(folder_root, parts[0]) if len(parts) > 1 else os.path.dirname(handler_path)
    return os.path.join(base, "services", f"{naming.snake(parts[-1])}_service.py")


def extract_python(doc: Document, fn, services_path: str | None = None, existing: Document | None = None):
    """(handler edit, services file change, service function name, notes) for a Python handler."""
    data = doc.data
    tree = parse(data, "python")
    body = fn.child_by_field_name("body")
    stmts = [s for s in body.named_children if s.type != "comment"]
    if stmts and stmts[0].type == "expression_statement" and stmts[0].named_children and stmts[0].named_children[0].type == "string":
        stmts = stmts[1:]  # keep the docstring
    if len(stmts) < 2:
        raise CommandError("SERVICE: this handler has no inline logic to move (fewer than two statements).")
    # leading statements that read the request stay in the handler
    kept = []
    i = 0
    while i < len(stmts) - 1 and any(n in HTTP_NAMES for n, _ in _identifiers(stmts[i], data)) and stmts[i].type == "expression_statement":
        kept.append(stmts[i])
        i += 1
    moved = stmts[i:]
    last = moved[-1]
    wrapper = None
    result_expr = None
    if last.type == "return_statement":
        value = last.named_children[0] if last.named_children else None
        if value is not None and value.type == "call":
            fname = _text(value.child_by_field_name("function"), data)
            args = value.child_by_field_name("arguments")
            if fname in RESPONSE_WRAPPERS and args is not None and len(args.named_children) >= 1 and args.named_children[0].type != "keyword_argument":
                wrapper = (fname, args.named_children[0], args)
        if value is not None and value.type == "dictionary":
            pairs = value.named_children
            if len(pairs) == 1 and pairs[0].type == "pair" and _text(pairs[0].child_by_field_name("key"), data).strip("'\"") == "data":
                wrapper = ("{data}", pairs[0].child_by_field_name("value"), None)
        result_expr = wrapper[1] if wrapper else value
    if not moved or len(moved) == 1 and last.type == "return_statement" and wrapper is None:
        raise CommandError("SERVICE: nothing to move: the handler only returns.")
    imported, defined = _module_names(tree, data)
    available = set(_params(fn, data))
    for s in kept:
        available |= _assigned(s, data)
    used: list[str] = []
    seen: set[str] = set()
    moved_start, moved_end = moved[0].start_byte, last.end_byte
    for name, node in _identifiers(body, data):
        if moved_start <= node.start_byte < moved_end and name in available and name not in seen:
            # skip attribute names and keyword argument names
            parent = node.parent
            if parent is not None and parent.type == "attribute" and parent.child_by_field_name("attribute") == node:
                continue
            if parent is not None and parent.type == "keyword_argument" and parent.child_by_field_name("name") == node:
                continue
            seen.add(name)
            used.append(name)
    notes = []
    http_used = sorted({n for s in moved for n, _ in _identifiers(s, data) if n in HTTP_NAMES and n not in available})
    if http_used:
        notes.append(f"the moved code still uses {', '.join(http_used)}; replace it with a domain error or value")
    needed_imports = []
    module_refs = []
    for name, node in _identifiers(body, data):
        if moved_start <= node.start_byte < moved_end:
            if name in imported:
                stmt = imported[name]
                m = re.match(r"from\s+(\S+)\s+import\s+", stmt)
                line = f"from {m.group(1)} import {name}" if m and " as " not in stmt and "(" not in stmt else stmt
                if line not in needed_imports:
                    needed_imports.append(line)
            elif name in defined and name not in available and name not in module_refs:
                module_refs.append(name)
    handler_name = _text(fn.child_by_field_name("name"), data)
    service_fn = handler_name
    indent = " " * (moved[0].start_point[1])
    # the moved code, re-indented to the service function's body
    lines_src = data[doc.line_starts[moved[0].start_point[0]] : moved_end].decode("utf-8")
    if wrapper is not None:
        rs, re_ = last.start_byte, last.end_byte
        before = data[doc.line_starts[moved[0].start_point[0]] : rs].decode("utf-8")
        lines_src = before + "return " + _text(wrapper[1], data)
        del re_
    dedented = []
    for ln in lines_src.splitlines():
        dedented.append(ln[len(indent):] if ln.startswith(indent) else ln.lstrip())
    body_text = "\n".join("    " + ln if ln.strip() else "" for ln in dedented)
    folder_root, handler_module = _module_path(doc.path)
    if services_path is None:
        services_path = default_services_path(doc.path)
    svc_root, svc_module = _module_path(services_path)
    if not os.path.isfile(os.path.join(os.path.dirname(services_path), "__init__.py")):
        svc_module = os.path.relpath(os.path.splitext(services_path)[0], folder_root).replace(os.sep, ".")
    lazy = ""
    if module_refs:
        lazy = f"    from {handler_module} import {', '.join(module_refs)}  # defined beside the handler; move them here\n\n"
    func = f"def {service_fn}({', '.join(used)}):\n" + f'    """{service_fn.replace("_", " ").capitalize()} (moved from the {handler_name} handler)."""\n' + lazy + body_text + "\n"
    svc_alias = svc_module.split(".")[-1]
    call = f"{svc_alias}.{service_fn}({', '.join(f'{u}={u}' for u in used)})"
    if wrapper is None and last.type != "return_statement":
        handler_tail = f"{indent}{call}\n"
    elif wrapper is None:
        handler_tail = f"{indent}return {call}\n"
    elif wrapper[0] == "{data}":
        handler_tail = f'{indent}return {{"data": {call}}}\n'
    else:
        rest = data[wrapper[1].end_byte : wrapper[2].end_byte - 1].decode("utf-8")
        handler_tail = f"{indent}return {wrapper[0]}({call}{rest})\n"
    start = doc.line_starts[moved[0].start_point[0]]
    end_line = last.end_point[0]
    end = doc.line_starts[end_line + 1] if end_line + 1 < len(doc.line_starts) else len(data)
    handler_edit = Edit(start, end, handler_tail if end < len(data) or data.endswith(b"\n") else handler_tail.rstrip("\n"))
    import_line = f"import {svc_module} as {svc_alias}\n" if "." in svc_module else f"import {svc_module}\n"
    if import_line in doc.text:
        import_line = ""
    imp_off = _after_imports(doc)
    edits = ([Edit(imp_off, imp_off, import_line)] if import_line else []) + [handler_edit]
    header_imports = "\n".join(needed_imports)
    if existing is None:
        text = f'"""Application services: business logic the handlers call; no HTTP here."""\n\nfrom __future__ import annotations\n\n'
        if header_imports:
            text += header_imports + "\n"
        text += "\n\n" + func
        change = FileChange(services_path, text)
    else:
        if re.search(rf"^def {re.escape(service_fn)}\(", existing.text, re.M):
            raise CommandError(f"SERVICE: {os.path.basename(services_path)} already has a function named {service_fn}.")
        ins = []
        missing = [ln for ln in needed_imports if ln not in existing.text]
        if missing:
            off = _after_imports(existing)
            ins.append((off, off, "\n".join(missing) + "\n"))
        end_off = len(existing.data)
        sep = "\n\n" if existing.text.endswith("\n") else "\n\n\n"
        ins.append((end_off, end_off, sep + func))
        change = FileChange(services_path, "", create=False, edits=ins, document=existing)
    return edits, change, service_fn, notes


def _after_imports(doc: Document) -> int:
    last = 0
    offset = 0
    in_doc = False
    for line in doc.text.splitlines(keepends=True):
        offset += len(line.encode("utf-8"))
        if re.match(r"(from\s+\S+\s+import\b|import\s+\S)", line) and not in_doc:
            last = offset
        if line.count('"""') == 1:
            in_doc = not in_doc
    if last == 0:
        m = re.match(rb'\s*(?:"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\')[^\n]*\n', doc.data)
        last = m.end() if m else 0
    return last


@handler("SERVICE")
def service_command(t: Target) -> dict:
    """Move the inline logic of the handler under the cursor into a service function."""
    doc = t.document
    fn = handler_at(doc, t.start)
    if fn is None:
        raise CommandError("SERVICE: put the cursor inside a route handler (a Python function with a route decorator).")
    folder_root, handler_module = _module_path(doc.path)
    services_path = t.options.get("services_path") or default_services_path(doc.path)
    existing = open_or_read(t.session, services_path, t.server) if os.path.isfile(services_path) else None
    edits, change, fname, notes = extract_python(doc, fn, services_path, existing)
    edit = workspace_edit(t.session, doc, edits, [change])
    send_edit(t, edit, "SERVICE: extract")
    from ..core.document import apply_edits

    handler_text = apply_edits(doc.text, edits)
    if change.create:
        services_text = change.text
    else:
        services_text = apply_edits(existing.text, [Edit(s, e, x) for s, e, x in change.edits])
    message = f"SERVICE: moved the logic of {fname} into {os.path.relpath(services_path, t.root)}."
    if notes:
        message += " Note: " + "; ".join(notes) + "."
    show(t, message)
    return result("SERVICE", message, services_path=services_path, services_text=services_text, handler_text=handler_text, edit=to_json(edit))
