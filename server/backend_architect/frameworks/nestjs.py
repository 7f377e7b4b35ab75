"""NestJS: controllers (``@Controller``) with ``@Get()`` / ``@Post()`` methods, guards,
``@Body() dto: CreateUserDto`` parameters validated by class-validator, @nestjs/throttler."""

from __future__ import annotations

from typing import TYPE_CHECKING

import os
import re

import tree_sitter as ts

from ..app import mounts
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
from .kit.node_app import install_middleware
from .kit.endpoint_code import max_len
from ..lang import naming
from .base import Unsupported
from .base import Framework
from .kit.node_router import _js_object_props, koa_import

_IMPORT = re.compile(rb"@nestjs/(common|core)")

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
    app_creation = re.compile(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*[\w<>]+\s*)?=\s*await\s+NestFactory\.create(?:<[^>]*>)?\(",
        re.M,
    )

    middleware_filename = "middleware.ts"

    def inherit_guards(self, document, handlers):
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
        return install_middleware(self, doc, app, after, indent, path)

    def endpoint_file(self, table, ops, base, language, package):
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


def _nest_field(c, partial: bool) -> list[str]:
    """class-validator decorators and the declaration of one DTO property."""
    kind = naming.py_type(c.type)
    ts = {
        "int": "number",
        "float": "number",
        "bool": "boolean",
        "str": "string",
        "datetime": "string",
        "date": "string",
    }.get(kind, "unknown")
    deco = {
        "int": ["IsInt()"],
        "float": ["IsNumber()"],
        "bool": ["IsBoolean()"],
        "str": ["IsString()"],
        "datetime": ["IsDateString()"],
        "date": ["IsDateString()"],
    }.get(kind, [])
    ml = max_len(c.type)
    if ml and kind == "str":
        deco.append(f"MaxLength({ml})")
    optional = partial or not c.required
    out = []
    if optional:
        out.append("  @IsOptional()")
    elif not deco:
        out.append("  @IsDefined()")
    out += [f"  @{d}" for d in deco]
    null = " | null" if c.nullable else ""
    out.append(f"  {c.name}{'?' if optional else '!'}: {ts}{null};")
    return out


NEST_VALIDATORS = (
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
)


