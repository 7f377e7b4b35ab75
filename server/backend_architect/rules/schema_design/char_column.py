from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import quote_ident

from ._columns import mirrors_a_migration, column_defs, portable_migration, type_range


class CharColumn(Rule):
    """
    ## What it does
    Flags columns declared `char(n)` / `character(n)` (also `char`,
    `character`, `bpchar` and their arrays) in `CREATE TABLE` and
    `ALTER TABLE ... ADD COLUMN`. The one-byte internal type `"char"` (quoted)
    is a different type and is not flagged.

    ## Why is this bad?
    `char(n)` pads every value with spaces to `n` characters and ignores
    trailing spaces in comparisons, but not in `LIKE`, regular expressions or
    most functions: `'ab'::char(3) || 'c'` is `abc`, `length()` and
    `octet_length()` disagree, and a client reading the column gets `'ab '`.
    It is no faster and takes no less space than `text` in PostgreSQL, and a
    fixed length is seldom a rule the data keeps (country codes grow
    subdivisions, hashes change algorithm).

    ## Example
    ```sql
    CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
    ```

    ## Use instead
    ```sql
    CREATE TABLE countries (code text CHECK (char_length(code) <= 2) PRIMARY KEY, name text NOT NULL);
    ```
    The fix writes `text` with the length limit as a `CHECK` (a limit that
    can be changed later without rewriting the table).

    ## Fix safety
    Unsafe: values are no longer padded, so code that compares with, or
    relies on, trailing spaces sees different values.

    Off by default: the 6 findings in 25 public repositories (November 2026)
    were `char(1)` kind codes and a `char(2)` country code, values that always
    fill the width, where padding changes nothing: measured precision 0 of 6
    worth a change. Select `SD006` to run it.
    """

    default_enabled = False
    code = "SD006"
    name = "char-column"
    command = "SCHEMA_DESIGN"
    severity = Severity.INFORMATION
    message = "{column} is {type}: values are padded with spaces to its length; use text (with a CHECK on its length)"
    fix_title = "use text with CHECK (char_length(...) <= n)"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("CreateStmt", "AlterTableStmt")
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if portable_migration(ctx.document.path) or mirrors_a_migration(ctx, stmt):
            return
        for _table, col in column_defs(stmt):
            tn = col.get("typeName") or {}
            names = [(n.get("String") or {}).get("sval", "") for n in tn.get("names") or []]
            if not names or names[-1].lower() != "bpchar":
                continue  # char(n), character(n) and bpchar are all bpchar; "char" is not
            rng = type_range(stmt, col)
            if rng is None:
                continue
            written = stmt.slice(*rng)
            if written.strip().lower().startswith('"char"'):
                continue
            mods = tn.get("typmods") or []
            ival = (mods[0].get("A_Const") or {}).get("ival") if mods else None
            length = ival.get("ival", 1) if isinstance(ival, dict) else 1
            name = col.get("colname")
            array = "[]" if tn.get("arrayBounds") else ""
            if array:
                fix = self.fix([ctx.edit(stmt, rng[0], rng[1], "text[]")], title="use text[]")
            else:
                check = f"text CHECK (char_length({quote_ident(name)}) <= {length})"
                fix = self.fix([ctx.edit(stmt, rng[0], rng[1], check)])
            yield ctx.finding(
                self, stmt, rng[0], rng[1], fix=fix, column=name, type=" ".join(written.split())
            )
