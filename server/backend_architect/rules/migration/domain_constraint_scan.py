from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list

_WHAT = {"C": "ADD CONSTRAINT", "O": "SET NOT NULL", "V": "VALIDATE CONSTRAINT"}


def _short(names: list[str]) -> str:
    return (names[-1] if names else "").lower()


class DomainConstraintScan(Rule):
    """
    ## What it does
    Flags `ALTER DOMAIN ... ADD CONSTRAINT` (without `NOT VALID`), `ALTER
    DOMAIN ... SET NOT NULL` and `ALTER DOMAIN ... VALIDATE CONSTRAINT` on a
    domain not created earlier in the same migration.

    ## Why is this bad?
    PostgreSQL checks the new rule against every column of every table that
    uses the domain, holding a SHARE lock on each of those tables for the
    whole scan: every INSERT, UPDATE and DELETE on them waits. Unlike a table
    constraint, validating a domain constraint later takes the same SHARE
    lock, so `NOT VALID` + `VALIDATE` does not help (measured on PostgreSQL
    15); a domain constraint cannot be added to a large table online.

    ## Example
    ```sql
    ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);
    ```

    ## Use instead
    Put the rule on the columns, where it can be validated without blocking
    writes:
    ```sql
    ALTER TABLE payments ADD CONSTRAINT payments_amount_positive CHECK (amount > 0) NOT VALID;
    -- in a later transaction:
    ALTER TABLE payments VALIDATE CONSTRAINT payments_amount_positive;
    ```
    """

    code = "MG028"
    name = "domain-constraint-scan"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "ALTER DOMAIN {domain} {what} scans every column of the domain under a SHARE lock on each table using "
        "it, blocking writes; domain constraints have no non-blocking validation: use CHECK constraints on the "
        "columns (NOT VALID, then VALIDATE)"
    )
    statement_kinds = ("AlterDomainStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        node = stmt.node or {}
        sub = node.get("subtype")
        if sub not in _WHAT:
            return
        con = (node.get("def") or {}).get("Constraint") or {}
        if sub == "C" and (
            con.get("skip_validation")
            or con.get("contype") not in ("CONSTR_CHECK", "CONSTR_NOTNULL")
        ):
            return
        names = name_list(node.get("typeName"))
        if _created_here(stmt, ctx, _short(names)):
            return
        s, e = stmt.head_range("ALTER", "DOMAIN")
        yield ctx.finding(self, stmt, s, e, domain=".".join(names), what=_WHAT[sub])


def _created_here(stmt, ctx, domain: str) -> bool:
    for other in ctx.statements[: stmt.index]:
        if (
            other.kind == "CreateDomainStmt"
            and other.node is not None
            and _short(name_list(other.node.get("domainname"))) == domain
        ):
            return True
    return False
