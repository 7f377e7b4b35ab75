"""Web frameworks: one module per framework, one explicit list.

Everything the product knows about a framework lives in its module
(``frameworks/<name>.py``) and its templates (``frameworks/templates/<name>/``);
rules and generators ask the framework object and never switch on its name.

The interface (:class:`~.base.Framework`, in ``base.py``)
----------------------------------------------------------
A module defines a subclass of :class:`Framework` (or of :class:`GoRouter` for Go
routers declared ``r.VERB(path, handlers...)``) and one instance, ``FRAMEWORK``.

Identity
    ``name`` (``Route.framework``, ``--framework``), ``title``, ``language`` (the
    family of its files: ``"python"``, ``"javascript"`` for JS/TS/TSX, ``"go"``;
    new families such as ``"rust"`` also add their document languages to
    :data:`LANGUAGE_FAMILIES`), ``default_language`` (generated files),
    ``scaffolds`` (ENDPOINT/MIDDLEWARE generate for it).
Detection — ``detects(head: bytes) -> bool``
    the only detector: called with the first 20,000 bytes of a file of the
    framework's language family; the first framework in :data:`FRAMEWORKS` that
    says yes owns the file (so more specific frameworks come first).
Routes — ``extract(document, tree, data) -> list[Handler]``
    the routes of the file (``app.model.Route`` wrapped in a ``Handler`` with the
    handler's syntax node and ``extra`` facts for rules); then
    ``inherit_guards(document, handlers)`` adds guards applied elsewhere.
    ``app/routes.py`` only dispatches here. Shared machinery for a family is in
    ``frameworks/kit/`` (a framework may use it or not).
Input validation (IV001, ENDPOINT) — ``validation_idiom`` (IV001's message),
    ``input_style`` (``"request"``: a request object is read; ``"dto"``: decorated
    parameters; ``"bind"``: Go, decoded into a struct), ``input_label(h, kind)`` (how
    the message names the data read), ``validation_fix(a, h, kind, data)``;
    Python: ``typed_body_params`` + ``body_param_fix(...)`` (FastAPI ``dict`` bodies);
    Go: ``tag_key``, ``struct_tag_fix`` / ``bound_struct_fix(a, h, call, fields, data)``,
    ``checks_form_reads``, ``form_idiom``, ``form_validation_fix(a, h, forms, data)``.
    Fixes return ``(edits, title)`` or None.
Rate limiting (RL001) — ``limiter`` and ``rate_limit_fix(a, h, data) -> (edits, limiter)``.
Status conventions (API003) — ``default_status(h)`` (what a handler answers when it
    says nothing; None when it must always say), ``created_status_edits(h, data)``,
    ``finding_span(h, data)`` (where route findings go).
Other rule facts — ``native_error_shape`` (API005), ``class_scoped_access_checks``
    (AZ001), ``serves_json(h, data)`` (REST rules), ``request_parameters(h, data)``
    (IV010: handler parameters that carry request data).
App setup — ``app_creation`` (regex: indent, app variable), used by MIDDLEWARE and
    the code actions to find where the app is created.
Generators — ENDPOINT: ``endpoint_file(table, ops, base, language, package)``,
    ``endpoint_location(root, stem, camel, language)``, ``endpoint_placed(text, path,
    root, stem)``, ``endpoint_append(doc, table, ops, base, router_var)``; MIDDLEWARE:
    ``middleware_filename`` + ``middleware(doc, app, after, indent, path)``;
    AUTH_SYSTEM: ``auth_system(doc)``. They return text, edits or :class:`Generated`, or
    None (not supported), and raise :class:`Unsupported` with a message for the user.
Templates — files under ``templates/<name>/`` read with ``self.template(file,
    **placeholders)`` (``{{placeholder}}`` syntax; ``templates/_shared`` via
    ``read_template``); ``template_samples`` gives a sample value for each placeholder,
    and ``tests/test_frameworks.py`` parses every template filled with them.

Every hook has a default in :class:`Framework` that means "nothing to add" (no fix,
no generator), so a new framework implements only what it supports.

Adding a framework: write its module, add it to ``_MODULES`` (the one list: module,
language family, name; :data:`FRAMEWORKS` holds them in that order),
put its templates under ``templates/<name>/`` and its fixtures under ``tests/fixtures``.
Nothing registers itself on import.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from ..core.document import Document
from .base import Framework, Generated, GoRouter, Unsupported

# Every framework: (module, language family, name), the one list. Order matters within a
# language family: the first framework that detects a file owns it. A family's modules are
# imported when a file of that family first asks (a check of Python code loads no Go router).
_MODULES: tuple[tuple[str, str, str], ...] = (
    ("fastapi", "python", "fastapi"),
    ("flask", "python", "flask"),
    ("django", "python", "django"),
    ("hono", "javascript", "hono"),
    ("nestjs", "javascript", "nestjs"),
    ("fastify", "javascript", "fastify"),
    ("express", "javascript", "express"),
    ("gin", "go", "gin"),
    ("echo", "go", "echo"),
    ("fiber", "go", "fiber"),
    ("chi", "go", "chi"),
    ("gorilla", "go", "gorilla"),
    ("nethttp", "go", "net/http"),
    ("axum", "rust", "axum"),
    ("actix", "rust", "actix"),
)

if TYPE_CHECKING:
    FRAMEWORKS: tuple[Framework, ...]  # every framework, in the order above (on first use)

# document language -> framework language family
LANGUAGE_FAMILIES = {
    "python": "python",
    "javascript": "javascript",
    "typescript": "javascript",
    "tsx": "javascript",
    "go": "go",
    "rust": "rust",
}

DETECTION_BYTES = 20000

_FAMILIES: dict[str, tuple[Framework, ...]] = {}


def _framework(module: str) -> Framework:
    return import_module(f"{__name__}.{module}").FRAMEWORK


def _of_family(family: str) -> tuple[Framework, ...]:
    """The frameworks of a language family, in detection order."""
    found = _FAMILIES.get(family)
    if found is None:
        found = tuple(_framework(m) for m, f, _ in _MODULES if f == family)
        _FAMILIES[family] = found
    return found


def __getattr__(name: str):
    """``FRAMEWORKS`` (every framework module imported) and the framework modules by name."""
    if name == "FRAMEWORKS":
        value = tuple(_framework(m) for m, _, _ in _MODULES)
        globals()["FRAMEWORKS"] = value
        return value
    if any(m == name for m, _, _ in _MODULES):
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FRAMEWORKS",
    "LANGUAGE_FAMILIES",
    "Framework",
    "Generated",
    "GoRouter",
    "Unsupported",
    "by_name",
    "detect",
    "of_document",
    "scaffolded",
]


def by_name(name: str | None) -> Framework | None:
    """The framework called ``name`` ("express", "net/http"), or None."""
    module = next((m for m, _, n in _MODULES if n == name), None)
    return _framework(module) if module is not None else None


def detect(language: str | None, data: bytes) -> Framework | None:
    """The framework a file of ``language`` is written against (from its start), or None."""
    family = LANGUAGE_FAMILIES.get(language or "")
    if family is None:
        return None
    head = data[:DETECTION_BYTES]
    for fw in _of_family(family):
        if fw.detects(head):
            return fw
    return None


def of_document(document: Document) -> Framework | None:
    """The framework of an open document, or None."""
    return detect(document.language, document.data)


def scaffolded() -> tuple[Framework, ...]:
    """The frameworks ENDPOINT and MIDDLEWARE generate code for (``--framework`` choices)."""
    return tuple(f for f in __getattr__("FRAMEWORKS") if f.scaffolds)
