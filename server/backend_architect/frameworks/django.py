"""Django: function views and Django REST framework views, paths from the package's
``urls.py``; defaults from settings (DRF permission classes, login middleware)."""

from __future__ import annotations

import re

from ..app import mounts
from ..core.findings import Edit
from ..lang import indent_at, line_start
from ..lang import python as pylang
from .kit.python_validation import (
    collect_fields,
    free_name,
    module_statement,
    one_kind,
    prologue,
    py_model_name,
    raw_reads,
)
from .kit.schemas import unique_name
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

    def validation_fix(self, a, h, kind, data):
        return self._request_fix(a, h, raw_reads(h), data)

    def _request_fix(self, a, h, raw, data):
        """Validate with a ``forms.Form`` at the top of a Django view; reads become ``form.cleaned_data[...]``."""
        req = h.route.request_names[0] if h.route.request_names else "request"
        kind, attrs = one_kind(raw, data)
        if kind == "body" and attrs == {"body"} and all(r[2].type == "call" for r in raw):
            source = f"json.loads({req}.body)"  # only json.loads(request.body): the holder is the loads call
        elif kind == "form" and attrs == {"POST"}:
            source = f"{req}.POST"
        elif kind == "query" and attrs == {"GET"}:
            source = f"{req}.GET"
        else:
            return None  # request.data (DRF: a serializer is the idiom), request.FILES, several sources
        var = free_name(h, ("form", "input_form"), data)
        if var is None:
            return None
        collected = collect_fields(h, raw, data, lambda f: f'{var}.cleaned_data["{f}"]')
        if collected is None:
            return None
        fields, edits, types = collected
        suffix = {"body": "Form", "form": "Form", "query": "QueryForm"}[kind]
        cls = unique_name(py_model_name(h, suffix), data)
        edits.append(
            prologue(
                h,
                data,
                [
                    f"{var} = {cls}({source})",
                    f"if not {var}.is_valid():",
                    '    return JsonResponse({"error": {"code": "VALIDATION_ERROR", "message": "invalid request", "details": ['
                    f'{{"field": field, "message": message}} for field, messages in {var}.errors.items() for message in messages]}}}}, status=422)',
                ],
            )
        )
        optional = {}
        for fname, _, _, opt in fields:
            optional[fname] = optional.get(fname, True) and opt
        lines = [f"class {cls}(forms.Form):"]
        for fname, opt in optional.items():
            field = {"int": "IntegerField", "float": "FloatField", "bool": "BooleanField"}.get(
                types.get(fname), "CharField"
            )
            if field == "BooleanField":
                opt = True  # a BooleanField is required to be true unless required=False
            lines.append(f"    {fname} = forms.{field}({'required=False' if opt else ''})")
        at = line_start(data, module_statement(h.node).start_byte)
        edits.append(Edit(at, at, "\n".join(lines) + "\n\n\n"))
        for imp in (
            None
            if re.search(rb"^from django import[^\n]*\bforms\b", data, re.M)
            else pylang.add_import(data, a.tree, "from django import forms"),
            pylang.import_names(data, a.tree, "django.http", ["JsonResponse"]),
        ):
            if imp is not None:
                edits.append(imp)
        return edits, f"generate form {cls} from the fields the handler reads"


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
