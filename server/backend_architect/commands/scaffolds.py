"""MIDDLEWARE and AUTH_SYSTEM: scaffold cross-cutting code for the framework in use.

MIDDLEWARE writes a module with the central error handler (the error format of
ARCHITECT.md), request ids with JSON logs, and CORS restricted to the origins
in CORS_ORIGINS (never ``*`` with credentials), and wires it into the app.
AUTH_SYSTEM writes JWT access + refresh token issuing and verification (sub,
email, roles, iat, exp) with PyJWT, jsonwebtoken or golang-jwt, secrets from
the environment.
"""

from __future__ import annotations

import os
import re

from ..core.findings import Edit
from . import scaffold_templates as tpl
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
from .frameworks import framework_of
from .service import _after_imports, _module_path

_APP_CREATION = {
    "fastapi": re.compile(r"^([ \t]*)(\w+)\s*=\s*(?:fastapi\.)?FastAPI\(", re.M),
    "flask": re.compile(r"^([ \t]*)(\w+)\s*=\s*(?:flask\.)?Flask\(", re.M),
    "express": re.compile(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*\w+\s*)?=\s*express\(\s*\)", re.M
    ),
    "gin": re.compile(r"^([ \t]*)(\w+)\s*:?=\s*gin\.(?:Default|New)\(\s*\)", re.M),
    "fastify": re.compile(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*\w+\s*)?=\s*(?:Fastify|fastify)\(", re.M
    ),
    "nestjs": re.compile(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*[\w<>]+\s*)?=\s*await\s+NestFactory\.create(?:<[^>]*>)?\(",
        re.M,
    ),
    "echo": re.compile(r"^([ \t]*)(\w+)\s*:?=\s*echo\.New\(\s*\)", re.M),
}
_STATEMENTS = {
    "expression_statement",
    "lexical_declaration",
    "variable_declaration",
    "short_var_declaration",
    "assignment_statement",
}


def app_setup_at(doc, framework: str):
    """(app variable, byte offset after the statement creating the app, its indent) or None."""
    pattern = _APP_CREATION.get(framework)
    if pattern is None or doc.language not in ("python", "javascript", "typescript", "tsx", "go"):
        return None
    m = pattern.search(doc.text)
    if m is None:
        return None
    from .base import tree_of

    start = len(doc.text[: m.start(2)].encode("utf-8"))
    node = tree_of(doc).root_node.descendant_for_byte_range(start, start)
    while node is not None and node.type not in _STATEMENTS:
        node = node.parent
    if node is None:
        return None
    line = node.end_point[0]
    end = doc.line_starts[line + 1] if line + 1 < len(doc.line_starts) else len(doc.data)
    return m.group(2), end, m.group(1)


def _import_for(doc, module_file: str) -> str:
    """How the app file imports the new Python module beside it."""
    _, app_module = _module_path(doc.path)
    _, mod = _module_path(module_file)
    if "." not in app_module:
        mod = os.path.splitext(os.path.basename(module_file))[0]
    return mod


def _ts_import_path(doc, module_file: str) -> str:
    rel = os.path.relpath(os.path.splitext(module_file)[0], os.path.dirname(doc.path)).replace(
        os.sep, "/"
    )
    return rel if rel.startswith(".") else "./" + rel


def _go_package(doc) -> str:
    m = re.search(r"^package\s+(\w+)", doc.text, re.M)
    return m.group(1) if m else "main"


def _setup(t: Target):
    doc = t.document
    fw = framework_of(doc)
    if fw not in _APP_CREATION:
        raise CommandError(
            f"{t.name}: open the file that creates the app (FastAPI, Flask, Express, NestJS, Fastify, Gin or Echo); found {fw or 'no web framework'} here."
        )
    setup = app_setup_at(doc, fw)
    return doc, fw, setup


