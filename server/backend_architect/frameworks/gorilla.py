"""gorilla/mux: ``r.HandleFunc(path, h).Methods("GET")``, ``PathPrefix(...).Subrouter()``."""

from __future__ import annotations

from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS


class Gorilla(GoRouter):
    name = "gorilla"
    title = "gorilla/mux"
    validation_idiom = '`validate:"required"` struct tags'
    bind_methods = GO_BIND_METHODS

    def detects(self, head):
        return b"github.com/gorilla/mux" in head


FRAMEWORK = Gorilla()
