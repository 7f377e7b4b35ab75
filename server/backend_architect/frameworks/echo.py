"""Echo: ``e.GET(path, handler, middleware...)``, groups, ``c.Bind`` with ``validate`` tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..core.findings import Edit
from ..lang import go as golang
from ..lang import named_args
from .kit import go_crud
from .base import Generated, GoRouter
from .kit.go_router import GO_BIND_METHODS, created_status_edits
from ..core.lazy_re import lazy

if TYPE_CHECKING:
    pass


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
    app_creation = lazy(r"^([ \t]*)(\w+)\s*:?=\s*echo\.New\(\s*\)", re.M)

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

    def crud_idioms(self):
        return ECHO_IDIOMS

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


FRAMEWORK = Echo()
