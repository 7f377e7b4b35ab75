"""SERVICE: move a handler's inline logic into a service function.

The handler keeps the HTTP part (reading the request, wrapping the answer); the
statements between become a function in a services module, called with the
values it needs. One edit across two files: the services module (created or
appended to) and the handler.
"""

from __future__ import annotations

import os
import re

from tree_sitter import Node

from ..core.document import Document
from ..core.findings import Edit
from ..core.languages import parse, query
from ..lang import text as _text
from ..lang.javascript import parameter_names
from ..lang.python import after_imports as python_after_imports
from ..lang.python import module_path as _module_path
from . import naming
from .base import (
    CommandError,
    FileChange,
    Target,
    handler,
    line_start,
    next_line_start,
    result,
    send_edit,
    show,
    tree_of,
    workspace_edit,
)

HTTP_NAMES = {
    "request",
    "req",
    "res",
    "response",
    "jsonify",
    "abort",
    "make_response",
    "Response",
    "JSONResponse",
    "HTTPException",
    "status",
    "redirect",
    "url_for",
    "g",
    "session",
}
RESPONSE_WRAPPERS = {"jsonify", "JSONResponse", "make_response"}
ROUTE_DECORATOR_ANYWHERE = re.compile(
    r"^\s*@\w+(\.\w+)*\.(get|post|put|patch|delete|route|api_route)\(", re.M
)
ROUTE_DECORATOR = re.compile(r"^@\w+(\.\w+)*\.(get|post|put|patch|delete|route|api_route)\b")

_PY_FUNCS = "(function_definition) @fn"
_PY_IDENTS = "(identifier) @id"
_PY_IMPORTS = "[(import_statement) (import_from_statement)] @imp"


def handler_at(doc: Document, offset: int):
    """The route handler function around ``offset`` (Python: a decorated route function), or None."""
    if doc.language != "python" or not ROUTE_DECORATOR_ANYWHERE.search(doc.text):
        return None
    node = tree_of(doc, "python").root_node.descendant_for_byte_range(offset, offset)
    while node is not None:
        if (
            node.type == "function_definition"
            and node.parent is not None
            and node.parent.type == "decorated_definition"
        ):
            decos = [c for c in node.parent.children if c.type == "decorator"]
            if any(ROUTE_DECORATOR.match(_text(d, doc.data)) for d in decos):
                return node
        node = node.parent
    return None


def _identifiers(node, data: bytes) -> list[tuple[str, Node]]:
    from tree_sitter import QueryCursor

    caps = QueryCursor(query("python", _PY_IDENTS)).captures(node)
    return [(_text(n, data), n) for n in caps.get("id", [])]


def _assigned(stmt, data: bytes) -> set[str]:
    names = set()
    if (
        stmt.type == "expression_statement"
        and stmt.named_children
        and stmt.named_children[0].type == "assignment"
    ):
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
            name = p.child_by_field_name("name") or (
                p.named_children[0] if p.named_children else None
            )
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
                if child.type == "import_from_statement" and alias == child.child_by_field_name(
                    "module_name"
                ):
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


def default_services_path(handler_path: str) -> str:
    """``<top package>/services/<module>_service.py`` (or ``services/`` beside a loose module)."""
    folder_root, handler_module = _module_path(handler_path)
    parts = handler_module.split(".")
    base = os.path.join(folder_root, parts[0]) if len(parts) > 1 else os.path.dirname(handler_path)
    return os.path.join(base, "services", f"{naming.snake(parts[-1])}_service.py")


