from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list, quote_ident, relation_name, walk

from ._runner import _apply_rel, split_after_commit


def _has_default(c: dict) -> bool:
    if c.get("subtype") != "AT_AddColumn":
        return False
    col = (c.get("def") or {}).get("ColumnDef", {})
    kinds = {(k.get("Constraint") or {}).get("contype") for k in col.get("constraints", [])}
    return col.get("raw_default") is not None or bool(
        kinds & {"CONSTR_DEFAULT", "CONSTR_GENERATED"}
    )


class ConstraintWithoutNotValid(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` and `... CHECK`
    added to an existing table without `NOT VALID`, and `ADD COLUMN ...
    REFERENCES` when the statement gives a new column a default (then the
    key is validated the same way; no fix: add the column plain, then the
    constraint NOT VALID). Without a default every new value is NULL and
    PostgreSQL skips the validation.

    ## Why is this bad?
    Adding a foreign key or CHECK constraint validates every existing row while
    holding a lock that blocks writes (a SHARE ROW EXCLUSIVE lock on both
    tables for a foreign key, ACCESS EXCLUSIVE for a CHECK). On a large table
    that is a long outage. Added `NOT VALID`, the constraint is enforced for new
    rows at once; `VALIDATE CONSTRAINT` then checks old rows under a lock
    that lets reads and writes go on.

    ## Example
    ```sql
    ALTER TABLE posts ADD CONSTRAINT posts_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id);
    ```

    ## Use instead
    ```sql
    ALTER TABLE posts ADD CONSTRAINT posts_user_id_fkey
        FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
    ALTER TABLE posts VALIDATE CONSTRAINT posts_user_id_fkey;
    ```
    When the migration runs in one transaction, the VALIDATE still waits for the
    first lock to be released: put it in the next migration.

    ## Fix safety
    The fix knows the migration's runner: where the file runs in one
    transaction it puts the `VALIDATE` after the file's `COMMIT`, or in a new
    migration right after this one (named by the folder's convention).
    """

    code = "MG004"
    name = "constraint-without-not-valid"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = "ADD {what} validates every row of {table} while blocking writes; add it NOT VALID, then VALIDATE CONSTRAINT"
    fix_title = "split into NOT VALID + VALIDATE CONSTRAINT"
    fix_safety = Applicability.SAFE
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        table = relation_name(stmt.node.get("relation"))
        if ctx.is_new_table(table, stmt):
            return
        cmds = stmt.node.get("cmds", [])
        # ADD COLUMN ... REFERENCES is validated by a scan only when a new column of the
        # statement has a default (or a generated value): otherwise every new value is NULL and
        # PostgreSQL skips the check (as the trace of a real server shows)
        validated = any(_has_default(cmd.get("AlterTableCmd", {})) for cmd in cmds)
        for cmd in cmds:
            c = cmd.get("AlterTableCmd", {})
            if c.get("subtype") == "AT_AddColumn":
                if not validated:
                    continue
                col = (c.get("def") or {}).get("ColumnDef", {})
                for k in col.get("constraints", []):
                    con = k.get("Constraint") or {}
                    if con.get("contype") == "CONSTR_FOREIGN" and not con.get("skip_validation"):
                        loc = con.get("location", 0)
                        kw = stmt.find_token("REFERENCES", start=loc)
                        yield ctx.finding(
                            self,
                            stmt,
                            loc,
                            kw.end if kw else loc + 10,
                            what=f"COLUMN {col.get('colname', '?')} REFERENCES",
                            table=table,
                        )
                continue
            if c.get("subtype") != "AT_AddConstraint":
                continue
            con = (c.get("def") or {}).get("Constraint", {})
            contype = con.get("contype")
            if contype not in ("CONSTR_FOREIGN", "CONSTR_CHECK") or con.get("skip_validation"):
                continue
            what = "FOREIGN KEY" if contype == "CONSTR_FOREIGN" else "CHECK"
            loc = con.get("location", 0)
            kw = stmt.find_token("FOREIGN", "CHECK", start=loc)
            end = kw.end if kw else loc
            if kw and kw.name == "FOREIGN":
                key = stmt.find_token("KEY", start=kw.end)
                end = key.end if key else end
            fix = self._fix(stmt, ctx, con, table) if len(cmds) == 1 else None
            yield ctx.finding(self, stmt, loc, end, fix=fix, what=what, table=table)

    def _fix(self, stmt, ctx, con, table):
        name = con.get("conname")
        rel_edits = []
        short = table.rsplit(".", 1)[-1]
        if not name:
            if con.get("contype") == "CONSTR_FOREIGN":
                cols = name_list(con.get("fk_attrs"))
                name = f"{short}_{'_'.join(cols)}_fkey"
            else:
                cols = [
                    n["fields"][-1]["String"]["sval"]
                    for t, n in walk(con.get("raw_expr"))
                    if t == "ColumnRef" and n.get("fields") and "String" in n["fields"][-1]
                ]
                name = f"{short}_{cols[0]}_check" if cols else f"{short}_check"
            kw = stmt.find_token("FOREIGN", "CHECK", start=con.get("location", 0))
            if kw is None:
                return None
            rel_edits.append((kw.start, kw.start, f"CONSTRAINT {quote_ident(name)} "))
        end = len(stmt.data)
        rel_edits.append((end, end, " NOT VALID"))
        rel_text = ctx.source(stmt, *self._relation_span(stmt))
        keep = _apply_rel(stmt, rel_edits)
        later = f"ALTER TABLE {rel_text} VALIDATE CONSTRAINT {quote_ident(name)}"
        return split_after_commit(
            self, stmt, ctx, keep, later, self.fix_title, slug=f"validate_{name}"
        )

    @staticmethod
    def _relation_span(stmt):
        rel = stmt.node.get("relation", {})
        start = rel.get("location", 0)
        end = start
        for tok in stmt.tokens:
            if tok.start < start:
                continue
            if tok.name in (
                "ADD_P",
                "ALTER",
                "DROP",
                "VALIDATE",
                "RENAME",
                "SET",
                "ENABLE",
                "DISABLE",
                "OWNER",
            ):
                break
            end = tok.end
        return start, end
