"""MIGRATION rules: what a schema change locks or rewrites on a busy PostgreSQL table.

Their lock and rewrite advice, and the multi-step fixes, hold for PostgreSQL only:
MySQL, SQLite, CockroachDB and ClickHouse migrations get none of it.
"""

DIALECTS = ("postgres",)
