"""Route extraction shared by the Go routers (Gin, Echo, chi, gorilla/mux, net/http and
others declared the same way): ``r.VERB(path, handlers...)``, groups, ``Use``, and what a
handler reads through its context."""

from __future__ import annotations

import bisect
import functools
import re

import tree_sitter as ts

from ...app.model import (
    HTTP_METHODS,
    LIMITER_RE,
    Handler,
    RequestRead,
    Route,
    is_guard,
    normalise_path,
    status_from_text,
)
from ...core import languages
from ...core.document import Document
from ...core.findings import Edit
from ...lang import go as golang
from ...lang import is_string, named_args, string_value, text
from .output import Generated, Unsupported


GO_CALLS = golang.SELECTOR_CALLS
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
# methods that decode the request into a struct (its type is the route's schema)
GO_BIND_METHODS = frozenset(
    (
        "ShouldBindJSON",
        "BindJSON",
        "ShouldBind",
        "Bind",
        "ShouldBindWith",
        "ShouldBindQuery",
        "BindQuery",
        "ShouldBindUri",
        "ShouldBindBodyWith",
    )
)
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


# a route's path as written -> its normal form: the same few hundred paths are normalised
# again at every analysis of a file being edited
_normalised = functools.lru_cache(maxsize=4096)(normalise_path)


@functools.cache
def _limiter_lower() -> re.Pattern | None:
    """LIMITER_RE for the lower case of ASCII text (None if it cannot be one: a capital
    letter in it, or not case-insensitive)."""
    source = LIMITER_RE.pattern
    if not isinstance(source, str) or source != source.lower() or not LIMITER_RE.flags & re.I:
        return None
    return re.compile(source.encode())


def _names_a_limiter(data: bytes) -> bool:
    """Whether LIMITER_RE finds anything in the text: ASCII text is searched in its lower
    case, a tenth of the time of a case-insensitive search of the decoded text."""
    lower = _limiter_lower()
    if lower is not None and data.isascii():
        return lower.search(data.lower()) is not None
    return LIMITER_RE.search(data.decode("utf-8", "replace")) is not None


def declared_functions(tree: ts.Tree, data: bytes) -> dict[str, ts.Node]:
    """The functions and methods a Go file declares, by name (the first of a name), in the
    order GO_FUNCS finds them."""
    functions: dict[str, ts.Node] = {}
    root = tree.root_node
    if root.has_error:  # (declarations may sit inside the error's nodes)
        for _, m in languages.matches("go", GO_FUNCS, root):
            functions.setdefault(text(m["name"][0], data), m["fn"][0])
        return functions
    for fn in root.children:  # a file without a syntax error declares them at its top only
        if fn.type in ("function_declaration", "method_declaration"):
            name = fn.child_by_field_name("name")
            if name is not None:
                functions.setdefault(text(name, data), fn)
    return functions


def go_routes(document: Document, tree: ts.Tree, data: bytes, fw) -> list[Handler]:
    """The routes of a Go file; ``fw`` is the framework module's :class:`GoRouter` style."""
    functions = declared_functions(tree, data)
    # groups: v1 := r.Group("/api", mw...)  /  g.Use(mw)
    prefixes: dict[str, str] = {}
    group_mw: dict[str, list[tuple[int, ts.Node]]] = {}
    group_parent: dict[str, str] = {}
    # (a group is made by a call named below: without the name in the text, there is none)
    group_calls = (
        languages.matches("go", GO_GROUP_ASSIGN, tree.root_node)
        if any(w in data for w in (b"Group", b"PathPrefix", b"Route", b"Subrouter"))
        else []
    )
    for _, m in group_calls:
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
    calls, names = golang.selector_calls(document, tree)  # (shared with the SQL strings' reader)
    body_calls = _CallsWithin(calls, names)
    uses: list[tuple[int, str, list[ts.Node]]] = []  # (position, group, middleware)
    # setupRateLimit(api, cfg) / ratelimit.Apply(g): a limiter installed on a group by a helper
    # (a call's name is part of the text: without a limiter's name in it, no call is one)
    limiter_calls = (
        languages.captures("go", "(call_expression) @c", tree.root_node).get("c", [])
        if _names_a_limiter(data)
        else []
    )
    for call in limiter_calls:
        f = call.child_by_field_name("function")
        if f is None:
            continue
        fname = text(f, data).rsplit(".", 1)[-1]
        if not LIMITER_RE.search(fname):
            continue
        args = named_args(call.child_by_field_name("arguments"))
        if args and args[0].type == "identifier":
            uses.append((call.start_byte, text(args[0], data), [f]))
    for (_, m), field_name in zip(calls, names, strict=True):
        if field_name != "Use" and field_name not in GO_VERBS:
            continue  # (most calls of a file: read no further)
        obj = text(m["obj"][0], data)
        args = named_args(m["args"][0])
        call = m["call"][0]
        if field_name == "Use":
            uses.append((call.start_byte, obj, args))
            continue
        if field_name not in GO_VERBS or not args or not is_string(args[0]):
            continue
        if fw.route_methods is not None and field_name not in fw.route_methods:
            continue
        raw = string_value(args[0], data) or ""
        method = field_name.upper() if field_name.upper() in HTTP_METHODS else "ANY"
        rest = args[1:]
        if field_name in ("Handle", "Match") and fw.handle_takes_method and len(args) >= 3:
            method = (string_value(args[0], data) or "ANY").upper()
            raw = string_value(args[1], data) or ""
            rest = args[2:]
        if field_name in ("HandleFunc", "Handle") and not fw.handle_takes_method:
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
        if fw.handler_first:
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
            fw.name,
            "go",
            method,
            _normalised(raw, prefixes.get(obj, "")),
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
            elif (is_guard(label) or re.search(r"Auth|JWT|Jwt", label)) and not re.search(
                r"\(\s*false\s*\)|Optional", label
            ):
                route.guards.append(label[:60])
        if fn is not None:
            _go_details(h, data, fw, body_calls)
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


