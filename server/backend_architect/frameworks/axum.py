"""Axum: ``Router::new().route("/x", get(h).post(h2))``, ``.nest("/api", sub)``, layers,
typed extractors; validation with serde + the ``validator`` crate; tower_governor limits."""

from __future__ import annotations

import re

from ..app.model import Handler
from ..core import languages
from ..core.findings import Edit
from ..lang import rust
from ..lang.rust import text
from .base import Framework, Generated
from .kit import rust_app
from .kit import rust_router as kit
from ..core.lazy_re import lazy

VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "trace", "any"}
ROUTE_Q = """
(call_expression function: (field_expression field: (field_identifier) @m)
                 arguments: (arguments . (_) @path . (_) @router .)
  (#eq? @m "route")) @call
"""
NEST_Q = """
(call_expression function: (field_expression field: (field_identifier) @m)
                 arguments: (arguments . (_) @first (_)? @second .)
  (#any-of? @m "nest" "merge")) @call
"""


def method_router(node, data: bytes) -> list[tuple[str, object, list[str]]]:
    """``get(h).post(h2).layer(l)``: [(METHOD, handler node, layer texts)]."""
    if node is None or node.type != "call_expression":
        return []
    fn = node.child_by_field_name("function")
    args = kit.call_args(node)
    if fn is None:
        return []
    if fn.type in ("identifier", "scoped_identifier"):
        name = text(fn, data).rsplit("::", 1)[-1]
        if name in VERBS and args:
            return [(name.upper() if name != "any" else "ANY", args[0], [])]
        if name == "on" and len(args) == 2:
            m = re.search(r"MethodFilter::([A-Z]+)", text(args[0], data))
            return [(m.group(1) if m else "ANY", args[1], [])]
        return []
    if fn.type == "field_expression":
        field = text(fn.child_by_field_name("field"), data)
        inner = method_router(fn.child_by_field_name("value"), data)
        if field in VERBS and args:
            return [*inner, (field.upper() if field != "any" else "ANY", args[0], [])]
        if field in ("layer", "route_layer") and args:
            return [(m, h, [*layers, text(args[0], data)]) for m, h, layers in inner]
        return inner
    return []


def _layers_after(node, data: bytes) -> list[str]:
    """Layers added to the chain after ``node`` (they wrap what was added before them)."""
    out = []
    n = node
    while n.parent is not None and n.parent.type == "field_expression":
        call = n.parent.parent
        if call is None or call.type != "call_expression":
            break
        if kit.method_of(call, data) in ("layer", "route_layer"):
            out += [text(a, data) for a in kit.call_args(call)[:1]]
        n = call
    return out


