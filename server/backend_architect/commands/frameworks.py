"""Which web framework a file or workspace uses, and the routes the server knows.

Route extraction lives in ``backend_architect.app.routes`` (another part of the
product); it is imported lazily and everything here degrades to "no routes" when
it is not installed, saying so in the command's message.
"""

from __future__ import annotations

import re

from .base import open_or_read, workspace_files, workspace_text

ROUTES_MISSING = (
    "route extraction is not available in this build (backend_architect.app.routes is missing), "
    "so no routes were read"
)

_IMPORT_PATTERNS = (
    ("fastapi", "python", re.compile(r"^\s*(from\s+fastapi\b|import\s+fastapi\b)", re.M)),
    ("flask", "python", re.compile(r"^\s*(from\s+flask\b|import\s+flask\b)", re.M)),
    ("django", "python", re.compile(r"^\s*from\s+django\b", re.M)),
    (
        "nestjs",
        "js",
        re.compile(
            r"""from\s+['"]@nestjs/(common|core)['"]|require\(\s*['"]@nestjs/(common|core)['"]\s*\)"""
        ),
    ),
    ("express", "js", re.compile(r"""require\(\s*['"]express['"]\s*\)|from\s+['"]express['"]""")),
    ("fastify", "js", re.compile(r"""require\(\s*['"]fastify['"]\s*\)|from\s+['"]fastify['"]""")),
    ("gin", "go", re.compile(r'"github\.com/gin-gonic/gin"')),
    ("echo", "go", re.compile(r'"github\.com/labstack/echo(/v4)?"')),
)


def routes_module():
    try:
        from ..app import routes
    except ImportError:
        return None
    return routes


def framework_in_text(text: str, language: str | None) -> str | None:
    family = {
        "python": "python",
        "javascript": "js",
        "typescript": "js",
        "tsx": "js",
        "go": "go",
    }.get(language or "")
    for name, fam, pattern in _IMPORT_PATTERNS:
        if (family is None or fam == family) and pattern.search(text):
            return name
    return None


def framework_of(doc) -> str | None:
    mod = routes_module()
    if mod is not None and hasattr(mod, "framework_of"):
        try:
            found = mod.framework_of(doc)
            if found:
                return found
        except Exception:
            pass
    return framework_in_text(doc.text, doc.language)


def workspace_framework(root: str) -> tuple[str | None, str | None]:
    """(framework, language) the workspace uses, judged by imports."""
    for lang, langs in (
        ("python", ("python",)),
        ("typescript", ("typescript", "tsx", "javascript")),
        ("go", ("go",)),
    ):
        fw = framework_in_text(workspace_text(root, langs), lang)
        if fw:
            if lang == "typescript":
                has_ts = any(True for _ in workspace_files(root, ("typescript", "tsx"), limit=1))
                return fw, "typescript" if has_ts else "javascript"
            return fw, lang
    return None, None


def routes_of(doc) -> list | None:
    """Routes declared in one document, or None when route extraction is unavailable."""
    mod = routes_module()
    if mod is None:
        return None
    try:
        return list(mod.extract_routes(doc))
    except Exception:
        return []


def workspace_routes(
    session, root: str, server=None, progress=None
) -> tuple[list, list, str | None]:
    """(routes, documents) of the whole workspace; the third item says why none when unavailable."""
    mod = routes_module()
    if mod is None:
        return [], [], ROUTES_MISSING
    routes: list = []
    docs: list = []
    paths = list(workspace_files(root, ("python", "javascript", "typescript", "tsx", "go")))
    for i, path in enumerate(paths):
        doc = open_or_read(session, path, server)
        if doc is None:
            continue
        if progress is not None and i % 25 == 0:
            progress.report(
                f"reading routes: {i}/{len(paths)} files", int(100 * i / max(1, len(paths)))
            )
        try:
            found = list(mod.extract_routes(doc))
        except Exception:
            found = []
        if found:
            docs.append(doc)
            for r in found:
                routes.append((doc, r))
    return routes, docs, None