@handler("MIDDLEWARE")
def middleware_command(t: Target) -> dict:
    """Scaffold the error handler, request ids + JSON logs and CORS, wired into the app."""
    if t.document.language == "python" and _DJANGO_MIDDLEWARE_LIST.search(t.document.text):
        return _django_middleware(t)
    if framework_of(t.document) not in _APP_CREATION:
        return _module_middleware(t)
    doc, fw, setup = _setup(t)
    if setup is None:
        raise CommandError(
            "MIDDLEWARE: no app is created in this file (app = FastAPI() / Flask(__name__) / express() / await NestFactory.create() / Fastify() / gin.Default() / echo.New())."
        )
    var, after, indent = setup
    folder = os.path.dirname(doc.path)
    edits: list[Edit] = []
    if fw in ("fastapi", "flask"):
        if "install_middleware(" in doc.text:
            raise CommandError("MIDDLEWARE: install_middleware is already wired into this app.")
        path = unique_path(os.path.join(folder, "middleware.py"))
        text = tpl.FASTAPI_MIDDLEWARE if fw == "fastapi" else tpl.FLASK_MIDDLEWARE
        mod = _import_for(doc, path)
        off = _after_imports(doc)
        edits.append(Edit(off, off, f"from {mod} import install_middleware\n"))
        edits.append(Edit(after, after, f"{indent}install_middleware({var})\n"))
    elif fw == "express":
        if doc.language not in ("typescript", "tsx"):
            raise CommandError(
                "MIDDLEWARE: the Express scaffold is written in TypeScript; run it from a .ts app file."
            )
        if "errorHandler" in doc.text:
            raise CommandError("MIDDLEWARE: an errorHandler is already wired into this app.")
        path = unique_path(os.path.join(folder, "middleware.ts"))
        text = tpl.EXPRESS_MIDDLEWARE_TS
        off = _ts_after_imports(doc)
        edits.append(
            Edit(
                off,
                off,
                f'import {{ errorHandler, notFound, requestContext }} from "{_ts_import_path(doc, path)}";\n',
            )
        )
        edits.append(Edit(after, after, f"{indent}{var}.use(requestContext);\n"))
        m = re.search(rf"^[ \t]*{re.escape(var)}\.listen\(", doc.text, re.M)
        tail = f"{var}.use(notFound);\n{var}.use(errorHandler);\n"
        if m:
            pos = len(doc.text[: m.start()].encode("utf-8"))
            edits.append(Edit(pos, pos, tail + "\n"))
        else:
            end = len(doc.data)
            edits.append(Edit(end, end, ("" if doc.text.endswith("\n") else "\n") + tail))
    elif fw in ("nestjs", "fastify"):
        if fw == "fastify" and doc.language not in ("typescript", "tsx"):
            raise CommandError(
                "MIDDLEWARE: the Fastify scaffold is written in TypeScript; run it from a .ts app file."
            )
        if "installMiddleware(" in doc.text:
            raise CommandError("MIDDLEWARE: installMiddleware is already wired into this app.")
        path = unique_path(os.path.join(folder, "middleware.ts"))
        text = tpl.NESTJS_MIDDLEWARE_TS if fw == "nestjs" else tpl.FASTIFY_MIDDLEWARE_TS
        off = _ts_after_imports(doc)
        edits.append(
            Edit(off, off, f'import {{ installMiddleware }} from "{_ts_import_path(doc, path)}";\n')
        )
        edits.append(Edit(after, after, f"{indent}installMiddleware({var});\n"))
    elif fw == "echo":
        if "InstallMiddleware(" in doc.text:
            raise CommandError("MIDDLEWARE: InstallMiddleware is already wired into this app.")
        path = unique_path(os.path.join(folder, "middleware.go"))
        text = tpl.ECHO_MIDDLEWARE.replace("{package}", _go_package(doc))
        edits.append(Edit(after, after, f"{indent}InstallMiddleware({var})\n"))
    else:  # gin
        if "InstallMiddleware(" in doc.text:
            raise CommandError("MIDDLEWARE: InstallMiddleware is already wired into this app.")
        path = unique_path(os.path.join(folder, "middleware.go"))
        text = tpl.GIN_MIDDLEWARE.replace("{package}", _go_package(doc))
        edits.append(Edit(after, after, f"{indent}InstallMiddleware({var})\n"))
    edit = workspace_edit(t.session, doc, edits, [FileChange(path, text)])
    send_edit(t, edit, "MIDDLEWARE")
    from ..core.document import apply_edits

    message = f"MIDDLEWARE: wrote {os.path.relpath(path, t.root)} (error format, request ids with JSON logs, CORS from CORS_ORIGINS) and wired it into {var}."
    show(t, message)
    return result(
        "MIDDLEWARE",
        message,
        path=path,
        text=text,
        app_text=apply_edits(doc.text, edits),
        framework=fw,
        edit=to_json(edit),
    )


def _module_middleware(t: Target) -> dict:
    """A framework whose module generates its own middleware (``Framework.middleware``)."""
    from .. import frameworks

    doc = t.document
    fw = frameworks.of_document(doc)
    m = fw.app_creation.search(doc.text) if fw is not None and fw.app_creation else None
    if fw is None or m is None:
        raise CommandError(
            f"{t.name}: open the file that creates the app; found {fw.title if fw else 'no web framework'} here."
        )
    start = len(doc.text[: m.end()].encode("utf-8"))
    statement_end = doc.data.find(b";", start)
    after = start if fw.name == "actix" or statement_end < 0 else statement_end + 1
    gen = fw.middleware(doc, m.group(2), after, m.group(1))
    if gen is None:
        raise CommandError(f"{t.name}: no middleware generator for {fw.title}.")
    root = t.root or os.path.dirname(doc.path)
    # the module goes beside the file that creates the app (src/main.rs -> src/middleware.rs)
    path = unique_path(os.path.join(os.path.dirname(doc.path), os.path.basename(gen.filename)))
    edit = workspace_edit(t.session, doc, gen.edits, [FileChange(path, gen.text)])
    send_edit(t, edit, "MIDDLEWARE")
    from ..core.document import apply_edits

    message = f"MIDDLEWARE: wrote {os.path.relpath(path, root)} (error format, request ids, logs, CORS from CORS_ORIGINS) and wired it into the app; {gen.note}."
    show(t, message)
    return result(
        "MIDDLEWARE",
        message,
        path=path,
        text=gen.text,
        app_text=apply_edits(doc.text, gen.edits),
        framework=fw.name,
        edit=to_json(edit),
    )


