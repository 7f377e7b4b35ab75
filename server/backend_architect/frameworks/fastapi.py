"""FastAPI: ``@router.get(path)`` decorators, ``Depends`` guards, Pydantic models."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import indent_at, line_end, named_args
from ..lang import text
from .kit.python_app import install_middleware, jwt_auth
from .kit.python_validation import pydantic_class, raw_reads
from .kit.schemas import model_name, unique_name
from .base import Framework
from .kit.python_app import python_setup
from .kit.python_views import python_routes

_IMPORT = re.compile(rb"^\s*(from|import)\s+fastapi\b", re.M)


class FastAPI(Framework):
    name = "fastapi"
    title = "FastAPI"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a Pydantic model"
    limiter = "slowapi"
    app_creation = re.compile(r"^([ \t]*)(\w+)\s*=\s*(?:fastapi\.)?FastAPI\(", re.M)

    middleware_filename = "middleware.py"

    typed_body_params = True

    def detects(self, head):
        return bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)

    def rate_limit_fix(self, a, h, data):
        edits = []
        fn = h.node
        dec_end = line_end(data, h.decl.end_byte)
        indent = indent_at(data, h.decl.start_byte)
        edits.append(Edit(dec_end, dec_end, f'\n{indent}@limiter.limit("5/minute")'))
        params = fn.child_by_field_name("parameters")
        if not h.route.request_names:
            edits.append(
                Edit(
                    params.start_byte + 1,
                    params.start_byte + 1,
                    "request: Request" + (", " if named_args(params) else ""),
                )
            )
        imports = []
        if not re.search(rb"^\s*limiter\s*=", data, re.M):
            imports += [
                "from slowapi import Limiter, _rate_limit_exceeded_handler",
                "from slowapi.errors import RateLimitExceeded",
                "from slowapi.util import get_remote_address",
            ]
        if not h.route.request_names and not re.search(
            rb"from fastapi import[^\n]*\bRequest\b", data
        ):
            line = re.search(rb"^from fastapi import ([^\n(]+)$", data, re.M)
            if line:
                edits.append(Edit(line.end(), line.end(), ", Request"))
            else:
                imports.append("from fastapi import Request")
        edits += python_setup(
            a,
            data,
            imports,
            "limiter = Limiter(key_func=get_remote_address)",
            r"^(\w+)\s*=\s*FastAPI\(",
            "{app}.state.limiter = limiter\n{app}.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)",
        )
        return edits, self.limiter

    def created_status_edits(self, h, data):
        body = h.node.child_by_field_name("body")
        btext = data[body.start_byte : body.end_byte] if body is not None else b""
        edits = []
        call = h.decl.named_children[0]
        args = call.child_by_field_name("arguments")
        for kw in named_args(args):
            if (
                kw.type == "keyword_argument"
                and text(kw.child_by_field_name("name"), data) == "status_code"
            ):
                v = kw.child_by_field_name("value")
                return [Edit(v.start_byte, v.end_byte, "201")]
        first = named_args(args)[0]
        edits.append(Edit(first.end_byte, first.end_byte, ", status_code=201"))
        for m in re.finditer(rb"status_code\s*=\s*(200|status\.HTTP_200_OK)", btext):
            edits.append(Edit(body.start_byte + m.start(1), body.start_byte + m.end(1), "201"))
        return edits

    def middleware(self, doc, app, after, indent, path):
        return install_middleware(self, doc, app, after, indent, path)

    def auth_system(self, doc):
        return jwt_auth(self, 'Depends(current_user) / Depends(require_roles("admin"))')

    def validation_fix(self, a, h, kind, data):
        bodies = [r for r in raw_reads(h) if r[0].kind == "body"]
        if kind != "body" or len(bodies) != 1 or not bodies[0][1]:
            return None
        return self._request_fix(a, h, bodies[0], data)

    def _request_fix(self, a, h, raw, data):
        read, variable, holder, _ = raw
        fields = [(f[1], f[2], f[3], f[4]) for f in h.extra.get("fields", []) if f[0] is read]
        if not fields:
            return None
        model = unique_name(model_name(h, "Body"), data)
        params = h.node.child_by_field_name("parameters")
        param_name = (
            "body"
            if not re.search(rb"\bbody\b", data[h.node.start_byte : h.node.end_byte])
            else "payload"
        )
        existing = named_args(params)
        insert = f"{param_name}: {model}" + (", " if existing else "")
        edits = [
            Edit(params.start_byte + 1, params.start_byte + 1, insert),
            Edit(holder.start_byte, holder.end_byte, f"{param_name}.model_dump()"),
        ]
        edits += pydantic_class(a, h, model, fields, data)
        return edits, f"generate Pydantic model {model} from the fields the handler reads"

    def body_param_fix(self, a, h, p, ptype, pname, fields, data):
        if not fields:
            return None
        body = h.node.child_by_field_name("body")
        uses = [
            m.start()
            for m in re.finditer(
                rb"\b" + re.escape(pname.encode()) + rb"\b", data[body.start_byte : body.end_byte]
            )
        ]
        if len(uses) != len(fields):
            return None  # the dict is also used as a whole: rewriting accesses would not be enough
        model = unique_name(model_name(h, "Body"), data)
        edits = [Edit(ptype.start_byte, ptype.end_byte, model)]
        for fname, s, e, optional in fields:
            edits.append(Edit(s, e, f"{pname}.{fname}"))
        edits += pydantic_class(a, h, model, fields, data)
        return edits, f"generate Pydantic model {model} from the fields the handler reads"


FRAMEWORK = FastAPI()
