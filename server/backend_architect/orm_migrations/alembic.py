"""Alembic revisions: ``op.*`` calls of ``upgrade()`` read as the SQL Alembic runs.

``op.execute("...")`` becomes a region of its own. The fix for a plain
``op.create_index`` (MG001) adds ``postgresql_concurrently=True`` and moves the
call into ``with op.get_context().autocommit_block():`` (CONCURRENTLY cannot
run in the revision's transaction).
"""

from __future__ import annotations

from ..core import languages
from ..core.findings import Applicability, Edit, Fix
from ..core.regions import Region
from .pyast import arg, call_args, call_name, literal, str_arg, str_list, text, walk
from .strings import is_string, literal_text, string_value
from .synthetic import Operation, build_region, created_by_sql, quote_name, string_fix_hook

AUTOCOMMIT = "with op.get_context().autocommit_block():"

SA_TYPES = {
    "Text": "text",
    "Integer": "integer",
    "BigInteger": "bigint",
    "SmallInteger": "smallint",
    "Boolean": "boolean",
    "Date": "date",
    "Time": "time",
    "Interval": "interval",
    "Float": "double precision",
    "LargeBinary": "bytea",
    "JSON": "json",
    "JSONB": "jsonb",
    "UUID": "uuid",
    "Uuid": "uuid",
    "INET": "inet",
    "ARRAY": "text[]",
    "Enum": "text",
    "TIMESTAMP": "timestamptz",
}


def _sql_condition(text_: str | None) -> str:
    """A CHECK condition given as a SQL string, when it parses as one (else a placeholder)."""
    if not text_ or ";" in text_:
        return "__tmpl__"
    try:
        import pglast

        pglast.parse_sql(f"SELECT 1 WHERE {text_}")
    except Exception:  # not SQL on its own (a Python expression, a template)
        return "__tmpl__"
    return text_


def looks_like_alembic(path: str, text_: str) -> bool:
    return ("from alembic import op" in text_ or "alembic.op" in text_) and "op." in text_