def endpoint_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    """(imports, body) of a NestJS controller with its DTOs; ``router_var`` set: only the
    handler methods, to go inside an existing controller class whose route prefix is ``base``."""
    ent = naming.pascal(naming.singular(t.name))
    res = naming.pascal(t.name)
    one = naming.camel(naming.singular(t.name))
    idc = t.id_column
    numeric_id = naming.py_type(idc.type) == "int"
    idt = "number" if numeric_id else "string"
    writable = t.writable
    up = naming.snake(naming.singular(t.name)).upper()
    common = [
        "Body",
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
        "UsePipes",
        "ValidationPipe",
    ] + (["ParseIntPipe"] if numeric_id else [])
    imports = "\n".join(
        [
            f'import {{ {", ".join(sorted(common))} }} from "@nestjs/common";',
            'import { Type } from "class-transformer";',
            f'import {{ {", ".join(NEST_VALIDATORS)}, type ValidationError }} from "class-validator";',
        ]
    )
    L: list[str] = []
    a = L.append
    M: list[str] = []  # controller methods
    m = M.append
    if "list" in ops:
        m("  @Get()")
        m(f"  async list(@Query() query: List{res}Query) {{")
        m("    const { page, limit, sort, order } = query;")
        m("    const { rows, total } = await this.store.findAll({ page, limit, sort, order });")
        m(
            f"    const at = (p: number) => `{base}?page=${{p}}&limit=${{limit}}&sort=${{sort}}&order=${{order}}`;"
        )
        m("    return {")
        m("      data: rows,")
        m("      meta: { page, limit, total },")
        m(
            "      links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },"
        )
        m("    };")
        m("  }")
    id_param = f'@Param("id", {one}IdPipe) id: {idt}' if numeric_id else f'@Param("id") id: {idt}'
    not_found = f'throw new NotFoundException({one}Error("NOT_FOUND", `{naming.singular(t.name)} ${{id}} not found`));'
    if "get" in ops:
        if M:
            m("")
        m('  @Get(":id")')
        m(f"  async get({id_param}) {{")
        m("    const row = await this.store.findById(id);")
        m(f"    if (row === null) {not_found}")
        m("    return { data: row };")
        m("  }")
    if "create" in ops:
        if M:
            m("")
        m("  @Post()")
        m("  @HttpCode(201)")
        m(f"  async create(@Body() body: Create{ent}Dto) {{")
        m("    return { data: await this.store.create({ ...body }) };")
        m("  }")
    for op, deco, dto in (
        ("replace", "Put", f"Create{ent}Dto"),
        ("update", "Patch", f"Update{ent}Dto"),
    ):
        if op not in ops:
            continue
        if M:
            m("")
        m(f'  @{deco}(":id")')
        m(f"  async {op}({id_param}, @Body() body: {dto}) {{")
        m("    const row = await this.store.update(id, { ...body });")
        m(f"    if (row === null) {not_found}")
        m("    return { data: row };")
        m("  }")
    if "delete" in ops:
        if M:
            m("")
        m('  @Delete(":id")')
        m("  @HttpCode(204)")
        m(f"  async remove({id_param}): Promise<void> {{")
        m(f"    if (!(await this.store.delete(id))) {not_found}")
        m("  }")
    if router_var is not None:
        return imports, "\n".join(M) + "\n"
    a(f"export interface {ent}Store {{")
    a(f"  findById(id: {idt}): Promise<Record<string, unknown> | null>;")
    a(
        '  findAll(opts: { page: number; limit: number; sort: string; order: "asc" | "desc" }): Promise<{ rows: unknown[]; total: number }>;'
    )
    a("  create(input: Record<string, unknown>): Promise<Record<string, unknown>>;")
    a(
        f"  update(id: {idt}, changes: Record<string, unknown>): Promise<Record<string, unknown> | null>;"
    )
    a(f"  delete(id: {idt}): Promise<boolean>;")
    a("}")
    a("")
    a(
        f"/** Provide the {t.name} repository under this token: {{ provide: {up}_STORE, useClass: ... }}. */"
    )
    a(f'export const {up}_STORE = Symbol("{ent}Store");')
    a(f"export const {up}_SORTABLE = [{', '.join(chr(34) + c.name + chr(34) for c in t.columns)}];")
    a("")
    a(
        f"function {one}Error(code: string, message: string, details: {{ field: string; message: string }}[] = []) {{"
    )
    a("  return { error: { code, message, details } };")
    a("}")
    a("")
    a(f"const {one}Validation = new ValidationPipe({{")
    a("  whitelist: true,")
    a("  forbidNonWhitelisted: true,")
    a("  transform: true,")
    a("  exceptionFactory: (errors: ValidationError[]) =>")
    a("    new HttpException(")
    a(
        f'      {one}Error("VALIDATION_ERROR", "the request is not valid", errors.map((e) => ({{ field: e.property, message: Object.values(e.constraints ?? {{}}).join("; ") }}))),'
    )
    a(
        f"      errors.some((e) => e.target instanceof List{res}Query) ? 400 : 422, // a bad query string is 400, a bad body 422"
    )
    a("    ),")
    a("});")
    if numeric_id:
        a("")
        a(f"const {one}IdPipe = new ParseIntPipe({{")
        a(
            f'  exceptionFactory: () => new HttpException({one}Error("VALIDATION_ERROR", "id must be an integer", [{{ field: "id", message: "not an integer" }}]), 400),'
        )
        a("});")
    a("")
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
        (f"Create{ent}Dto", False, f"POST {base} and PUT {base}/:id"),
        (f"Update{ent}Dto", True, f"PATCH {base}/:id: only the fields sent change"),
    ):
        a("")
        a(f"/** Body of {what}. */")
        a(f"export class {cls} {{")
        for i, c in enumerate(writable):
            if i:
                a("")
            L.extend(_nest_field(c, partial))
        a("}")
    a("")
    a(f'@Controller("{base.lstrip("/")}")')
    a(f"@UsePipes({one}Validation)")
    a(f"export class {res}Controller {{")
    a(f"  constructor(@Inject({up}_STORE) private readonly store: {ent}Store) {{}}")
    if M:
        a("")
    L.extend(M)
    a("}")
    used = set(re.findall(r"@(\w+)\(", "\n".join(L)))
    imports = "\n".join(
        [
            f'import {{ {", ".join(sorted(common))} }} from "@nestjs/common";',
            'import { Type } from "class-transformer";',
            f'import {{ {", ".join(v for v in NEST_VALIDATORS if v in used)}, type ValidationError }} from "class-validator";',
        ]
    )
    return imports, "\n".join(L) + "\n"


FRAMEWORK = NestJS()
