"""Routes of web handlers, extracted with tree-sitter.

One place knows how each framework declares a route; every handler rule and
generator reads the result (:func:`extract_routes`, or ``ctx.fact("routes")``
during a lint). Supported: FastAPI, Flask, Django (function views and Django
REST framework views, paths from the package's ``urls.py``), Express, Fastify,
NestJS, Gin, Echo, chi, gorilla/mux and net/http.

Paths are normalised to ``/users/{id}`` whatever the framework syntax
(``:id``, ``<int:id>``, ``(?P<id>...)``, ``{id:[0-9]+}``). Byte offsets are
UTF-8 offsets into the document, like everything else in the engine.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from collections.abc import Iterable

import tree_sitter as ts

from ..core import languages
from ..core.bounded import MB, byte_lru_cache
from ..core.document import Document

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
CHANGING_METHODS = ("POST", "PUT", "PATCH", "DELETE", "ANY")

# Names of guards (auth dependencies, decorators, middleware). "optional" auth
# lets anonymous callers through, so it is not a guard.
GUARD_RE = re.compile(
    r"auth|login_required|jwt|current_?user|currentuser|guard|protect|permission|verify_?token|"
    r"require_?(user|login|role|admin|scope|auth)|requires_?auth|is_?authenticated|isauthenticated|"
    r"isloggedin|logged_?in|oauth|bearer|api_?key|superuser|is_?admin|roles?\b|principal|passport|"
    r"ensure_?auth|token_required|access_?token|security|admin_user|get_\w*_user\b",
    re.I,
)
NOT_GUARD_RE = re.compile(r"optional|get_db|session\b|throttl|limit", re.I)
LIMITER_RE = re.compile(r"rate_?limit|limiter|throttl|slow_?down|ratelimit|brute", re.I)
SCHEMA_MW_RE = re.compile(
    r"validat|celebrate|schema|zValidator|checkSchema|\bbody\(|\bquery\(|\bcheck\(|\bparam\(", re.I
)


@dataclass
class RequestRead:
    """Request data a handler reads: where, of which kind, and the field name when known."""

    kind: str  # body | query | path | header | form
    name: str | None
    start: int
    end: int


@dataclass
class Route:
    framework: str
    language: str
    method: str  # upper case; ANY when the route accepts every method
    path: str  # normalised: /users/{id}
    handler: str
    start: int  # the handler definition (or the reference to it when defined elsewhere)
    end: int
    decl_start: int  # the decorator / registration call
    decl_end: int
    reads: list[RequestRead] = field(default_factory=list)
    schema: str | None = None  # request model / DTO / validation schema
    guards: list[str] = field(default_factory=list)
    limiter: bool = False
    status_codes: list[int] = field(default_factory=list)
    response_model: str | None = None
    returns_body: bool = False
    group: str = ""  # the router / app / blueprint / controller / group the route hangs on
    path_params: list[str] = field(default_factory=list)
    handler_in_file: bool = True  # False when only a reference to the handler is visible
    request_names: list[str] = field(default_factory=list)  # req, request, c, ctx, w/r ...


@dataclass
class Handler:
    """A route plus the syntax the rules look at (not part of the public Route)."""

    route: Route
    node: ts.Node | None  # the handler function (None when defined in another file)
    decl: ts.Node | None
    extra: dict = field(default_factory=dict)


@dataclass
class Analysis:
    framework: str | None
    tree: ts.Tree | None
    handlers: list[Handler]
    data: bytes


# -- public API ---------------------------------------------------------------------------


def extract_routes(document: Document) -> list[Route]:
    """Every route declared in ``document``."""
    return [h.route for h in analyse(document).handlers]


def framework_of(document: Document) -> str | None:
    """The web framework a file is written against (from its imports), or None."""
    if document.language not in ("python", "javascript", "typescript", "tsx", "go"):
        return None
    return _framework(document.language, document.data, document.path)


def analyse(document: Document) -> Analysis:
    cache = document._cache
    key = ("handlers", len(document.data), hash(document.data))
    if key in cache:
        return cache[key]
    result = _analyse(document)
    cache[key] = result
    return result


def handlers_fact(ctx) -> list[Handler]:
    return analyse(ctx.document).handlers


def routes_fact(ctx) -> list[Route]:
    return [h.route for h in analyse(ctx.document).handlers]


# -- helpers -----------------------------------------------------------------------------


def text(node: ts.Node | None, data: bytes) -> str:
    if node is None:
        return ""
    return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def string_value(node: ts.Node | None, data: bytes) -> str | None:
    """The value of a plain string literal (no interpolation), else None."""
    if node is None:
        return None
    t = node.type
    if t == "string" and node.children and node.children[0].type == "string_start":  # python
        start = text(node.children[0], data)
        if "f" in start.lower() or any(c.type == "interpolation" for c in node.children):
            return None
        return "".join(text(c, data) for c in node.children if c.type == "string_content")
    if t == "string":  # javascript
        return "".join(
            text(c, data) for c in node.children if c.type in ("string_fragment", "escape_sequence")
        )
    if t == "template_string":
        if any(c.type == "template_substitution" for c in node.children):
            return None
        return text(node, data)[1:-1]
    if t == "interpreted_string_literal":
        return "".join(
            text(c, data)
            for c in node.children
            if c.type in ("interpreted_string_literal_content", "escape_sequence")
        )
    if t == "raw_string_literal":
        return text(node, data)[1:-1]
    if t == "concatenated_string":
        parts = [string_value(c, data) for c in node.children if c.type == "string"]
        known = [p for p in parts if p is not None]
        return "".join(known) if len(known) == len(parts) else None
    return None


def is_string(node: ts.Node | None) -> bool:
    return node is not None and node.type in (
        "string",
        "template_string",
        "interpreted_string_literal",
        "raw_string_literal",
        "concatenated_string",
    )


def children(node: ts.Node | None) -> list[ts.Node]:
    """A node's named children (none for a missing node)."""
    return list(node.named_children) if node is not None else []


def named_args(args: ts.Node | None) -> list[ts.Node]:
    if args is None:
        return []
    return [c for c in args.named_children if c.type not in ("comment",)]


def status_from_text(s: str) -> int | None:
    s = s.strip()
    if s.isdigit():
        n = int(s)
        return n if 100 <= n < 600 else None
    m = re.search(r"HTTP_(\d{3})", s)
    if m:
        return int(m.group(1))
    name = s.rsplit(".", 1)[-1]
    if name.startswith("Status") and len(name) > 6:  # Go http.StatusCreated
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name[6:]).upper()
        snake = {"O_K": "OK", "I_M_A_TEAPOT": "IM_A_TEAPOT"}.get(snake, snake)
        try:
            return HTTPStatus[snake].value
        except KeyError:
            return None
    try:
        return HTTPStatus[name.upper()].value  # HttpStatus.CREATED, HTTPStatus.CREATED
    except KeyError:
        return None


