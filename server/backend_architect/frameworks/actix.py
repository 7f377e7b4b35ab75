"""Actix Web: ``#[get("/x")]`` attribute handlers registered with ``.service(h)``,
``web::resource("/x").route(web::get().to(h))``, ``.route("/x", web::post().to(h))``,
``web::scope("/api")`` prefixes and ``wrap`` middleware; validation with serde + the
``validator`` crate; actix-governor limits."""

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

VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "trace", "connect"}
ATTRIBUTE_Q = "(attribute_item (attribute [(identifier) (scoped_identifier)] @name arguments: (token_tree) @args)) @attr"
ROUTE_Q = """
(call_expression function: (field_expression field: (field_identifier) @m)
                 arguments: (arguments) @args
  (#eq? @m "route")) @call
"""
SERVICE_Q = """
(call_expression function: (field_expression field: (field_identifier) @m)
                 arguments: (arguments . (_) @target .)
  (#eq? @m "service")) @call
"""
GOVERNOR = "Governor::new(&GovernorConfigBuilder::default().seconds_per_request(12).burst_size(5).finish().unwrap())"


def route_target(node, data: bytes):
    """``web::get().to(h)`` / ``web::route().method(Method::POST).to(h)`` / ``get().to(h).wrap(m)``:
    (METHOD, handler node, wrap texts), or None."""
    calls = kit.chain(node)
    if not calls:
        return None
    method, handler, wraps = None, None, []
    root = calls[-1]
    for c in calls[:-1]:
        name = kit.method_of(c, data)
        args = kit.call_args(c)
        if name == "to" and args:
            handler = args[0]
        elif name in ("wrap", "wrap_fn") and args:
            wraps.append(text(args[0], data))
        elif name == "method" and args:
            m = re.search(r"Method::([A-Z]+)", text(args[0], data))
            method = m.group(1) if m else method
    if root.type == "call_expression" and handler is not None:
        root_name = kit.method_of(root, data)
        if root_name in VERBS:
            method = method or root_name.upper()
        elif root_name == "route":
            method = method or "ANY"
        elif root_name == "method":
            m = re.search(r"Method::([A-Z]+)", text(root, data))
            method = m.group(1) if m else "ANY"
    if method is None or handler is None:
        return None
    return method, handler, wraps


def _chain_facts(calls, data: bytes) -> tuple[str, list[str], str]:
    """(scope prefix, wrap texts, group) of one builder chain: ``web::scope("/api").wrap(m)...``."""
    wraps = []
    for c in calls[:-1]:
        if kit.method_of(c, data) in ("wrap", "wrap_fn"):
            wraps += [text(a, data) for a in kit.call_args(c)[:1]]
    root = calls[-1] if calls else None
    prefix, group = "", ""
    if root is not None and root.type == "call_expression":
        rname = kit.method_of(root, data)
        rargs = kit.call_args(root)
        if rname == "scope" and rargs:
            prefix = (kit.string_arg(rargs[0], data) or "").rstrip("/")
            group = prefix or "/"
        elif rname == "new" and text(root, data).startswith(("App::", "actix_web::App::")):
            group = "app"
    return prefix, wraps, group


def enclosing(node, data: bytes) -> tuple[str, list[str], str]:
    """(path prefix, wrap texts, group) from the scopes, resources and apps ``node`` sits in:
    the chain it is part of, then every chain it is an argument of."""
    prefix, wraps, group = _chain_facts(kit.chain(kit.outer_chain_top(node)), data)
    n = node
    while n is not None:
        p = n.parent
        if p is not None and p.type == "arguments" and p.parent is not None:
            call = p.parent
            calls = kit.chain(kit.outer_chain_top(call))
            if call in calls:
                outer_prefix, outer_wraps, outer_group = _chain_facts(calls, data)
                prefix = outer_prefix + prefix
                wraps += outer_wraps
                group = group or outer_group
        n = p
    return prefix, wraps, group


