"""Route extraction shared by the Python frameworks (FastAPI, Flask, Django): decorators,
class-based views, Django URLconfs, and what a handler reads and returns."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import tree_sitter as ts

from ...app.model import (
    LIMITER_RE,
    NOT_GUARD_RE,
    Handler,
    RequestRead,
    Route,
    is_guard,
    path_params,
    normalise_path,
    status_from_text,
)
from ...core import languages
from ...core.bounded import MB, byte_lru_cache
from ...core.document import Document
from ...lang import (
    PY_GAP,
    children,
    enclosing_function,
    is_string,
    named_args,
    string_value,
    text,
)
from ...core.lazy_re import lazy

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
DRF_BASES_RE = lazy(r"APIView|ViewSet|GenericAPIView|\w+APIView|View\b|\w+View\b")


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


# What every route python_routes reads is written with: a route decorator or a Flask class
# registration (``.get(`` ... ``.route(``, ``.resource(``, blanks, line continuations and
# comments allowed around the name), a Django function view (a function whose first
# parameter is ``request`` itself, untyped and without a default: ``_django_view`` takes no
# other), a class-based view's base (DRF_BASES_RE and FLASK_CLASS_BASES_RE: ``View``,
# ``Resource``) or a registration call (``add_resource``, ``add_url_rule``).
_ROUTE_VERBS = rb"(?:get|post|put|patch|delete|head|options|route|api_route|websocket|resource)"
_GAP = PY_GAP.encode()  # (blanks, line continuations and comments, read one way only)
# (a function view: the names of the other ways are looked for before it)
_ROUTE_WORDS = lazy(rb"def[\s\\]+[^\s(\\]+[\s\\]*\(" + _GAP + rb"request" + _GAP + rb"(?:[,)]|\Z)")
# (a bytes pattern: its word boundaries are ASCII, so it matches wherever the bases' text
# patterns can, and more)
_VIEW_BASE_WORD = lazy(rb"View(?:\b|Set)|APIView|\bResource\b")
_VERB_CALL = lazy(rb"\." + _GAP + _ROUTE_VERBS + _GAP + rb"\(")
# the verbs are read from decorators only (``dict.get(`` is everywhere in Python): a
# decorator starts its line with ``@``, and its expression ends with the line unless a
# bracket is open or the line ends in a backslash
_DECORATOR = lazy(rb"^[ \t\f]*@", re.M)
_ONE_LINE_STRING = lazy(
    rb"""[bBrRuUfF]*(?:"[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')"""
)
_DECORATOR_VERB = lazy(rb"\.\s*" + _ROUTE_VERBS + rb"\s*\(")


def may_declare_python_routes(data: bytes) -> bool:
    """False when :func:`python_routes` cannot find a route in ``data`` (no parse needed)."""
    # the names are searched for alone; without them the pattern can only match a function
    # view, whose parameter is named request
    if b"add_resource" in data or b"add_url_rule" in data:
        return True
    # a class-based view's base as DRF_BASES_RE and FLASK_CLASS_BASES_RE read it (``View``
    # ending a name, before ``Set`` or after ``API``; ``Resource`` as a word), not a ``ViewFunc`` type
    if (b"View" in data or b"Resource" in data) and _VIEW_BASE_WORD.search(data) is not None:
        return True
    if b"request" in data and _ROUTE_WORDS.search(data) is not None:
        return True
    if _VERB_CALL.search(data) is None:
        return False
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return True  # lines broken by a lone carriage return: the decorators are not looked for
    return any(_decorator_calls_verb(data, m.end()) for m in _DECORATOR.finditer(data))


def _decorator_calls_verb(data: bytes, start: int) -> bool:
    """Whether the decorator whose expression starts at ``start`` calls a method named like a
    route verb (``@app.get(``); True as well when where it ends cannot be told here (a
    string or a bracket still open at the end of the file, more brackets closed than opened)."""
    parts: list[bytes] = []
    depth = 0
    pos = start
    while True:
        end = data.find(b"\n", pos)
        if end == -1:
            end = len(data)
        line = _ONE_LINE_STRING.sub(b"0", data[pos:end]).split(b"#", 1)[0].rstrip()
        if b'"' in line or b"'" in line:
            return True  # a string going on past the line (triple quotes)
        joined = line.endswith(b"\\")
        if joined:
            line = line[:-1]
        parts.append(line)
        depth += (
            line.count(b"(")
            + line.count(b"[")
            + line.count(b"{")
            - line.count(b")")
            - line.count(b"]")
            - line.count(b"}")
        )
        if depth < 0:
            return True
        if depth == 0 and not joined:
            break
        if end >= len(data):
            return True
        pos = end + 1
    return _DECORATOR_VERB.search(b" ".join(parts)) is not None