class _CallsWithin:
    """The file's method calls (GO_CALLS matches) inside one node, read off the matches of
    the whole file instead of querying each handler's body again."""

    def __init__(self, calls: list, names: list[str]) -> None:
        self.calls = [(m, name) for (_, m), name in zip(calls, names, strict=True)]
        self.starts = [m["call"][0].start_byte for _, m in calls]
        # (tree-sitter gives a pattern's matches in document order; if not, query the node)
        self.ordered = all(a <= b for a, b in zip(self.starts, self.starts[1:], strict=False))

    def __call__(self, node: ts.Node, data: bytes) -> list:
        """(captures, called name) of each call inside ``node``."""
        if not self.ordered:
            return _named_calls(node, data)
        lo = bisect.bisect_left(self.starts, node.start_byte)
        hi = bisect.bisect_left(self.starts, node.end_byte)
        return [c for c in self.calls[lo:hi] if c[0]["call"][0].end_byte <= node.end_byte]


def _named_calls(node: ts.Node, data: bytes) -> list:
    """(captures, called name) of each method call inside ``node``, by a query of its own."""
    return [(m, text(m["field"][0], data)) for _, m in languages.matches("go", GO_CALLS, node)]


# the calls a request read is made of beside the framework's own (fw.reads): r.URL.Query().Get,
# r.Header.Get, json.NewDecoder(r.Body).Decode, chi.URLParam
_DETAIL_CALLS = frozenset(("Get", "Decode", "URLParam"))


def _go_details(h: Handler, data: bytes, fw, body_calls=None) -> None:
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
    matched = body_calls(body, data) if body_calls is not None else _named_calls(body, data)
    for m, field_name in matched:
        kind = fw.reads.get(field_name)
        if kind is None and field_name not in _DETAIL_CALLS:
            continue  # (most calls of a handler: no read of the request)
        obj = text(m["obj"][0], data)
        call = m["call"][0]
        args: list | None = None  # (read only for a call that reads the request)
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
        elif field_name == "URLParam" and obj == "chi":
            args = named_args(m["args"][0])
            if args:
                kind, obj = "path", text(args[0], data)
                args = args[1:]
        if kind is None or obj not in ctx_names:
            continue
        if args is None:
            args = named_args(m["args"][0])
        name = string_value(args[0], data) if args and is_string(args[0]) else None
        route.reads.append(RequestRead(kind, name, call.start_byte, call.end_byte))
        if (field_name in fw.bind_methods or field_name == "Decode") and args:
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
        r"\.(JSON|IndentedJSON|PureJSON|String|XML|YAML|Data|Render|NoContent|Status|SendStatus|AbortWithStatus|AbortWithStatusJSON|AbortWithError|WriteHeader|Redirect|Blob|HTML)\(\s*([\w.]+)",
        btext,
    ):
        code = status_from_text(m.group(2))
        if code:
            route.status_codes.append(code)
        if m.group(1) not in (
            "Status",
            "SendStatus",
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


def created_status_edits(h: Handler, data: bytes) -> list:
    """Gin/Echo: ``c.JSON(http.StatusOK, ...)`` in a POST handler answers 201 instead."""
    body = h.node.child_by_field_name("body") if h.node is not None else None
    if body is None:
        return []
    btext = data[body.start_byte : body.end_byte]
    edits = []
    for m in re.finditer(
        rb"\.(JSON|IndentedJSON|PureJSON|String|XML)\(\s*(http\.StatusOK|200)\b", btext
    ):
        edits.append(
            Edit(
                body.start_byte + m.start(2),
                body.start_byte + m.end(2),
                "http.StatusCreated",
            )
        )
    return edits


def install_middleware(fw, doc, app: str, after: int, indent: str, path: str):
    """Gin / Echo / Fiber: ``InstallMiddleware(app)`` from a file of the same package."""
    if "InstallMiddleware(" in doc.text:
        raise Unsupported("MIDDLEWARE: InstallMiddleware is already wired into this app.")
    text = fw.template("middleware.go", package=golang.package_name(doc.text))
    return Generated(path, text, [Edit(after, after, f"{indent}InstallMiddleware({app})\n")])
