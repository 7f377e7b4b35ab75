"""ORM migrations (Django, Alembic, Knex, TypeORM) read by the MIGRATION rules.

:func:`with_orm_regions` adds the operations of a file that looks like a migration of
one of those tools to the SQL application code finder finds in it (the engine's
``region_finder`` combines them for Python and JavaScript/TypeScript).
"""

from __future__ import annotations

from collections.abc import Callable

ORM_LANGUAGES = ("python", "javascript", "typescript", "tsx")


def orm_regions(ctx) -> list:
    doc = ctx.document
    if doc.language == "python":
        from .django import django_regions, looks_like_django

        if looks_like_django(doc.path, doc.text):
            return django_regions(ctx)
        if "alembic" in doc.text:  # (every revision names it: the module is loaded for one)
            from .alembic import alembic_regions, looks_like_alembic

            if looks_like_alembic(doc.path, doc.text):
                return alembic_regions(ctx)
        return []
    if doc.language in ("javascript", "typescript", "tsx"):
        from .js import js_regions

        return js_regions(ctx)
    return []


def is_orm_migration(doc) -> bool:
    if doc.language == "python":
        from .django import looks_like_django

        if looks_like_django(doc.path, doc.text):
            return True
        if "alembic" not in doc.text:  # (what looks_like_alembic looks for names it)
            return False
        from .alembic import looks_like_alembic

        return looks_like_alembic(doc.path, doc.text)
    if doc.language in ("javascript", "typescript", "tsx"):
        from .js import looks_like_js_migration

        return looks_like_js_migration(doc.path, doc.text)
    return False


def with_orm_regions(app_finder: Callable | None) -> Callable:
    """A region finder: ``app_finder``'s regions (SQL strings of application code) and the
    ORM migration's operations; an application string that is part of an operation is kept
    once, as the operation."""

    def finder(ctx) -> list:
        regions = list(app_finder(ctx) or []) if app_finder is not None else []
        mine = orm_regions(ctx)
        if mine and regions:
            spans = [(r.host_start, r.host_end) for r in mine]
            regions = [
                r
                for r in regions
                if not any(s <= r.host_start and r.host_end <= e for s, e in spans)
            ]
        return regions + mine

    return finder