def extract_python(
    doc: Document, fn, services_path: str | None = None, existing: Document | None = None
):
    """(handler edit, services file change, service function name, notes) for a Python handler."""
    data = doc.data
    tree = parse(data, "python")
    body = fn.child_by_field_name("body")
    stmts = [s for s in body.named_children if s.type != "comment"]
    if (
        stmts
        and stmts[0].type == "expression_statement"
        and stmts[0].named_children
        and stmts[0].named_children[0].type == "string"
    ):
        stmts = stmts[1:]  # keep the docstring
    if len(stmts) < 2:
        raise CommandError(
            "SERVICE: this handler has no inline logic to move (fewer than two statements)."
        )
    # leading statements that read the request stay in the handler
    kept = []
    i = 0
    while (
        i < len(stmts) - 1
        and any(n in HTTP_NAMES for n, _ in _identifiers(stmts[i], data))
        and stmts[i].type == "expression_statement"
    ):
        kept.append(stmts[i])
        i += 1
    moved = stmts[i:]
    last = moved[-1]
    wrapper = None
    if last.type == "return_statement":
        value = last.named_children[0] if last.named_children else None
        if value is not None and value.type == "call":
            fname = _text(value.child_by_field_name("function"), data)
            args = value.child_by_field_name("arguments")
            if (
                fname in RESPONSE_WRAPPERS
                and args is not None
                and len(args.named_children) >= 1
                and args.named_children[0].type != "keyword_argument"
            ):
                wrapper = (fname, args.named_children[0], args)
        if value is not None and value.type == "dictionary":
            pairs = value.named_children
            if (
                len(pairs) == 1
                and pairs[0].type == "pair"
                and _text(pairs[0].child_by_field_name("key"), data).strip("'\"") == "data"
            ):
                wrapper = ("{data}", pairs[0].child_by_field_name("value"), None)
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
            if (
                parent is not None
                and parent.type == "attribute"
                and parent.child_by_field_name("attribute") == node
            ):
                continue
            if (
                parent is not None
                and parent.type == "keyword_argument"
                and parent.child_by_field_name("name") == node
            ):
                continue
            seen.add(name)
            used.append(name)
    notes = []
    http_used = sorted(
        {
            n
            for s in moved
            for n, _ in _identifiers(s, data)
            if n in HTTP_NAMES and n not in available
        }
    )
    if http_used:
        notes.append(
            f"the moved code still uses {', '.join(http_used)}; replace it with a domain error or value"
        )
    needed_imports = []
    module_refs = []
    for name, node in _identifiers(body, data):
        if moved_start <= node.start_byte < moved_end:
            if name in imported:
                stmt = imported[name]
                m = re.match(r"from\s+(\S+)\s+import\s+", stmt)
                line = (
                    f"from {m.group(1)} import {name}"
                    if m and " as " not in stmt and "(" not in stmt
                    else stmt
                )
                if line not in needed_imports:
                    needed_imports.append(line)
            elif name in defined and name not in available and name not in module_refs:
                module_refs.append(name)
    handler_name = _text(fn.child_by_field_name("name"), data)
    service_fn = handler_name
    indent = " " * (moved[0].start_byte - line_start(doc, moved[0].start_byte))
    # the moved code, re-indented to the service function's body
    lines_src = data[line_start(doc, moved[0].start_byte) : moved_end].decode("utf-8")
    if wrapper is not None:
        rs, re_ = last.start_byte, last.end_byte
        before = data[line_start(doc, moved[0].start_byte) : rs].decode("utf-8")
        lines_src = before + "return " + _text(wrapper[1], data)
        del re_
    dedented = []
    for ln in lines_src.splitlines():
        dedented.append(ln[len(indent) :] if ln.startswith(indent) else ln.lstrip())
    body_text = "\n".join("    " + ln if ln.strip() else "" for ln in dedented)
    folder_root, handler_module = _module_path(doc.path)
    if services_path is None:
        services_path = default_services_path(doc.path)
    svc_root, svc_module = _module_path(services_path)
    if not os.path.isfile(os.path.join(os.path.dirname(services_path), "__init__.py")):
        svc_module = os.path.relpath(os.path.splitext(services_path)[0], folder_root).replace(
            os.sep, "."
        )
    lazy = ""
    if module_refs:
        lazy = f"    from {handler_module} import {', '.join(module_refs)}  # defined beside the handler; move them here\n\n"
    func = (
        f"def {service_fn}({', '.join(used)}):\n"
        + f'    """{service_fn.replace("_", " ").capitalize()} (moved from the {handler_name} handler)."""\n'
        + lazy
        + body_text
        + "\n"
    )
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
    start = line_start(doc, moved[0].start_byte)
    end = next_line_start(doc, last.end_byte)
    handler_edit = Edit(
        start,
        end,
        handler_tail if end < len(data) or data.endswith(b"\n") else handler_tail.rstrip("\n"),
    )
    import_line = (
        f"import {svc_module} as {svc_alias}\n" if "." in svc_module else f"import {svc_module}\n"
    )
    if import_line in doc.text:
        import_line = ""
    imp_off = _after_imports(doc)
    edits = ([Edit(imp_off, imp_off, import_line)] if import_line else []) + [handler_edit]
    header_imports = "\n".join(needed_imports)
    if existing is None:
        text = '"""Application services: business logic the handlers call; no HTTP here."""\n\nfrom __future__ import annotations\n\n'
        if header_imports:
            text += header_imports + "\n"
        text += "\n\n" + func
        change = FileChange(services_path, text)
    else:
        if re.search(rf"^def {re.escape(service_fn)}\(", existing.text, re.M):
            raise CommandError(
                f"SERVICE: {os.path.basename(services_path)} already has a function named {service_fn}."
            )
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
    return python_after_imports(doc.text)


