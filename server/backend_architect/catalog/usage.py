"""Which tables the project's own queries delete from and write to, when they are visible.

A project whose data access is SQL it wrote itself (sqlc / query ``.sql`` files, SQL
strings in Go, Python or TypeScript code) shows what it does to each table. When those
queries delete rows, yet none deletes from a given table, the deletes an index would
speed up do not happen; the same holds for writes. Projects that reach the database
through an ORM or a query builder do not show their writes as SQL: for them
:func:`table_usage` answers None and the rules that ask behave as without it.

The scan reads the text of the files under the catalog's roots (migrations, schema
files and tests excluded: they are history or set-up, not the running application) once per catalog, looking
for ``DELETE FROM t``, ``INSERT INTO t``, ``UPDATE t ... SET``, ``COPY t``,
``MERGE INTO t``, ``TRUNCATE t`` and pgx ``CopyFrom(pgx.Identifier{"t"})``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .model import Catalog
from ..core.lazy_re import lazy

# At least this many statements of a kind must be visible before their absence on a
# table counts as evidence (a project with one raw DELETE has its other deletes elsewhere).
MIN_STATEMENTS = 3
MAX_FILES = 20000
MAX_FILE_BYTES = 1 << 20

_SOURCE_EXT = (".sql", ".go", ".py", ".ts", ".js", ".mjs", ".cjs", ".rs", ".java", ".kt", ".rb")
_MANIFESTS = {"go.mod", "package.json", "pyproject.toml", "requirements.txt", "Cargo.toml"}
_SKIP_DIRS = {
    "node_modules",
    "vendor",
    "dist",
    "build",
    "target",
    "__pycache__",
    "site-packages",
    "third_party",
}
# Data access that does not show its writes as SQL: the project's deletes are invisible.
_ORM_DEPENDENCIES = (
    # npm
    "prisma",
    "@prisma/client",
    "typeorm",
    "sequelize",
    "sequelize-typescript",
    "@mikro-orm/core",
    "drizzle-orm",
    "knex",
    "objection",
    "kysely",
    "bookshelf",
    "mongoose",
    # Python
    "django",
    "sqlalchemy",
    "sqlmodel",
    "peewee",
    "tortoise-orm",
    "pony",
    "flask-sqlalchemy",
    # Go
    "gorm.io/gorm",
    "github.com/jinzhu/gorm",
    "github.com/go-pg/pg",
    "github.com/go-pg/pg/v10",
    "github.com/uptrace/bun",
    "xorm.io/xorm",
    "entgo.io/ent",
    "github.com/upper/db/v4",
    "github.com/gobuffalo/pop",
    "github.com/gobuffalo/pop/v6",
    "github.com/volatiletech/sqlboiler/v4",
    "github.com/doug-martin/goqu/v9",
    "github.com/masterminds/squirrel",
    "github.com/Masterminds/squirrel",
)
_GO_ORM_RE = lazy(
    r"/(?:gorm|orm|beego|pop|bun|xorm|ent|sqlboiler|goqu|squirrel|pg|db|dbr|gorp|reform|jet|rel)(?:/v\d+)?$",
    re.I,
)
_RUST_ORM_RE = lazy(r"^\s*(?:diesel|sea-orm|rbatis)\s*=", re.M)

_NAME = r'((?:"(?:[^"\\]|"")+"|`[^`]+`|[A-Za-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"\\]|"")+"|[A-Za-z_][\w$]*))?)'
_DYNAMIC = r"(%[sv]|\$\{|\{|\"\s*\+|'\s*\+|\?)"
_DELETE_RE = lazy(r"\bDELETE\s+FROM\s+(?:ONLY\s+)?" + _NAME, re.I)
_DELETE_DYNAMIC_RE = lazy(r"\bDELETE\s+FROM\s+(?:ONLY\s+)?" + _DYNAMIC, re.I)
_TRUNCATE_RE = lazy(r"\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?" + _NAME, re.I)
_WRITE_RES = (
    lazy(r"\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+" + _NAME, re.I),
    lazy(r"\bUPDATE\s+(?:ONLY\s+)?" + _NAME + r"(?:\s+(?:AS\s+)?\w+)?\s+SET\b", re.I),
    lazy(r"\bMERGE\s+INTO\s+" + _NAME, re.I),
    lazy(r"\bCOPY\s+" + _NAME + r"\s*(?:\(|FROM\b)", re.I),
    lazy(r"\bIdentifier\s*\{\s*" + _NAME + r"\s*\}"),  # pgx CopyFrom target
)
_KEYWORDS = {"set", "from", "into", "only", "table", "the", "a", "an", "to", "of", "all"}


@dataclass
class TableUsage:
    """Tables (catalog keys) the visible queries delete from and write to."""

    deleted: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)
    deletes: int = 0  # DELETE statements naming a table of the catalog
    writes: int = 0  # INSERT / UPDATE / DELETE / COPY / MERGE statements naming one
    files: int = 0  # files read

    def deletes_known(self) -> bool:
        """Whether enough deletes are visible for the lack of one to mean something."""
        return self.deletes >= MIN_STATEMENTS

    def writes_known(self) -> bool:
        return self.writes >= MIN_STATEMENTS

    def rows_deleted(self, table_key: str) -> bool:
        return table_key in self.deleted

    def rows_written(self, table_key: str) -> bool:
        return table_key in self.written


_UNSET = object()


def table_usage(catalog: Catalog | None) -> TableUsage | None:
    """What the project's visible queries do to each table of ``catalog``; None when the
    project's data access is not visible as SQL (an ORM or query builder, or too many files)."""
    if catalog is None or not catalog.roots:
        return None
    known = catalog.__dict__.get("_table_usage", _UNSET)
    if known is not _UNSET:
        return known
    try:
        usage = _scan(catalog)
    except (OSError, ValueError, RecursionError):
        usage = None
    # kept on the catalog itself: it travels with it to worker processes, once computed
    catalog.__dict__["_table_usage"] = usage
    return usage


