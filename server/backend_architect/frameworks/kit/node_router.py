"""Route extraction shared by the router-style Node frameworks (Express, Fastify):
``router.verb(path, ...middleware, handler)``, ``app.use``, and what a ``(req, res)`` handler reads."""

from __future__ import annotations

import re

import tree_sitter as ts

from ...app.model import (
    LIMITER_RE,
    SCHEMA_MW_RE,
    Handler,
    RequestRead,
    Route,
    is_guard,
    normalise_path,
    status_from_text,
)
from ...core import languages
from ...core.document import Document
from ...lang import is_string, matching_close, named_args, string_value, text
from ...lang.javascript import declaration_start, parameter_names
from ...core.lazy_re import lazy


# Koa: `ctx.body = ...` is the response; not a supported framework
KOA = lazy(rb"""(from\s+|require\()\s*['"](koa|@koa/router|koa-router)['"]""")


def koa_import(head: bytes) -> bool:
    """``head`` imports Koa (the pattern's scan runs only where its literal is)."""
    return b"koa" in head and KOA.search(head) is not None


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


def js_routes(document: Document, tree: ts.Tree, data: bytes, fw) -> list[Handler]:
    """The routes of an Express-style file. ``fw`` is the framework: its ``name``, and
    ``route_options`` (a route takes an options object: ``schema``, hooks, ``config``, and
    ``app.route({...})`` declares one) and ``hook_method`` (``addHook``: hooks registered on
    the instance guard the routes declared after them) when it has them."""
    route_options, hook_method = fw.route_options, fw.hook_method
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
        if prop == "use" or hook_method is not None and prop == hook_method:
            mws = args
            if args and is_string(args[0]):
                mws = args[1:]
                # app.use("/api", router): a prefix for that router when defined here
                for a in mws:
                    if a.type == "identifier":
                        prefixes[text(a, data)] = string_value(args[0], data) or ""
            uses.append((call.start_byte, obj, mws))
            continue
        if prop == "route" and route_options and args and args[0].type == "object":
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
    for declared, call, obj, declared_path, handler_args in registrations:
        options = None
        method, raw = declared, declared_path
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
            if route_options and middleware and middleware[-1].type == "object":
                options = middleware.pop()
            elif route_options and handler_node.type == "object":
                options = handler_node
                handler_node = _js_object_props(options, data).get("handler")
        if method == "ALL":
            method = "ANY"
        fn, name, in_file = _js_resolve_handler(handler_node, functions, data)
        route = Route(
            framework=fw.name,
            language=lang,
            method=method,
            path=normalise_path(raw or "", prefixes.get(obj, "")),
            handler=name,
            start=(fn or handler_node or call).start_byte,
            end=(fn or handler_node or call).end_byte,
            decl_start=declaration_start(call),
            decl_end=call.end_byte,
            group=obj,
            handler_in_file=fn is not None,
        )
        h = Handler(route, fn, call, {"middleware": middleware, "options": options})
        for pos, uobj, mws in uses:
            if pos < call.start_byte and uobj == obj:
                middleware = list(mws) + middleware
        # app-level middleware registered before the router in this file
        for pos, uobj, mws in uses:
            if pos < call.start_byte and uobj != obj and any(text(a, data) == obj for a in mws):
                middleware = [a for a in mws if text(a, data) != obj] + middleware
        for mw in middleware:
            label = text(mw, data)
            if (
                LIMITER_RE.search(label)
                or route_options
                and mw.type == "identifier"
                and _js_is_limiter_var(mw, data, tree)
            ):
                route.limiter = True
            elif SCHEMA_MW_RE.search(label):
                route.schema = route.schema or label[:60]
            elif is_guard(label):
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
                if (
                    props["schema"].type != "object"
                    or "body" in sp
                    or "querystring" in sp
                    or "params" in sp
                    or _js_spreads_a_schema(props["schema"], data)
                ):
                    route.schema = text(props["schema"], data)[:60]
                route.response_model = (
                    text(sp.get("response"), data)[:60] if sp.get("response") is not None else None
                )
            for hook in ("preHandler", "onRequest", "preValidation", "preParsing"):
                if hook in props:
                    label = text(props[hook], data)
                    if is_guard(label):
                        route.guards.append(label[:60])
                    if LIMITER_RE.search(label):
                        route.limiter = True
            cfg = props.get("config")
            if cfg is not None and re.search(r"rateLimit", text(cfg, data)):
                route.limiter = True
        if fn is not None:
            _js_details(h, data, lang)
        handlers.append(h)
    # hooks of the instance (fastify.addHook('onRequest', fastify.authenticate)) guard its routes
    if hook_method is not None:
        for pos, uobj, mws in uses:
            labels = " ".join(text(a, data) for a in mws)
            for h in handlers:
                if h.route.group == uobj and pos < h.route.decl_start and is_guard(labels):
                    h.route.guards.append(labels[:60])
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


_SCHEMA_PART_RE = lazy(rb"\b(?:body|querystring|params)\s*:")


def _js_spreads_a_schema(obj: ts.Node, data: bytes) -> bool:
    """``schema: { ...createSchema, tags }``: the spread object may bring body / querystring.
    An object declared in this file counts when it has one of them; anything else (imported,
    a member, a call) is taken to be a schema, as a schema given by name is."""
    if obj.type != "object":
        return False
    for c in obj.named_children:
        if c.type != "spread_element":
            continue
        arg = c.named_children[0] if c.named_children else None
        if arg is None:
            continue
        if arg.type != "identifier":
            return True
        decl = re.search(
            rb"\b(?:const|let|var)\s+" + re.escape(text(arg, data).encode()) + rb"\b[^=\n]*=\s*\{",
            data,
        )
        if decl is None:
            return True
        close = matching_close(data, decl.end() - 1, b"{", b"}")
        if close is None or _SCHEMA_PART_RE.search(data[decl.end() : close]):
            return True
    return False


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


def _js_details(h: Handler, data: bytes, lang: str) -> None:
    route, fn = h.route, h.node
    if fn is None:  # only called for a handler defined in this file
        return
    params = parameter_names(fn, data)
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
