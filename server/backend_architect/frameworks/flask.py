"""Flask: ``@app.route`` / ``@bp.post`` decorators, class views, flask-limiter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..core.findings import Edit
from ..lang import indent_at, line_end
from ..core import languages
from ..lang import text
from .kit.python_app import install_middleware, jwt_auth
from ..lang import python as pylang
from .kit.python_validation import (
    collect_fields,
    free_name,
    one_kind,
    prologue,
    py_model_name,
    pydantic_class,
    raw_reads,
)
from .kit.schemas import unique_name
from .kit.endpoint_code import (
    py_fields_table,
    py_hash_password_lines,
    py_password,
    py_public,
    append_python,
    py_validator,
)
from ..lang import naming
from .base import Framework
from .kit.python_app import python_setup
from .kit.python_views import may_declare_python_routes, python_routes
from ..core.lazy_re import lazy

_IMPORT = lazy(rb"^\s*(from|import)\s+flask\w*\b", re.M)

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


class Flask(Framework):
    name = "flask"
    title = "Flask"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a marshmallow/Pydantic schema"
    limiter = "flask-limiter"
    app_creation = lazy(r"^([ \t]*)(\w+)\s*=\s*(?:flask\.)?Flask\(", re.M)

    middleware_filename = "middleware.py"

    def request_parameters(self, h, data):
        decl = text(h.decl, data) if h.decl is not None else ""
        return {
            p: f"path parameter {p}"
            for p in h.route.path_params
            if not re.search(rf"<(?:int|float|uuid):{re.escape(p)}>", decl)
        }

    def detects(self, head):
        # the pattern needs the module's name: looked for first (most files do not name it)
        return b"flask" in head and bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)

    def may_declare_routes(self, data):
        return may_declare_python_routes(data)

    def rate_limit_fix(self, a, h, data):
        dec_end = line_end(data, h.decl.end_byte)
        indent = indent_at(data, h.decl.start_byte)
        edits = [Edit(dec_end, dec_end, f'\n{indent}@limiter.limit("5 per minute")')]
        imports = []
        if not re.search(rb"^\s*limiter\s*=", data, re.M):
            imports += [
                "from flask_limiter import Limiter",
                "from flask_limiter.util import get_remote_address",
            ]
        app = re.search(rb"^(\w+)\s*=\s*Flask\(", data, re.M)
        define = "limiter = Limiter(get_remote_address)" if app is None else None
        edits += python_setup(
            a,
            data,
            imports,
            define,
            r"^(\w+)\s*=\s*Flask\(",
            "limiter = Limiter(get_remote_address, app={app})",
        )
        return edits, self.limiter

    def created_status_edits(self, h, data):
        body = h.node.child_by_field_name("body")
        edits = []
        for r in languages.captures("python", "(return_statement) @r", body).get("r", []):
            v = r.named_children[0] if r.named_children else None
            if v is None:
                continue
            if v.type in ("expression_list", "tuple") and len(v.named_children) >= 2:
                code = v.named_children[1]
                if text(code, data) in ("200", "HTTPStatus.OK"):
                    edits.append(Edit(code.start_byte, code.end_byte, "201"))
                continue
            edits.append(Edit(v.end_byte, v.end_byte, ", 201"))
        return edits

    def middleware(self, doc, app, after, indent, path):
        return install_middleware(self, doc, app, after, indent, path)

    def auth_system(self, doc):
        return jwt_auth(self, '@login_required() / @login_required("admin")')

    def validation_fix(self, a, h, kind, data):
        return self._request_fix(a, h, raw_reads(h), data)

    def _request_fix(self, a, h, raw, data):
        """Validate with a Pydantic model at the top of a Flask view; reads become ``body.<field>``."""
        from ..project.dependencies import pydantic_major

        req = h.route.request_names[0] if h.route.request_names else "request"
        kind, attrs = one_kind(raw, data)
        if kind == "body" and attrs <= {"json", "get_json", "data"}:
            source = (
                f"{req}.get_json(force=True, silent=True) or {{}}"
                if "data" in attrs
                else f"{req}.get_json(silent=True) or {{}}"
            )
        elif kind == "query" and attrs <= {"args", "values"}:
            source = f"{req}.values.to_dict()" if "values" in attrs else f"{req}.args.to_dict()"
        elif kind == "form" and attrs == {"form"}:
            source = f"{req}.form.to_dict()"
        else:
            return None  # several sources, request.files, ...: not one Pydantic model
        var = free_name(
            h,
            {
                "body": ("body", "payload"),
                "query": ("query", "params"),
                "form": ("form", "form_data"),
            }[kind],
            data,
        )
        collected = collect_fields(h, raw, data, lambda f: f"{var}.{f}")
        if var is None or collected is None:
            return None
        fields, edits, types = collected
        model = unique_name(
            py_model_name(h, {"body": "Body", "query": "Query", "form": "Form"}[kind]), data
        )
        edits.append(
            prologue(
                h,
                data,
                [
                    "try:",
                    f"    {var} = {model}.{'parse_obj' if pydantic_major(a.path) == 1 else 'model_validate'}({source})",
                    "except ValidationError as e:",
                    '    return jsonify({"error": {"code": "VALIDATION_ERROR", "message": "invalid request", "details": ['
                    '{"field": ".".join(map(str, err["loc"])), "message": err["msg"]} for err in e.errors()]}}), 422',
                ],
            )
        )
        edits += pydantic_class(a, h, model, fields, data, types, imports=False)
        for imp in (
            pylang.import_names(data, a.tree, "pydantic", ["BaseModel", "ValidationError"]),
            pylang.import_names(data, a.tree, "flask", ["jsonify"]),
        ):
            if imp is not None:
                edits.append(imp)
        return edits, f"generate Pydantic model {model} from the fields the handler reads"

    def endpoint_file(self, table, ops, base, language, package):
        imports, body = endpoint_code(table, ops, base)
        return f'"""HTTP endpoints for {table.name}."""\n\nfrom __future__ import annotations\n\n{imports}\n\n{body}'

    def endpoint_append(self, doc, table, ops, base, router_var):
        return append_python(endpoint_code, doc, table, ops, base, router_var or "app")

    def endpoint_location(self, root, stem, camel, language):
        return "routes", f"{stem}.py"


def endpoint_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    from ..resources import from_table

    res = naming.snake(t.name)
    one = naming.snake(naming.singular(t.name))
    r = from_table(t)
    idc = r.id
    conv = "int:" if idc.py_type == "int" else ""
    standalone = router_var is None
    rv = router_var or f"{res}_bp"
    prefix = "" if standalone else base
    imports = [
        *(["import hashlib", "import os"] if r.password_hash is not None else []),
        "from typing import Any",
        "",
        "from flask import Blueprint, jsonify, request, url_for",
    ]
    L: list[str] = []
    a = L.append
    if standalone:
        a(f'{rv} = Blueprint("{res}", __name__, url_prefix="{base}")')
        a("")
    a(f"{one.upper()}_SORTABLE = {tuple(f.name for f in r.output_fields)!r}")
    L.extend(py_fields_table(r, one.upper()))
    a("")
    a("")
    a(f"def {one}_error(status: int, code: str, message: str, details: list | None = None):")
    a(
        '    return jsonify({"error": {"code": code, "message": message, "details": details or []}}), status'
    )
    a("")
    a("")
    L += py_validator(one, one.upper(), ("password",) if r.password_hash is not None else ())
    a("")
    a("")
    L.extend(py_public(one, one.upper()))
    a("")
    a("")
    L.extend(py_password(r))
    a(f"def get_{res}_store():")
    a(
        f'    """Wire the {t.name} repository here (find_by_id, find_all, create, update, delete)."""'
    )
    a(f'    raise NotImplementedError("get_{res}_store is not wired to a {t.name} repository yet")')
    item = f"{prefix}/<{conv}id>"
    if "list" in ops:
        a("")
        a("")
        a(f'@{rv}.get("{prefix}")')
        a(f"def list_{res}():")
        a("    try:")
        a('        page = max(1, int(request.args.get("page", 1)))')
        a('        limit = min(100, max(1, int(request.args.get("limit", 20))))')
        a("    except ValueError:")
        a(f'        return {one}_error(400, "VALIDATION_ERROR", "page and limit must be integers")')
        a(f'    sort = request.args.get("sort", {idc.name!r})')
        a('    order = request.args.get("order", "asc")')
        a(f'    if sort not in {one.upper()}_SORTABLE or order not in ("asc", "desc"):')
        a(
            f'        return {one}_error(400, "VALIDATION_ERROR", "invalid sort or order", [{{"field": "sort", "message": f"one of {{{one.upper()}_SORTABLE}}"}}])'
        )
        a(
            f"    rows, total = get_{res}_store().find_all(page=page, limit=limit, sort=sort, order=order)"
        )
        a("")
        a("    def at(p: int) -> str:")
        a(
            "        return url_for(request.endpoint, page=p, limit=limit, sort=sort, order=order, _external=True)"
        )
        a("")
        a(
            '    links = {"self": at(page), "next": at(page + 1) if page * limit < total else None, "prev": at(page - 1) if page > 1 else None}'
        )
        a(
            f'    return jsonify({{"data": [{one}_public(row) for row in rows], "meta": {{"page": page, "limit": limit, "total": total}}, "links": links}})'
        )
    if "get" in ops:
        a("")
        a("")
        a(f'@{rv}.get("{item}")')
        a(f"def get_{one}(id):")
        a(f"    row = get_{res}_store().find_by_id(id)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a(f'    return jsonify({{"data": {one}_public(row)}})')
    for op, method in (("create", "post"), ("replace", "put"), ("update", "patch")):
        if op not in ops:
            continue
        a("")
        a("")
        a(f'@{rv}.{method}("{item if op != "create" else prefix}")')
        a(f"def {op}_{one}({'' if op == 'create' else 'id'}):")
        a(f'    values, details = validate_{one}(request.get_json(silent=True), "{op}")')
        a("    if details:")
        a(
            f'        return {one}_error(422, "VALIDATION_ERROR", "the request body is not valid", details)'
        )
        if op == "create":
            L.extend(py_hash_password_lines(r))
            a(f"    row = get_{res}_store().create(**values)")
            a(f"    location = f\"{{request.path.rstrip('/')}}/{{row[{r.id.name!r}]}}\"")
            a(f'    return jsonify({{"data": {one}_public(row)}}), 201, {{"Location": location}}')
        else:
            L.extend(py_hash_password_lines(r))
            a(f"    row = get_{res}_store().update(id, **values)")
            a("    if row is None:")
            a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
            a(f'    return jsonify({{"data": {one}_public(row)}})')
    if "delete" in ops:
        a("")
        a("")
        a(f'@{rv}.delete("{item}")')
        a(f"def delete_{one}(id):")
        a(f"    if not get_{res}_store().delete(id):")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a('    return "", 204')
    return "\n".join(imports), "\n".join(L) + "\n"


FRAMEWORK = Flask()
