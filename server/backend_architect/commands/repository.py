"""REPOSITORY: generate the data-access class of a table in the project's language.

Python (psycopg-style DB-API or SQLAlchemy Core, whichever the project imports),
TypeScript with node-postgres, Go with database/sql or pgx. Every repository has
find-by-id, find-by-each-unique-key, a paginated find-all with the total,
create, update and delete, all with parameterised SQL built from the table's
columns; sort columns and updated columns come from fixed lists, never from input.
"""

from __future__ import annotations

import os
import re

from ..core.sql import quote_ident
from . import naming
from .base import (
    CommandError,
    FileChange,
    Target,
    handler,
    project_language,
    result,
    send_edit,
    show,
    unique_path,
    workspace_edit,
    workspace_text,
)
from ..catalog.model import Table
from ..resources import (
    Field,
    Resource,
    from_table,
    go_entity,
    go_store_methods,
    go_type,
    python_store_methods,
    ts_entity,
    ts_type,
    typescript_store_methods,
)
from .tables import no_table_message, resolve_table

PAGE_LIMIT_MAX = 100


# -- style detection -------------------------------------------------------------------------


def python_style(root: str) -> str:
    """``sqlalchemy`` when the project imports it, else the DB-API style (psycopg)."""
    text = workspace_text(root, ("python",))
    if re.search(r"^\s*(from|import)\s+sqlalchemy\b", text, re.M) or re.search(
        r"^\s*from\s+sqlmodel\b", text, re.M
    ):
        return "sqlalchemy"
    if re.search(r"^\s*import\s+sqlite3\b", text, re.M) and not re.search(r"psycopg", text):
        return "sqlite3"
    return "dbapi"


def python_driver(root: str) -> str:
    """psycopg2 when the project uses it and not psycopg 3, else psycopg."""
    text = workspace_text(root, ("python",))
    if re.search(r"^\s*(from|import)\s+psycopg2\b", text, re.M) and not re.search(
        r"^\s*(from|import)\s+psycopg\b", text, re.M
    ):
        return "psycopg2"
    return "psycopg"


def go_style(root: str) -> str:
    text = workspace_text(root, ("go",))
    if (
        "github.com/jackc/pgx/v5/pgxpool" in text
        or re.search(r'"github.com/jackc/pgx/v5"', text)
        and "database/sql" not in text
    ):
        return "pgx"
    return "database/sql"


# -- Python ----------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return quote_ident(name)


def _key_field(r: Resource, name: str) -> Field:
    """A field of a unique key (unique keys name known columns only)."""
    f = r.field(name)
    if f is None:
        raise CommandError(
            f"REPOSITORY: the unique key column {name} is not a column of the table."
        )
    return f


def _field_py_type(r, name: str) -> str:
    """The Python type of a field of a unique key (unique keys name known columns only)."""
    f = r.field(name)
    return f.py_type if f is not None else "Any"


