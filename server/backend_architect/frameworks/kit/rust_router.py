"""Route extraction and handler facts shared by the Rust frameworks (Axum, Actix).

Rust handlers receive the request through typed extractors in their parameters, so what a
handler reads, who may call it and how it is validated is read from its signature:
``Json<T>`` / ``web::Json<T>`` is the body, ``Query<T>`` the query, ``Path<T>`` the path,
``Form<T>`` a form; an extractor typed as a user, claims, identity or session (``AuthUser``,
``Claims``, ``Extension<CurrentUser>``, actix-identity ``Identity``, ``BearerAuth``)
authenticates the caller, so it is a guard. Layers and ``wrap`` middleware add guards and
limiters by name.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from ...app.model import (
    LIMITER_RE,
    Handler,
    RequestRead,
    Route,
    is_guard,
    normalise_path,
    status_from_text,
)
from ...core import languages
from ...lang import rust
from ...lang.rust import text
from ...core.lazy_re import lazy

READ_KINDS = {
    "Json": "body",
    "Form": "form",
    "Query": "query",
    "Path": "path",
    "Multipart": "body",
    "Bytes": "body",
    "RawForm": "form",
    "RawQuery": "query",
    "TypedHeader": "header",
    "HeaderMap": "header",
}
# extractors that only wrap what the application set up: never a guard by themselves
_PLUMBING = {
    "State",
    "Data",
    "Extension",
    "ConnectInfo",
    "Request",
    "HttpRequest",
    "Payload",
    "Method",
    "Uri",
    "OriginalUri",
    "MatchedPath",
    "Host",
    "WebSocketUpgrade",
    "Option",
    "Result",
    "ReqData",
}
# a type that authenticates when it is extracted (a session or a CSRF token does not: anonymous
# callers have those too)
_AUTH_TYPE = lazy(
    r"(?i)auth(?!or)|claims|identity|principal|bearer|jwt|(?:^|[a-z])User(?:View|Info|Context|Claims)?$|"
    r"^(?:Current|Logged|Local|Admin|Api)\w*User|^User$"
)
_OPTIONAL_AUTH = lazy(r"(?i)^(?:maybe|optional|opt)_?[A-Z]?")
# validated extractor wrappers: axum-valid, axum-garde, actix-web-validator, custom ValidatedJson
_VALIDATED = lazy(r"^(?:Valid|Validated\w*|Garde|WithValidation)$")

FUNCTIONS_Q = "(function_item name: (identifier) @name) @fn"


def functions(tree: ts.Tree, data: bytes) -> dict[str, ts.Node]:
    return functions_of(tree.root_node, data)


def functions_of(root: ts.Node, data: bytes) -> dict[str, ts.Node]:
    """name -> the first ``fn`` of that name under ``root``."""
    out: dict[str, ts.Node] = {}
    for _, caps in languages.matches("rust", FUNCTIONS_Q, root):
        out.setdefault(text(caps["name"][0], data), caps["fn"][0])
    return out


def structs(tree: ts.Tree, data: bytes) -> dict[str, ts.Node]:
    out: dict[str, ts.Node] = {}
    for _, caps in languages.matches(
        "rust", "(struct_item name: (type_identifier) @name) @s", tree.root_node
    ):
        out.setdefault(text(caps["name"][0], data), caps["s"][0])
    return out


def derives(struct: ts.Node, data: bytes) -> list[str]:
    """The names in the ``#[derive(...)]`` attributes of a struct."""
    names: list[str] = []
    for attr in rust._attributes(struct, data):
        m = re.match(r"#\[\s*derive\s*\((.*)\)\s*\]$", attr, re.S)
        if m:
            names += [n.strip().rsplit("::", 1)[-1] for n in m.group(1).split(",") if n.strip()]
    return names