def path_params(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def normalise_path(path: str, prefix: str = "") -> str:
    p = path.strip()
    p = p.lstrip("^").rstrip("$") if p.startswith("^") or p.endswith("$") else p
    p = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", p)  # django regex groups
    p = re.sub(r"<(?:[\w.]+:)?(\w+)>", r"{\1}", p)  # <int:pk> / <id>
    p = re.sub(r"\{(\w+)(?:\.\.\.|:[^}]*)\}", r"{\1}", p)  # {id:[0-9]+}, {path...}
    p = re.sub(r":(\w+)(\([^)]*\))?\??", r"{\1}", p)  # :id, :id(\d+)
    p = re.sub(r"(?<=/)\*(\w+)", r"{\1}", p)  # gin catch-all
    p = p.replace("{$}", "")
    p = re.sub(r"/\?$", "", p)
    joined = "/" + "/".join(s for s in (prefix.strip("/"), p.strip("/")) if s)
    joined = re.sub(r"/+", "/", joined)
    return joined


def _framework(language: str, data: bytes, path: str) -> str | None:
    head = data[:20000]
    if language == "python":
        if re.search(rb"^\s*(from|import)\s+fastapi\b", head, re.M):
            return "fastapi"
        if re.search(rb"^\s*(from|import)\s+flask\w*\b", head, re.M):
            return "flask"
        if re.search(rb"^\s*(from|import)\s+(django|rest_framework)\b", head, re.M):
            return "django"
        return None
    if language in ("javascript", "typescript", "tsx"):
        if re.search(rb"""(from\s+|require\()\s*['"](koa|@koa/router|koa-router|hono)['"]""", head):
            return None  # Koa and Hono: `ctx.body = ...` is the response; not a supported framework
        if re.search(rb"@nestjs/common", head):
            return "nestjs"
        if re.search(
            rb"""(from\s+|require\()\s*['"]fastify(-plugin)?['"]|FastifyInstance|FastifyPluginAsync|FastifyPluginCallback""",
            head,
        ):
            return "fastify"
        if re.search(rb"""(from\s+|require\()\s*['"]express['"]""", head) or re.search(
            rb"express\.Router\(|\bRouter\(\)", head
        ):
            return "express"
        return None
    if language == "go":
        imports = head
        if b"github.com/gin-gonic/gin" in imports:
            return "gin"
        if b"github.com/labstack/echo" in imports:
            return "echo"
        if b"github.com/go-chi/chi" in imports:
            return "chi"
        if b"github.com/gorilla/mux" in imports:
            return "gorilla"
        if b'"net/http"' in imports:
            return "net/http"
    return None


def _analyse(document: Document) -> Analysis:
    lang = document.language
    data = document.data
    if lang not in ("python", "javascript", "typescript", "tsx", "go"):
        return Analysis(None, None, [], data)
    fw = _framework(lang, data, document.path)
    if fw is None:
        return Analysis(None, None, [], data)
    tree = languages.parse(data, lang)
    if lang == "python":
        handlers = _python_routes(document, tree, data, fw)
    elif lang == "go":
        handlers = _go_routes(document, tree, data, fw)
    elif fw == "nestjs":
        handlers = _nest_routes(document, tree, data)
    else:
        handlers = _js_routes(document, tree, data, fw)
    if handlers:
        _inherit_guards(document, fw, handlers)
    for h in handlers:
        h.route.path_params = path_params(h.route.path)
        h.route.guards = list(dict.fromkeys(g for g in h.route.guards if g))
    return Analysis(fw, tree, handlers, data)


def _inherit_guards(document: Document, fw: str, handlers: list[Handler]) -> None:
    """Guards from where the file's routers are mounted and app-wide hooks (see :mod:`.mounts`)."""
    from . import mounts

    if fw == "django":
        drf_default, login_middleware = mounts.django_defaults(document.path)
        for h in handlers:
            if h.extra.get("public"):
                continue
            if login_middleware:
                h.route.guards.append("LoginRequiredMiddleware")
            if drf_default and h.extra.get("drf") and not h.extra.get("explicit_permissions"):
                h.route.guards += drf_default
        return
    inherited = mounts.inherited_guards(document.path, document.language or "", fw)
    if inherited:
        for h in handlers:
            if not h.extra.get("public"):
                h.route.guards += inherited.get(h.route.group, []) + inherited.get("*", [])


# =========================================================================================
# Python: FastAPI, Flask, Django
# =========================================================================================

PY_FUNCS = "(function_definition name: (identifier) @name) @fn"
PY_ATTR = "(attribute object: (identifier) @obj attribute: (identifier) @attr) @a"
PY_CALLS = "(call function: (_) @f arguments: (argument_list) @args) @call"
PY_RETURNS = "(return_statement) @r"

PY_ATTR_KIND = {
    "json": "body",
    "get_json": "body",
    "data": "body",
    "body": "body",
    "form": "form",
    "files": "form",
    "POST": "form",
    "FILES": "form",
    "args": "query",
    "values": "query",
    "GET": "query",
    "query_params": "query",
    "headers": "header",
    "cookies": "header",
    "META": "header",
    "COOKIES": "header",
    "path_params": "path",
}
PY_PRIMITIVES = {
    "int",
    "str",
    "float",
    "bool",
    "UUID",
    "uuid.UUID",
    "datetime",
    "date",
    "Decimal",
    "EmailStr",
}
PY_NOT_MODELS = {
    "Request",
    "Response",
    "BackgroundTasks",
    "Session",
    "AsyncSession",
    "WebSocket",
    "UploadFile",
    "HTTPConnection",
    "SecurityScopes",
    "OAuth2PasswordRequestForm",
    "dict",
    "Dict",
    "Any",
    "list",
    "List",
    "object",
    "Optional",
}
DJANGO_VIEW_METHODS = {
    "get": "GET",
    "post": "POST",
    "put": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
    "list": "GET",
    "retrieve": "GET",
    "create": "POST",
    "update": "PUT",
    "partial_update": "PATCH",
    "destroy": "DELETE",
}
DRF_BASES_RE = re.compile(r"APIView|ViewSet|GenericAPIView|\w+APIView|View\b|\w+View\b")


def _decorators(fn: ts.Node) -> list[ts.Node]:
    parent = fn.parent
    if parent is not None and parent.type == "decorated_definition":
        return [c for c in parent.children if c.type == "decorator"]
    return []


def _kwarg(args: ts.Node | None, name: str, data: bytes) -> ts.Node | None:
    for a in named_args(args):
        if a.type == "keyword_argument" and text(a.child_by_field_name("name"), data) == name:
            return a.child_by_field_name("value")
    return None


def _py_module_assignments(tree: ts.Tree, data: bytes) -> dict[str, ts.Node]:
    out = {}
    for stmt in tree.root_node.named_children:
        if (
            stmt.type == "expression_statement"
            and stmt.named_children
            and stmt.named_children[0].type == "assignment"
        ):
            a = stmt.named_children[0]
            left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
            if left is not None and left.type == "identifier" and right is not None:
                out[text(left, data)] = right
    return out


def _python_routes(document: Document, tree: ts.Tree, data: bytes, fw: str) -> list[Handler]:
    handlers: list[Handler] = []
    module = _py_module_assignments(tree, data)
    caps = languages.captures("python", PY_FUNCS, tree.root_node)
    # router-level prefixes and dependencies: APIRouter(prefix=..., dependencies=[...]), Blueprint(url_prefix=...)
    prefixes: dict[str, str] = {}
    group_guards: dict[str, list[str]] = {}
    group_limited: set[str] = set()
    router_classes: dict[str, list[str]] | None = None
    for name, value in module.items():
        if value is None or value.type != "call":
            continue
        callee = text(value.child_by_field_name("function"), data)
        args = value.child_by_field_name("arguments")
        if (
            fw == "fastapi"
            and callee.endswith("Router")
            and callee.rsplit(".", 1)[-1] != "APIRouter"
        ):
            if router_classes is None:
                from .mounts import guarded_router_classes

                router_classes = guarded_router_classes(document.path)
            group_guards.setdefault(name, []).extend(
                router_classes.get(callee.rsplit(".", 1)[-1], [])
            )
        if callee.endswith(("APIRouter", "FastAPI", "Blueprint", "Namespace", "Api")):
            pre = (
                _kwarg(args, "prefix", data)
                or _kwarg(args, "url_prefix", data)
                or _kwarg(args, "path", data)
            )
            prefix = string_value(pre, data) if pre is not None else None
            if prefix is not None:
                prefixes[name] = prefix
            deps = _kwarg(args, "dependencies", data)
            if deps is not None:
                group_guards.setdefault(name, []).extend(
                    g for g in _dependency_names(deps, data) if _is_guard(g)
                )
                if any(LIMITER_RE.search(g) for g in _dependency_names(deps, data)):
                    group_limited.add(name)
    # app.include_router(router, dependencies=[...]) / app.add_middleware(SlowAPIMiddleware) in this file
    for call in languages.captures(
        "python", "(call function: (attribute) @f) @c", tree.root_node
    ).get("c", []):
        f = text(call.child_by_field_name("function"), data)
        args = call.child_by_field_name("arguments")
        if f.endswith(".include_router"):
            first = named_args(args)[:1]
            deps = _kwarg(args, "dependencies", data)
            if first and deps is not None:
                target = text(first[0], data)
                group_guards.setdefault(target, []).extend(
                    g for g in _dependency_names(deps, data) if _is_guard(g)
                )
        elif (
            f.endswith(".add_middleware")
            and re.search(r"SlowAPI|RateLimit|Throttl", text(args, data))
            or f.endswith("before_request")
            and re.search(r"limit", text(args, data), re.I)
        ):
            group_limited.add("*")

    django_paths = _django_paths(document) if fw == "django" else {}
    for fn in caps.get("fn", []):
        name = text(fn.child_by_field_name("name"), data)
        decorators = _decorators(fn)
        found = False
        for dec in decorators:
            if not dec.named_children or dec.named_children[0].type != "call":
                continue
            call = dec.named_children[0]
            func = call.child_by_field_name("function")
            if func is None or func.type != "attribute":
                continue
            attr = text(func.child_by_field_name("attribute"), data)
            obj = text(func.child_by_field_name("object"), data)
            args = call.child_by_field_name("arguments")
            if attr not in (
                "get",
                "post",
                "put",
                "patch",
                "delete",
                "head",
                "options",
                "route",
                "api_route",
                "websocket",
            ):
                continue
            first = named_args(args)[:1]
            path_node = (
                first[0]
                if first and first[0].type != "keyword_argument"
                else _kwarg(args, "path", data) or _kwarg(args, "rule", data)
            )
            raw = string_value(path_node, data)
            if raw is None:
                continue
            if attr in ("route", "api_route"):
                methods_node = _kwarg(args, "methods", data)
                methods = [
                    m.upper() for m in re.findall(r"['\"](\w+)['\"]", text(methods_node, data))
                ] or ["GET"]
            elif attr == "websocket":
                methods = ["GET"]
            else:
                methods = [attr.upper()]
            found = True
            for method in methods:
                route = Route(
                    framework=fw,
                    language="python",
                    method=method,
                    path=normalise_path(raw, prefixes.get(obj, "")),
                    handler=name,
                    start=fn.start_byte,
                    end=fn.end_byte,
                    decl_start=dec.start_byte,
                    decl_end=dec.end_byte,
                    group=obj,
                )
                h = Handler(route, fn, dec, {"websocket": attr == "websocket"})
                _python_details(h, data, decorators, call, fw, module)
                route.guards = group_guards.get(obj, []) + route.guards
                route.limiter = route.limiter or obj in group_limited or "*" in group_limited
                handlers.append(h)
        if found or fw != "django":
            continue
        view = _django_view(fn, name, decorators, data, module, django_paths)
        if view is not None:
            handlers.append(view)
    if fw == "flask":
        handlers += _flask_class_views(tree, data, module, prefixes, group_guards, group_limited)
    return handlers


# -- Flask class-based views: Flask-RESTX / Flask-RESTful Resource, MethodView ----------------

FLASK_CLASS_BASES_RE = re.compile(r"\b(Resource|MethodView|View)\b")
FLASK_CLASS_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
PY_CLASSES = "(class_definition name: (identifier) @name body: (block) @body) @cls"


def _flask_class_paths(tree: ts.Tree, data: bytes) -> dict[str, list[tuple[str, str]]]:
    """Class name -> [(api / app object, raw path)] from ``api.add_resource(Cls, "/a", "/b")``
    and ``app.add_url_rule("/a", view_func=Cls.as_view("name"))`` calls of this file."""
    out: dict[str, list[tuple[str, str]]] = {}
    for call in languages.captures(
        "python", "(call function: (attribute) @f) @c", tree.root_node
    ).get("c", []):
        f = call.child_by_field_name("function")
        if f is None:
            continue
        attr = text(f.child_by_field_name("attribute"), data)
        obj = text(f.child_by_field_name("object"), data)
        args = call.child_by_field_name("arguments")
        pos = [a for a in named_args(args) if a.type != "keyword_argument"]
        if attr == "add_resource" and pos and pos[0].type in ("identifier", "attribute"):
            cls = text(pos[0], data).rsplit(".", 1)[-1]
            paths = [string_value(a, data) for a in pos[1:] if is_string(a)]
            for raw in [p for p in paths if p is not None] or [""]:
                out.setdefault(cls, []).append((obj, raw))
        elif attr == "add_url_rule" and pos and is_string(pos[0]):
            view = _kwarg(args, "view_func", data) or (pos[2] if len(pos) > 2 else None)
            m = re.match(r"([\w.]+)\.as_view\(", text(view, data))
            if m:
                out.setdefault(m.group(1).rsplit(".", 1)[-1], []).append(
                    (obj, string_value(pos[0], data) or "")
                )
    return out


def _class_decorator_list(
    body: ts.Node, names: tuple[str, ...], data: bytes
) -> dict[str, list[str]]:
    """``method_decorators = [login_required]`` / ``decorators = [...]`` (or a dict by method):
    method name (or "*") -> decorator labels."""
    out: dict[str, list[str]] = {}
    for stmt in body.named_children:
        if (
            stmt.type != "expression_statement"
            or not stmt.named_children
            or stmt.named_children[0].type != "assignment"
        ):
            continue
        a = stmt.named_children[0]
        if text(a.child_by_field_name("left"), data) not in names:
            continue
        right = a.child_by_field_name("right")
        if right is None:
            continue
        if right.type == "dictionary":
            for pair in right.named_children:
                if pair.type == "pair":
                    key = string_value(pair.child_by_field_name("key"), data) or ""
                    value = pair.child_by_field_name("value")
                    out.setdefault(key.lower(), []).extend(
                        text(c, data)
                        for c in (value.named_children if value is not None else [])
                        if c.type != "comment"
                    )
        elif right.type in ("list", "tuple"):
            out.setdefault("*", []).extend(
                text(c, data) for c in right.named_children if c.type != "comment"
            )
    return out


def _flask_class_views(
    tree: ts.Tree, data: bytes, module: dict, prefixes: dict, group_guards: dict, group_limited: set
) -> list[Handler]:
    registered = _flask_class_paths(tree, data)
    handlers: list[Handler] = []
    for _, m in languages.matches("python", PY_CLASSES, tree.root_node):
        cls = m["cls"][0]
        cname = text(m["name"][0], data)
        bases = text(cls.child_by_field_name("superclasses"), data)
        places = list(registered.get(cname, []))
        for dec in _decorators(cls):  # @ns.route("/todos/<int:id>") / @api.resource("/todos")
            call = dec.named_children[0] if dec.named_children else None
            if call is None or call.type != "call":
                continue
            f = call.child_by_field_name("function")
            if (
                f is None
                or f.type != "attribute"
                or text(f.child_by_field_name("attribute"), data) not in ("route", "resource")
            ):
                continue
            first = named_args(call.child_by_field_name("arguments"))[:1]
            if first and is_string(first[0]):
                places.append(
                    (
                        text(f.child_by_field_name("object"), data),
                        string_value(first[0], data) or "",
                    )
                )
        if not places and not FLASK_CLASS_BASES_RE.search(bases):
            continue
        if not places:
            places = [("", "")]  # registered in another file: the path is unknown here
        body = m["body"][0]
        class_decs = _class_decorator_list(body, ("method_decorators", "decorators"), data)
        for child in body.named_children:
            fn = child
            if child.type == "decorated_definition":
                fn = child.child_by_field_name("definition")
            if fn is None or fn.type != "function_definition":
                continue
            name = text(fn.child_by_field_name("name"), data)
            if name not in FLASK_CLASS_METHODS:
                continue
            decorators = _decorators(fn)
            for obj, raw in dict.fromkeys((o, normalise_path(p) if p else "") for o, p in places):
                decl = decorators[0] if decorators else fn
                route = Route(
                    framework="flask",
                    language="python",
                    method=name.upper(),
                    path=normalise_path(raw, prefixes.get(obj, "")) if raw else "",
                    handler=f"{cname}.{name}",
                    start=fn.start_byte,
                    end=fn.end_byte,
                    decl_start=decl.start_byte,
                    decl_end=fn.child_by_field_name("parameters").end_byte,
                    group=obj or cname,
                )
                h = Handler(route, fn, None, {"class": cls})
                _python_details(h, data, decorators, None, "flask", module)
                for label in class_decs.get("*", []) + class_decs.get(name, []):
                    if LIMITER_RE.search(label):
                        route.limiter = True
                    elif _is_guard(label):
                        route.guards.append(label)
                route.guards = group_guards.get(obj, []) + route.guards
                route.limiter = route.limiter or obj in group_limited or "*" in group_limited
                handlers.append(h)
    return handlers


def _dependency_names(node: ts.Node, data: bytes) -> list[str]:
    """Names inside Depends(x) / Security(x) calls of a list or a single call."""
    return re.findall(r"(?:Depends|Security)\(\s*([\w.]+)", text(node, data))


def _is_guard(name: str) -> bool:
    return bool(GUARD_RE.search(name)) and not NOT_GUARD_RE.search(name)


def _python_details(
    h: Handler,
    data: bytes,
    decorators: list[ts.Node],
    route_call: ts.Node | None,
    fw: str,
    module: dict,
) -> None:
    route, fn = h.route, h.node
    if fn is None:  # a Python handler is always the decorated function of this file
        return
    args = route_call.child_by_field_name("arguments") if route_call is not None else None
    # decorator arguments (FastAPI): status_code, response_model, dependencies
    if args is not None:
        sc = _kwarg(args, "status_code", data)
        status = status_from_text(text(sc, data)) if sc is not None else None
        if status:
            route.status_codes.append(status)
        rm = _kwarg(args, "response_model", data)
        if rm is not None:
            route.response_model = text(rm, data)
        deps = _kwarg(args, "dependencies", data)
        if deps is not None:
            names = _dependency_names(deps, data)
            route.guards += [n for n in names if _is_guard(n)]
            route.limiter = route.limiter or any(LIMITER_RE.search(n) for n in names)
    # other decorators: guards (login_required, jwt_required), limiters, schemas (use_kwargs)
    for dec in decorators:
        if dec is h.decl:
            continue
        dt = text(dec, data)[1:]
        head = re.match(r"[\w.]+", dt)
        head_name = head.group(0) if head else dt
        if (
            LIMITER_RE.search(head_name)
            or head_name == "method_decorator"
            and LIMITER_RE.search(dt)
        ):
            route.limiter = True
        elif re.search(
            r"use_kwargs|use_args|validate|expects?\b|arguments|input|accepts|parser|body\b",
            head_name,
            re.I,
        ):
            m = re.search(r"\(\s*([\w.]+)", dt)
            route.schema = route.schema or (m.group(1) if m else head_name)
        elif re.search(r"marshal_with|response|output", head_name, re.I):
            m = re.search(r"\(\s*([\w.]+)", dt)
            route.response_model = route.response_model or (m.group(1) if m else None)
        elif re.match(
            r"(api_view|require_http_methods|require_POST|require_GET|require_safe|csrf_exempt|method_decorator|permission_classes|authentication_classes)",
            head_name,
        ):
            if head_name in ("permission_classes", "authentication_classes"):
                route.guards += [
                    p
                    for p in re.findall(r"\w+", dt[len(head_name) :])
                    if p not in ("AllowAny",) and p[:1].isupper()
                ]
        elif _is_guard(head_name):
            route.guards.append(head_name)
    ret = fn.child_by_field_name("return_type")
    if ret is not None and route.response_model is None and fw == "fastapi":
        rt = text(ret, data)
        if rt not in ("None", "Response", "JSONResponse", "dict", "Any"):
            route.response_model = rt
    # parameters
    request_names = ["request"] if fw == "flask" else []
    params = fn.child_by_field_name("parameters")
    path_names = set(path_params(route.path))
    for p in named_args(params):
        pname, ptype, default = _py_param(p, data)
        if pname in ("self", "cls") or not pname:
            continue
        if fw != "fastapi":
            continue
        dtext = text(default, data) if default is not None else ""
        if ptype in ("Request", "HTTPConnection", "WebSocket") or ptype.endswith(".Request"):
            request_names.append(pname)
            continue
        if "RequestForm" in ptype or "RequestForm" in dtext:
            route.reads.append(RequestRead("form", pname, p.start_byte, p.end_byte))
            route.schema = route.schema or "OAuth2PasswordRequestForm"
            continue
        if re.search(r"Session|Dep$|Db\b|DB\b", ptype) and not _is_guard(ptype):
            continue
        if (
            "Depends(" in ptype + dtext
            or "Security(" in ptype + dtext
            or _is_guard(ptype)
            and ptype[:1].isupper()
        ):
            dep = (_dependency_names(default, data) if default is not None else []) or re.findall(
                r"(?:Depends|Security)\(\s*([\w.]+)", ptype
            )
            label = dep[0] if dep else ptype
            if _is_guard(label) or _is_guard(pname) and not NOT_GUARD_RE.search(label):
                route.guards.append(label)
            if LIMITER_RE.search(label):
                route.limiter = True
            continue
        kind = None
        if dtext.startswith(("Body(", "fastapi.Body(")):
            kind = "body"
        elif dtext.startswith(("Form(", "File(")):
            kind = "form"
        elif dtext.startswith("Header(") or dtext.startswith("Cookie("):
            kind = "header"
        elif dtext.startswith("Path(") or pname in path_names:
            kind = "path"
        elif dtext.startswith("Query("):
            kind = "query"
        base = (
            re.sub(r"^(Optional\[|Annotated\[)", "", ptype)
            .split("[")[0]
            .split("|")[0]
            .strip()
            .rstrip("]")
        )
        if ptype in (
            "BackgroundTasks",
            "Response",
            "Session",
            "AsyncSession",
            "SecurityScopes",
        ) or base in ("BackgroundTasks", "Response", "Session", "AsyncSession"):
            continue
        if kind is None:
            if base in PY_PRIMITIVES or not ptype:
                kind = "query"
            elif base in ("dict", "Dict", "Any", "object", "Json"):
                kind = "body"
            elif base in ("list", "List", "set", "Set"):
                inner = re.search(r"\[\s*([\w.]+)", ptype)
                kind = "query" if inner and inner.group(1) in PY_PRIMITIVES else "body"
            else:
                kind = "body"
        read = RequestRead(kind, pname, p.start_byte, p.end_byte)
        route.reads.append(read)
        if (
            kind in ("body", "form")
            and base not in ("dict", "Dict", "Any", "object", "Json", "list", "List")
            and base[:1].isupper()
            and base not in PY_PRIMITIVES
        ):
            route.schema = route.schema or base
        elif kind == "body" and ptype and base not in ("dict", "Dict", "Any", "object", "Json"):
            inner = re.search(r"\[\s*([A-Z][\w.]*)", ptype)
            if inner and inner.group(1) not in PY_PRIMITIVES:
                route.schema = route.schema or inner.group(1)
        elif kind == "form" and base == "OAuth2PasswordRequestForm":
            route.schema = route.schema or base
    if fw == "fastapi":
        # typed query / path / header parameters are validated by FastAPI itself
        h.extra["typed_reads"] = [r for r in route.reads]
    route.request_names = request_names
    _python_body_reads(h, data, request_names, fw)
    _python_returns(h, data, fw)


def _py_param(p: ts.Node, data: bytes) -> tuple[str, str, ts.Node | None]:
    if p.type == "identifier":
        return text(p, data), "", None
    if p.type == "typed_parameter":
        ident = next((c for c in p.named_children if c.type == "identifier"), None)
        return text(ident, data), text(p.child_by_field_name("type"), data), None
    if p.type == "default_parameter":
        return text(p.child_by_field_name("name"), data), "", p.child_by_field_name("value")
    if p.type == "typed_default_parameter":
        return (
            text(p.child_by_field_name("name"), data),
            text(p.child_by_field_name("type"), data),
            p.child_by_field_name("value"),
        )
    return "", "", None


def _py_call_of(node: ts.Node) -> ts.Node | None:
    """For ``request.json`` in ``request.get_json()`` / ``await request.json()``: the call."""
    parent = node.parent
    if (
        parent is not None
        and parent.type == "call"
        and parent.child_by_field_name("function") == node
    ):
        return parent
    return None


def _python_body_reads(h: Handler, data: bytes, request_names: list[str], fw: str) -> None:
    route, fn = h.route, h.node
    body = fn.child_by_field_name("body") if fn is not None else None
    if body is None or not request_names:
        return
    caps = languages.matches("python", PY_ATTR, body)
    raw_reads = h.extra.setdefault("raw_reads", [])  # (RequestRead, variable or None, node)
    for _, m in caps:
        obj = m["obj"][0]
        if text(obj, data) not in request_names:
            continue
        a = m["a"][0]
        attr = text(m["attr"][0], data)
        kind = PY_ATTR_KIND.get(attr)
        if kind is None:
            continue
        if fw == "fastapi" and attr == "body":
            pass
        expr = _py_call_of(a) or a
        parent = expr.parent
        if parent is not None and parent.type == "await":
            expr, parent = parent, parent.parent
        name = None
        typed = False
        if (
            parent is not None
            and parent.type == "subscript"
            and parent.child_by_field_name("value") == expr
        ):
            name = string_value(parent.child_by_field_name("subscript"), data)
        elif (
            parent is not None
            and parent.type == "attribute"
            and parent.child_by_field_name("object") == expr
        ):
            meth = text(parent.child_by_field_name("attribute"), data)
            call = _py_call_of(parent)
            if meth in ("get", "getlist", "get_all", "pop") and call is not None:
                cargs = call.child_by_field_name("arguments")
                first = named_args(cargs)[:1]
                name = string_value(first[0], data) if first else None
                typed = _kwarg(cargs, "type", data) is not None
                if _py_flag_test(call, data):
                    continue  # `if request.GET.get("export")`, `.get("mode") == "csv"`: only tested
        if (
            parent is not None
            and parent.type == "comparison_operator"
            and expr.prev_sibling is not None
            and text(expr.prev_sibling, data) in ("in", "not in")
        ):
            continue  # `"export" in request.GET`: a flag test, no value is used
        read = RequestRead(kind, name, expr.start_byte, expr.end_byte)
        variable = None
        # json.loads(request.body) / data = request.get_json() / data = await request.json()
        holder = expr
        if holder.parent is not None and holder.parent.type == "argument_list":
            outer = holder.parent.parent
            if outer is not None and text(outer.child_by_field_name("function"), data) in (
                "json.loads",
                "loads",
                "orjson.loads",
                "ujson.loads",
            ):
                holder = outer
        if holder.parent is not None and holder.parent.type == "assignment" and name is None:
            left = holder.parent.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                variable = text(left, data)
        route.reads.append(read)
        raw_reads.append((read, variable, holder, typed))
        if variable:
            for fname, s, e, optional in _py_fields_of(variable, body, data):
                route.reads.append(RequestRead(kind, fname, s, e))
                h.extra.setdefault("fields", []).append((read, fname, s, e, optional))
    # validation inside the body: Schema().load(...), Model(**data), serializer.is_valid(), form.is_valid()
    btext = text(body, data)
    m = re.search(
        r"(\w+)\(\s*\)\.load\(|(\w+)\.load\(|(\w+)\.(?:model_validate|parse_obj|validate)\(|\b([A-Z]\w+)\(\s*\*\*|\b([A-Z]\w*(?:Serializer|Form|Schema))\(|\.is_valid\(|\.parse_args\(|\b(\w*validat\w*)\(|\b(\w*[Ff]ilter[Ss]et\w*)\(|\bself\.(form\w*)\(",
        btext,
    )
    if m and route.schema is None:
        route.schema = next((g for g in m.groups() if g), "validated")


def _py_flag_test(call: ts.Node, data: bytes) -> bool:
    """A value only tested: an `if`/`and`/`not` condition, or compared with a literal."""
    parent = call.parent
    if parent is None:
        return False
    if parent.type in ("boolean_operator", "not_operator"):
        return True
    if (
        parent.type in ("if_statement", "elif_clause", "while_statement")
        and parent.child_by_field_name("condition") == call
    ):
        return True
    if parent.type == "comparison_operator":
        others = [c for c in parent.named_children if c != call]
        return any(c.type in ("string", "integer", "true", "false", "none") for c in others)
    return False


def _py_fields_of(
    variable: str, body: ts.Node, data: bytes
) -> Iterable[tuple[str, int, int, bool]]:
    """Fields read from a dict variable: var["k"] (required), var.get("k") (optional)."""
    q = """
    (subscript value: (identifier) @v subscript: (string) @k) @s
    (call function: (attribute object: (identifier) @v attribute: (identifier) @m) arguments: (argument_list . (string) @k)) @s
    """
    seen = set()
    for _, m in languages.matches("python", q, body):
        if text(m["v"][0], data) != variable:
            continue
        if "m" in m and text(m["m"][0], data) not in ("get", "pop"):
            continue
        key = string_value(m["k"][0], data)
        if key is None or not key.isidentifier():
            continue
        s = m["s"][0]
        yield key, s.start_byte, s.end_byte, "m" in m
        seen.add(key)


def _python_returns(h: Handler, data: bytes, fw: str) -> None:
    route, fn = h.route, h.node
    body = fn.child_by_field_name("body") if fn is not None else None
    if body is None:
        return
    for r in languages.captures("python", PY_RETURNS, body).get("r", []):
        value = r.named_children[0] if r.named_children else None
        if value is None or text(value, data) == "None":
            continue
        if _enclosing_function(r) != fn:
            continue
        if value.type in ("tuple", "expression_list") and len(value.named_children) >= 2:
            code = status_from_text(text(value.named_children[1], data))
            if code:
                route.status_codes.append(code)
            if text(value.named_children[0], data) not in ("''", '""', "None"):
                route.returns_body = True
            continue
        vt = text(value, data)
        if re.match(
            r"(Response|HttpResponse)\(\s*status(_code)?\s*=\s*(204|status\.HTTP_204|HTTPStatus\.NO_CONTENT)",
            vt,
        ):
            continue
        route.returns_body = True
    for _, m in languages.matches("python", PY_CALLS, body):
        f = text(m["f"][0], data).rsplit(".", 1)[-1]
        args = m["args"][0]
        if f in (
            "JSONResponse",
            "Response",
            "HttpResponse",
            "JsonResponse",
            "ORJSONResponse",
            "make_response",
            "HTTPException",
            "abort",
        ):
            sc = _kwarg(args, "status_code", data) or _kwarg(args, "status", data)
            if sc is None and f in ("make_response", "abort", "HTTPException"):
                pos = [a for a in named_args(args) if a.type != "keyword_argument"]
                sc = (
                    pos[0]
                    if f in ("abort", "HTTPException") and pos
                    else (pos[1] if len(pos) > 1 else None)
                )
            code = status_from_text(text(sc, data)) if sc is not None else None
            if code:
                route.status_codes.append(code)


def _enclosing_function(node: ts.Node) -> ts.Node | None:
    n = node.parent
    while n is not None and n.type not in (
        "function_definition",
        "lambda",
        "function_declaration",
        "func_literal",
        "method_declaration",
        "arrow_function",
        "function_expression",
        "method_definition",
    ):
        n = n.parent
    return n


# -- Django ------------------------------------------------------------------------------


def _django_view(
    fn: ts.Node, name: str, decorators: list[ts.Node], data: bytes, module: dict, django_paths: dict
) -> Handler | None:
    h = _django_view_inner(fn, name, decorators, data, module, django_paths)
    if h is not None:
        # URL keyword arguments arrive as parameters after `request`
        names = []
        for p in children(fn.child_by_field_name("parameters")):
            if p.type == "identifier":
                names.append(text(p, data))
            elif p.type in ("default_parameter", "typed_parameter", "typed_default_parameter"):
                n = p.child_by_field_name("name") or next(
                    (c for c in p.named_children if c.type == "identifier"), None
                )
                names.append(text(n, data))
        h.extra["url_args"] = [n for n in names if n not in ("self", "cls", "request", "req")]
    return h


def _django_view_inner(
    fn: ts.Node, name: str, decorators: list[ts.Node], data: bytes, module: dict, django_paths: dict
) -> Handler | None:
    params = children(fn.child_by_field_name("parameters"))
    cls = fn.parent.parent if fn.parent is not None and fn.parent.type == "block" else None
    if cls is None and fn.parent is not None and fn.parent.type == "decorated_definition":
        cls = (
            fn.parent.parent.parent
            if fn.parent.parent is not None and fn.parent.parent.type == "block"
            else None
        )
    if cls is not None and cls.type == "class_definition":
        method = DJANGO_VIEW_METHODS.get(name)
        bases = text(cls.child_by_field_name("superclasses"), data)
        if method is None or not DRF_BASES_RE.search(bases):
            return None
        cname = text(cls.child_by_field_name("name"), data)
        path = django_paths.get(cname)
        if path is None:
            path = ""
        if (
            "ViewSet" in bases
            and name in ("retrieve", "update", "partial_update", "destroy")
            and "{" not in path
        ):
            path = normalise_path(path + "/{pk}") if path else "/{pk}"
        route = Route(
            "django",
            "python",
            method,
            path or "",
            f"{cname}.{name}",
            fn.start_byte,
            fn.end_byte,
            fn.start_byte,
            fn.end_byte,
            group=cname,
        )
        h = Handler(route, fn, None, {"class": cls})
        cbody = text(cls.child_by_field_name("body"), data)
        h.extra["drf"] = bool(re.search(r"APIView|ViewSet", bases))
        perm = re.search(r"permission_classes\s*=\s*[\[(]([^\])]*)", cbody)
        h.extra["explicit_permissions"] = bool(perm)
        if perm:
            route.guards += [p for p in re.findall(r"\w+", perm.group(1)) if p not in ("AllowAny",)]
        if re.search(r"throttle_classes\s*=\s*[\[(]\s*\w", cbody) or re.search(r"ratelimit", cbody):
            route.limiter = True
        ser = re.search(r"serializer_class\s*=\s*(\w+)", cbody)
        if ser:
            route.response_model = ser.group(1)
            if method in ("POST", "PUT", "PATCH"):
                route.schema = ser.group(1)
        if "LoginRequiredMixin" in bases or "PermissionRequiredMixin" in bases:
            route.guards.append("LoginRequiredMixin")
        _python_details(h, data, decorators, None, "django", module)
        route.request_names = (
            [text(params[1], data)]
            if len(params) > 1 and params[1].type == "identifier"
            else ["request"]
        )
        _python_body_reads(h, data, route.request_names, "django")
        return h
    if not params or text(params[0], data) != "request":
        return None
    # a helper that takes the request (a paginator, a sort lookup) is not a view: a view is routed
    # in urls.py, wears a view decorator or answers with a response
    decorated = " ".join(text(d, data) for d in decorators)
    if (
        name not in django_paths
        and not re.search(
            r"api_view|require_\w+|login_required|permission_required|csrf_exempt|cache_page|\bview\b|never_cache|vary_on",
            decorated,
        )
        and not re.search(
            r"\breturn\s+(?:render|redirect|HttpResponse\w*|JsonResponse|StreamingHttpResponse|FileResponse|Response|TemplateResponse)\(",
            text(fn.child_by_field_name("body"), data),
        )
    ):
        return None
    methods = ["ANY"]
    for dec in decorators:
        dt = text(dec, data)
        if "require_POST" in dt:
            methods = ["POST"]
        elif "require_GET" in dt or "require_safe" in dt:
            methods = ["GET"]
        elif "api_view" in dt or "require_http_methods" in dt:
            found = [m.upper() for m in re.findall(r"['\"](\w+)['\"]", dt)]
            methods = found or ["GET"]
    path = django_paths.get(name, "")
    route = Route(
        "django",
        "python",
        methods[0],
        path,
        name,
        fn.start_byte,
        fn.end_byte,
        decorators[0].start_byte if decorators else fn.start_byte,
        fn.start_byte if not decorators else decorators[-1].end_byte,
    )
    decorator_text = " ".join(text(d, data) for d in decorators)
    h = Handler(
        route,
        fn,
        None,
        {
            "methods": methods,
            "drf": "api_view" in decorator_text,
            "explicit_permissions": "permission_classes" in decorator_text,
            "public": "login_not_required" in decorator_text,
        },
    )
    _python_details(h, data, decorators, None, "django", module)
    route.request_names = ["request"]
    _python_body_reads(h, data, ["request"], "django")
    body_text = text(fn.child_by_field_name("body"), data)
    if methods == ["ANY"] and re.search(r"request\.method\s*==\s*['\"]POST['\"]", body_text):
        route.method = "POST"
    return h


def _django_paths(document: Document) -> dict[str, str]:
    """View name -> path from path()/re_path() in the package's urls.py (beside the views)."""
    folder = (
        os.path.dirname(os.path.abspath(document.path))
        if document.path and not document.path.startswith("<")
        else None
    )
    if folder is None:
        return {}
    candidates = [os.path.join(folder, "urls.py")]
    if os.path.basename(document.path) == "urls.py":
        candidates = [os.path.abspath(document.path)]
    for path in candidates:
        try:
            stat = os.stat(path)
        except OSError:
            continue
        return dict(_urls_file(path, stat.st_mtime_ns))
    return {}


@byte_lru_cache(
    2 * MB,
    lambda found, path, mtime: 2 * len(path) + 100 + sum(100 + len(a) + len(b) for a, b in found),
)
def _urls_file(path: str, mtime: int) -> tuple[tuple[str, str], ...]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ()
    try:
        return tuple(django_url_patterns(data))
    except languages.ParseRefused:  # over the parsing limits: no routes read from it
        return ()


def django_url_patterns(data: bytes) -> list[tuple[str, str]]:
    """(view name, normalised path) for path()/re_path()/url() calls of a urls.py."""
    tree = languages.parse(data, "python")
    out = []
    q = "(call function: [(identifier) (attribute)] @f arguments: (argument_list) @args) @call"
    for _, m in languages.matches("python", q, tree.root_node):
        fname = text(m["f"][0], data)
        if fname.endswith(".register"):
            args = named_args(m["args"][0])
            prefix = string_value(args[0], data) if len(args) >= 2 else None
            if prefix is not None:
                out.append(
                    (
                        text(args[1], data).rsplit(".", 1)[-1],
                        normalise_path(prefix),
                    )
                )
            continue
        if fname not in ("path", "re_path", "url"):
            continue
        args = named_args(m["args"][0])
        if len(args) < 2:
            continue
        raw = string_value(args[0], data)
        if raw is None:
            continue
        view = text(args[1], data)
        view = re.sub(r"\.as_view\(.*\)$", "", view, flags=re.S)
        if view.startswith("include("):
            continue
        out.append((view.rsplit(".", 1)[-1], normalise_path(raw)))
    return out


# =========================================================================================
# JavaScript / TypeScript: Express, Fastify
# =========================================================================================

JS_CALLS = "(call_expression function: (member_expression object: (_) @obj property: (property_identifier) @prop) arguments: (arguments) @args) @call"
JS_FUNCS = """
(function_declaration name: (identifier) @name) @fn
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)] @fn)
"""
JS_MEMBER = "(member_expression object: (identifier) @obj property: (property_identifier) @prop) @m"
JS_VERBS = {"get", "post", "put", "patch", "delete", "del", "all", "head", "options"}
JS_FUNCTION_TYPES = (
    "arrow_function",
    "function_expression",
    "function_declaration",
    "function",
    "method_definition",
)
JS_READ_KIND = {
    "body": "body",
    "query": "query",
    "params": "path",
    "headers": "header",
    "cookies": "header",
    "files": "form",
    "file": "form",
    "signedCookies": "header",
}


def _js_routes(document: Document, tree: ts.Tree, data: bytes, fw: str) -> list[Handler]:
    lang = document.language or "javascript"  # called for JavaScript and TypeScript files
    functions: dict[str, ts.Node] = {}
    for _, m in languages.matches(lang, JS_FUNCS, tree.root_node):
        functions.setdefault(text(m["name"][0], data), m["fn"][0])
    calls = languages.matches(lang, JS_CALLS, tree.root_node)
    uses: list[
        tuple[int, str, list[ts.Node]]
    ] = []  # (position, object, middleware args) from .use()/.addHook()
    prefixes: dict[str, str] = {}
    handlers: list[Handler] = []
    # (method, call, router object, path, handler arguments)
    registrations: list[tuple[str, ts.Node, str, str | None, list[ts.Node]]] = []
    for _, m in calls:
        prop = text(m["prop"][0], data)
        obj_node = m["obj"][0]
        obj = text(obj_node, data)
        args = named_args(m["args"][0])
        call = m["call"][0]
        if prop == "use" or prop == "addHook" and fw == "fastify":
            mws = args
            if args and is_string(args[0]):
                mws = args[1:]
                # app.use("/api", router): a prefix for that router when defined here
                for a in mws:
                    if a.type == "identifier":
                        prefixes[text(a, data)] = string_value(args[0], data) or ""
            uses.append((call.start_byte, obj, mws))
            continue
        if prop == "route" and fw == "fastify" and args and args[0].type == "object":
            registrations.append(("fastify-route", call, obj, None, args))
            continue
        if prop.lower() not in JS_VERBS:
            continue
        # router.route("/p").get(h)
        path_node = None
        handler_args = args
        while obj_node.type == "call_expression":  # router.route("/p").get(a).post(b)
            f = obj_node.child_by_field_name("function")
            if (
                f is None
                or f.type != "member_expression"
                or text(f.child_by_field_name("property"), data).lower() not in JS_VERBS
            ):
                break
            obj_node = f.child_by_field_name("object")
        if obj_node.type == "call_expression":
            inner = obj_node.child_by_field_name("function")
            if (
                inner is not None
                and inner.type == "member_expression"
                and text(inner.child_by_field_name("property"), data) == "route"
            ):
                inner_args = named_args(obj_node.child_by_field_name("arguments"))
                if inner_args and is_string(inner_args[0]):
                    path_node = inner_args[0]
                    obj = text(inner.child_by_field_name("object"), data)
        else:
            if len(args) < 2 or not (is_string(args[0]) or args[0].type == "binary_expression"):
                continue
            path_node, handler_args = args[0], args[1:]
        raw = _js_path(path_node, data)
        if raw is None or not (raw.startswith("/") or raw in ("*", "")):
            continue
        if not handler_args:
            continue
        registrations.append(
            (
                prop.upper().replace("DEL", "DELETE") if prop != "delete" else "DELETE",
                call,
                obj,
                raw,
                handler_args,
            )
        )
    for verb, call, obj, given_path, handler_args in registrations:
        method, raw = verb, given_path
        options = None
        if method == "fastify-route":
            options = handler_args[0]
            props = _js_object_props(options, data)
            m_node = props.get("method")
            method = (
                (string_value(m_node, data) or text(m_node, data).strip("[]'\" ")).upper()
                if m_node is not None
                else "GET"
            )
            raw = _js_path(props.get("url") or props.get("path"), data) or ""
            handler_node = props.get("handler")
            middleware = []
        else:
            handler_node = handler_args[-1]
            middleware = list(handler_args[:-1])
            if fw == "fastify" and middleware and middleware[-1].type == "object":
                options = middleware.pop()
            elif fw == "fastify" and handler_node.type == "object":
                options = handler_node
                handler_node = _js_object_props(options, data).get("handler")
        if method == "ALL":
            method = "ANY"
        fn, name, in_file = _js_resolve_handler(handler_node, functions, data)
        route = Route(
            framework=fw,
            language=lang,
            method=method,
            path=normalise_path(raw or "", prefixes.get(obj, "")),
            handler=name,
            start=(fn or handler_node or call).start_byte,
            end=(fn or handler_node or call).end_byte,
            decl_start=call.start_byte,
            decl_end=call.end_byte,
            group=obj,
            handler_in_file=fn is not None,
        )
        h = Handler(route, fn, call, {"middleware": middleware, "options": options})
        for pos, uobj, mws in uses:
            if pos < call.start_byte and uobj == obj:
                middleware = list(mws) + middleware
        for (
            pos,
            uobj,
            mws,
        ) in uses:  # app-level middleware registered before the router in this file
            if pos < call.start_byte and uobj != obj and any(text(a, data) == obj for a in mws):
                middleware = [a for a in mws if text(a, data) != obj] + middleware
        for mw in middleware:
            label = text(mw, data)
            if (
                LIMITER_RE.search(label)
                or fw == "fastify"
                and mw.type == "identifier"
                and _js_is_limiter_var(mw, data, tree)
            ):
                route.limiter = True
            elif SCHEMA_MW_RE.search(label):
                route.schema = route.schema or label[:60]
            elif _is_guard(label):
                route.guards.append(label[:60])
            elif mw.type == "identifier" and _js_is_limiter_var(mw, data, tree):
                route.limiter = True
        if options is not None:
            props = _js_object_props(options, data)
            if "schema" in props:
                sp = (
                    _js_object_props(props["schema"], data)
                    if props["schema"].type == "object"
                    else {}
                )
                if not sp or "body" in sp or "querystring" in sp or "params" in sp:
                    route.schema = text(props["schema"], data)[:60]
                route.response_model = (
                    text(sp.get("response"), data)[:60] if sp.get("response") is not None else None
                )
            for hook in ("preHandler", "onRequest", "preValidation", "preParsing"):
                if hook in props:
                    label = text(props[hook], data)
                    if _is_guard(label):
                        route.guards.append(label[:60])
                    if LIMITER_RE.search(label):
                        route.limiter = True
            cfg = props.get("config")
            if cfg is not None and re.search(r"rateLimit", text(cfg, data)):
                route.limiter = True
        if fn is not None:
            _js_details(h, data, lang)
        handlers.append(h)
    # fastify: fastify.register(rateLimit) / addHook('onRequest', fastify.authenticate) in this plugin
    if fw == "fastify":
        for pos, uobj, mws in uses:
            labels = " ".join(text(a, data) for a in mws)
            for h in handlers:
                if h.route.group == uobj and pos < h.route.decl_start and _is_guard(labels):
                    h.route.guards.append(labels[:60])
    src = data
    if (
        fw == "fastify"
        and re.search(
            rb"register\(\s*(import\(['\"]@fastify/rate-limit|rateLimit|fastifyRateLimit)[^)]*global\s*:\s*true",
            src,
        )
        is None
    ):
        pass
    return handlers


def _js_path(node: ts.Node | None, data: bytes) -> str | None:
    """A route path literal, or the literal tail of ``prefix + "users/login"`` (prefix unknown)."""
    if node is None:
        return None
    if node.type == "binary_expression":
        right = node.child_by_field_name("right")
        tail = string_value(right, data)
        if tail is None:
            return None
        return "/" + tail.lstrip("/")
    return string_value(node, data)


def _js_is_limiter_var(node: ts.Node, data: bytes, tree: ts.Tree) -> bool:
    """``const x = rateLimit({...})`` declared in this file."""
    name = text(node, data)
    return bool(
        re.search(
            rb"\b"
            + re.escape(name.encode())
            + rb"\s*=\s*(rateLimit|slowDown|RateLimit|rateLimiter)\(",
            data,
        )
    )


def _js_object_props(obj: ts.Node | None, data: bytes) -> dict[str, ts.Node]:
    out: dict[str, ts.Node] = {}
    if obj is None or obj.type != "object":
        return out
    for c in obj.named_children:
        if c.type == "pair":
            key, value = c.child_by_field_name("key"), c.child_by_field_name("value")
            k = string_value(key, data) if is_string(key) else text(key, data)
            if k is not None and value is not None:
                out[k] = value
        elif c.type == "shorthand_property_identifier":
            out[text(c, data)] = c
        elif c.type == "method_definition":
            out[text(c.child_by_field_name("name"), data)] = c
    return out


def _js_resolve_handler(
    node: ts.Node | None, functions: dict, data: bytes
) -> tuple[ts.Node | None, str, bool]:
    if node is None:
        return None, "", False
    # unwrap asyncHandler(fn) / catchAsync(fn) / wrap(fn)
    while node.type == "call_expression":
        args = named_args(node.child_by_field_name("arguments"))
        if len(args) != 1:
            break
        node = args[0]
    if node.type in ("arrow_function", "function_expression", "function"):
        return node, "<anonymous>", True
    if node.type == "identifier":
        name = text(node, data)
        return functions.get(name), name, name in functions
    return None, text(node, data), False


def _js_params(fn: ts.Node, data: bytes) -> list[str]:
    params = fn.child_by_field_name("parameters")
    if params is None:
        p = fn.child_by_field_name("parameter")
        return [text(p, data)] if p is not None else []
    out = []
    for p in params.named_children:
        pat = (
            p.child_by_field_name("pattern")
            if p.type in ("required_parameter", "optional_parameter")
            else p
        )
        out.append(text(pat, data) if pat is not None and pat.type == "identifier" else "")
    return out


def _js_details(h: Handler, data: bytes, lang: str) -> None:
    route, fn = h.route, h.node
    if fn is None:  # only called for a handler defined in this file
        return
    params = _js_params(fn, data)
    req = params[0] if params else ""
    res = params[1] if len(params) > 1 else ""
    route.request_names = [n for n in (req, res) if n]
    body = fn.child_by_field_name("body")
    if body is None:
        return
    if req:
        for _, m in languages.matches(lang, JS_MEMBER, body):
            if text(m["obj"][0], data) != req:
                continue
            prop = text(m["prop"][0], data)
            kind = JS_READ_KIND.get(prop)
            if kind is None:
                continue
            node = m["m"][0]
            for name, s, e in _js_fields(node, data):
                route.reads.append(RequestRead(kind, name, s, e))
        # destructuring of the request itself: const { body } = req
    btext = text(body, data)
    if re.search(
        r"\.(safeParse|parse|parseAsync|validate|validateAsync|validateSync|assert)\(|validationResult\(|plainToInstance|plainToClass|ajv|Joi\.|\bvalidate\w*\(",
        btext,
    ):
        m = re.search(r"(\w+)\.(?:safeParse|parse|parseAsync|validate|validateAsync)\(", btext)
        route.schema = route.schema or (m.group(1) if m else "validated")
    # status codes and bodies
    for m in re.finditer(r"\.(status|sendStatus|code)\(\s*([\w.]+)\s*\)", btext):
        code = status_from_text(m.group(2))
        if code:
            route.status_codes.append(code)
    if (
        res
        and re.search(
            r"\b" + re.escape(res) + r"(?:\.\w+\([^()]*\))*\.(json|send|jsonp|render)\(\s*[^)\s]",
            btext,
        )
        or re.search(r"\breturn\s+(?!;|\)|res\b|reply\b|next\()[^\s;]", btext)
    ):
        route.returns_body = True


def _js_fields(node: ts.Node, data: bytes) -> list[tuple[str | None, int, int]]:
    """Field names read from ``req.body``: req.body.a.b, req.body["a"], const {a, b} = req.body."""
    parent = node.parent
    names = []
    cur = node
    while (
        parent is not None
        and parent.type in ("member_expression", "subscript_expression")
        and parent.child_by_field_name("object") == cur
    ):
        if parent.type == "member_expression":
            names.append(text(parent.child_by_field_name("property"), data))
        else:
            key = string_value(parent.child_by_field_name("index"), data)
            if key is None:
                break
            names.append(key)
        cur, parent = parent, parent.parent
        if len(names) >= 3:
            break
    if (
        names
        and parent is not None
        and parent.type == "call_expression"
        and parent.child_by_field_name("function") == cur
    ):
        names.pop()  # req.body.user.toString(): the last name is a method
    if names:
        return [(".".join(names), node.start_byte, cur.end_byte)]
    if (
        parent is not None
        and parent.type == "variable_declarator"
        and parent.child_by_field_name("value") == node
    ):
        pattern = parent.child_by_field_name("name")
        if pattern is not None and pattern.type == "object_pattern":
            out: list[tuple[str | None, int, int]] = []
            for c in pattern.named_children:
                if c.type == "shorthand_property_identifier_pattern":
                    out.append((text(c, data), node.start_byte, node.end_byte))
                elif c.type in ("pair_pattern", "object_assignment_pattern"):
                    k = c.child_by_field_name("key") or c.child_by_field_name("left")
                    out.append((text(k, data), node.start_byte, node.end_byte))
            if out:
                return out
    return [(None, node.start_byte, node.end_byte)]


# =========================================================================================
# NestJS
# =========================================================================================

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
                or _is_guard(dname)
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
                    or _is_guard(dname)
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


# =========================================================================================
# Go: Gin, Echo, chi, gorilla/mux, net/http
# =========================================================================================

GO_CALLS = "(call_expression function: (selector_expression operand: (_) @obj field: (field_identifier) @field) arguments: (argument_list) @args) @call"
GO_FUNCS = """
(function_declaration name: (identifier) @name) @fn
(method_declaration name: (field_identifier) @name) @fn
"""
GO_VERBS = {
    "GET",
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "HEAD",
    "OPTIONS",
    "Any",
    "Get",
    "Post",
    "Put",
    "Patch",
    "Delete",
    "Head",
    "Options",
    "HandleFunc",
    "Handle",
    "Match",
}
GO_GROUP_ASSIGN = "[(short_var_declaration left: (expression_list (identifier) @var) right: (expression_list (call_expression) @call)) (assignment_statement left: (expression_list (identifier) @var) right: (expression_list (call_expression) @call))]"
GO_READS = {
    # gin
    "Param": "path",
    "Query": "query",
    "DefaultQuery": "query",
    "GetQuery": "query",
    "QueryArray": "query",
    "QueryMap": "query",
    "PostForm": "form",
    "DefaultPostForm": "form",
    "GetPostForm": "form",
    "PostFormArray": "form",
    "FormFile": "form",
    "MultipartForm": "form",
    "GetHeader": "header",
    "GetRawData": "body",
    "ShouldBindJSON": "body",
    "BindJSON": "body",
    "ShouldBind": "body",
    "Bind": "body",
    "ShouldBindWith": "body",
    "ShouldBindQuery": "query",
    "BindQuery": "query",
    "ShouldBindUri": "path",
    "BindUri": "path",
    "ShouldBindBodyWith": "body",
    # echo
    "QueryParam": "query",
    "QueryParams": "query",
    "FormValue": "form",
    "FormParams": "form",
    "ParamValues": "path",
    # net/http
    "PostFormValue": "form",
    "PathValue": "path",
}


def _go_routes(document: Document, tree: ts.Tree, data: bytes, fw: str) -> list[Handler]:
    functions: dict[str, ts.Node] = {}
    for _, m in languages.matches("go", GO_FUNCS, tree.root_node):
        functions.setdefault(text(m["name"][0], data), m["fn"][0])
    # groups: v1 := r.Group("/api", mw...)  /  g.Use(mw)
    prefixes: dict[str, str] = {}
    group_mw: dict[str, list[tuple[int, ts.Node]]] = {}
    group_parent: dict[str, str] = {}
    for _, m in languages.matches("go", GO_GROUP_ASSIGN, tree.root_node):
        call = m["call"][0]
        f = call.child_by_field_name("function")
        if f is None or f.type != "selector_expression":
            continue
        fname = text(f.child_by_field_name("field"), data)
        if fname not in ("Group", "PathPrefix", "Route", "Subrouter"):
            continue
        var = text(m["var"][0], data)
        parent = text(f.child_by_field_name("operand"), data)
        args = named_args(call.child_by_field_name("arguments"))
        base = prefixes.get(parent, "")
        if fname == "Subrouter":
            inner = f.child_by_field_name("operand")
            if inner is not None and inner.type == "call_expression":
                iargs = named_args(inner.child_by_field_name("arguments"))
                if iargs and is_string(iargs[0]):
                    base = (
                        prefixes.get(
                            text(
                                inner.child_by_field_name("function").child_by_field_name(
                                    "operand"
                                ),
                                data,
                            ),
                            "",
                        )
                        if inner.child_by_field_name("function").type == "selector_expression"
                        else ""
                    )
                    prefixes[var] = normalise_path(string_value(iargs[0], data) or "", base)
            continue
        if args and is_string(args[0]):
            prefixes[var] = normalise_path(string_value(args[0], data) or "", base)
        group_mw[var] = list(group_mw.get(parent, [])) + [(call.start_byte, a) for a in args[1:]]
        group_parent[var] = parent
    handlers = []
    calls = languages.matches("go", GO_CALLS, tree.root_node)
    uses: list[tuple[int, str, list[ts.Node]]] = []  # (position, group, middleware)
    # setupRateLimit(api, cfg) / ratelimit.Apply(g): a limiter installed on a group by a helper
    for call in languages.captures("go", "(call_expression) @c", tree.root_node).get("c", []):
        f = call.child_by_field_name("function")
        if f is None:
            continue
        fname = text(f, data).rsplit(".", 1)[-1]
        args = named_args(call.child_by_field_name("arguments"))
        if LIMITER_RE.search(fname) and args and args[0].type == "identifier":
            uses.append((call.start_byte, text(args[0], data), [f]))
    for _, m in calls:
        field_name = text(m["field"][0], data)
        obj = text(m["obj"][0], data)
        args = named_args(m["args"][0])
        call = m["call"][0]
        if field_name == "Use":
            uses.append((call.start_byte, obj, args))
            continue
        if field_name not in GO_VERBS or not args or not is_string(args[0]):
            continue
        if fw == "net/http" and field_name not in ("HandleFunc", "Handle"):
            continue
        if fw in ("gin", "echo") and field_name not in (
            "GET",
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
            "HEAD",
            "OPTIONS",
            "Any",
            "Handle",
            "Match",
        ):
            continue
        raw = string_value(args[0], data) or ""
        method = field_name.upper() if field_name.upper() in HTTP_METHODS else "ANY"
        rest = args[1:]
        if field_name in ("Handle", "Match") and fw == "gin" and len(args) >= 3:
            method = (string_value(args[0], data) or "ANY").upper()
            raw = string_value(args[1], data) or ""
            rest = args[2:]
        if field_name in ("HandleFunc", "Handle") and fw != "gin":
            pm = re.match(r"^([A-Z]+)\s+(\S+)$", raw)
            if pm:
                method, raw = pm.group(1), pm.group(2)
            # gorilla: r.HandleFunc("/p", h).Methods("GET")
            outer = call.parent
            if outer is not None and outer.type == "selector_expression":
                oc = outer.parent
                if (
                    oc is not None
                    and oc.type == "call_expression"
                    and text(outer.child_by_field_name("field"), data) == "Methods"
                ):
                    ms = [
                        s.upper()
                        for s in re.findall(
                            r'"(\w+)"', text(oc.child_by_field_name("arguments"), data)
                        )
                    ]
                    ms += [
                        x.upper()
                        for x in re.findall(
                            r"http\.Method(\w+)", text(oc.child_by_field_name("arguments"), data)
                        )
                    ]
                    if ms:
                        method = ms[0]
        if not raw.startswith("/") and raw != "":
            continue
        if not rest:
            continue
        if fw == "echo":
            handler_node, middleware = rest[0], list(rest[1:])
        else:
            handler_node, middleware = rest[-1], list(rest[:-1])
        fn, name = _go_resolve_handler(handler_node, functions, data)
        # g.Group("/p", mw).Use(auth).POST(...): the chain names the group, its prefix and middleware
        chain_prefix = ""
        chain_mw: list[ts.Node] = []
        base = m["obj"][0]
        while (
            base.type == "call_expression"
            and base.child_by_field_name("function").type == "selector_expression"
        ):
            sel = base.child_by_field_name("function")
            link = text(sel.child_by_field_name("field"), data)
            link_args = named_args(base.child_by_field_name("arguments"))
            if link == "Use":
                chain_mw = link_args + chain_mw
            elif link == "Group":
                if link_args and is_string(link_args[0]):
                    chain_prefix = normalise_path(
                        chain_prefix, string_value(link_args[0], data) or ""
                    )
                    link_args = link_args[1:]
                chain_mw = link_args + chain_mw
            else:
                break
            base = sel.child_by_field_name("operand")
        if base is not m["obj"][0]:
            obj = text(base, data)
            raw = normalise_path(raw, chain_prefix) if chain_prefix else raw
            middleware = chain_mw + middleware
        route = Route(
            fw,
            "go",
            method,
            normalise_path(raw, prefixes.get(obj, "")),
            name,
            (fn or handler_node).start_byte,
            (fn or handler_node).end_byte,
            call.start_byte,
            call.end_byte,
            group=obj,
            handler_in_file=fn is not None,
        )
        h = Handler(route, fn, call, {"middleware": middleware})
        mws = [a for _, a in group_mw.get(obj, [])] + middleware
        lineage, cur = [obj], obj
        while cur in group_parent and group_parent[cur] not in lineage:
            cur = group_parent[cur]
            lineage.append(cur)
        mws += [
            a
            for pos, uobj, args_ in uses
            if uobj in lineage and pos < call.start_byte
            for a in args_
        ]
        for mw in mws:
            label = text(mw, data)
            if LIMITER_RE.search(label):
                route.limiter = True
            elif (_is_guard(label) or re.search(r"Auth|JWT|Jwt", label)) and not re.search(
                r"\(\s*false\s*\)|Optional", label
            ):
                route.guards.append(label[:60])
        if fn is not None:
            _go_details(h, data, fw)
        handlers.append(h)
    return handlers


def _go_resolve_handler(node: ts.Node, functions: dict, data: bytes) -> tuple[ts.Node | None, str]:
    if node.type == "call_expression":  # http.HandlerFunc(h) / wrap(h)
        args = named_args(node.child_by_field_name("arguments"))
        if len(args) == 1 and args[0].type in ("identifier", "func_literal", "selector_expression"):
            node = args[0]
    if node.type == "func_literal":
        return node, "<anonymous>"
    if node.type == "identifier":
        name = text(node, data)
        return functions.get(name), name
    if node.type == "selector_expression":
        name = text(node.child_by_field_name("field"), data)
        fn = functions.get(name)
        return (fn if fn is not None and fn.type == "method_declaration" else None), text(
            node, data
        )
    return None, text(node, data)


def _go_details(h: Handler, data: bytes, fw: str) -> None:
    route, fn = h.route, h.node
    if fn is None:  # only called for a handler defined in this file
        return
    params = fn.child_by_field_name("parameters")
    names = []
    for p in named_args(params):
        for c in p.named_children:
            if c.type == "identifier":
                names.append(text(c, data))
    route.request_names = names
    body = fn.child_by_field_name("body")
    if body is None:
        return
    btext = text(body, data)
    ctx_names = set(names)
    for _, m in languages.matches("go", GO_CALLS, body):
        field_name = text(m["field"][0], data)
        obj_node = m["obj"][0]
        obj = text(obj_node, data)
        call = m["call"][0]
        args = named_args(m["args"][0])
        kind = GO_READS.get(field_name)
        # r.URL.Query().Get("x"), r.Header.Get("x")
        if (
            field_name == "Get"
            and re.match(r"\w+\.URL\.Query\(\)$", obj)
            and obj.split(".")[0] in ctx_names
        ):
            kind, obj = "query", obj.split(".")[0]
        elif (
            field_name == "Get"
            and re.match(r"\w+\.Header$", obj)
            and obj.split(".")[0] in ctx_names
        ):
            kind, obj = "header", obj.split(".")[0]
        elif field_name == "Decode" and (
            decoder := re.search(r"NewDecoder\(\s*(\w+)\.Body\s*\)", obj)
        ):
            kind, obj = "body", decoder.group(1)
        elif field_name == "URLParam" and obj == "chi" and args:
            kind, obj = "path", text(args[0], data)
            args = args[1:]
        if kind is None or obj not in ctx_names:
            continue
        name = string_value(args[0], data) if args and is_string(args[0]) else None
        route.reads.append(RequestRead(kind, name, call.start_byte, call.end_byte))
        if (
            field_name
            in (
                "ShouldBindJSON",
                "BindJSON",
                "ShouldBind",
                "Bind",
                "ShouldBindWith",
                "ShouldBindQuery",
                "BindQuery",
                "ShouldBindUri",
                "Decode",
                "ShouldBindBodyWith",
            )
            and args
        ):
            target = text(args[0], data).lstrip("&")
            tm = (
                re.search(r"\bvar\s+" + re.escape(target) + r"\s+\*?([\w.]+)", btext)
                or re.search(re.escape(target) + r"\s*:?=\s*&?([\w.]+)\{", btext)
                or re.search(re.escape(target) + r"\s*:?=\s*new\(([\w.]+)\)", btext)
            )
            if tm:
                route.schema = route.schema or tm.group(1)
                h.extra.setdefault("bound", []).append((tm.group(1), call))
    for m in re.finditer(
        r"\.(JSON|IndentedJSON|PureJSON|String|XML|YAML|Data|Render|NoContent|Status|AbortWithStatus|AbortWithStatusJSON|AbortWithError|WriteHeader|Redirect|Blob|HTML)\(\s*([\w.]+)",
        btext,
    ):
        code = status_from_text(m.group(2))
        if code:
            route.status_codes.append(code)
        if m.group(1) not in (
            "Status",
            "AbortWithStatus",
            "NoContent",
            "WriteHeader",
            "Redirect",
            "AbortWithError",
        ):
            route.returns_body = True
    for m in re.finditer(r"http\.Error\([^,]+,[^,]+,\s*([\w.]+)\)", btext):
        code = status_from_text(m.group(1))
        if code:
            route.status_codes.append(code)
    if re.search(r"json\.NewEncoder\(\s*\w+\s*\)\.Encode\(|\.Write\(", btext):
        route.returns_body = True
