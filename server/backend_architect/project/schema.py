"""A project's schema, read from that project's own migrations only.

Files of a nested project (its own ``go.mod`` or ``package.json``), test data,
vendored and build output, files git ignores, and migrations written for
another database than PostgreSQL are not part of a project's schema. A
migration file can also see the schema as it was before it ran
(:func:`catalog_before`), built from the earlier migrations only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ..catalog.sources import order_key
from .model import ProjectModel, model as _default_model
from .ownership import GENERATED


def schema_file_filter(root: str, settings, m: ProjectModel | None = None) -> Callable[[str], bool]:
    """``is_excluded(path)`` for the catalog builder: True for files that are not this project's schema."""
    m = m or _default_model()
    root = os.path.abspath(root)
    excluded_by_settings = (
        settings.is_excluded
        if settings is not None and getattr(settings, "exclude", None)
        else None
    )

    def is_excluded(path: str) -> bool:
        if excluded_by_settings is not None and excluded_by_settings(path):
            return True
        info = m.file_info(path, settings, check_git=False)
        owner = os.path.abspath(info.project_root) if info.project_root else None
        if owner is not None and owner != root and owner.startswith(root.rstrip(os.sep) + os.sep):
            return True  # a project nested below ``root`` has its own schema
        if info.not_own is not None and info.not_own.kind != GENERATED:
            return True  # a generated schema dump is still the schema
        if m.known_ignored(path):
            return True
        return not info.may_be(("postgres",))

    return is_excluded


def build_catalog(
    root: str,
    settings=None,
    progress=None,
    use_disk_cache: bool = True,
    m: ProjectModel | None = None,
    warnings: list[str] | None = None,
):
    """The catalog of project ``root`` (None when it has no schema files); what the scan had
    to leave out (its file limit) is added to ``warnings``."""
    globs = tuple(getattr(settings, "schema", ()) or ())
    base = getattr(settings, "root", None) or root
    limits = {
        name: getattr(settings, key)
        for name, key in (("max_files", "schema_max_files"), ("cache_max_bytes", "cache_max_bytes"))
        if hasattr(settings, key)
    }
    if not _has_schema_files(root, globs, base, limits.get("max_files")):
        return None  # (the builder, the SQL parser and the schema cache are not loaded)
    from ..catalog.build import build

    return build(
        [root],
        globs,
        base,
        schema_file_filter(root, settings, m),
        progress=progress,
        use_disk_cache=use_disk_cache,
        warnings=warnings,
        **limits,
    )


def _has_schema_files(root: str, globs: tuple, base: str, max_files: int | None) -> bool:
    """Whether the builder has any file to read (what it then leaves out only makes fewer);
    when the scan stops at its file limit the builder says so, and is asked anyway. Asked
    in a one-shot run only, whose walks are made once (elsewhere the builder is asked)."""
    from ..catalog.sources import MAX_WALK_FILES, discover, in_one_run

    if not in_one_run():
        return True
    said: list[str] = []
    dumps, migrations = discover(
        [os.path.abspath(root)],
        globs,
        base,
        None,
        max_files=MAX_WALK_FILES if max_files is None else max_files,
        warnings=said,
    )
    return bool(dumps or migrations or said)


def schema_fingerprint(root: str, settings=None) -> str:
    """A hash of what project ``root``'s schema can be built from (every schema file the
    builder would consider, in order, and their content; also those it leaves out, whose
    being left out follows from their path, their content and ``settings``), without
    building it: equal fingerprints give equal catalogs."""
    from ..catalog.sources import discover
    from ..core.results_cache import blake2b

    globs = tuple(getattr(settings, "schema", ()) or ())
    base = getattr(settings, "root", None) or root
    dumps, migrations = discover([os.path.abspath(root)], globs, base, None)
    h = blake2b(digest_size=20)
    try:  # git leaves out what it ignores
        with open(os.path.join(root, ".gitignore"), "rb") as fh:
            h.update(fh.read())
    except OSError:
        pass
    from ..core.workspace import read_bytes

    for group in (dumps, migrations):
        h.update(b"\1")
        for path in group:
            try:
                content = blake2b(read_bytes(path), digest_size=20).digest()
            except OSError:
                content = b"?"
            h.update(path.encode("utf-8", "surrogatepass") + b"\0" + content)
    return h.hexdigest()


