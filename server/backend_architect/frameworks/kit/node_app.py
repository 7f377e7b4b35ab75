"""App setup shared by the Node frameworks' generators."""

from __future__ import annotations

from ...core.findings import Edit
from ...lang import javascript as jslang
from .output import Generated, Unsupported


def require_typescript(fw, doc) -> None:
    if doc.language not in ("typescript", "tsx"):
        raise Unsupported(
            f"MIDDLEWARE: the {fw.title} scaffold is written in TypeScript; run it from a .ts app file."
        )


def install_middleware(fw, doc, app: str, after: int, indent: str, path: str) -> Generated:
    """``installMiddleware(app)`` imported from the module beside the app."""
    if "installMiddleware(" in doc.text:
        raise Unsupported("MIDDLEWARE: installMiddleware is already wired into this app.")
    off = jslang.after_imports(doc.text)
    spec = jslang.relative_import(doc.path, path)
    edits = [
        Edit(off, off, f'import {{ installMiddleware }} from "{spec}";\n'),
        Edit(after, after, f"{indent}installMiddleware({app});\n"),
    ]
    return Generated(path, fw.template("middleware.ts"), edits)
