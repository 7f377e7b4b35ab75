"""FastAPI: ``@router.get(path)`` decorators, ``Depends`` guards, Pydantic models."""

from __future__ import annotations

from typing import TYPE_CHECKING

import re

from ..core.findings import Edit
from ..lang import indent_at, line_end, named_args
from ..lang import text
from .kit.python_app import install_middleware, jwt_auth
from .kit.python_validation import pydantic_class, raw_reads
from .kit.schemas import model_name, unique_name
from .kit.endpoint_code import (
    append_python,
    max_len,
    py_annotation,
    py_hash_password_lines,
    py_output,
    py_password,
    py_public,
)
from ..lang import naming
from .base import Framework
from .kit.python_app import python_setup
from .kit.python_views import may_declare_python_routes, python_routes
from ..core.lazy_re import lazy

_IMPORT = lazy(rb"^\s*(from|import)\s+fastapi\b", re.M)

if TYPE_CHECKING:
    from ..catalog.model import Table as TableInfo


class FastAPI(Framework):
    name = "fastapi"
    title = "FastAPI"
    language = "python"
    default_language = "python"
    scaffolds = True
    validation_idiom = "a Pydantic model"
    limiter = "slowapi"
    app_creation = lazy(r"^([ \t]*)(\w+)\s*=\s*(?:fastapi\.)?FastAPI\(", re.M)

    middleware_filename = "middleware.py"

    typed_body_params = True

    native_error_shape = '`{"detail"}`'

    def serves_json(self, h, data):
        r = h.route
        return not re.search(
            r"HTMLResponse|@Render\(",
            data[r.decl_start : r.decl_end].decode("utf-8", "replace") + text(h.node, data),
        )

    def request_parameters(self, h, data):
        node = h.node
        return {
            read.name: f"{read.kind} parameter {read.name}"
            for read in h.route.reads
            if read.name and node is not None and node.start_byte <= read.start < node.end_byte
        }

    def detects(self, head):
        # the pattern needs the module's name: looked for first (most files do not name it)
        return b"fastapi" in head and bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return python_routes(document, tree, data, self.name)

    def may_declare_routes(self, data):
        return may_declare_python_routes(data)

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
            Edit(holder.start_byte, holder.end_byte, f"{param_name}.{_dump(a)}()"),
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
        for fname, s, e, _optional in fields:
            edits.append(Edit(s, e, f"{pname}.{fname}"))
        edits += pydantic_class(a, h, model, fields, data)
        return edits, f"generate Pydantic model {model} from the fields the handler reads"

    def endpoint_file(self, table, ops, base, language, package):
        imports, body = endpoint_code(table, ops, base)
        return f'"""HTTP endpoints for {table.name}."""\n\nfrom __future__ import annotations\n\n{imports}\n\n{body}'

    def endpoint_append(self, doc, table, ops, base, router_var):
        return append_python(endpoint_code, doc, table, ops, base, router_var or "router")

    def endpoint_location(self, root, stem, camel, language):
        return "routes", f"{stem}.py"


def _dump(a) -> str:
    """The method giving a model's fields as a dict in the project's pydantic major."""
    from ..project.dependencies import pydantic_major

    return "dict" if pydantic_major(a.path) == 1 else "model_dump"


def _py_field(f, partial: bool, replace: bool = False) -> str:
    ptype = py_annotation(f)
    ml = max_len(f.sql_type)
    extra = f", max_length={ml}" if ml else ""
    name = naming.py_param(f.name)
    if replace:  # PUT: every field is sent (a nullable one may be null)
        none = " | None" if f.nullable else ""
        return f"    {name}: {ptype}{none} = Field(...{extra})"
    if partial:
        return f"    {name}: {ptype} | None = Field(default=None{extra})"
    if f.required:
        return f"    {name}: {ptype}" + (f" = Field({extra[2:]})" if extra else "")
    if f.nullable:
        return f"    {name}: {ptype} | None = Field(default=None{extra})"
    # NOT NULL with a database default: optional, but never null; left out, the
    # database's default applies (only the fields sent are written)
    lit = None if f.json else naming.py_literal(f.default)
    if lit is not None:
        return f"    {name}: {ptype} = Field(default={lit}{extra})"
    return f"    {name}: {ptype} = Field(default=None{extra})  # type: ignore[assignment]"


