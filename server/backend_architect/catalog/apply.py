"""Apply DDL statements (libpg_query JSON) to a Catalog, in migration order.

Anything not understood is skipped with a note, never an error: a catalog
that misses one statement is still useful, a crash is not.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..core.sql import name_list, relation_name, string_value
from .expr import render, type_text
from .model import DEFAULT_SCHEMA, Catalog, Column, ForeignKey, Index, Table

# Statement kinds worth keeping from a schema file; everything else (INSERT seed
# data, GRANT, COMMENT ...) is dropped when the file is read.
DDL_KINDS = frozenset(
    {
        "CreateStmt",
        "AlterTableStmt",
        "IndexStmt",
        "DropStmt",
        "RenameStmt",
        "ViewStmt",
        "VariableSetStmt",
        "CreateTableAsStmt",
        "DoStmt",
        "CreateFunctionStmt",
        "CreateSchemaStmt",
    }
)
SKIPPED_WITH_NOTE = {
    "DoStmt": "a DO block (PL/pgSQL) was skipped",
    "CreateFunctionStmt": "a function body was skipped",
}


@dataclass
class Op:
    """One DDL statement of a file: its kind, its node, where it starts, its line breaks."""

    kind: str
    node: dict
    line: int  # 1-based line of the statement start
    newlines: list[int] = field(default_factory=list)  # byte offsets of '\n' inside the statement

    def line_of(self, location: int | None) -> int:
        if location is None or location < 0:
            return self.line
        return self.line + bisect.bisect_left(self.newlines, location)

    def to_json(self) -> list:
        return [self.kind, self.node, self.line, self.newlines]

    @classmethod
    def from_json(cls, data) -> Op:
        kind, node, line, newlines = data
        return cls(kind, node, line, newlines)


class Applier:
    """Replays ops onto a catalog; keeps per-file state such as search_path."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.search_path = [DEFAULT_SCHEMA]
        self.path: str | None = None

    def begin_file(self, path: str) -> None:
        self.path = path
        self.search_path = [DEFAULT_SCHEMA]  # SET search_path lasts for one migration's session

    def note(self, op: Op, text: str) -> None:
        self.catalog.notes.append(f"{self.path}:{op.line}: {text}")

    # -- names ----------------------------------------------------------------------

    def key_for_new(self, rangevar: dict | None) -> tuple[str, str] | None:
        rel = (rangevar or {}).get("RangeVar", rangevar or {})
        name = rel.get("relname")
        if not name:
            return None
        schema = rel.get("schemaname") or self.search_path[0]
        return schema, name

    def find(self, rangevar: dict | None) -> Table | None:
        rel = (rangevar or {}).get("RangeVar", rangevar or {})
        name = rel.get("relname")
        if not name:
            return None
        schema = rel.get("schemaname")
        tables = self.catalog.tables_by_key
        if schema:
            return tables.get(f"{schema}.{name}")
        for s in self.search_path:
            hit = tables.get(f"{s}.{name}")
            if hit is not None:
                return hit
        return None

    def find_names(self, names: list[str]) -> Table | None:
        if len(names) >= 2:
            return self.catalog.tables_by_key.get(f"{names[-2]}.{names[-1]}")
        if names:
            return self.find({"relname": names[-1]})
        return None

    # -- dispatch ---------------------------------------------------------------------

    def apply(self, op: Op) -> None:
        fn = getattr(self, "_" + op.kind, None)
        if fn is None:
            if op.kind in SKIPPED_WITH_NOTE:
                self.note(op, SKIPPED_WITH_NOTE[op.kind])
            return
        try:
            fn(op, op.node)
        except Exception as exc:  # a statement we misread must not lose the rest of the schema
            self.note(op, f"{op.kind} not understood ({type(exc).__name__}: {exc}); skipped")

    def _VariableSetStmt(self, op: Op, node: dict) -> None:
        if (node.get("name") or "").lower() != "search_path":
            return
        if node.get("kind") in ("VAR_RESET", "VAR_SET_DEFAULT"):
            self.search_path = [DEFAULT_SCHEMA]
            return
        path = [s for s in (string_value(a) for a in node.get("args") or []) if s]
        path = [s.strip().strip('"') for s in path if s.strip() not in ("$user", '"$user"')]
        if path:
            self.search_path = path

    def _CreateStmt(self, op: Op, node: dict) -> None:
        key = self.key_for_new(node.get("relation"))
        if key is None:
            return
        schema, name = key
        qualified = f"{schema}.{name}"
        previous = self.catalog.tables_by_key.get(qualified)
        if previous is not None and node.get("if_not_exists"):
            if self.path and self.path not in previous.created_in:
                previous.created_in += (self.path,)
            return
        if node.get("relation", {}).get("relpersistence") == "t":
            return  # temporary tables are not part of the schema
        table = Table(name, schema, source_path=self.path, line=op.line)
        if node.get("inhRelations") or node.get("ofTypename"):
            parent = None
            for inh in node.get("inhRelations") or []:
                parent = self.find(inh)
            if parent is not None and node.get("partbound"):
                table.columns = [Column(**vars(c)) for c in parent.columns]
            else:
                table.columns_known = False
                self.note(op, f"columns inherited by {qualified} are not tracked")
        for elt in node.get("tableElts") or []:
            if "ColumnDef" in elt:
                self._add_column(op, table, elt["ColumnDef"])
            elif "Constraint" in elt:
                self._add_constraint(op, table, elt["Constraint"])
            elif "TableLikeClause" in elt:
                src = self.find(elt["TableLikeClause"].get("relation"))
                if src is not None:
                    table.columns.extend(Column(**vars(c)) for c in src.columns)
                else:
                    table.columns_known = False
        if previous is not None:
            table.created_in = previous.created_in
        if self.path and self.path not in table.created_in:
            table.created_in += (self.path,)
        if previous is not None and (
            previous.redefined
            or {c.name for c in previous.columns} != {c.name for c in table.columns}
        ):
            table.redefined = True
        self.catalog.tables_by_key[qualified] = table
        self.catalog.dropped.pop(qualified, None)

    def _add_column(self, op: Op, table: Table, coldef: dict) -> None:
        name = coldef.get("colname")
        if not name:
            return
        col = Column(
            name,
            type_text(coldef.get("typeName")),
            True,
            None,
            self.path,
            op.line_of(coldef.get("location")),
        )
        if coldef.get("is_not_null"):
            col.nullable = False
        existing = table.column(name)
        if existing is not None:
            table.columns.remove(existing)
        table.columns.append(col)
        if col.type in ("serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"):
            col.nullable = False
            col.default = f"nextval('{table.name}_{name}_seq')"
        for c in coldef.get("constraints") or []:
            con = c.get("Constraint", {})
            ct = con.get("contype")
            if ct == "CONSTR_NOTNULL":
                col.nullable = False
            elif ct == "CONSTR_NULL":
                col.nullable = True
            elif ct == "CONSTR_DEFAULT":
                col.default = render(con.get("raw_expr"))
            elif ct == "CONSTR_IDENTITY":
                col.nullable = False
                col.default = "identity"
            elif ct == "CONSTR_GENERATED":
                col.default = "generated: " + render(con.get("raw_expr"))
            elif ct == "CONSTR_PRIMARY":
                col.nullable = False
                table.primary_key = [name]
            elif ct == "CONSTR_UNIQUE":
                if [name] not in table.uniques:
                    table.uniques.append([name])
            elif ct == "CONSTR_FOREIGN":
                ref = self._ref_name(con.get("pktable"))
                table.foreign_keys.append(
                    ForeignKey(
                        con.get("conname"),
                        [name],
                        ref,
                        name_list(con.get("pk_attrs")) or self._ref_pk(con.get("pktable")),
                        self.path,
                        op.line_of(con.get("location")),
                        con.get("fk_del_action"),
                    )
                )

    def _ref_name(self, rangevar: dict | None) -> str:
        target = self.find(rangevar)
        if target is not None:
            return target.qualified
        key = self.key_for_new(rangevar)
        return f"{key[0]}.{key[1]}" if key else "?"

    def _ref_pk(self, rangevar: dict | None) -> list[str]:
        target = self.find(rangevar)
        return list(target.primary_key) if target is not None else []

    def _add_constraint(self, op: Op, table: Table, con: dict) -> None:
        ct = con.get("contype")
        if ct == "CONSTR_PRIMARY":
            keys = name_list(con.get("keys"))
            if keys:
                table.primary_key = keys
                if con.get("conname"):
                    table.constraint_names[con["conname"]] = ("primary", keys)
                for k in keys:
                    col = table.column(k)
                    if col is not None:
                        col.nullable = False
            elif con.get("indexname"):
                ix = next((i for i in table.indexes if i.name == con["indexname"]), None)
                if ix is not None:
                    table.primary_key = list(ix.columns)
                    table.indexes.remove(ix)
        elif ct == "CONSTR_UNIQUE":
            keys = name_list(con.get("keys"))
            if keys:
                if keys not in table.uniques:
                    table.uniques.append(keys)
                if con.get("conname"):
                    table.constraint_names[con["conname"]] = ("unique", keys)
            elif con.get("indexname"):
                ix = next((i for i in table.indexes if i.name == con["indexname"]), None)
                if ix is not None:
                    table.uniques.append(list(ix.columns))
                    table.indexes.remove(ix)
        elif ct == "CONSTR_CHECK":
            for column in not_null_columns(con.get("raw_expr")):
                name = (con.get("conname") or f"{table.name}_{column}_check").lower()
                table.not_null_checks[name] = (column, not con.get("skip_validation"))
        elif ct == "CONSTR_FOREIGN":
            ref = self._ref_name(con.get("pktable"))
            cols = name_list(con.get("fk_attrs"))
            table.foreign_keys = [
                f for f in table.foreign_keys if not (f.columns == cols and f.ref_table == ref)
            ]
            table.foreign_keys.append(
                ForeignKey(
                    con.get("conname"),
                    cols,
                    ref,
                    name_list(con.get("pk_attrs")) or self._ref_pk(con.get("pktable")),
                    self.path,
                    op.line_of(con.get("location")),
                    con.get("fk_del_action"),
                )
            )

    def _AlterTableStmt(self, op: Op, node: dict) -> None:
        if node.get("objtype") not in (None, "OBJECT_TABLE"):
            return
        table = self.find(node.get("relation"))
        if table is None:
            if not node.get("missing_ok"):
                self.note(
                    op,
                    f"ALTER TABLE {relation_name(node.get('relation'))}: table not in the catalog; skipped",
                )
            return
        for cmd in node.get("cmds") or []:
            c = cmd.get("AlterTableCmd", {})
            sub = c.get("subtype")
            col = table.column(c["name"]) if c.get("name") else None
            if sub == "AT_AddColumn":
                coldef = (c.get("def") or {}).get("ColumnDef")
                if coldef and not (c.get("missing_ok") and table.column(coldef.get("colname", ""))):
                    self._add_column(op, table, coldef)
            elif sub == "AT_DropColumn" and col is not None:
                table.columns.remove(col)
                self._forget_column(table, col.name)
            elif sub == "AT_AlterColumnType" and col is not None:
                col.type = type_text((c.get("def") or {}).get("ColumnDef", {}).get("typeName"))
            elif sub == "AT_SetNotNull" and col is not None:
                col.nullable = False
            elif sub == "AT_DropNotNull" and col is not None:
                col.nullable = True
            elif sub == "AT_ColumnDefault" and col is not None:
                col.default = render(c["def"]) if c.get("def") else None
            elif sub == "AT_AddConstraint":
                con = (c.get("def") or {}).get("Constraint")
                if con:
                    self._add_constraint(op, table, con)
            elif sub == "AT_DropConstraint":
                self._drop_constraint(table, c.get("name") or "")
            elif sub == "AT_ValidateConstraint":
                check = table.not_null_checks.get((c.get("name") or "").lower())
                if check is not None:
                    table.not_null_checks[c["name"].lower()] = (check[0], True)

    def _forget_column(self, table: Table, name: str) -> None:
        # Postgres drops indexes and constraints that use a dropped column
        table.indexes = [i for i in table.indexes if name not in i.columns]
        table.uniques = [u for u in table.uniques if name not in u]
        table.foreign_keys = [f for f in table.foreign_keys if name not in f.columns]
        table.not_null_checks = {
            k: v for k, v in table.not_null_checks.items() if v[0].lower() != name.lower()
        }
        if name in table.primary_key:
            table.primary_key = []

    def _drop_constraint(self, table: Table, name: str) -> None:
        low = name.lower()
        table.not_null_checks.pop(low, None)
        before = len(table.foreign_keys)
        table.foreign_keys = [f for f in table.foreign_keys if (f.name or "").lower() != low]
        if len(table.foreign_keys) != before:
            return
        named = table.constraint_names.pop(name, None)
        if named is not None:
            kind, cols = named
            if kind == "primary" and table.primary_key == cols:
                table.primary_key = []
            elif cols in table.uniques:
                table.uniques.remove(cols)
            return
        if low in (f"{table.name}_pkey", "primary"):
            table.primary_key = []
            return
        for cols in list(table.uniques):
            if low == f"{table.name}_{'_'.join(cols)}_key":
                table.uniques.remove(cols)
                return
        for fk in list(table.foreign_keys):
            if fk.name is None and low == f"{table.name}_{'_'.join(fk.columns)}_fkey":
                table.foreign_keys.remove(fk)
                return

    def _IndexStmt(self, op: Op, node: dict) -> None:
        table = self.find(node.get("relation"))
        if table is None:
            self.note(
                op,
                f"index on {relation_name(node.get('relation'))}: table not in the catalog; skipped",
            )
            return
        columns, orders, exprs = [], [], []
        for p in node.get("indexParams") or []:
            el = p.get("IndexElem", {})
            if el.get("name"):
                columns.append(el["name"])
                exprs.append(False)
            else:
                columns.append(render(el.get("expr")))
                exprs.append(True)
            orders.append("DESC" if el.get("ordering") == "SORTBY_DESC" else "ASC")
        name = node.get("idxname") or _default_index_name(table.name, columns, exprs)
        if node.get("if_not_exists") and any(i.name == name for i in table.indexes):
            return
        table.indexes = [i for i in table.indexes if i.name != name]
        pred = node.get("whereClause")
        predicate = render(pred) if pred else None
        if predicate and predicate.startswith("(") and predicate.endswith(")"):
            predicate = predicate[1:-1]
        method = node.get("accessMethod") or "btree"
        ix = Index(
            name,
            table.qualified,
            columns,
            orders,
            bool(node.get("unique")),
            predicate,
            self.path,
            op.line,
            exprs,
        )
        ix.method = method
        table.indexes.append(ix)

    def _DropStmt(self, op: Op, node: dict) -> None:
        kind = node.get("removeType")
        for obj in node.get("objects") or []:
            names = name_list(obj.get("List", {}).get("items")) if "List" in obj else []
            if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
                table = self.find_names(names)
                if table is not None:
                    del self.catalog.tables_by_key[table.qualified]
                    self.catalog.dropped[table.qualified] = f"{self.path}:{op.line}"
            elif kind == "OBJECT_INDEX":
                bare = names[-1] if names else None
                for t in self.catalog.tables_by_key.values():
                    if len(names) >= 2 and t.schema != names[-2]:
                        continue
                    t.indexes = [i for i in t.indexes if i.name != bare]

    def _RenameStmt(self, op: Op, node: dict) -> None:
        kind = node.get("renameType")
        new = node.get("newname")
        if not new:
            return
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
            table = self.find(node.get("relation"))
            if table is None:
                return
            del self.catalog.tables_by_key[table.qualified]
            old = table.qualified
            table.name = new
            for ix in table.indexes:
                ix.table = table.qualified
            self.catalog.tables_by_key[table.qualified] = table
            self.catalog.dropped.pop(
                table.qualified, None
            )  # a table rebuilt under a new name and renamed back
            for t in self.catalog.tables_by_key.values():
                for fk in t.foreign_keys:
                    if fk.ref_table == old:
                        fk.ref_table = table.qualified
        elif kind == "OBJECT_COLUMN":
            table = self.find(node.get("relation"))
            old_name = node.get("subname")
            col = table.column(old_name) if table is not None and old_name else None
            if table is None or col is None:
                return
            col.name = new
            for ix in table.indexes:
                ix.columns = [new if c == old_name else c for c in ix.columns]
            table.primary_key = [new if c == old_name else c for c in table.primary_key]
            table.uniques = [[new if c == old_name else c for c in u] for u in table.uniques]
            for fk in table.foreign_keys:
                fk.columns = [new if c == old_name else c for c in fk.columns]
            table.not_null_checks = {
                k: ((new, ok) if c == old_name else (c, ok))
                for k, (c, ok) in table.not_null_checks.items()
            }
            qualified = table.qualified  # (asked of every foreign key of every table)
            for t in self.catalog.tables_by_key.values():
                for fk in t.foreign_keys:
                    if fk.ref_table == qualified:
                        fk.ref_columns = [new if c == old_name else c for c in fk.ref_columns]
        elif kind == "OBJECT_INDEX":
            rel = node.get("relation") or {}
            old_index = rel.get("relname")
            for t in self.catalog.tables_by_key.values():
                for ix in t.indexes:
                    if ix.name == old_index:
                        ix.name = new
                        return
        elif kind == "OBJECT_TABCONSTRAINT":
            table = self.find(node.get("relation"))
            if table is not None:
                for fk in table.foreign_keys:
                    if fk.name == node.get("subname"):
                        fk.name = new
                check = table.not_null_checks.pop((node.get("subname") or "").lower(), None)
                if check is not None:
                    table.not_null_checks[new.lower()] = check

    def _CreateTableAsStmt(self, op: Op, node: dict) -> None:
        """CREATE TABLE / MATERIALIZED VIEW ... AS: known by name, its columns only partly."""
        into = node.get("into") or {}
        key = self.key_for_new(into.get("rel"))
        if key is None:
            return
        schema, name = key
        if f"{schema}.{name}" in self.catalog.tables_by_key and node.get("if_not_exists"):
            return
        kind = "view" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
        table = Table(
            name, schema, source_path=self.path, line=op.line, kind=kind, columns_known=False
        )
        query = (node.get("query") or {}).get("SelectStmt") or {}
        for target in query.get("targetList") or []:
            rt = target.get("ResTarget", {})
            names = name_list((rt.get("val") or {}).get("ColumnRef", {}).get("fields"))
            col = rt.get("name") or (names[-1] if names else None)
            if col:
                table.columns.append(Column(col, "?", True, None, self.path, op.line))
        self.catalog.tables_by_key[f"{schema}.{name}"] = table
        self.note(op, f"columns of {schema}.{name} come from a query; only their names are tracked")

    def _ViewStmt(self, op: Op, node: dict) -> None:
        key = self.key_for_new(node.get("view"))
        if key is None:
            return
        schema, name = key
        view = Table(name, schema, source_path=self.path, line=op.line, kind="view")
        query = (node.get("query") or {}).get("SelectStmt") or {}
        aliases = name_list(node.get("aliases"))
        cols: list[str] = []
        known = bool(query.get("targetList"))
        from_tables = [self.find(f) for f in query.get("fromClause") or [] if "RangeVar" in f]
        for target in query.get("targetList") or []:
            rt = target.get("ResTarget", {})
            if rt.get("name"):
                cols.append(rt["name"])
                continue
            val = rt.get("val", {})
            ref = val.get("ColumnRef")
            if ref is None:
                known = False
                break
            fields = ref.get("fields") or []
            if "A_Star" in fields[-1]:
                if len(from_tables) == 1 and from_tables[0] is not None:
                    cols.extend(c.name for c in from_tables[0].columns)
                    continue
                known = False
                break
            cols.append(name_list(fields)[-1])
        if aliases:
            cols = aliases + cols[len(aliases) :]
        view.columns = [Column(c, "?", True, None, self.path, op.line) for c in cols]
        view.columns_known = known
        if node.get("replace") or f"{schema}.{name}" not in self.catalog.tables_by_key:
            self.catalog.tables_by_key[f"{schema}.{name}"] = view


def not_null_columns(expr: dict | None) -> list[str]:
    """The columns a CHECK expression proves NOT NULL: ``col IS NOT NULL``, alone or ANDed."""
    if not expr:
        return []
    test = expr.get("NullTest")
    if test is not None:
        if test.get("nulltesttype") != "IS_NOT_NULL":
            return []
        fields = ((test.get("arg") or {}).get("ColumnRef") or {}).get("fields") or []
        name = (fields[-1].get("String") or {}).get("sval") if fields else None
        return [name] if name else []
    boolean = expr.get("BoolExpr")
    if boolean is not None and boolean.get("boolop") == "AND_EXPR":
        return [c for arg in boolean.get("args") or [] for c in not_null_columns(arg)]
    return []


def _default_index_name(table: str, columns: list[str], exprs: list[bool]) -> str:
    parts = [c if not e else "expr" for c, e in zip(columns, exprs, strict=False)]
    return f"{table}_{'_'.join(parts)}_idx"
