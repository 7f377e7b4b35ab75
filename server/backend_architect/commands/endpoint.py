"""ENDPOINT: the missing CRUD endpoints of a resource in the framework in use.

REST paths (``/users``, ``/users/{id}``), list parameters (page, limit, sort,
order), the success envelope ``{data, meta: {page, limit, total}, links: {self,
next, prev}}``, the error body ``{error: {code, message, details}}``, validated
input, 201 on create and 204 on delete. The handlers call a repository (see
REPOSITORY); they hold no SQL.
"""

from __future__ import annotations

import os
import re

from .. import frameworks
from . import naming
from .base import (
    CommandError,
    FileChange,
    Target,
    handler,
    result,
    send_edit,
    show,
    to_json,
    unique_path,
    workspace_edit,
)
from .frameworks import framework_of, routes_of, workspace_framework
from .tables import TableInfo, all_tables, resolve_table

OPERATIONS = ("list", "get", "create", "replace", "update", "delete")
OP_ROUTES = {  # operation -> (method, item path?)
    "list": ("GET", False),
    "get": ("GET", True),
    "create": ("POST", False),
    "replace": ("PUT", True),
    "update": ("PATCH", True),
    "delete": ("DELETE", True),
}


# -- shared helpers ------------------------------------------------------------------------------


def _max_len(sql_type: str) -> int | None:
    m = re.search(r"\((\d+)\)", sql_type)
    return (
        int(m.group(1))
        if m and naming.base_type(sql_type) in ("varchar", "char", "character varying")
        else None
    )


def _py_field(c, partial: bool) -> str:
    ptype = naming.py_type(c.type)
    ml = _max_len(c.type)
    extra = f", max_length={ml}" if ml else ""
    if partial:
        return f"    {naming.py_param(c.name)}: {ptype} | None = Field(default=None{extra})"
    if c.required:
        return f"    {naming.py_param(c.name)}: {ptype}" + (
            f" = Field({extra[2:]})" if extra else ""
        )
    lit = naming.py_literal(c.default)
    opt = "" if (lit is not None and not c.nullable) else " | None"
    return f"    {naming.py_param(c.name)}: {ptype}{opt} = Field(default={lit if lit is not None else 'None'}{extra})"


# -- FastAPI -----------------------------------------------------------------------------------------


