"""App setup shared by the Python frameworks' fixes: imports, a module-level object, a line
after the statement creating the app."""

from __future__ import annotations

import re

from ...core.findings import Edit
from ...lang import python as pylang
from .output import Generated, Unsupported, read_template
from ...lang import top_level_statement_end


def python_setup(a, data, imports, define, app_re, app_line):
    lines = [i for i in imports if i.encode() not in data]
    edits = []
    app = re.search(app_re.encode(), data, re.M) if app_re else None
    block = "\n".join(lines)
    if (
        define
        and not re.search(rb"^\s*limiter\s*=", data, re.M)
        and not (app and app_line and app_line.startswith("limiter"))
    ):
        block += ("\n\n" if block else "") + define
    if block:
        imp = pylang.add_import(data, a.tree, block)
        if imp is not None:
            edits.append(imp)
    if (
        app is not None
        and app_line
        and not re.search(rb"\.state\.limiter\s*=|^limiter\s*=", data, re.M)
    ):
        end = top_level_statement_end(a.tree, app.start(), data)
        edits.append(Edit(end, end, "\n" + app_line.format(app=app.group(1).decode())))
    return edits


def install_middleware(fw, doc, app: str, after: int, indent: str, path: str) -> Generated:
    """FastAPI / Flask: ``install_middleware(app)`` from a module beside the app."""
    if "install_middleware(" in doc.text:
        raise Unsupported("MIDDLEWARE: install_middleware is already wired into this app.")
    mod = pylang.import_name(doc.path, path)
    off = pylang.after_imports(doc.text)
    edits = [
        Edit(off, off, f"from {mod} import install_middleware\n"),
        Edit(after, after, f"{indent}install_middleware({app})\n"),
    ]
    return Generated(path, fw.template("middleware.py"), edits)


def jwt_auth(fw, usage: str) -> Generated:
    """FastAPI / Flask: the shared token functions plus the framework's dependencies."""
    text = read_template("_shared", "jwt_tokens.py") + fw.template("auth_dependencies.py")
    return Generated("auth.py", text, library="PyJWT (pip install pyjwt)", usage=usage)
