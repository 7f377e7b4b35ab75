"""NestJS: controllers (``@Controller``) with ``@Get()`` / ``@Post()`` methods, guards,
``@Body() dto: CreateUserDto`` parameters validated by class-validator, @nestjs/throttler."""

from __future__ import annotations

from typing import TYPE_CHECKING

import os
import re

import tree_sitter as ts

from ..app.model import (
    LIMITER_RE,
    Handler,
    RequestRead,
    Route,
    is_guard,
    normalise_path,
    status_from_text,
)
from ..core import languages
from ..core.document import Document
from ..lang import is_string, named_args, string_value, text
from ..core.findings import Edit
from ..lang import indent_at, line_start
from ..lang import javascript as jslang
from .kit.node_app import install_middleware, require_typescript
from .kit.endpoint_code import max_len
from ..lang import naming
from .base import Framework, Generated, Unsupported
from .kit.node_router import _js_object_props, koa_import
from ..core.lazy_re import lazy

_IMPORT = lazy(rb"@nestjs/(common|core)")

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


NEST_CLASSES = "(class_declaration name: (_) @name body: (class_body) @body) @cls"
NEST_METHODS = {
    "Get": "GET",
    "Post": "POST",
    "Put": "PUT",
    "Patch": "PATCH",
    "Delete": "DELETE",
    "All": "ANY",
    "Head": "HEAD",
    "Options": "OPTIONS",
}
NEST_PARAM_KIND = {
    "Body": "body",
    "Query": "query",
    "Param": "path",
    "Headers": "header",
    "UploadedFile": "form",
    "UploadedFiles": "form",
}


def _decorator_parts(dec: ts.Node, data: bytes) -> tuple[str, ts.Node | None]:
    expr = dec.named_children[0] if dec.named_children else None
    if expr is None:
        return "", None
    if expr.type == "call_expression":
        return text(expr.child_by_field_name("function"), data), expr.child_by_field_name(
            "arguments"
        )
    return text(expr, data), None


def _class_decorators(cls: ts.Node) -> list[ts.Node]:
    decs = [c for c in cls.children if c.type == "decorator"]
    parent = cls.parent
    if parent is not None and parent.type == "export_statement":
        decs = [c for c in parent.children if c.type == "decorator"] + decs
    return decs


def _nest_routes(document: Document, tree: ts.Tree, data: bytes) -> list[Handler]:
    lang = document.language or "typescript"  # called for TypeScript files
    handlers = []
    for _, m in languages.matches(lang, NEST_CLASSES, tree.root_node):
        cls = m["cls"][0]
        cname = text(m["name"][0], data)
        decs = _class_decorators(cls)
        prefix = None
        class_guards: list[str] = []
        class_limited = False
        class_pipe = False
        for d in decs:
            dname, dargs = _decorator_parts(d, data)
            if dname == "Controller":
                first = named_args(dargs)[:1]
                if first and is_string(first[0]):
                    prefix = string_value(first[0], data) or ""
                elif first and first[0].type == "object":
                    prefix = string_value(_js_object_props(first[0], data).get("path"), data) or ""
                else:
                    prefix = ""
            elif dname == "UseGuards":
                for a in named_args(dargs):
                    label = text(a, data)
                    if LIMITER_RE.search(label):
                        class_limited = True
                    else:
                        class_guards.append(label)
            elif dname in ("Throttle", "SkipThrottle"):
                class_limited = dname == "Throttle"
            elif dname == "UsePipes" and "ValidationPipe" in text(dargs, data):
                class_pipe = True
            elif (
                dname in ("Roles", "Auth", "Authorized", "Authenticated")
                or is_guard(dname)
                and not dname.startswith("Api")
            ):
                class_guards.append(dname)
        if prefix is None:
            continue
        pending: list[ts.Node] = []
        for child in m["body"][0].named_children:
            if child.type == "comment":
                continue
            if child.type == "decorator":
                pending.append(child)
                continue
            if child.type != "method_definition":
                pending = []
                continue
            method_decs, pending = pending, []
            http = None
            sub = ""
            route_dec = None
            guards = list(class_guards)
            limited = class_limited
            pipe = class_pipe
            status = []
            public = False
            for d in method_decs:
                dname, dargs = _decorator_parts(d, data)
                if dname in NEST_METHODS:
                    http = NEST_METHODS[dname]
                    first = named_args(dargs)[:1]
                    sub = (
                        string_value(first[0], data) or "" if first and is_string(first[0]) else ""
                    )
                    route_dec = d
                elif dname == "UseGuards":
                    for a in named_args(dargs):
                        label = text(a, data)
                        if LIMITER_RE.search(label):
                            limited = True
                        else:
                            guards.append(label)
                elif dname == "Throttle":
                    limited = True
                elif dname == "SkipThrottle":
                    limited = False
                elif dname == "HttpCode":
                    code = status_from_text(text(dargs, data).strip("()"))
                    if code:
                        status.append(code)
                elif dname == "UsePipes" and "ValidationPipe" in text(dargs, data):
                    pipe = True
                elif dname in ("Public", "AllowAnonymous", "SkipAuth"):
                    public = True
                elif (
                    dname in ("Roles", "Auth", "Authorized")
                    or is_guard(dname)
                    and not dname.startswith("Api")
                ):
                    guards.append(dname)
            if http is None or route_dec is None:  # the route decorator sets both
                continue
            if public:
                guards = []
            name = text(child.child_by_field_name("name"), data)
            route = Route(
                "nestjs",
                lang,
                http,
                normalise_path(sub, prefix),
                f"{cname}.{name}",
                child.start_byte,
                child.end_byte,
                route_dec.start_byte,
                route_dec.end_byte,
                guards=guards,
                limiter=limited,
                status_codes=status,
                group=cname,
            )
            h = Handler(
                route,
                child,
                route_dec,
                {"pipe": pipe, "class": cls, "params": [], "public": public},
            )
            _nest_details(h, data, lang)
            handlers.append(h)
    return handlers