def fastapi_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    """(imports, body). ``router_var`` set: append to an existing router/app with full paths."""
    ent = naming.pascal(naming.singular(t.name))
    res = naming.snake(t.name)
    one = naming.snake(naming.singular(t.name))
    idc = t.id_column
    idt = naming.py_type(idc.type)
    writable = t.writable
    standalone = router_var is None
    rv = router_var or "router"
    prefix = "" if standalone else base
    sortable = ", ".join(repr(c.name) for c in t.columns)
    imports = [
        "from datetime import date, datetime  # noqa: F401",
        "from typing import Any, Literal, Protocol",
        "",
        "from fastapi import APIRouter, Depends, Query, Request, Response",
        "from fastapi.responses import JSONResponse",
        "from pydantic import BaseModel, ConfigDict, Field",
    ]
    L: list[str] = []
    a = L.append
    if standalone:
        a(f'router = APIRouter(prefix="{base}", tags=["{res}"])')
        a("")
        a("")
    a(f"class {ent}Create(BaseModel):")
    a(f'    """Body of POST {base} and PUT {base}/{{id}}."""')
    a("")
    a('    model_config = ConfigDict(extra="forbid")')
    a("")
    for c in writable:
        a(_py_field(c, False))
    if not writable:
        a("    pass")
    a("")
    a("")
    a(f"class {ent}Update(BaseModel):")
    a(f'    """Body of PATCH {base}/{{id}}: only the fields sent change."""')
    a("")
    a('    model_config = ConfigDict(extra="forbid")')
    a("")
    for c in writable:
        a(_py_field(c, True))
    if not writable:
        a("    pass")
    a("")
    a("")
    a(f"class {ent}Store(Protocol):")
    a(f'    """What these endpoints need from the {t.name} repository."""')
    a("")
    a(f"    def find_by_id(self, id: {idt}) -> dict[str, Any] | None: ...")
    a(
        "    def find_all(self, page: int, limit: int, sort: str, order: str) -> tuple[list[dict[str, Any]], int]: ..."
    )
    a("    def create(self, **values: Any) -> dict[str, Any]: ...")
    a(f"    def update(self, id: {idt}, **changes: Any) -> dict[str, Any] | None: ...")
    a(f"    def delete(self, id: {idt}) -> bool: ...")
    a("")
    a("")
    a(f"def get_{res}_store() -> {ent}Store:")
    a(f'    """Wire the {t.name} repository here (or with app.dependency_overrides)."""')
    a(f'    raise NotImplementedError("get_{res}_store is not wired to a {t.name} repository yet")')
    a("")
    a("")
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
            f'    return {{"data": rows, "meta": {{"page": page, "limit": limit, "total": total}}, "links": {one}_links(request, page, limit, total)}}'
        )
    if "get" in ops:
        a("")
        a("")
        a(f'@{rv}.get("{prefix}/{{id}}")')
        a(f"def get_{one}(id: {idt}, {store}) -> Any:")
        a("    row = store.find_by_id(id)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a('    return {"data": row}')
    if "create" in ops:
        a("")
        a("")
        a(f'@{rv}.post("{prefix}", status_code=201)')
        a(f"def create_{one}(body: {ent}Create, {store}) -> dict[str, Any]:")
        a('    return {"data": store.create(**body.model_dump())}')
    if "replace" in ops:
        a("")
        a("")
        a(f'@{rv}.put("{prefix}/{{id}}")')
        a(f"def replace_{one}(id: {idt}, body: {ent}Create, {store}) -> Any:")
        a("    row = store.update(id, **body.model_dump())")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a('    return {"data": row}')
    if "update" in ops:
        a("")
        a("")
        a(f'@{rv}.patch("{prefix}/{{id}}")')
        a(f"def update_{one}(id: {idt}, body: {ent}Update, {store}) -> Any:")
        a("    row = store.update(id, **body.model_dump(exclude_unset=True))")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a('    return {"data": row}')
    if "delete" in ops:
        a("")
        a("")
        a(f'@{rv}.delete("{prefix}/{{id}}", status_code=204, response_class=Response)')
        a(f"def delete_{one}(id: {idt}, {store}) -> Response:")
        a("    if not store.delete(id):")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a("    return Response(status_code=204)")
    return "\n".join(imports), "\n".join(L) + "\n"


# -- Flask --------------------------------------------------------------------------------------------


def _py_validator(one: str, up: str) -> list[str]:
    """`validate_<one>(payload, partial)`: checks a JSON body against `<UP>_FIELDS` (the
    Flask and Django modules share it; FastAPI validates with Pydantic instead)."""
    L: list[str] = []
    a = L.append
    a(
        f"def validate_{one}(payload: Any, partial: bool) -> tuple[dict[str, Any], list[dict[str, str]]]:"
    )
    a('    """The accepted fields and a list of {field, message} problems."""')
    a("    if not isinstance(payload, dict):")
    a('        return {}, [{"field": "", "message": "expected a JSON object"}]')
    a("    details = []")
    a(f"    for name in sorted(set(payload) - set({up}_FIELDS)):")
    a('        details.append({"field": name, "message": "unknown field"})')
    a("    values = {}")
    a(f"    for name, (kind, required, nullable, max_len) in {up}_FIELDS.items():")
    a("        if name not in payload:")
    a("            if required and not partial:")
    a('                details.append({"field": name, "message": "is required"})')
    a("            continue")
    a("        value = payload[name]")
    a("        if value is None:")
    a("            if not nullable:")
    a('                details.append({"field": name, "message": "must not be null"})')
    a("                continue")
    a("        elif not isinstance(value, kind) or kind is int and isinstance(value, bool):")
    a('            details.append({"field": name, "message": "has the wrong type"})')
    a("            continue")
    a("        elif max_len is not None and len(value) > max_len:")
    a(
        '            details.append({"field": name, "message": f"is longer than {max_len} characters"})'
    )
    a("            continue")
    a("        values[name] = value")
    a("    return values, details")
    return L


def flask_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    ent = naming.pascal(naming.singular(t.name))
    res = naming.snake(t.name)
    one = naming.snake(naming.singular(t.name))
    idc = t.id_column
    conv = "int:" if naming.py_type(idc.type) == "int" else ""
    writable = t.writable
    standalone = router_var is None
    rv = router_var or f"{res}_bp"
    prefix = "" if standalone else base
    imports = [
        "from typing import Any",
        "",
        "from flask import Blueprint, jsonify, request, url_for",
    ]
    L: list[str] = []
    a = L.append
    if standalone:
        a(f'{rv} = Blueprint("{res}", __name__, url_prefix="{base}")')
        a("")
    py_checks = {"int": "int", "float": "(int, float)", "bool": "bool", "str": "str"}
    a(f"{one.upper()}_SORTABLE = {tuple(c.name for c in t.columns)!r}")
    a(f"{one.upper()}_FIELDS = {{")
    for c in writable:
        check = py_checks.get(naming.py_type(c.type), "object")
        a(
            f"    {c.name!r}: ({check}, {c.required!r}, {c.nullable!r}, {_max_len(c.type)!r}),  # type, required, nullable, max length"
        )
    a("}")
    a("")
    a("")
    a(f"def {one}_error(status: int, code: str, message: str, details: list | None = None):")
    a(
        '    return jsonify({"error": {"code": code, "message": message, "details": details or []}}), status'
    )
    a("")
    a("")
    L += _py_validator(one, one.upper())
    a("")
    a("")
    a(f"def get_{res}_store():")
    a(
        f'    """Wire the {t.name} repository here (find_by_id, find_all, create, update, delete)."""'
    )
    a(f'    raise NotImplementedError("get_{res}_store is not wired to a {t.name} repository yet")')
    item = f"{prefix}/<{conv}id>"
    if "list" in ops:
        a("")
        a("")
        a(f'@{rv}.get("{prefix or "/"}")')
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
            '    return jsonify({"data": rows, "meta": {"page": page, "limit": limit, "total": total}, "links": links})'
        )
    if "get" in ops:
        a("")
        a("")
        a(f'@{rv}.get("{item}")')
        a(f"def get_{one}(id):")
        a(f"    row = get_{res}_store().find_by_id(id)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a('    return jsonify({"data": row})')
    for op, method, partial in (
        ("create", "post", False),
        ("replace", "put", False),
        ("update", "patch", True),
    ):
        if op not in ops:
            continue
        a("")
        a("")
        a(f'@{rv}.{method}("{item if op != "create" else (prefix or "/")}")')
        a(f"def {op}_{one}({'' if op == 'create' else 'id'}):")
        a(f"    values, details = validate_{one}(request.get_json(silent=True), partial={partial})")
        a("    if details:")
        a(
            f'        return {one}_error(422, "VALIDATION_ERROR", "the request body is not valid", details)'
        )
        if op == "create":
            a(f'    return jsonify({{"data": get_{res}_store().create(**values)}}), 201')
        else:
            a(f"    row = get_{res}_store().update(id, **values)")
            a("    if row is None:")
            a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
            a('    return jsonify({"data": row})')
    if "delete" in ops:
        a("")
        a("")
        a(f'@{rv}.delete("{item}")')
        a(f"def delete_{one}(id):")
        a(f"    if not get_{res}_store().delete(id):")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a('    return "", 204')
    return "\n".join(imports), "\n".join(L) + "\n"


# -- Express -----------------------------------------------------------------------------------------


def express_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, typescript: bool = True
) -> tuple[str, str]:
    ent = naming.pascal(naming.singular(t.name))
    res = naming.camel(t.name)
    one = naming.camel(naming.singular(t.name))
    idc = t.id_column
    numeric_id = (
        naming.ts_type(idc.type) in ("number", "string") and naming.py_type(idc.type) == "int"
    )
    writable = t.writable
    standalone = router_var is None
    rv = router_var or "router"
    prefix = "" if standalone else base
    T = (lambda s: s) if typescript else (lambda s: "")
    if typescript:
        imports = 'import { Router, type Request, type Response } from "express";'
    else:
        imports = 'const { Router } = require("express");'
    L: list[str] = []
    a = L.append
    if typescript:
        a(f"export interface {ent}Store {{")
        a("  findById(id: number): Promise<Record<string, unknown> | null>;")
        a(
            '  findAll(opts: { page: number; limit: number; sort: string; order: "asc" | "desc" }): Promise<{ rows: unknown[]; total: number }>;'
        )
        a("  create(input: Record<string, unknown>): Promise<Record<string, unknown>>;")
        a(
            "  update(id: number, changes: Record<string, unknown>): Promise<Record<string, unknown> | null>;"
        )
        a("  delete(id: number): Promise<boolean>;")
        a("}")
        a("")
    js_kind = {"int": "number", "float": "number", "bool": "boolean", "str": "string"}
    a(
        f"const {one.upper()}_FIELDS{T(': Record<string, { type: string; required: boolean; nullable: boolean; maxLength?: number }>')} = {{"
    )
    for c in writable:
        ml = _max_len(c.type)
        kind = js_kind.get(naming.py_type(c.type), "object")
        a(
            f'  {c.name}: {{ type: "{kind}", required: {str(c.required).lower()}, nullable: {str(c.nullable).lower()}{f", maxLength: {ml}" if ml else ""} }},'
        )
    a("};")
    a(
        f"const {one.upper()}_SORTABLE = [{', '.join(chr(34) + c.name + chr(34) for c in t.columns)}];"
    )
    a("")
    a(
        f"function {one}Error(res{T(': Response')}, status{T(': number')}, code{T(': string')}, message{T(': string')}, details{T(': { field: string; message: string }[]')} = []) {{"
    )
    a("  return res.status(status).json({ error: { code, message, details } });")
    a("}")
    a("")
    a(f"function validate{ent}(body{T(': unknown')}, partial{T(': boolean')}) {{")
    a(f"  const details{T(': { field: string; message: string }[]')} = [];")
    a(f"  const values{T(': Record<string, unknown>')} = {{}};")
    a('  if (typeof body !== "object" || body === null || Array.isArray(body)) {')
    a('    return { values, details: [{ field: "", message: "expected a JSON object" }] };')
    a("  }")
    a(f"  const input = body{T(' as Record<string, unknown>')};")
    a("  for (const name of Object.keys(input)) {")
    a(
        f'    if (!Object.prototype.hasOwnProperty.call({one.upper()}_FIELDS, name)) details.push({{ field: name, message: "unknown field" }});'
    )
    a("  }")
    a(f"  for (const [name, rule] of Object.entries({one.upper()}_FIELDS)) {{")
    a("    if (!(name in input)) {")
    a('      if (rule.required && !partial) details.push({ field: name, message: "is required" });')
    a("      continue;")
    a("    }")
    a("    const value = input[name];")
    a("    if (value === null) {")
    a('      if (!rule.nullable) details.push({ field: name, message: "must not be null" });')
    a("      else values[name] = null;")
    a("      continue;")
    a("    }")
    a("    if (typeof value !== rule.type) {")
    a("      details.push({ field: name, message: `must be a ${rule.type}` });")
    a("      continue;")
    a("    }")
    a(
        '    if (rule.maxLength !== undefined && typeof value === "string" && value.length > rule.maxLength) {'
    )
    a(
        "      details.push({ field: name, message: `is longer than ${rule.maxLength} characters` });"
    )
    a("      continue;")
    a("    }")
    a("    values[name] = value;")
    a("  }")
    a("  return { values, details };")
    a("}")
    a("")
    a(f"function parse{ent}Id(raw{T(': string')}) {{")
    a("  const id = Number(raw);" if numeric_id else "  const id = raw;")
    a("  return Number.isInteger(id) && id > 0 ? id : null;" if numeric_id else "  return id;")
    a("}")
    a("")
    if standalone:
        a(
            f"export function {res}Router(store{T(f': {ent}Store')}){T(': Router')} {{"
            if typescript
            else f"function {res}Router(store) {{"
        )
        a(f"  const {rv} = Router();")
    else:
        a(
            f"export function mount{naming.pascal(t.name)}Routes(store{T(f': {ent}Store')}) {{"
            if typescript
            else f"function mount{naming.pascal(t.name)}Routes(store) {{"
        )
    req = T(": Request")
    rs = T(": Response")
    item = f"{prefix}/:id"
    if "list" in ops:
        a(f'  {rv}.get("{prefix or "/"}", async (req{req}, res{rs}) => {{')
        a("    const page = Number(req.query.page ?? 1);")
        a("    const limit = Number(req.query.limit ?? 20);")
        a(f'    const sort = String(req.query.sort ?? "{idc.name}");')
        a('    const order = String(req.query.order ?? "asc");')
        a(
            "    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1 || limit > 100) {"
        )
        a(
            f'      return {one}Error(res, 400, "VALIDATION_ERROR", "page must be >= 1 and limit between 1 and 100");'
        )
        a("    }")
        a(
            f'    if (!{one.upper()}_SORTABLE.includes(sort) || (order !== "asc" && order !== "desc")) {{'
        )
        a(
            f'      return {one}Error(res, 400, "VALIDATION_ERROR", "invalid sort or order", [{{ field: "sort", message: `one of ${{{one.upper()}_SORTABLE.join(", ")}}` }}]);'
        )
        a("    }")
        cast = T(' as "asc" | "desc"')
        a(
            f"    const {{ rows, total }} = await store.findAll({{ page, limit, sort, order: order{cast} }});"
        )
        a(
            f"    const at = (p{T(': number')}) => `${{req.baseUrl}}${{req.path}}?page=${{p}}&limit=${{limit}}&sort=${{sort}}&order=${{order}}`;"
        )
        a("    return res.json({")
        a("      data: rows,")
        a("      meta: { page, limit, total },")
        a(
            "      links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },"
        )
        a("    });")
        a("  });")
    if "get" in ops:
        a(f'  {rv}.get("{item}", async (req{req}, res{rs}) => {{')
        a(f"    const id = parse{ent}Id(req.params.id);")
        a("    const row = id === null ? null : await store.findById(id);")
        a(
            f'    if (row === null) return {one}Error(res, 404, "NOT_FOUND", `{one} ${{req.params.id}} not found`);'
        )
        a("    return res.json({ data: row });")
        a("  });")
    for op, method, partial in (
        ("create", "post", False),
        ("replace", "put", False),
        ("update", "patch", True),
    ):
        if op not in ops:
            continue
        a(
            f'  {rv}.{method}("{item if op != "create" else (prefix or "/")}", async (req{req}, res{rs}) => {{'
        )
        a(f"    const {{ values, details }} = validate{ent}(req.body, {str(partial).lower()});")
        a(
            f'    if (details.length > 0) return {one}Error(res, 422, "VALIDATION_ERROR", "the request body is not valid", details);'
        )
        if op == "create":
            a("    return res.status(201).json({ data: await store.create(values) });")
        else:
            a(f"    const id = parse{ent}Id(req.params.id);")
            a("    const row = id === null ? null : await store.update(id, values);")
            a(
                f'    if (row === null) return {one}Error(res, 404, "NOT_FOUND", `{one} ${{req.params.id}} not found`);'
            )
            a("    return res.json({ data: row });")
        a("  });")
    if "delete" in ops:
        a(f'  {rv}.delete("{item}", async (req{req}, res{rs}) => {{')
        a(f"    const id = parse{ent}Id(req.params.id);")
        a(
            f'    if (id === null || !(await store.delete(id))) return {one}Error(res, 404, "NOT_FOUND", `{one} ${{req.params.id}} not found`);'
        )
        a("    return res.status(204).end();")
        a("  });")
    if standalone:
        a(f"  return {rv};")
    a("}")
    if not typescript and standalone:
        a("")
        a(f"module.exports = {{ {res}Router }};")
    return imports, "\n".join(L) + "\n"