# -- Express (TypeScript / JavaScript) ------------------------------------------------------------------

JS_LANGS = ("typescript", "tsx", "javascript")
EXPRESS_ROUTE_CALL = re.compile(r"\b\w+\.(get|post|put|patch|delete|all)\s*\(")
_JS_IDENTS = (
    "[(identifier) (shorthand_property_identifier) (shorthand_property_identifier_pattern)] @id"
)
_VERBS = {
    "get": "get",
    "post": "create",
    "put": "replace",
    "patch": "update",
    "delete": "delete",
    "all": "handle",
}


def _js_identifiers(node, data: bytes, lang: str) -> list[tuple[str, Node]]:
    from tree_sitter import QueryCursor

    caps = QueryCursor(query(lang, _JS_IDENTS)).captures(node)
    return sorted(((_text(n, data), n) for n in caps.get("id", [])), key=lambda x: x[1].start_byte)


def express_handler_at(doc: Document, offset: int):
    """(route call, handler function, method, path) of the Express route around ``offset``, or None."""
    if doc.language not in JS_LANGS or not EXPRESS_ROUTE_CALL.search(doc.text):
        return None
    node = tree_of(doc).root_node.descendant_for_byte_range(offset, offset)
    while node is not None:
        if node.type == "call_expression":
            callee = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if (
                callee is not None
                and callee.type == "member_expression"
                and args is not None
                and args.named_children
            ):
                method = _text(callee.child_by_field_name("property"), doc.data)
                first, last = args.named_children[0], args.named_children[-1]
                if (
                    method in _VERBS
                    and first.type in ("string", "template_string")
                    and last.type in ("arrow_function", "function_expression", "function")
                ):
                    body = last.child_by_field_name("body")
                    if (
                        body is not None
                        and body.type == "statement_block"
                        and body.start_byte <= offset <= body.end_byte
                    ):
                        return node, last, method, _text(first, doc.data)[1:-1]
        node = node.parent
    return None


def _js_declared(stmt, data: bytes, lang: str) -> set[str]:
    """Names a ``const``/``let``/``var`` statement declares (destructuring included)."""
    names: set[str] = set()
    if stmt.type not in ("lexical_declaration", "variable_declaration"):
        return names
    for d in stmt.named_children:
        if d.type == "variable_declarator":
            target = d.child_by_field_name("name")
            if target is not None:
                names |= {
                    n
                    for n, node in _js_identifiers(target, data, lang)
                    if not (
                        node.parent is not None
                        and node.parent.type == "pair_pattern"
                        and node.parent.child_by_field_name("key") == node
                    )
                }
    return names


def _response_payload(stmt, data: bytes, res_name: str):
    """(payload node or None) when ``stmt`` answers through ``res`` (``return res.status(201).json(x)``,
    ``res.json({ data: x })``, ``res.status(204).end()``); False when it is not a response."""
    expr = (
        stmt.named_children[0]
        if stmt.type in ("return_statement", "expression_statement") and stmt.named_children
        else None
    )
    if expr is not None and expr.type == "await_expression":
        expr = expr.named_children[0] if expr.named_children else None
    if expr is None or expr.type != "call_expression":
        return False
    callee = expr.child_by_field_name("function")
    root = callee
    while root is not None and root.type in ("member_expression", "call_expression"):
        root = (
            root.child_by_field_name("object")
            if root.type == "member_expression"
            else root.child_by_field_name("function")
        )
    if root is None or root.type != "identifier" or _text(root, data) != res_name:
        return False
    method = (
        _text(callee.child_by_field_name("property"), data)
        if callee.type == "member_expression"
        else ""
    )
    args = expr.child_by_field_name("arguments")
    if method not in ("json", "send") or args is None or not args.named_children:
        return None
    value = args.named_children[0]
    if (
        value.type == "object"
        and len(value.named_children) == 1
        and value.named_children[0].type == "pair"
    ):
        pair = value.named_children[0]
        if _text(pair.child_by_field_name("key"), data).strip("'\"") == "data":
            return pair.child_by_field_name("value")
    return value


