"""Schema drift: what the project's migrations declare against what the development database has.

Tables, columns and indexes on both sides, in the schemas the migrations use. The migration
tools' own bookkeeping tables are left out. Indexes are compared by table, columns and
uniqueness (their names differ between tools and Postgres versions); expression indexes
only by name.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

from ..project.snapshot import BOOKKEEPING_TABLES
from .devdb import DevDatabase

BOOKKEEPING = BOOKKEEPING_TABLES

_TABLES_SQL = (
    "SELECT n.nspname, c.relname, c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY(%s)"
)
_COLUMNS_SQL = (
    "SELECT n.nspname, c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
    "AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname = ANY(%s)"
)
_INDEXES_SQL = (
    "SELECT n.nspname, t.relname, i.relname, x.indisunique, x.indexprs IS NOT NULL, "
    "ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord) "
    "      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] "
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
    "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = ANY(%s)"
)


@dataclass
class DriftItem:
    kind: str  # table, column, index
    name: str
    side: str  # "missing in the database" or "not in the migrations"
    where: str | None = None  # path:line of the migration that declares it

    def to_json(self) -> dict:
        return {"kind": self.kind, "name": self.name, "side": self.side, "declared_at": self.where}

    def __str__(self) -> str:
        return f"{self.kind} {self.name}: {self.side}" + (
            f" (declared at {self.where})" if self.where else ""
        )


MISSING = "missing in the database"
EXTRA = "not in the migrations"


@dataclass
class DriftReport:
    root: str
    database: str  # masked URL
    items: list[DriftItem] = field(default_factory=list)
    schemas: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "root": self.root,
            "database": self.database,
            "schemas": self.schemas,
            "drift": [i.to_json() for i in self.items],
        }


def _where(path: str | None, line: int | None, root: str) -> str | None:
    if not path:
        return None
    with contextlib.suppress(ValueError):
        path = os.path.relpath(path, root)
    return f"{path}:{line}" if line else path


def compare(catalog, db: DevDatabase, root: str) -> DriftReport:
    """Drift between ``catalog`` (the migrations' schema) and the database of ``db``."""
    report = DriftReport(root, db.masked_url)
    declared = [t for t in (catalog.tables() if catalog is not None else []) if t.kind == "table"]
    schemas = sorted({t.schema for t in declared} or {"public"})
    report.schemas = schemas
    live_tables = {(s, n): rows for s, n, rows in db.catalog(_TABLES_SQL, (schemas,))}
    live_columns: dict[tuple, set[str]] = {}
    for s, n, col in db.catalog(_COLUMNS_SQL, (schemas,)):
        live_columns.setdefault((s, n), set()).add(col)
    live_indexes: dict[tuple, list[tuple]] = {}
    for s, t, name, unique, expr, cols in db.catalog(_INDEXES_SQL, (schemas,)):
        live_indexes.setdefault((s, t), []).append(
            (name, bool(unique), bool(expr), tuple(cols or ()))
        )
    items = report.items
    declared_keys = set()
    for t in declared:
        key = (t.schema, t.name)
        declared_keys.add(key)
        if t.name.lower() in BOOKKEEPING:
            continue
        if key not in live_tables:
            items.append(
                DriftItem("table", t.qualified, MISSING, _where(t.source_path, t.line, root))
            )
            continue
        have = live_columns.get(key, set())
        if t.columns_known:
            names = {c.name for c in t.columns}
            for c in t.columns:
                if c.name not in have:
                    items.append(
                        DriftItem(
                            "column",
                            f"{t.qualified}.{c.name}",
                            MISSING,
                            _where(c.source_path, c.line, root),
                        )
                    )
            for col in sorted(have - names):
                items.append(DriftItem("column", f"{t.qualified}.{col}", EXTRA))
        live = live_indexes.get(key, [])
        live_sigs = {(cols, unique) for _, unique, expr, cols in live if not expr}
        live_names = {name for name, *_ in live}
        declared_sigs = set()
        for ix in t.all_indexes():
            if any(ix.expressions):
                if ix.name not in live_names:
                    items.append(
                        DriftItem("index", ix.name, MISSING, _where(ix.source_path, ix.line, root))
                    )
                declared_sigs.add(ix.name)
                continue
            sig = (tuple(ix.columns), bool(ix.unique))
            declared_sigs.add(sig)
            if sig not in live_sigs and ix.name not in live_names:
                items.append(
                    DriftItem(
                        "index",
                        f"{ix.name} on {t.qualified} ({', '.join(ix.columns)})",
                        MISSING,
                        _where(ix.source_path, ix.line, root),
                    )
                )
        for name, unique, expr, cols in live:
            if (
                expr
                and name not in declared_sigs
                or not expr
                and (cols, unique) not in declared_sigs
            ) and not any(ix.name == name for ix in t.all_indexes()):
                items.append(
                    DriftItem(
                        "index",
                        f"{name} on {t.qualified} ({', '.join(cols) or 'expression'})",
                        EXTRA,
                    )
                )
    for s, n in sorted(live_tables):
        if (s, n) not in declared_keys and n.lower() not in BOOKKEEPING:
            items.append(DriftItem("table", f"{s}.{n}", EXTRA))
    return report


def drift(root: str, url: str, settings=None) -> DriftReport:
    """Build the project's schema from its migrations and compare it with the database at ``url``."""
    from ..project import build_catalog

    catalog = build_catalog(root, settings, use_disk_cache=False)
    db = (
        DevDatabase.from_settings(settings, url) if settings is not None else None
    ) or DevDatabase(url)  # from_settings has a URL to work with, so it gives a database
    with db:
        return compare(catalog, db, root)


def format_text(report: DriftReport) -> str:
    if not report.items:
        return (
            f"no drift: the migrations and {report.database} agree ({', '.join(report.schemas)})\n"
        )
    lines = [f"{len(report.items)} difference(s) between the migrations and {report.database}:"]
    lines += [f"  {i}" for i in report.items]
    return "\n".join(lines) + "\n"
