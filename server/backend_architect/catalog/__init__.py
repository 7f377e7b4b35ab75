"""The workspace's schema, learnt from its migrations and schema dumps.

``build_for_paths(paths, settings)`` finds the schema sources under the given
roots (migration folders, ``schema.sql`` / ``structure.sql``, ``*.up.sql``,
pg_dump files, the ``schema`` setting's globs), applies them in migration order
and returns a :class:`Catalog` (None when the workspace has no schema sources).
"""

from __future__ import annotations

import os

from .model import Catalog, Column, ForeignKey, Index, Table

__all__ = ["Catalog", "Column", "ForeignKey", "Index", "Table", "build_for_paths"]


def build_for_paths(
    paths: list[str],
    settings=None,
    progress=None,
    use_disk_cache: bool = True,
    skip_projects: bool = False,
    warnings: list[str] | None = None,
) -> Catalog | None:
    """The catalog of the schema sources under ``paths`` (folders or files); None when there are none.

    ``skip_projects``: the paths are not a project (no repository, manifest or config file):
    sub-folders that are projects of their own are not read."""
    from .build import build

    roots = []
    for given in paths or ["."]:
        p = os.path.abspath(given)
        roots.append(p if os.path.isdir(p) else os.path.dirname(p))
    roots = sorted(set(roots))
    globs = tuple(getattr(settings, "schema", ()) or ())
    base = getattr(settings, "root", None) or (roots[0] if roots else None)
    excluded = (
        getattr(settings, "is_excluded", None)
        if settings is not None and getattr(settings, "exclude", None)
        else None
    )
    if excluded is not None and any(excluded(os.path.join(r, "x.sql")) for r in roots):
        excluded = None  # asked for an excluded folder by name: read it anyway
    limits = {
        name: getattr(settings, key)
        for name, key in (("max_files", "schema_max_files"), ("cache_max_bytes", "cache_max_bytes"))
        if hasattr(settings, key)
    }
    return build(
        roots,
        globs,
        base,
        excluded,
        progress=progress,
        use_disk_cache=use_disk_cache,
        skip_projects=skip_projects,
        warnings=warnings,
        **limits,
    )