def python_repository(t: Table, style: str = "dbapi", driver: str = "psycopg") -> str:
    """``style``: dbapi (psycopg/psycopg2 placeholders), sqlite3 or sqlalchemy;
    ``driver``: psycopg or psycopg2 (how JSON values are passed to PostgreSQL)."""
    r = from_table(t, include_sensitive=True)  # the repository reads and writes every column
    cls = naming.pascal(t.name) + "Repository"
    idc = r.id
    cols = ", ".join(_q(c.name) for c in r.fields)
    table = _q(t.name) if not t.schema or t.schema == "public" else f"{_q(t.schema)}.{_q(t.name)}"
    writable = r.writable
    has_updated = r.updated_at is not None
    sqla = style == "sqlalchemy"
    sqlite = style == "sqlite3" or r.dialect == "sqlite"
    json_cols = [c.name for c in r.json_fields]
    mark = "?" if style == "sqlite3" else "%s"
    sigs = python_store_methods(r)
    lines: list[str] = []
    a = lines.append
    a(f'"""Data access for the {t.name} table. Holds no HTTP; the caller owns the transaction."""')
    a("")
    a("from __future__ import annotations")
    a("")
    if json_cols and (sqlite or sqla or driver != "psycopg"):
        a("import json")
    a("from typing import Any")
    if sqla:
        a("")
        a("from sqlalchemy import text")
    elif json_cols and not sqlite:
        a("")
        a(
            "from psycopg.types.json import Jsonb"
            if driver == "psycopg"
            else "from psycopg2.extras import Json as Jsonb"
        )
    a("")
    a(f"COLUMNS = {tuple(c.name for c in r.fields)!r}")
    a(f"WRITABLE = {tuple(c.name for c in writable)!r}")
    a(f"REQUIRED = {tuple(c.name for c in writable if c.required)!r}")
    a(
        f"JSON_COLUMNS = frozenset({set(json_cols)!r})"
        if json_cols
        else "JSON_COLUMNS: frozenset[str] = frozenset()"
    )
    a("SORTABLE = frozenset(COLUMNS)")
    a(f"MAX_LIMIT = {PAGE_LIMIT_MAX}")
    a(f"_SELECT = {('SELECT ' + cols + ' FROM ' + table)!r}")
    a(f"_QUOTED = {{{', '.join(f'{c.name!r}: {_q(c.name)!r}' for c in r.fields)}}}")
    a("")
    a("")
    a("def _encode(column: str, value: Any) -> Any:")
    a('    """A value as the driver takes it: JSON columns are serialised."""')
    a("    if column in JSON_COLUMNS and value is not None:")
    if sqla and not sqlite:
        a("        return json.dumps(value)  # the SQL casts it to jsonb")
    elif sqlite or sqla:
        a("        return json.dumps(value)  # SQLite stores JSON as text")
    else:
        a("        return Jsonb(value)")
    a("    return value")
    a("")
    a("")
    a("def _decode(row: dict[str, Any]) -> dict[str, Any]:")
    if sqlite:
        a('    """JSON columns back from their text form."""')
        a("    for column in JSON_COLUMNS:")
        a("        if isinstance(row.get(column), str):")
        a("            row[column] = json.loads(row[column])")
    else:
        a('    """Rows as the driver returns them (it decodes JSON itself)."""')
    a("    return row")
    a("")
    a("")
    a("def _mark(column: str) -> str:")
    a('    """The placeholder of a column\'s value."""')
    if sqla:
        cast = "" if sqlite else " AS jsonb"
        if cast:
            a(
                f'    return f"CAST(:{{column}}{cast})" if column in JSON_COLUMNS else f":{{column}}"'
            )
        else:
            a('    return f":{column}"')
    else:
        a(f"    return {mark!r}")
    a("")
    a("")
    a(f"class {cls}:")
    a(f'    """find by id, by unique key, paginated list, create, update, delete for {t.name}."""')
    a("")
    if sqla:
        a("    def __init__(self, conn) -> None:")
        a("        self.conn = conn  # a SQLAlchemy Connection or Session")
        a("")
        a("    def _all(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:")
        a(
            "        return [_decode(dict(row)) for row in self.conn.execute(text(sql), params).mappings()]"
        )
    else:
        a("    def __init__(self, conn) -> None:")
        a(
            "        self.conn = conn  # a sqlite3 connection"
            if style == "sqlite3"
            else "        self.conn = conn  # a DB-API connection (psycopg, psycopg2)"
        )
        a("")
        a("    def _all(self, sql: str, params: tuple) -> list[dict[str, Any]]:")
        a("        cur = self.conn.cursor()")
        a("        try:")
        a("            cur.execute(sql, params)")
        a("            if cur.description is None:")
        a("                return []")
        a("            names = [d[0] for d in cur.description]")
        a("            return [_decode(dict(zip(names, row))) for row in cur.fetchall()]")
        a("        finally:")
        a("            cur.close()")
    a("")
    a(
        f"    def _one(self, sql: str, params: {'dict[str, Any]' if sqla else 'tuple'}) -> dict[str, Any] | None:"
    )
    a("        rows = self._all(sql, params)")
    a("        return rows[0] if rows else None")

    def ph(name: str) -> str:
        return f":{name}" if sqla else mark

    def params(pairs):
        if sqla:
            return "{" + ", ".join(f"{k!r}: {v}" for k, v in pairs) + "}"
        vals = [v for _, v in pairs]
        return "(" + ", ".join(vals) + ("," if len(vals) == 1 else "") + ")"

    idp = naming.py_param(idc.name)
    a("")
    a(f"    {sigs['find_by_id']}:")
    a(
        f"        return self._one(_SELECT + {(' WHERE ' + _q(idc.name) + ' = ' + ph(idc.name))!r}, {params([(idc.name, idp)])})"
    )
    for key in r.unique_keys:
        fname = "find_by_" + "_and_".join(naming.snake(k) for k in key)
        args = ", ".join(f"{naming.py_param(k)}: {_field_py_type(r, k)}" for k in key)
        where = " AND ".join(f"{_q(k)} = {ph(k)}" for k in key)
        a("")
        a(f"    def {fname}(self, {args}) -> dict[str, Any] | None:")
        a(
            f"        return self._one(_SELECT + {(' WHERE ' + where)!r}, {params([(k, naming.py_param(k)) for k in key])})"
        )
    a("")
    a(f"    {sigs['find_all']}:")
    a('        """One page of rows (page numbers start at 1) and the total row count."""')
    a("        if sort not in SORTABLE:")
    a('            raise ValueError(f"cannot sort by {sort!r}; sortable: {sorted(SORTABLE)}")')
    a('        direction = "DESC" if str(order).lower() == "desc" else "ASC"')
    a("        limit = max(1, min(int(limit), MAX_LIMIT))")
    a("        page = max(1, int(page))")
    a(
        f"        total_row = self._one({('SELECT count(*) AS total FROM ' + table)!r}, {'{}' if sqla else '()'})"
    )
    a('        total = int(total_row["total"]) if total_row else 0')
    if sqla:
        a(
            f'        sql = f"{{_SELECT}} ORDER BY {{_QUOTED[sort]}} {{direction}}, {_q(idc.name)} LIMIT :limit OFFSET :offset"'
        )
        a('        rows = self._all(sql, {"limit": limit, "offset": (page - 1) * limit})')
    else:
        a(
            f'        sql = f"{{_SELECT}} ORDER BY {{_QUOTED[sort]}} {{direction}}, {_q(idc.name)} LIMIT {mark} OFFSET {mark}"'
        )
        a("        rows = self._all(sql, (limit, (page - 1) * limit))")
    a("        return rows, total")
    # create: only the given columns, the others take the database's defaults
    a("")
    a(f"    {sigs['create']}:")
    req = [c.name for c in writable if c.required]
    opt = [c.name for c in writable if not c.required]
    a(
        f'        """Insert a row and return it as stored. Required: {", ".join(req) or "none"}; '
        f'optional (database default when left out): {", ".join(opt) or "none"}."""'
    )
    a("        unknown = sorted(set(values) - set(WRITABLE))")
    a("        if unknown:")
    a('            raise ValueError(f"not writable columns of ' + t.name + ': {unknown}")')
    a("        missing = [c for c in REQUIRED if c not in values]")
    a("        if missing:")
    a('            raise ValueError(f"missing required columns of ' + t.name + ': {missing}")')
    a("        if values:")
    a('            names = ", ".join(_QUOTED[c] for c in values)')
    a('            marks = ", ".join(_mark(c) for c in values)')
    a(f'            sql = f"INSERT INTO {table} ({{names}}) VALUES ({{marks}}) RETURNING {cols}"')
    a("        else:")
    a(f"            sql = {('INSERT INTO ' + table + ' DEFAULT VALUES RETURNING ' + cols)!r}")
    if sqla:
        a("        row = self._one(sql, {c: _encode(c, v) for c, v in values.items()})")
    else:
        a("        row = self._one(sql, tuple(_encode(c, v) for c, v in values.items()))")
    a("        assert row is not None")
    a("        return row")
    # update
    a("")
    a(f"    {sigs['update']}:")
    a('        """Set the given columns (only those in WRITABLE); None when no row has that id."""')
    a("        unknown = sorted(set(changes) - set(WRITABLE))")
    a("        if unknown:")
    a('            raise ValueError(f"not writable columns of ' + t.name + ': {unknown}")')
    a("        if not changes:")
    a(f"            return self.find_by_id({idp})")
    set_extra = f", {_q('updated_at')} = {r.now_sql}" if has_updated else ""
    a('        assignments = ", ".join(f"{_QUOTED[c]} = {_mark(c)}" for c in changes)')
    if sqla:
        a(
            f'        sql = f"UPDATE {table} SET {{assignments}}{set_extra} WHERE {_q(idc.name)} = :__id RETURNING {cols}"'
        )
        a(
            f'        return self._one(sql, {{**{{c: _encode(c, v) for c, v in changes.items()}}, "__id": {idp}}})'
        )
    else:
        a(
            f'        sql = f"UPDATE {table} SET {{assignments}}{set_extra} WHERE {_q(idc.name)} = {mark} RETURNING {cols}"'
        )
        a(f"        return self._one(sql, (*(_encode(c, v) for c, v in changes.items()), {idp}))")
    # delete
    a("")
    a(f"    {sigs['delete']}:")
    a('        """True when a row was deleted."""')
    a(
        f"        row = self._one({('DELETE FROM ' + table + ' WHERE ' + _q(idc.name) + ' = ' + ph(idc.name) + ' RETURNING ' + _q(idc.name))!r}, {params([(idc.name, idp)])})"
    )
    a("        return row is not None")
    return "\n".join(lines) + "\n"


