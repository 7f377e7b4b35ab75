"""Django: function views and Django REST framework views, paths from the package's
``urls.py``; defaults from settings (DRF permission classes, login middleware)."""

from __future__ import annotations

import re

from ..app import mounts
from ..core.findings import Edit
from ..lang import indent_at, line_start
from .base import Framework
from .kit.python_app import python_setup
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

    def finding_span(self, h, data):
        # the view function's name: Django declares the route in another file (urls.py)
        name = h.node.child_by_field_name("name")
        return name.start_byte, name.end_byte

    def rate_limit_fix(self, a, h, data):
        fn = h.node
        top = (
            fn.parent if fn.parent is not None and fn.parent.type == "decorated_definition" else fn
        )
        indent = indent_at(data, top.start_byte)
        start = line_start(data, top.start_byte)
        in_class = "class" in h.extra
        deco = 'ratelimit(key="ip", rate="5/m", block=True)'
        line = f"{indent}@method_decorator({deco})\n" if in_class else f"{indent}@{deco}\n"
        edits = [Edit(start, start, line)]
        imports = ["from django_ratelimit.decorators import ratelimit"]
        if in_class:
            imports.append("from django.utils.decorators import method_decorator")
        edits += python_setup(a, data, imports, None, None, None)
        return edits, self.limiter

    def default_status(self, h):
        # class-based views (DRF) answer what their generic base says
        return None if "class" in h.extra else 200

    def created_status_edits(self, h, data):
        body = h.node.child_by_field_name("body")
        btext = data[body.start_byte : body.end_byte] if body is not None else b""
        edits = []
        for m in re.finditer(rb"JsonResponse\(", btext):
            close = _close(btext, m.end() - 1)
            if close is None:
                continue
            inner = btext[m.end() : close - 1]
            st = re.search(rb"status\s*=\s*(200|status\.HTTP_200_OK)", inner)
            if st:
                edits.append(
                    Edit(
                        body.start_byte + m.end() + st.start(1),
                        body.start_byte + m.end() + st.end(1),
                        "201",
                    )
                )
            elif not re.search(rb"status\s*=", inner):
                edits.append(
                    Edit(body.start_byte + close - 1, body.start_byte + close - 1, ", status=201")
                )
        return edits


def _close(data, i):
    depth = 0
    for j in range(i, min(len(data), i + 20000)):
        c = data[j : j + 1]
        if c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
            if depth == 0:
                return j + 1
    return None


FRAMEWORK = Django()
