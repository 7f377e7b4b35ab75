"""Echo: ``e.GET(path, handler, middleware...)``, groups, ``c.Bind`` with ``validate`` tags."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import go as golang
from ..lang import named_args
from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS, created_status_edits


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


FRAMEWORK = Echo()