def _optional_password(v1: bool) -> list[str]:
    """A write-only ``password`` that may be left out (the stored hash is kept) but is never
    null: a null is a 422, as a missing hash would be. Pydantic 2 does not validate the default;
    pydantic 1 makes a None default optional, so a ``pre`` validator refuses a sent null."""
    lines = [
        "    password: str = Field(default=None, min_length=8, max_length=256)  # type: ignore[assignment]"
    ]
    if v1:
        lines += [
            "",
            '    @validator("password", pre=True)',
            "    def _password_not_null(cls, value: Any) -> Any:",
            "        if value is None:",
            '            raise ValueError("must not be null")',
            "        return value",
        ]
    return lines


def endpoint_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    """(imports, body). ``router_var`` set: append to an existing router/app with full paths."""
    from ..resources import from_table, python_store_methods

    r = from_table(t)
    deps = getattr(t, "dependencies", None)
    v1 = deps is not None and deps.pydantic_major() == 1  # the project pins pydantic 1
    forbid = (
        '    class Config:\n        extra = "forbid"'
        if v1
        else '    model_config = ConfigDict(extra="forbid")'
    )
    dump = "dict" if v1 else "model_dump"
    ent = naming.pascal(naming.singular(t.name))
    res = naming.snake(t.name)
    one = naming.snake(naming.singular(t.name))
    up = one.upper()
    idc = r.id
    idt = idc.py_type
    fields = r.input_fields
    standalone = router_var is None
    rv = router_var or "router"
    prefix = "" if standalone else base
    sortable = ", ".join(repr(f.name) for f in r.output_fields)
    pw = r.password_hash is not None  # the PATCH model takes an optional, never-null password
    imports = [
        *(["import hashlib", "import os"] if r.password_hash is not None else []),
        "from datetime import date, datetime  # noqa: F401",
        "from typing import Any, Literal, Protocol",
        "",
        "from fastapi import APIRouter, Depends, Query, Request, Response",
        "from fastapi.responses import JSONResponse",
        (
            "from pydantic import BaseModel, Field, validator"
            if pw
            else "from pydantic import BaseModel, Field"
        )
        if v1
        else "from pydantic import BaseModel, ConfigDict, Field",
    ]
    L: list[str] = []
    a = L.append
    if standalone:
        a(f'router = APIRouter(prefix="{base}", tags=["{res}"])')
        a("")
    L.extend(py_output(r, up))
    a("")
    a("")
    a(f"class {ent}Create(BaseModel):")
    a(f'    """Body of POST {base}."""')
    a("")
    a(forbid)
    a("")
    for f in fields:
        a(_py_field(f, False))
    if r.password_hash is not None:  # write-only: stored as its hash, never returned
        if r.password_hash.required:
            a("    password: str = Field(min_length=8, max_length=256)")
        else:
            L.extend(_optional_password(v1))
    if "replace" in ops:
        a("")
        a("")
        a(f"class {ent}Replace(BaseModel):")
        a(f'    """Body of PUT {base}/{{id}}: a full replacement, every field is sent."""')
        a("")
        a(forbid)
        a("")
        for f in fields:
            a(_py_field(f, False, replace=True))
        if r.password_hash is not None:  # write-only: not part of what is replaced
            L.extend(_optional_password(v1))
    a("")
    a("")
    a(f"class {ent}Update(BaseModel):")
    a(f'    """Body of PATCH {base}/{{id}}: only the fields sent change."""')
    a("")
    a(forbid)
    a("")
    for f in fields:
        a(_py_field(f, True))
    if r.password_hash is not None:
        L.extend(_optional_password(v1))
    a("")
    a("")
    a(f"class {ent}Store(Protocol):")
    a(f'    """What these endpoints need from the {t.name} repository (its exact signatures)."""')
    a("")
    for sig in python_store_methods(r).values():
        a(f"    {sig}: ...")
    a("")
    a("")
    a(f"def get_{res}_store() -> {ent}Store:")
    a(f'    """Wire the {t.name} repository here (or with app.dependency_overrides)."""')
    a(f'    raise NotImplementedError("get_{res}_store is not wired to a {t.name} repository yet")')
    a("")
    a("")
    L.extend(py_public(one, up))
    a("")
    a("")
    L.extend(py_password(r))
    a(
        f"def {one}_error(status_code: int, code: str, message: str, details: list | None = None) -> JSONResponse:"
    )
    a(
        '    return JSONResponse(status_code=status_code, content={"error": {"code": code, "message": message, "details": details or []}})'
    )
    a("")
    a("")
    a(
        f"def {one}_links(request: Request, page: int, limit: int, total: int) -> dict[str, str | None]:"
    )
    a("    def at(p: int) -> str:")
    a("        return str(request.url.include_query_params(page=p, limit=limit))")
    a("")
    a(
        '    return {"self": at(page), "next": at(page + 1) if page * limit < total else None, "prev": at(page - 1) if page > 1 else None}'
    )
    store = f"store: {ent}Store = Depends(get_{res}_store)"
    if "list" in ops:
        a("")
        a("")
        a(f'@{rv}.get("{prefix}")')
        a(f"def list_{res}(")
        a("    request: Request,")
        a("    page: int = Query(1, ge=1),")
        a("    limit: int = Query(20, ge=1, le=100),")
        a(f"    sort: Literal[{sortable}] = {idc.name!r},")
        a('    order: Literal["asc", "desc"] = "asc",')
        a(f"    {store},")
        a(") -> dict[str, Any]:")
        a("    rows, total = store.find_all(page=page, limit=limit, sort=sort, order=order)")
        a(
            f'    return {{"data": [{one}_public(row) for row in rows], "meta": {{"page": page, "limit": limit, "total": total}}, "links": {one}_links(request, page, limit, total)}}'
        )
    if "get" in ops:
        a("")
        a("")
        a(f'@{rv}.get("{prefix}/{{id}}")')
        a(f"def get_{one}(id: {idt}, {store}) -> Any:")
        a("    row = store.find_by_id(id)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a(f'    return {{"data": {one}_public(row)}}')
    if "create" in ops:
        a("")
        a("")
        a(f'@{rv}.post("{prefix}", status_code=201)')
        a(
            f"def create_{one}(request: Request, response: Response, body: {ent}Create, {store}) -> dict[str, Any]:"
        )
        a(f"    values = body.{dump}(exclude_unset=True)")
        L.extend(py_hash_password_lines(r))
        a("    row = store.create(**values)")
        a(
            f'    response.headers["Location"] = f"{{request.url.path.rstrip(\'/\')}}/{{row[{idc.name!r}]}}"'
        )
        a(f'    return {{"data": {one}_public(row)}}')
    if "replace" in ops:
        a("")
        a("")
        a(f'@{rv}.put("{prefix}/{{id}}")')
        a(f"def replace_{one}(id: {idt}, body: {ent}Replace, {store}) -> Any:")
        a(f"    values = body.{dump}(exclude_unset=True)")
        L.extend(py_hash_password_lines(r))
        a("    row = store.update(id, **values)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a(f'    return {{"data": {one}_public(row)}}')
    if "update" in ops:
        a("")
        a("")
        a(f'@{rv}.patch("{prefix}/{{id}}")')
        a(f"def update_{one}(id: {idt}, body: {ent}Update, {store}) -> Any:")
        a(f"    values = body.{dump}(exclude_unset=True)")
        L.extend(py_hash_password_lines(r))
        a("    row = store.update(id, **values)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a(f'    return {{"data": {one}_public(row)}}')
    if "delete" in ops:
        a("")
        a("")
        a(f'@{rv}.delete("{prefix}/{{id}}", status_code=204, response_class=Response)')
        a(f"def delete_{one}(id: {idt}, {store}) -> Response:")
        a("    if not store.delete(id):")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a("    return Response(status_code=204)")
    return "\n".join(imports), "\n".join(L) + "\n"


FRAMEWORK = FastAPI()
