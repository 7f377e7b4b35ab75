"""Which web framework a file or workspace uses, and the routes the server knows.

Route extraction lives in ``backend_architect.app.routes`` (another part of the
product); it is imported lazily and everything here degrades to "no routes" when
it is not installed, saying so in the command's message.
"""

from __future__ import annotations

from .. import frameworks
from ..lang import APP_LANGUAGES
from .base import Progress, Workspace, workspace_files

ROUTES_MISSING = (
    "route extraction is not available in this build (backend_architect.app.routes is missing), "
    "so no routes were read"
)


def routes_module():
    try:
        from ..app import routes
    except ImportError:
        return None
    return routes


def framework_in_text(text: str, language: str | None) -> str | None:
    """The framework a source text of ``language`` is written against (see ``frameworks.detect``)."""
    fw = frameworks.detect(language, text.encode("utf-8", "surrogatepass"))
    return fw.name if fw is not None else None


def framework_of(doc) -> str | None:
    fw = frameworks.of_document(doc)
    return fw.name if fw is not None else None


def workspace_framework(root: str) -> tuple[str | None, str | None]:
    """(framework, language) the workspace uses, judged by its files' imports: the first
    framework of the list that ENDPOINT and MIDDLEWARE support and some file uses."""
    scaffolded = frameworks.scaffolded()
    for family, langs in (
        ("python", ("python",)),
        ("javascript", ("typescript", "tsx", "javascript")),
        ("go", ("go",)),
        ("rust", ("rust",)),
    ):
        found: set[str] = set()
        for path in workspace_files(root, langs, limit=1000):
            try:
                with open(path, "rb") as fh:
                    head = fh.read(frameworks.DETECTION_BYTES)
            except OSError:
                continue
            fw = frameworks.detect(family, head)
            if fw is not None:
                found.add(fw.name)
        fw = next((f for f in scaffolded if f.name in found), None)
        if fw is not None:
            if family == "javascript":
                has_ts = any(True for _ in workspace_files(root, ("typescript", "tsx"), limit=1))
                return fw.name, "typescript" if has_ts else "javascript"
            return fw.name, family
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
    workspace: Workspace, root: str, progress: Progress | None = None
) -> tuple[list, list, str | None]:
    """(routes, documents) of the whole workspace; the third item says why none when unavailable."""
    mod = routes_module()
    if mod is None:
        return [], [], ROUTES_MISSING
    routes: list = []
    docs: list = []
    paths = list(workspace_files(root, (*APP_LANGUAGES, "rust")))  # Axum / Actix routes too
    for i, path in enumerate(paths):
        doc = workspace.read(path)
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