def _nest_details(h: Handler, data: bytes, lang: str) -> None:
    route, fn = h.route, h.node
    if fn is None:  # a NestJS handler is always a method of this file
        return
    params = fn.child_by_field_name("parameters")
    for p in named_args(params):
        decs = [c for c in p.children if c.type == "decorator"]
        pat = p.child_by_field_name("pattern")
        ptype = p.child_by_field_name("type")
        tname = text(ptype, data).lstrip(":").strip() if ptype is not None else ""
        for d in decs:
            dname, dargs = _decorator_parts(d, data)
            if dname in ("Req", "Request"):
                route.request_names.append(text(pat, data))
                continue
            if dname in ("User", "CurrentUser", "AuthUser", "GetUser"):
                h.extra["user_param"] = text(pat, data)
                continue
            kind = NEST_PARAM_KIND.get(dname)
            if kind is None:
                continue
            first = named_args(dargs)[:1]
            fname = string_value(first[0], data) if first and is_string(first[0]) else None
            pipes = [a for a in named_args(dargs) if not is_string(a)]
            route.reads.append(RequestRead(kind, fname, p.start_byte, p.end_byte))
            h.extra["params"].append((kind, fname, text(pat, data), tname, p, bool(pipes)))
            if (
                kind in ("body", "query")
                and tname
                and tname[:1].isupper()
                and tname not in ("Record", "Object", "Any")
            ):
                route.schema = route.schema or tname.split("<")[0]
    ret = fn.child_by_field_name("return_type")
    if ret is not None:
        rt = text(ret, data).lstrip(":").strip()
        inner = re.match(r"Promise<(.+)>$", rt)
        rt = inner.group(1) if inner else rt
        if rt not in ("void", "any", "unknown"):
            route.response_model = rt
            route.returns_body = True
    body = fn.child_by_field_name("body")
    if body is not None and re.search(r"\breturn\s+[^\s;]", text(body, data)):
        route.returns_body = True
    if route.method == "POST" and not route.status_codes:
        route.status_codes.append(201)  # Nest's default for POST


