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
    unique_path,
    workspace_edit,
)
from .frameworks import framework_of, routes_of, workspace_framework
from .tables import TableInfo, all_tables, no_table_message, resolve_table

OPERATIONS = ("list", "get", "create", "replace", "update", "delete")
OP_ROUTES = {  # operation -> (method, item path?)
    "list": ("GET", False),
    "get": ("GET", True),
    "create": ("POST", False),
    "replace": ("PUT", True),
    "update": ("PATCH", True),
    "delete": ("DELETE", True),
}


# -- assembling files ---------------------------------------------------------------------------------


def new_file(
    framework: str, language: str, t: TableInfo, ops=OPERATIONS, package: str = "handlers"
) -> str:
    base = "/" + naming.snake(t.name).replace("_", "-")
    fw = frameworks.by_name(framework)
    try:
        made = fw.endpoint_file(t, ops, base, language, package) if fw is not None else None
    except frameworks.Unsupported as e:
        raise CommandError(str(e)) from None
    if made is not None:
        return made
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


def append_to_route_file(doc, framework: str, tables: dict) -> tuple[list, str]:
    """Edits adding the missing CRUD endpoints of the file's resource; (edits, description)."""
    fw = frameworks.by_name(framework)
    if fw is None:
        raise CommandError(f"ENDPOINT: no generator for the {framework} framework yet.")
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
    try:
        edits = fw.endpoint_append(doc, table, ops, base, router_var)
    except frameworks.Unsupported as e:
        raise CommandError(str(e)) from None
    if edits is None:
        raise CommandError(
            f"ENDPOINT: adding to an existing {framework} file is not supported; run it on the table."
        )
    return edits, f"{', '.join(ops)} for {base}"


@handler("ENDPOINT")
def endpoint_command(t: Target) -> dict:
    """Generate the missing CRUD endpoints of the resource under the cursor."""
    doc = t.doc
    table = resolve_table(t, t.options.get("table"))
    fw = framework_of(doc) if doc.language != "sql" else None
    if table is None and fw is not None:
        tables = all_tables(t.workspace, doc)
        try:
            edits, what = append_to_route_file(doc, fw, tables)
        except CommandError as exc:
            if "no table named" in str(exc):
                raise CommandError(no_table_message(t, "ENDPOINT", str(exc))) from None
            raise
        from ..core.findings import Edit

        edit = workspace_edit(doc, [Edit(s, e, x) for s, e, x in edits])
        send_edit(t, edit, "ENDPOINT")
        from ..core.document import apply_edits

        new_text = apply_edits(doc.text, [Edit(s, e, x) for s, e, x in edits])
        message = f"ENDPOINT: added {what} ({fw})."
        show(t, message)
        return result("ENDPOINT", message, path=doc.path, text=new_text, framework=fw)
    if table is None:
        raise CommandError(
            no_table_message(
                t,
                "ENDPOINT",
                "ENDPOINT: put the cursor on a CREATE TABLE (or select a table name), or run it in a route file.",
            )
        )
    framework = t.options.get("framework")
    language = t.options.get("language")
    if not framework:
        framework, language = workspace_framework(t.root)
    if not framework:
        framework, language = "fastapi", "python"
    module = frameworks.by_name(framework)
    language = language or (module.default_language if module is not None else "")
    from ..project.dependencies import for_path

    table.dependencies = for_path(os.path.join(t.root, "x"))
    text = new_file(framework, language, table)  # says which frameworks have a generator
    stem = naming.snake(table.name)
    place = (
        module.endpoint_location(t.root, stem, naming.camel(table.name), language)
        if module is not None
        else None
    )
    if module is None or place is None:
        raise CommandError(f"ENDPOINT: no generator for the {framework} framework yet.")
    folder, name = place
    path = unique_path(os.path.join(t.root, folder, name))
    text = module.endpoint_placed(text, path, t.root, stem)
    edit = workspace_edit(None, [], [FileChange(path, text)])
    send_edit(t, edit, f"ENDPOINT: {table.name}")
    message = f"ENDPOINT: generated {os.path.relpath(path, t.root)} with the CRUD endpoints of {table.name} ({framework})."
    show(t, message)
    return result("ENDPOINT", message, path=path, text=text, framework=framework)
