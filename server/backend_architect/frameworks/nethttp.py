"""net/http: ``mux.HandleFunc("GET /p/{id}", h)`` and ``http.Handle``."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import go as golang
from .base import Generated, GoRouter, Unsupported
from .kit import go_crud
from .kit.endpoint_code import go_file
from .kit.go_router import GO_BIND_METHODS
from ..core.lazy_re import lazy


class NetHTTP(GoRouter):
    name = "net/http"
    title = "net/http"
    scaffolds = True
    validation_idiom = "a validation step"
    checks_form_reads = True
    route_methods = frozenset(("HandleFunc", "Handle"))
    bind_methods = GO_BIND_METHODS
    app_creation = lazy(r"^([ \t]*)(\w+)\s*:?=\s*http\.NewServeMux\(\s*\)", re.M)
    template_samples = {"package": "handlers", "jwt_import": "github.com/golang-jwt/jwt/v5"}

    def detects(self, head):
        return b'"net/http"' in head

    def middleware(self, doc, app, after, indent, path):
        """``InstallMiddleware(mux)`` wraps the mux where it is served (a mux cannot be changed
        in place): ``http.ListenAndServe(addr, mux)`` or ``Handler: mux``."""
        if "InstallMiddleware(" in doc.text:
            raise Unsupported("MIDDLEWARE: InstallMiddleware is already wired into this app.")
        m = re.search(
            rf"(?:ListenAndServe(?:TLS)?\([^,]+,\s*|Handler:\s*)(?P<app>{re.escape(app)})\b",
            doc.text,
        )
        if m is None:
            raise Unsupported(
                f"MIDDLEWARE: {app} is not served in this file (http.ListenAndServe(addr, {app}) or Handler: {app})."
            )
        start = len(doc.text[: m.start("app")].encode("utf-8"))
        end = start + len(app.encode("utf-8"))
        text = self.template("middleware.go", package=golang.package_name(doc.text))
        return Generated(path, text, [Edit(start, end, f"InstallMiddleware({app})")])

    def auth_system(self, doc):
        jwt = go_crud.jwt_import(doc.path)
        return Generated(
            "auth.go",
            self.template("auth.go", package=golang.package_name(doc.text), jwt_import=jwt),
            library=f"golang-jwt (go get {jwt})",
            usage='mux.Handle("/path/", AuthRequired()(handler)) / AuthRequired("admin")',
        )

    def endpoint_file(self, table, ops, base, language, package):
        return go_file(
            lambda t, o, b: go_crud.go_handlers(t, o, b, NETHTTP_IDIOMS), table, ops, base, package
        )

    def endpoint_placed(self, text, path, root, stem):
        return go_crud.place(text, root)


NETHTTP_IDIOMS = go_crud.Idioms(
    imports=(),
    handler="func(w http.ResponseWriter, r *http.Request)",
    ctx="r.Context()",
    param='r.PathValue("{name}")',
    query='{one}Query(r, "{name}", "{default}")',
    body="r.Body",
    path="r.URL.Path",
    method="r.Method",
    set_header="w.Header().Set({name}, {value})",
    reply="{one}JSON(w, {status}, {value})\x00return",
    no_content="w.WriteHeader(http.StatusNoContent)",
    mount=[
        "// Register{res}Routes mounts the {table} endpoints on mux (Go 1.22 method patterns).",
        "func Register{res}Routes(mux *http.ServeMux, store {ent}Store) {{",
    ],
    route='mux.HandleFunc("{method} {base}{path}", {fn}',
    id_path="/{id}",
    extra=(
        "func {one}Query(r *http.Request, name, fallback string) string {{",
        '\tif v := r.URL.Query().Get(name); v != "" {{',
        "\t\treturn v",
        "\t}}",
        "\treturn fallback",
        "}}",
        "",
        "func {one}JSON(w http.ResponseWriter, status int, value any) {{",
        '\tw.Header().Set("Content-Type", "application/json")',
        "\tw.WriteHeader(status)",
        "\t_ = json.NewEncoder(w).Encode(value)",
        "}}",
    ),
)


FRAMEWORK = NetHTTP()
