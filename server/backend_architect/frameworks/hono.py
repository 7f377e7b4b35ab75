"""Hono: ``app.get(path, ...middleware, handler)`` on ``new Hono()`` apps, ``app.route(prefix,
sub)`` and ``basePath`` prefixes, ``app.use(pattern, mw)``, handlers reading ``c.req.json()`` /
``c.req.query()`` / ``c.req.param()``, validation with ``zValidator`` (@hono/zod-validator),
valibot's ``vValidator`` or ``validator()``, ``jwt()`` / ``bearerAuth()`` guards and the
hono-rate-limiter middleware."""

from __future__ import annotations

import os
import re

import tree_sitter as ts

from ..app.model import LIMITER_RE, SCHEMA_MW_RE, Handler, RequestRead, Route, is_guard
from ..app.model import normalise_path, status_from_text
from ..core import languages
from ..core.document import Document
from ..core.findings import Edit
from ..lang import indent_at, line_start, matching_close, named_args, naming, string_value, text
from ..lang import javascript as jslang
from .base import Framework, Unsupported
from .kit.node_app import install_middleware, require_typescript
from .kit.node_router import JS_CALLS, JS_FUNCS, _js_resolve_handler, koa_import
from .kit.schemas import model_name, unique_name
from .kit.zod import field_tree, zod_fields
from ..core.lazy_re import lazy

_IMPORT = lazy(rb"""(from\s+|require\()\s*['"](hono|hono/[\w/-]+|@hono/[\w-]+)['"]""")
_VERBS = {"get", "post", "put", "patch", "delete", "all", "options", "head"}
_DECLS = "(variable_declarator name: (identifier) @name value: (_) @value) @decl"
# c.req.<method>(...) -> what it reads
_REQ_READS = {
    "json": "body",
    "text": "body",
    "arrayBuffer": "body",
    "blob": "body",
    "parseBody": "form",
    "formData": "form",
    "query": "query",
    "queries": "query",
    "param": "path",
    "header": "header",
}
_STATUS_ARG = {"json": 1, "text": 1, "html": 1, "body": 1, "newResponse": 1, "redirect": 1}
_VALIDATOR_TARGET = {"body": "json", "query": "query", "form": "form"}