# -- TypeScript (node-postgres) -------------------------------------------------------------------


def typescript_repository(t: Table) -> str:
    r = from_table(t)
    ent = ts_entity(r)
    cls = naming.pascal(t.name) + "Repository"
    idc = r.id
    cols = ", ".join(_q(f.name) for f in r.fields)
    table = _q(t.name) if not t.schema or t.schema == "public" else f"{_q(t.schema)}.{_q(t.name)}"
    writable = r.writable
    has_updated = r.updated_at is not None
    sigs = typescript_store_methods(r)
    int8 = [f.name for f in r.fields if naming.base_type(f.sql_type) == "bigint"]
    js = lambda s: "`" + s.replace("`", "\\`") + "`"  # noqa: E731
    L: list[str] = []
    a = L.append
    a(f"// Data access for the {t.name} table. Holds no HTTP; the caller owns the transaction.")
    a('import type { Pool, PoolClient } from "pg";')
    a("")
    a(f"export type {ent} = {{")
    for f in r.fields:
        a(f"  {f.name}: {ts_type(f)}{' | null' if f.nullable else ''};")
    a("};")
    a("")
    a(f"export type New{ent} = {{")
    for f in writable:
        opt = "" if f.required else "?"
        a(f"  {f.name}{opt}: {ts_type(f)}{' | null' if f.nullable else ''};")
    a("};")
    a("")
    a(f"export type {ent}Changes = Partial<New{ent}>;")
    a("")
    a(f"const COLUMNS = {js(cols)};")
    a(
        f"const QUOTED: Record<string, string> = {{ {', '.join(f'{f.name}: {js(_q(f.name))}' for f in r.fields)} }};"
    )
    a(f"const WRITABLE = [{', '.join(chr(34) + f.name + chr(34) for f in writable)}] as const;")
    a(
        f"const JSON_COLUMNS: string[] = [{', '.join(chr(34) + f.name + chr(34) for f in r.json_fields)}];"
    )
    a(f"const MAX_LIMIT = {PAGE_LIMIT_MAX};")
    a("")
    a("export interface Page<T> {")
    a("  rows: T[];")
    a("  total: number;")
    a("}")
    a("")
    a("// node-postgres reads int8 as a string: the ids and counts of this table fit a number.")
    a(f"function fromRow(row: Record<string, unknown>): {ent} {{")
    for name in int8:
        a(
            f"  if (row.{name} !== null && row.{name} !== undefined) row.{name} = Number(row.{name});"
        )
    a(f"  return row as {ent};")
    a("}")
    a("")
    a(
        "// JSON columns are sent as JSON text (node-postgres would send a JS array as a Postgres array)."
    )
    a("function toParam(column: string, value: unknown): unknown {")
    a(
        "  return JSON_COLUMNS.includes(column) && value !== null && value !== undefined ? JSON.stringify(value) : value;"
    )
    a("}")
    a("")
    a(f"export class {cls} {{")
    a("  constructor(private readonly db: Pool | PoolClient) {}")
    a("")
    a(f"  async {sigs['findById']} {{")
    a(
        f"    const {{ rows }} = await this.db.query({js(f'SELECT {cols} FROM {table} WHERE {_q(idc.name)} = $1')}, [id]);"
    )
    a("    return rows[0] ? fromRow(rows[0]) : null;")
    a("  }")
    for key in r.unique_keys:
        fname = "findBy" + "And".join(naming.pascal(k) for k in key)
        args = ", ".join(f"{naming.camel(k)}: {ts_type(_key_field(r, k))}" for k in key)
        where = " AND ".join(f"{_q(k)} = ${i + 1}" for i, k in enumerate(key))
        a("")
        a(f"  async {fname}({args}): Promise<{ent} | null> {{")
        a(
            f"    const {{ rows }} = await this.db.query({js(f'SELECT {cols} FROM {table} WHERE {where}')}, [{', '.join(naming.camel(k) for k in key)}]);"
        )
        a("    return rows[0] ? fromRow(rows[0]) : null;")
        a("  }")
    a("")
    a(
        f'  async findAll({{ page = 1, limit = 20, sort = "{idc.name}", order = "asc" }}: {{ page?: number; limit?: number; sort?: string; order?: "asc" | "desc" }} = {{}}): Promise<Page<{ent}>> {{'
    )
    a("    const column = QUOTED[sort];")
    a("    if (column === undefined) {")
    a("      throw new Error(`cannot sort by ${sort}`);")
    a("    }")
    a('    const direction = order === "desc" ? "DESC" : "ASC";')
    a("    const size = Math.max(1, Math.min(Math.floor(limit), MAX_LIMIT));")
    a("    const offset = (Math.max(1, Math.floor(page)) - 1) * size;")
    a(
        f"    const count = await this.db.query<{{ total: string }}>({js(f'SELECT count(*) AS total FROM {table}')});"
    )
    a("    const { rows } = await this.db.query(")
    a(
        f"      `SELECT ${{COLUMNS}} FROM {table.replace('`', '')} ORDER BY ${{column}} ${{direction}}, {_q(idc.name)} LIMIT $1 OFFSET $2`,"
    )
    a("      [size, offset],")
    a("    );")
    a("    return { rows: rows.map(fromRow), total: Number(count.rows[0]?.total ?? 0) };")
    a("  }")
    a("")
    a(f"  async {sigs['create']} {{")
    if writable:
        vals = []
        for f in writable:
            lit = naming.js_literal(f.default)
            given = f'toParam("{f.name}", input.{f.name})'
            vals.append(
                f"input.{f.name} === undefined ? {lit if lit is not None else 'null'} : {given}"
            )
        a("    const { rows } = await this.db.query(")
        a(
            f"      {js(f'INSERT INTO {table} (' + ', '.join(_q(f.name) for f in writable) + ') VALUES (' + ', '.join(f'${i + 1}' for i in range(len(writable))) + f') RETURNING {cols}')},"
        )
        a("      [")
        for v in vals:
            a(f"        {v},")
        a("      ],")
        a("    );")
    else:
        a(
            f"    const {{ rows }} = await this.db.query({js(f'INSERT INTO {table} DEFAULT VALUES RETURNING {cols}')});"
        )
    a("    return fromRow(rows[0]);")
    a("  }")
    a("")
    a(f"  async {sigs['update']} {{")
    a(
        "    const keys = Object.keys(changes).filter((k) => (WRITABLE as readonly string[]).includes(k) && (changes as Record<string, unknown>)[k] !== undefined);"
    )
    a("    if (keys.length === 0) {")
    a("      return this.findById(id);")
    a("    }")
    a('    const assignments = keys.map((k, i) => `${QUOTED[k]} = $${i + 2}`).join(", ");')
    a("    const values = keys.map((k) => toParam(k, (changes as Record<string, unknown>)[k]));")
    a("    const { rows } = await this.db.query(")
    upd = f", {_q('updated_at')} = {r.now_sql}" if has_updated else ""
    a(
        f"      `UPDATE {table} SET ${{assignments}}{upd} WHERE {_q(idc.name)} = $1 RETURNING ${{COLUMNS}}`,"
    )
    a("      [id, ...values],")
    a("    );")
    a("    return rows[0] ? fromRow(rows[0]) : null;")
    a("  }")
    a("")
    a(f"  async {sigs['delete']} {{")
    a(
        f"    const result = await this.db.query({js(f'DELETE FROM {table} WHERE {_q(idc.name)} = $1')}, [id]);"
    )
    a("    return (result.rowCount ?? 0) > 0;")
    a("  }")
    a("}")
    return "\n".join(L) + "\n"


