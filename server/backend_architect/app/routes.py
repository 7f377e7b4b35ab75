"""Routes of web handlers: the public entry point and the per-document cache.

The route model (:class:`Route`, :class:`Handler`, :class:`RequestRead`) is defined in
:mod:`.model`; how each framework declares its routes lives in its module under
``backend_architect.frameworks``. This module asks :func:`frameworks.detect` which
framework a file uses and dispatches to it; every handler rule and generator reads the
result (:func:`extract_routes`, or ``ctx.fact("routes")`` during a lint).
"""

from __future__ import annotations

from .. import frameworks
from ..core import languages
from ..core.document import Document
from ..lang import is_string, named_args, string_value, text
from .model import (
    CHANGING_METHODS,
    GUARD_RE,
    HTTP_METHODS,
    LIMITER_RE,
    NOT_GUARD_RE,
    SCHEMA_MW_RE,
    Analysis,
    Handler,
    RequestRead,
    Route,
    is_guard,
    normalise_path,
    path_params,
    status_from_text,
)

__all__ = [
    "CHANGING_METHODS",
    "GUARD_RE",
    "HTTP_METHODS",
    "LIMITER_RE",
    "NOT_GUARD_RE",
    "SCHEMA_MW_RE",
    "Analysis",
    "Handler",
    "RequestRead",
    "Route",
    "analyse",
    "extract_routes",
    "framework_of",
    "is_guard",
    "is_string",
    "named_args",
    "normalise_path",
    "path_params",
    "status_from_text",
    "string_value",
    "text",
]


def extract_routes(document: Document) -> list[Route]:
    """Every route declared in ``document``."""
    return [h.route for h in analyse(document).handlers]


def framework_of(document: Document) -> str | None:
    """The web framework a file is written against (from its imports), or None."""
    fw = frameworks.of_document(document)
    return fw.name if fw is not None else None


def analyse(document: Document) -> Analysis:
    cache = document._cache
    key = ("handlers", len(document.data), hash(document.data))
    if key in cache:
        return cache[key]
    result = _analyse(document)
    cache[key] = result
    return result


def handlers_fact(ctx) -> list[Handler]:
    return analyse(ctx.document).handlers


def routes_fact(ctx) -> list[Route]:
    return [h.route for h in analyse(ctx.document).handlers]


def _analyse(document: Document) -> Analysis:
    data = document.data
    fw = frameworks.of_document(document)
    if fw is None:
        return Analysis(None, None, [], data, document.path)
    if not fw.may_declare_routes(data):
        return Analysis(fw.name, None, [], data, document.path)  # nothing to parse for
    tree = languages.parse(data, document.language or "")
    handlers = fw.extract(document, tree, data)
    if handlers:
        fw.inherit_guards(document, handlers)
    for h in handlers:
        h.route.path_params = path_params(h.route.path)
        h.route.guards = list(dict.fromkeys(g for g in h.route.guards if g))
    return Analysis(fw.name, tree, handlers, data, document.path)