# -- Gin -------------------------------------------------------------------------------------------------


def _go_body_and_store(t: TableInfo, ent: str, base: str, tag_key: str) -> list[str]:
    """The Go request body struct (validation tags under ``tag_key``), the store interface
    and the sortable-columns map that the Gin and Echo handlers share."""
    L: list[str] = []
    a = L.append
    a(f"// {ent}Body is the validated body of POST and PUT {base}.")
    a(f"type {ent}Body struct {{")
    for c in t.writable:
        gt = (
            naming.go_type(c.type, True).lstrip("*")
            if "time.Time" not in naming.go_type(c.type, True)
            else "string"
        )
        ml = _max_len(c.type)
        tags = ["required"] if c.required else ["omitempty"]
        if ml:
            tags.append(f"max={ml}")
        ptr = "" if c.required else "*"
        a(f'\t{naming.go_field(c.name)} {ptr}{gt} `json:"{c.name}" {tag_key}:"{",".join(tags)}"`')
    a("}")
    a("")
    a(f"// {ent}Store is what these handlers need from the {t.name} repository.")
    a(f"type {ent}Store interface {{")
    a("\tFindByID(ctx context.Context, id int64) (row any, found bool, err error)")
    a(
        "\tFindAll(ctx context.Context, page, limit int, sort, order string) (rows any, total int64, err error)"
    )
    a(f"\tCreate(ctx context.Context, in {ent}Body) (any, error)")
    a(f"\tUpdate(ctx context.Context, id int64, in {ent}Body) (row any, found bool, err error)")
    a("\tDelete(ctx context.Context, id int64) (bool, error)")
    a("}")
    a("")
    a(
        f"var {naming.camel(t.name)}Sortable = map[string]bool{{{', '.join(chr(34) + c.name + chr(34) + ': true' for c in t.columns)}}}"
    )
    a("")
    return L


