"""ORM migrations (Django, Alembic, Knex, TypeORM) read by the MIGRATION rules.

Registers region finders for python / javascript / typescript that only act
on files that look like migrations of one of those tools. Finders already
registered for a language (SQL in application code strings) are chained, not
replaced: both run and their regions are concatenated.
"""

from __future__ import annotations

from ..core import engine

_MARK = "_orm_migrations"


def orm_regions(ctx) -> list:
    doc = ctx.document
    if doc.language == "python":
        from .alembic import alembic_regions, looks_like_alembic
        from .django import django_regions, looks_like_django

        if looks_like_django(doc.path, doc.text):
            return django_regions(ctx)
        if looks_like_alembic(doc.path, doc.text):
            return alembic_regions(ctx)
        return []
    if doc.language in ("javascript", "typescript", "tsx"):
        from .js import js_regions

        return js_regions(ctx)
    return []


def is_orm_migration(doc) -> bool:
    if doc.language == "python":
        from .alembic import looks_like_alembic
        from .django import looks_like_django

        return looks_like_django(doc.path, doc.text) or looks_like_alembic(doc.path, doc.text)
    if doc.language in ("javascript", "typescript", "tsx"):
        from .js import looks_like_js_migration

        return looks_like_js_migration(doc.path, doc.text)
    return False


def _chain(previous):
    def finder(ctx):
        regions = []
        if finder.previous is not None:  # read at call time: app-code finders may register later
            regions.extend(finder.previous(ctx) or [])
        mine = orm_regions(ctx)
        if mine and regions:
            # app-code finders may also pick up the strings we read as migration SQL: keep ours
            spans = [(r.host_start, r.host_end) for r in mine]
            regions = [
                r
                for r in regions
                if not any(s <= r.host_start and r.host_end <= e for s, e in spans)
            ]
        return regions + mine

    setattr(finder, _MARK, True)
    finder.previous = previous
    return finder


def register() -> None:
    for lang in ("python", "javascript", "typescript", "tsx"):
        current = engine.REGION_FINDERS.get(lang)
        if current is not None and getattr(current, _MARK, False):
            continue
        engine.REGION_FINDERS[lang] = _chain(current)


register()
