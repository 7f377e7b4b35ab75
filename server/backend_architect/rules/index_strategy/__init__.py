"""INDEX_STRATEGY rules: which queries no index serves, which indexes are missing or redundant.

The advice holds in any database; the fixes write `CREATE INDEX CONCURRENTLY` /
`DROP INDEX CONCURRENTLY` migrations, which only PostgreSQL runs.
"""

DIALECTS = None
FIX_DIALECTS = ("postgres",)
