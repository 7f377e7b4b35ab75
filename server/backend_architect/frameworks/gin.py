"""Gin: ``r.GET(path, handlers...)``, groups, ``c.ShouldBindJSON`` with ``binding`` tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..core.findings import Edit
from ..lang import go as golang
from ..lang import named_args
from ..lang import indent_at, line_start
from .kit.schemas import camel, model_name, unique_name
from .kit import go_crud
from .base import Generated
from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS, created_status_edits
from ..core.lazy_re import lazy

if TYPE_CHECKING:
    pass


class Gin(GoRouter):
    name = "gin"
    title = "Gin"
    scaffolds = True
    validation_idiom = '`binding:"required"` struct tags'
    tag_key = "binding"
    struct_tag_fix = True
    template_samples = {"package": "handlers", "jwt_import": "github.com/golang-jwt/jwt/v5"}
    checks_form_reads = True
    form_idiom = 'a struct with `binding:"required"` tags and c.ShouldBind'
    limiter = "per-IP (golang.org/x/time/rate)"
    route_methods = frozenset(
        ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Any", "Handle", "Match")
    )
    handle_takes_method = True
    bind_methods = GO_BIND_METHODS
    app_creation = lazy(r"^([ \t]*)(\w+)\s*:?=\s*gin\.(?:Default|New)\(\s*\)", re.M)

    def detects(self, head):
        return b"github.com/gin-gonic/gin" in head

    def rate_limit_fix(self, a, h, data):
        args = named_args(h.decl.child_by_field_name("arguments"))
        if not args:
            return None
        edits = [Edit(args[0].end_byte, args[0].end_byte, ", rateLimit(5)")]
        if not re.search(rb"func rateLimit\(", data):
            edits.append(
                Edit(
                    len(data),
                    len(data),
                    ("\n\n" if data.endswith(b"\n") else "\n\n\n")
                    + self.template("rate_limiter.go"),
                )
            )
            imp = golang.add_import(
                data, a.tree, ["net/http", "sync", "time", "golang.org/x/time/rate"]
            )
            if imp is not None:
                edits.append(imp)
        return edits, self.limiter

    def default_status(self, h):
        return None  # every response names its status

    def created_status_edits(self, h, data):
        return created_status_edits(h, data)

    def form_validation_fix(self, a, h, forms, data):
        body = h.node.child_by_field_name("body")
        ctxname = h.route.request_names[0] if h.route.request_names else "c"
        if body is None:
            return None
        struct = unique_name(model_name(h, "Form", upper=False), data)
        var = (
            "form"
            if not re.search(rb"\bform\b", data[body.start_byte : body.end_byte])
            else "input"
        )
        fields = {}
        for r in forms:
            fields.setdefault(r.name, camel(r.name, True))
        lines = [f"type {struct} struct {{"]
        width = max(len(v) for v in fields.values())
        for name, go in fields.items():
            lines.append(f'\t{go.ljust(width)} string `form:"{name}" binding:"required"`')
        lines.append("}")
        top = h.node if h.node.type in ("function_declaration", "method_declaration") else None
        if top is None:
            stmt = h.decl
            while stmt.parent is not None and stmt.parent.type not in ("source_file",):
                stmt = stmt.parent
            top = stmt
        start = line_start(data, top.start_byte)
        edits = [Edit(start, start, "\n".join(lines) + "\n\n")]
        first = body.named_children[0] if body.named_children else None
        indent = (
            "\t" + indent_at(data, h.node.start_byte)
            if h.node.type != "func_literal"
            else indent_at(data, first.start_byte)
            if first is not None
            else "\t"
        )
        bind = (
            f"\n{indent}var {var} {struct}\n{indent}if err := {ctxname}.ShouldBind(&{var}); err != nil {{\n"
            f'{indent}\t{ctxname}.AbortWithStatusJSON(400, gin.H{{"error": gin.H{{"code": "VALIDATION_ERROR", "message": err.Error()}}}})\n'
            f"{indent}\treturn\n{indent}}}"
        )
        edits.append(Edit(body.start_byte + 1, body.start_byte + 1, bind))
        for r in forms:
            edits.append(Edit(r.start, r.end, f"{var}.{fields[r.name]}"))
        return (
            edits,
            f"generate struct {struct} with binding tags from the fields the handler reads",
        )

    def auth_system(self, doc):
        return Generated(
            "auth.go",
            self.template(
                "auth.go",
                package=golang.package_name(doc.text),
                jwt_import=go_crud.jwt_import(doc.path),
            ),
            library=f"golang-jwt (go get {go_crud.jwt_import(doc.path)})",
            usage='r.GET(path, AuthRequired(), handler) / AuthRequired("admin")',
        )

    def crud_idioms(self):
        return GIN_IDIOMS


GIN_IDIOMS = go_crud.Idioms(
    imports=("github.com/gin-gonic/gin",),
    handler="func(c *gin.Context)",
    ctx="c.Request.Context()",
    param='c.Param("{name}")',
    query='c.DefaultQuery("{name}", "{default}")',
    body="c.Request.Body",
    path="c.Request.URL.Path",
    method="c.Request.Method",
    set_header="c.Header({name}, {value})",
    reply="c.JSON({status}, {value})\x00return",
    no_content="c.Status(http.StatusNoContent)",
    mount=[
        "// Register{res}Routes mounts the {table} endpoints on r.",
        "func Register{res}Routes(r gin.IRouter, store {ent}Store) {{",
        '\tg := r.Group("{base}")',
    ],
    route='g.{method}("{path}", {fn}',
    id_path="/:id",
)


FRAMEWORK = Gin()
