"""What a query asks of the schema: tables, filter/join/sort columns, and the
indexes that serve them (or not). Shared by IX001, the hover and INDEX_STRATEGY."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.sql import name_list, relation_name
from .model import Catalog, Index, Table

EQ_OPS = {"="}
RANGE_OPS = {"<", ">", "<=", ">="}


@dataclass
class Source:
    name: str | None  # table name as written (maybe qualified); None for a subquery/function
    alias: str | None
    table: Table | None
    location: int = 0
    outer: bool = False  # nullable side of an outer join
    cte: bool = False  # the name is a CTE of the statement, not a table


@dataclass
class ColumnUse:
    column: str
    kind: str  # "eq" | "range" | "join" | "sort"
    location: int
    direction: str = "ASC"


@dataclass
class Need:
    """The columns one table is looked up by in one SELECT/UPDATE/DELETE, and what serves them."""

    source: Source
    eq: list[ColumnUse] = field(default_factory=list)
    range: list[ColumnUse] = field(default_factory=list)
    join: list[ColumnUse] = field(default_factory=list)
    sort: ColumnUse | None = None
    driving: bool = False  # first table in FROM
    limited: bool = False

    @property
    def table(self) -> Table:
        return self.source.table  # type: ignore[return-value]

    def lookup_columns(self) -> list[ColumnUse]:
        """The uses an index must start with one of (filters, else joins, else the sort)."""
        if self.eq or self.range:
            return self.eq + self.range
        if self.join and not self.driving:
            return list(self.join)
        if self.sort and self.limited:
            return [self.sort]
        return []

    def serving_index(self) -> Index | None:
        wanted = {u.column for u in self.lookup_columns()}
        if not wanted:
            return None
        for ix in self.table.all_indexes():
            if (
                ix.columns
                and not (ix.expressions and ix.expressions[0])
                and ix.columns[0] in wanted
            ):
                return ix
        return None

    def ideal_columns(self) -> list[tuple[str, str]]:
        """(column, direction): equality columns, then the first range column, then the sort column."""
        out: list[tuple[str, str]] = []
        base = (
            self.eq + self.range[:1]
            if (self.eq or self.range)
            else (self.join if self.join and not self.driving else [])
        )
        for u in base:
            if u.column not in [c for c, _ in out]:
                out.append((u.column, "ASC"))
        if self.sort and self.sort.column not in [c for c, _ in out] and (out or self.limited):
            out.append((self.sort.column, self.sort.direction))
        return out

    def index_name(self) -> str:
        cols = "_".join(c for c, _ in self.ideal_columns())
        return f"idx_{self.table.name}_{cols}"[:63]

    def index_sql(self) -> str:
        cols = ", ".join(c + (" DESC" if d == "DESC" else "") for c, d in self.ideal_columns())
        return f"CREATE INDEX CONCURRENTLY {self.index_name()} ON {self.source.name} ({cols});"


def _sources(
    items: list, catalog: Catalog | None, quals: list, out: list[Source], outer: bool = False
) -> None:
    for item in items or []:
        if not item:
            continue
        if "RangeVar" in item:
            rv = item["RangeVar"]
            name = relation_name(item)
            alias = (rv.get("alias") or {}).get("aliasname") or (name or "").rsplit(".", 1)[-1]
            out.append(
                Source(
                    name,
                    alias,
                    catalog.table(name) if catalog else None,
                    rv.get("location", 0),
                    outer,
                )
            )
        elif "JoinExpr" in item:
            j = item["JoinExpr"]
            jt = j.get("jointype", "JOIN_INNER")
            _sources(
                [j.get("larg")], catalog, quals, out, outer or jt in ("JOIN_RIGHT", "JOIN_FULL")
            )
            _sources(
                [j.get("rarg")], catalog, quals, out, outer or jt in ("JOIN_LEFT", "JOIN_FULL")
            )
            if j.get("quals"):
                quals.append(j["quals"])
        else:
            alias = None
            for v in item.values():
                if isinstance(v, dict):
                    alias = (v.get("alias") or {}).get("aliasname")
            out.append(Source(None, alias, None))


def sources_of(node: dict, catalog: Catalog | None) -> tuple[list[Source], list]:
    """The FROM sources of a SELECT/UPDATE/DELETE and the join conditions."""
    out: list[Source] = []
    quals: list = []
    if "relation" in node and node.get("relation"):
        _sources([{"RangeVar": node["relation"]}], catalog, quals, out)
    _sources(node.get("fromClause") or [], catalog, quals, out)
    _sources(node.get("usingClause") or [], catalog, quals, out)
    return out, quals


def conjuncts(expr) -> list[dict]:
    if not expr:
        return []
    if "BoolExpr" in expr and expr["BoolExpr"].get("boolop") == "AND_EXPR":
        out = []
        for a in expr["BoolExpr"].get("args") or []:
            out += conjuncts(a)
        return out
    return [expr]


def resolve_column(ref: dict, sources: list[Source]) -> tuple[Source, str] | None:
    """The source a ColumnRef belongs to (only when that is certain)."""
    fields = ref.get("fields") or []
    names = name_list(fields)
    if not names or len(names) != len(fields):
        return None
    col = names[-1]
    if len(names) >= 2:
        qual = names[-2].lower()
        for s in sources:
            if s.alias and s.alias.lower() == qual:
                return (s, col) if s.table is not None and s.table.column(col) else None
        return None
    holders = [
        (s, found)
        for s in sources
        if s.table is not None and (found := s.table.column(col)) is not None
    ]
    if len(holders) == 1 and all(s.table is not None for s in sources):
        return holders[0][0], holders[0][1].name
    return None


def _column(node) -> dict | None:
    return node.get("ColumnRef") if isinstance(node, dict) else None


def needs_of(node: dict, catalog: Catalog) -> list[Need]:
    """Per known table of one SELECT/UPDATE/DELETE node: how it is looked up."""
    sources, quals = sources_of(node, catalog)
    if not sources:
        return []
    needs: dict[int, Need] = {}

    def need(src: Source) -> Need:
        key = id(src)
        if key not in needs:
            needs[key] = Need(src, driving=src is sources[0])
        return needs[key]

    for expr in conjuncts(node.get("whereClause")) + [c for q in quals for c in conjuncts(q)]:
        a = expr.get("A_Expr")
        if not a:
            continue
        op = ".".join(name_list(a.get("name")))
        kind = a.get("kind", "AEXPR_OP")
        left, right = _column(a.get("lexpr")), a.get("rexpr")
        rcol = _column(right) if isinstance(right, dict) else None
        if kind == "AEXPR_OP" and op in EQ_OPS and left and rcol:
            lhs, rhs = resolve_column(left, sources), resolve_column(rcol, sources)
            if lhs and rhs and lhs[0] is not rhs[0]:
                need(lhs[0]).join.append(ColumnUse(lhs[1], "join", left.get("location", 0)))
                need(rhs[0]).join.append(ColumnUse(rhs[1], "join", rcol.get("location", 0)))
            continue
        if not left and rcol and kind == "AEXPR_OP" and op in EQ_OPS | RANGE_OPS:
            left, right, rcol = rcol, a.get("lexpr"), None
        if not left or rcol:
            continue
        res = resolve_column(left, sources)
        if not res:
            continue
        src, col = res
        use_kind = None
        if kind == "AEXPR_OP" and op in EQ_OPS or kind == "AEXPR_IN" and op == "=":
            use_kind = "eq"
        elif kind == "AEXPR_OP" and op in RANGE_OPS or kind == "AEXPR_BETWEEN":
            use_kind = "range"
        if use_kind and not _mentions_column(right):
            target = need(src).eq if use_kind == "eq" else need(src).range
            target.append(ColumnUse(col, use_kind, left.get("location", 0)))
    sort = node.get("sortClause") or []
    if sort:
        sb = sort[0].get("SortBy", {})
        ref = _column(sb.get("node"))
        res = resolve_column(ref, sources) if ref else None
        if res and ref:
            n = need(res[0])
            n.sort = ColumnUse(
                res[1],
                "sort",
                ref.get("location", 0),
                "DESC" if sb.get("sortby_dir") == "SORTBY_DESC" else "ASC",
            )
    limited = bool(node.get("limitCount"))
    for n in needs.values():
        n.limited = limited
    return [
        n for n in needs.values() if n.source.table is not None and n.source.table.kind == "table"
    ]


def _mentions_column(node) -> bool:
    if isinstance(node, dict):
        if "ColumnRef" in node or "SubLink" in node:
            return True
        return any(_mentions_column(v) for v in node.values())
    if isinstance(node, list):
        return any(_mentions_column(v) for v in node)
    return False


def query_nodes(stmt) -> list[dict]:
    """The SELECT/UPDATE/DELETE bodies of a statement whose lookups matter: the statement
    itself, each UNION/INTERSECT/EXCEPT branch, CTE, subquery (EXISTS included), the
    SELECT of an INSERT and the source of a MERGE."""
    node = stmt.node
    if node is None:
        return []
    out: list[dict] = []
    if stmt.kind in ("UpdateStmt", "DeleteStmt") or (
        stmt.kind == "SelectStmt" and node.get("fromClause")
    ):
        out.append(node)
    stack: list = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(reversed(cur))
            continue
        if not isinstance(cur, dict):
            continue
        for key, value in cur.items():
            if not isinstance(value, (dict, list)):
                continue
            if isinstance(value, dict) and (
                key in ("UpdateStmt", "DeleteStmt")
                or value.get("fromClause")
                and (key == "SelectStmt" or key in ("larg", "rarg") and "limitOption" in value)
            ):
                out.append(value)
            stack.append(value)
    return out


# -- positions in a statement's text ----------------------------------------------------

_EXPR_STOP = {
    "AND",
    "OR",
    "ORDER",
    "GROUP",
    "LIMIT",
    "OFFSET",
    "HAVING",
    "WINDOW",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "FETCH",
    "FOR",
    "RETURNING",
    "WHERE",
    "ON",
    "JOIN",
    "INNER",
    "LEFT",
    "RIGHT",
    "FULL",
    "CROSS",
    "THEN",
    "ELSE",
    "END_P",
    "WHEN",
    "ASCII_44",
    "ASCII_59",
}


def node_start(node) -> int | None:
    """The smallest ``location`` in a node's subtree: where its text starts."""
    best = None
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            loc = cur.get("location")
            if isinstance(loc, int) and loc >= 0 and (best is None or loc < best):
                best = loc
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(cur)
    return best


def expr_end(stmt, start: int, stop=_EXPR_STOP) -> int:
    """End of the expression starting at ``start``: before the next clause keyword,
    AND/OR, comma or closing parenthesis at its own nesting depth."""
    depth = 0
    end = start
    between = False
    for tok in stmt.tokens:
        if tok.start < start:
            continue
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and tok.name == "BETWEEN":
            between = True
        elif depth == 0 and tok.name in stop and tok.start > start:
            if tok.name == "AND" and between:
                between = False
            else:
                break
        end = tok.end
    return end


def top_level_token(stmt, *names: str, start: int = 0):
    """The first token named ``names`` outside parentheses, at or after ``start``."""
    depth = 0
    for tok in stmt.tokens:
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            depth -= 1
        elif depth == 0 and tok.start >= start and tok.name in names:
            return tok
    return None