@dataclass(frozen=True)
class TableAsOf:
    columns: tuple[str, ...] | None  # None: not known (a view whose columns were not inferred)
    # validated CHECK (col IS NOT NULL) constraints: (lower-case name, lower-case column)
    proven_not_null: frozenset[tuple[str, str]]
    # its indexes: lower-case name -> (unique, columns, partial or not btree, backs a constraint)
    indexes: dict[str, tuple[bool, tuple[str, ...], bool, bool]]
    # CHECK (col IS NOT NULL) constraints added NOT VALID and not validated yet
    not_valid_not_null: frozenset[tuple[str, str]] = frozenset()


class ColumnsAsOf:
    """The tables as they were before one migration ran, without a catalog per migration file:
    their columns (``columns_of``, what ``known_columns`` asks of a schema), the validated
    CHECK (col IS NOT NULL) constraints and the indexes carried over from earlier migrations."""

    def __init__(self, tables: dict[str, TableAsOf]) -> None:
        self._tables = tables

    def _table(self, table: str | None) -> TableAsOf | None:
        if not table:
            return None
        name = table.replace('"', "").lower()
        for key in (name, f"public.{name}"):
            if key in self._tables:
                return self._tables[key]
        short = name.rsplit(".", 1)[-1]
        found = [t for key, t in self._tables.items() if key.rsplit(".", 1)[-1] == short]
        return found[0] if len(found) == 1 else None

    def columns_of(self, table: str | None) -> list[str] | None:
        t = self._table(table)
        return list(t.columns) if t is not None and t.columns is not None else None

    def not_valid_not_null(self, table: str | None, column: str) -> list[str]:
        """The CHECK (column IS NOT NULL) constraints earlier migrations added NOT VALID and
        did not validate (lower-case names): a VALIDATE in this migration proves them."""
        t = self._table(table)
        low = column.lower()
        return sorted(n for n, c in t.not_valid_not_null if c == low) if t is not None else []

    def proven_not_null(self, table: str | None, column: str) -> list[str]:
        """The CHECK (column IS NOT NULL) constraints validated by earlier migrations that
        still hold (lower-case names)."""
        t = self._table(table)
        low = column.lower()
        return sorted(n for n, c in t.proven_not_null if c == low) if t is not None else []

    def unique_index_on(self, table: str | None, columns: list[str]) -> str | None:
        """A plain unique index on exactly ``columns`` of ``table`` built by an earlier migration
        and backing no constraint yet (one ``ADD CONSTRAINT ... USING INDEX`` can adopt it)."""
        t = self._table(table)
        want = tuple(c.lower() for c in columns)
        for name, (unique, cols, special, taken) in sorted((t.indexes if t else {}).items()):
            if unique and not special and not taken and tuple(c.lower() for c in cols) == want:
                return name
        return None

    def has_index(self, name: str, table: str | None = None) -> bool:
        """An index of that name exists (on ``table`` when given) after the earlier migrations."""
        low = name.replace('"', "").lower().rsplit(".", 1)[-1]
        if table is not None:
            t = self._table(table)
            return t is not None and low in t.indexes
        return any(low in t.indexes for t in self._tables.values())


_HISTORIES: dict[tuple, dict[str, ColumnsAsOf]] = {}


def _fingerprint(settings) -> tuple:
    """What of the settings decides which files make up the schema (settings objects differ per folder)."""
    if settings is None:
        return ()
    return (settings.root, tuple(settings.exclude), settings.dialect, tuple(settings.dialect_paths))


def schema_history(
    root: str, settings=None, m: ProjectModel | None = None
) -> dict[str, ColumnsAsOf]:
    """For each migration file of project ``root``: the tables' columns before it ran.

    One replay of the project's migrations in order (the ops are cached by the catalog
    builder), recording the columns after each file; cached per project and settings."""
    key = (os.path.abspath(root), _fingerprint(settings))
    cached = _HISTORIES.get(key)
    if cached is not None:
        return cached
    from ..catalog.apply import Applier
    from ..catalog.build import _MEMORY, _entry_for
    from ..catalog.model import Catalog
    from ..catalog.sources import discover

    m = m or _default_model()
    own = schema_file_filter(root, settings, m)

    def excluded(p: str) -> bool:
        return own(p) or not m.file_info(p, settings, check_git=False).is_migration

    _, migrations = discover([os.path.abspath(root)], (), root, excluded)
    catalog = Catalog(roots=[root])
    applier = Applier(catalog)
    state: dict[str, TableAsOf] = {}
    bare: dict[str, str] = {}  # state key -> the table's own name (lower case)
    history: dict[str, ColumnsAsOf] = {}
    for path in migrations:
        history[path] = ColumnsAsOf(state)
        entry, _ = _entry_for(path, _MEMORY.get(path))
        if entry is None:
            continue
        applier.begin_file(path)
        touched: set[str] | None = set()  # bare names (lower case) of the tables it changed
        for op in entry.ops:
            if touched is not None:
                names = _tables_touched(op, catalog)
                touched = None if names is None else touched | names
            applier.apply(op)
        if touched is None:
            state = {t.qualified.lower(): _table_as_of(t) for t in catalog.tables()}
            bare = {t.qualified.lower(): t.name.lower() for t in catalog.tables()}
        elif touched:  # the other tables' state is the one they had before this migration
            state = {k: v for k, v in state.items() if bare[k] not in touched}
            for t in catalog.tables_by_key.values():
                if t.name.lower() in touched:
                    state[t.qualified.lower()] = _table_as_of(t)
                    bare[t.qualified.lower()] = t.name.lower()
    history[_FINAL] = ColumnsAsOf(state)
    if len(_HISTORIES) > 64:
        _HISTORIES.clear()
    _HISTORIES[key] = history
    return history