def gin_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, package: str = "handlers"
) -> tuple[str, str]:
    ent = naming.pascal(naming.singular(t.name))
    res = naming.pascal(t.name)
    idc = t.id_column
    writable = t.writable
    imports = '\t"context"\n\t"fmt"\n\t"net/http"\n\t"strconv"\n\n\t"github.com/gin-gonic/gin"'
    L: list[str] = []
    a = L.append
    L += _go_body_and_store(t, ent, base, "binding")
    a(
        f"func {naming.camel(ent)}Error(c *gin.Context, status int, code, message string, details []gin.H) {{"
    )
    a("\tif details == nil {")
    a("\t\tdetails = []gin.H{}")
    a("\t}")
    a(
        '\tc.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": message, "details": details}})'
    )
    a("}")
    a("")
    a(f"func {naming.camel(ent)}ID(c *gin.Context) (int64, bool) {{")
    a('\tid, err := strconv.ParseInt(c.Param("id"), 10, 64)')
    a("\tif err != nil || id < 1 {")
    a(
        f'\t\t{naming.camel(ent)}Error(c, http.StatusBadRequest, "VALIDATION_ERROR", "id must be a positive integer", []gin.H{{{{"field": "id", "message": "not a positive integer"}}}})'
    )
    a("\t\treturn 0, false")
    a("\t}")
    a("\treturn id, true")
    a("}")
    a("")
    err = f"{naming.camel(ent)}Error"
    a(f"// Register{res}Routes mounts the {t.name} endpoints on r.")
    a(f"func Register{res}Routes(r gin.IRouter, store {ent}Store) {{")
    a(f'\tg := r.Group("{base}")')
    if "list" in ops:
        a('\tg.GET("", func(c *gin.Context) {')
        a('\t\tpage, err1 := strconv.Atoi(c.DefaultQuery("page", "1"))')
        a('\t\tlimit, err2 := strconv.Atoi(c.DefaultQuery("limit", "20"))')
        a(f'\t\tsort := c.DefaultQuery("sort", "{idc.name}")')
        a('\t\torder := c.DefaultQuery("order", "asc")')
        a(
            f'\t\tif err1 != nil || err2 != nil || page < 1 || limit < 1 || limit > 100 || !{naming.camel(t.name)}Sortable[sort] || (order != "asc" && order != "desc") {{'
        )
        a(
            f'\t\t\t{err}(c, http.StatusBadRequest, "VALIDATION_ERROR", "page >= 1, limit 1..100, a sortable column and asc|desc expected", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\trows, total, err := store.FindAll(c.Request.Context(), page, limit, sort, order)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not list {t.name}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a(
            '\t\tat := func(p int) string { return fmt.Sprintf("%s?page=%d&limit=%d&sort=%s&order=%s", c.Request.URL.Path, p, limit, sort, order) }'
        )
        a("\t\tvar next, prev any")
        a("\t\tif int64(page*limit) < total {")
        a("\t\t\tnext = at(page + 1)")
        a("\t\t}")
        a("\t\tif page > 1 {")
        a("\t\t\tprev = at(page - 1)")
        a("\t\t}")
        a(
            '\t\tc.JSON(http.StatusOK, gin.H{"data": rows, "meta": gin.H{"page": page, "limit": limit, "total": total}, "links": gin.H{"self": at(page), "next": next, "prev": prev}})'
        )
        a("\t})")
    if "get" in ops:
        a('\tg.GET("/:id", func(c *gin.Context) {')
        a(f"\t\tid, ok := {naming.camel(ent)}ID(c)")
        a("\t\tif !ok {")
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\trow, found, err := store.FindByID(c.Request.Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not read the {naming.singular(t.name)}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tif !found {")
        a(
            f'\t\t\t{err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{naming.singular(t.name)} %d not found", id), nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a('\t\tc.JSON(http.StatusOK, gin.H{"data": row})')
        a("\t})")
    if "create" in ops:
        a('\tg.POST("", func(c *gin.Context) {')
        a(f"\t\tvar body {ent}Body")
        a("\t\tif err := c.ShouldBindJSON(&body); err != nil {")
        a(f'\t\t\t{err}(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", err.Error(), nil)')
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\trow, err := store.Create(c.Request.Context(), body)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not create the {naming.singular(t.name)}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a('\t\tc.JSON(http.StatusCreated, gin.H{"data": row})')
        a("\t})")
    if "replace" in ops or "update" in ops:
        for meth in (["PUT"] if "replace" in ops else []) + (["PATCH"] if "update" in ops else []):
            a(f'\tg.{meth}("/:id", func(c *gin.Context) {{')
            a(f"\t\tid, ok := {naming.camel(ent)}ID(c)")
            a("\t\tif !ok {")
            a("\t\t\treturn")
            a("\t\t}")
            a(f"\t\tvar body {ent}Body")
            a("\t\tif err := c.ShouldBindJSON(&body); err != nil {")
            a(
                f'\t\t\t{err}(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", err.Error(), nil)'
            )
            a("\t\t\treturn")
            a("\t\t}")
            a("\t\trow, found, err := store.Update(c.Request.Context(), id, body)")
            a("\t\tif err != nil {")
            a(
                f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not update the {naming.singular(t.name)}", nil)'
            )
            a("\t\t\treturn")
            a("\t\t}")
            a("\t\tif !found {")
            a(
                f'\t\t\t{err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{naming.singular(t.name)} %d not found", id), nil)'
            )
            a("\t\t\treturn")
            a("\t\t}")
            a('\t\tc.JSON(http.StatusOK, gin.H{"data": row})')
            a("\t})")
    if "delete" in ops:
        a('\tg.DELETE("/:id", func(c *gin.Context) {')
        a(f"\t\tid, ok := {naming.camel(ent)}ID(c)")
        a("\t\tif !ok {")
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tdeleted, err := store.Delete(c.Request.Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\t{err}(c, http.StatusInternalServerError, "INTERNAL", "could not delete the {naming.singular(t.name)}", nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tif !deleted {")
        a(
            f'\t\t\t{err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{naming.singular(t.name)} %d not found", id), nil)'
        )
        a("\t\t\treturn")
        a("\t\t}")
        a("\t\tc.Status(http.StatusNoContent)")
        a("\t})")
    a("}")
    return imports, "\n".join(L) + "\n"


# -- NestJS ------------------------------------------------------------------------------------------


def _nest_field(c, partial: bool) -> list[str]:
    """class-validator decorators and the declaration of one DTO property."""
    kind = naming.py_type(c.type)
    ts = {
        "int": "number",
        "float": "number",
        "bool": "boolean",
        "str": "string",
        "datetime": "string",
        "date": "string",
    }.get(kind, "unknown")
    deco = {
        "int": ["IsInt()"],
        "float": ["IsNumber()"],
        "bool": ["IsBoolean()"],
        "str": ["IsString()"],
        "datetime": ["IsDateString()"],
        "date": ["IsDateString()"],
    }.get(kind, [])
    ml = _max_len(c.type)
    if ml and kind == "str":
        deco.append(f"MaxLength({ml})")
    optional = partial or not c.required
    out = []
    if optional:
        out.append("  @IsOptional()")
    elif not deco:
        out.append("  @IsDefined()")
    out += [f"  @{d}" for d in deco]
    null = " | null" if c.nullable else ""
    out.append(f"  {c.name}{'?' if optional else '!'}: {ts}{null};")
    return out


NEST_VALIDATORS = (
    "IsBoolean",
    "IsDateString",
    "IsDefined",
    "IsIn",
    "IsInt",
    "IsNumber",
    "IsOptional",
    "IsString",
    "Max",
    "MaxLength",
    "Min",
)


def nestjs_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    """(imports, body) of a NestJS controller with its DTOs; ``router_var`` set: only the
    handler methods, to go inside an existing controller class whose route prefix is ``base``."""
    ent = naming.pascal(naming.singular(t.name))
    res = naming.pascal(t.name)
    one = naming.camel(naming.singular(t.name))
    idc = t.id_column
    numeric_id = naming.py_type(idc.type) == "int"
    idt = "number" if numeric_id else "string"
    writable = t.writable
    up = naming.snake(naming.singular(t.name)).upper()
    common = [
        "Body",
        "Controller",
        "Delete",
        "Get",
        "HttpCode",
        "HttpException",
        "Inject",
        "NotFoundException",
        "Param",
        "Patch",
        "Post",
        "Put",
        "Query",
        "UsePipes",
        "ValidationPipe",
    ] + (["ParseIntPipe"] if numeric_id else [])
    imports = "\n".join(
        [
            f'import {{ {", ".join(sorted(common))} }} from "@nestjs/common";',
            'import { Type } from "class-transformer";',
            f'import {{ {", ".join(NEST_VALIDATORS)}, type ValidationError }} from "class-validator";',
        ]
    )
    L: list[str] = []
    a = L.append
    M: list[str] = []  # controller methods
    m = M.append
    if "list" in ops:
        m("  @Get()")
        m(f"  async list(@Query() query: List{res}Query) {{")
        m("    const { page, limit, sort, order } = query;")
        m("    const { rows, total } = await this.store.findAll({ page, limit, sort, order });")
        m(
            f"    const at = (p: number) => `{base}?page=${{p}}&limit=${{limit}}&sort=${{sort}}&order=${{order}}`;"
        )
        m("    return {")
        m("      data: rows,")
        m("      meta: { page, limit, total },")
        m(
            "      links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },"
        )
        m("    };")
        m("  }")
    id_param = f'@Param("id", {one}IdPipe) id: {idt}' if numeric_id else f'@Param("id") id: {idt}'
    not_found = f'throw new NotFoundException({one}Error("NOT_FOUND", `{naming.singular(t.name)} ${{id}} not found`));'
    if "get" in ops:
        if M:
            m("")
        m('  @Get(":id")')
        m(f"  async get({id_param}) {{")
        m("    const row = await this.store.findById(id);")
        m(f"    if (row === null) {not_found}")
        m("    return { data: row };")
        m("  }")
    if "create" in ops:
        if M:
            m("")
        m("  @Post()")
        m("  @HttpCode(201)")
        m(f"  async create(@Body() body: Create{ent}Dto) {{")
        m("    return { data: await this.store.create({ ...body }) };")
        m("  }")
    for op, deco, dto in (
        ("replace", "Put", f"Create{ent}Dto"),
        ("update", "Patch", f"Update{ent}Dto"),
    ):
        if op not in ops:
            continue
        if M:
            m("")
        m(f'  @{deco}(":id")')
        m(f"  async {op}({id_param}, @Body() body: {dto}) {{")
        m("    const row = await this.store.update(id, { ...body });")
        m(f"    if (row === null) {not_found}")
        m("    return { data: row };")
        m("  }")
    if "delete" in ops:
        if M:
            m("")
        m('  @Delete(":id")')
        m("  @HttpCode(204)")
        m(f"  async remove({id_param}): Promise<void> {{")
        m(f"    if (!(await this.store.delete(id))) {not_found}")
        m("  }")
    if router_var is not None:
        return imports, "\n".join(M) + "\n"
    a(f"export interface {ent}Store {{")
    a(f"  findById(id: {idt}): Promise<Record<string, unknown> | null>;")
    a(
        '  findAll(opts: { page: number; limit: number; sort: string; order: "asc" | "desc" }): Promise<{ rows: unknown[]; total: number }>;'
    )
    a("  create(input: Record<string, unknown>): Promise<Record<string, unknown>>;")
    a(
        f"  update(id: {idt}, changes: Record<string, unknown>): Promise<Record<string, unknown> | null>;"
    )
    a(f"  delete(id: {idt}): Promise<boolean>;")
    a("}")
    a("")
    a(
        f"/** Provide the {t.name} repository under this token: {{ provide: {up}_STORE, useClass: ... }}. */"
    )
    a(f'export const {up}_STORE = Symbol("{ent}Store");')
    a(f"export const {up}_SORTABLE = [{', '.join(chr(34) + c.name + chr(34) for c in t.columns)}];")
    a("")
    a(
        f"function {one}Error(code: string, message: string, details: {{ field: string; message: string }}[] = []) {{"
    )
    a("  return { error: { code, message, details } };")
    a("}")
    a("")
    a(f"const {one}Validation = new ValidationPipe({{")
    a("  whitelist: true,")
    a("  forbidNonWhitelisted: true,")
    a("  transform: true,")
    a("  exceptionFactory: (errors: ValidationError[]) =>")
    a("    new HttpException(")
    a(
        f'      {one}Error("VALIDATION_ERROR", "the request is not valid", errors.map((e) => ({{ field: e.property, message: Object.values(e.constraints ?? {{}}).join("; ") }}))),'
    )
    a(
        f"      errors.some((e) => e.target instanceof List{res}Query) ? 400 : 422, // a bad query string is 400, a bad body 422"
    )
    a("    ),")
    a("});")
    if numeric_id:
        a("")
        a(f"const {one}IdPipe = new ParseIntPipe({{")
        a(
            f'  exceptionFactory: () => new HttpException({one}Error("VALIDATION_ERROR", "id must be an integer", [{{ field: "id", message: "not an integer" }}]), 400),'
        )
        a("});")
    a("")
    a(f"export class List{res}Query {{")
    a("  @IsOptional()")
    a("  @Type(() => Number)")
    a("  @IsInt()")
    a("  @Min(1)")
    a("  page: number = 1;")
    a("")
    a("  @IsOptional()")
    a("  @Type(() => Number)")
    a("  @IsInt()")
    a("  @Min(1)")
    a("  @Max(100)")
    a("  limit: number = 20;")
    a("")
    a("  @IsOptional()")
    a(f"  @IsIn({up}_SORTABLE)")
    a(f'  sort: string = "{idc.name}";')
    a("")
    a("  @IsOptional()")
    a('  @IsIn(["asc", "desc"])')
    a('  order: "asc" | "desc" = "asc";')
    a("}")
    for cls, partial, what in (
        (f"Create{ent}Dto", False, f"POST {base} and PUT {base}/:id"),
        (f"Update{ent}Dto", True, f"PATCH {base}/:id: only the fields sent change"),
    ):
        a("")
        a(f"/** Body of {what}. */")
        a(f"export class {cls} {{")
        for i, c in enumerate(writable):
            if i:
                a("")
            L.extend(_nest_field(c, partial))
        a("}")
    a("")
    a(f'@Controller("{base.lstrip("/")}")')
    a(f"@UsePipes({one}Validation)")
    a(f"export class {res}Controller {{")
    a(f"  constructor(@Inject({up}_STORE) private readonly store: {ent}Store) {{}}")
    if M:
        a("")
    L.extend(M)
    a("}")
    used = set(re.findall(r"@(\w+)\(", "\n".join(L)))
    imports = "\n".join(
        [
            f'import {{ {", ".join(sorted(common))} }} from "@nestjs/common";',
            'import { Type } from "class-transformer";',
            f'import {{ {", ".join(v for v in NEST_VALIDATORS if v in used)}, type ValidationError }} from "class-validator";',
        ]
    )
    return imports, "\n".join(L) + "\n"


# -- Fastify -----------------------------------------------------------------------------------------


def _json_schema_type(c) -> dict:
    kind = naming.py_type(c.type)
    out: dict = {
        "int": {"type": "integer"},
        "float": {"type": "number"},
        "bool": {"type": "boolean"},
        "str": {"type": "string"},
        "datetime": {"type": "string", "format": "date-time"},
        "date": {"type": "string", "format": "date"},
    }.get(kind, {})
    ml = _max_len(c.type)
    if ml and kind == "str":
        out["maxLength"] = ml
    if c.nullable and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


_JS_IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def _js_object(value) -> str:
    """A JSON value written as a JavaScript literal with unquoted identifier keys."""
    import json

    if isinstance(value, dict):
        parts = [
            (k if _JS_IDENT.fullmatch(k) else json.dumps(k)) + ": " + _js_object(v)
            for k, v in value.items()
        ]
        return "{ " + ", ".join(parts) + " }" if parts else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_js_object(v) for v in value) + "]"
    return json.dumps(value)


def fastify_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, typescript: bool = True
) -> tuple[str, str]:
    """(imports, body) of a Fastify plugin whose routes validate with JSON schema."""
    ent = naming.pascal(naming.singular(t.name))
    res = naming.camel(t.name)
    one = naming.camel(naming.singular(t.name))
    up = naming.snake(naming.singular(t.name)).upper()
    idc = t.id_column
    numeric_id = naming.py_type(idc.type) == "int"
    idt = "number" if numeric_id else "string"
    writable = t.writable
    T = (lambda s: s) if typescript else (lambda s: "")
    if typescript:
        imports = 'import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";'
    else:
        imports = ""
    L: list[str] = []
    a = L.append
    if typescript:
        a(f"export interface {ent}Store {{")
        a(f"  findById(id: {idt}): Promise<Record<string, unknown> | null>;")
        a(
            '  findAll(opts: { page: number; limit: number; sort: string; order: "asc" | "desc" }): Promise<{ rows: unknown[]; total: number }>;'
        )
        a("  create(input: Record<string, unknown>): Promise<Record<string, unknown>>;")
        a(
            f"  update(id: {idt}, changes: Record<string, unknown>): Promise<Record<string, unknown> | null>;"
        )
        a(f"  delete(id: {idt}): Promise<boolean>;")
        a("}")
        a("")
        a(
            f'type {ent}ListQuery = {{ page: number; limit: number; sort: string; order: "asc" | "desc" }};'
        )
        a(f"type {ent}Params = {{ id: {idt} }};")
        a("")
    props = {c.name: _json_schema_type(c) for c in writable}
    body = {
        "type": "object",
        "additionalProperties": False,
        "required": [c.name for c in writable if c.required],
        "properties": props,
    }
    if not body["required"]:
        del body["required"]
    patch = {
        "type": "object",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": props,
    }
    query = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "page": {"type": "integer", "minimum": 1, "default": 1},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "sort": {"type": "string", "enum": [c.name for c in t.columns], "default": idc.name},
            "order": {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
        },
    }
    params = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer", "minimum": 1} if numeric_id else {"type": "string"}
        },
    }
    a(f"export const {up}_BODY = {_js_object(body)};")
    a(f"export const {up}_PATCH = {_js_object(patch)};")
    a(f"export const {up}_LIST_QUERY = {_js_object(query)};")
    a(f"export const {up}_PARAMS = {_js_object(params)};")
    a("")
    a(
        f"function {one}Error(reply{T(': FastifyReply')}, status{T(': number')}, code{T(': string')}, message{T(': string')}, details{T(': { field: string; message: string }[]')} = []) {{"
    )
    a("  return reply.code(status).send({ error: { code, message, details } });")
    a("}")
    a("")
    standalone = router_var is None
    rv = router_var or "app"
    prefix = "" if standalone else base
    if standalone:
        sig = (
            f"export function {res}Routes(store{T(f': {ent}Store')}) {{"
            if typescript
            else f"function {res}Routes(store) {{"
        )
        a(f'/** Register with app.register({res}Routes(store), {{ prefix: "{base}" }}). */')
    else:
        mount = f"mount{naming.pascal(t.name)}Routes"
        sig = (
            f"export function {mount}(store{T(f': {ent}Store')}) {{"
            if typescript
            else f"function {mount}(store) {{"
        )
        a(
            f"/** Call {mount}(store) once the {t.name} repository exists; validation errors go to the app's error handler. */"
        )
    a(sig)
    body_start = len(L)
    a(f"  return async function {res}Plugin(app{T(': FastifyInstance')}) {{")
    a(f"    app.setErrorHandler((err{T(': FastifyError')}, request, reply) => {{")
    a("      if (err.validation) {")
    a("        const details = err.validation.map((v) => ({")
    a(
        '          field: String(v.params?.missingProperty ?? v.params?.additionalProperty ?? v.instancePath.replace(/^\\//, "")),'
    )
    a('          message: v.message ?? "is not valid",')
    a("        }));")
    a('        const status = err.validationContext === "body" ? 422 : 400;')
    a(
        f'        return {one}Error(reply, status, "VALIDATION_ERROR", "the request is not valid", details);'
    )
    a("      }")
    a("      request.log.error(err);")
    a("      const status = err.statusCode ?? 500;")
    a(
        f'      return {one}Error(reply, status, status >= 500 ? "INTERNAL" : err.code ?? "ERROR", status >= 500 ? "internal error" : err.message);'
    )
    a("    });")
    a("")
    route_sep = False

    def route(method, path, schema, generic, lines):
        nonlocal route_sep
        if route_sep:
            a("")
        route_sep = True
        g = f"<{generic}>" if typescript and generic else ""
        full = (prefix + path.rstrip("/")) or "/" if not standalone else path
        a(f'    {rv}.{method}{g}("{full}", {{ schema: {schema} }}, async (request, reply) => {{')
        L.extend("      " + x for x in lines)
        a("    });")

    not_found = f'return {one}Error(reply, 404, "NOT_FOUND", `{naming.singular(t.name)} ${{request.params.id}} not found`);'
    if "list" in ops:
        route(
            "get",
            "/",
            f"{{ querystring: {up}_LIST_QUERY }}",
            f"{{ Querystring: {ent}ListQuery }}",
            [
                "const { page, limit, sort, order } = request.query;",
                "const { rows, total } = await store.findAll({ page, limit, sort, order });",
                f'const at = (p{T(": number")}) => `${{request.url.split("?")[0]}}?page=${{p}}&limit=${{limit}}&sort=${{sort}}&order=${{order}}`;',
                "return {",
                "  data: rows,",
                "  meta: { page, limit, total },",
                "  links: { self: at(page), next: page * limit < total ? at(page + 1) : null, prev: page > 1 ? at(page - 1) : null },",
                "};",
            ],
        )
    if "get" in ops:
        route(
            "get",
            "/:id",
            f"{{ params: {up}_PARAMS }}",
            f"{{ Params: {ent}Params }}",
            [
                "const row = await store.findById(request.params.id);",
                f"if (row === null) {not_found}",
                "return { data: row };",
            ],
        )
    if "create" in ops:
        route(
            "post",
            "/",
            f"{{ body: {up}_BODY }}",
            "{ Body: Record<string, unknown> }",
            [
                "return reply.code(201).send({ data: await store.create(request.body) });",
            ],
        )
    for op, method, schema in (
        ("replace", "put", f"{up}_BODY"),
        ("update", "patch", f"{up}_PATCH"),
    ):
        if op in ops:
            route(
                method,
                "/:id",
                f"{{ params: {up}_PARAMS, body: {schema} }}",
                f"{{ Params: {ent}Params; Body: Record<string, unknown> }}",
                [
                    "const row = await store.update(request.params.id, request.body);",
                    f"if (row === null) {not_found}",
                    "return { data: row };",
                ],
            )
    if "delete" in ops:
        route(
            "delete",
            "/:id",
            f"{{ params: {up}_PARAMS }}",
            f"{{ Params: {ent}Params }}",
            [
                f"if (!(await store.delete(request.params.id))) {not_found}",
                "return reply.code(204).send();",
            ],
        )
    if standalone:
        a("  };")
    else:
        # no plugin wrapper and no error handler of its own: the routes hang on the file's app
        end_handler = next(k for k in range(body_start, len(L)) if L[k] == "    });")
        L[body_start:] = [x[2:] if x.startswith("  ") else x for x in L[end_handler + 2 :]]
    a("}")
    if not typescript and standalone:
        a("")
        a(f"module.exports = {{ {res}Routes }};")
    text = "\n".join(L) + "\n"
    if not typescript:
        text = text.replace("export const ", "const ")
    return imports, text


# -- Echo ------------------------------------------------------------------------------------------------


def echo_code(
    t: TableInfo, ops, base: str, router_var: str | None = None, package: str = "handlers"
) -> tuple[str, str]:
    """(imports, body) of Echo handlers: a body struct with ``validate`` tags checked by
    go-playground/validator, the envelope, the error body, 201 and 204."""
    ent = naming.pascal(naming.singular(t.name))
    res = naming.pascal(t.name)
    lo = naming.camel(ent)
    one = naming.singular(t.name)
    idc = t.id_column
    writable = t.writable
    imports = '\t"context"\n\t"errors"\n\t"fmt"\n\t"net/http"\n\t"strconv"\n\n\t"github.com/go-playground/validator/v10"\n\t"github.com/labstack/echo/v4"'
    L: list[str] = []
    a = L.append
    L += _go_body_and_store(t, ent, base, "validate")
    a(f"var {lo}Validate = validator.New()")
    a("")
    a(
        f"func {lo}Error(c echo.Context, status int, code, message string, details []echo.Map) error {{"
    )
    a("\tif details == nil {")
    a("\t\tdetails = []echo.Map{}")
    a("\t}")
    a(
        '\treturn c.JSON(status, echo.Map{"error": echo.Map{"code": code, "message": message, "details": details}})'
    )
    a("}")
    a("")
    a(f"// {lo}Bind decodes and validates the body; on failure it has already answered 422.")
    a(f"func {lo}Bind(c echo.Context, body *{ent}Body) (bool, error) {{")
    a("\tif err := c.Bind(body); err != nil {")
    a(
        f'\t\treturn false, {lo}Error(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "the request body is not valid JSON", nil)'
    )
    a("\t}")
    a(f"\tif err := {lo}Validate.Struct(body); err != nil {{")
    a("\t\tvar fields validator.ValidationErrors")
    a("\t\tdetails := []echo.Map{}")
    a("\t\tif errors.As(err, &fields) {")
    a("\t\t\tfor _, f := range fields {")
    a(
        '\t\t\t\tdetails = append(details, echo.Map{"field": f.Field(), "message": "failed the " + f.Tag() + " rule"})'
    )
    a("\t\t\t}")
    a("\t\t}")
    a(
        f'\t\treturn false, {lo}Error(c, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "the request body is not valid", details)'
    )
    a("\t}")
    a("\treturn true, nil")
    a("}")
    a("")
    a(f"func {lo}ID(c echo.Context) (int64, bool, error) {{")
    a('\tid, err := strconv.ParseInt(c.Param("id"), 10, 64)')
    a("\tif err != nil || id < 1 {")
    a(
        f'\t\treturn 0, false, {lo}Error(c, http.StatusBadRequest, "VALIDATION_ERROR", "id must be a positive integer", []echo.Map{{{{"field": "id", "message": "not a positive integer"}}}})'
    )
    a("\t}")
    a("\treturn id, true, nil")
    a("}")
    a("")
    err = f"{lo}Error"
    id_lines = [f"\t\tid, ok, err := {lo}ID(c)", "\t\tif !ok {", "\t\t\treturn err", "\t\t}"]
    a(f"// Register{res}Routes mounts the {t.name} endpoints on e.")
    a(f"func Register{res}Routes(e *echo.Echo, store {ent}Store) {{")
    a(f'\tg := e.Group("{base}")')
    if "list" in ops:
        a('\tg.GET("", func(c echo.Context) error {')
        a("\t\tpage, limit := 1, 20")
        a("\t\tvar err1, err2 error")
        a('\t\tif v := c.QueryParam("page"); v != "" {')
        a("\t\t\tpage, err1 = strconv.Atoi(v)")
        a("\t\t}")
        a('\t\tif v := c.QueryParam("limit"); v != "" {')
        a("\t\t\tlimit, err2 = strconv.Atoi(v)")
        a("\t\t}")
        a('\t\tsort, order := c.QueryParam("sort"), c.QueryParam("order")')
        a('\t\tif sort == "" {')
        a(f'\t\t\tsort = "{idc.name}"')
        a("\t\t}")
        a('\t\tif order == "" {')
        a('\t\t\torder = "asc"')
        a("\t\t}")
        a(
            f'\t\tif err1 != nil || err2 != nil || page < 1 || limit < 1 || limit > 100 || !{naming.camel(t.name)}Sortable[sort] || (order != "asc" && order != "desc") {{'
        )
        a(
            f'\t\t\treturn {err}(c, http.StatusBadRequest, "VALIDATION_ERROR", "page >= 1, limit 1..100, a sortable column and asc|desc expected", nil)'
        )
        a("\t\t}")
        a("\t\trows, total, err := store.FindAll(c.Request().Context(), page, limit, sort, order)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not list {t.name}", nil)'
        )
        a("\t\t}")
        a(
            '\t\tat := func(p int) string { return fmt.Sprintf("%s?page=%d&limit=%d&sort=%s&order=%s", c.Request().URL.Path, p, limit, sort, order) }'
        )
        a("\t\tvar next, prev any")
        a("\t\tif int64(page*limit) < total {")
        a("\t\t\tnext = at(page + 1)")
        a("\t\t}")
        a("\t\tif page > 1 {")
        a("\t\t\tprev = at(page - 1)")
        a("\t\t}")
        a(
            '\t\treturn c.JSON(http.StatusOK, echo.Map{"data": rows, "meta": echo.Map{"page": page, "limit": limit, "total": total}, "links": echo.Map{"self": at(page), "next": next, "prev": prev}})'
        )
        a("\t})")
    not_found = [
        f'\t\t\treturn {err}(c, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("{one} %d not found", id), nil)'
    ]
    if "get" in ops:
        a('\tg.GET("/:id", func(c echo.Context) error {')
        L.extend(id_lines)
        a("\t\trow, found, err := store.FindByID(c.Request().Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not read the {one}", nil)'
        )
        a("\t\t}")
        a("\t\tif !found {")
        L.extend(not_found)
        a("\t\t}")
        a('\t\treturn c.JSON(http.StatusOK, echo.Map{"data": row})')
        a("\t})")
    if "create" in ops:
        a('\tg.POST("", func(c echo.Context) error {')
        a(f"\t\tvar body {ent}Body")
        a(f"\t\tif ok, err := {lo}Bind(c, &body); !ok {{")
        a("\t\t\treturn err")
        a("\t\t}")
        a("\t\trow, err := store.Create(c.Request().Context(), body)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not create the {one}", nil)'
        )
        a("\t\t}")
        a('\t\treturn c.JSON(http.StatusCreated, echo.Map{"data": row})')
        a("\t})")
    for meth in (["PUT"] if "replace" in ops else []) + (["PATCH"] if "update" in ops else []):
        a(f'\tg.{meth}("/:id", func(c echo.Context) error {{')
        L.extend(id_lines)
        a(f"\t\tvar body {ent}Body")
        a(f"\t\tif ok, err := {lo}Bind(c, &body); !ok {{")
        a("\t\t\treturn err")
        a("\t\t}")
        a("\t\trow, found, err := store.Update(c.Request().Context(), id, body)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not update the {one}", nil)'
        )
        a("\t\t}")
        a("\t\tif !found {")
        L.extend(not_found)
        a("\t\t}")
        a('\t\treturn c.JSON(http.StatusOK, echo.Map{"data": row})')
        a("\t})")
    if "delete" in ops:
        a('\tg.DELETE("/:id", func(c echo.Context) error {')
        L.extend(id_lines)
        a("\t\tdeleted, err := store.Delete(c.Request().Context(), id)")
        a("\t\tif err != nil {")
        a(
            f'\t\t\treturn {err}(c, http.StatusInternalServerError, "INTERNAL", "could not delete the {one}", nil)'
        )
        a("\t\t}")
        a("\t\tif !deleted {")
        L.extend(not_found)
        a("\t\t}")
        a("\t\treturn c.NoContent(http.StatusNoContent)")
        a("\t})")
    a("}")
    return imports, "\n".join(L) + "\n"