# -- Go (database/sql or pgx) ---------------------------------------------------------------------


def go_repository(t: Table, style: str = "database/sql", package: str = "repository") -> str:
    r = from_table(t)
    ent = go_entity(r)
    cls = naming.pascal(t.name) + "Repository"
    idc = r.id
    cols = ", ".join(_q(f.name) for f in r.fields)
    table = _q(t.name) if not t.schema or t.schema == "public" else f"{_q(t.schema)}.{_q(t.name)}"
    writable = r.writable
    has_updated = r.updated_at is not None
    pgx = style == "pgx"
    sigs = go_store_methods(r)
    arrays = [f for f in r.fields if f.array] if not pgx else []
    uses_time = any("time.Time" in go_type(f) for f in r.fields)
    uses_json = bool(r.json_fields)
    L: list[str] = []
    a = L.append
    a(
        f"// Package {package}: data access for the {t.name} table. Holds no HTTP; the caller owns the transaction."
    )
    a(f"package {package}")
    a("")
    a("import (")
    a('\t"context"')
    if not pgx:
        a('\t"database/sql"')
    if uses_json:
        a('\t"encoding/json"')
    a('\t"errors"')
    a('\t"fmt"')
    a('\t"strings"')
    if uses_time:
        a('\t"time"')
    if pgx:
        a("")
        a('\t"github.com/jackc/pgx/v5"')
        a('\t"github.com/jackc/pgx/v5/pgxpool"')
    elif arrays:
        a("")
        a('\t"github.com/lib/pq"')
    a(")")
    a("")
    a(f"// {ent} is one row of {t.name}; sensitive columns are never written to JSON.")
    a(f"type {ent} struct {{")
    for f in r.fields:
        tag = "-" if f in r.hidden else f.name
        a(f'\t{naming.go_field(f.name)} {go_type(f)} `json:"{tag}" db:"{f.name}"`')
    a("}")
    a("")
    a(f"// {ent}Input holds the columns a create or an update sets; nil (or no JSON) leaves a")
    a("// column to its default on create and unchanged on update.")
    a(f"type {ent}Input struct {{")
    for f in writable:
        gt = go_type(f, True)
        if f.array:
            gt = "*" + gt
        a(f'\t{naming.go_field(f.name)} {gt} `json:"{f.name}"`')
    if any(f.nullable for f in writable):
        a("\t// Null names nullable columns an update sets to NULL (their field is nil).")
        a('\tNull map[string]bool `json:"-"`')
    a("}")
    a("")
    lc = naming.camel(t.name)
    a(f"const {lc}Columns = `{cols}`")
    a("")
    a(
        f"var {lc}Sortable = map[string]string{{{', '.join(f'{chr(34)}{f.name}{chr(34)}: `{_q(f.name)}`' for f in r.fields)}}}"
    )
    a("")
    a(f"// {cls} reads and writes {t.name}.")
    a(f"type {cls} struct {{")
    a("\tdb *pgxpool.Pool" if pgx else "\tdb *sql.DB")
    a("}")
    a("")
    a(f"// New{cls} returns a repository over a connection pool.")
    a(f"func New{cls}(db {'*pgxpool.Pool' if pgx else '*sql.DB'}) *{cls} {{")
    a(f"\treturn &{cls}{{db: db}}")
    a("}")
    a("")
    a(f"type {lc}Scanner interface {{")
    a("\tScan(dest ...any) error")
    a("}")
    a("")
    a(f"func scan{ent}(row {lc}Scanner) (*{ent}, error) {{")
    a(f"\tvar v {ent}")
    targets = []
    for f in r.fields:
        name = naming.go_field(f.name)
        if f.json:
            a(f"\tvar {naming.camel(f.name)}JSON []byte")
            targets.append(f"&{naming.camel(f.name)}JSON")
        elif f.array and not pgx:
            targets.append(f"pq.Array(&v.{name})")
        else:
            targets.append(f"&v.{name}")
    a(f"\tif err := row.Scan({', '.join(targets)}); err != nil {{")
    a("\t\treturn nil, err")
    a("\t}")
    for f in r.json_fields:
        a(f"\tv.{naming.go_field(f.name)} = json.RawMessage({naming.camel(f.name)}JSON)")
    a("\treturn &v, nil")
    a("}")
    a("")

    def param(f) -> str:
        name = "in." + naming.go_field(f.name)
        if f.json:
            return f"{lc}JSONParam({name})"
        if f.array and not pgx:
            return f"{lc}ArrayParam({name})"
        return name

    if r.json_fields:
        a(
            "// JSON goes to the database as its text; no JSON is NULL (the column's default on create)."
        )
        a(f"func {lc}JSONParam(raw json.RawMessage) any {{")
        a("\tif raw == nil {")
        a("\t\treturn nil")
        a("\t}")
        a("\treturn string(raw)")
        a("}")
        a("")
    if arrays:
        a(f"func {lc}ArrayParam(v *[]string) any {{")
        a("\tif v == nil {")
        a("\t\treturn nil")
        a("\t}")
        a("\treturn pq.Array(*v)")
        a("}")
        a("")
    norows = "pgx.ErrNoRows" if pgx else "sql.ErrNoRows"
    qrow = "QueryRow" if pgx else "QueryRowContext"
    qmany = "Query" if pgx else "QueryContext"
    exe = "Exec" if pgx else "ExecContext"

    def one(fname, sig, where, params):
        a(f"// {fname} returns the row or nil when there is none.")
        a(f"func (r *{cls}) {sig} {{")
        a(
            f"\tv, err := scan{ent}(r.db.{qrow}(ctx, `SELECT {cols} FROM {table} WHERE {where}`, {params}))"
        )
        a(f"\tif errors.Is(err, {norows}) {{")
        a("\t\treturn nil, nil")
        a("\t}")
        a("\treturn v, err")
        a("}")
        a("")

    one("FindByID", sigs["FindByID"], f"{_q(idc.name)} = $1", "id")
    for key in r.unique_keys:
        fname = "FindBy" + "And".join(naming.go_field(k) for k in key)
        args = ", ".join(f"{naming.camel(k)} {go_type(_key_field(r, k), False)}" for k in key)
        where = " AND ".join(f"{_q(k)} = ${i + 1}" for i, k in enumerate(key))
        one(
            fname,
            f"{fname}(ctx context.Context, {args}) (*{ent}, error)",
            where,
            ", ".join(naming.camel(k) for k in key),
        )
    a("// FindAll returns one page (page numbers start at 1) and the total row count.")
    a(f"func (r *{cls}) {sigs['FindAll']} {{")
    a(f"\tcolumn, ok := {lc}Sortable[sort]")
    a("\tif !ok {")
    a('\t\treturn nil, 0, fmt.Errorf("cannot sort by %q", sort)')
    a("\t}")
    a('\tdirection := "ASC"')
    a('\tif strings.EqualFold(order, "desc") {')
    a('\t\tdirection = "DESC"')
    a("\t}")
    a(f"\tif limit < 1 || limit > {PAGE_LIMIT_MAX} {{")
    a(f"\t\tlimit = {PAGE_LIMIT_MAX}")
    a("\t}")
    a("\tif page < 1 {")
    a("\t\tpage = 1")
    a("\t}")
    a("\tvar total int64")
    a(f"\tif err := r.db.{qrow}(ctx, `SELECT count(*) FROM {table}`).Scan(&total); err != nil {{")
    a("\t\treturn nil, 0, err")
    a("\t}")
    a(
        f'\tquery := "SELECT " + {lc}Columns + ` FROM {table} ORDER BY ` + column + " " + direction + `, {_q(idc.name)} LIMIT $1 OFFSET $2`'
    )
    a(f"\trows, err := r.db.{qmany}(ctx, query, limit, (page-1)*limit)")
    a("\tif err != nil {")
    a("\t\treturn nil, 0, err")
    a("\t}")
    a("\tdefer rows.Close()")
    a(f"\tout := []{ent}{{}}")
    a("\tfor rows.Next() {")
    a(f"\t\tv, err := scan{ent}(rows)")
    a("\t\tif err != nil {")
    a("\t\t\treturn nil, 0, err")
    a("\t\t}")
    a("\t\tout = append(out, *v)")
    a("\t}")
    a("\treturn out, total, rows.Err()")
    a("}")

    def value(f, n):
        # an omitted column takes its declared default (a NULL parameter would override it)
        if f.default is not None and naming.js_literal(f.default) is not None:
            return f"COALESCE(${n}::{f.sql_type}, {f.default})"
        return f"${n}"

    a("")
    a("// Create inserts a row and returns it as stored.")
    a(f"func (r *{cls}) {sigs['Create']} {{")
    if writable:
        ins = f"INSERT INTO {table} ({', '.join(_q(f.name) for f in writable)}) VALUES ({', '.join(value(f, i + 1) for i, f in enumerate(writable))}) RETURNING "
        a(
            f"\treturn scan{ent}(r.db.{qrow}(ctx, `{ins}{cols}`, {', '.join(param(f) for f in writable)}))"
        )
    else:
        a(
            f"\treturn scan{ent}(r.db.{qrow}(ctx, `INSERT INTO {table} DEFAULT VALUES RETURNING {cols}`))"
        )
    a("}")
    a("")
    a(
        "// Update sets the columns the input gives and NULLs those in its Null set (a partial update);"
    )
    a("// nil when no row has that id.")
    a(f"func (r *{cls}) {sigs['Update']} {{")
    if writable:
        a("\tsets := []string{}")
        a("\targs := []any{id}")
        for f in writable:
            a(f"\tif in.{naming.go_field(f.name)} != nil {{")
            a(f"\t\targs = append(args, {param(f)})")
            # a raw string: a quoted (reserved) column name keeps its double quotes
            a(f"\t\tsets = append(sets, fmt.Sprintf(`{_q(f.name)} = $%d`, len(args)))")
            if f.nullable:
                a(f'\t}} else if in.Null["{f.name}"] {{')
                a(f"\t\tsets = append(sets, `{_q(f.name)} = NULL`)")
            a("\t}")
        a("\tif len(sets) == 0 {")
        a("\t\treturn r.FindByID(ctx, id)")
        a("\t}")
        if has_updated:
            a(f'\tsets = append(sets, "{_q("updated_at")} = {r.now_sql}")')
        a(
            f'\tquery := `UPDATE {table} SET ` + strings.Join(sets, ", ") + ` WHERE {_q(idc.name)} = $1 RETURNING ` + {lc}Columns'
        )
        a(f"\tv, err := scan{ent}(r.db.{qrow}(ctx, query, args...))")
        a(f"\tif errors.Is(err, {norows}) {{")
        a("\t\treturn nil, nil")
        a("\t}")
        a("\treturn v, err")
    else:
        a("\treturn r.FindByID(ctx, id)")
    a("}")
    a("")
    a("// Delete removes a row; false when no row had that id.")
    a(f"func (r *{cls}) {sigs['Delete']} {{")
    a(f"\tres, err := r.db.{exe}(ctx, `DELETE FROM {table} WHERE {_q(idc.name)} = $1`, id)")
    a("\tif err != nil {")
    a("\t\treturn false, err")
    a("\t}")
    if pgx:
        a("\treturn res.RowsAffected() > 0, nil")
    else:
        a("\tn, err := res.RowsAffected()")
        a("\treturn n > 0, err")
    a("}")
    return "\n".join(L) + "\n"


