import re

from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list, relation_name

from ._columns import mirrors_a_migration, primary_key_columns


class TableWithoutPrimaryKey(Rule):
    """
    ## What it does
    Flags `CREATE TABLE` without a primary key, unless a later statement in
    the file or a later migration adds one, or a UNIQUE constraint or unique
    index over NOT NULL columns already is a key in all but name (an ORM's
    join table, a key/value table), or `LIKE other INCLUDING ALL` (or
    `INCLUDING INDEXES`) copies one. Keys written by ORM migrations count:
    Alembic's `sa.PrimaryKeyConstraint(...)` and `primary_key=True`, and every
    Django model (its explicit or implicit `id`).

    ## Why is this bad?
    Rows cannot be addressed one by one: duplicates creep in, ORMs and logical
    replication need a key to update or delete a row, and every fix of bad
    data becomes a guess.

    ## Example
    ```sql
    CREATE TABLE post_tags (post_id bigint NOT NULL, tag_id bigint NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE post_tags (
      post_id bigint NOT NULL,
      tag_id bigint NOT NULL,
      PRIMARY KEY (post_id, tag_id)
    );
    ```
    """

    code = "SD001"
    reads_schema = True
    name = "table-without-primary-key"
    command = "SCHEMA_DESIGN"
    severity = Severity.WARNING
    message = "table {table} has no primary key"
    statement_kinds = ("CreateStmt",)
    sql_scope = "migration"
    dialects = None  # every database needs a key to address rows by

    def check_statement(self, stmt, ctx):
        if '"contype":"CONSTR_PRIMARY"' in (stmt.raw or ""):
            return  # a PRIMARY KEY (of a column or of the table): nothing to walk or decode
        node = stmt.node
        rel = node.get("relation") or {}
        if (
            rel.get("relpersistence") == "t"
            or node.get("partbound")
            or node.get("inhRelations")
            or node.get("ofTypename")
        ):
            return
        if primary_key_columns(stmt, []) or any(
            "Constraint" in e and e["Constraint"].get("contype") == "CONSTR_PRIMARY"
            for e in node.get("tableElts") or []
        ):
            return
        name = relation_name(rel)
        if mirrors_a_migration(ctx, stmt):
            return
        if any("TableLikeClause" in e for e in node.get("tableElts") or []) and re.search(
            r"\bINCLUDING\s+(ALL|INDEXES)\b", stmt.text, re.I
        ):
            return  # LIKE ... INCLUDING ALL / INDEXES copies the other table's primary key
        if _added_later(stmt, ctx, name) or _has_candidate_key(stmt, ctx, name):
            return
        if ctx.catalog is not None:
            t = ctx.catalog.table(name)
            if t is None or t.primary_key:
                return  # dropped later, or a later migration added the key
        loc = rel.get("location", 0)
        tok = stmt.find_token("IDENT", start=loc) or stmt.find_token("TABLE")
        end = max(
            loc + len((rel.get("relname") or "").encode()),
            tok.end if tok and tok.start == loc else loc + 1,
        )
        if rel.get("schemaname"):
            end = loc + len(name.encode()) if tok is None else max(end, loc + 1)
            dot = stmt.find_token("IDENT", start=loc + len(rel["schemaname"].encode()) + 1)
            end = dot.end if dot else end
        yield ctx.finding(self, stmt, loc, end, table=name)


def _added_later(stmt, ctx, name: str) -> bool:
    short = (name or "").rsplit(".", 1)[-1]
    for other in ctx.statements[stmt.index + 1 :]:
        if other.kind != "AlterTableStmt" or not other.node:
            continue
        if (relation_name(other.node.get("relation")) or "").rsplit(".", 1)[-1] != short:
            continue
        for cmd in other.node.get("cmds") or []:
            con = ((cmd.get("AlterTableCmd") or {}).get("def") or {}).get("Constraint") or {}
            if con.get("contype") == "CONSTR_PRIMARY":
                return True
    return False


def _has_candidate_key(stmt, ctx, name: str) -> bool:
    """A UNIQUE constraint or unique index (no WHERE, plain columns) whose columns are all
    NOT NULL: a key in all but name (ORMs' join tables, key/value tables)."""
    node = stmt.node
    not_null: set[str] = set()
    uniques: list[list[str]] = []
    for elt in node.get("tableElts") or []:
        col = elt.get("ColumnDef")
        if col:
            for c in col.get("constraints") or []:
                contype = (c.get("Constraint") or {}).get("contype")
                if contype == "CONSTR_NOTNULL":
                    not_null.add(col.get("colname"))
                elif contype == "CONSTR_UNIQUE":
                    uniques.append([col.get("colname")])
        con = elt.get("Constraint")
        if con and con.get("contype") == "CONSTR_UNIQUE":
            uniques.append(name_list(con.get("keys")))
    short = (name or "").rsplit(".", 1)[-1]
    for other in ctx.statements[stmt.index + 1 :]:
        if other.kind != "IndexStmt" or not other.mentions("unique"):
            continue  # (no tree decoded for another kind of statement, nor a plain index)
        n = other.node
        if not n or not n.get("unique") or n.get("whereClause"):
            continue
        if (relation_name(n.get("relation")) or "").rsplit(".", 1)[-1] != short:
            continue
        params = n.get("indexParams") or []
        cols = [key for p in params if (key := (p.get("IndexElem") or {}).get("name"))]
        if cols and len(cols) == len(params):  # columns only, no expressions
            uniques.append(cols)
    table = ctx.catalog.table(name) if ctx.catalog is not None else None
    if table is not None:
        not_null |= {c.name for c in table.columns if not c.nullable}
        uniques += [list(u) for u in table.uniques]
        uniques += [
            list(ix.columns)
            for ix in table.indexes
            if ix.unique and not ix.predicate and not any(ix.expressions or [])
        ]
    return any(cols and all(c in not_null for c in cols) for cols in uniques)
