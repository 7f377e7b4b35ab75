"""Fastify: ``fastify.verb(path, options, handler)`` / ``fastify.route({...})``, route
``schema`` and ``config.rateLimit`` options, plugins and hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..core.findings import Edit
from ..lang import javascript as jslang
from ..lang import named_args
from ..lang import indent_at
from .kit.schemas import js_add_prop, js_props, kind_of, optional_read
from .kit.node_app import install_middleware, require_typescript
from .kit.endpoint_code import max_len, node_location
from ..lang import naming
from .base import Framework, Generated
from .kit.node_router import js_routes, koa_import
from ..core.lazy_re import lazy

_IMPORT = lazy(
    rb"""(from\s+|require\()\s*['"]fastify(-plugin)?['"]|FastifyInstance|FastifyPluginAsync|FastifyPluginCallback"""
)

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


class Fastify(Framework):
    name = "fastify"
    native_error_shape = '`{"statusCode", "error", "message"}`'
    title = "Fastify"
    language = "javascript"
    default_language = "typescript"
    scaffolds = True
    validation_idiom = "a route `schema`"
    limiter = "@fastify/rate-limit"
    route_options = True
    hook_method = "addHook"
    app_creation = lazy(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*\w+\s*)?=\s*(?:Fastify|fastify)\(", re.M
    )

    middleware_filename = "middleware.ts"

    def detects(self, head):
        # every alternative of the pattern spells (f|F)astify: look for that first
        return not koa_import(head) and b"astify" in head and bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return js_routes(document, tree, data, self)

    def rate_limit_fix(self, a, h, data):
        options = h.extra.get("options")
        cfg = 'config: { rateLimit: { max: 5, timeWindow: "1 minute" } }'
        if options is not None:
            if re.search(rb"\bconfig\s*:", data[options.start_byte : options.end_byte]):
                return None
            return [Edit(options.start_byte + 1, options.start_byte + 1, f" {cfg},")], self.limiter
        args = named_args(h.decl.child_by_field_name("arguments"))
        if not args:
            return None
        return [Edit(args[0].end_byte, args[0].end_byte, f", {{ {cfg} }}")], self.limiter

    def validation_fix(self, a, h, kind, data):
        """A JSON schema in the route options: Fastify validates body / querystring with it before the handler."""
        reads = [r for r in h.route.reads if r.kind in ("body", "query") and r.name]
        call = h.decl
        if not reads or call is None or h.node is None:
            return None
        trees = {}
        for r in reads:
            node = trees.setdefault(r.kind, {"props": {}, "required": set()})
            parts = r.name.split(".")
            if not all(re.match(r"^[A-Za-z_$][\w$]*$", p) for p in parts):
                return None
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                if not optional_read(data, r) or not last:
                    node["required"].add(part)
                child = node["props"].get(part)
                if last:
                    if child is None:
                        node["props"][part] = None
                else:
                    if child is None:
                        child = node["props"][part] = {"props": {}, "required": set()}
                    node = child
        for r in reads:  # a field tested for presence is optional even when also read plainly
            if "." not in r.name and optional_read(data, r):
                trees[r.kind]["required"].discard(r.name)

        def schema_parts(node):
            parts = ['type: "object"']
            req = [k for k in node["props"] if k in node["required"]]
            if req:
                parts.append("required: [" + ", ".join(f'"{k}"' for k in req) + "]")
            props = []
            for k, v in node["props"].items():
                if isinstance(v, dict):
                    props.append(f"{k}: {inline(v)}")  # nested objects stay on one line
                else:
                    props.append(
                        f'{k}: {{ type: "{ {"int": "integer", "bool": "boolean", "str": "string"}[kind_of(k)] }" }}'
                    )
            return parts, props

        def inline(node):
            parts, props = schema_parts(node)
            return "{ " + ", ".join(parts + ["properties: { " + ", ".join(props) + " }"]) + " }"

        def block(node, ind):
            parts, props = schema_parts(node)
            lines = (
                [f"{ind}  {p}," for p in parts]
                + [f"{ind}  properties: {{"]
                + [f"{ind}    {p}," for p in props]
                + [f"{ind}  }},"]
            )
            return "{\n" + "\n".join(lines) + f"\n{ind}}}"

        keys = [("body", "body"), ("query", "querystring")]
        used = [(kind, key) for kind, key in keys if kind in trees]

        def schema_block(ind):
            return (
                "{\n"
                + "".join(
                    f"{ind}  {key}: {block(trees[kind], ind + '  ')},\n" for kind, key in used
                )
                + f"{ind}}}"
            )

        options = h.extra.get("options")
        stmt = jslang.statement_of(call)
        ind = indent_at(data, stmt.start_byte)
        if options is None:
            args = call.child_by_field_name("arguments")
            if args is None or len(args.named_children) != 2:
                return None
            handler_arg = args.named_children[1]
            edits = [
                Edit(
                    handler_arg.start_byte,
                    handler_arg.start_byte,
                    f"{{\n{ind}  schema: {schema_block(ind + '  ')},\n{ind}}}, ",
                )
            ]
        else:
            if options.type != "object":
                return None
            schema = js_props(options, data).get("schema")
            target = options if schema is None else schema
            if target.type != "object":
                return None
            multi = b"\n" in data[target.start_byte : target.end_byte]
            if multi:
                members = [c for c in target.named_children if c.type != "comment"]
                mind = indent_at(data, members[0].start_byte) if members else ind + "  "
                if schema is None:
                    prop = f"schema: {schema_block(mind)}"
                else:
                    prop = ",\n".join(
                        f"{mind if i else ''}{key}: {block(trees[kind], mind)}"
                        for i, (kind, key) in enumerate(used)
                    )
                edits = [js_add_prop(target, prop, data, mind)]
            else:
                inner = ", ".join(f"{key}: {inline(trees[kind])}" for kind, key in used)
                edits = [
                    js_add_prop(
                        target, inner if schema is not None else f"schema: {{ {inner} }}", data
                    )
                ]
        kinds = " and ".join(key for kind, key in keys if kind in trees)
        return edits, f"add a route schema for the {kinds} the handler reads"

    def middleware(self, doc, app, after, indent, path):
        require_typescript(self, doc)
        return install_middleware(self, doc, app, after, indent, path)

    def auth_system(self, doc):
        return Generated(
            "auth.ts",
            self.template("auth.ts"),
            library="jsonwebtoken (npm install jsonwebtoken @types/jsonwebtoken)",
            usage='app.addHook("preHandler", requireAuth()) in a scope / requireAuth("admin")',
        )

    def endpoint_file(self, table, ops, base, language, package):
        imports, body = endpoint_code(
            table, ops, base, typescript=language in ("typescript", "tsx")
        )
        if imports:
            return f"// HTTP endpoints for {table.name}.\n{imports}\n\n{body}"
        return f"// HTTP endpoints for {table.name}.\n{body}"

    def endpoint_append(self, doc, table, ops, base, router_var):
        ts = doc.language in ("typescript", "tsx")
        _, body = endpoint_code(table, ops, base, router_var or "app", typescript=ts)
        end = len(doc.data)
        edits = []
        needed = []
        if ts and not re.search(r"\bFastifyReply\b", doc.text):
            needed.append('import type { FastifyReply } from "fastify";\n')
        if not re.search(r"^\s*(?:import\s+Ajv\b|const\s+Ajv\s*=)", doc.text, re.M):
            needed.append('import Ajv from "ajv";\n' if ts else 'const Ajv = require("ajv");\n')
        if needed:
            last = 0
            for m in re.finditer(
                r"^(?:import\b[^;]*|const\s+\w+\s*=\s*require\([^)]*\));?[ \t]*\n", doc.text, re.M
            ):
                last = len(doc.text[: m.end()].encode("utf-8"))
            edits.append((last, last, "".join(needed)))
        edits.append((end, end, ("\n" if doc.text.endswith("\n") else "\n\n") + body))
        return edits

    def endpoint_location(self, root, stem, camel, language):
        return node_location(root, camel, language)


def _input_schema(f) -> dict:
    """The JSON Schema of a field a client sends (JSON columns: any JSON value)."""
    from ..resources import json_schema

    if f.json:
        return {}
    out = json_schema(f)
    ml = max_len(f.sql_type)
    if ml and not f.array and out.get("type") in ("string", ["string", "null"]):
        out["maxLength"] = ml
    return out


def _json_schema_type(c) -> dict:
    kind = naming.py_type(c.type)
    out: dict = {
        "int": {"type": "integer"},
        "float": {"type": "number"},
        "bool": {"type": "boolean"},
        "str": {"type": "string"},
        "datetime": {"type": "string", "format": "date-time"},
        "date": {"type": "string", "format": "date"},
    }.get(kind, {})
    ml = max_len(c.type)
    if ml and kind == "str":
        out["maxLength"] = ml
    if c.nullable and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


_JS_IDENT = lazy(r"[A-Za-z_$][\w$]*")


def _js_object(value) -> str:
    """A JSON value written as a JavaScript literal with unquoted identifier keys."""
    import json

    if isinstance(value, dict):
        parts = [
            (k if _JS_IDENT.fullmatch(k) else json.dumps(k)) + ": " + _js_object(v)
            for k, v in value.items()
        ]
        return "{ " + ", ".join(parts) + " }" if parts else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_js_object(v) for v in value) + "]"
    return json.dumps(value)


