"""DESIGN_API: an OpenAPI 3.1 document of the workspace's routes, and the REST
findings summarised. Routes come from route extraction (app.routes)."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from .base import REPORT_DIR, Report, Target, handler, result, show, write_report
from .frameworks import workspace_routes

PATH_PARAM = re.compile(r"\{(\w+)\}")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["VALIDATION_ERROR"]},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
}

# a body whose fields are unknown: any object (a bare "type: object" reads as "no fields" to
# client generators)
ANY_OBJECT = {"type": "object", "additionalProperties": True}


def _schema_name(value) -> str | None:
    if value is None:
        return None
    name = value if isinstance(value, str) else getattr(value, "name", None) or str(value)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name.strip())
    return name or None


def _param_schema(name: str) -> dict:
    return (
        {"type": "integer"}
        if name == "id" or name.endswith("_id") or name.endswith("Id")
        else {"type": "string"}
    )


def _resource_for(path: str, tables: dict | None):
    """The resource a path serves (its first non-version segment names a table)."""
    if not tables:
        return None
    from ..lang import naming
    from ..resources import from_table

    for seg in path.split("/"):
        if not seg or seg.startswith("{") or re.fullmatch(r"v\d+|api", seg):
            continue
        name = seg.replace("-", "_")
        table = tables.get(name) or tables.get(naming.plural(name))
        return from_table(table) if table is not None else None
    return None


def _type_schema(type_text: str | None, language: str | None, models: dict) -> dict | None:
    """The schema of a declared type (``list[UserOut]``, ``UserDto[]``, ``[]User``) when it names
    a declared model; None otherwise."""
    from ..app import declared_models as dm

    if not type_text or not models:
        return None
    names = set(models)
    t = type_text.strip().lstrip("*&")
    if language == "python":
        schema = dm.py_type(t, names)
    elif language == "go":
        schema = dm.go_type(t, names)
    else:
        schema = dm.ts_type(t, names)
    return schema if dm.refs(schema) else None


def _scalar(type_text: str) -> dict | None:
    """The schema of a primitive response type (``string``, ``int``, ``bool``), else None."""
    from ..app.declared_models import GO_SCALARS, PY_SCALARS, TS_SCALARS

    for table in (TS_SCALARS, PY_SCALARS, GO_SCALARS):
        schema = table.get(type_text)
        if schema and schema.get("type") not in (None, "object"):
            return dict(schema)
    return None


def _schema_from_label(label: str | None, models: dict) -> str | None:
    """The declared model a route's validation label names (``validate(CreateUser)``,
    ``schemas.CreateUser``, ``CreateUserDto``)."""
    if not label or not models:
        return None
    found = [n for n in re.findall(r"[A-Za-z_$][\w$]*", label) if n in models]
    return found[-1] if found else None


GO_JSON = re.compile(
    r"\.(?:JSON|IndentedJSON|PureJSON)\(\s*[\w.]+\s*,\s*(.+?)\)\s*$|NewEncoder\(\s*\w+\s*\)\.Encode\(\s*(.+?)\)\s*$",
    re.M,
)
TS_JSON = re.compile(r"\.(?:json|send)\(\s*(.+?)\)\s*;?\s*$", re.M)


def _go_var_type(name: str, body: str) -> str | None:
    for pat in (
        r"\bvar\s+" + re.escape(name) + r"\s+([\[\]*\w.]+)",
        r"\b" + re.escape(name) + r"\s*:?=\s*&?([\[\]\w.]+)\{",
        r"\b" + re.escape(name) + r"\s*:?=\s*make\(\s*([\[\]\w.]+)",
    ):
        m = re.search(pat, body)
        if m:
            return m.group(1)
    return None


def _response_from_body(doc, r, models: dict) -> dict | None:
    """The response schema a handler's body shows: Go ``c.JSON(200, user)`` of a variable of a
    declared struct (or ``gin.H{"data": user}``), Express ``res.json(UserOut.parse(row))`` or
    a ``Response<User>`` parameter."""
    if not models or not getattr(r, "handler_in_file", True):
        return None
    body = doc.data[r.start : r.end].decode("utf-8", "replace")
    lang = doc.language
    if lang == "go":
        for m in GO_JSON.finditer(body):
            expr = (m.group(1) or m.group(2) or "").strip()
            env = re.fullmatch(
                r"(?:gin\.H|echo\.Map|map\[string\]any|map\[string\]interface\{\})\{\s*\"(\w+)\"\s*:\s*&?(\w+)\s*,?\s*\}",
                expr,
            )
            key, var = (env.group(1), env.group(2)) if env else (None, expr.lstrip("&"))
            lit = re.fullmatch(r"([\[\]\w.]+)\{.*", var, re.S)
            t = (
                lit.group(1)
                if lit
                else _go_var_type(var, body)
                if re.fullmatch(r"\w+", var)
                else None
            )
            schema = _type_schema(t, lang, models)
            if schema is not None:
                if key:
                    return {"type": "object", "required": [key], "properties": {key: schema}}
                return schema
        return None
    if lang in ("typescript", "tsx", "javascript"):
        typed_res = re.search(r"\bres\s*:\s*(?:express\.)?Response<\s*([^,>]+(?:<[^>]*>)?)", body)
        if typed_res:
            schema = _type_schema(typed_res.group(1), lang, models)
            if schema is not None:
                return schema
        for m in TS_JSON.finditer(body):
            expr = m.group(1)
            parsed = re.match(r"([\w$]+)\.parse\(", expr)
            if parsed and parsed.group(1) in models:
                return {"$ref": f"#/components/schemas/{parsed.group(1)}"}
            env = re.fullmatch(r"\{\s*(\w+)\s*:\s*([\w$]+)\.parse\(.*\)\s*\}", expr, re.S)
            if env and env.group(2) in models:
                return {
                    "type": "object",
                    "required": [env.group(1)],
                    "properties": {env.group(1): {"$ref": f"#/components/schemas/{env.group(2)}"}},
                }
            if re.fullmatch(r"[\w$]+", expr):
                decl = re.search(
                    r"\b(?:const|let)\s+" + re.escape(expr) + r"\s*:\s*([^=]+?)\s*=", body
                )
                schema = _type_schema(decl.group(1) if decl else None, lang, models)
                if schema is not None:
                    return schema
    return None


def build_openapi(
    routes,
    title: str = "API",
    version: str = "0.1.0",
    root: str | None = None,
    tables: dict | None = None,
    models: dict | None = None,
    prefixes=None,
) -> dict:
    """An OpenAPI 3.1 document from (document, Route) pairs; ``tables`` (name -> TableInfo)
    types the bodies of the routes serving a known table, from the same resource model
    the generators use; ``models`` (name -> JSON Schema, :mod:`app.declared_models`) types the
    bodies and responses of routes that name a declared model; ``prefixes`` (a
    :class:`~backend_architect.app.mount_prefixes.Prefixes`) puts routes under the prefix of
    the mount that serves them."""
    from ..app import declared_models as dm
    from ..app.mount_prefixes import prefixes_for
    from ..resources import object_schemas

    models = models or {}
    paths: dict = {}
    components: dict = {"schemas": {"Error": ERROR_SCHEMA}}
    op_ids: set[str] = set()
    expanded = []
    for doc, r in routes:
        mounts = [""]
        if prefixes is not None:
            mounts = prefixes_for(
                prefixes, doc.path, doc.language, r.group, r.decl_start, doc.text, root or ""
            )
        expanded += [(doc, r, prefix) for prefix in mounts]
    for doc, r, prefix in expanded:
        method = str(r.method).lower()
        if method not in METHODS:
            continue
        path = r.path if r.path.startswith("/") else "/" + r.path
        if prefix:
            path = (prefix.rstrip("/") + ("" if path == "/" else path)) or "/"
        path = re.sub(r":(\w+)", r"{\1}", path)
        item = paths.setdefault(path, {})
        if method in item:
            continue
        handler_name = (
            getattr(r, "handler", None)
            or f"{method}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_')}"
        )
        op_id = handler_name
        n = 2
        while op_id in op_ids:
            op_id = f"{handler_name}_{n}"
            n += 1
        op_ids.add(op_id)
        where = os.path.relpath(doc.path, root) if root else doc.path
        op: dict = {
            "operationId": op_id,
            "summary": f"{handler_name} ({where}:{doc.line_of(r.start) + 1})",
        }
        segs = [s for s in path.split("/") if s and not s.startswith("{")]
        if segs:
            op["tags"] = [
                segs[-1]
                if len(segs) == 1
                else segs[0]
                if not re.fullmatch(r"v\d+|api", segs[0])
                else (segs[1] if len(segs) > 1 else segs[0])
            ]
        params = []
        for name in PATH_PARAM.findall(path):
            params.append(
                {"name": name, "in": "path", "required": True, "schema": _param_schema(name)}
            )
        seen = {("path", p["name"]) for p in params}
        body_fields = []
        for read in getattr(r, "reads", []) or []:
            kind = str(getattr(read, "kind", "")).lower()
            name = getattr(read, "name", None)
            if kind in ("query", "header", "cookie") and name and (kind, name) not in seen:
                seen.add((kind, name))
                params.append(
                    {"name": name, "in": kind, "required": False, "schema": {"type": "string"}}
                )
            elif kind in ("body", "json", "form") and name:
                body_fields.append(name)
        if params:
            op["parameters"] = params
        declared = _schema_from_label(getattr(r, "schema", None), models)
        schema = declared or _schema_name(getattr(r, "schema", None))
        resource = _resource_for(path, tables)
        ent = None
        if resource is not None:
            shapes = object_schemas(resource)
            ent = next(iter(shapes))
            for name, shape in shapes.items():
                components["schemas"].setdefault(name, shape)
        item_path = bool(PATH_PARAM.search(path))
        if method in ("post", "put", "patch"):
            body_schema: dict[str, Any]
            if declared and not ent:
                dm.close_refs({declared}, models, components["schemas"])
                body_schema = {"$ref": f"#/components/schemas/{declared}"}
            elif schema and not ent:
                components["schemas"].setdefault(
                    schema, {**ANY_OBJECT, "description": f"{schema}, declared in {where}"}
                )
                body_schema = {"$ref": f"#/components/schemas/{schema}"}
            elif body_fields:
                body_schema = {
                    "type": "object",
                    "properties": {f: {} for f in dict.fromkeys(body_fields)},
                }
            else:
                body_schema = dict(ANY_OBJECT)
            if ent:  # the table's own shape (a declared model of it has the same fields)
                kind = {"post": "Input", "put": "Replace", "patch": "Patch"}[method]
                body_schema = {"$ref": f"#/components/schemas/{ent}{kind}"}
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body_schema}},
            }
        responses: dict = {}
        codes = sorted({int(c) for c in getattr(r, "status_codes", []) or [] if str(c).isdigit()})
        if not any(200 <= c < 400 for c in codes):  # every operation documents its success
            codes.append(201 if method == "post" else 204 if method == "delete" else 200)
        if ent:  # the error format's answers of a generated resource endpoint
            extra = {404} if item_path else set()
            if method in ("post", "put", "patch"):
                extra |= {409, 422}
            if getattr(r, "guards", None):
                extra |= {401, 403}
            codes = sorted(set(codes) | extra)
        else:  # the error format's answers this handler can give
            extra = {404} if item_path else set()
            if declared or any(p["in"] == "query" for p in params):
                # NestJS's ValidationPipe answers 400 unless configured otherwise
                extra.add(400 if getattr(r, "framework", "") == "nestjs" else 422)
            if getattr(r, "guards", None):
                extra |= {401, 403}
            handler_text = (
                doc.data[r.start : r.end].decode("utf-8", "replace")
                if getattr(r, "handler_in_file", True)
                else ""
            )
            if re.search(r"\b409\b|StatusConflict|Conflict", handler_text):
                extra.add(409)
            codes = sorted(set(codes) | extra)
        success_schema = None
        if not ent:
            success_schema = _type_schema(
                getattr(r, "response_model", None), doc.language, models
            ) or _response_from_body(doc, r, models)
        if success_schema is not None:
            dm.close_refs(dm.refs(success_schema), models, components["schemas"])
        model = _schema_name(getattr(r, "response_model", None))
        for code in codes:
            resp: dict = {"description": REASONS.get(code, "Response")}
            if code >= 400:
                resp["content"] = {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                }
            elif code != 204 and ent:
                data: dict[str, Any] = {"$ref": f"#/components/schemas/{ent}"}
                if method == "get" and not item_path:
                    data = {"type": "array", "items": data}
                    body = {
                        "type": "object",
                        "required": ["data", "meta", "links"],
                        "properties": {
                            "data": data,
                            "meta": {
                                "type": "object",
                                "properties": {
                                    k: {"type": "integer"} for k in ("page", "limit", "total")
                                },
                            },
                            "links": {
                                "type": "object",
                                "properties": {
                                    k: {"type": ["string", "null"]}
                                    for k in ("self", "next", "prev")
                                },
                            },
                        },
                    }
                else:
                    body = {"type": "object", "required": ["data"], "properties": {"data": data}}
                resp["content"] = {"application/json": {"schema": body}}
            elif code != 204 and code < 300 and success_schema is not None:
                resp["content"] = {"application/json": {"schema": success_schema}}
            elif code != 204 and model and _scalar(model) is not None:
                resp["content"] = {"application/json": {"schema": _scalar(model)}}
            elif code != 204 and model:
                components["schemas"].setdefault(
                    model, {**ANY_OBJECT, "description": f"{model}, declared in {where}"}
                )
                resp["content"] = {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}
                }
            elif code != 204 and getattr(r, "returns_body", True):
                resp["content"] = {"application/json": {"schema": dict(ANY_OBJECT)}}
            responses[str(code)] = resp
        op["responses"] = responses
        if getattr(r, "guards", None):
            op["security"] = [{"bearerAuth": []}]
            components.setdefault(
                "securitySchemes",
                {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            )
        item[method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


def workspace_spec(workspace, root: str, routes, title: str) -> dict:
    """The OpenAPI document of a workspace: its routes under their mount prefixes, typed from
    its tables and from the models its files declare."""
    from ..app.declared_models import models_of
    from ..app.mount_prefixes import collect
    from ..lang import APP_LANGUAGES
    from .base import workspace_files
    from .tables import all_tables

    paths = list(workspace_files(root, APP_LANGUAGES))
    docs = [d for d in (workspace.read(p) for p in paths) if d is not None]
    # two passes: a field typed with a model of another file refers to it
    known: dict[str, frozenset[str]] = {}
    for doc in docs:
        lang = "javascript" if doc.language in ("typescript", "tsx") else doc.language
        names = set(models_of(doc.text, doc.language))
        known[lang or ""] = known.get(lang or "", frozenset()) | names
    models: dict = {}
    for doc in docs:
        lang = "javascript" if doc.language in ("typescript", "tsx") else doc.language
        for name, schema in models_of(
            doc.text, doc.language, known.get(lang or "", frozenset())
        ).items():
            models.setdefault(name, schema)
    return build_openapi(
        routes,
        title=title,
        root=root,
        tables=all_tables(workspace),
        models=models,
        prefixes=collect(paths),
    )


def dump(spec: dict, fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(spec, indent=2) + "\n"
    try:
        import yaml
    except ImportError:  # JSON is YAML too
        return json.dumps(spec, indent=2) + "\n"
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)


def design_findings(workspace, docs) -> list:
    out = []
    for doc in docs:
        for f in workspace.lint(doc).findings:
            if f.command == "DESIGN_API":
                out.append((doc, f))
    return out


@handler("DESIGN_API", need_document=False)
def design_api_command(t: Target) -> dict:
    """Write openapi.yaml of the workspace's routes and a report of the REST findings."""
    progress = t.progress
    try:
        routes, docs, missing = workspace_routes(t.workspace, t.root, t.progress)
        if missing:
            message = f"DESIGN_API: {missing}; no OpenAPI document was written."
            show(t, message)
            return result("DESIGN_API", message, routes=0)
        title = os.path.basename(os.path.abspath(t.root)) or "API"
        spec = workspace_spec(t.workspace, t.root, routes, title)
        spec_path = os.path.join(t.root, REPORT_DIR, "openapi.yaml")
        t.reports.append(Report(spec_path, dump(spec), show=False))
        progress.report("summarising the REST findings", 90)
        findings = design_findings(t.workspace, docs)
        md = [
            f"# DESIGN_API: {title}",
            "",
            f"{len(routes)} routes in {len(docs)} files. OpenAPI 3.1: `.backend-architect/openapi.yaml`.",
            "",
        ]
        md += ["| method | path | handler | file |", "|---|---|---|---|"]
        for doc, r in routes:
            md.append(
                f"| {r.method.upper()} | `{r.path}` | `{getattr(r, 'handler', '')}` | {os.path.relpath(doc.path, t.root)}:{doc.line_of(r.start) + 1} |"
            )
        md += ["", "## REST findings", ""]
        if findings:
            for doc, f in findings:
                md.append(
                    f"- {os.path.relpath(doc.path, t.root)}:{doc.line_of(f.start) + 1} **{f.code}** {f.message}"
                )
        else:
            md.append("None.")
        report = write_report(t, "design-api", "\n".join(md))
        message = f"DESIGN_API: {len(routes)} routes written to .backend-architect/openapi.yaml; {len(findings)} REST findings."
        show(t, message)
        return result(
            "DESIGN_API", message, routes=len(routes), openapi=spec_path, report=report, spec=spec
        )
    finally:
        progress.end()