class NestJS(Framework):
    name = "nestjs"
    title = "NestJS"
    language = "javascript"
    default_language = "typescript"
    scaffolds = True
    validation_idiom = "a class-validator DTO"
    input_style = "dto"
    limiter = "@nestjs/throttler"
    app_creation = lazy(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*[\w<>]+\s*)?=\s*await\s+NestFactory\.create(?:<[^>]*>)?\(",
        re.M,
    )

    middleware_filename = "middleware.ts"

    def inherit_guards(self, document, handlers):
        from ..app import mounts

        labels = mounts.nest_global_guards(document.path)
        if labels:
            for h in handlers:
                if not h.extra.get("public"):
                    h.route.guards += labels

    def serves_json(self, h, data):
        r = h.route
        return not re.search(
            r"HTMLResponse|@Render\(",
            data[r.decl_start : r.decl_end].decode("utf-8", "replace") + text(h.node, data),
        )

    def detects(self, head):
        return not koa_import(head) and bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return _nest_routes(document, tree, data)

    def rate_limit_fix(self, a, h, data):
        start = line_start(data, h.decl.start_byte)
        indent = indent_at(data, h.decl.start_byte)
        edits = [
            Edit(
                start,
                start,
                f"{indent}@UseGuards(ThrottlerGuard)\n{indent}@Throttle({{ default: {{ limit: 5, ttl: 60000 }} }})\n",
            )
        ]
        for module, names in (
            ("@nestjs/throttler", ["Throttle", "ThrottlerGuard"]),
            ("@nestjs/common", ["UseGuards"]),
        ):
            imp = jslang.import_names(data, a.tree, module, names)
            if imp is not None:
                edits.append(imp)
        return edits, self.limiter

    def default_status(self, h):
        return 201 if h.route.method == "POST" else 200

    def middleware(self, doc, app, after, indent, path):
        require_typescript(self, doc)
        return install_middleware(self, doc, app, after, indent, path)

    def auth_system(self, doc):
        return Generated(
            "auth.ts",
            self.template("auth.ts"),
            library="jsonwebtoken (npm install jsonwebtoken @types/jsonwebtoken)",
            usage='{ provide: APP_GUARD, useClass: AuthGuard } with @Roles("admin") / @Public(), or @UseGuards(requireAuth("admin"))',
        )

    def endpoint_file(self, table, ops, base, language, package):
        if language not in ("typescript", "tsx"):
            raise Unsupported(
                "ENDPOINT: the NestJS controller is written in TypeScript (decorators, DTO classes)."
            )
        imports, body = endpoint_code(table, ops, base)
        return f"// HTTP endpoints for {table.name}.\n{imports}\n\n{body}"

    def endpoint_append(self, doc, table, ops, base, router_var):
        raise Unsupported(
            "ENDPOINT: adding routes to an existing NestJS controller is not supported yet (the new methods need the "
            "controller's DTOs, id pipe and injected store); run ENDPOINT on the table's CREATE TABLE to generate a controller."
        )

    def endpoint_location(self, root, stem, camel, language):
        name = stem.replace("_", "-")
        return os.path.join("src", name), f"{name}.controller.ts"


# class-validator decorators of a field a client sends, by its type
_NEST_CHECKS = {
    "int": ("IsInt", "number"),
    "float": ("IsNumber", "number"),
    "bool": ("IsBoolean", "boolean"),
    "datetime": ("IsDateString", "string"),
    "date": ("IsDateString", "string"),
}


def _nest_field(f, cls: str, partial: bool, replace: bool = False) -> list[str]:
    """The class-validator decorators and declaration of one DTO property: an optional
    NOT NULL field may be left out but not sent as null; a JSON field takes any JSON value.
    ``replace`` (PUT): every field is sent; a nullable one may be null (not left out)."""
    optional = not replace and (partial or not f.required)
    out = []
    if optional:
        out.append(
            "@IsOptional()"
            if f.nullable
            else f"@ValidateIf((o: {cls}) => o.{f.name} !== undefined)"
        )
    elif replace and f.nullable:
        out.append(f"@ValidateIf((o: {cls}) => o.{f.name} !== null)")
    if f.json:
        out.append("@IsDefined()" if not (optional and f.nullable) else "@Allow()")
        ts = "unknown"
    elif f.array:
        kind = naming.py_type(f.sql_type[:-2])
        check, elem = _NEST_CHECKS.get(kind, ("IsString", "string"))
        out += [
            "@IsArray()",
            f"@{check}({{}}, {{ each: true }})"
            if check in ("IsNumber", "IsDateString")
            else f"@{check}({{ each: true }})",
        ]
        ts = f"{elem}[]"
    else:
        check, ts = _NEST_CHECKS.get(f.py_type, ("IsString", "string"))
        out.append(f"@{check}()")
        ml = max_len(f.sql_type)
        if ml and check == "IsString":
            out.append(f"@MaxLength({ml})")
    null = " | null" if f.nullable else ""
    return [f"  {d}" for d in out] + [f"  {f.name}{'?' if optional else '!'}: {ts}{null};"]