class Hono(Framework):
    name = "hono"
    title = "Hono"
    language = "javascript"
    default_language = "typescript"
    scaffolds = True
    validation_idiom = "a zod schema checked by zValidator (@hono/zod-validator)"
    limiter = "hono-rate-limiter"
    middleware_filename = "middleware.ts"
    app_creation = lazy(
        r"^([ \t]*)(?:export\s+)?(?:const|let|var)\s+(\w+)\s*(?::\s*[\w<>{}, ]+\s*)?=\s*new\s+(?:OpenAPI)?Hono\b",
        re.M,
    )
    template_samples = {
        "Entity": "User",
        "Entities": "Users",
        "entity": "user",
        "entities": "users",
        "base": "/users",
        "id_column": "id",
        "sortable": '"id", "email"',
        "zod_fields": "  email: z.string().max(200),\n  age: z.number().int().nullable().optional(),",
    }

    def detects(self, head):
        return not koa_import(head) and b"hono" in head and bool(_IMPORT.search(head))

    # -- routes ---------------------------------------------------------------------------------

    def extract(self, document: Document, tree: ts.Tree, data: bytes) -> list[Handler]:
        lang = document.language or "typescript"
        root = tree.root_node
        functions: dict[str, ts.Node] = {}
        for _, m in languages.matches(lang, JS_FUNCS, root):
            functions.setdefault(text(m["name"][0], data), m["fn"][0])
        prefix: dict[str, str] = {}  # app variable -> its own path prefix (basePath)
        parent: dict[str, tuple[str, str]] = {}  # mounted app -> (parent app, mount path)
        for _, m in languages.matches(lang, _DECLS, root):
            var, value = text(m["name"][0], data), m["value"][0]
            base, path = _app_expression(value, data)
            if base is None:
                continue
            if base == "new":
                prefix[var] = path
            elif base in prefix or base in parent:
                parent[var] = (base, path)
        uses: list[tuple[int, str, str, list[ts.Node]]] = []  # (position, app, pattern, middleware)
        registrations = []
        for _, m in languages.matches(lang, JS_CALLS, root):
            prop = text(m["prop"][0], data)
            call = m["call"][0]
            obj = _chain_base(m["obj"][0], data)
            args = named_args(m["args"][0])
            if prop == "route" and len(args) == 2 and args[1].type == "identifier":
                parent[text(args[1], data)] = (obj, string_value(args[0], data) or "")
            elif prop == "use":
                pattern = string_value(args[0], data) if args else None
                uses.append((call.start_byte, obj, pattern or "*", args[1:] if pattern else args))
            elif prop in _VERBS or prop == "on":
                if prop == "on":
                    if len(args) < 3:
                        continue
                    methods = re.findall(r"[A-Za-z]+", text(args[0], data))
                    args = args[1:]
                else:
                    methods = ["ANY" if prop == "all" else prop.upper()]
                if len(args) < 2 or string_value(args[0], data) is None:
                    continue
                registrations.append((call, obj, methods, string_value(args[0], data), args[1:]))

        def full_prefix(app: str, seen=()) -> str:
            if app in parent and app not in seen:
                up, mount = parent[app]
                return normalise_path(prefix.get(app, ""), full_prefix(up, (*seen, app)) + mount)
            return prefix.get(app, "")

        def lineage(app: str) -> list[str]:
            out = [app]
            while out[-1] in parent and parent[out[-1]][0] not in out:
                out.append(parent[out[-1]][0])
            return out

        handlers = []
        for call, obj, methods, raw, rest in registrations:
            path = normalise_path(raw or "", full_prefix(obj))
            handler_node, middleware = rest[-1], list(rest[:-1])
            for pos, app, pattern, mws in uses:
                if app not in lineage(obj) or app == obj and pos > call.start_byte:
                    continue
                scope = (
                    normalise_path(pattern.rstrip("*"), full_prefix(app)) if pattern != "*" else ""
                )
                if pattern == "*" or path == scope or path.startswith(scope.rstrip("/") + "/"):
                    middleware = list(mws) + middleware
            fn, name, _ = _js_resolve_handler(handler_node, functions, data)
            for method in methods:
                route = Route(
                    framework=self.name,
                    language=lang,
                    method=method.upper(),
                    path=path,
                    handler=name,
                    start=(fn or handler_node).start_byte,
                    end=(fn or handler_node).end_byte,
                    decl_start=jslang.declaration_start(call),
                    decl_end=call.end_byte,
                    group=obj,
                    handler_in_file=fn is not None,
                )
                h = Handler(
                    route, fn, call, {"middleware": middleware, "handler_arg": handler_node}
                )
                for mw in middleware:
                    label = text(mw, data)
                    if LIMITER_RE.search(label):
                        route.limiter = True
                    elif SCHEMA_MW_RE.search(label):
                        route.schema = route.schema or label[:60]
                    elif is_guard(label):
                        route.guards.append(label[:60])
                if fn is not None:
                    _details(h, lang, data)
                handlers.append(h)
        return handlers

    # -- IV001 ----------------------------------------------------------------------------------

    def input_label(self, h, kind):
        c = h.route.request_names[0] if h.route.request_names else "c"
        return {"body": f"`{c}.req.json()`", "query": f"`{c}.req.query()`"}.get(kind, f"`{c}.req`")

    def validation_fix(self, a, h, kind, data):
        """A zod schema of the fields read, checked by ``zValidator`` before the handler; the
        handler reads ``c.req.valid(target)``."""
        reads = [r for r in h.route.reads if r.kind == kind]
        calls = h.extra.get("read_calls", {}).get(kind, [])
        if not reads or any(r.name is None for r in reads) or not calls or h.decl is None:
            return None
        target = _VALIDATOR_TARGET[kind]
        tree, optional = field_tree(reads, data)
        schema = unique_name(
            model_name(h, "Body" if kind == "body" else "Query", upper=False), data
        )
        stmt = jslang.statement_of(h.decl)
        indent = indent_at(data, stmt.start_byte)
        start = line_start(data, stmt.start_byte)
        decl = f"{indent}const {schema} = z.object({{\n{zod_fields(tree, optional, kind, indent)}\n{indent}}});\n\n"
        handler_arg = h.extra["handler_arg"]
        c = h.route.request_names[0]
        edits = [
            Edit(start, start, decl),
            Edit(
                handler_arg.start_byte,
                handler_arg.start_byte,
                f'zValidator("{target}", {schema}), ',
            ),
        ]
        for s, e, field in calls:
            valid = f'{c}.req.valid("{target}")'
            edits.append(Edit(s, e, f"{valid}.{field}" if field else valid))
        for module, names in (("@hono/zod-validator", ["zValidator"]), ("zod", ["z"])):
            imp = jslang.import_names(data, a.tree, module, names)
            if imp is not None:
                edits.append(imp)
        return edits, f"generate zod schema {schema}, checked by zValidator before the handler"

    # -- RL001 ----------------------------------------------------------------------------------

    def rate_limit_fix(self, a, h, data):
        args = named_args(h.decl.child_by_field_name("arguments"))
        if not args:
            return None
        edits = [Edit(args[0].end_byte, args[0].end_byte, ", authLimiter")]
        if not re.search(rb"\bauthLimiter\s*=", data):
            stmt = jslang.statement_of(h.decl)
            start = line_start(data, stmt.start_byte)
            indent = indent_at(data, stmt.start_byte)
            edits.append(
                Edit(
                    start,
                    start,
                    f"{indent}const authLimiter = rateLimiter({{\n"
                    f"{indent}  windowMs: 15 * 60 * 1000,\n"
                    f"{indent}  limit: 10,\n"
                    f'{indent}  keyGenerator: (c) => c.req.header("x-forwarded-for") ?? "",\n'
                    f"{indent}}});\n\n",
                )
            )
            imp = jslang.import_names(data, a.tree, "hono-rate-limiter", ["rateLimiter"])
            if imp is not None:
                edits.append(imp)
        return edits, self.limiter

    # -- API003: c.json(x) answers 200 --------------------------------------------------------

    def created_status_edits(self, h, data):
        edits = []
        for _call, name, args in _context_calls(h, data):
            if name != "json" or not args:
                continue
            if len(args) == 1:
                edits.append(Edit(args[0].end_byte, args[0].end_byte, ", 201"))
            elif status_from_text(text(args[1], data)) == 200:
                edits.append(Edit(args[1].start_byte, args[1].end_byte, "201"))
        return edits

    # -- API005: c.json({...}, 4xx) -------------------------------------------------------------

    def error_literals(self, body):
        out = []
        for m in re.finditer(rb"\b\w+\.json\(\s*(\{)", body):
            close = matching_close(body, m.start(1), b"{", b"}")
            if close is None:
                continue
            status = re.match(rb"\s*,\s*([\w.]+)\s*\)", body[close : close + 40])
            if status and re.fullmatch(rb"[45]\d\d", status.group(1)):
                out.append((m.start(), close, body[m.start(1) : close]))
        return out

    # -- MIDDLEWARE, ENDPOINT -----------------------------------------------------------------

    def middleware(self, doc, app, after, indent, path):
        require_typescript(self, doc)
        return install_middleware(self, doc, app, after, indent, path)

    def endpoint_file(self, table, ops, base, language, package):
        if set(ops) != {"list", "get", "create", "replace", "update", "delete"}:
            return None
        if language not in ("typescript", "tsx"):
            raise Unsupported(
                "ENDPOINT: the Hono generator writes TypeScript; pick --language typescript."
            )
        fields = []
        for c in table.writable:
            kind = naming.py_type(c.type)
            z = {"int": "z.number().int()", "float": "z.number()", "bool": "z.boolean()"}.get(
                kind, "z.string()"
            )
            m = re.search(r"(?:varchar|character varying)\s*\(\s*(\d+)\s*\)", c.type, re.I)
            if m:
                z += f".max({m.group(1)})"
            if c.nullable:
                z += ".nullable()"
            if not c.required:
                z += ".optional()"
            fields.append(f"  {c.name}: {z},")
        return self.template(
            "endpoint.ts",
            Entity=naming.pascal(naming.singular(table.name)),
            Entities=naming.pascal(table.name),
            entity=naming.camel(naming.singular(table.name)),
            entities=naming.camel(table.name),
            base=base,
            id_column=table.id_column.name,
            sortable=", ".join(f'"{c.name}"' for c in table.columns),
            zod_fields="\n".join(fields),
        )

    def endpoint_location(self, root, stem, camel, language):
        folder = "src/routes" if os.path.isdir(os.path.join(root, "src")) else "routes"
        return folder, f"{camel}.ts"


