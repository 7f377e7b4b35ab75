from backend_architect.catalog.analysis import (
    conjuncts,
    expr_end,
    node_start,
    query_nodes,
    resolve_column,
    sources_of,
)
from backend_architect.catalog.expr import render, type_base
from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list

COMPARISONS = {"=", "<", ">", "<=", ">="}


class FunctionOnFilteredColumn(Rule):
    """
    ## What it does
    Flags a filter that wraps a column in a function or a cast
    (`lower(email) = ...`, `created_at::date = ...`) when no expression index
    of that table matches it.

    ## Why is this bad?
    An index on `email` orders the raw values; Postgres cannot use it to find
    `lower(email)`. The filter then reads the whole table.

    ## Example
    ```sql
    SELECT id FROM users WHERE lower(email) = lower($1);
    SELECT id FROM orders WHERE created_at::date = $1;
    ```

    ## Use instead
    ```sql
    CREATE INDEX CONCURRENTLY idx_users_lower_email ON users (lower(email));
    SELECT id FROM orders WHERE (created_at >= ($1)::date AND created_at < ($1)::date + 1);
    ```
    The message names the expression index to add. For a date cast the fix
    rewrites the comparison as a range the plain column's index serves.
    """

    code = "QO008"
    name = "function-on-filtered-column"
    command = "QUERY_OPTIMIZE"
    severity = Severity.WARNING
    message = "{expr} on {table}.{column} cannot use an index on {column}; {advice}"
    fix_title = "compare {column} with a date range instead"
    fix_safety = Applicability.UNSAFE
    statement_kinds = ("SelectStmt", "UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt")
    fix_dialects = ("postgres",)  # the fix writes ::date casts
    needs_catalog = True

    def check_statement(self, stmt, ctx):
        if ctx.ctx.is_migration:
            return  # a migration's queries ran against the schema as it was then, not as it ends up
        seen = set()
        for node in query_nodes(stmt):
            sources, quals = sources_of(node, ctx.catalog)
            for expr in conjuncts(node.get("whereClause")) + [
                c for q in quals for c in conjuncts(q)
            ]:
                a = expr.get("A_Expr")
                if not a or a.get("kind") not in ("AEXPR_OP", "AEXPR_IN", "AEXPR_BETWEEN"):
                    continue
                op = ".".join(name_list(a.get("name")))
                if a.get("kind") == "AEXPR_OP" and op not in COMPARISONS:
                    continue
                wrapped = a.get("lexpr") or {}
                ref = _wrapped_column(wrapped)
                if ref is None:
                    continue
                res = resolve_column(ref, sources)
                if res is None:
                    continue
                src, column = res
                table = src.table
                text = render(wrapped)
                if any(ix.columns and ix.columns[0] == text for ix in table.all_indexes()):
                    continue
                start = node_start(wrapped)
                if start is None or start in seen:
                    continue
                seen.add(start)
                wrapped_end = expr_end(stmt, start, stop=_OPERATOR_STOP)
                fix = None
                if (
                    _is_date_cast(wrapped)
                    and op == "="
                    and a.get("kind") == "AEXPR_OP"
                    and not _has_column(a.get("rexpr"))
                ):
                    rstart = node_start(a.get("rexpr"))
                    if rstart is not None:
                        rend = expr_end(stmt, rstart)
                        value = ctx.source(stmt, rstart, rend).strip()
                        col_text = ctx.source(
                            stmt,
                            ref.get("location", start),
                            _ref_end(stmt, ref.get("location", start)),
                        )
                        new = (
                            f"({col_text} >= ({value})::date AND {col_text} < ({value})::date + 1)"
                        )
                        fix = self.fix(
                            [ctx.edit(stmt, start, rend, new)],
                            title=self.fix_title.format(column=column),
                        )
                if _is_date_cast(wrapped):
                    advice = f"compare {column} with a range (>= the day, < the next day)"
                else:
                    name = f"idx_{table.name}_{'_'.join(w for w in _words(text))}"[:63]
                    advice = f"add CREATE INDEX CONCURRENTLY {name} ON {src.name} ({text})"
                yield ctx.finding(
                    self,
                    stmt,
                    start,
                    max(wrapped_end, start + 1),
                    fix=fix,
                    expr=text,
                    table=table.name,
                    column=column,
                    advice=advice,
                )


_OPERATOR_STOP = {
    "AND",
    "OR",
    "ORDER",
    "GROUP",
    "LIMIT",
    "ASCII_44",
    "ASCII_59",
    "ASCII_60",
    "ASCII_61",
    "ASCII_62",
    "LESS_EQUALS",
    "GREATER_EQUALS",
    "NOT_EQUALS",
    "Op",
    "IN_P",
    "BETWEEN",
    "NOT",
    "LIKE",
    "ILIKE",
    "IS",
    "THEN",
    "WHERE",
}


def _wrapped_column(node) -> dict | None:
    """The ColumnRef inside ``f(col, consts...)`` or ``col::type`` (one column only)."""
    if "FuncCall" in node:
        args = node["FuncCall"].get("args") or []
        refs = [a["ColumnRef"] for a in args if "ColumnRef" in a]
        others = [a for a in args if "ColumnRef" not in a]
        if len(refs) == 1 and all(
            "A_Const" in o or "TypeCast" in o and "A_Const" in o["TypeCast"].get("arg", {})
            for o in others
        ):
            return refs[0]
    if "TypeCast" in node:
        arg = node["TypeCast"].get("arg") or {}
        if "ColumnRef" in arg:
            return arg["ColumnRef"]
    return None


def _is_date_cast(node) -> bool:
    if "TypeCast" in node:
        return type_base(node["TypeCast"].get("typeName")) == "date"
    if "FuncCall" in node:
        names = name_list(node["FuncCall"].get("funcname"))
        return names[-1:] == ["date"] and len(node["FuncCall"].get("args") or []) == 1
    return False


def _has_column(node) -> bool:
    if isinstance(node, dict):
        return "ColumnRef" in node or any(_has_column(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_column(v) for v in node)
    return False


def _ref_end(stmt, loc: int) -> int:
    """End of the dotted column reference starting at ``loc`` (``u.created_at`` of ``u.created_at::date``)."""
    end = loc
    for tok in stmt.tokens:
        if tok.start < loc:
            continue
        if end not in (tok.start, loc):
            break
        if tok.name in {"ASCII_46", "IDENT"} or tok.kind != "NO_KEYWORD":
            end = tok.end
            continue
        break
    return end


def _words(text: str) -> list[str]:
    import re

    return [w for w in re.findall(r"[a-z0-9]+", text.lower())][:4]