def _js_module_names(tree, data: bytes, lang: str) -> tuple[dict[str, Node], set[str]]:
    """(name -> the import/require statement node declaring it, other top-level names)."""
    imported: dict[str, Node] = {}
    defined: set[str] = set()
    for child in tree.root_node.named_children:
        if child.type == "import_statement":
            clause = next((c for c in child.named_children if c.type == "import_clause"), None)
            if clause is not None:
                for n, _node in _js_identifiers(clause, data, lang):
                    imported[n] = child
        elif child.type in ("lexical_declaration", "variable_declaration"):
            is_require = "require(" in _text(child, data)
            for n in _js_declared(child, data, lang):
                if is_require:
                    imported[n] = child
                else:
                    defined.add(n)
        elif child.type in ("function_declaration", "class_declaration"):
            name = child.child_by_field_name("name")
            if name is not None:
                defined.add(_text(name, data))
        elif child.type == "export_statement":
            decl = child.child_by_field_name("declaration")
            if decl is not None:
                name = decl.child_by_field_name("name")
                if name is not None:
                    defined.add(_text(name, data))
                defined |= _js_declared(decl, data, lang)
    return imported, defined


def default_js_services_path(handler_path: str) -> str:
    """``services/<module>Service.ts|js``: beside ``routes/`` (or ``controllers/``, ``handlers/``), else under the handler's folder."""
    folder = os.path.dirname(handler_path)
    stem, ext = os.path.splitext(os.path.basename(handler_path))
    if os.path.basename(folder) in ("routes", "controllers", "handlers", "api", "routers"):
        folder = os.path.dirname(folder)
    ext = ".ts" if ext in (".ts", ".tsx", ".mts") else ".js"
    return os.path.join(folder, "services", f"{naming.camel(stem)}Service{ext}")


def _rewrite_specifier(stmt_text: str, from_dir: str, to_dir: str) -> str:
    """The import statement with a relative module path re-based from ``from_dir`` to ``to_dir``."""

    def fix(m):
        spec = m.group(2)
        if not spec.startswith("."):
            return m.group(0)
        target = os.path.normpath(os.path.join(from_dir, spec))
        rel = os.path.relpath(target, to_dir).replace(os.sep, "/")
        if not rel.startswith("."):
            rel = "./" + rel
        return m.group(1) + rel + m.group(1)

    return re.sub(r"""(["'])([^"']+)\1""", fix, stmt_text, count=1)


