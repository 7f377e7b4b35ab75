"""A project's schema, read from that project's own migrations only.

Files of a nested project (its own ``go.mod`` or ``package.json``), test data,
vendored and build output, files git ignores, and migrations written for
another database than PostgreSQL are not part of a project's schema. A
migration file can also see the schema as it was before it ran
(:func:`catalog_before`), built from the earlier migrations only.
"""

from __future__ import annotations

import os
from typing import Callable

from ..catalog.sources import order_key
from .model import ProjectModel, model as _default_model
from .ownership import GENERATED


def schema_file_filter(root: str, settings, m: ProjectModel | None = None) -> Callable[[str], bool]:
    """``is_excluded(path)`` for the catalog builder: True for files that are not this project's schema."""
    m = m or _default_model()
    root = os.path.abspath(root)
    excluded_by_settings = settings.is_excluded if settings is not None and getattr(settings, "exclude", ()) else None

    def is_excluded(path: str) -> bool:
        if excluded_by_settings is not None and excluded_by_settings(path):
            return True
        info = m.file_info(path, settings, check_git=False)
        if info.project_root is not None and os.path.abspath(info.project_root) != root:
            return True  # a nested project has its own schema
        if info.not_own is not None and info.not_own.kind != GENERATED:
            return True  # a generated schema dump is still the schema
        if m.known_ignored(path):
            return True
        return not info.may_be(("postgres",))

    return is_excluded


def build_catalog(root: str, settings=None, progress=None, use_disk_cache: bool = True,
                  m: ProjectModel | None = None):
    """The catalog of project ``root`` (None when it has no schema files)."""
    from ..catalog.build import build

    globs = tuple(getattr(settings, "schema", ()) or ())
    base = getattr(settings, "root", None) or root
    return build([root], globs, base, schema_file_filter(root, settings, m), progress=progress,
                 use_disk_cache=use_disk_cache)


def catalog_before(root: str, path: str, settings=None, m: ProjectModel | None = None) -> Callable[[], object]:
    """A function giving the schema as of migration ``path``: the project's migrations ordered
    before it, without schema dumps (a dump shows the final schema). Built on first call."""
    m = m or _default_model()
    cache: list = []

    def get():
        if cache:
            return cache[0]
        from ..catalog.build import build

        own = schema_file_filter(root, settings, m)
        mine = (order_key(path), path)

        def is_excluded(p: str) -> bool:
            if own(p):
                return True
            if not m.file_info(p, settings, check_git=False).is_migration:
                return True
            return (order_key(p), p) >= mine

        cache.append(build([root], (), root, is_excluded, use_disk_cache=False))
        return cache[0]

    return get
