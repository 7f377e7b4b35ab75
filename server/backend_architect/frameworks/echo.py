"""Echo: ``e.GET(path, handler, middleware...)``, groups, ``c.Bind`` with ``validate`` tags."""

from __future__ import annotations

import re

from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS


class Echo(GoRouter):
    name = "echo"
    title = "Echo"
    scaffolds = True
    validation_idiom = '`validate:"required"` struct tags'
    limiter = "echo middleware.RateLimiter"
    route_methods = frozenset(
        ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Any", "Handle", "Match")
    )
    handler_first = True
    bind_methods = GO_BIND_METHODS
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*:?=\s*echo\.New\(\s*\)", re.M)

    def detects(self, head):
        return b"github.com/labstack/echo" in head


FRAMEWORK = Echo()
