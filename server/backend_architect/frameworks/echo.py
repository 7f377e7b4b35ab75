"""Echo: ``e.GET(path, handler, middleware...)``, groups, ``c.Bind`` with ``validate`` tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..core.findings import Edit
from ..lang import go as golang
from ..lang import named_args
from .kit import go_crud
from .kit.endpoint_code import go_body_and_store, go_file
from ..lang import naming
from .base import Generated, GoRouter
from .kit.go_router import GO_BIND_METHODS, created_status_edits

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


class Echo(GoRouter):
    name = "echo"
    title = "Echo"
    scaffolds = True
    validation_idiom = '`validate:"required"` struct tags'
    struct_tag_fix = True
    checks_form_reads = True
    limiter = "echo middleware.RateLimiter"
    route_methods = frozenset(
        ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Any", "Handle", "Match")
    )
    handler_first = True
    bind_methods = GO_BIND_METHODS
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*:?=\s*echo\.New\(\s*\)", re.M)

    def detects(self, head):
        return b"github.com/labstack/echo" in head

    def rate_limit_fix(self, a, h, data):
        args = named_args(h.decl.child_by_field_name("arguments"))
        if len(args) < 2:
            return None
        v4 = b"labstack/echo/v4" in data
        mw = (
            "github.com/labstack/echo/v4/middleware"
            if v4
            else "github.com/labstack/echo/middleware"
        )
        edits = [
            Edit(
                args[1].end_byte,
                args[1].end_byte,
                ", middleware.RateLimiter(middleware.NewRateLimiterMemoryStore(rate.Limit(5)))",
            )
        ]
        imp = golang.add_import(data, a.tree, [mw, "golang.org/x/time/rate"])
        if imp is not None:
            edits.append(imp)
        return edits, self.limiter

    def default_status(self, h):
        return None  # every response names its status

    def created_status_edits(self, h, data):
        return created_status_edits(h, data)

    template_samples = {"package": "handlers", "jwt_import": "github.com/golang-jwt/jwt/v5"}

    def endpoint_file(self, table, ops, base, language, package):
        return go_file(
            lambda t, o, b: go_crud.go_handlers(t, o, b, ECHO_IDIOMS), table, ops, base, package
        )

    def endpoint_placed(self, text, path, root, stem):
        return go_crud.place(text, root)

    def auth_system(self, doc):
        jwt = go_crud.jwt_import(doc.path)
        return Generated(
            "auth.go",
            self.template("auth.go", package=golang.package_name(doc.text), jwt_import=jwt),
            library=f"golang-jwt (go get {jwt})",
            usage='e.GET(path, handler, AuthRequired()) / AuthRequired("admin")',
        )


ECHO_IDIOMS = go_crud.Idioms(
    imports=("github.com/labstack/echo/v4",),
    handler="func(c echo.Context) error",
    ctx="c.Request().Context()",
    param='c.Param("{name}")',
    query='{one}Query(c, "{name}", "{default}")',
    body="c.Request().Body",
    path="c.Request().URL.Path",
    method="c.Request().Method",
    set_header="c.Response().Header().Set({name}, {value})",
    reply="return c.JSON({status}, {value})",
    no_content="return c.NoContent(http.StatusNoContent)",
    mount=[
        "// Register{res}Routes mounts the {table} endpoints on e.",
        "func Register{res}Routes(e *echo.Group, store {ent}Store) {{",
        '\tg := e.Group("{base}")',
    ],
    route='g.{method}("{path}", {fn}',
    id_path="/:id",
    extra=(
        "func {one}Query(c echo.Context, name, fallback string) string {{",
        '\tif v := c.QueryParam(name); v != "" {{',
        "\t\treturn v",
        "\t}}",
        "\treturn fallback",
        "}}",
    ),
)


def endpoint_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, package: str = "handlers"
) -> tuple[str, str]:
    """(imports, body) of Echo handlers: a body struct with ``validate`` tags checked by
    go-playground/validator, the envelope, the error body, 201 and 204."""
    ent = naming.pascal(naming.singular(t.name))
    res = naming.pascal(t.name)
    lo = naming.camel(ent)
    one = naming.singular(t.name)
    idc = t.id_column
    imports = '\t"context"\n\t"errors"\n\t"fmt"\n\t"net/http"\n\t"strconv"\n\n\t"github.com/go-playground/validator/v10"\n\t"github.com/labstack/echo/v4"'
    L: list[str] = []
    a = L.append
    L += go_body_and_store(t, ent, base, "validate")
    a(f"var {lo}Validate = validator.New()")
    a("")
    a(
        f"func {lo}Error(c echo.Context, status int, code, message string, details []echo.Map) error {{"
    )
    a("\tif details == nil {")
    a("\t\tdetails = []echo.Map{}")
    a("\t}")
    a(
        '\treturn c.JSON(status, echo.Map{"error": echo.Map{"code": code, "message": message, "details": details}})'
    )
    a("}")
    a("")
    a(f"// {lo}Bind decodes and validates the body; on failure it has already answered 422.")
    a(f"func {lo}Bind(c echo.Context, body *{ent}Body) (bool, error) {{")
    a("\tif err := c.Bind(body); err != nil {")
    a(
        f'\t\treturn false, {lo}Error(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "the request body is not valid JSON", nil)'
    )
    a("\t}")
    a(f"\tif err := {lo}Validate.Struct(body); err != nil {{")
    a("\t\tvar fields validator.ValidationErrors")
    a("\t\tdetails := []echo.Map{}")
    a("\t\tif errors.As(err, &fields) {")
    a("\t\t\tfor _, f := range fields {")
    a(
        '\t\t\t\tdetails = append(details, echo.Map{"field": f.Field(), "message": "failed the " + f.Tag() + " rule"})'
    )
    a("\t\t\t}")
    a("\t\t}")
    a(
        f'\t\treturn false, {lo}Error(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "the request body is not valid", details)'
    )
    a("\t}")
    a("\treturn true, nil")
    a("}")
    a("")
    a(f"func {lo}ID(c echo.Context) (int64, bool, error) {{")
    a('\tid, err := strconv.ParseInt(c.Param("id"), 10, 64)')
    a("\tif err != nil || id < 1 {")
    a(
        f'\t\treturn 0, false, {lo}Error(c, http.StatusBadRequest, "VALIDATION_ERROR", "id must be a positive integer", []echo.Map{{{{"field": "id", "message": "not a positive integer"}}}})'
    )
    a("\t}")
    a("\treturn id, true, nil")
    a("}")
    a("")
    err = f"{lo}Error"
    id_lines = [f"\t\tid, ok, err := {lo}ID(c)", "\t\tif !ok {", "\t\t\treturn err", "\t\t}"]
    a(f"// Register{res}Routes mounts the {t.name} endpoints on e.")
    a(f"func Register{res}Routes(e *echo.Echo, store {ent}Store) {{")
    a(f'\tg := e.Group("{base}")')
    if "list" in ops:
        a('\tg.GET("", func(c echo.Context) error {')
        a("\t\tpage, limit := 1, 20")
        a("\t\tvar err1, err2 error")
        a('\t\tif v := c.QueryParam("page"); v != "" {')
        a("\t\t\tpage, err1 = strconv.Atoi(v)")
        a("\t\t}")
        a('\t\tif v := c.QueryParam("limit"); v != "" {')
        a("\t\t\tlimit, err2 = strconv.Atoi(v)")
        a("\t\t}")
        a('\t\tsort, order := c.QueryParam("sort"), c.QueryParam("order")')
        a('\t\tif sort == "" {')
        a(f'\t\t\tsort = "{idc.name}"')
        a("\t\t}")
        a('\t\tif order == "" {')
        a('\t\t\torder = "asc"')
        a("\t\t}")
        a(
            f'\t\tif err1 != nil || err2 != nil || page < 1 || limit < 1 || limit > 100 || !{naming.camel(t.name)}Sortable[sort] || (order != "asc" && order != "desc") {{'
        )
        a(
            f'\t\t\treturn {err}(c, http.StatusBadRequest, "VALIDATION_ERROR", "page >= 1, limit 1..100, a sortable column and asc|desc expected", nil)'
        )
        a("\t\t}")
        a("\t\trows, total, err := store.FindAll(c.Request().Context(), page, limit, sort, order)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not list {t.name}", nil)'
        )
        a("\t\t}")
        a(
            '\t\tat := func(p int) string { return fmt.Sprintf("%s?page=%d&limit=%d&sort=%s&order=%s", c.Request().URL.Path, p, limit, sort, order) }'
        )
        a("\t\tvar next, prev any")
        a("\t\tif int64(page*limit) < total {")
        a("\t\t\tnext = at(page + 1)")
        a("\t\t}")
        a("\t\tif page > 1 {")
        a("\t\t\tprev = at(page - 1)")
        a("\t\t}")
        a(
            '\t\treturn c.JSON(http.StatusOK, echo.Map{"data": rows, "meta": echo.Map{"page": page, "limit": limit, "total": total}, "links": echo.Map{"self": at(page), "next": next, "prev": prev}})'
        )
        a("\t})")
    not_found = [
        f'\t\t\treturn {err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{one} %d not found", id), nil)'
    ]
    if "get" in ops:
        a('\tg.GET("/:id", func(c echo.Context) error {')
        L.extend(id_lines)
        a("\t\trow, found, err := store.FindByID(c.Request().Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not read the {one}", nil)'
        )
        a("\t\t}")
        a("\t\tif !found {")
        L.extend(not_found)
        a("\t\t}")
        a('\t\treturn c.JSON(http.StatusOK, echo.Map{"data": row})')
        a("\t})")
    if "create" in ops:
        a('\tg.POST("", func(c echo.Context) error {')
        a(f"\t\tvar body {ent}Body")
        a(f"\t\tif ok, err := {lo}Bind(c, &body); !ok {{")
        a("\t\t\treturn err")
        a("\t\t}")
        a("\t\trow, err := store.Create(c.Request().Context(), body)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not create the {one}", nil)'
        )
        a("\t\t}")
        a('\t\treturn c.JSON(http.StatusCreated, echo.Map{"data": row})')
        a("\t})")
    for meth in (["PUT"] if "replace" in ops else []) + (["PATCH"] if "update" in ops else []):
        a(f'\tg.{meth}("/:id", func(c echo.Context) error {{')
        L.extend(id_lines)
        a(f"\t\tvar body {ent}Body")
        a(f"\t\tif ok, err := {lo}Bind(c, &body); !ok {{")
        a("\t\t\treturn err")
        a("\t\t}")
        a("\t\trow, found, err := store.Update(c.Request().Context(), id, body)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not update the {one}", nil)'
        )
        a("\t\t}")
        a("\t\tif !found {")
        L.extend(not_found)
        a("\t\t}")
        a('\t\treturn c.JSON(http.StatusOK, echo.Map{"data": row})')
        a("\t})")
    if "delete" in ops:
        a('\tg.DELETE("/:id", func(c echo.Context) error {')
        L.extend(id_lines)
        a("\t\tdeleted, err := store.Delete(c.Request().Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not delete the {one}", nil)'
        )
        a("\t\t}")
        a("\t\tif !deleted {")
        L.extend(not_found)
        a("\t\t}")
        a("\t\treturn c.NoContent(http.StatusNoContent)")
        a("\t})")
    a("}")
    return imports, "\n".join(L) + "\n"


FRAMEWORK = Echo()