# -- Django -------------------------------------------------------------------------------------------


def django_code(t: TableInfo, ops, base: str, router_var: str | None = None) -> tuple[str, str]:
    """Function views with JsonResponse (no DRF), explicit validation and the module's ``urlpatterns``."""
    res = naming.snake(t.name)
    one = naming.snake(naming.singular(t.name))
    up = one.upper()
    idc = t.id_column
    conv = "int" if naming.py_type(idc.type) == "int" else "str"
    writable = t.writable
    imports = [
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
    py_checks = {"int": "int", "float": "(int, float)", "bool": "bool", "str": "str"}
    a(f"{up}_SORTABLE = {tuple(c.name for c in t.columns)!r}")
    a(f"{up}_FIELDS = {{")
    for c in writable:
        check = py_checks.get(naming.py_type(c.type), "object")
        a(
            f"    {c.name!r}: ({check}, {c.required!r}, {c.nullable!r}, {_max_len(c.type)!r}),  # type, required, nullable, max length"
        )
    a("}")
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
    L += _py_validator(one, up)
    a("")
    a("")
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
            '    return JsonResponse({"data": list(rows), "meta": {"page": page, "limit": limit, "total": total}, "links": links})'
        )
    if "get" in ops:
        a("")
        a("")
        a(f"def get_{one}(request: HttpRequest, id) -> JsonResponse:")
        a(f"    row = get_{res}_store().find_by_id(id)")
        a("    if row is None:")
        a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
        a('    return JsonResponse({"data": row})')
    for op, partial in (("create", False), ("replace", False), ("update", True)):
        if op not in ops:
            continue
        a("")
        a("")
        a(
            f"def {op}_{one}(request: HttpRequest{'' if op == 'create' else ', id'}) -> JsonResponse:"
        )
        a(f"    values, details = validate_{one}(_json_body(request), partial={partial})")
        a("    if details:")
        a(
            f'        return {one}_error(422, "VALIDATION_ERROR", "the request body is not valid", details)'
        )
        if op == "create":
            a(
                f'    return JsonResponse({{"data": get_{res}_store().create(**values)}}, status=201)'
            )
        else:
            a(f"    row = get_{res}_store().update(id, **values)")
            a("    if row is None:")
            a(f'        return {one}_error(404, "NOT_FOUND", f"{one} {{id}} not found")')
            a('    return JsonResponse({"data": row})')
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


