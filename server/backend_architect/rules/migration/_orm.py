"""Loads the ORM-migration region finders with the rules (Django, Alembic, Knex, TypeORM)."""

from backend_architect import orm_migrations  # noqa: F401  (registers the finders)