def _table_as_of(t) -> TableAsOf:
    return TableAsOf(
        tuple(c.name for c in t.columns) if t.columns_known else None,
        frozenset((n, c.lower()) for n, (c, ok) in t.not_null_checks.items() if ok),
        {
            ix.name.lower(): (
                ix.unique,
                tuple(ix.columns),
                bool(ix.predicate or any(ix.expressions) or ix.method != "btree"),
                ix.constraint is not None,
            )
            for ix in t.all_indexes()
        },
        frozenset((n, c.lower()) for n, (c, ok) in t.not_null_checks.items() if not ok),
    )


_NAMED_TABLE = {  # what a DDL statement changes: the table its node names (libpg_query fields)
    "CreateStmt": ("relation",),
    "AlterTableStmt": ("relation",),
    "IndexStmt": ("relation",),
    "ViewStmt": ("view",),
}
_TABLE_OBJECTS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW")


def _tables_touched(op, catalog) -> set[str] | None:
    """The bare names (lower case) of the tables applying ``op`` to ``catalog`` may change,
    over-approximated (any schema); None: it may change any table."""
    from ..catalog.apply import Applier
    from ..core.sql import name_list

    kind, node = op.kind, op.node or {}
    if getattr(Applier, "_" + kind, None) is None or kind == "VariableSetStmt":
        return set()  # not applied (noted only), or only the search path

    def named(rangevar) -> set[str]:
        rel = (rangevar or {}).get("RangeVar", rangevar or {})
        return {rel["relname"].lower()} if rel.get("relname") else set()

    if kind in _NAMED_TABLE:
        return named(node.get(_NAMED_TABLE[kind][0]))
    if kind == "CreateTableAsStmt":
        return named((node.get("into") or {}).get("rel"))
    if kind == "DropStmt":
        remove = node.get("removeType")
        names = [
            name_list(obj["List"].get("items")) if "List" in obj else []
            for obj in node.get("objects") or []
        ]
        if remove in _TABLE_OBJECTS:
            return {n[-1].lower() for n in names if n}
        if remove == "OBJECT_INDEX":  # the tables holding an index of that name
            gone = {n[-1] for n in names if n}
            return {t.name.lower() for t in catalog.tables_by_key.values() if _has_index(t, gone)}
        return set()
    if kind == "RenameStmt":
        rename = node.get("renameType")
        if rename in _TABLE_OBJECTS:
            return named(node.get("relation")) | {(node.get("newname") or "").lower()}
        if rename in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"):
            return named(node.get("relation"))
        if rename == "OBJECT_INDEX":
            old = {(node.get("relation") or {}).get("relname")}
            return {t.name.lower() for t in catalog.tables_by_key.values() if _has_index(t, old)}
        return set()
    return None


def _has_index(table, names: set) -> bool:
    return any(ix.name in names for ix in table.indexes)


_FINAL = "\0final"


def catalog_before(
    root: str, path: str, settings=None, m: ProjectModel | None = None
) -> Callable[[], object]:
    """A function giving the schema as of migration ``path`` (the project's migrations ordered
    before it, without schema dumps, which show the final schema); None when ``path`` is not
    one of the project's migrations. Computed on first call, for every migration at once."""

    def get():
        history = schema_history(root, settings, m)
        found = history.get(os.path.abspath(path))
        if found is None:  # not on disk yet: before the first migration that sorts after it
            mine = (order_key(path), path)
            later = [p for p in history if p != _FINAL and (order_key(p), p) > mine]
            found = (
                history[min(later, key=lambda p: (order_key(p), p))]
                if later
                else history.get(_FINAL)
            )
        return found

    return get


def forget_histories() -> None:
    _HISTORIES.clear()
