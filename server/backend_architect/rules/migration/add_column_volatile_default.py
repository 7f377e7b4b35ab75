from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list, walk

from ._locks import existing_table_cmds, relation_span, type_names

# Functions whose value differs per row: a DEFAULT calling one fills every existing row, one by one.
VOLATILE = {
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "uuid_generate_v7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setseed",
    "txid_current",
    "gen_random_bytes",
    "random_normal",
    "pg_current_xact_id",
}
# Functions evaluated once per statement (stable or immutable): no rewrite since PG 11.
STABLE = {
    "now",
    "statement_timestamp",
    "transaction_timestamp",
    "current_timestamp",
    "current_date",
    "localtimestamp",
    "lower",
    "upper",
    "coalesce",
    "to_jsonb",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "array",
    "to_timestamp",
    "make_interval",
    "timezone",
    "current_setting",
    "concat",
    "length",
    "abs",
    "date_trunc",
    "encode",
    "decode",
    "md5",
    "trim",
    "btrim",
    "left",
    "right",
    "replace",
    "nullif",
    "greatest",
    "least",
    "make_date",
    "current_user",
    "session_user",
    "cast",
}
SERIALS = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"}


class AddColumnVolatileDefault(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD COLUMN` that rewrites an existing table: a
    volatile `DEFAULT` (`random()`, `gen_random_uuid()`, `clock_timestamp()`,
    `nextval()`, an unknown function), a `serial` or identity column, a stored
    generated column — and, before PostgreSQL 11, any non-NULL default.

    ## Why is this bad?
    Since PostgreSQL 11 a constant or stable default (`0`, `'draft'`, `now()`)
    is stored once in the catalog and the ADD COLUMN is instant. A volatile
    default must be computed for every existing row, so the table is rewritten
    under an ACCESS EXCLUSIVE lock that blocks every read and write until the
    rewrite is done.

    ## Example
    ```sql
    ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
    ```

    ## Use instead
    ```sql
    ALTER TABLE orders ADD COLUMN public_id uuid;                          -- instant
    ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid(); -- new rows
    -- then backfill the existing rows in batches, outside the migration
    ```
    The fix does this split; it is unsafe because existing rows stay NULL until
    the backfill has run.
    """

    code = "MG007"
    name = "add-column-volatile-default"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "ADD COLUMN {column} with {why} rewrites {table} under an ACCESS EXCLUSIVE lock, blocking every read "
        "and write until every row is filled; add the column without it, SET DEFAULT, then backfill in batches"
    )
    fix_title = "add the column without the default, then SET DEFAULT (backfill separately)"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        table, cmds = existing_table_cmds(stmt, ctx)
        pg = ctx.settings.postgres_version
        for c, span in cmds:
            if c.get("subtype") != "AT_AddColumn":
                continue
            col = (c.get("def") or {}).get("ColumnDef", {})
            why, default = self._rewrite_reason(col, pg)
            if why is None:
                continue
            fix = None
            if default is not None and len(cmds) == 1:
                fix = self._fix(stmt, ctx, col, default)
            yield ctx.finding(
                self,
                stmt,
                span[0],
                span[1],
                fix=fix,
                column=col.get("colname"),
                why=why,
                table=table,
            )

    @staticmethod
    def _rewrite_reason(col: dict, pg: int):
        tname, _ = type_names(col.get("typeName"))
        if tname in SERIALS:
            return f"type {tname} (a nextval() default)", None
        for k in col.get("constraints", []):
            con = k.get("Constraint") or {}
            contype = con.get("contype")
            if contype == "CONSTR_IDENTITY":
                return "GENERATED ... AS IDENTITY", None
            if contype == "CONSTR_GENERATED":
                return "GENERATED ALWAYS AS (...) STORED", None
            if contype != "CONSTR_DEFAULT":
                continue
            expr = con.get("raw_expr")
            if expr is None or "A_Const" in expr and expr["A_Const"].get("isnull"):
                return None, None
            funcs = [
                name_list(n.get("funcname"))[-1].lower()
                for t, n in walk({"x": expr})
                if t == "FuncCall"
            ]
            volatile = [f for f in funcs if f in VOLATILE or f not in STABLE]
            if volatile:
                return f"DEFAULT {volatile[0]}() (volatile: computed per row)", con
            if pg < 11:
                return (
                    f"a DEFAULT (before PG 11 every default rewrites; postgres-version {pg})",
                    con,
                )
        return None, None

    def _fix(self, stmt, ctx, col, con):
        # the DEFAULT clause's text: from its location to the next constraint or the end
        start = con.get("location")
        if start is None:
            return None
        later = [
            (k.get("Constraint") or {}).get("location", 0)
            for k in col.get("constraints", [])
            if (k.get("Constraint") or {}).get("location", -1) > start
        ]
        if any(
            (k.get("Constraint") or {}).get("contype") in ("CONSTR_NOTNULL", "CONSTR_PRIMARY")
            for k in col.get("constraints", [])
        ):
            return None  # NOT NULL would fail without the default: no mechanical split
        end = min(later) if later else len(stmt.data)
        clause = stmt.slice(start, end).rstrip()
        expr_text = clause[len("DEFAULT") :].strip()
        end = start + len(clause.encode())
        # drop the blank before DEFAULT too
        lead = start
        while lead > 0 and stmt.data[lead - 1 : lead] in (b" ", b"\t", b"\n"):
            lead -= 1
        rel = ctx.source(stmt, *relation_span(stmt))
        head = " ".join(stmt.slice(0, relation_span(stmt)[0]).split())
        from backend_architect.core.sql import quote_ident

        tail = f";\n{head} {rel} ALTER COLUMN {quote_ident(col['colname'])} SET DEFAULT {expr_text}"
        return self.fix([ctx.edit(stmt, lead, end, ""), ctx.insert(stmt, len(stmt.data), tail)])
