"""Knex schema builder calls read as the SQL knex runs (``knex.schema.alterTable`` and friends)."""

from __future__ import annotations

from ..core.sql import quote_ident
from ..lang import text as _text
from .strings import is_string, string_value
from .synthetic import Operation

KNEX_TYPES = {
    "string": "varchar",
    "text": "text",
    "integer": "integer",
    "bigInteger": "bigint",
    "bigint": "bigint",
    "smallint": "smallint",
    "tinyint": "smallint",
    "boolean": "boolean",
    "timestamp": "timestamptz",
    "datetime": "timestamptz",
    "date": "date",
    "time": "time",
    "uuid": "uuid",
    "json": "json",
    "jsonb": "jsonb",
    "decimal": "numeric",
    "float": "real",
    "double": "double precision",
    "binary": "bytea",
    "enu": "text",
    "enum": "text",
    "specificType": "text",
    "increments": "serial",
    "bigIncrements": "bigserial",
}


def _args(call, data):
    args = call.child_by_field_name("arguments")
    return [a for a in args.named_children if a.type != "comment"] if args is not None else []


def _str(node, data):
    return string_value(node, data) if node is not None and is_string(node) else None


def _strs(node, data):
    if node is None:
        return []
    if is_string(node):
        return [_str(node, data)]
    if node.type == "array":
        return [_str(c, data) or "__tmpl__" for c in node.named_children]
    return []


def chain(call, data):
    """[(method, call node)] from the root of ``table.a(...).b(...)`` and the root identifier."""
    out = []
    node = call
    while node is not None and node.type == "call_expression":
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            break
        prop = fn.child_by_field_name("property")
        out.append((_text(prop, data), node))
        node = fn.child_by_field_name("object")
    out.reverse()
    root = _text(node, data) if node is not None and node.type == "identifier" else None
    return out, root


def _q(name):
    return quote_ident(name) if name and name != "__tmpl__" else "__tmpl__"


def schema_operations(call, data) -> list[Operation]:
    """Operations of one ``knex.schema.<method>(...)`` call."""
    fn = call.child_by_field_name("function")
    method = (
        _text(fn.child_by_field_name("property"), data)
        if fn is not None and fn.type == "member_expression"
        else ""
    )
    args = _args(call, data)
    table = _str(args[0], data) if args else None
    span = (fn.start_byte, fn.end_byte)
    t = _q(table or "__tmpl__")
    if method in ("createTable", "createTableIfNotExists"):
        return [Operation(f"CREATE TABLE {t} (id bigint)", *span, label=f"knex.schema.{method}")]
    if method in ("dropTable", "dropTableIfExists"):
        return [Operation(f"DROP TABLE {t}", *span, label=f"knex.schema.{method}")]
    if method == "renameTable" and len(args) > 1:
        return [
            Operation(
                f"ALTER TABLE {t} RENAME TO {_q(_str(args[1], data) or '__tmpl__')}",
                *span,
                label="knex.schema.renameTable",
            )
        ]
    if method not in ("alterTable", "table") or len(args) < 2:
        return []
    builder = args[1]
    params = builder.child_by_field_name("parameters") or builder.child_by_field_name("parameter")
    param = None
    if params is not None:
        ident = (
            params
            if params.type == "identifier"
            else next(
                (
                    c
                    for c in params.named_children
                    if c.type in ("identifier", "required_parameter")
                ),
                None,
            )
        )
        if ident is not None:
            param = _text(ident, data).split(":")[0].strip()
    body = builder.child_by_field_name("body")
    if param is None or body is None:
        return []
    ops = []
    stack = [body]
    while stack:
        node = stack.pop()
        if (
            node.type == "expression_statement"
            and node.named_children
            and node.named_children[0].type == "call_expression"
        ):
            op = _column_statement(node.named_children[0], data, param, t)
            if op is not None:
                ops.append(op)
            continue
        stack.extend(reversed(node.named_children))
    return ops


def _column_statement(call, data, param, t) -> Operation | None:
    links, root = chain(call, data)
    if root != param or not links:
        return None
    first, first_call = links[0]
    fn = first_call.child_by_field_name("function")
    span = (fn.start_byte, fn.end_byte)
    a = _args(first_call, data)
    mods = {m: c for m, c in links[1:]}
    label = f"{param}.{first}"
    if first == "index":
        cols = ", ".join(_q(c) for c in _strs(a[0] if a else None, data)) or "__tmpl__"
        name = _str(a[1], data) if len(a) > 1 else None
        return Operation(
            f"CREATE INDEX {_q(name or '__tmpl__')} ON {t} ({cols})", *span, label=label
        )
    if first in ("unique", "primary"):
        cols = ", ".join(_q(c) for c in _strs(a[0] if a else None, data)) or "__tmpl__"
        what = "UNIQUE" if first == "unique" else "PRIMARY KEY"
        return Operation(f"ALTER TABLE {t} ADD {what} ({cols})", *span, label=label)
    if first in ("dropColumn", "dropColumns"):
        dropped = [c for n in a for c in _strs(n, data)]
        return (
            Operation(
                ";\n".join(f"ALTER TABLE {t} DROP COLUMN {_q(c)}" for c in dropped),
                *span,
                label=label,
            )
            if dropped
            else None
        )
    if first == "renameColumn" and len(a) > 1:
        return Operation(
            f"ALTER TABLE {t} RENAME COLUMN {_q(_str(a[0], data) or '__tmpl__')} TO "
            f"{_q(_str(a[1], data) or '__tmpl__')}",
            *span,
            label=label,
        )
    if first == "foreign":
        cols = ", ".join(_q(c) for c in _strs(a[0] if a else None, data)) or "__tmpl__"
        return Operation(
            f"ALTER TABLE {t} ADD FOREIGN KEY ({cols}) REFERENCES __tmpl__ (id)", *span, label=label
        )
    if first not in KNEX_TYPES or not a:
        return None
    col = _q(_str(a[0], data) or "__tmpl__")
    sql_type = KNEX_TYPES[first]
    if first == "string" and len(a) > 1 and a[1].type == "number":
        sql_type = f"varchar({_text(a[1], data)})"
    elif first == "string":
        sql_type = "varchar(255)"
    not_null = "notNullable" in mods
    if "alter" in mods:
        stmts = [f"ALTER TABLE {t} ALTER COLUMN {col} TYPE {sql_type}"]
        if not_null:
            stmts.append(f"ALTER TABLE {t} ALTER COLUMN {col} SET NOT NULL")
        return Operation(";\n".join(stmts), *span, label=label)
    sql = f"ALTER TABLE {t} ADD COLUMN {col} {sql_type}"
    if "defaultTo" in mods:
        d = _args(mods["defaultTo"], data)
        if (
            d
            and d[0].type == "call_expression"
            and _text(d[0], data).startswith(("knex.raw", "knex.fn"))
        ):
            inner = _args(d[0], data)
            expr = _str(inner[0], data) if inner else None
            if _text(d[0], data).startswith("knex.fn.now"):
                expr = "now()"
            sql += f" DEFAULT {expr or '0'}"
        else:
            sql += " DEFAULT 0"
    if not_null:
        sql += " NOT NULL"
    stmts = [sql]
    if "unique" in mods:
        stmts.append(f"ALTER TABLE {t} ADD UNIQUE ({col})")
    if "index" in mods:
        stmts.append(f"CREATE INDEX __tmpl__ ON {t} ({col})")
    if "references" in mods:
        stmts.append(f"ALTER TABLE {t} ADD FOREIGN KEY ({col}) REFERENCES __tmpl__ (id)")
    return Operation(";\n".join(stmts), *span, label=label)
