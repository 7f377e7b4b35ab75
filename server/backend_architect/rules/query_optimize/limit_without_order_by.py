from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule


class LimitWithoutOrderBy(Rule):
    """
    ## What it does
    Flags `LIMIT` with `OFFSET` (or a `LIMIT` other than 1) on a query with no
    `ORDER BY`.

    ## Why is this bad?
    Without an order, Postgres returns rows in whatever order the plan produces.
    Pages then overlap or skip rows, and the result changes when the plan does
    (after an `ANALYZE`, a new index, a parallel scan).

    ## Example
    ```sql
    SELECT id, title FROM posts LIMIT 20 OFFSET 40;
    ```

    ## Use instead
    ```sql
    SELECT id, title FROM posts ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET 40;
    ```
    A lone `LIMIT 1` ("any matching row") is not flagged.

    Off by default: of 6 findings drawn at random from 25 public backend
    repositories (November 2026) and read by hand, 0 were true, 5 false and
    1 noise: measured precision 0% (true / (true + false)); the flagged LIMITs were bounded exact-match lookups and batch loops, not paging.
    Select `QO003` to run it.
    """

    code = "QO003"
    default_enabled = False
    name = "limit-without-order-by"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = (
        "{what} without ORDER BY returns rows in an arbitrary order; pages overlap and skip rows"
    )
    statement_kinds = (
        "SelectStmt",
        "InsertStmt",
        "UpdateStmt",
        "DeleteStmt",
        "MergeStmt",
        "CreateTableAsStmt",
        "ViewStmt",
        "DeclareCursorStmt",
    )

    def check_statement(self, stmt, ctx):
        if not stmt.mentions("limitCount", "limitOffset"):
            return
        for select in stmt.selects:
            count, offset = select.get("limitCount"), select.get("limitOffset")
            if (count is None and offset is None) or select.get("sortClause"):
                continue
            if offset is None and _is_one(count):
                continue
            if select.get("op", "SETOP_NONE") == "SETOP_NONE" and not select.get("fromClause"):
                continue
            if "A_Const" in (count or {}) and count["A_Const"].get("isnull") and offset is None:
                continue  # LIMIT ALL
            word = "LIMIT" if count is not None else "OFFSET"
            node = count if count is not None else offset
            loc = _location(node)
            tok = stmt.find_token(
                "LIMIT" if count is not None else "OFFSET", start=max(loc - 12, 0) if loc else 0
            )
            if tok is None:
                tok = stmt.find_token("LIMIT", "OFFSET", "FETCH")
            if tok is None:
                continue
            yield ctx.finding(
                self, stmt, tok.start, tok.end, what=word if offset is None else "LIMIT/OFFSET"
            )


def _is_one(node) -> bool:
    const = (node or {}).get("A_Const") or {}
    return (const.get("ival") or {}).get("ival") == 1


def _location(node) -> int:
    for value in (node or {}).values():
        if isinstance(value, dict) and "location" in value:
            return value["location"]
    return 0
