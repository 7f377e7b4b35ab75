"""What the workspace's schema looks like: tables, columns, indexes, foreign keys."""

from __future__ import annotations

import itertools

from dataclasses import dataclass, field

DEFAULT_SCHEMA = "public"


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    source_path: str | None = None
    line: int | None = None  # 1-based
    # filled by the database (serial, identity, generated, a default such as now()): the
    # generators never write it
    auto: bool = False
    generated: bool = False  # an identity, serial, rowid or GENERATED column: never written

    @property
    def required(self) -> bool:
        """An insert must give it: NOT NULL, no default, not filled by the database."""
        return not self.nullable and self.default is None and not self.auto


@dataclass
class Index:
    name: str
    table: str  # qualified name of the table
    columns: list[str]  # column names; expressions as text
    orders: list[str] = field(default_factory=list)  # "ASC" | "DESC" per column
    unique: bool = False
    predicate: str | None = None  # partial index WHERE clause
    source_path: str | None = None
    line: int | None = None
    expressions: list[bool] = field(default_factory=list)  # True where columns[i] is an expression
    constraint: str | None = None  # "primary key" / "unique" when the index backs a constraint
    method: str = "btree"

    def describe(self) -> str:
        cols = ", ".join(
            c + (" DESC" if o == "DESC" else "")
            for c, o in zip(self.columns, self.orders or ["ASC"] * len(self.columns), strict=False)
        )
        text = f"{'UNIQUE ' if self.unique and not self.constraint else ''}{self.name} ({cols})"
        if self.predicate:
            text += f" WHERE {self.predicate}"
        return text


@dataclass
class ForeignKey:
    name: str | None
    columns: list[str]
    ref_table: str
    ref_columns: list[str]
    source_path: str | None = None
    line: int | None = None
    on_delete: str | None = None  # libpg_query's fk_del_action: "c" cascade, "n" set null, ...


@dataclass
class Table:
    name: str
    schema: str
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    uniques: list[list[str]] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    source_path: str | None = None
    line: int | None = None
    kind: str = "table"  # "table" | "view"
    columns_known: bool = True  # False for views whose columns could not be inferred
    # created again elsewhere with other columns (two schemas in one workspace): its columns are uncertain
    redefined: bool = False
    # every file whose CREATE TABLE made it (a schema file that mirrors the migrations, and
    # the migration), in the order they were read
    created_in: tuple[str, ...] = ()
    constraint_names: dict = field(
        default_factory=dict, repr=False
    )  # name -> ("unique"|"primary", columns)
    # CHECK constraints proving columns NOT NULL: lower-case name -> (column, validated); a
    # validated one lets a later SET NOT NULL skip its table scan (PostgreSQL 12+)
    not_null_checks: dict = field(default_factory=dict, repr=False)

    dialect: str | None = None  # "sqlite" when read from SQLite DDL; None: PostgreSQL
    # the project's dependencies (project.dependencies.Dependencies) when a generator knows
    # the project: generated code then fits them (e.g. pydantic 1 or 2)
    dependencies: object = field(default=None, repr=False, compare=False)

    def proven_not_null(self, column: str) -> bool:
        """A validated CHECK (column IS NOT NULL) holds on this table."""
        low = column.lower()
        return any(c.lower() == low and ok for c, ok in self.not_null_checks.values())

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def column(self, name: str) -> Column | None:
        low = name.lower()
        for c in self.columns:
            if c.name == name or c.name.lower() == low:
                return c
        return None

    @property
    def id_column(self) -> Column:
        """The column a row is found by: the primary key's first column, else ``id``, else the first."""
        if self.primary_key:
            key = self.column(self.primary_key[0])
            if key is not None:
                return key
        return self.column("id") or self.columns[0]

    @property
    def writable(self) -> list[Column]:
        """Columns a create or update sets (not filled by the database)."""
        return [c for c in self.columns if not c.auto]

    @property
    def unique_keys(self) -> list[list[str]]:
        """Unique keys other than the primary key whose columns are known, in declaration order."""
        seen: list[list[str]] = []
        for u in self.uniques:
            if u != self.primary_key and u not in seen and all(self.column(c) for c in u):
                seen.append(u)
        return seen

    def all_indexes(self) -> list[Index]:
        """Explicit indexes plus the implicit ones behind PRIMARY KEY and UNIQUE."""
        out: list[Index] = []
        if self.primary_key:
            out.append(
                Index(
                    f"{self.name}_pkey",
                    self.qualified,
                    list(self.primary_key),
                    ["ASC"] * len(self.primary_key),
                    True,
                    None,
                    self.source_path,
                    self.line,
                    [False] * len(self.primary_key),
                    "primary key",
                )
            )
        for cols in self.uniques:
            out.append(
                Index(
                    f"{self.name}_{'_'.join(cols)}_key",
                    self.qualified,
                    list(cols),
                    ["ASC"] * len(cols),
                    True,
                    None,
                    self.source_path,
                    self.line,
                    [False] * len(cols),
                    "unique",
                )
            )
        return out + list(self.indexes)


