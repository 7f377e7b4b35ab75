"""Gin: ``r.GET(path, handlers...)``, groups, ``c.ShouldBindJSON`` with ``binding`` tags."""

from __future__ import annotations

import re

from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS


class Gin(GoRouter):
    name = "gin"
    title = "Gin"
    scaffolds = True
    validation_idiom = '`binding:"required"` struct tags'
    tag_key = "binding"
    limiter = "per-IP (golang.org/x/time/rate)"
    route_methods = frozenset(
        ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Any", "Handle", "Match")
    )
    handle_takes_method = True
    bind_methods = GO_BIND_METHODS
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*:?=\s*gin\.(?:Default|New)\(\s*\)", re.M)

    def detects(self, head):
        return b"github.com/gin-gonic/gin" in head


FRAMEWORK = Gin()