# -- assembling files ---------------------------------------------------------------------------------


def new_file(
    framework: str, language: str, t: TableInfo, ops=OPERATIONS, package: str = "handlers"
) -> str:
    base = "/" + naming.snake(t.name).replace("_", "-")
    fw = frameworks.by_name(framework)
    made = fw.endpoint_file(t, ops, base, language, package) if fw is not None else None
    if made is not None:
        return made
    if framework == "fastapi":
        imports, body = fastapi_code(t, ops, base)
        return f'"""HTTP endpoints for {t.name}."""\n\nfrom __future__ import annotations\n\n{imports}\n\n{body}'
    if framework == "flask":
        imports, body = flask_code(t, ops, base)
        return f'"""HTTP endpoints for {t.name}."""\n\nfrom __future__ import annotations\n\n{imports}\n\n{body}'
    if framework == "express":
        ts = language in ("typescript", "tsx")
        imports, body = express_code(t, ops, base, typescript=ts)
        return f"// HTTP endpoints for {t.name}.\n{imports}\n\n{body}"
    if framework == "gin":
        imports, body = gin_code(t, ops, base)
        return f"// Package {package}: HTTP endpoints for {t.name}.\npackage {package}\n\nimport (\n{imports}\n)\n\n{body}"
    if framework == "echo":
        imports, body = echo_code(t, ops, base)
        return f"// Package {package}: HTTP endpoints for {t.name}.\npackage {package}\n\nimport (\n{imports}\n)\n\n{body}"
    if framework == "fastify":
        ts = language in ("typescript", "tsx")
        imports, body = fastify_code(t, ops, base, typescript=ts)
        return (
            f"// HTTP endpoints for {t.name}.\n{imports}\n\n{body}"
            if imports
            else f"// HTTP endpoints for {t.name}.\n{body}"
        )
    if framework == "nestjs":
        imports, body = nestjs_code(t, ops, base)
        return f"// HTTP endpoints for {t.name}.\n{imports}\n\n{body}"
    if framework == "django":
        imports, body = django_code(t, ops, base)
        return f'"""HTTP endpoints for {t.name} (Django views, JSON in and out)."""\n\nfrom __future__ import annotations\n\n{imports}\n\n{body}'
    supported = ", ".join(f.title for f in frameworks.scaffolded())
    raise CommandError(
        f"ENDPOINT: no generator for the {framework} framework yet ({supported} are supported)."
    )


