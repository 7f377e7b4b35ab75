"""net/http: ``mux.HandleFunc("GET /p/{id}", h)`` and ``http.Handle``."""

from __future__ import annotations

from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS


class NetHTTP(GoRouter):
    name = "net/http"
    title = "net/http"
    validation_idiom = "a validation step"
    checks_form_reads = True
    route_methods = frozenset(("HandleFunc", "Handle"))
    bind_methods = GO_BIND_METHODS

    def detects(self, head):
        return b'"net/http"' in head


FRAMEWORK = NetHTTP()
