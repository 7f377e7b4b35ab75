"""SCHEMA_DESIGN rules: table and column definitions.

Most of them are about PostgreSQL types (`timestamptz`, `text`, `jsonb`, identity
columns), so the group defaults to PostgreSQL; a rule that holds everywhere says so.

A table is judged where it is designed: in the migration that creates it. A schema
file kept beside the migrations (a `schema.sql`, a query compiler's schema) that
creates the same table again is a copy and gets no advice of its own.
"""

DIALECTS = ("postgres",)