def python_routes(document: Document, tree: ts.Tree, data: bytes, fw: str) -> list[Handler]:
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
                from ...app.mounts import guarded_router_classes

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
                    g for g in _dependency_names(deps, data) if is_guard(g)
                )
                if any(LIMITER_RE.search(g) for g in _dependency_names(deps, data)):
                    group_limited.add(name)
    # app.include_router(router, dependencies=[...]) / app.add_middleware(SlowAPIMiddleware) in this file
    # (the calls are looked at only in a file that names one of those methods)
    wiring = b"include_router" in data or b"add_middleware" in data or b"before_request" in data
    for call in (
        languages.captures("python", "(call function: (attribute) @f) @c", tree.root_node).get(
            "c", []
        )
        if wiring
        else []
    ):
        f = text(call.child_by_field_name("function"), data)
        args = call.child_by_field_name("arguments")
        if f.endswith(".include_router"):
            first = named_args(args)[:1]
            deps = _kwarg(args, "dependencies", data)
            if first and deps is not None:
                target = text(first[0], data)
                group_guards.setdefault(target, []).extend(
                    g for g in _dependency_names(deps, data) if is_guard(g)
                )
        elif (
            f.endswith(".add_middleware")
            and re.search(r"SlowAPI|RateLimit|Throttl", text(args, data))
            or f.endswith("before_request")
            and re.search(r"limit", text(args, data), re.I)
        ):
            group_limited.add("*")

    django_paths: dict[str, str] = _DjangoPaths(document) if fw == "django" else {}
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

FLASK_CLASS_BASES_RE = lazy(r"\b(Resource|MethodView|View)\b")
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
            if not dec.named_children or dec.named_children[0].type != "call":
                continue
            call = dec.named_children[0]
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
                    elif is_guard(label):
                        route.guards.append(label)
                route.guards = group_guards.get(obj, []) + route.guards
                route.limiter = route.limiter or obj in group_limited or "*" in group_limited
                handlers.append(h)
    return handlers


def _dependency_names(node: ts.Node, data: bytes) -> list[str]:
    """Names inside Depends(x) / Security(x) calls of a list or a single call."""
    return re.findall(r"(?:Depends|Security)\(\s*([\w.]+)", text(node, data))


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
            route.guards += [n for n in names if is_guard(n)]
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
        elif is_guard(head_name):
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
        if re.search(r"Session|Dep$|Db\b|DB\b", ptype) and not is_guard(ptype):
            continue
        request_data = re.match(
            r"(?:fastapi\.)?(?:Query|Path|Body|Form|File|Header|Cookie)\(", dtext
        )
        if (
            not request_data
            and (
                "Depends(" in ptype + dtext
                or "Security(" in ptype + dtext
                # a class (`CurrentUser`, `auth.MemberWrite`: an Annotated dependency of a module)
                or is_guard(ptype)
                and ptype.rsplit(".", 1)[-1][:1].isupper()
            )
        ):
            dep = (_dependency_names(default, data) if default is not None else []) or re.findall(
                r"(?:Depends|Security)\(\s*([\w.]+)", ptype
            )
            label = dep[0] if dep else ptype
            if is_guard(label) or is_guard(pname) and not NOT_GUARD_RE.search(label):
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
            for fname, s, e, optional in py_fields_of(variable, body, data):
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


def py_fields_of(variable: str, body: ts.Node, data: bytes) -> Iterable[tuple[str, int, int, bool]]:
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
        if enclosing_function(r) != fn:
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


class _DjangoPaths(dict):
    """:func:`_django_paths` of a module, read when a view first asks (a module with no
    function taking the request, nor a class-based view, never reads its urls.py)."""

    def __init__(self, document: Document) -> None:
        super().__init__()
        self._document: Document | None = document

    def _fill(self) -> None:
        if self._document is not None:
            document, self._document = self._document, None
            self.update(_django_paths(document))

    def get(self, key, default=None):
        self._fill()
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self._fill()
        return super().__contains__(key)

    def __getitem__(self, key):
        self._fill()
        return super().__getitem__(key)


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
