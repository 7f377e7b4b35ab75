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
from .kit.endpoint_code import go_body_and_store, go_file
from ..lang import naming
from .base import Generated
from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS, created_status_edits

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


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
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*:?=\s*gin\.(?:Default|New)\(\s*\)", re.M)

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

    def endpoint_file(self, table, ops, base, language, package):
        return go_file(
            lambda t, o, b: go_crud.go_handlers(t, o, b, GIN_IDIOMS), table, ops, base, package
        )

    def endpoint_placed(self, text, path, root, stem):
        return go_crud.place(text, root)


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


def endpoint_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, package: str = "handlers"
) -> tuple[str, str]:
    ent = naming.pascal(naming.singular(t.name))
    res = naming.pascal(t.name)
    idc = t.id_column
    imports = '\t"context"\n\t"fmt"\n\t"net/http"\n\t"strconv"\n\n\t"github.com/gin-gonic/gin"'
    L: list[str] = []
    a = L.append
    L += go_body_and_store(t, ent, base, "binding")
    a(
        f"func {naming.camel(ent)}Error(c *gin.Context, status int, code, message string, details []gin.H) {{"
    )
    a("\tif details == nil {")
    a("\t\tdetails = []gin.H{}")
    a("\t}")
    a(
        '\tc.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": message, "details": details}})'
    )
    a("}")
    a("")
    a(f"func {naming.camel(ent)}ID(c *gin.Context) (int64, bool) {{")
    a('\tid, err := strconv.ParseInt(c.Param("id"), 10, 64)')
    a("\tif err != nil || id < 1 {")
    a(
        f'\t\t{naming.camel(ent)}Error(c, http.StatusBadRequest, "VALIDATION_ERROR", "id must be a positive integer", []gin.H{{{{"field": "id", "message": "not a positive integer"}}}})'
    )
    a("\t\treturn 0, false")
    a("\t}")
    a("\treturn id, true")
    a("}")
    a("")
    err = f"{naming.camel(ent)}Error"
    a(f"// Register{res}Routes mounts the {t.name} endpoints on r.")
    a(f"func Register{res}Routes(r gin.IRouter, store {ent}Store) {{")
    a(f'\tg := r.Group("{base}")')
    if "list" in ops:
        a('\tg.GET("", func(c *gin.Context) {')
        a('\t\tpage, err1 := strconv.Atoi(c.DefaultQuery("page", "1"))')
        a('\t\tlimit, err2 := strconv.Atoi(c.DefaultQuery("limit", "20"))')
        a(f'\t\tsort := c.DefaultQuery("sort", "{idc.name}")')
        a('\t\torder := c.DefaultQuery("order", "asc")')
        a(
            f'\t\tif err1 != nil || err2 != nil || page < 1 || limit < 1 || limit > 100 || !{naming.camel(t.name)}Sortable[sort] || (order != "asc" && order != "desc") {{'
        )
        a(
            f'\t\t\t{err}(c, http.StatusBadRequest, "VALIDATION_ERROR", "page >= 1, limit 1..100, a sortable column and asc|desc expected", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\trows, total, err := store.FindAll(c.Request.Context(), page, limit, sort, order)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not list {t.name}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a(
            '\t\tat := func(p int) string { return fmt.Sprintf("%s?page=%d&limit=%d&sort=%s&order=%s", c.Request.URL.Path, p, limit, sort, order) }'
        )
        a("\t\tvar next, prev any")
        a("\t\tif int64(page*limit) < total {")
        a("\t\t\tnext = at(page + 1)")
        a("\t\t}")
        a("\t\tif page > 1 {")
        a("\t\t\tprev = at(page - 1)")
        a("\t\t}")
        a(
            '\t\tc.JSON(http.StatusOK, gin.H{"data": rows, "meta": gin.H{"page": page, "limit": limit, "total": total}, "links": gin.H{"self": at(page), "next": next, "prev": prev}})'
        )
        a("\t})")
    if "get" in ops:
        a('\tg.GET("/:id", func(c *gin.Context) {')
        a(f"\t\tid, ok := {naming.camel(ent)}ID(c)")
        a("\t\tif !ok {")
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\trow, found, err := store.FindByID(c.Request.Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not read the {naming.singular(t.name)}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tif !found {")
        a(
            f'\t\t\t{err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{naming.singular(t.name)} %d not found", id), nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a('\t\tc.JSON(http.StatusOK, gin.H{"data": row})')
        a("\t})")
    if "create" in ops:
        a('\tg.POST("", func(c *gin.Context) {')
        a(f"\t\tvar body {ent}Body")
        a("\t\tif err := c.ShouldBindJSON(&body); err != nil {")
        a(f'\t\t\t{err}(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", err.Error(), nil)')
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\trow, err := store.Create(c.Request.Context(), body)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not create the {naming.singular(t.name)}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a('\t\tc.JSON(http.StatusCreated, gin.H{"data": row})')
        a("\t})")
    if "replace" in ops or "update" in ops:
        for meth in (["PUT"] if "replace" in ops else []) + (["PATCH"] if "update" in ops else []):
            a(f'\tg.{meth}("/:id", func(c *gin.Context) {{')
            a(f"\t\tid, ok := {naming.camel(ent)}ID(c)")
            a("\t\tif !ok {")
            a("\t\t\treturn")
            a("\t\t}")
            a(f"\t\tvar body {ent}Body")
            a("\t\tif err := c.ShouldBindJSON(&body); err != nil {")
            a(
                f'\t\t\t{err}(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", err.Error(), nil)'
            )
            a("\t\t\treturn")
            a("\t\t}")
            a("\t\trow, found, err := store.Update(c.Request.Context(), id, body)")
            a("\t\tif err != nil {")
            a(
                f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not update the {naming.singular(t.name)}", nil)'
            )
            a("\t\t\treturn")
            a("\t\t}")
            a("\t\tif !found {")
            a(
                f'\t\t\t{err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{naming.singular(t.name)} %d not found", id), nil)'
            )
            a("\t\t\treturn")
            a("\t\t}")
            a('\t\tc.JSON(http.StatusOK, gin.H{"data": row})')
            a("\t})")
    if "delete" in ops:
        a('\tg.DELETE("/:id", func(c *gin.Context) {')
        a(f"\t\tid, ok := {naming.camel(ent)}ID(c)")
        a("\t\tif !ok {")
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tdeleted, err := store.Delete(c.Request.Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not delete the {naming.singular(t.name)}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tif !deleted {")
        a(
            f'\t\t\t{err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{naming.singular(t.name)} %d not found", id), nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tc.Status(http.StatusNoContent)")
        a("\t})")
    a("}")
    return imports, "\n".join(L) + "\n"


FRAMEWORK = Gin()
