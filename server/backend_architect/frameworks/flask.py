"""Flask: ``@app.route`` / ``@bp.post`` decorators, class views, flask-limiter."""

from __future__ import annotations

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
from .base import Framework
from .kit.python_app import python_setup
from .kit.python_views import python_routes

_IMPORT = re.compile(rb"^\s*(from|import)\s+flask\w*\b", re.M)


class Flask(Framework):
    name = "flask"
    title = "Flask"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a marshmallow/Pydantic schema"
    limiter = "flask-limiter"
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*=\s*(?:flask\.)?Flask\(", re.M)

    middleware_filename = "middleware.py"

    def detects(self, head):
        return bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)

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
                    f"    {var} = {model}.model_validate({source})",
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


FRAMEWORK = Flask()