_VERSIONS = itertools.count(1)


@dataclass
class Catalog:
    """The schema as the repository's migrations and dumps describe it."""

    tables_by_key: dict[str, Table] = field(default_factory=dict)  # "schema.name" -> Table
    sources: list[str] = field(default_factory=list)  # files read, in the order applied
    roots: list[str] = field(default_factory=list)  # where the sources were looked for
    notes: list[str] = field(default_factory=list)  # what was skipped, for the server log
    dropped: dict[str, str] = field(default_factory=dict)  # dropped table key -> where
    migration_dirs: list[str] = field(default_factory=list)  # folders holding ordered migrations
    from_cache: int = 0  # files whose statements came from the cache
    warnings: list[str] = field(default_factory=list)  # limits the scan hit, for the user
    # a number no other catalog of this process has: cached findings are keyed by it
    version: int = field(default_factory=lambda: next(_VERSIONS))

    # -- lookups ------------------------------------------------------------------

    def tables(self) -> list[Table]:
        return sorted(self.tables_by_key.values(), key=lambda t: (t.schema, t.name))

    def table(self, name: str | None) -> Table | None:
        """A table or view by name: ``schema.name`` exactly, or a bare name via the
        search path (public first, then the only schema that has it)."""
        if not name:
            return None
        key = _norm(name)
        if "." in key:
            hit = self.tables_by_key.get(key)
            if hit is not None:
                return hit
            schema, _, bare = key.rpartition(".")
            if schema == DEFAULT_SCHEMA:
                return self._by_bare(bare)
            return None
        return self._by_bare(key)

    def _by_bare(self, bare: str) -> Table | None:
        hit = self.tables_by_key.get(f"{DEFAULT_SCHEMA}.{bare}")
        if hit is not None:
            return hit
        found = [t for k, t in self.tables_by_key.items() if k.rpartition(".")[2] == bare]
        return found[0] if len(found) == 1 else None

    def columns_of(self, table: str | None) -> list[str] | None:
        t = self.table(table)
        if t is None or not t.columns_known:
            return None
        return [c.name for c in t.columns]

    def index(self, name: str, schema: str | None = None) -> Index | None:
        low = _norm(name).rpartition(".")[2]
        for t in self.tables_by_key.values():
            if schema and t.schema != schema:
                continue
            for ix in t.indexes:
                if ix.name.lower() == low:
                    return ix
        return None

    def close_table_names(self, name: str) -> list[str]:
        bare = _norm(name).rpartition(".")[2]
        names = sorted({k.rpartition(".")[2] for k in self.tables_by_key})
        import difflib  # for a name the schema does not have

        return difflib.get_close_matches(bare, names, n=3, cutoff=0.75)

    def was_dropped(self, name: str) -> str | None:
        key = _norm(name)
        if "." not in key:
            key = f"{DEFAULT_SCHEMA}.{key}"
        return self.dropped.get(key)

    def display_path(self, path: str) -> str:
        """``path`` relative to the root it was found under (``file:line`` works too)."""
        import os

        for root in self.roots:
            if path.startswith(root.rstrip(os.sep) + os.sep):
                return os.path.relpath(path, root).replace(os.sep, "/")
        return path

    def describe_roots(self) -> str:
        where = ", ".join(self.roots) or "the workspace"
        return f"{len(self.sources)} schema file(s) under {where}"


def close_names(name: str, candidates: list[str]) -> list[str]:
    import difflib

    return difflib.get_close_matches(
        name.lower(), [c.lower() for c in candidates], n=3, cutoff=0.75
    )


def _norm(name: str) -> str:
    """Names as the parser gives them are already folded; fold unquoted text typed by a user."""
    parts = []
    for raw in name.split(".")[-2:]:
        p = raw.strip()
        parts.append(
            p[1:-1].replace('""', '"')
            if len(p) > 1 and p[0] == p[-1] == '"'
            else p
            if not p.isupper()
            else p.lower()
        )
    return ".".join(parts)