NEST_VALIDATORS = (
    "Allow",
    "IsArray",
    "IsBoolean",
    "IsDateString",
    "IsDefined",
    "IsIn",
    "IsInt",
    "IsNumber",
    "IsOptional",
    "IsString",
    "Max",
    "MaxLength",
    "Min",
    "MinLength",
    "ValidateIf",
)
NEST_COMMON = (
    "Body",
    "Catch",
    "Controller",
    "Delete",
    "Get",
    "HttpCode",
    "HttpException",
    "Inject",
    "NotFoundException",
    "Param",
    "Patch",
    "Post",
    "Put",
    "Query",
    "Req",
    "Res",
    "UseFilters",
    "UsePipes",
    "ValidationPipe",
)


def uses_zod(deps) -> bool:
    """The controller validates with zod when the project has zod and not class-validator
    (class-validator DTOs are NestJS's own way, and the default)."""
    return deps is not None and deps.has("zod") and not deps.has("class-validator")


def _zod_type(f, replace: bool = False) -> str:
    """The zod schema of a field a client sends: NOT NULL with a default may be left out
    but not sent as null; a JSON field takes any JSON value. ``replace`` (PUT): every field
    is sent, a nullable one may be null."""
    if f.json:
        if f.nullable:
            return (
                'z.unknown().refine((v) => v !== undefined, "is required")'
                if replace
                else "z.unknown()"
            )
        if f.required or replace:
            return 'z.unknown().refine((v) => v !== undefined && v !== null, "is required")'
        return 'z.unknown().refine((v) => v !== null, "must not be null").optional()'
    kinds = {
        "int": "z.number().int()",
        "float": "z.number()",
        "bool": "z.boolean()",
        "datetime": "z.string().datetime({ offset: true })",
    }
    if f.array:
        out = f"z.array({kinds.get(naming.py_type(f.sql_type[:-2]), 'z.string()')})"
    else:
        out = kinds.get(f.py_type, "z.string()")
        ml = max_len(f.sql_type)
        if ml and out == "z.string()":
            out += f".max({ml})"
    if f.nullable:
        out += ".nullable()"
    if not f.required and not replace:
        out += ".optional()"
    return out


def _zod_schemas(r, res: str, up: str) -> list[str]:
    pw = r.password_hash
    L = [f"export const {up}_BODY = z"]
    L.append("  .object({")
    L += [f"    {f.name}: {_zod_type(f)}," for f in r.input_fields]
    if pw is not None:  # write-only; stored hashed
        L.append(f"    password: z.string().min(8).max(256){'' if pw.required else '.optional()'},")
    L += ["  })", "  .strict();"]
    # PUT replaces: every field is sent (a nullable one may be null; the password may be left out)
    L += [f"export const {up}_REPLACE = z", "  .object({"]
    L += [f"    {f.name}: {_zod_type(f, replace=True)}," for f in r.input_fields]
    if pw is not None:
        L.append("    password: z.string().min(8).max(256).optional(),")
    L += ["  })", "  .strict();"]
    L.append(f"export const {up}_PATCH = {up}_BODY.partial();")
    sortable = ", ".join(f'"{f.name}"' for f in r.output_fields)
    L += [
        f"export const {up}_LIST_QUERY = z",
        "  .object({",
        "    page: z.coerce.number().int().min(1).default(1),",
        "    limit: z.coerce.number().int().min(1).max(100).default(20),",
        f'    sort: z.enum([{sortable}]).default("{r.id.name}"),',
        '    order: z.enum(["asc", "desc"]).default("asc"),',
        "  })",
        "  .strict();",
        "",
    ]
    return L


def _zod_pipe(res: str, one: str) -> list[str]:
    return [
        "/** Parses a body or query string with a zod schema; a bad one answers `status` in the error format. */",
        f"class {res}Pipe implements PipeTransform {{",
        "  constructor(",
        "    private readonly schema: z.ZodTypeAny,",
        "    private readonly status: number,",
        "  ) {}",
        "",
        "  transform(value: unknown) {",
        "    const parsed = this.schema.safeParse(value ?? {});",
        "    if (parsed.success) return parsed.data;",
        "    const details = parsed.error.issues.flatMap((issue) =>",
        '      issue.code === "unrecognized_keys"',
        '        ? issue.keys.map((key) => ({ field: key, message: "unknown field" }))',
        '        : [{ field: issue.path.map(String).join("."), message: issue.message }],',
        "    );",
        f'    throw new HttpException({one}Error("VALIDATION_ERROR", "the request is not valid", details), this.status);',
        "  }",
        "}",
        "",
    ]