# -- the command ----------------------------------------------------------------------------------


def _existing_dir(root: str, names: tuple[str, ...]) -> str | None:
    for dirpath, dirnames, _ in os.walk(root):
        dirnames[:] = [
            d
            for d in dirnames
            if not d.startswith(".")
            and d not in ("node_modules", "vendor", ".venv", "venv", "__pycache__")
        ]
        for d in dirnames:
            if d in names:
                return os.path.join(dirpath, d)
        if dirpath.count(os.sep) - root.count(os.sep) > 3:
            dirnames[:] = []
    return None


def generate(table: Table, root: str, language: str | None = None) -> tuple[str, str, str]:
    """(path, text, description) of the repository for ``table``."""
    lang = project_language(root, language)
    if lang == "python":
        style = python_style(root)
        if style == "dbapi" and getattr(table, "dialect", None) == "sqlite":
            style = "sqlite3"
        driver = python_driver(root)
        folder = _existing_dir(root, ("repositories", "repository", "repos")) or os.path.join(
            root, "repositories"
        )
        path = os.path.join(folder, f"{naming.snake(table.name)}_repository.py")
        return (
            path,
            python_repository(table, style, driver),
            f"Python ({'SQLAlchemy' if style == 'sqlalchemy' else style if style == 'sqlite3' else 'DB-API / psycopg'})",
        )
    if lang in ("typescript", "tsx", "javascript"):
        src = os.path.join(root, "src")
        folder = _existing_dir(root, ("repositories", "repository")) or os.path.join(
            src if os.path.isdir(src) else root, "repositories"
        )
        path = os.path.join(folder, f"{naming.camel(table.name)}Repository.ts")
        return path, typescript_repository(table), "TypeScript (node-postgres)"
    if lang == "go":
        style = go_style(root)
        folder = _existing_dir(root, ("repository",)) or os.path.join(
            root, "internal", "repository"
        )
        path = os.path.join(folder, f"{naming.snake(table.name)}_repository.go")
        return path, go_repository(table, style, os.path.basename(folder)), f"Go ({style})"
    raise CommandError(f"REPOSITORY: no generator for {lang}")


@handler("REPOSITORY")
def repository_command(t: Target) -> dict:
    """Generate the repository of the table under the cursor (or named in the arguments)."""
    table = resolve_table(t, t.options.get("table"))
    if table is None:
        raise CommandError(
            no_table_message(
                t,
                "REPOSITORY",
                "REPOSITORY: put the cursor on a CREATE TABLE statement or select a table name "
                "(no table found in the catalog or the workspace's .sql files).",
            )
        )
    path, text, what = generate(table, t.root, t.options.get("language"))
    path = unique_path(path)
    edit = workspace_edit(None, [], [FileChange(path, text)])
    send_edit(t, edit, f"REPOSITORY: {table.name}")
    rel = os.path.relpath(path, t.root)
    message = f"REPOSITORY: generated {rel} for {table.name} ({what})."
    show(t, message)
    return result("REPOSITORY", message, path=path, text=text, table=table.name)