class Axum(Framework):
    name = "axum"
    title = "Axum"
    language = "rust"
    default_language = "rust"
    scaffolds = True
    validation_idiom = "`#[derive(Validate)]` (validator crate) and a `.validate()` call"
    input_style = "extractor"
    limiter = "tower_governor GovernorLayer"
    app_creation = lazy(
        r"^([ \t]*)let\s+(?:mut\s+)?(\w+)\s*(?::\s*Router[^=]*)?=\s*Router::new\(\)", re.M
    )

    def detects(self, head):
        return re.search(rb"\baxum::|\buse axum\b", head) is not None

    # -- routes ----------------------------------------------------------------------------

    def extract(self, document, tree, data):
        funcs = kit.functions(tree, data)
        structs = kit.structs(tree, data)
        out: list[Handler] = []
        for _, caps in languages.matches("rust", ROUTE_Q, tree.root_node):
            call = caps["call"][0]
            path = kit.string_arg(caps["path"][0], data)
            if path is None or rust.in_test_code(call, data):
                continue  # a router built by a test is not the application's
            top = kit.outer_chain_top(call)
            prefix, group, outer_layers = self._mount(top, tree, data, funcs, 0)
            layers = _layers_after(call, data) + outer_layers
            for method, handler, own in method_router(caps["router"][0], data):
                h = kit.make_route(
                    self, method, prefix + path, handler, funcs, data, call, group, structs
                )
                kit.apply_layers(h, own + layers)
                out.append(h)
        return out

    def _mount(self, top, tree, data, funcs, depth) -> tuple[str, str, list[str]]:
        """(path prefix, router name, layers of the routers around it) of a router expression:
        inline in ``.nest("/p", <router>)``, bound ``let r = <router>`` or returned by a
        function, then nested elsewhere in the file."""
        if depth > 4:
            return "", "", []
        parent = top.parent
        # inline: .nest("/api", Router::new()...)
        if parent is not None and parent.type == "arguments":
            nest = parent.parent
            if nest is not None and kit.method_of(nest, data) in ("nest", "merge"):
                return self._nested_at(nest, tree, data, funcs, depth)
        name = ""
        scope = None
        if parent is not None and parent.type == "let_declaration":
            pattern = parent.child_by_field_name("pattern")
            name = text(pattern, data).removeprefix("mut ").strip() if pattern is not None else ""
            scope = parent.parent
        else:
            fn = top
            while fn is not None and fn.type != "function_item":
                if fn.type in ("closure_expression", "let_declaration", "arguments"):
                    fn = None
                    break
                fn = fn.parent
            if fn is not None:
                name = text(fn.child_by_field_name("name"), data)
                scope = tree.root_node
        if not name:
            return "", "router", []
        for _, caps in languages.matches("rust", NEST_Q, scope or tree.root_node):
            nest = caps["call"][0]
            mounted = caps.get("second", caps["first"])[0]
            if kit.method_of(nest, data) == "merge":
                mounted = caps["first"][0]
            target = text(mounted, data).lstrip("&").strip()
            if target == name or re.fullmatch(
                rf"(?:\w+::)*{re.escape(name)}\s*\(.*\)", target, re.S
            ):
                prefix, _, layers = self._nested_at(nest, tree, data, funcs, depth)
                return prefix, name, layers
        return "", name, []

    def _nested_at(self, nest, tree, data, funcs, depth):
        args = kit.call_args(nest)
        prefix = ""
        if kit.method_of(nest, data) == "nest" and args:
            prefix = kit.string_arg(args[0], data) or ""
        layers = _layers_after(nest, data)
        outer_prefix, group, outer_layers = self._mount(
            kit.outer_chain_top(nest), tree, data, funcs, depth + 1
        )
        return outer_prefix.rstrip("/") + prefix.rstrip("/"), group, layers + outer_layers

    # -- rules -----------------------------------------------------------------------------

    def validation_fix(self, a, h, kind, data):
        return rust_app.validation_fix(self, a, h, kind, data)

    def validation_check(self, h, value, data):
        """The statement that validates ``value`` first thing in the handler (None: its return
        type takes neither form)."""
        rt = rust_app.return_type(h, data)
        if rt.startswith("Result<") or rt.startswith("ApiResult") or rt.startswith("AppResult"):
            # the error type needs From<validator::ValidationErrors> (MIDDLEWARE's ApiError has it)
            return f"{value}.validate()?;"
        if re.fullmatch(r"(?:axum::response::)?Response", rt):
            return (
                f"if let Err(errors) = {value}.validate() {{\n"
                "    return axum::response::IntoResponse::into_response((\n"
                "        axum::http::StatusCode::UNPROCESSABLE_ENTITY,\n"
                '        axum::Json(serde_json::json!({"error": {"code": "VALIDATION_ERROR", '
                '"message": "invalid request", "details": errors}})),\n'
                "    ));\n"
                "}"
            )
        return None

    def rate_limit_fix(self, a, h, data):
        decl = h.decl
        if decl is None or decl.type != "call_expression":
            return None
        args = kit.call_args(decl)
        if len(args) != 2:
            return None
        router = args[1]
        layer = (
            ".layer(GovernorLayer {\n"
            "            config: std::sync::Arc::new(\n"
            "                GovernorConfigBuilder::default().per_second(12).burst_size(5).finish().unwrap(),\n"
            "            ),\n"
            "        })"
        )
        edits = [Edit(router.end_byte, router.end_byte, layer)]
        imp = rust_app.use_edit(
            data, a.tree, "use tower_governor::{governor::GovernorConfigBuilder, GovernorLayer};"
        )
        if imp is not None:
            edits.append(imp)
        return edits, "tower_governor"

    def default_status(self, h):
        return 200

    def created_status_edits(self, h, data):
        """``-> Json<T>`` / ``-> Result<Json<T>, E>`` with one ``Json(...)`` answer: the answer
        becomes ``(StatusCode::CREATED, Json(...))`` and the return type says so."""
        fn = h.node
        rt = fn.child_by_field_name("return_type") if fn is not None else None
        body = fn.child_by_field_name("body") if fn is not None else None
        if rt is None or body is None:
            return []
        rt_text = text(rt, data)
        json_start, json_type = 0, rt_text
        if rt_text.startswith("Result<") and rt_text.endswith(">"):
            inner = rt_text[len("Result<") : -1]
            depth = 0
            for i, ch in enumerate(inner):
                depth += ch in "<(["
                depth -= ch in ">)]"
                if ch == "," and depth == 0:
                    json_type = inner[:i].strip()
                    json_start = len("Result<") + inner.index(json_type)
                    break
            else:
                return []
        if not re.fullmatch(r"(?:axum::)?Json<.*>", json_type, re.S):
            return []
        json_start = len(rt_text[:json_start].encode())
        answers = [
            c
            for c in languages.captures(
                "rust", "(call_expression function: [(identifier) (scoped_identifier)] @f) @c", body
            ).get("c", [])
            if text(c.child_by_field_name("function"), data) in ("Json", "axum::Json")
        ]
        if len(answers) != 1:
            return []
        answer = answers[0]
        edits = [
            Edit(
                rt.start_byte + json_start,
                rt.start_byte + json_start + len(json_type.encode()),
                f"(StatusCode, {json_type})",
            ),
            Edit(answer.start_byte, answer.start_byte, "(StatusCode::CREATED, "),
            Edit(answer.end_byte, answer.end_byte, ")"),
        ]
        if not re.search(rb"\buse\s[^;]*\bStatusCode\b[^;]*;", data):
            tree = languages.parse(data, "rust")
            imp = rust_app.use_edit(data, tree, "use axum::http::StatusCode;")
            if imp is not None:
                edits.append(imp)
        return edits

    # -- generators ------------------------------------------------------------------------

    def endpoint_location(self, root, stem, camel, language):
        return "src/handlers", f"{stem}.rs"

    def endpoint_file(self, table, ops, base, language, package):
        return rust_app.endpoint_file(self, table, ops, base)

    def serves_json(self, h, data):
        return True if h.route.returns_body else None  # Json(...) / .json(...) answers

    def error_literals(self, body):
        return rust_app.error_literals(body)

    middleware_filename = "middleware.rs"
    template_samples = rust_app.TEMPLATE_SAMPLES

    def middleware(self, doc, app, after, indent, path=None):
        text_ = self.template("middleware.rs")
        line = f"{indent}let {app} = middleware::apply({app});"
        at_line_start = after == 0 or doc.data[after - 1 : after] == b"\n"
        edits = [Edit(after, after, line + "\n" if at_line_start else "\n" + line)]
        return Generated(
            "src/middleware.rs",
            text_,
            edits,
            library="tower-http (features cors, trace, request-id), tracing, serde_json, validator",
            usage="add `mod middleware;` to main.rs",
        )


FRAMEWORK = Axum()
