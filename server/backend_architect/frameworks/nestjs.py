"""NestJS: controllers (``@Controller``) with ``@Get()`` / ``@Post()`` methods, guards,
``@Body() dto: CreateUserDto`` parameters validated by class-validator, @nestjs/throttler."""

from __future__ import annotations

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
from .kit.node_app import install_middleware
from .base import Framework
from .kit.node_router import KOA, _js_object_props

_IMPORT = re.compile(rb"@nestjs/(common|core)")


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
    lang = document.language
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
            if http is None:
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

    def detects(self, head):
        return not KOA.search(head) and bool(_IMPORT.search(head))

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


FRAMEWORK = NestJS()