def _app_expression(node: ts.Node, data: bytes) -> tuple[str | None, str]:
    """("new", basePath) for ``new Hono()`` / ``new Hono().basePath("/p")``; (app, basePath)
    for ``app.basePath("/p")``; (None, "") otherwise."""
    path = ""
    while node.type == "call_expression":
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return None, ""
        if text(fn.child_by_field_name("property"), data) != "basePath":
            return None, ""
        args = named_args(node.child_by_field_name("arguments"))
        path = normalise_path((string_value(args[0], data) or "") if args else "", "") + path
        inner = fn.child_by_field_name("object")
        if inner is None:
            return None, ""
        node = inner
    if node.type == "new_expression":
        ctor = text(node.child_by_field_name("constructor"), data)
        return (
            ("new", path if path != "/" else "") if ctor in ("Hono", "OpenAPIHono") else (None, "")
        )
    if node.type == "identifier" and path:
        return text(node, data), path
    return None, ""


def _chain_base(node: ts.Node, data: bytes) -> str:
    """``app`` for ``app.get(...).post(...)``: Hono's route methods return the app."""
    while node.type == "call_expression":
        fn = node.child_by_field_name("function")
        inner = fn.child_by_field_name("object") if fn is not None else None
        if fn is None or fn.type != "member_expression" or inner is None:
            break
        node = inner
    return text(node, data)