def extract_express(doc: Document, found, services_path: str, existing: Document | None = None):
    """(handler edits, services file change, service function name, notes) for an Express route handler."""
    call, fn, method, route = found
    data = doc.data
    lang = doc.language or "javascript"  # only called on JavaScript and TypeScript documents
    typescript = lang in ("typescript", "tsx")
    tree = parse(data, lang)
    params = [n for n in parameter_names(fn, data) if n]  # destructured ones left out
    req_name = params[0] if params else "req"
    res_name = params[1] if len(params) > 1 else "res"
    body = fn.child_by_field_name("body")
    stmts = [s for s in body.named_children if s.type != "comment"]
    if len(stmts) < 2:
        raise CommandError(
            "SERVICE: this handler has no inline logic to move (fewer than two statements)."
        )
    kept = []
    i = 0
    while (
        i < len(stmts) - 1
        and stmts[i].type in ("lexical_declaration", "variable_declaration")
        and any(n == req_name for n, _ in _js_identifiers(stmts[i], data, lang))
    ):
        kept.append(stmts[i])
        i += 1
    rest = stmts[i:]
    last = rest[-1]
    payload = _response_payload(last, data, res_name)
    moved = rest[:-1] if payload is not False else rest
    if not moved:
        raise CommandError(
            "SERVICE: nothing to move: the handler only reads the request and answers."
        )
    available = set(params)
    for s in kept:
        available |= _js_declared(s, data, lang)
    moved_start, moved_end = moved[0].start_byte, moved[-1].end_byte
    scan_end = payload.end_byte if payload else moved_end
    scan_start = moved_start
    used: list[str] = []
    imported, defined = _js_module_names(tree, data, lang)
    needed_imports: list[str] = []
    module_refs: list[str] = []
    locally: set[str] = set()
    for s in moved:
        locally |= _js_declared(s, data, lang)
    for name, node in _js_identifiers(body, data, lang):
        inside = scan_start <= node.start_byte < moved_end or (
            payload and payload.start_byte <= node.start_byte < payload.end_byte
        )
        if not inside or name in locally:
            continue
        if name in available and name not in used:
            used.append(name)
        elif name in imported:
            stmt_text = _text(imported[name], data)
            if stmt_text not in needed_imports:
                needed_imports.append(stmt_text)
        elif name in defined and name not in module_refs:
            module_refs.append(name)
    del scan_end
    if payload is not False:
        for name, node in _js_identifiers(last, data, lang):
            if name in locally and not (
                payload and payload.start_byte <= node.start_byte < payload.end_byte
            ):
                raise CommandError(
                    f"SERVICE: the response uses {name} outside its payload (e.g. in a header or status); "
                    "move that part by hand or return it from the service."
                )
    notes = []
    http_used = [
        n
        for n in used
        if n in (req_name, res_name) or n == (params[2] if len(params) > 2 else None)
    ]
    if http_used:
        notes.append(
            f"the moved code still uses {', '.join(http_used)}; replace it with plain values or a domain error"
        )
    if module_refs:
        notes.append(
            f"the moved code uses {', '.join(module_refs)} from the route file; export it from there or move it to the service"
        )
    # the service function
    segs = [
        s
        for s in route.split("/")
        if s and not s.startswith(":") and not re.fullmatch(r"v\d+|api", s)
    ]
    item = bool(re.search(r"/:\w+/?$", route))
    verb = "list" if method == "get" and not item else _VERBS[method]
    if segs and (item or method in ("post", "put", "patch", "delete")):
        segs = segs[:-1] + [naming.singular(segs[-1].replace("-", "_"))]
    fname = (
        verb + "".join(naming.pascal(s.replace("-", "_")) for s in segs) if segs else verb + "Root"
    )
    fname = fname[0].lower() + fname[1:]
    indent = " " * (moved[0].start_byte - line_start(doc, moved[0].start_byte))
    src = data[line_start(doc, moved[0].start_byte) : moved_end].decode("utf-8")
    if payload:
        src += f"\n{indent}return {_text(payload, data)};"
    lines = [ln[len(indent) :] if ln.startswith(indent) else ln.lstrip() for ln in src.splitlines()]
    fbody = "\n".join("  " + ln if ln.strip() else "" for ln in lines)
    ptype = ": any" if typescript else ""
    sig = ", ".join(f"{u}{ptype}" for u in used)
    esm = (
        typescript
        or bool(re.search(r"^\s*import\s", doc.text, re.M))
        or (existing is not None and re.search(r"^\s*export\s", existing.text, re.M))
    )
    if esm:
        func = f"export async function {fname}({sig}) {{\n{fbody}\n}}\n"
    else:
        func = (
            f"async function {fname}({sig}) {{\n{fbody}\n}}\n\nmodule.exports.{fname} = {fname};\n"
        )
    handler_dir = os.path.dirname(doc.path)
    svc_dir = os.path.dirname(services_path)
    svc_alias = os.path.splitext(os.path.basename(services_path))[0]
    call_text = f"await {svc_alias}.{fname}({', '.join(used)})"
    # the handler: the moved statements become the call; the answer keeps its wrapper
    start = line_start(doc, moved[0].start_byte)
    if payload:
        end = payload.start_byte
        tail_edits = [Edit(payload.start_byte, payload.end_byte, call_text)]
        handler_edits = [Edit(start, line_start(doc, last.start_byte), "")] + tail_edits
    else:
        end = next_line_start(doc, moved[-1].end_byte)
        ret = "return " if payload is False and last.type == "return_statement" else ""
        handler_edits = [Edit(start, end, f"{indent}{ret}{call_text};\n")]
    if not _is_async(fn, data):
        handler_edits.insert(0, Edit(fn.start_byte, fn.start_byte, "async "))
    rel = os.path.relpath(os.path.splitext(services_path)[0], handler_dir).replace(os.sep, "/")
    if not rel.startswith("."):
        rel = "./" + rel
    if esm:
        spec = rel + (
            ".js"
            if not typescript and re.search(r"""from\s+["']\.[^"']*\.js["']""", doc.text)
            else ""
        )
        import_line = f'import * as {svc_alias} from "{spec}";\n'
    else:
        import_line = f'const {svc_alias} = require("{rel}");\n'
    if svc_alias not in {n for n in imported}:
        off = _js_after_imports(tree, doc)
        handler_edits.insert(0, Edit(off, off, import_line))
    copied = [_rewrite_specifier(s, handler_dir, svc_dir) for s in needed_imports]
    if existing is None:
        header = f"// Application services: business logic the {os.path.basename(doc.path)} handlers call; no HTTP here.\n"
        text = header + ("\n".join(copied) + "\n" if copied else "") + "\n" + func
        change = FileChange(services_path, text)
    else:
        if re.search(rf"\bfunction\s+{re.escape(fname)}\s*\(", existing.text):
            raise CommandError(
                f"SERVICE: {os.path.basename(services_path)} already has a function named {fname}."
            )
        ins = []
        missing = [s for s in copied if s not in existing.text]
        if missing:
            off = _js_after_imports(parse(existing.data, existing.language or lang), existing)
            ins.append((off, off, "\n".join(missing) + "\n"))
        end_off = len(existing.data)
        ins.append((end_off, end_off, ("\n" if existing.text.endswith("\n") else "\n\n") + func))
        change = FileChange(services_path, "", create=False, edits=ins, document=existing)
    return handler_edits, change, fname, notes


