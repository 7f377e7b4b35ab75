"""Tables for the generators: the workspace catalog when there is one, else the
CREATE TABLE statements of the current file and the workspace's .sql files. Both are
the catalog's :class:`~backend_architect.catalog.model.Table`."""

from __future__ import annotations

import dataclasses
import os
import re

from ..catalog.model import DEFAULT_SCHEMA, Column, ForeignKey, Table
from ..core.regions import region_for_sql_document
from ..core.sql import split_statements, string_value
from ..core.document import Document
from .base import Workspace, workspace_files

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


# The generators use the catalog's own table model; a table read from a CREATE TABLE of the
# current file is one too. ``TableInfo`` is its name in the generators' signatures.
TableInfo = Table


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


def table_from_create(node: dict, source: str = "", line: int | None = None) -> Table | None:
    """The table a CREATE TABLE statement declares (``source``: its file, ``line``: 1-based)."""
    rel = node.get("relation") or {}
    name = rel.get("relname")
    if not name:
        return None
    t = Table(
        name=name,
        schema=rel.get("schemaname") or DEFAULT_SCHEMA,
        source_path=source or None,
        line=line,
    )
    for elt in node.get("tableElts") or []:
        if "ColumnDef" in elt:
            cd = elt["ColumnDef"]
            ctype = _type_name(cd.get("typeName") or {})
            col = Column(
                cd.get("colname", "?"),
                ctype,
                nullable=True,
                source_path=t.source_path,
                line=line,
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
                    t.foreign_keys.append(ForeignKey(None, [col.name], ref, refcols))
            t.columns.append(col)
        elif "Constraint" in elt:
            con = elt["Constraint"]
            keys = [string_value(k) or "" for k in con.get("keys") or []]
            if con.get("contype") == "CONSTR_PRIMARY":
                t.primary_key = keys
                for k in keys:
                    key_col = t.column(k)
                    if key_col is not None:
                        key_col.nullable = False
            elif con.get("contype") == "CONSTR_UNIQUE":
                t.uniques.append(keys)
            elif con.get("contype") == "CONSTR_FOREIGN":
                ref = (con.get("pktable") or {}).get("relname", "")
                t.foreign_keys.append(
                    ForeignKey(
                        con.get("conname"),
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


def tables_in_sql(text: str, source: str = "", dialect: str | None = None) -> list[Table]:
    return [t for t, _, _ in _created_tables(text, source, dialect)]


def _created_tables(
    text: str, source: str = "", dialect: str | None = None
) -> list[tuple[Table, int, int]]:
    """The tables the CREATE TABLEs of ``text`` declare, with each statement's byte range."""
    sqlite = dialect == "sqlite" or bool(_SQLITE_AUTOINCREMENT.search(text))
    parsed = _SQLITE_AUTOINCREMENT.sub(lambda m: " " * len(m.group(0)), text) if sqlite else text
    out = []
    doc = Document(parsed, path=source or "<memory>", language="sql")
    for stmt in split_statements(region_for_sql_document(parsed)):
        if stmt.kind == "CreateStmt" and stmt.node:
            s, e = stmt.doc_range()
            t = table_from_create(stmt.node, source, doc.line_of(s) + 1)
            if t is None:
                continue
            if sqlite:
                t.dialect = "sqlite"
                rowid = _sqlite_rowid_columns(doc.data[s:e].decode("utf-8", "replace"))
                for c in t.columns:
                    if c.name.lower() in rowid and t.primary_key == [c.name]:
                        c.auto = True
                        c.generated = True
            out.append((t, s, e))
    return out


def table_from_catalog(tbl: Table) -> Table:
    """The catalog's table as the generators see it (a copy: the catalog is shared): which
    columns the database fills, and foreign keys to tables of the default schema named as
    the code names them (unqualified)."""
    cols = []
    for c in tbl.columns:
        ctype = c.type or "text"
        default = c.default
        low = (default or "").lower()
        # the catalog records identity columns with the default "identity", serial ones
        # as nextval(...), stored generated columns as "generated": all filled by the database
        generated = (
            c.generated
            or ctype.lower() in AUTO_TYPES
            or low == "identity"
            or low.startswith("generated")
            or low.startswith("nextval(")
        )
        auto = (
            c.auto
            or generated
            or default is not None
            and "(" in default
            or low.upper() in ("CURRENT_TIMESTAMP", "NOW()")
        )
        cols.append(
            dataclasses.replace(
                c,
                type=ctype,
                default=None if generated else default,
                auto=bool(auto),
                generated=bool(generated),
            )
        )
    fks = [
        dataclasses.replace(fk, ref_table=_unqualified_public(fk.ref_table))
        for fk in tbl.foreign_keys
    ]
    return dataclasses.replace(
        tbl,
        columns=cols,
        primary_key=list(tbl.primary_key),
        uniques=[list(u) for u in tbl.uniques],
        indexes=list(tbl.indexes),
        foreign_keys=fks,
    )


# -- finding the target table -----------------------------------------------------------------


def table_at(doc: Document, offset: int, statements=None) -> Table | None:
    """The CREATE TABLE under ``offset`` in a .sql document (``statements``: the
    document's already split statements, when the caller has them)."""
    if doc.language != "sql":
        return None
    if statements is None:
        for t, s, e in _created_tables(doc.text, doc.path):
            if s <= offset <= e:
                return t
        return None
    for stmt in statements:
        if stmt.kind != "CreateStmt" or not stmt.node:
            continue
        s, e = stmt.doc_range()
        if s <= offset <= e:
            return table_from_create(stmt.node, doc.path, doc.line_of(s) + 1)
    return None


def all_tables(workspace: Workspace, current: Document | None = None) -> dict[str, Table]:
    """Every known table by name: catalog first, then the current file and the workspace's .sql files."""
    out: dict[str, Table] = {}
    catalog = workspace.catalog
    root = workspace.root
    if catalog is not None:
        try:
            for entry in catalog.tables():
                tbl = catalog.table(entry) if isinstance(entry, str) else entry
                if tbl is not None:
                    out.setdefault(tbl.name, table_from_catalog(tbl))
        except Exception:
            pass
    if current is not None and current.language == "sql":
        for t in tables_in_sql(current.text, current.path):
            out.setdefault(t.name, t)
    if root and os.path.isdir(root):
        for path in workspace_files(root, ("sql",), limit=500):
            doc = workspace.read(path)
            if doc is None:
                continue
            for t in tables_in_sql(doc.text, path):
                out.setdefault(t.name, t)
    return out


def resolve_table(t, name: str | None = None) -> Table | None:
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
    return all_tables(t.workspace, doc).get(name)


def schema_indexing(t) -> bool:
    """True while the language server is still reading the workspace's schema: a command
    that found no table then says so instead of answering as if there were none."""
    return t.workspace.indexing


def no_table_message(t, command: str, what: str) -> str:
    if schema_indexing(t):
        return (
            f"{command}: the workspace's schema is still being indexed; run it again in a moment."
        )
    return what


def _unqualified_public(name: str) -> str:
    return name[len("public.") :] if name.startswith("public.") else name
