"""Express: ``router.verb(path, ...middleware, handler)``, express-rate-limit, zod."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..core.findings import Edit
from ..lang import indent_at, line_start, named_args
from ..lang import javascript as jslang
from .kit.zod import zod_fix
from .kit.node_app import require_typescript
from .kit.endpoint_code import max_len, node_location
from ..lang import naming
from .base import Framework, Generated, Unsupported
from .kit.node_router import js_routes, koa_import
from ..core.lazy_re import lazy

_IMPORT = lazy(rb"""(from\s+|require\()\s*['"]express['"]""")
_ROUTER = lazy(rb"express\.Router\(|\bRouter\(\)")

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


class Express(Framework):
    name = "express"
    title = "Express"
    language = "javascript"
    default_language = "typescript"
    scaffolds = True
    validation_idiom = "a zod/joi schema"
    limiter = "express-rate-limit"
    app_creation = lazy(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*\w+\s*)?=\s*express\(\s*\)", re.M
    )

    middleware_filename = "middleware.ts"

    def detects(self, head):
        # the literal each pattern needs is looked for first: most files have none of them
        return not koa_import(head) and bool(
            (b"express" in head and _IMPORT.search(head))
            or (b"Router(" in head and _ROUTER.search(head))
        )

    def extract(self, document, tree, data):
        return js_routes(document, tree, data, self)

    def rate_limit_fix(self, a, h, data):
        call = h.decl
        args = named_args(call.child_by_field_name("arguments"))
        if not args:
            return None
        edits = [Edit(args[0].end_byte, args[0].end_byte, ", authLimiter")]
        if not re.search(rb"\bauthLimiter\s*=", data):
            stmt = jslang.statement_of(call)
            start = line_start(data, stmt.start_byte)
            indent = indent_at(data, stmt.start_byte)
            edits.append(
                Edit(
                    start,
                    start,
                    f"{indent}const authLimiter = rateLimit({{ windowMs: 15 * 60 * 1000, limit: 10 }});\n\n",
                )
            )
            imp = jslang.add_import(
                data,
                a.tree,
                'import rateLimit from "express-rate-limit";',
                'const rateLimit = require("express-rate-limit");',
            )
            if imp is not None:
                edits.append(imp)
        return edits, self.limiter

    def created_status_edits(self, h, data):
        body = h.node.child_by_field_name("body")
        btext = data[body.start_byte : body.end_byte] if body is not None else b""
        edits = []
        res = h.route.request_names[1] if len(h.route.request_names) > 1 else "res"
        for m in re.finditer(
            rb"\b" + re.escape(res.encode()) + rb"\s*\.\s*(status\(\s*200\s*\)|json\(|send\()",
            btext,
        ):
            s = body.start_byte + m.start(1)
            if m.group(1).startswith(b"status"):
                edits.append(Edit(s, body.start_byte + m.end(1), "status(201)"))
            else:
                edits.append(Edit(s, s, "status(201)."))
        return edits

    def validation_fix(self, a, h, kind, data):
        return zod_fix(a, h, kind, data)

    def middleware(self, doc, app, after, indent, path):
        require_typescript(self, doc)
        if "errorHandler" in doc.text:
            raise Unsupported("MIDDLEWARE: an errorHandler is already wired into this app.")
        off = jslang.after_imports(doc.text)
        spec = jslang.relative_import(doc.path, path)
        edits = [
            Edit(off, off, f'import {{ errorHandler, notFound, requestContext }} from "{spec}";\n'),
            Edit(after, after, f"{indent}{app}.use(requestContext);\n"),
        ]
        m = re.search(rf"^[ \t]*{re.escape(app)}\.listen\(", doc.text, re.M)
        tail = f"{app}.use(notFound);\n{app}.use(errorHandler);\n"
        if m:
            pos = len(doc.text[: m.start()].encode("utf-8"))
            edits.append(Edit(pos, pos, tail + "\n"))
        else:
            end = len(doc.data)
            edits.append(Edit(end, end, ("" if doc.text.endswith("\n") else "\n") + tail))
        return Generated(path, self.template("middleware.ts"), edits)

    def auth_system(self, doc):
        return Generated(
            "auth.ts",
            self.template("auth.ts"),
            library="jsonwebtoken (npm install jsonwebtoken @types/jsonwebtoken)",
            usage='router.get(path, requireAuth(), handler) / requireAuth("admin")',
        )

    def endpoint_file(self, table, ops, base, language, package):
        imports, body = endpoint_code(
            table, ops, base, typescript=language in ("typescript", "tsx")
        )
        return f"// HTTP endpoints for {table.name}.\n{imports}\n\n{body}"

    def endpoint_append(self, doc, table, ops, base, router_var):
        _, body = endpoint_code(
            table,
            ops,
            base,
            router_var or "router",
            typescript=doc.language in ("typescript", "tsx"),
        )
        end = len(doc.data)
        return [(end, end, "\n" + body)]

    def endpoint_location(self, root, stem, camel, language):
        return node_location(root, camel, language)


