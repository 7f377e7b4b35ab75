from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import relation_name


class AddColumnNotNullWithoutDefault(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD COLUMN ... NOT NULL` with no `DEFAULT` on a table
    that already exists.

    ## Why is this bad?
    Existing rows have no value for the new column, so the statement fails on
    any table that has rows — typically in production, after it passed on an
    empty development database. Backfilling inside the same statement is not
    possible without a default.

    ## Example
    ```sql
    ALTER TABLE users ADD COLUMN plan text NOT NULL;
    ```

    ## Use instead
    ```sql
    -- 1. add it nullable (or with a constant default: no rewrite since PG 11)
    ALTER TABLE users ADD COLUMN plan text;
    -- 2. backfill in batches, outside the migration
    -- 3. enforce without a long lock
    ALTER TABLE users ADD CONSTRAINT users_plan_not_null CHECK (plan IS NOT NULL) NOT VALID;
    ALTER TABLE users VALIDATE CONSTRAINT users_plan_not_null;
    ALTER TABLE users ALTER COLUMN plan SET NOT NULL;
    ALTER TABLE users DROP CONSTRAINT users_plan_not_null;
    ```
    Or, when one value suits every existing row: `ADD COLUMN plan text NOT NULL DEFAULT 'free'`.
    """

    code = "MG003"
    name = "add-column-not-null-without-default"
    command = "MIGRATION"
    severity = Severity.ERROR
    message = (
        "ADD COLUMN {column} NOT NULL without a DEFAULT fails on a table that has rows; add it nullable, "
        "backfill, then enforce with CHECK ... NOT VALID + VALIDATE + SET NOT NULL"
    )
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        table = relation_name(stmt.node.get("relation"))
        if ctx.is_new_table(table, stmt) or _emptied_before(table, stmt, ctx):
            return
        for cmd in stmt.node.get("cmds", []):
            c = cmd.get("AlterTableCmd", {})
            if c.get("subtype") != "AT_AddColumn":
                continue
            col = (c.get("def") or {}).get("ColumnDef", {})
            kinds = {(k.get("Constraint") or {}).get("contype") for k in col.get("constraints", [])}
            if "CONSTR_NOTNULL" not in kinds and "CONSTR_PRIMARY" not in kinds:
                continue
            if kinds & {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}:
                continue
            type_names = [
                n.get("String", {}).get("sval", "")
                for n in (col.get("typeName") or {}).get("names", [])
            ]
            if type_names and type_names[-1].lower() in (
                "serial",
                "bigserial",
                "smallserial",
                "serial4",
                "serial8",
                "serial2",
            ):
                continue
            colname = col.get("colname", "?")
            loc = col.get("location", 0)
            start, end = loc, loc + len(colname.encode())
            add = stmt.find_token("ADD_P", start=0, end=loc + 1)
            yield ctx.finding(self, stmt, add.start if add else start, end, column=colname)


def _emptied_before(table: str | None, stmt, ctx) -> bool:
    """An earlier statement of the file deletes every row (DELETE without WHERE, TRUNCATE)."""
    if not table:
        return False
    first = _first_emptied(ctx).get(table.lower().rsplit(".", 1)[-1])
    return first is not None and first < stmt.index


def _first_emptied(ctx) -> dict[str, int]:
    """For each table (short name, lower case) the file empties: the first statement that does.
    Read once per file, not once per ALTER TABLE."""
    found = ctx.__dict__.get("mg003_emptied")
    if found is not None:
        return found
    found = {}
    for prev in getattr(ctx, "statements", None) or ():
        if prev.kind not in ("DeleteStmt", "TruncateStmt") or not prev.node:
            continue
        if prev.kind == "DeleteStmt":
            if prev.node.get("whereClause"):
                continue
            rels = [prev.node.get("relation")]
        else:
            rels = [r.get("RangeVar") for r in prev.node.get("relations") or []]
        for r in rels:
            if r:
                found.setdefault((relation_name(r) or "").lower().rsplit(".", 1)[-1], prev.index)
    ctx.__dict__["mg003_emptied"] = found
    return found