class Actix(Framework):
    name = "actix"
    title = "Actix Web"
    language = "rust"
    default_language = "rust"
    scaffolds = True
    validation_idiom = "`#[derive(Validate)]` (validator crate) and a `.validate()` call"
    input_style = "extractor"
    limiter = "actix-governor"
    app_creation = lazy(r"^([ \t]*)[^\n]*?\b(App)::new\(\)", re.M)

    def detects(self, head):
        return re.search(rb"\bactix_web\b", head) is not None

    # -- routes ----------------------------------------------------------------------------

    def extract(self, document, tree, data):
        funcs = kit.functions(tree, data)
        structs = kit.structs(tree, data)
        out: list[Handler] = []
        services: dict[str, list] = {}
        for _, caps in languages.matches("rust", SERVICE_Q, tree.root_node):
            target = caps["target"][0]
            if target.type in ("identifier", "scoped_identifier"):
                services.setdefault(text(target, data).rsplit("::", 1)[-1], []).append(target)
        # #[get("/x")] fn h(...)
        for _, caps in languages.matches("rust", ATTRIBUTE_Q, tree.root_node):
            attr = caps["attr"][0]
            name = text(caps["name"][0], data).rsplit("::", 1)[-1]
            if name not in VERBS and name != "route":
                continue
            fn = attr.next_named_sibling
            while fn is not None and fn.type in ("attribute_item", "line_comment", "block_comment"):
                fn = fn.next_named_sibling
            if fn is None or fn.type != "function_item" or rust.in_test_code(fn, data):
                continue
            margs = rust.macro_args(caps["args"][0], data)
            if not margs or len(margs[0].tokens) != 1:
                continue
            path = kit.string_arg(margs[0].tokens[0], data)
            if path is None:
                continue
            methods = [name.upper()] if name != "route" else []
            wraps = []
            for m in margs[1:]:
                value = kit.string_arg(m.tokens[0], data) if len(m.tokens) == 1 else None
                if m.name == "method" and value:
                    methods.append(value.upper())
                elif m.name == "wrap" and value:
                    wraps.append(value)
            fname = text(fn.child_by_field_name("name"), data)
            prefix, outer, group = "", [], ""
            sites = services.get(fname, [])
            if sites:
                prefix, outer, group = enclosing(sites[0], data)
            for method in methods or ["ANY"]:
                h = kit.make_route(
                    self,
                    method,
                    prefix + path,
                    fn.child_by_field_name("name"),
                    funcs,
                    data,
                    attr,
                    group,
                    structs,
                )
                h.extra["attribute"] = attr
                kit.apply_layers(h, wraps + outer)
                out.append(h)
        # .route("/x", web::get().to(h)) on an App / scope; web::resource("/x").route(web::get().to(h))
        for _, caps in languages.matches("rust", ROUTE_Q, tree.root_node):
            call = caps["call"][0]
            if rust.in_test_code(call, data):
                continue  # an app built by a test is not the application's
            args = kit.call_args(call)
            path = None
            if len(args) == 2:
                path = kit.string_arg(args[0], data)
                target = route_target(args[1], data)
                resource_wraps: list[str] = []
            elif len(args) == 1:
                calls = kit.chain(kit.outer_chain_top(call))
                root = calls[-1] if calls else None
                if (
                    root is None
                    or root.type != "call_expression"
                    or kit.method_of(root, data) != "resource"
                ):
                    continue
                rargs = kit.call_args(root)
                path = kit.string_arg(rargs[0], data) if rargs else None
                target = route_target(args[0], data)
                resource_wraps = [
                    text(kit.call_args(c)[0], data)
                    for c in calls[:-1]
                    if kit.method_of(c, data) in ("wrap", "wrap_fn") and kit.call_args(c)
                ]
            else:
                continue
            if path is None or target is None:
                continue
            method, handler, wraps = target
            prefix, outer, group = enclosing(call, data)
            h = kit.make_route(
                self, method, prefix + path, handler, funcs, data, call, group, structs
            )
            kit.apply_layers(h, wraps + resource_wraps + outer)
            out.append(h)
        return out

    # -- rules -----------------------------------------------------------------------------

    def validation_fix(self, a, h, kind, data):
        return rust_app.validation_fix(self, a, h, kind, data)

    def validation_check(self, h, value, data):
        rt = rust_app.return_type(h, data)
        if rt.startswith("Result<"):
            return f"{value}.validate().map_err(actix_web::error::ErrorUnprocessableEntity)?;"
        if re.fullmatch(r"(?:actix_web::)?HttpResponse|impl\s+(?:actix_web::)?Responder", rt):
            return (
                f"if let Err(errors) = {value}.validate() {{\n"
                "    return actix_web::HttpResponse::UnprocessableEntity().json(serde_json::json!({\n"
                '        "error": {"code": "VALIDATION_ERROR", "message": "invalid request", "details": errors}\n'
                "    }));\n"
                "}"
            )
        return None

    def rate_limit_fix(self, a, h, data):
        decl = h.decl
        attr = h.extra.get("attribute")
        edits = []
        if attr is not None:
            # #[post("/login")] -> #[post("/login", wrap = "Governor::new(...)")]
            tt = next(
                (c for c in attr.named_children[0].named_children if c.type == "token_tree"), None
            )
            if tt is None or b"wrap" in data[tt.start_byte : tt.end_byte]:
                return None
            close = tt.end_byte - 1
            edits.append(Edit(close, close, f', wrap = "{GOVERNOR}"'))
        elif decl is not None and decl.type == "call_expression":
            args = kit.call_args(decl)
            target = args[-1] if args else None
            if target is None:
                return None
            edits.append(Edit(target.end_byte, target.end_byte, f".wrap({GOVERNOR})"))
        else:
            return None
        imp = rust_app.use_edit(
            data, a.tree, "use actix_governor::{Governor, GovernorConfigBuilder};"
        )
        if imp is not None:
            edits.append(imp)
        return edits, "actix-governor"

    def created_status_edits(self, h, data):
        """``HttpResponse::Ok()`` -> ``HttpResponse::Created()`` in a create handler."""
        if h.node is None:
            return []
        body = h.node.child_by_field_name("body")
        if body is None:
            return []
        chunk = data[body.start_byte : body.end_byte]
        found = [m for m in re.finditer(rb"HttpResponse::Ok\(\)", chunk)]
        if len(found) != 1:
            return []
        start = body.start_byte + found[0].start() + len(b"HttpResponse::")
        return [Edit(start, start + len(b"Ok"), "Created")]

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
        # the wrap calls go right after App::new() (the statement ends after the whole server)
        m = self.app_creation.search(doc.text)
        if m is None:
            return None
        after = len(doc.text[: m.end()].encode("utf-8"))
        indent = m.group(1)
        wiring = (
            ".wrap(middleware::cors())",
            ".wrap(middleware::request_log())",
            ".wrap(actix_web::middleware::from_fn(middleware::request_id))",
            ".app_data(middleware::json_config())",
            ".app_data(middleware::query_config())",
        )
        return Generated(
            "src/middleware.rs",
            self.template("middleware.rs"),
            [Edit(after, after, "".join(f"\n{indent}    {line}" for line in wiring))],
            library="actix-web 4.9+, actix-cors, uuid (v4), serde_json",
            usage="add `mod middleware;` to main.rs",
        )


FRAMEWORK = Actix()
