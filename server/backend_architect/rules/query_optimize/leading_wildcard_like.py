from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import string_value

LIKE_KINDS = {"AEXPR_LIKE", "AEXPR_ILIKE"}


class LeadingWildcardLike(Rule):
    """
    ## What it does
    Flags `LIKE` / `ILIKE` patterns that start with `%` (including
    `'%' || $1 || '%'`).

    ## Why is this bad?
    A b-tree index can only serve a pattern with a fixed prefix. A leading
    wildcard forces a sequential scan of the whole table on every call, which
    grows with the table.

    ## Example
    ```sql
    SELECT id FROM users WHERE email LIKE '%@example.com';
    ```

    ## Use instead
    ```sql
    -- a trigram index serves any substring search
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX CONCURRENTLY idx_users_email_trgm ON users USING gin (email gin_trgm_ops);
    -- or store the searched part (e.g. the email domain) in its own column
    SELECT id FROM users WHERE email_domain = 'example.com';
    ```

    Off by default: on 25 real backend repositories (2026-11-27) none of 10
    sampled findings was worth raising (0 true, 0 false, 10 noise: precision
    0 of 0 scored, noise 100%): leading
    wildcards there are deliberate substring searches over small tables (queue
    or setting names, UI autocomplete) and one-off data migrations. Select
    `QO004` to run it.
    """

    code = "QO004"
    name = "leading-wildcard-like"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "{op} pattern starting with '%' cannot use a b-tree index: every row is scanned"
    default_enabled = False
    statement_kinds = (
        "SelectStmt",
        "UpdateStmt",
        "DeleteStmt",
        "InsertStmt",
        "MergeStmt",
        "ViewStmt",
        "CreateTableAsStmt",
    )

    def check_statement(self, stmt, ctx):
        if not stmt.mentions(*LIKE_KINDS):
            return
        for node in stmt.nodes.get("A_Expr", ()):
            if node.get("kind") not in LIKE_KINDS:
                continue
            pattern = node.get("rexpr") or {}
            const = _leading_constant(pattern)
            if const is None:
                continue
            value = string_value({"A_Const": const})
            if not value or not value.startswith("%"):
                continue
            loc = const.get("location", node.get("location", 0))
            tok = stmt.find_token("SCONST", start=loc)
            end = tok.end if tok else loc + 1
            op = "ILIKE" if node["kind"] == "AEXPR_ILIKE" else "LIKE"
            yield ctx.finding(self, stmt, loc, end, op=op)


def _leading_constant(node):
    """The first string constant of a pattern expression (through || concatenation)."""
    while node:
        if "A_Const" in node:
            return node["A_Const"]
        expr = node.get("A_Expr")
        if expr and [n.get("String", {}).get("sval") for n in expr.get("name", [])] == ["||"]:
            node = expr.get("lexpr")
            continue
        return None
    return None
