from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list, quote_ident

from ._locks import existing_table_cmds, relation_span
from ._runner import _BATCH, run_outside_transaction


class AddUniqueConstraint(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... UNIQUE` and `... PRIMARY KEY` on
    an existing table when the constraint builds its own index (no `USING INDEX`),
    and `ADD COLUMN ... UNIQUE` / `... PRIMARY KEY` (same index build; no fix:
    add the column plain, then follow the sequence below).

    ## Why is this bad?
    The constraint's unique index is built while the table is held under an
    ACCESS EXCLUSIVE lock: every read and write waits for the whole index build.
    Built first with `CREATE UNIQUE INDEX CONCURRENTLY`, the index costs no
    blocking, and attaching it as the constraint is instant.

    ## Example
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
    ```

    ## Use instead
    ```sql
    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);
    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;
    ```
    `CONCURRENTLY` cannot run inside a transaction block: mark the migration
    non-transactional. For a PRIMARY KEY the columns must already be NOT NULL
    (see MG006 for setting that without a long lock).
    """

    code = "MG008"
    name = "add-unique-constraint"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "ADD {what} builds its unique index on {table} under an ACCESS EXCLUSIVE lock, blocking every read and "
        "write for the whole build; CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX"
    )
    fix_title = "build the unique index CONCURRENTLY, then attach it USING INDEX"
    fix_safety = Applicability.SAFE
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        table, cmds = existing_table_cmds(stmt, ctx)
        for c, span in cmds:
            if c.get("subtype") == "AT_AddColumn":
                col = (c.get("def") or {}).get("ColumnDef", {})
                for k in col.get("constraints", []):
                    contype = (k.get("Constraint") or {}).get("contype")
                    if contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
                        what = (
                            "COLUMN "
                            + col.get("colname", "?")
                            + (" UNIQUE" if contype == "CONSTR_UNIQUE" else " PRIMARY KEY")
                        )
                        yield ctx.finding(self, stmt, span[0], span[1], what=what, table=table)
                continue
            if c.get("subtype") != "AT_AddConstraint":
                continue
            con = (c.get("def") or {}).get("Constraint", {})
            contype = con.get("contype")
            if contype not in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") or con.get("indexname"):
                continue
            what = "UNIQUE" if contype == "CONSTR_UNIQUE" else "PRIMARY KEY"
            fix = self._fix(stmt, ctx, table, con, what) if len(cmds) == 1 else None
            yield ctx.finding(self, stmt, span[0], span[1], fix=fix, what=what, table=table)

    def _fix(self, stmt, ctx, table, con, what):
        keys = name_list(con.get("keys"))
        if (
            not keys
            or con.get("including")
            or con.get("options")
            or con.get("nulls_not_distinct")
            or con.get("deferrable")
            or con.get("indexspace")
        ):
            return None
        short = table.rsplit(".", 1)[-1]
        name = con.get("conname") or (
            f"{short}_pkey" if what == "PRIMARY KEY" else f"{short}_{'_'.join(keys)}_key"
        )
        name = quote_ident(name[:63])
        rel = ctx.source(stmt, *relation_span(stmt))
        head = " ".join(stmt.slice(0, relation_span(stmt)[0]).split())
        cols = ", ".join(quote_ident(k) for k in keys)
        schema = ctx.ctx.schema_before  # the schema as of this migration (earlier migrations)
        if hasattr(schema, "unique_index_on"):
            built = schema.unique_index_on(table, keys)
            if built is not None:  # built earlier (CONCURRENTLY, one hopes): adopt it, no new build
                return self.fix(
                    [
                        ctx.edit(
                            stmt,
                            0,
                            len(stmt.data),
                            f"{head} {rel} ADD CONSTRAINT {name} {what} USING INDEX {quote_ident(built)}",
                        )
                    ],
                    title=f"adopt the unique index {built} an earlier migration built (USING INDEX)",
                )
            if schema.has_index(name.strip('"')):
                return None  # the name is taken: CREATE INDEX {name} would fail
        new = (
            f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {rel} ({cols});\n"
            f"{head} {rel} ADD CONSTRAINT {name} {what} USING INDEX {name}"
        )
        if ctx.region.kind == "file" and ctx.ctx.file.runner in _BATCH:
            return None  # the runner sends the file as one query: the two statements would share a transaction
        return run_outside_transaction(
            self,
            stmt,
            ctx,
            [(0, len(stmt.data), new)],
            self.fix_title,
            slug=f"unique_{name.strip(chr(34))}",
        )
