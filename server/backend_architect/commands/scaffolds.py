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

from ..core.document import apply_edits
from ..core.findings import Edit
from .. import frameworks
from ..lang import APP_LANGUAGES
from .base import (
    CommandError,
    FileChange,
    Target,
    handler,
    next_line_start,
    result,
    send_edit,
    show,
    tree_of,
    unique_path,
    workspace_edit,
)
from .service import _module_path

_STATEMENTS = {
    "expression_statement",
    "lexical_declaration",
    "variable_declaration",
    "short_var_declaration",
    "assignment_statement",
    "let_declaration",
}


def app_setup_at(doc, framework: str):
    """(app variable, byte offset after the statement creating the app, its indent) or None."""
    fw = frameworks.by_name(framework)
    pattern = fw.app_creation if fw is not None else None
    if pattern is None or doc.language not in (*APP_LANGUAGES, "rust"):
        return None
    m = pattern.search(doc.text)
    if m is None:
        return None
    start = len(doc.text[: m.start(2)].encode("utf-8"))
    node = tree_of(doc).root_node.descendant_for_byte_range(start, start)
    while node is not None and node.type not in _STATEMENTS:
        node = node.parent
    if node is None:
        return None
    end = next_line_start(doc, node.end_byte)
    return m.group(2), end, m.group(1)


def _setup(t: Target):
    doc = t.doc
    fw = frameworks.of_document(doc)
    if fw is None or fw.app_creation is None:
        names = _titles(f for f in frameworks.FRAMEWORKS if f.app_creation is not None)
        raise CommandError(
            f"{t.name}: open the file that creates the app ({names}); found {fw.title if fw else 'no web framework'} here."
        )
    setup = app_setup_at(doc, fw.name)
    return doc, fw, setup


def _titles(fws) -> str:
    titles = [f.title for f in fws]
    return ", ".join(titles[:-1]) + " or " + titles[-1] if len(titles) > 1 else "".join(titles)


@handler("MIDDLEWARE")
def middleware_command(t: Target) -> dict:
    """Scaffold the error handler, request ids + JSON logs and CORS, wired into the app."""
    if t.doc.language == "python" and _DJANGO_MIDDLEWARE_LIST.search(t.doc.text):
        return _django_middleware(t)
    doc, fw, setup = _setup(t)
    if setup is None:
        raise CommandError(
            "MIDDLEWARE: no app is created in this file (app = FastAPI() / Flask(__name__) / express() / await NestFactory.create() / Fastify() / gin.Default() / echo.New())."
        )
    var, after, indent = setup
    path = unique_path(os.path.join(os.path.dirname(doc.path), fw.middleware_filename or "x"))
    try:
        made = fw.middleware(doc, var, after, indent, path)
    except frameworks.Unsupported as e:
        raise CommandError(str(e)) from None
    if made is None:
        raise CommandError(f"MIDDLEWARE: no middleware scaffold for {fw.title} yet.")
    text, edits = made.text, made.edits
    edit = workspace_edit(doc, edits, [FileChange(path, text)])
    send_edit(t, edit, "MIDDLEWARE")
    message = f"MIDDLEWARE: wrote {os.path.relpath(path, t.root)} (error format, request ids with JSON logs, CORS from CORS_ORIGINS) and wired it into {var}."
    show(t, message)
    return result(
        "MIDDLEWARE",
        message,
        path=path,
        text=text,
        app_text=apply_edits(doc.text, edits),
        framework=fw.name,
    )


_DJANGO_MIDDLEWARE_LIST = re.compile(r"^MIDDLEWARE\s*=\s*[\[(]", re.M)


def _django_middleware(t: Target) -> dict:
    """Django: the settings module lists the middleware; ours goes first so it sees every response."""
    doc = t.doc
    if "RequestContextMiddleware" in doc.text:
        raise CommandError("MIDDLEWARE: RequestContextMiddleware is already listed in MIDDLEWARE.")
    path = unique_path(os.path.join(os.path.dirname(doc.path), "middleware.py"))
    _, module = _module_path(path)
    m = _DJANGO_MIDDLEWARE_LIST.search(doc.text)
    if m is None:
        raise CommandError("MIDDLEWARE: this settings module has no MIDDLEWARE list.")
    pos = len(doc.text[: m.end()].encode("utf-8"))
    edits = [Edit(pos, pos, f'\n    "{module}.RequestContextMiddleware",')]
    text = frameworks.django.FRAMEWORK.template("middleware.py")
    edit = workspace_edit(doc, edits, [FileChange(path, text)])
    send_edit(t, edit, "MIDDLEWARE")
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
    )


@handler("AUTH_SYSTEM")
def auth_command(t: Target) -> dict:
    """Scaffold JWT access + refresh tokens for the framework in use."""
    doc = t.doc
    fw = frameworks.of_document(doc)
    made = fw.auth_system(doc) if fw is not None else None
    if fw is None or made is None:
        names = _titles(f for f in frameworks.FRAMEWORKS if f.auth_system(doc) is not None)
        raise CommandError(
            f"AUTH_SYSTEM: run it from a {names} file (found {fw.title if fw else 'no web framework'})."
        )
    path = unique_path(os.path.join(os.path.dirname(doc.path), made.filename))
    text, lib, usage = made.text, made.library, made.usage
    edit = workspace_edit(None, [], [FileChange(path, text)])
    send_edit(t, edit, "AUTH_SYSTEM")
    message = (
        f"AUTH_SYSTEM: wrote {os.path.relpath(path, t.root)} with {lib}: access tokens (sub, email, roles, iat, exp) "
        f"and refresh tokens; set JWT_SECRET and JWT_REFRESH_SECRET; protect routes with {usage}."
    )
    show(t, message)
    return result("AUTH_SYSTEM", message, path=path, text=text, framework=fw.name)