def _context_calls(h: Handler, data: bytes):
    """(call, method, args) of ``c.<method>(...)`` calls in the handler (c: its context)."""
    if h.node is None or not h.route.request_names:
        return
    c = h.route.request_names[0]
    body = h.node.child_by_field_name("body")
    if body is None:
        return
    for _, m in languages.matches(h.route.language, JS_CALLS, body):
        if text(m["obj"][0], data) == c:
            yield m["call"][0], text(m["prop"][0], data), named_args(m["args"][0])


def _details(h: Handler, lang: str, data: bytes) -> None:
    """What a ``(c) => ...`` handler reads, its status codes and whether it answers a body."""
    route, fn = h.route, h.node
    if fn is None:
        return
    params = fn.child_by_field_name("parameters")
    if params is None:
        p = fn.child_by_field_name("parameter")
        names = [text(p, data)] if p is not None else []
    else:
        names = [text(p.child_by_field_name("pattern") or p, data) for p in params.named_children]
    if not names or not re.fullmatch(r"[A-Za-z_$][\w$]*", names[0]):
        return
    c = names[0]
    route.request_names = [c]
    body = fn.child_by_field_name("body")
    if body is None:
        return
    read_calls: dict[str, list[tuple[int, int, str | None]]] = {}
    for _, m in languages.matches(lang, JS_CALLS, body):
        obj, prop, call = m["obj"][0], text(m["prop"][0], data), m["call"][0]
        args = named_args(m["args"][0])
        if text(obj, data) == c:
            index = _STATUS_ARG.get(prop)
            if prop == "status" and args:
                index = 0
            if index is not None and len(args) > index:
                code = status_from_text(text(args[index], data))
                if code:
                    route.status_codes.append(code)
            if (
                prop in ("json", "text", "html")
                or prop == "body"
                and args
                and text(args[0], data) != "null"
            ):
                route.returns_body = True
            continue
        if text(obj, data) != f"{c}.req" or prop not in _REQ_READS:
            continue
        kind = _REQ_READS[prop]
        if kind in ("query", "path", "header"):
            name = string_value(args[0], data) if args else None
            route.reads.append(RequestRead(kind, name, call.start_byte, call.end_byte))
            if kind == "query" and name is not None:
                read_calls.setdefault("query", []).append((call.start_byte, call.end_byte, name))
            continue
        whole = (
            call.parent
            if call.parent is not None and call.parent.type == "await_expression"
            else call
        )
        fields = _fields_of_body(whole, fn, lang, data)
        if not fields:
            route.reads.append(RequestRead(kind, None, call.start_byte, call.end_byte))
            continue
        for name, s, e in fields:
            route.reads.append(RequestRead(kind, name, s, e))
        read_calls.setdefault(kind, []).append((whole.start_byte, whole.end_byte, None))
    h.extra["read_calls"] = read_calls
    if re.search(r"\.(safeParse|parse|parseAsync)\(|\bv\.parse\(", text(body, data)):
        m = re.search(r"(\w+)\.(?:safeParse|parse|parseAsync)\(", text(body, data))
        route.schema = route.schema or (m.group(1) if m else "validated")


def _fields_of_body(read: ts.Node, fn: ts.Node, lang: str, data: bytes):
    """Fields used from ``await c.req.json()``: ``const {a, b} = ...`` or ``const body = ...``
    then ``body.a``; [] when the value is used whole. Every field is reported at the read."""
    decl = read.parent
    if (
        decl is None
        or decl.type != "variable_declarator"
        or decl.child_by_field_name("value") != read
    ):
        return []
    pattern = decl.child_by_field_name("name")
    if pattern is None:
        return []
    if pattern.type == "object_pattern":
        out = []
        for p in pattern.named_children:
            key = p.child_by_field_name("key") or p.child_by_field_name("left") or p
            if key.type in (
                "shorthand_property_identifier_pattern",
                "property_identifier",
                "identifier",
            ):
                out.append((text(key, data), read.start_byte, read.end_byte))
            else:
                return []
        return out
    if pattern.type != "identifier":
        return []
    var = text(pattern, data)
    out = []
    uses = 0
    for node in languages.captures(lang, "(identifier) @i", fn).get("i", []):
        if text(node, data) != var or node == pattern:
            continue
        uses += 1
        parent = node.parent
        if (
            parent is not None
            and parent.type == "member_expression"
            and parent.child_by_field_name("object") == node
        ):
            prop = text(parent.child_by_field_name("property"), data)
            out.append((prop, read.start_byte, read.end_byte))
        else:
            return []  # the whole body is passed on: the fields are not known here
    return out if uses else []


FRAMEWORK = Hono()
