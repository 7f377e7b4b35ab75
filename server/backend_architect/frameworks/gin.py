"""Gin: ``r.GET(path, handlers...)``, groups, ``c.ShouldBindJSON`` with ``binding`` tags."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import go as golang
from ..lang import named_args
from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS, created_status_edits


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


FRAMEWORK = Gin()