def _uses_orm(roots: list[str]) -> bool:
    from backend_architect.project.dependencies import read

    for root in roots:
        deps = read(root)
        if deps.has(*_ORM_DEPENDENCIES) or any(
            d.ecosystem == "go" and _GO_ORM_RE.search(d.name) for d in deps.items.values()
        ):
            return True
        try:
            with open(os.path.join(root, "Cargo.toml"), encoding="utf-8", errors="replace") as fh:
                if _RUST_ORM_RE.search(fh.read()):
                    return True
        except OSError:
            pass
        if os.path.exists(os.path.join(root, "prisma", "schema.prisma")) or os.path.exists(
            os.path.join(root, "schema.prisma")
        ):
            return True
    return False


def _scan(catalog: Catalog) -> TableUsage | None:
    from backend_architect.app.checks import is_test_path

    if _uses_orm(catalog.roots):
        return None
    skip_files = {os.path.abspath(p) for p in catalog.sources}
    skip_dirs = {os.path.abspath(d) for d in catalog.migration_dirs}
    usage = TableUsage()
    dynamic_deletes = 0
    seen = 0
    for root in catalog.roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [
                d
                for d in dirs
                if not d.startswith(".")
                and d not in _SKIP_DIRS
                and os.path.join(folder, d) not in skip_dirs
            ]
            if folder != root and _MANIFESTS.intersection(files) and _uses_orm([folder]):
                return None  # a module of the project reaches the database through an ORM
            for name in files:
                if not name.endswith(_SOURCE_EXT) or name.endswith(".min.js"):
                    continue
                path = os.path.join(folder, name)
                if path in skip_files or is_test_path(os.path.relpath(path, root)):
                    continue  # a schema source, or a test's setup and cleanup: not the app
                seen += 1
                if seen > MAX_FILES:
                    return None
                try:
                    if os.path.getsize(path) > MAX_FILE_BYTES:
                        continue
                    with open(path, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                except OSError:
                    continue
                usage.files += 1
                dynamic_deletes += _read_text(text, catalog, usage)
    if dynamic_deletes * 4 > usage.deletes:
        usage.deletes = 0  # most deletes name their table at run time: any table may be one
    _cascade(catalog, usage)
    return usage


_KEYWORD_RE = lazy(r"\b(?:DELETE|INSERT|UPDATE|COPY|MERGE|TRUNCATE|Identifier)\b", re.I)


def _read_text(text: str, catalog: Catalog, usage: TableUsage) -> int:
    """Record the statements of one file; the number of DELETEs whose table is not written."""
    text = text.replace('\\"', '"')
    dynamic = 0
    for hit in _KEYWORD_RE.finditer(text):  # one pass; each statement form tried where it may start
        pos = hit.start()
        m = _DELETE_RE.match(text, pos)
        if m is not None:
            key = _key(catalog, m.group(1))
            if key is not None:
                usage.deleted.add(key)
                usage.written.add(key)
                usage.deletes += 1
                usage.writes += 1
            continue
        if _DELETE_DYNAMIC_RE.match(text, pos):
            dynamic += 1
            continue
        m = _TRUNCATE_RE.match(text, pos)
        if m is not None:
            key = _key(catalog, m.group(1))
            if key is not None:
                usage.deleted.add(key)
                usage.written.add(key)
            continue
        for rx in _WRITE_RES:
            m = rx.match(text, pos)
            if m is not None:
                key = _key(catalog, m.group(1))
                if key is not None:
                    usage.written.add(key)
                    usage.writes += 1
                break
    return dynamic


def _key(catalog: Catalog, raw: str) -> str | None:
    name = re.sub(r"\s*\.\s*", ".", raw.strip()).replace("`", '"')
    if name.lower() in _KEYWORDS:
        return None
    table = catalog.table(name)
    if table is None and '"' not in name:
        table = catalog.table(name.lower())
    return table.qualified if table is not None else None


def _cascade(catalog: Catalog, usage: TableUsage) -> None:
    """Rows deleted through ON DELETE CASCADE count as deleted (and written), transitively.
    A SET NULL / SET DEFAULT key does not make its table written: it only touches rows
    something else wrote, and none of the project's queries does."""
    changed = True
    while changed:
        changed = False
        for table in catalog.tables():
            key = table.qualified
            for fk in table.foreign_keys:
                parent = catalog.table(fk.ref_table)
                if parent is None or parent.qualified not in usage.deleted:
                    continue
                if fk.on_delete == "c" and key not in usage.deleted:
                    usage.deleted.add(key)
                    usage.written.add(key)
                    changed = True
