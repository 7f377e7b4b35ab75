"""chi: ``r.Get(path, h)``, ``r.Route`` / ``r.Group`` sub-routers, ``chi.URLParam``."""

from __future__ import annotations

from .base import GoRouter
from .kit.go_router import GO_BIND_METHODS


class Chi(GoRouter):
    name = "chi"
    title = "chi"
    validation_idiom = '`validate:"required"` struct tags'
    bind_methods = GO_BIND_METHODS

    def detects(self, head):
        return b"github.com/go-chi/chi" in head


FRAMEWORK = Chi()