class AlembicRevision:
    def __init__(self, document):
        self.doc = document
        self.data = document.data
        self.tree = languages.parse(self.data, "python")
        self.transactional = "transaction_per_migration = False" not in document.text

    def _scope(self):
        for node in self.tree.root_node.named_children:
            if node.type == "function_definition":
                name = node.child_by_field_name("name")
                if name is not None and text(name, self.data) == "upgrade":
                    return node
        return self.tree.root_node

    def regions(self) -> list[Region]:
        d = self.data
        ops: list[Operation] = []
        sql_regions: list[Region] = []
        created: set[str] = set()
        batch_tables: dict[str, str] = {}
        scope = self._scope()
        for node in walk(scope):
            if node.type == "with_statement":
                self._batch_alias(node, batch_tables)
            if node.type != "call":
                continue
            fn = call_name(node, d)
            obj, _, meth = fn.rpartition(".")
            if obj != "op" and obj not in batch_tables:
                continue
            in_autocommit = self._in_autocommit(node)
            if meth == "execute":
                sql_node = arg(node, d, 0, "sqltext")
                if (
                    sql_node is not None
                    and sql_node.type == "call"
                    and call_name(sql_node, d).endswith("text")
                ):
                    sql_node = arg(sql_node, d, 0, "text")
                if sql_node is not None and is_string(sql_node):
                    got = literal_text(sql_node, d)
                    if got:
                        sql, omap, quote = got
                        before = set(created)
                        created.update(created_by_sql(sql))
                        sql_regions.append(
                            Region(
                                sql,
                                omap,
                                kind="alembic.execute",
                                host_start=sql_node.start_byte,
                                host_end=sql_node.end_byte,
                                meta={
                                    "migration": True,
                                    "in_transaction": self.transactional and not in_autocommit,
                                    "created_tables": before,
                                    "fix_hook": string_fix_hook(quote),
                                },
                            )
                        )
                continue
            table_override = batch_tables.get(obj)
            op = self._operation(meth, node, table_override, in_autocommit)
            if op is None:
                continue
            if meth == "create_table":
                created.add((str_arg(node, d, 0, "table_name") or "").lower())
            op.meta["autocommit"] = in_autocommit
            op.label = f"op.{meth}"
            ops.append(op)
        # operations inside autocommit blocks run outside the transaction: their own region
        out = []
        for auto in (False, True):
            group = [o for o in ops if o.meta["autocommit"] == auto]
            region = build_region(
                group,
                kind="alembic",
                in_transaction=self.transactional and not auto,
                host_start=scope.start_byte,
                host_end=scope.end_byte,
            )
            if region is not None:
                out.append(region)
        return out + sql_regions

    def _batch_alias(self, with_node, batch_tables):
        d = self.data
        for item in walk(with_node):
            if item.type == "as_pattern":
                value = item.named_children[0] if item.named_children else None
                alias = item.child_by_field_name("alias")
                if (
                    value is not None
                    and value.type == "call"
                    and call_name(value, d).endswith("batch_alter_table")
                ):
                    table = str_arg(value, d, 0, "table_name")
                    if alias is not None and table:
                        batch_tables[text(alias, d).strip()] = table
                break

    def _in_autocommit(self, node) -> bool:
        p = node.parent
        while p is not None:
            if (
                p.type == "with_statement"
                and "autocommit_block" in text(p, self.data).split("\n", 1)[0]
            ):
                return True
            p = p.parent
        return False

    def _operation(self, meth, call, table_override, in_autocommit) -> Operation | None:
        d = self.data
        fn = call.child_by_field_name("function")
        span = (fn.start_byte, fn.end_byte)
        _, kw = call_args(call, d)
        shift = 1 if table_override else 0  # batch_op.x(...) has no table argument

        def tbl(index):
            return quote_name(table_override or str_arg(call, d, index, "table_name") or "__tmpl__")

        if meth == "create_index":
            cols = (
                ", ".join(
                    quote_name(c) if c != "__tmpl__" else c
                    for c in str_list(arg(call, d, 2 - shift, "columns"), d)
                )
                or "__tmpl__"
            )
            conc = literal(kw.get("postgresql_concurrently"), d) is True
            unique = literal(kw.get("unique"), d) is True
            name = quote_name(str_arg(call, d, 0, "index_name") or "")
            sql = f"CREATE {'UNIQUE ' if unique else ''}INDEX{' CONCURRENTLY' if conc else ''} {name} ON {tbl(1)} ({cols})"
            op = Operation(sql, *span)
            if not conc:
                op.fixes["MG001"] = lambda c=call, a=in_autocommit: self._concurrent_fix(c, a)
            return op
        if meth == "drop_index":
            conc = literal(kw.get("postgresql_concurrently"), d) is True
            op = Operation(
                f"DROP INDEX{' CONCURRENTLY' if conc else ''} {quote_name(str_arg(call, d, 0, 'index_name') or '')}",
                *span,
            )
            if not conc:
                op.fixes["MG001"] = lambda c=call, a=in_autocommit: self._concurrent_fix(c, a)
            return op
        if meth == "add_column":
            column = arg(call, d, 1 - shift, "column")
            return Operation(f"ALTER TABLE {tbl(0)} ADD COLUMN {self._column_sql(column)}", *span)
        if meth == "alter_column":
            col = quote_name(str_arg(call, d, 1 - shift, "column_name") or "")
            stmts = []
            if "type_" in kw:
                stmts.append(
                    f"ALTER TABLE {tbl(0)} ALTER COLUMN {col} TYPE {self._type_sql(kw['type_'])}"
                )
            if literal(kw.get("nullable"), d) is False:
                stmts.append(f"ALTER TABLE {tbl(0)} ALTER COLUMN {col} SET NOT NULL")
            if "new_column_name" in kw:
                new = quote_name(string_value(kw["new_column_name"], d) or "")
                stmts.append(f"ALTER TABLE {tbl(0)} RENAME COLUMN {col} TO {new}")
            return Operation(";\n".join(stmts), *span) if stmts else None
        if meth == "create_foreign_key":
            name = quote_name(str_arg(call, d, 0, "constraint_name") or "")
            src = table_override or str_arg(call, d, 1, "source_table") or "__tmpl__"
            ref = str_arg(call, d, 2 - shift, "referent_table") or "__tmpl__"
            local = (
                ", ".join(quote_name(c) for c in str_list(arg(call, d, 3 - shift, "local_cols"), d))
                or "__tmpl__"
            )
            remote = (
                ", ".join(
                    quote_name(c) for c in str_list(arg(call, d, 4 - shift, "remote_cols"), d)
                )
                or "__tmpl__"
            )
            return Operation(
                f"ALTER TABLE {quote_name(src)} ADD CONSTRAINT {name} FOREIGN KEY ({local}) "
                f"REFERENCES {quote_name(ref)} ({remote})",
                *span,
            )
        if meth in ("create_unique_constraint", "create_primary_key"):
            name = quote_name(str_arg(call, d, 0, "constraint_name") or "")
            cols = (
                ", ".join(quote_name(c) for c in str_list(arg(call, d, 2 - shift, "columns"), d))
                or "__tmpl__"
            )
            what = "UNIQUE" if meth == "create_unique_constraint" else "PRIMARY KEY"
            return Operation(f"ALTER TABLE {tbl(1)} ADD CONSTRAINT {name} {what} ({cols})", *span)
        if meth == "create_check_constraint":
            name = quote_name(str_arg(call, d, 0, "constraint_name") or "")
            cond = _sql_condition(str_arg(call, d, 2 - shift, "condition"))
            return Operation(f"ALTER TABLE {tbl(1)} ADD CONSTRAINT {name} CHECK ({cond})", *span)
        if meth == "drop_column":
            return Operation(
                f"ALTER TABLE {tbl(0)} DROP COLUMN {quote_name(str_arg(call, d, 1 - shift, 'column_name') or '')}",
                *span,
            )
        if meth == "drop_table":
            return Operation(f"DROP TABLE {tbl(0)}", *span)
        if meth == "rename_table":
            old_table = str_arg(call, d, 0, "old_table_name")
            new_table = str_arg(call, d, 1, "new_table_name")
            return Operation(
                f"ALTER TABLE {quote_name(old_table or '')} RENAME TO {quote_name(new_table or '')}",
                *span,
            )
        if meth == "create_table":
            return Operation(f"CREATE TABLE {tbl(0)} ({self._primary_key_sql(call)})", *span)
        return None

    def _primary_key_sql(self, call) -> str:
        """The table's key as SQL: ``sa.Column(..., primary_key=True)`` columns or a
        ``sa.PrimaryKeyConstraint(...)``; a placeholder column when it has none."""
        d = self.data
        pos, _ = call_args(call, d)
        keys: list[str] = []
        for item in pos:
            if item is None or item.type != "call":
                continue
            name = call_name(item, d).rsplit(".", 1)[-1]
            item_pos, item_kw = call_args(item, d)
            if name == "PrimaryKeyConstraint":
                keys.extend(string_value(a, d) or "__tmpl__" for a in item_pos if is_string(a))
                keys = keys or ["__tmpl__"]
            elif name == "Column" and literal(item_kw.get("primary_key"), d) is True:
                keys.append(
                    string_value(item_pos[0], d) or "__tmpl__"
                    if item_pos and is_string(item_pos[0])
                    else "__tmpl__"
                )
        if not keys:
            return "id bigint"
        cols = ", ".join(
            f"{quote_name(k) if k != '__tmpl__' else k} bigint" for k in dict.fromkeys(keys)
        )
        return f"{cols}, PRIMARY KEY ({', '.join(quote_name(k) if k != '__tmpl__' else k for k in dict.fromkeys(keys))})"

    def _type_sql(self, node) -> str:
        d = self.data
        if node is None:
            return "text"
        name = call_name(node, d) if node.type == "call" else text(node, d)
        short = name.rsplit(".", 1)[-1]
        _, kw = call_args(node, d) if node.type == "call" else ([], {})
        pos = call_args(node, d)[0] if node.type == "call" else []
        if short in ("String", "VARCHAR", "Unicode"):
            n = literal(kw.get("length") or (pos[0] if pos else None), d)
            return f"varchar({n})" if isinstance(n, int) else "varchar"
        if short in ("Numeric", "NUMERIC", "DECIMAL"):
            p = literal(kw.get("precision") or (pos[0] if pos else None), d)
            s = literal(kw.get("scale") or (pos[1] if len(pos) > 1 else None), d)
            return f"numeric({p}, {s})" if isinstance(p, int) and isinstance(s, int) else "numeric"
        if short in ("DateTime", "TIMESTAMP"):
            return (
                "timestamptz"
                if literal(kw.get("timezone"), d) is True
                or short == "TIMESTAMP"
                and literal(kw.get("timezone"), d) is True
                else "timestamp"
            )
        return SA_TYPES.get(short, SA_TYPES.get(short.upper(), "text"))

    def _column_sql(self, column) -> str:
        d = self.data
        if column is None or column.type != "call":
            return "__tmpl__ text"
        pos, kw = call_args(column, d)
        name = string_value(pos[0], d) if pos else None
        type_node = pos[1] if len(pos) > 1 else kw.get("type_")
        sql = f"{quote_name(name or '')} {self._type_sql(type_node)}"
        default = kw.get("server_default")
        if default is not None:
            if default.type == "call" and call_name(default, d).endswith("text"):
                expr = str_arg(default, d, 0, "text")
                sql += f" DEFAULT {expr}" if expr else ""
            elif is_string(default):
                v = string_value(default, d) or ""
                sql += " DEFAULT '" + v.replace("'", "''") + "'"
            elif default.type == "call" and call_name(default, d).endswith(
                ("func.now", "func.current_timestamp")
            ):
                sql += " DEFAULT now()"
        if literal(kw.get("nullable"), d) is False or literal(kw.get("primary_key"), d) is True:
            sql += " NOT NULL"
        return sql

    def _concurrent_fix(self, call, in_autocommit: bool) -> Fix:
        d = self.data
        args = call.child_by_field_name("arguments")
        close = args.end_byte - 1
        inner = d[args.start_byte + 1 : close].decode("utf-8", "surrogatepass")
        before = inner.rstrip()
        if "\n" in inner[len(before) :] and before.endswith(","):
            # one argument per line: add ours as the last line, same indentation
            last_line = before.rsplit("\n", 1)[-1]
            arg_indent = last_line[: len(last_line) - len(last_line.lstrip())]
            close = args.start_byte + 1 + len(before.encode())
            kwarg = f"\n{arg_indent}postgresql_concurrently=True,"
        else:
            sep = "" if before.endswith(",") or not before else ", "
            kwarg = f"{sep}postgresql_concurrently=True"
        if in_autocommit:
            return Fix(
                "add postgresql_concurrently=True", (Edit(close, close, kwarg),), Applicability.SAFE
            )
        stmt = call
        while stmt.parent is not None and stmt.type != "expression_statement":
            stmt = stmt.parent
        if stmt.type != "expression_statement":
            return Fix(
                "add postgresql_concurrently=True",
                (Edit(close, close, kwarg),),
                Applicability.UNSAFE,
            )
        line_start = d.rfind(b"\n", 0, stmt.start_byte) + 1
        indent = d[line_start : stmt.start_byte].decode()
        body = (
            d[stmt.start_byte : close].decode("utf-8", "surrogatepass")
            + kwarg
            + d[close : stmt.end_byte].decode("utf-8", "surrogatepass")
        )
        body = body.replace("\n", "\n    ")
        new = f"{indent}{AUTOCOMMIT}\n{indent}    {body}"
        return Fix(
            "create the index CONCURRENTLY in an autocommit block",
            (Edit(line_start, stmt.end_byte, new),),
            Applicability.SAFE,
        )


def alembic_regions(ctx) -> list[Region]:
    doc = ctx.document
    if not looks_like_alembic(doc.path, doc.text):
        return []
    return AlembicRevision(doc).regions()