def endpoint_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, typescript: bool = True
) -> tuple[str, str]:
    from ..resources import from_table, ts_entity, ts_type
    from .kit import ts_store

    r = from_table(t)
    ent = ts_entity(r)
    res = naming.camel(t.name)
    one = naming.camel(naming.singular(t.name))
    idc = r.id
    numeric_id = ts_type(idc) == "number"
    writable = r.input_fields
    standalone = router_var is None
    rv = router_var or "router"
    prefix = "" if standalone else base
    T = (lambda s: s) if typescript else (lambda s: "")
    if typescript:
        imports = (
            'import { Router, type NextFunction, type Request, type Response } from "express";'
        )
    else:
        imports = 'const { Router } = require("express");'
    if r.password_hash is not None:
        imports = (
            'import { randomBytes, scrypt } from "node:crypto";\n'
            if typescript
            else 'const { randomBytes, scrypt } = require("node:crypto");\n'
        ) + imports
    L: list[str] = []
    a = L.append
    if typescript:
        L += ts_store.declarations(r)  # the repository's types and signatures
    L += ts_store.output_picker(r, one, typescript)
    if r.password_hash is not None:
        L += ts_store.password_hasher(one, typescript)
    a("// Express 4 does not pass a rejected promise to the error handler: forward it.")
    a(f"function {one}Route(fn{T(': (req: Request, res: Response) => Promise<unknown>')}) {{")
    a(f"  return (req{T(': Request')}, res{T(': Response')}, next{T(': NextFunction')}) => {{")
    a("    fn(req, res).catch(next);")
    a("  };")
    a("}")
    a("")
    js_kind = {"int": "integer", "float": "number", "bool": "boolean", "str": "string"}
    a(
        f"const {one.upper()}_FIELDS{T(': Record<string, { type: string; required: boolean; nullable: boolean; maxLength?: number }>')} = {{"
    )
    for c in writable:
        ml = max_len(c.sql_type)
        kind = "json" if c.json else "array" if c.array else js_kind.get(c.py_type, "string")
        a(
            f'  {c.name}: {{ type: "{kind}", required: {str(c.required).lower()}, nullable: {str(c.nullable).lower()}{f", maxLength: {ml}" if ml else ""} }},'
        )
    pw = r.password_hash
    if pw is not None:  # write-only; stored hashed
        a(
            f'  password: {{ type: "string", required: {str(pw.required).lower()}, nullable: false, maxLength: 256 }},'
        )
    a("};")
    a(
        f"const {one.upper()}_SORTABLE = [{', '.join(chr(34) + f.name + chr(34) for f in r.output_fields)}];"
    )
    a("")
    a(
        f"function {one}Error(res{T(': Response')}, status{T(': number')}, code{T(': string')}, message{T(': string')}, details{T(': { field: string; message: string }[]')} = []) {{"
    )
    a("  return res.status(status).json({ error: { code, message, details } });")
    a("}")
    a("")
    a('// mode "create": the required fields; "replace" (PUT): every field (a nullable one may be')
    a('// null; a write-only password stays optional); "update" (PATCH): only what is sent.')
    modes = T(': "create" | "replace" | "update"')
    a(f"function validate{ent}(body{T(': unknown')}, mode{modes}) {{")
    a(f"  const details{T(': { field: string; message: string }[]')} = [];")
    a(f"  const values{T(': Record<string, unknown>')} = {{}};")
    a('  if (typeof body !== "object" || body === null || Array.isArray(body)) {')
    a('    return { values, details: [{ field: "", message: "expected a JSON object" }] };')
    a("  }")
    a(f"  const input = body{T(' as Record<string, unknown>')};")
    a("  for (const name of Object.keys(input)) {")
    a(
        f'    if (!Object.prototype.hasOwnProperty.call({one.upper()}_FIELDS, name)) details.push({{ field: name, message: "unknown field" }});'
    )
    a("  }")
    a(f"  for (const [name, rule] of Object.entries({one.upper()}_FIELDS)) {{")
    a("    if (!(name in input)) {")
    replace = (
        'mode === "replace" && name !== "password"' if pw is not None else 'mode === "replace"'
    )
    a(
        f'      if ((rule.required && mode === "create") || {replace}) details.push({{ field: name, message: "is required" }});'
    )
    a("      continue;")
    a("    }")
    a("    const value = input[name];")
    a("    if (value === null) {")
    a('      if (!rule.nullable) details.push({ field: name, message: "must not be null" });')
    a("      else values[name] = null;")
    a("      continue;")
    a("    }")
    a(
        '    const ok = rule.type === "json" || (rule.type === "array" ? Array.isArray(value) : rule.type === "integer" ? Number.isInteger(value) : typeof value === rule.type);'
    )
    a("    if (!ok) {")
    a("      details.push({ field: name, message: `must be a ${rule.type}` });")
    a("      continue;")
    a("    }")
    a(
        '    if (rule.maxLength !== undefined && typeof value === "string" && value.length > rule.maxLength) {'
    )
    a(
        "      details.push({ field: name, message: `is longer than ${rule.maxLength} characters` });"
    )
    a("      continue;")
    a("    }")
    a("    values[name] = value;")
    a("  }")
    a("  return { values, details };")
    a("}")
    a("")
    a(f"function parse{ent}Id(raw{T(': unknown')}) {{")
    a("  const id = Number(raw);" if numeric_id else "  const id = String(raw);")
    a("  return Number.isInteger(id) && id > 0 ? id : null;" if numeric_id else "  return id;")
    a("}")
    a("")
    if standalone:
        a(
            f"export function {res}Router(store{T(f': {ent}Store')}){T(': Router')} {{"
            if typescript
            else f"function {res}Router(store) {{"
        )
        a(f"  const {rv} = Router();")
    else:
        a(
            f"export function mount{naming.pascal(t.name)}Routes(store{T(f': {ent}Store')}) {{"
            if typescript
            else f"function mount{naming.pascal(t.name)}Routes(store) {{"
        )
    req = T(": Request")
    rs = T(": Response")
    item = f"{prefix}/:id"
    if "list" in ops:
        a(f'  {rv}.get("{prefix or "/"}", {one}Route(async (req{req}, res{rs}) => {{')
        a("    const page = Number(req.query.page ?? 1);")
        a("    const limit = Number(req.query.limit ?? 20);")
        a(f'    const sort = String(req.query.sort ?? "{idc.name}");')
        a('    const order = String(req.query.order ?? "asc");')
        a(
            "    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1 || limit > 100) {"
        )
        a(
            f'      return {one}Error(res, 400, "VALIDATION_ERROR", "page must be >= 1 and limit between 1 and 100");'
        )
        a("    }")
        a(
            f'    if (!{one.upper()}_SORTABLE.includes(sort) || (order !== "asc" && order !== "desc")) {{'
        )
        a(
            f'      return {one}Error(res, 400, "VALIDATION_ERROR", "invalid sort or order", [{{ field: "sort", message: `one of ${{{one.upper()}_SORTABLE.join(", ")}}` }}]);'
        )
        a("    }")
        cast = T(' as "asc" | "desc"')
        a(
            f"    const {{ rows, total }} = await store.findAll({{ page, limit, sort, order: order{cast} }});"
        )
        a(
            f"    const at = (p{T(': number')}) => `${{req.baseUrl}}${{req.path}}?page=${{p}}&limit=${{limit}}&sort=${{sort}}&order=${{order}}`;"
        )
        a("    return res.json({")
        a(f"      data: rows.map({one}Public),")
        a("      meta: { page, limit, total },")
        a(
            "      links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },"
        )
        a("    });")
        a("  }));")
    if "get" in ops:
        a(f'  {rv}.get("{item}", {one}Route(async (req{req}, res{rs}) => {{')
        a(f"    const id = parse{ent}Id(req.params.id);")
        a("    const row = id === null ? null : await store.findById(id);")
        a(
            f'    if (row === null) return {one}Error(res, 404, "NOT_FOUND", `{one} ${{req.params.id}} not found`);'
        )
        a(f"    return res.json({{ data: {one}Public(row) }});")
        a("  }));")
    for op, method in (("create", "post"), ("replace", "put"), ("update", "patch")):
        if op not in ops:
            continue
        a(
            f'  {rv}.{method}("{item if op != "create" else (prefix or "/")}", {one}Route(async (req{req}, res{rs}) => {{'
        )
        a(f'    const {{ values, details }} = validate{ent}(req.body, "{op}");')
        a(
            f'    if (details.length > 0) return {one}Error(res, 422, "VALIDATION_ERROR", "the request body is not valid", details);'
        )
        if pw is not None:
            a('    if (typeof values.password === "string") {')
            a(f"      values.{pw.name} = await {one}HashPassword(values.password);")
            a("      delete values.password;")
            a("    }")
        cast = T(f" as New{ent}") if op != "update" else T(f" as {ent}Changes")
        if op == "create":
            a(f"    const row = await store.create(values{cast});")
            a("    res.location(`${req.baseUrl}" + (prefix or "") + "/${row." + idc.name + "}`);")
            a(f"    return res.status(201).json({{ data: {one}Public(row) }});")
        else:
            a(f"    const id = parse{ent}Id(req.params.id);")
            a(f"    const row = id === null ? null : await store.update(id, values{cast});")
            a(
                f'    if (row === null) return {one}Error(res, 404, "NOT_FOUND", `{one} ${{req.params.id}} not found`);'
            )
            a(f"    return res.json({{ data: {one}Public(row) }});")
        a("  }));")
    if "delete" in ops:
        a(f'  {rv}.delete("{item}", {one}Route(async (req{req}, res{rs}) => {{')
        a(f"    const id = parse{ent}Id(req.params.id);")
        a(
            f'    if (id === null || !(await store.delete(id))) return {one}Error(res, 404, "NOT_FOUND", `{one} ${{req.params.id}} not found`);'
        )
        a("    return res.status(204).end();")
        a("  }));")
    if standalone:
        a(f"  return {rv};")
    a("}")
    if not typescript and standalone:
        a("")
        a(f"module.exports = {{ {res}Router }};")
    return imports, "\n".join(L) + "\n"


FRAMEWORK = Express()
