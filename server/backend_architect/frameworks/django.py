"""Django: function views and Django REST framework views, paths from the package's
``urls.py``; defaults from settings (DRF permission classes, login middleware)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import os
import re

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
from .kit.python_app import jwt_auth
from .kit.endpoint_code import (
    py_fields_table,
    py_hash_password_lines,
    py_password,
    py_public,
    py_validator,
)
from ..lang import naming
from .base import Framework
from .kit.python_app import python_setup
from .kit.python_views import may_declare_python_routes, python_routes
from ..core.lazy_re import lazy

_IMPORT = lazy(rb"^\s*(from|import)\s+(django|rest_framework)\b", re.M)

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


class Django(Framework):
    name = "django"
    title = "Django"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a Form or a DRF serializer"
    limiter = "django-ratelimit"

    native_error_shape = '`{"detail"}`'
    class_scoped_access_checks = True

    def serves_json(self, h, data):
        return True if "class" in h.extra else None

    def detects(self, head):
        # the pattern needs one of the modules' names: looked for first
        return (b"django" in head or b"rest_framework" in head) and bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)

    def may_declare_routes(self, data):
        return may_declare_python_routes(data)

    def inherit_guards(self, document, handlers):
        from ..app import mounts

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
            # a BooleanField is required to be true unless required=False
            not_required = opt or field == "BooleanField"
            lines.append(f"    {fname} = forms.{field}({'required=False' if not_required else ''})")
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

    def auth_system(self, doc):
        return jwt_auth(self, '@login_required() / @login_required("admin") on a view')

    def endpoint_file(self, table, ops, base, language, package):
        imports, body = endpoint_code(table, ops, base)
        return f'"""HTTP endpoints for {table.name} (Django views, JSON in and out)."""\n\nfrom __future__ import annotations\n\n{imports}\n\n{body}'

    def endpoint_location(self, root, stem, camel, language):
        return _django_package(root), f"{stem}_views.py"

    def endpoint_placed(self, text, path, root, stem):
        dotted = os.path.relpath(os.path.splitext(path)[0], root).replace(os.sep, ".").lstrip(".")
        return text.replace(f'include("<package>.{stem}_views")', f'include("{dotted}")')


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


def endpoint_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    """Function views with JsonResponse (no DRF), explicit validation and the module's ``urlpatterns``."""
    from ..resources import from_table

    res = naming.snake(t.name)
    one = naming.snake(naming.singular(t.name))
    up = one.upper()
    r = from_table(t)
    idc = r.id
    conv = "int" if idc.py_type == "int" else "str"
    imports = [
        *(["import hashlib", "import os"] if r.password_hash is not None else []),
        "import json",
        "from typing import Any",
        "from urllib.parse import urlencode",
        "",
        "from django.http import HttpRequest, HttpResponse, JsonResponse",
        "from django.urls import path",
        "from django.views.decorators.csrf import csrf_exempt",
    ]
    L: list[str] = []
    a = L.append
    a(f"{up}_SORTABLE = {tuple(f.name for f in r.output_fields)!r}")
    L.extend(py_fields_table(r, up))
    a("")
    a("")
    a(
        f"def {one}_error(status: int, code: str, message: str, details: list | None = None) -> JsonResponse:"
    )
    a(
        '    return JsonResponse({"error": {"code": code, "message": message, "details": details or []}}, status=status)'
    )
    a("")
    a("")
    L += py_validator(one, up, ("password",) if r.password_hash is not None else ())
    a("")
    a("")
    L.extend(py_public(one, up))
    a("")
    a("")
    L.extend(py_password(r))
    a("def _json_body(request: HttpRequest) -> Any:")
    a("    try:")
    a('        return json.loads(request.body or b"null")')
    a("    except ValueError:")
    a("        return None")
    a("")
    a("")
    a(f"def get_{res}_store():")
    a(
        f'    """Wire the {t.name} repository here (find_by_id, find_all, create, update, delete)."""'
    )
    a(f'    raise NotImplementedError("get_{res}_store is not wired to a {t.name} repository yet")')
    coll_methods = [m for op, m in (("list", "GET"), ("create", "POST")) if op in ops]
    item_methods = [
        m
        for op, m in (("get", "GET"), ("replace", "PUT"), ("update", "PATCH"), ("delete", "DELETE"))
        if op in ops
    ]
    if "list" in ops:
        a("")
        a("")
        a(f"def list_{res}(request: HttpRequest) -> JsonResponse:")
        a("    try:")
        a('        page = int(request.GET.get("page", 1))')
        a('        limit = int(request.GET.get("limit", 20))')
        a("    except ValueError:")
        a(f'        return {one}_error(400, "VALIDATION_ERROR", "page and limit must be integers")')
        a(f'    sort = request.GET.get("sort", {idc.name!r})')
        a('    order = request.GET.get("order", "asc")')
        a("    details = []")
        a("    if page < 1:")
        a('        details.append({"field": "page", "message": "must be >= 1"})')
        a("    if not 1 <= limit <= 100:")
        a('        details.append({"field": "limit", "message": "must be between 1 and 100"})')
        a(f"    if sort not in {up}_SORTABLE:")
        a(
            f'        details.append({{"field": "sort", "message": f"one of {{\', \'.join({up}_SORTABLE)}}"}})'
        )
        a('    if order not in ("asc", "desc"):')
        a('        details.append({"field": "order", "message": "asc or desc"})')
        a("    if details:")
        a(
            f'        return {one}_error(400, "VALIDATION_ERROR", "invalid list parameters", details)'
        )
        a(
            f"    rows, total = get_{res}_store().find_all(page=page, limit=limit, sort=sort, order=order)"
        )
        a("")
        a("    def at(p: int) -> str:")
        a(
            '        return request.build_absolute_uri(request.path + "?" + urlencode({"page": p, "limit": limit, "sort": sort, "order": order}))'
        )
        a("")
        a(
            '    links = {"self": at(page), "next": at(page + 1) if page * limit < total else None, "prev": at(page - 1) if page > 1 else None}'
        )
        a(
            f'    return JsonResponse({{"data": [{one}_public(row) for row in rows], "meta": {{"page": page, "limit": limit, "total": total}}, "links": links}})'
        )
    if "get" in ops:
        a("")
        a("")
        a(f"def get_{one}(request: HttpRequest, id) -> JsonResponse:")
        a(f"    row = get_{res}_store().find_by_id(id)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a(f'    return JsonResponse({{"data": {one}_public(row)}})')
    for op in ("create", "replace", "update"):
        if op not in ops:
            continue
        a("")
        a("")
        a(
            f"def {op}_{one}(request: HttpRequest{'' if op == 'create' else ', id'}) -> JsonResponse:"
        )
        a(f'    values, details = validate_{one}(_json_body(request), "{op}")')
        a("    if details:")
        a(
            f'        return {one}_error(422, "VALIDATION_ERROR", "the request body is not valid", details)'
        )
        if op == "create":
            L.extend(py_hash_password_lines(r))
            a(f"    row = get_{res}_store().create(**values)")
            a(f'    response = JsonResponse({{"data": {one}_public(row)}}, status=201)')
            a(
                f'    response["Location"] = request.build_absolute_uri(f"{{request.path.rstrip(\'/\')}}/{{row[{r.id.name!r}]}}/")'
            )
            a("    return response")
        else:
            L.extend(py_hash_password_lines(r))
            a(f"    row = get_{res}_store().update(id, **values)")
            a("    if row is None:")
            a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
            a(f'    return JsonResponse({{"data": {one}_public(row)}})')
    if "delete" in ops:
        a("")
        a("")
        a(f"def delete_{one}(request: HttpRequest, id) -> HttpResponse:")
        a(f"    if not get_{res}_store().delete(id):")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a("    return HttpResponse(status=204)")
    dispatch = {
        "GET": None,
        "POST": f"create_{one}(request)",
        "PUT": f"replace_{one}(request, id)",
        "PATCH": f"update_{one}(request, id)",
        "DELETE": f"delete_{one}(request, id)",
    }
    for kind, methods, sig in (
        ("collection", coll_methods, "request: HttpRequest"),
        ("item", item_methods, "request: HttpRequest, id"),
    ):
        if not methods:
            continue
        name = f"{res}_collection" if kind == "collection" else f"{one}_item"
        a("")
        a("")
        a("@csrf_exempt")
        a(f"def {name}({sig}) -> HttpResponse:")
        a(f'    """{" | ".join(methods)} {base}/{"" if kind == "collection" else "<id>/"}"""')
        for m in methods:
            call = (
                (f"list_{res}(request)" if kind == "collection" else f"get_{one}(request, id)")
                if m == "GET"
                else dispatch[m]
            )
            a(f'    if request.method == "{m}":')
            a(f"        return {call}")
        a(
            f'    return {one}_error(405, "METHOD_NOT_ALLOWED", f"{{request.method}} is not allowed here")'
        )
    seg = base.strip("/")
    a("")
    a("")
    a(
        f'# include() this module from the project\'s urls.py: path("", include("<package>.{res}_views"))'
    )
    a("urlpatterns = [")
    if coll_methods:
        a(f'    path("{seg}/", {res}_collection, name="{res}"),')
    if item_methods:
        a(f'    path("{seg}/<{conv}:id>/", {one}_item, name="{one}"),')
    a("]")
    return "\n".join(imports), "\n".join(L) + "\n"


def _django_package(root: str) -> str:
    """The folder (relative to root) of the project's package: where settings.py or urls.py lives."""
    for name in ("settings.py", "urls.py"):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(
                d
                for d in dirnames
                if not d.startswith(".")
                and d not in ("node_modules", "venv", ".venv", "__pycache__")
            )
            if name in filenames and "__init__.py" in filenames:
                return os.path.relpath(dirpath, root)
    return "."


FRAMEWORK = Django()
