"""Django: function views and Django REST framework views, paths from the package's
``urls.py``; defaults from settings (DRF permission classes, login middleware)."""

from __future__ import annotations

import re

from ..app import mounts
from .base import Framework
from .kit.python_views import python_routes

_IMPORT = re.compile(rb"^\s*(from|import)\s+(django|rest_framework)\b", re.M)


class Django(Framework):
    name = "django"
    title = "Django"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a Form or a DRF serializer"
    limiter = "django-ratelimit"

    def detects(self, head):
        return bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)

    def inherit_guards(self, document, handlers):
        drf_default, login_middleware = mounts.django_defaults(document.path)
        for h in handlers:
            if h.extra.get("public"):
                continue
            if login_middleware:
                h.route.guards.append("LoginRequiredMiddleware")
            if drf_default and h.extra.get("drf") and not h.extra.get("explicit_permissions"):
                h.route.guards += drf_default


FRAMEWORK = Django()