def endpoint_code(t: TableInfo, ops, base: str) -> tuple[str, str]:
    """(imports, body) of a NestJS controller on the resource model: DTOs validated by
    class-validator, the repository's store interface injected under a token, and an
    exception filter answering in the error format (constraint violations 409/422)."""
    from ..resources import from_table, ts_entity, ts_type
    from .kit import ts_store

    r = from_table(t)
    ent = ts_entity(r)
    res = naming.pascal(t.name)
    one = naming.camel(naming.singular(t.name))
    up = naming.snake(naming.singular(t.name)).upper()
    idc = r.id
    numeric_id = ts_type(idc) == "number"
    pw = r.password_hash
    zod = uses_zod(getattr(t, "dependencies", None))
    L: list[str] = []
    a = L.append
    L += ts_store.declarations(r)  # the repository's types and signatures
    a(
        f"/** Provide the {t.name} repository under this token: {{ provide: {up}_STORE, useValue: new {res}Repository(pool) }}. */"
    )
    a(f'export const {up}_STORE = Symbol("{ent}Store");')
    a(
        f"export const {up}_SORTABLE = [{', '.join(chr(34) + f.name + chr(34) for f in r.output_fields)}];"
    )
    a("")
    L += ts_store.output_picker(r, one)
    a(
        f"function {one}Error(code: string, message: string, details: {{ field: string; message: string }}[] = []) {{"
    )
    a("  return { error: { code, message, details } };")
    a("}")
    a("")
    a(f"function parse{ent}Id(raw: string): {ts_type(idc)} | null {{")
    if numeric_id:
        a("  const id = Number(raw);")
        a("  return Number.isInteger(id) && id > 0 ? id : null;")
    else:
        a("  return raw;")
    a("}")
    a("")
    if pw is not None:
        L += ts_store.password_hasher(one)
    a("// The fields the client sent: a parsed body may hold the ones left out as undefined.")
    a(
        f"{'async ' if pw is not None else ''}function {one}Values(body: object): {'Promise<Record<string, unknown>>' if pw is not None else 'Record<string, unknown>'} {{"
    )
    a("  const values: Record<string, unknown> = {};")
    a("  for (const [name, value] of Object.entries(body)) {")
    a("    if (value !== undefined) values[name] = value;")
    a("  }")
    if pw is not None:
        a('  if (typeof values.password === "string") {')
        a(f"    values.{pw.name} = await {one}HashPassword(values.password);")
        a("  }")
        a("  delete values.password;")
    a("  return values;")
    a("}")
    a("")
    if zod:
        L += _zod_pipe(res, one)
    else:
        a(f"const {one}Validation = new ValidationPipe({{")
        a("  whitelist: true,")
        a("  forbidNonWhitelisted: true,")
        a("  transform: true,")
        a("  exceptionFactory: (errors: ValidationError[]) =>")
        a("    new HttpException(")
        a(
            f'      {one}Error("VALIDATION_ERROR", "the request is not valid", errors.map((e) => ({{ field: e.property, message: Object.values(e.constraints ?? {{ invalid: "is not valid" }}).join("; ") }}))),'
        )
        a(
            f"      errors.some((e) => e.target instanceof List{res}Query) ? 400 : 422, // a bad query string is 400, a bad body 422"
        )
        a("    ),")
        a("});")
        a("")
    a(
        'const ERROR_CODES: Record<number, string> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT", 422: "VALIDATION_ERROR", 429: "RATE_LIMITED" };'
    )
    a("")
    a("/**")
    a(
        " * Answers every error of the controller in the error format. A database constraint violation"
    )
    a(" * (PostgreSQL SQLSTATE on the error node-postgres throws): a duplicate is 409; a missing")
    a(" * referenced row, a missing value or a failed CHECK is 422; removing a row others still")
    a(" * refer to is 409.")
    a(" */")
    a("@Catch()")
    a(f"export class {res}ErrorFilter implements ExceptionFilter {{")
    a("  catch(exception: unknown, host: ArgumentsHost) {")
    a("    const http = host.switchToHttp();")
    a("    const req = http.getRequest<Request>();")
    a("    const res = http.getResponse<Response>();")
    a("    if (exception instanceof HttpException) {")
    a("      const status = exception.getStatus();")
    a("      const body = exception.getResponse();")
    a('      if (typeof body === "object" && body !== null && "error" in body) {')
    a("        res.status(status).json(body);")
    a("        return;")
    a("      }")
    a(
        f'      res.status(status).json({one}Error(ERROR_CODES[status] ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST"), exception.message));'
    )
    a("      return;")
    a("    }")
    a(
        '    const e = (typeof exception === "object" && exception !== null ? exception : {}) as { code?: unknown; detail?: unknown; column?: unknown; message?: unknown };'
    )
    a('    const state = typeof e.code === "string" ? e.code : "";')
    a('    const key = /Key \\(([^)]*)\\)/.exec(typeof e.detail === "string" ? e.detail : "");')
    a('    const field = typeof e.column === "string" ? e.column : key ? key[1] : "";')
    a('    if (state === "23505") {')
    a(
        f'      res.status(409).json({one}Error("CONFLICT", "a row with the same unique value already exists", [{{ field, message: "already exists" }}]));'
    )
    a("      return;")
    a("    }")
    a('    if (state === "23503") {')
    a('      if (req.method === "DELETE" || String(e.message).startsWith("update or delete on")) {')
    a(
        f'        res.status(409).json({one}Error("CONFLICT", "other rows still refer to this one"));'
    )
    a("      } else {")
    a(
        f'        res.status(422).json({one}Error("VALIDATION_ERROR", "a referenced row does not exist", [{{ field, message: "refers to a row that does not exist" }}]));'
    )
    a("      }")
    a("      return;")
    a("    }")
    a('    if (state === "23502" || state === "23514") {')
    a(
        f'      res.status(422).json({one}Error("VALIDATION_ERROR", "a value breaks a rule of the table", [{{ field, message: "is missing or not allowed" }}]));'
    )
    a("      return;")
    a("    }")
    a(
        '    process.stdout.write(JSON.stringify({ level: "error", message: "unhandled error", request_id: res.locals.requestId, error: String(exception) }) + "\\n");'
    )
    a(f'    res.status(500).json({one}Error("INTERNAL", "an unexpected error occurred"));')
    a("  }")
    a("}")
    a("")
    if zod:
        L += _zod_schemas(r, res, up)
    else:
        a(f"export class List{res}Query {{")
        a("  @IsOptional()")
        a("  @Type(() => Number)")
        a("  @IsInt()")
        a("  @Min(1)")
        a("  page: number = 1;")
        a("")
        a("  @IsOptional()")
        a("  @Type(() => Number)")
        a("  @IsInt()")
        a("  @Min(1)")
        a("  @Max(100)")
        a("  limit: number = 20;")
        a("")
        a("  @IsOptional()")
        a(f"  @IsIn({up}_SORTABLE)")
        a(f'  sort: string = "{idc.name}";')
        a("")
        a("  @IsOptional()")
        a('  @IsIn(["asc", "desc"])')
        a('  order: "asc" | "desc" = "asc";')
        a("}")
        for cls, partial, what in (
            (f"Create{ent}Dto", False, f"POST {base}"),
            (
                f"Replace{ent}Dto",
                None,
                f"PUT {base}/:id: a full replacement, every field is sent (a nullable one may be null)",
            ),
            (f"Update{ent}Dto", True, f"PATCH {base}/:id: only the fields sent change"),
        ):
            a("")
            a(f"/** Body of {what}. */")
            a(f"export class {cls} {{")
            for i, f in enumerate(r.input_fields):
                if i:
                    a("")
                L.extend(_nest_field(f, cls, bool(partial), replace=partial is None))
            if pw is not None:  # write-only; stored hashed
                if r.input_fields:
                    a("")
                if partial is not False or not pw.required:
                    a(f"  @ValidateIf((o: {cls}) => o.password !== undefined)")
                a("  @IsString()")
                a("  @MinLength(8)")
                a("  @MaxLength(256)")
                a(f"  password{'?' if partial is not False or not pw.required else '!'}: string;")
            a("}")
    M: list[str] = []  # controller methods
    m = M.append
    not_found = f'throw new NotFoundException({one}Error("NOT_FOUND", `{naming.singular(t.name)} ${{raw}} not found`));'
    vals = f"(await {one}Values(body))" if pw is not None else f"{one}Values(body)"
    if zod:
        query_param = (
            f"@Query(new {res}Pipe({up}_LIST_QUERY, 400)) query: z.infer<typeof {up}_LIST_QUERY>"
        )

        def body_param(mode: str) -> str:
            schema = {"create": f"{up}_BODY", "replace": f"{up}_REPLACE", "update": f"{up}_PATCH"}[
                mode
            ]
            return f"@Body(new {res}Pipe({schema}, 422)) body: z.infer<typeof {schema}>"
    else:
        query_param = f"@Query() query: List{res}Query"

        def body_param(mode: str) -> str:
            kind = {"create": "Create", "replace": "Replace", "update": "Update"}[mode]
            return f"@Body() body: {kind}{ent}Dto"

    if "list" in ops:
        m("  @Get()")
        m(f"  async list({query_param}, @Req() req: Request) {{")
        m("    const { page, limit, sort, order } = query;")
        m("    const { rows, total } = await this.store.findAll({ page, limit, sort, order });")
        m(
            "    const at = (p: number) => `${req.path}?page=${p}&limit=${limit}&sort=${sort}&order=${order}`;"
        )
        m("    return {")
        m(f"      data: rows.map({one}Public),")
        m("      meta: { page, limit, total },")
        m(
            "      links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },"
        )
        m("    };")
        m("  }")
    if "get" in ops:
        m("")
        m('  @Get(":id")')
        m('  async get(@Param("id") raw: string) {')
        m(f"    const id = parse{ent}Id(raw);")
        m("    const row = id === null ? null : await this.store.findById(id);")
        m(f"    if (row === null) {not_found}")
        m(f"    return {{ data: {one}Public(row) }};")
        m("  }")
    if "create" in ops:
        m("")
        if r.required_hidden:
            names = ", ".join(f.name for f in r.required_hidden)
            m(
                f"  // {names}: required by the table but never taken from clients nor returned; fill it here before store.create."
            )
        m("  @Post()")
        m("  @HttpCode(201)")
        m(
            f"  async create({body_param('create')}, @Req() req: Request, @Res({{ passthrough: true }}) res: Response) {{"
        )
        m(f"    const row = await this.store.create({vals} as New{ent});")
        m(f'    res.location(`${{req.path.replace(/\\/$/, "")}}/${{row.{idc.name}}}`);')
        m(f"    return {{ data: {one}Public(row) }};")
        m("  }")
    for op, deco in (("replace", "Put"), ("update", "Patch")):
        if op not in ops:
            continue
        m("")
        m(f'  @{deco}(":id")')
        m(f'  async {op}(@Param("id") raw: string, {body_param(op)}) {{')
        m(f"    const id = parse{ent}Id(raw);")
        m(
            f"    const row = id === null ? null : await this.store.update(id, {vals} as {ent}Changes);"
        )
        m(f"    if (row === null) {not_found}")
        m(f"    return {{ data: {one}Public(row) }};")
        m("  }")
    if "delete" in ops:
        m("")
        m('  @Delete(":id")')
        m("  @HttpCode(204)")
        m('  async remove(@Param("id") raw: string): Promise<void> {')
        m(f"    const id = parse{ent}Id(raw);")
        m(f"    if (id === null || !(await this.store.delete(id))) {not_found}")
        m("  }")
    a("")
    a(f'@Controller("{base.lstrip("/")}")')
    if not zod:
        a(f"@UsePipes({one}Validation)")
    a(f"@UseFilters(new {res}ErrorFilter())")
    a(f"export class {res}Controller {{")
    a(f"  constructor(@Inject({up}_STORE) private readonly store: {ent}Store) {{}}")
    if M:
        a("")
        L.extend(M[1:] if M[0] == "" else M)
    a("}")
    body = "\n".join(L) + "\n"
    used = set(re.findall(r"@(\w+)\(", body))
    common = [n for n in NEST_COMMON if n in used or re.search(rf"\b{n}\b", body)]
    imports = [
        *(['import { randomBytes, scrypt } from "node:crypto";'] if pw is not None else []),
        f'import {{ {", ".join(common)}, type ArgumentsHost, type ExceptionFilter{", type PipeTransform" if zod else ""} }} from "@nestjs/common";',
        *(
            ['import { z } from "zod";']
            if zod
            else [
                'import { Type } from "class-transformer";',
                f'import {{ {", ".join(v for v in NEST_VALIDATORS if v in used)}, type ValidationError }} from "class-validator";',
            ]
        ),
        'import type { Request, Response } from "express";',
    ]
    return "\n".join(imports), body


FRAMEWORK = NestJS()