_DJANGO_MIDDLEWARE_LIST = re.compile(r"^MIDDLEWARE\s*=\s*[\[(]", re.M)


def _django_middleware(t: Target) -> dict:
    """Django: the settings module lists the middleware; ours goes first so it sees every response."""
    doc = t.document
    if "RequestContextMiddleware" in doc.text:
        raise CommandError("MIDDLEWARE: RequestContextMiddleware is already listed in MIDDLEWARE.")
    path = unique_path(os.path.join(os.path.dirname(doc.path), "middleware.py"))
    _, module = _module_path(path)
    m = _DJANGO_MIDDLEWARE_LIST.search(doc.text)
    pos = len(doc.text[: m.end()].encode("utf-8"))
    edits = [Edit(pos, pos, f'\n    "{module}.RequestContextMiddleware",')]
    text = tpl.DJANGO_MIDDLEWARE
    edit = workspace_edit(t.session, doc, edits, [FileChange(path, text)])
    send_edit(t, edit, "MIDDLEWARE")
    from ..core.document import apply_edits

    message = (
        f"MIDDLEWARE: wrote {os.path.relpath(path, t.root)} (error format, request ids with JSON logs, CORS from CORS_ORIGINS) "
        f"and listed {module}.RequestContextMiddleware first in MIDDLEWARE."
    )
    show(t, message)
    return result(
        "MIDDLEWARE",
        message,
        path=path,
        text=text,
        app_text=apply_edits(doc.text, edits),
        framework="django",
        edit=to_json(edit),
    )


def _ts_after_imports(doc) -> int:
    last = 0
    offset = 0
    for line in doc.text.splitlines(keepends=True):
        offset += len(line.encode("utf-8"))
        if re.match(r"\s*(import\s|const\s+\w+\s*=\s*require\()", line):
            last = offset
    return last


@handler("AUTH_SYSTEM")
def auth_command(t: Target) -> dict:
    """Scaffold JWT access + refresh tokens for the framework in use."""
    doc = t.document
    fw = framework_of(doc)
    folder = os.path.dirname(doc.path)
    if fw in ("fastapi", "flask"):
        path = unique_path(os.path.join(folder, "auth.py"))
        text = tpl.PY_AUTH + (tpl.FASTAPI_AUTH_DEPS if fw == "fastapi" else tpl.FLASK_AUTH_DEPS)
        lib = "PyJWT (pip install pyjwt)"
        usage = (
            'Depends(current_user) / Depends(require_roles("admin"))'
            if fw == "fastapi"
            else '@login_required() / @login_required("admin")'
        )
    elif fw == "express":
        path = unique_path(os.path.join(folder, "auth.ts"))
        text = tpl.EXPRESS_AUTH_TS
        lib = "jsonwebtoken (npm install jsonwebtoken @types/jsonwebtoken)"
        usage = 'router.get(path, requireAuth(), handler) / requireAuth("admin")'
    elif fw == "gin":
        path = unique_path(os.path.join(folder, "auth.go"))
        text = tpl.GIN_AUTH.replace("{package}", _go_package(doc))
        lib = "golang-jwt (go get github.com/golang-jwt/jwt/v5)"
        usage = 'r.GET(path, AuthRequired(), handler) / AuthRequired("admin")'
    else:
        raise CommandError(
            f"AUTH_SYSTEM: run it from a FastAPI, Flask, Express or Gin file (found {fw or 'no web framework'})."
        )
    edit = workspace_edit(t.session, None, [], [FileChange(path, text)])
    send_edit(t, edit, "AUTH_SYSTEM")
    message = (
        f"AUTH_SYSTEM: wrote {os.path.relpath(path, t.root)} with {lib}: access tokens (sub, email, roles, iat, exp) "
        f"and refresh tokens; set JWT_SECRET and JWT_REFRESH_SECRET; protect routes with {usage}."
    )
    show(t, message)
    return result("AUTH_SYSTEM", message, path=path, text=text, framework=fw, edit=to_json(edit))
