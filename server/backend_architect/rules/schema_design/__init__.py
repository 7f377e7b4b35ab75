"""SCHEMA_DESIGN rules: table and column definitions.

Most of them are about PostgreSQL types (`timestamptz`, `text`, `jsonb`, identity
columns), so the group defaults to PostgreSQL; a rule that holds everywhere says so.
"""

DIALECTS = ("postgres",)
