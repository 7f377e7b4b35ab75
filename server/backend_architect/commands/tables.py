"""Tables for the generators: the workspace catalog when there is one, else the
CREATE TABLE statements of the current file and the workspace's .sql files."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..core.regions import region_for_sql_document
from ..core.sql import split_statements, string_value
from .base import open_or_read, workspace_files

AUTO_TYPES = {"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"}
TYPE_ALIASES = {
    "int8": "bigint",
    "int4": "integer",
    "int2": "smallint",
    "bool": "boolean",
    "float8": "double precision",
    "float4": "real",
    "varchar": "varchar",
    "bpchar": "char",
    "timestamptz": "timestamptz",
}


@dataclass
class Column:
    name: str
    type: str
    nullable: bool = True
    default: str | None = None
    auto: bool = (
        False  # filled by the database (serial, identity, generated, now(), gen_random_uuid())
    )
    generated: bool = False  # an identity, serial, rowid or GENERATED column: never written

    @property
    def required(self) -> bool:
        return not self.nullable and self.default is None and not self.auto


@dataclass
class TableInfo:
    name: str
    schema: str | None = None
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    uniques: list[list[str]] = field(default_factory=list)
    foreign_keys: list[tuple[list[str], str, list[str]]] = field(default_factory=list)
    source: str = ""  # where it was read: "catalog" or a file path
    dialect: str | None = None  # "sqlite" when read from SQLite DDL; None: PostgreSQL
    # the project's dependencies (project.dependencies.Dependencies) when the command knows
    # the project: generated code then fits them (e.g. pydantic 1 or 2)
    dependencies: object = None
    start: int = 0  # byte range of the CREATE TABLE in its file
    end: int = 0

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    @property
    def id_column(self) -> Column:
        if self.primary_key and self.column(self.primary_key[0]):
            return self.column(self.primary_key[0])
        return self.column("id") or self.columns[0]

    @property
    def writable(self) -> list[Column]:
        """Columns a create/update sets (not filled by the database)."""
        return [c for c in self.columns if not c.auto]

    @property
    def unique_keys(self) -> list[list[str]]:
        """Unique keys other than the primary key, in declaration order."""
        seen = []
        for u in self.uniques:
            if u != self.primary_key and u not in seen and all(self.column(c) for c in u):
                seen.append(u)
        return seen


# -- reading CREATE TABLE ------------------------------------------------------------------


def _type_name(type_name: dict) -> str:
    names = [string_value(n) or "" for n in type_name.get("names", [])]
    names = [n for n in names if n != "pg_catalog"]
    base = names[-1] if names else "text"
    base = TYPE_ALIASES.get(base, base)
    mods = []
    for m in type_name.get("typmods") or []:
        const = m.get("A_Const", {})
        if "ival" in const:
            mods.append(str(const["ival"].get("ival", 0)))
    if mods:
        base += "(" + ",".join(mods) + ")"
    if type_name.get("arrayBounds"):
        base += "[]"
    return base


def _default_text(expr: dict) -> str:
    if not isinstance(expr, dict):
        return "default"
    if "A_Const" in expr:
        c = expr["A_Const"]
        if "sval" in c:
            return "'" + c["sval"].get("sval", "") + "'"
        if "ival" in c:
            return str(c["ival"].get("ival", 0))
        if "boolval" in c:
            return "true" if c["boolval"].get("boolval") else "false"
        if "fval" in c:
            return c["fval"].get("fval", "0")
        if c.get("isnull"):
            return "NULL"
    if "FuncCall" in expr:
        name = ".".join(string_value(n) or "" for n in expr["FuncCall"].get("funcname", []))
        return f"{name}()"
    if "SQLValueFunction" in expr:
        return "CURRENT_TIMESTAMP"
    if "TypeCast" in expr:
        return _default_text(expr["TypeCast"].get("arg"))
    return "default"


def _is_constant_default(expr: dict) -> bool:
    if not isinstance(expr, dict):
        return False
    if "TypeCast" in expr:
        return _is_constant_default(expr["TypeCast"].get("arg"))
    return "A_Const" in expr


def table_from_create(
    node: dict, source: str = "", start: int = 0, end: int = 0
) -> TableInfo | None:
    rel = node.get("relation") or {}
    name = rel.get("relname")
    if not name:
        return None
    t = TableInfo(name=name, schema=rel.get("schemaname"), source=source, start=start, end=end)
    for elt in node.get("tableElts") or []:
        if "ColumnDef" in elt:
            cd = elt["ColumnDef"]
            ctype = _type_name(cd.get("typeName") or {})
            col = Column(
                cd.get("colname", "?"),
                ctype,
                nullable=True,
                auto=ctype in AUTO_TYPES,
                generated=ctype in AUTO_TYPES,
            )
            if ctype in AUTO_TYPES:
                col.type = {
                    "serial": "integer",
                    "bigserial": "bigint",
                    "smallserial": "smallint",
                }.get(ctype, "integer")
            for c in cd.get("constraints") or []:
                con = c.get("Constraint", {})
                kind = con.get("contype")
                if kind == "CONSTR_PRIMARY":
                    col.nullable = False
                    t.primary_key = [col.name]
                elif kind == "CONSTR_NOTNULL":
                    col.nullable = False
                elif kind == "CONSTR_UNIQUE":
                    t.uniques.append([col.name])
                elif kind == "CONSTR_DEFAULT":
                    expr = con.get("raw_expr")
                    col.default = _default_text(expr)
                    if not _is_constant_default(expr):
                        col.auto = True
                elif kind in ("CONSTR_IDENTITY", "CONSTR_GENERATED"):
                    col.auto = True
                    col.generated = True
                elif kind == "CONSTR_FOREIGN":
                    ref = (con.get("pktable") or {}).get("relname", "")
                    refcols = [string_value(x) or "" for x in con.get("pk_attrs") or []]
                    t.foreign_keys.append(([col.name], ref, refcols))
            t.columns.append(col)
        elif "Constraint" in elt:
            con = elt["Constraint"]
            keys = [string_value(k) or "" for k in con.get("keys") or []]
            if con.get("contype") == "CONSTR_PRIMARY":
                t.primary_key = keys
                for k in keys:
                    if t.column(k):
                        t.column(k).nullable = False
            elif con.get("contype") == "CONSTR_UNIQUE":
                t.uniques.append(keys)
            elif con.get("contype") == "CONSTR_FOREIGN":
                ref = (con.get("pktable") or {}).get("relname", "")
                t.foreign_keys.append(
                    (
                        [string_value(x) or "" for x in con.get("fk_attrs") or []],
                        ref,
                        [string_value(x) or "" for x in con.get("pk_attrs") or []],
                    )
                )
    return t if t.columns else None


# SQLite's AUTOINCREMENT is not PostgreSQL syntax: blanked (same length, so offsets hold)
# before parsing; an INTEGER PRIMARY KEY column is SQLite's rowid and filled by the database.
_SQLITE_AUTOINCREMENT = re.compile(r"\bAUTOINCREMENT\b", re.I)
_SQLITE_ROWID_COLUMN = re.compile(r"\b(\w+)\s+INTEGER\s+PRIMARY\s+KEY\b", re.I)


def _sqlite_rowid_columns(text: str) -> set[str]:
    return {m.group(1).strip('"`').lower() for m in _SQLITE_ROWID_COLUMN.finditer(text)}


def tables_in_sql(text: str, source: str = "", dialect: str | None = None) -> list[TableInfo]:
    sqlite = dialect == "sqlite" or bool(_SQLITE_AUTOINCREMENT.search(text))
    parsed = _SQLITE_AUTOINCREMENT.sub(lambda m: " " * len(m.group(0)), text) if sqlite else text
    out = []
    for stmt in split_statements(region_for_sql_document(parsed)):
        if stmt.kind == "CreateStmt" and stmt.node:
            s, e = stmt.doc_range()
            t = table_from_create(stmt.node, source, s, e)
            if t is None:
                continue
            if sqlite:
                t.dialect = "sqlite"
                rowid = _sqlite_rowid_columns(text[s:e])
                for c in t.columns:
                    if c.name.lower() in rowid and t.primary_key == [c.name]:
                        c.auto = True
                        c.generated = True
            out.append(t)
    return out


def table_from_catalog(tbl) -> TableInfo:
    cols = []
    for c in getattr(tbl, "columns", []) or []:
        ctype = str(getattr(c, "type", "text") or "text")
        default = getattr(c, "default", None)
        # the catalog records identity columns with the default "identity", serial ones
        # as nextval(...), stored generated columns as "generated": all filled by the database
        generated = (
            ctype.lower() in AUTO_TYPES
            or bool(getattr(c, "identity", False))
            or bool(getattr(c, "generated", False))
            or str(default or "").lower() == "identity"
            or str(default or "").lower().startswith("generated")
            or str(default or "").lower().startswith("nextval(")
        )
        auto = generated
        if (
            default is not None
            and "(" in str(default)
            or str(default or "").upper() in ("CURRENT_TIMESTAMP", "NOW()")
        ):
            auto = True
        cols.append(
            Column(
                c.name,
                ctype,
                bool(getattr(c, "nullable", True)),
                None if default is None or generated else str(default),
                auto,
                generated,
            )
        )
    # tables are named as the code names them: unqualified in the default schema
    fks = [
        (list(fk.columns), _unqualified_public(fk.ref_table), list(fk.ref_columns))
        for fk in getattr(tbl, "foreign_keys", []) or []
    ]
    return TableInfo(
        name=tbl.name,
        schema=getattr(tbl, "schema", None),
        columns=cols,
        primary_key=list(getattr(tbl, "primary_key", []) or []),
        uniques=[list(u) for u in getattr(tbl, "uniques", []) or []],
        foreign_keys=fks,
        source="catalog",
    )


# -- finding the target table -----------------------------------------------------------------


def table_at(doc, offset: int, statements=None) -> TableInfo | None:
    """The CREATE TABLE under ``offset`` in a .sql document (``statements``: the
    document's already split statements, when the caller has them)."""
    if doc.language != "sql":
        return None
    if statements is None:
        for t in tables_in_sql(doc.text, doc.path):
            if t.start <= offset <= t.end:
                return t
        return None
    for stmt in statements:
        if stmt.kind != "CreateStmt" or not stmt.node:
            continue
        s, e = stmt.doc_range()
        if s <= offset <= e:
            return table_from_create(stmt.node, doc.path, s, e)
    return None


def all_tables(session, root: str, server=None, current=None) -> dict[str, TableInfo]:
    """Every known table by name: catalog first, then the current file and the workspace's .sql files."""
    out: dict[str, TableInfo] = {}
    catalog = getattr(session, "catalog", None)
    if catalog is not None:
        try:
            for tbl in catalog.tables():
                tbl = catalog.table(tbl) if isinstance(tbl, str) else tbl
                if tbl is not None:
                    out.setdefault(tbl.name, table_from_catalog(tbl))
        except Exception:
            pass
    if current is not None and current.language == "sql":
        for t in tables_in_sql(current.text, current.path):
            out.setdefault(t.name, t)
    if root and os.path.isdir(root):
        for path in workspace_files(root, ("sql",), limit=500):
            doc = open_or_read(session, path, server)
            if doc is None:
                continue
            for t in tables_in_sql(doc.text, path):
                out.setdefault(t.name, t)
    return out


def resolve_table(t, name: str | None = None) -> TableInfo | None:
    """The table a command was invoked on: a name argument, the CREATE TABLE under the
    cursor, or a selected table name."""
    doc = t.document
    if name is None and doc is not None:
        hit = table_at(doc, t.start)
        if hit is not None:
            return hit
        sel = t.selection.strip().strip('"`')
        if sel and sel.replace("_", "").replace(".", "").isalnum():
            name = sel.split(".")[-1]
    if not name:
        return None
    return all_tables(t.session, t.root, t.server, doc).get(name)


def schema_indexing(t) -> bool:
    """True while the language server is still reading the workspace's schema: a command
    that found no table then says so instead of answering as if there were none."""
    indexer = getattr(t.server, "indexer", None)
    return bool(getattr(indexer, "running", False)) and getattr(t.session, "catalog", None) is None


def no_table_message(t, command: str, what: str) -> str:
    if schema_indexing(t):
        return (
            f"{command}: the workspace's schema is still being indexed; run it again in a moment."
        )
    return what


def _unqualified_public(name: str) -> str:
    return name[len("public.") :] if name.startswith("public.") else name