def declared_routes(doc, framework: str) -> list[tuple[str, str, str]]:
    """(router variable, METHOD, path) of the file's routes (see app.routes)."""
    return [(r.group, r.method.upper(), r.path) for r in routes_of(doc) or []]


_ROUTER_ASSIGN = re.compile(
    r"^\s*(?:const\s+|let\s+|var\s+)?(\w+)\s*:?=\s*(?:FastAPI|APIRouter|Flask|Blueprint|express|express\.Router|Router)\(",
    re.M,
)


def _router_var(doc, routes) -> str | None:
    """The object the file's routes hang on: the most used one in route declarations, else the app/router created."""
    used = [v for v, _, _ in routes if re.fullmatch(r"\w+", v)]
    if used:
        return max(sorted(set(used)), key=used.count)
    m = _ROUTER_ASSIGN.search(doc.text)
    return m.group(1) if m else None


def _normal(path: str) -> str:
    path = re.sub(
        r":(\w+)|<(?:\w+:)?(\w+)>", lambda m: "{" + (m.group(1) or m.group(2)) + "}", path
    )
    return path.rstrip("/") or "/"


def missing_operations(routes, base: str) -> list[str]:
    have = set()
    for _, method, path in routes:
        p = _normal(path)
        if p == base:
            have.add({"GET": "list", "POST": "create"}.get(method, ""))
        elif re.fullmatch(re.escape(base) + r"/\{\w+\}", p):
            have.add(
                {"GET": "get", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}.get(
                    method, ""
                )
            )
    return [op for op in OPERATIONS if op not in have]


