from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import quote_ident

from ._columns import (
    mirrors_a_migration,
    column_defs,
    portable_migration,
    final_type_differs,
    type_base,
    type_range,
)


class VarcharLength(Rule):
    """
    ## What it does
    Flags columns declared `varchar(n)` (`character varying(n)`) in
    `CREATE TABLE` and `ALTER TABLE ... ADD COLUMN`.

    ## Why is this bad?
    In Postgres `varchar(n)` is `text` with a length check baked into the type.
    The limit is usually a guess (`255` out of habit), and raising it later is
    an `ALTER COLUMN TYPE`; a `CHECK` constraint says the same thing and can be
    changed with `NOT VALID` and `VALIDATE` without a rewrite.

    ## Example
    ```sql
    CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE users (id bigint PRIMARY KEY, email text CHECK (char_length(email) <= 255) NOT NULL);
    ```
    The fix keeps the limit as a `CHECK` on `text`.

    Off by default: on 12 findings drawn at random from 25 public repositories
    (November 2026) all 12 were a matter of style, not a problem (raising a
    `varchar` limit needs no table rewrite since Postgres 9.2): measured
    precision 0 of 12 worth raising. Select `SD004` to run it.
    """

    default_enabled = False
    code = "SD004"
    reads_schema = True
    name = "varchar-length"
    command = "SCHEMA_DESIGN"
    severity = Severity.INFORMATION
    message = "{column} is varchar({length}); use text with a CHECK on its length"
    fix_title = "use text with CHECK (char_length(...) <= n)"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("CreateStmt", "AlterTableStmt")
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if portable_migration(ctx.document.path) or mirrors_a_migration(ctx, stmt):
            return
        for table, col in column_defs(stmt):
            tn = col.get("typeName") or {}
            mods = tn.get("typmods") or []
            if type_base(tn) != "varchar" or len(mods) != 1 or tn.get("arrayBounds"):
                continue
            ival = (mods[0].get("A_Const") or {}).get("ival")
            if ival is None:
                continue
            length = ival.get("ival", 0)
            name = col.get("colname")
            if final_type_differs(ctx, table, name, "varchar"):
                continue
            rng = type_range(stmt, col)
            if rng is None:
                continue
            text = f"text CHECK (char_length({quote_ident(name)}) <= {length})"
            fix = self.fix([ctx.edit(stmt, rng[0], rng[1], text)])
            yield ctx.finding(self, stmt, rng[0], rng[1], fix=fix, column=name, length=length)