def _is_async(fn, data: bytes) -> bool:
    return any(c.type == "async" or _text(c, data) == "async" for c in fn.children[:2])


def _js_after_imports(tree, doc: Document) -> int:
    """Byte offset after the last top-level import / require statement (0 when there is none)."""
    last = 0
    for child in tree.root_node.named_children:
        if child.type == "import_statement" or (
            child.type in ("lexical_declaration", "variable_declaration")
            and "require(" in _text(child, doc.data)
        ):
            last = next_line_start(doc, child.end_byte)
        elif last:
            break
    return last


@handler("SERVICE")
def service_command(t: Target) -> dict:
    """Move the inline logic of the handler under the cursor into a service function."""
    doc = t.doc
    if doc.language in JS_LANGS:
        return _service_express(t)
    fn = handler_at(doc, t.start)
    if fn is None:
        raise CommandError(
            "SERVICE: put the cursor inside a route handler (a Python function with a route decorator, or an Express route callback)."
        )
    folder_root, handler_module = _module_path(doc.path)
    services_path = t.options.get("services_path") or default_services_path(doc.path)
    existing = t.workspace.read(services_path) if os.path.isfile(services_path) else None
    edits, change, fname, notes = extract_python(doc, fn, services_path, existing)
    edit = workspace_edit(doc, edits, [change])
    send_edit(t, edit, "SERVICE: extract", confirm=True)
    texts = edit.texts()
    handler_text, services_text = texts[doc.path], texts[services_path]
    message = f"SERVICE: moved the logic of {fname} into {os.path.relpath(services_path, t.root)}."
    if notes:
        message += " Note: " + "; ".join(notes) + "."
    show(t, message)
    return result(
        "SERVICE",
        message,
        services_path=services_path,
        services_text=services_text,
        handler_text=handler_text,
    )


def _service_express(t: Target) -> dict:
    doc = t.doc
    found = express_handler_at(doc, t.start)
    if found is None:
        raise CommandError(
            'SERVICE: put the cursor inside an Express route handler (router.post("/x", async (req, res) => { ... })).'
        )
    services_path = t.options.get("services_path") or default_js_services_path(doc.path)
    existing = t.workspace.read(services_path) if os.path.isfile(services_path) else None
    edits, change, fname, notes = extract_express(doc, found, services_path, existing)
    edit = workspace_edit(doc, edits, [change])
    send_edit(t, edit, "SERVICE: extract", confirm=True)
    texts = edit.texts()
    handler_text, services_text = texts[doc.path], texts[services_path]
    message = f"SERVICE: moved the logic of the {found[2].upper()} {found[3]} handler into {fname} in {os.path.relpath(services_path, t.root)}."
    if notes:
        message += " Note: " + "; ".join(notes) + "."
    show(t, message)
    return result(
        "SERVICE",
        message,
        services_path=services_path,
        services_text=services_text,
        handler_text=handler_text,
    )