def _resource_of(routes) -> str | None:
    for _, _, path in routes:
        segs = [
            s
            for s in _normal(path).split("/")
            if s and not s.startswith("{") and not re.fullmatch(r"v\d+|api", s)
        ]
        if segs:
            return segs[0]
    return None


def _base_of(routes, resource: str) -> str:
    for _, _, path in routes:
        p = _normal(path)
        i = p.find("/" + resource)
        if i >= 0:
            return p[: i + len(resource) + 1]
    return "/" + resource


def _insert_imports_python(doc_text: str, imports: str) -> tuple[int, str]:
    """(byte offset, text) adding the import lines the file lacks, after its last top-level import."""
    have = set(doc_text.splitlines())
    needed = [ln for ln in imports.splitlines() if ln.strip() and ln not in have]
    if not needed:
        return 0, ""
    data = doc_text.encode("utf-8")
    last = 0
    offset = 0
    for line in doc_text.splitlines(keepends=True):
        offset += len(line.encode("utf-8"))
        if re.match(r"(from\s+\S+\s+import\b|import\s+\S)", line) and not line.startswith(
            "from __future__"
        ):
            last = offset
    if last == 0:
        m = re.match(
            rb'(\s*("""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\')\s*\n)?(from __future__[^\n]*\n)?', data
        )
        last = m.end() if m else 0
    return last, "\n".join(needed) + "\n"


def append_to_route_file(doc, framework: str, tables: dict) -> tuple[list, str]:
    """Edits adding the missing CRUD endpoints of the file's resource; (edits, description)."""
    if framework == "nestjs":
        raise CommandError(
            "ENDPOINT: adding routes to an existing NestJS controller is not supported yet (the new methods need the "
            "controller's DTOs, id pipe and injected store); run ENDPOINT on the table's CREATE TABLE to generate a controller."
        )
    routes = declared_routes(doc, framework)
    if not routes:
        raise CommandError(
            "ENDPOINT: no routes found in this file; run it on a CREATE TABLE to create a route module."
        )
    resource = _resource_of(routes)
    if resource is None:
        raise CommandError("ENDPOINT: cannot tell which resource this file serves from its paths.")
    base = _base_of(routes, resource)
    table = (
        tables.get(resource)
        or tables.get(resource.replace("-", "_"))
        or tables.get(naming.plural(resource))
    )
    if table is None:
        raise CommandError(
            f"ENDPOINT: no table named {resource} in the catalog or the workspace's .sql files; "
            "run ENDPOINT on its CREATE TABLE instead."
        )
    ops = missing_operations(routes, base)
    if not ops:
        raise CommandError(
            f"ENDPOINT: {base} already has list, get, create, replace, update and delete."
        )
    router_var = _router_var(doc, routes)
    if framework in ("fastapi", "flask"):
        gen = fastapi_code if framework == "fastapi" else flask_code
        imports, body = gen(
            table, ops, base, router_var or ("router" if framework == "fastapi" else "app")
        )
        edits = []
        off, text = _insert_imports_python(doc.text, imports)
        if text:
            edits.append((off, off, text))
        end = len(doc.data)
        sep = "\n\n" if doc.text.endswith("\n") else "\n\n\n"
        edits.append((end, end, sep + body))
        return edits, f"{', '.join(ops)} for {base}"
    if framework == "fastify":
        ts = doc.language in ("typescript", "tsx")
        _, body = fastify_code(table, ops, base, router_var or "app", typescript=ts)
        end = len(doc.data)
        edits = []
        if ts and not re.search(r"\bFastifyReply\b", doc.text):
            last = 0
            for m in re.finditer(r"^import\b[^;]*;[ \t]*\n", doc.text, re.M):
                last = len(doc.text[: m.end()].encode("utf-8"))
            edits.append((last, last, 'import type { FastifyReply } from "fastify";\n'))
        edits.append((end, end, ("\n" if doc.text.endswith("\n") else "\n\n") + body))
        return edits, f"{', '.join(ops)} for {base}"
    if framework == "express":
        imports, body = express_code(
            table,
            ops,
            base,
            router_var or "router",
            typescript=doc.language in ("typescript", "tsx"),
        )
        end = len(doc.data)
        return [(end, end, "\n" + body)], f"{', '.join(ops)} for {base}"
    raise CommandError(
        f"ENDPOINT: adding to an existing {framework} file is not supported; run it on the table."
    )


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


@handler("ENDPOINT")
def endpoint_command(t: Target) -> dict:
    """Generate the missing CRUD endpoints of the resource under the cursor."""
    doc = t.document
    table = resolve_table(t, t.options.get("table"))
    fw = framework_of(doc) if doc.language != "sql" else None
    if table is None and fw is not None:
        tables = all_tables(t.session, t.root, t.server, doc)
        edits, what = append_to_route_file(doc, fw, tables)
        from ..core.findings import Edit

        edit = workspace_edit(t.session, doc, [Edit(s, e, x) for s, e, x in edits])
        send_edit(t, edit, "ENDPOINT")
        from ..core.document import apply_edits

        new_text = apply_edits(doc.text, [Edit(s, e, x) for s, e, x in edits])
        message = f"ENDPOINT: added {what} ({fw})."
        show(t, message)
        return result(
            "ENDPOINT", message, path=doc.path, text=new_text, framework=fw, edit=to_json(edit)
        )
    if table is None:
        raise CommandError(
            "ENDPOINT: put the cursor on a CREATE TABLE (or select a table name), or run it in a route file."
        )
    framework = t.options.get("framework")
    language = t.options.get("language")
    if not framework:
        framework, language = workspace_framework(t.root)
    if not framework:
        framework, language = "fastapi", "python"
    fw = frameworks.by_name(framework)
    language = language or (fw.default_language if fw is not None else None)
    text = new_file(framework, language, table)
    stem = naming.snake(table.name)
    place = (
        fw.endpoint_location(t.root, stem, naming.camel(table.name), language)
        if fw is not None
        else None
    )
    if place is not None:
        folder, name = place
    elif framework in ("fastapi", "flask"):
        folder, name = "routes", f"{stem}.py"
    elif framework == "django":
        folder, name = _django_package(t.root), f"{stem}_views.py"
    elif framework in ("express", "fastify"):
        src = os.path.join(t.root, "src")
        folder = os.path.join("src", "routes") if os.path.isdir(src) else "routes"
        name = f"{naming.camel(table.name)}.{'ts' if language in ('typescript', 'tsx') else 'js'}"
    elif framework == "nestjs":
        folder, name = (
            os.path.join("src", stem.replace("_", "-")),
            f"{stem.replace('_', '-')}.controller.ts",
        )
    else:
        folder, name = os.path.join("internal", "handlers"), f"{stem}.go"
    path = unique_path(os.path.join(t.root, folder, name))
    if framework == "django":
        dotted = os.path.relpath(os.path.splitext(path)[0], t.root).replace(os.sep, ".").lstrip(".")
        text = text.replace(f'include("<package>.{stem}_views")', f'include("{dotted}")')
    edit = workspace_edit(t.session, None, [], [FileChange(path, text)])
    send_edit(t, edit, f"ENDPOINT: {table.name}")
    message = f"ENDPOINT: generated {os.path.relpath(path, t.root)} with the CRUD endpoints of {table.name} ({framework})."
    show(t, message)
    return result(
        "ENDPOINT", message, path=path, text=text, framework=framework, edit=to_json(edit)
    )