def resolve_handler(node: ts.Node, funcs: dict[str, ts.Node], data: bytes):
    """(function node or None, handler name) of a handler reference: ``h``, ``handlers::h``,
    ``Self::h`` (a closure is its own handler)."""
    if node.type == "closure_expression":
        return node, "<closure>"
    name = text(node, data).rsplit("::", 1)[-1].strip()
    return funcs.get(name), name


# -- what a handler's signature says -------------------------------------------------------------


class Param:
    __slots__ = ("node", "names", "type", "head", "inner", "optional")

    def __init__(self, node, names, type_text):
        self.node = node
        self.names = names
        self.type = type_text
        head = rust.type_head(type_text)
        inner = rust.type_inner(type_text)
        self.optional = head in ("Option", "Result")
        if self.optional and inner:
            head, inner = rust.type_head(inner), rust.type_inner(inner)
        self.head = head
        self.inner = inner


def params(fn: ts.Node, data: bytes) -> list[Param]:
    ps = fn.child_by_field_name("parameters")
    out: list[Param] = []
    if ps is None:
        return out
    for p in ps.named_children:
        if p.type != "parameter":
            continue
        pattern = p.child_by_field_name("pattern")
        ptype = p.child_by_field_name("type")
        if pattern is None or ptype is None:
            continue
        names = (
            [text(pattern, data)]
            if pattern.type == "identifier"
            else rust._pattern_names(pattern, data)
        )
        out.append(Param(p, names, text(ptype, data)))
    return out


def fill_from_signature(route: Route, h: Handler, fn: ts.Node | None, data: bytes, structs_):
    """Reads, guards, schema, status codes and body facts of a handler function."""
    if fn is None or fn.type != "function_item":
        return
    body = fn.child_by_field_name("body")
    body_text = text(body, data) if body is not None else ""
    extracted = []
    for p in params(fn, data):
        head, inner = p.head, p.inner
        validated = False
        if _VALIDATED.match(head):
            validated = True
            if inner:
                head, inner = rust.type_head(inner), rust.type_inner(inner)
        kind = READ_KINDS.get(head)
        if kind is not None:
            route.reads.append(
                RequestRead(
                    kind, p.names[0] if p.names else None, p.node.start_byte, p.node.end_byte
                )
            )
            model = inner.rsplit("::", 1)[-1].strip() if inner else ""
            extracted.append((p, kind, model, validated))
            continue
        if (
            head == "Extension"
            and inner
            and _AUTH_TYPE.search(rust.type_head(inner))
            and not p.optional
        ):
            route.guards.append(rust.type_head(inner))
            continue
        if head in ("HttpRequest", "Request"):
            route.request_names += p.names
        if head in _PLUMBING or p.optional or _OPTIONAL_AUTH.match(head):
            continue  # anonymous callers get through an optional extractor
        if _AUTH_TYPE.search(head) or is_guard(head):
            route.guards.append(head)
    h.extra["extracted"] = extracted
    # validated: a wrapper extractor, or the extracted value's .validate() is called
    for p, kind, model, validated in extracted:
        if kind not in ("body", "query", "form"):
            continue
        names = "|".join(re.escape(n) for n in p.names) or "_"
        if validated or re.search(rf"\b(?:{names})(?:\.0)?\s*\.\s*validate\s*\(", body_text):
            route.schema = model or route.schema
    for m in re.finditer(
        r"StatusCode::([A-Z_]+)|HttpResponse::([A-Z][A-Za-z]+)\(\)|StatusCode::from_u16\(\s*(\d{3})",
        body_text,
    ):
        if m.group(1):
            code = status_from_text(m.group(1))
        elif m.group(2):
            name = re.sub(r"(?<!^)(?=[A-Z])", "_", m.group(2)).upper()
            code = status_from_text({"OK": "OK"}.get(name, name))
        else:
            code = int(m.group(3))
        if code is not None and code not in route.status_codes:
            route.status_codes.append(code)
    route.returns_body = bool(
        re.search(r"\bJson\s*\(|\.json\s*\(|\bweb::Json\s*\(", body_text)
        or re.search(r"->\s*[^{]*\bJson\s*<", text(fn, data).split("{", 1)[0])
    )


