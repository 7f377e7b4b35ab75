"""Column definitions of CREATE TABLE / ALTER TABLE ADD COLUMN, for the schema design rules."""

from __future__ import annotations

import os
import re
from functools import lru_cache

from backend_architect.catalog.expr import type_base
from backend_architect.core.sql import name_list, relation_name
from ...core.lazy_re import lazy

_TYPE_STOP = {
    "NOT",
    "NULL_P",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "CONSTRAINT",
    "COLLATE",
    "GENERATED",
    "ASCII_44",
    "ASCII_59",
    "COMPRESSION",
    "STORAGE",
}


def column_defs(stmt):
    """(table name, ColumnDef fields) for every column a CREATE TABLE or ALTER TABLE ADD COLUMN defines."""
    node = stmt.node or {}
    table = relation_name(node.get("relation"))
    if stmt.kind == "CreateStmt":
        for elt in node.get("tableElts") or []:
            if "ColumnDef" in elt:
                yield table, elt["ColumnDef"]
    elif stmt.kind == "AlterTableStmt":
        for cmd in node.get("cmds") or []:
            c = cmd.get("AlterTableCmd") or {}
            if c.get("subtype") == "AT_AddColumn" and "ColumnDef" in (c.get("def") or {}):
                yield table, c["def"]["ColumnDef"]


def primary_key_columns(stmt, coldef_names: list[str]) -> set[str]:
    """Columns that are the primary key of the table a statement creates (or a column it adds)."""
    node = stmt.node or {}
    keys: set[str] = set()
    for _, col in column_defs(stmt):
        for c in col.get("constraints") or []:
            if c.get("Constraint", {}).get("contype") == "CONSTR_PRIMARY":
                keys.add(col.get("colname"))
    if stmt.kind == "CreateStmt":
        for elt in node.get("tableElts") or []:
            con = elt.get("Constraint")
            if con and con.get("contype") == "CONSTR_PRIMARY":
                keys.update(name_list(con.get("keys")))
    return keys


def type_range(stmt, coldef) -> tuple[int, int] | None:
    """Statement-relative byte range of a column's type as written (``varchar(255)``)."""
    tn = coldef.get("typeName") or {}
    start = tn.get("location")
    if start is None or start < 0:
        return None
    end = None
    depth = 0
    for tok in stmt.tokens:
        if tok.start < start:
            continue
        if depth == 0 and tok.name in _TYPE_STOP and end is not None:
            break
        if tok.name in {"ASCII_40", "ASCII_91"}:
            depth += 1
        elif tok.name in ("ASCII_41", "ASCII_93"):
            if depth == 0:
                break
            depth -= 1
        end = tok.end
    return (start, end) if end is not None else None


def final_type_differs(ctx, table: str | None, column: str, base: str) -> bool:
    """True when a later migration changed or dropped the column, or dropped or renamed
    its table (the catalog knows better): advice on the old definition changes nothing."""
    catalog = ctx.catalog
    if catalog is None or not table:
        return False
    t = catalog.table(table)
    if t is None:
        return table_gone(ctx, table)
    col = t.column(column)
    if col is None:
        return True
    return not col.type.split("(")[0].startswith(base)


def table_gone(ctx, table: str | None) -> bool:
    """The file is one the catalog was built from, yet the table is not in the final schema."""
    catalog = ctx.catalog
    if catalog is None or not table or catalog.table(table) is not None:
        return False
    key = catalog.version
    if key not in _SOURCES:
        _SOURCES.clear()
        _SOURCES[key] = {os.path.abspath(p) for p in catalog.sources}
    return os.path.abspath(ctx.document.path) in _SOURCES[key]


_SOURCES: dict[int, set[str]] = {}


def mirrors_a_migration(ctx, stmt) -> bool:
    """A CREATE TABLE in a schema file that copies the migrations, of a table an ordered
    migration creates: judged in that migration (see ``copies_a_migration``)."""
    from backend_architect.catalog.migration_files import copies_a_migration

    if stmt.kind != "CreateStmt":
        return False
    return copies_a_migration(
        ctx.catalog, ctx.document.path, relation_name((stmt.node or {}).get("relation"))
    )


_DIALECT_WORDS = (
    "postgres",
    "postgresql",
    "pg",
    "mysql",
    "sqlite",
    "sqlite3",
    "cockroach",
    "cockroachdb",
    "mssql",
    "sqlserver",
    "clickhouse",
)
_DIALECT_PART_RE = lazy(r"(?<=[._-])(" + "|".join(_DIALECT_WORDS) + r")(?=[._-])", re.I)


def portable_migration(path: str) -> bool:
    """A migration written once per database (``x.postgres.up.sql`` next to ``x.mysql.up.sql``,
    or ``postgres/0001.sql`` next to ``mysql/0001.sql``): its types are chosen to be portable,
    so Postgres-only type advice does not fit it."""
    if not path:
        return False
    folder, name = os.path.split(os.path.abspath(path))
    m = _DIALECT_PART_RE.search(name)
    if m:
        for other in _DIALECT_WORDS:
            if other != m.group(1).lower() and os.path.exists(
                os.path.join(folder, name[: m.start()] + other + name[m.end() :])
            ):
                return True
    elif _multi_dialect_folder(folder):
        return True  # beside per-database variants, a file without one runs on every database
    parent, here = os.path.split(folder)
    if here.lower() in _DIALECT_WORDS:
        for other in _DIALECT_WORDS:
            if other != here.lower() and os.path.exists(os.path.join(parent, other, name)):
                return True
    return False


@lru_cache(maxsize=256)
def _multi_dialect_folder(folder: str) -> bool:
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    found = {m.group(1).lower() for n in names for m in [_DIALECT_PART_RE.search(n)] if m}
    return bool(found - {"postgres", "postgresql", "pg"})


__all__ = [
    "table_gone",
    "portable_migration",
    "column_defs",
    "primary_key_columns",
    "type_range",
    "type_base",
    "final_type_differs",
]