def endpoint_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, typescript: bool = True
) -> tuple[str, str]:
    """(imports, body) of a Fastify plugin whose routes validate with JSON schema."""
    from ..resources import from_table, ts_entity, ts_type
    from .kit import ts_store

    r = from_table(t)
    ent = ts_entity(r)
    res = naming.camel(t.name)
    one = naming.camel(naming.singular(t.name))
    up = naming.snake(naming.singular(t.name)).upper()
    idc = r.id
    numeric_id = ts_type(idc) == "number"
    idt = "number" if numeric_id else "string"
    writable = r.input_fields
    T = (lambda s: s) if typescript else (lambda s: "")
    standalone = router_var is None
    ajv = (
        ('import Ajv from "ajv";\n' if typescript else 'const Ajv = require("ajv");')
        if standalone
        else ""
    )
    if typescript:
        imports = (
            ajv + 'import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";'
        )
    else:
        imports = ajv
    L: list[str] = []
    a = L.append
    if typescript:
        L += ts_store.declarations(r)
        a(
            f'type {ent}ListQuery = {{ page: number; limit: number; sort: string; order: "asc" | "desc" }};'
        )
        a(f"type {ent}Params = {{ id: {idt} }};")
        a("")
    L += ts_store.output_picker(r, one, typescript)
    pw = r.password_hash
    new_body, changes_body = f"New{ent}", f"{ent}Changes"
    if pw is not None:
        if typescript:
            opt = "" if pw.required else "?"
            a(f'type {ent}Body = Omit<New{ent}, "{pw.name}"> & {{ password{opt}: string }};')
            a("")
            new_body, changes_body = f"{ent}Body", f"Partial<{ent}Body>"
        L += ts_store.password_hasher(one, typescript)
        imports = (
            'import { randomBytes, scrypt } from "node:crypto";\n'
            if typescript
            else 'const { randomBytes, scrypt } = require("node:crypto");\n'
        ) + imports
    if standalone:
        a(
            "// Bodies are checked as sent (no coercion, unknown fields rejected, every error reported);"
        )
        a("// the query string and path parameters are coerced from text.")
        a(
            "const BODY_AJV = new Ajv({ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false });"
        )
        a(
            "const QUERY_AJV = new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true });"
        )
        a("")
    else:
        # the app's own validator coerces types and drops unknown fields: these routes bring theirs
        a("// These routes check bodies as sent (no coercion, unknown fields rejected, every error")
        a("// reported) whatever validator the app has; query strings are coerced from text.")
        a(
            f"const {up}_BODY_AJV = new Ajv({{ allErrors: true, coerceTypes: false, removeAdditional: false, useDefaults: false }});"
        )
        a(
            f"const {up}_QUERY_AJV = new Ajv({{ coerceTypes: true, removeAdditional: false, useDefaults: true }});"
        )
        a("")
    props = {f.name: _input_schema(f) for f in writable}
    pw = r.password_hash
    if pw is not None:  # write-only; stored hashed
        props["password"] = {"type": "string", "minLength": 8, "maxLength": 256}
    body = {
        "type": "object",
        "additionalProperties": False,
        "required": [c.name for c in writable if c.required]
        + (["password"] if pw is not None and pw.required else []),
        "properties": props,
    }
    if not body["required"]:
        del body["required"]
    replace = {  # PUT: every field is sent (a nullable one may be null; not the password)
        "type": "object",
        "additionalProperties": False,
        "required": [c.name for c in writable],
        "properties": props,
    }
    if not replace["required"]:
        del replace["required"]
    patch = {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": props,
    }
    query = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "page": {"type": "integer", "minimum": 1, "default": 1},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "sort": {
                "type": "string",
                "enum": [f.name for f in r.output_fields],
                "default": idc.name,
            },
            "order": {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
        },
    }
    params = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer", "minimum": 1} if numeric_id else {"type": "string"}
        },
    }
    a(f"export const {up}_BODY = {_js_object(body)};")
    if "replace" in ops:
        a(f"export const {up}_REPLACE = {_js_object(replace)};")
    a(f"export const {up}_PATCH = {_js_object(patch)};")
    a(f"export const {up}_LIST_QUERY = {_js_object(query)};")
    a(f"export const {up}_PARAMS = {_js_object(params)};")
    a("")
    a(
        f"function {one}Error(reply{T(': FastifyReply')}, status{T(': number')}, code{T(': string')}, message{T(': string')}, details{T(': { field: string; message: string }[]')} = []) {{"
    )
    a("  return reply.code(status).send({ error: { code, message, details } });")
    a("}")
    a("")
    standalone = router_var is None
    rv = router_var or "app"
    prefix = "" if standalone else base
    if standalone:
        sig = (
            f"export function {res}Routes(store{T(f': {ent}Store')}) {{"
            if typescript
            else f"function {res}Routes(store) {{"
        )
        a(f'/** Register with app.register({res}Routes(store), {{ prefix: "{base}" }}). */')
    else:
        mount = f"mount{naming.pascal(t.name)}Routes"
        sig = (
            f"export function {mount}(store{T(f': {ent}Store')}) {{"
            if typescript
            else f"function {mount}(store) {{"
        )
        a(
            f"/** Call {mount}(store) once the {t.name} repository exists; validation errors go to the app's error handler. */"
        )
    a(sig)
    body_start = len(L)
    a(f"  return async function {res}Plugin(app{T(': FastifyInstance')}) {{")
    a(
        '    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? BODY_AJV : QUERY_AJV).compile(schema));'
    )
    a(f"    app.setErrorHandler((err{T(': FastifyError')}, request, reply) => {{")
    a("      if (err.validation) {")
    a("        const details = err.validation.map((v) => ({")
    a(
        '          field: String(v.params?.missingProperty ?? v.params?.additionalProperty ?? v.instancePath.replace(/^\\//, "")),'
    )
    a('          message: v.message ?? "is not valid",')
    a("        }));")
    a('        const status = err.validationContext === "body" ? 422 : 400;')
    a(
        f'        return {one}Error(reply, status, "VALIDATION_ERROR", "the request is not valid", details);'
    )
    a("      }")
    a(f"      const state = (err{T(' as { code?: unknown }')}).code;")
    a('      if (state === "23505") {')
    a(
        f'        return {one}Error(reply, 409, "CONFLICT", "a row with the same unique value already exists");'
    )
    a("      }")
    a('      if (state === "23503") {')
    a(
        f'        return request.method === "DELETE" ? {one}Error(reply, 409, "CONFLICT", "other rows still refer to this one") : {one}Error(reply, 422, "VALIDATION_ERROR", "a referenced row does not exist");'
    )
    a("      }")
    a('      if (state === "23502" || state === "23514") {')
    a(
        f'        return {one}Error(reply, 422, "VALIDATION_ERROR", "a value breaks a rule of the table");'
    )
    a("      }")
    a("      throw err; // the app's error handler answers the rest")
    a("    });")
    a("")
    route_sep = False

    def route(method, path, schema, generic, lines):
        nonlocal route_sep
        if route_sep:
            a("")
        route_sep = True
        g = f"<{generic}>" if typescript and generic else ""
        full = (prefix + path.rstrip("/")) or "/" if not standalone else path
        own = (
            ""
            if standalone
            else f', validatorCompiler: ({{ schema, httpPart }}) => (httpPart === "body" ? {up}_BODY_AJV : {up}_QUERY_AJV).compile(schema)'
        )
        a(
            f'    {rv}.{method}{g}("{full}", {{ schema: {schema}{own} }}, async (request, reply) => {{'
        )
        L.extend("      " + x for x in lines)
        a("    });")

    not_found = f'return {one}Error(reply, 404, "NOT_FOUND", `{naming.singular(t.name)} ${{request.params.id}} not found`);'
    if "list" in ops:
        route(
            "get",
            "/",
            f"{{ querystring: {up}_LIST_QUERY }}",
            f"{{ Querystring: {ent}ListQuery }}",
            [
                "const { page, limit, sort, order } = request.query;",
                "const { rows, total } = await store.findAll({ page, limit, sort, order });",
                f'const at = (p{T(": number")}) => `${{request.url.split("?")[0]}}?page=${{p}}&limit=${{limit}}&sort=${{sort}}&order=${{order}}`;',
                "return {",
                f"  data: rows.map({one}Public),",
                "  meta: { page, limit, total },",
                "  links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },",
                "};",
            ],
        )
    if "get" in ops:
        route(
            "get",
            "/:id",
            f"{{ params: {up}_PARAMS }}",
            f"{{ Params: {ent}Params }}",
            [
                "const row = await store.findById(request.params.id);",
                f"if (row === null) {not_found}",
                f"return {{ data: {one}Public(row) }};",
            ],
        )
    if "create" in ops:
        route(
            "post",
            "/",
            f"{{ body: {up}_BODY }}",
            f"{{ Body: {new_body} }}",
            [
                *(
                    [
                        "const { password, ...fields } = request.body;",
                        f"const row = await store.create({{ ...fields, {pw.name}: await {one}HashPassword(password) }});",
                    ]
                    if pw is not None and pw.required
                    else ["const row = await store.create(request.body);"]
                ),
                f'reply.header("Location", `${{request.url.split("?")[0].replace(/\\/$/, "")}}/${{row.{idc.name}}}`);',
                f"return reply.code(201).send({{ data: {one}Public(row) }});",
            ],
        )
    for op, method, schema in (
        ("replace", "put", f"{up}_REPLACE"),
        ("update", "patch", f"{up}_PATCH"),
    ):
        if op in ops:
            route(
                method,
                "/:id",
                f"{{ params: {up}_PARAMS, body: {schema} }}",
                f"{{ Params: {ent}Params; Body: {changes_body} }}",
                [
                    *(
                        [
                            "const { password, ...fields } = request.body;",
                            f"const changes{T(f': {ent}Changes')} = password === undefined ? fields : {{ ...fields, {pw.name}: await {one}HashPassword(password) }};",
                            "const row = await store.update(request.params.id, changes);",
                        ]
                        if pw is not None
                        else ["const row = await store.update(request.params.id, request.body);"]
                    ),
                    f"if (row === null) {not_found}",
                    f"return {{ data: {one}Public(row) }};",
                ],
            )
    if "delete" in ops:
        route(
            "delete",
            "/:id",
            f"{{ params: {up}_PARAMS }}",
            f"{{ Params: {ent}Params }}",
            [
                f"if (!(await store.delete(request.params.id))) {not_found}",
                "return reply.code(204).send();",
            ],
        )
    if standalone:
        a("  };")
    else:
        # no plugin wrapper and no error handler of its own: the routes hang on the file's app
        end_handler = next(k for k in range(body_start, len(L)) if L[k] == "    });")
        L[body_start:] = [x[2:] if x.startswith("  ") else x for x in L[end_handler + 2 :]]
    a("}")
    if not typescript and standalone:
        a("")
        a(f"module.exports = {{ {res}Routes }};")
    text = "\n".join(L) + "\n"
    if not typescript:
        text = text.replace("export const ", "const ")
    return imports, text


FRAMEWORK = Fastify()