def layer_names(expr_text: str) -> tuple[list[str], bool]:
    """(guard names, is a limiter) of a ``.layer(...)`` / ``.wrap(...)`` argument."""
    guards = []
    limiter = bool(LIMITER_RE.search(expr_text) or re.search(r"(?i)governor|ratelimit", expr_text))
    if re.search(
        r"(?i)\bbearer\b|HttpAuthentication|RequireAuthorization|AuthLayer|login_required",
        expr_text,
    ):
        guards.append(expr_text.split("(", 1)[0].strip() or "auth")
    else:
        for ident in re.findall(r"[A-Za-z_]\w*", expr_text):
            if is_guard(ident) and not LIMITER_RE.search(ident):
                guards.append(ident)
                break
    return guards, limiter


def chain(node: ts.Node) -> list[ts.Node]:
    """The method calls of a chain from the outermost down to the root expression:
    ``a.b(x).c(y)`` -> [c-call, b-call, a]."""
    out: list[ts.Node] = []
    n: ts.Node | None = node
    while n is not None and n.type == "call_expression":
        fn = n.child_by_field_name("function")
        if fn is None:
            break
        if fn.type == "generic_function":
            fn = fn.child_by_field_name("function")
        if fn is None or fn.type != "field_expression":
            break
        out.append(n)
        n = fn.child_by_field_name("value")
    if n is not None:
        out.append(n)
    return out


def method_of(call: ts.Node, data: bytes) -> str:
    fn = call.child_by_field_name("function")
    if fn is not None and fn.type == "generic_function":
        fn = fn.child_by_field_name("function")
    if fn is not None and fn.type == "field_expression":
        return text(fn.child_by_field_name("field"), data)
    return text(fn, data).rsplit("::", 1)[-1] if fn is not None else ""


def call_args(call: ts.Node) -> list[ts.Node]:
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if "comment" not in a.type] if args is not None else []


def string_arg(node: ts.Node | None, data: bytes) -> str | None:
    if node is None or not rust.is_string(node):
        return None
    segs = rust.literal_segments(node, data)
    return None if segs is None else "".join(s.text for s in segs)


def outer_chain_top(node: ts.Node) -> ts.Node:
    """The outermost call of the method chain ``node`` is part of."""
    n = node
    while n.parent is not None:
        p = n.parent
        if (
            p.type == "field_expression"
            and p.parent is not None
            and p.parent.type == "call_expression"
        ):
            n = p.parent
            continue
        if (
            p.type in ("generic_function",)
            and p.parent is not None
            and p.parent.type == "call_expression"
        ):
            n = p.parent
            continue
        break
    return n


def decl_start(decl: ts.Node) -> int:
    """Where a route declaration starts: ``route(`` of a chained ``.route(...)`` call (the
    chain before it declares other things), else the node itself."""
    if decl.type == "call_expression":
        fn = decl.child_by_field_name("function")
        if fn is not None and fn.type == "field_expression":
            field = fn.child_by_field_name("field")
            if field is not None:
                return field.start_byte
    return decl.start_byte


def make_route(fw, method, path, handler_node, funcs, data, decl, group, structs_) -> Handler:
    fn, name = resolve_handler(handler_node, funcs, data)
    target = fn if fn is not None else handler_node
    route = Route(
        fw.name,
        "rust",
        method,
        normalise_path(path),
        name,
        target.start_byte,
        target.end_byte,
        decl_start(decl),
        decl.end_byte,
        group=group,
        handler_in_file=fn is not None,
    )
    h = Handler(route, fn if fn is not None and fn.type == "function_item" else None, decl, {})
    fill_from_signature(route, h, fn, data, structs_)
    return h


def apply_layers(h: Handler, layer_texts: list[str]) -> None:
    for t in layer_texts:
        guards, limiter = layer_names(t)
        h.route.guards += guards
        h.route.limiter = h.route.limiter or limiter
