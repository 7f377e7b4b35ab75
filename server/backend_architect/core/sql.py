"""SQL statements: splitting a region, exact parsing with libpg_query (pglast).

Splitting is a small scanner that understands quotes, dollar quoting and
comments, so one broken statement never hides the others: each statement is
parsed on its own, and one that does not parse (half-typed, another dialect)
is kept with its error while the rest are analysed. Parses are cached by
statement text, so after an edit only the statements that changed are parsed
again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

from .regions import Region

_SPLIT_RE = re.compile(
    r"""--[^\n]*|/\*(?:.|\n)*?(?:\*/|\Z)|[eE]'(?:[^'\\]|\\.|'')*(?:'|\Z)|'(?:[^']|'')*(?:'|\Z)"""
    r"""|"(?:[^"]|"")*(?:"|\Z)|\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*|)\$(?:.|\n)*?(?:\$(?P=tag)\$|\Z)|;""",
)
_LEADING_RE = re.compile(r"(?:\s+|--[^\n]*|/\*(?:.|\n)*?\*/)*")


@dataclass(frozen=True)
class Token:
    start: int  # byte offset in the statement
    end: int  # exclusive
    name: str  # libpg_query token name: SELECT, IDENT, SCONST, ASCII_42 ...
    kind: str  # RESERVED_KEYWORD, UNRESERVED_KEYWORD, NO_KEYWORD ...


@dataclass
class Statement:
    """One SQL statement of a region. Offsets are bytes in the region's SQL."""

    region: Region
    index: int
    start: int
    end: int  # exclusive, before the terminating ';'
    text: str
    terminated: bool = True
    kind: str | None = None  # the libpg_query node name, e.g. "IndexStmt"
    node: dict | None = None  # that node's fields
    error: str | None = None
    in_transaction: bool = False  # inside an explicit BEGIN ... COMMIT
    _tokens: list[Token] | None = field(default=None, repr=False)

    # -- positions ------------------------------------------------------------

    def doc_range(self, rel_start: int = 0, rel_end: int | None = None) -> tuple[int, int]:
        """Document byte range of a range relative to this statement."""
        if rel_end is None:
            rel_end = self.end - self.start
        return self.region.doc_range(self.start + rel_start, self.start + rel_end)

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8", "surrogatepass")

    def slice(self, rel_start: int, rel_end: int) -> str:
        return self.data[rel_start:rel_end].decode("utf-8", "surrogatepass")

    # -- tokens -----------------------------------------------------------------

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = list(_scan(self.text))
        return self._tokens

    def find_token(self, *names: str, start: int = 0, end: int | None = None) -> Token | None:
        """First token with one of ``names`` (keyword names are upper case) in [start, end)."""
        for tok in self.tokens:
            if tok.start < start:
                continue
            if end is not None and tok.start >= end:
                break
            if tok.name in names:
                return tok
        return None

    def find_sequence(self, *names: str, start: int = 0) -> list[Token] | None:
        toks = [t for t in self.tokens if t.start >= start]
        n = len(names)
        for i in range(len(toks) - n + 1):
            if all(toks[i + j].name == names[j] for j in range(n)):
                return toks[i : i + n]
        return None

    def head_range(self, *names: str) -> tuple[int, int]:
        """Relative range of the leading keywords (e.g. CREATE INDEX) for a finding."""
        seq = self.find_sequence(*names) if names else None
        if seq:
            return seq[0].start, seq[-1].end
        return 0, min(len(self.data), self.data.find(b"\n") if b"\n" in self.data else len(self.data))


@lru_cache(maxsize=8192)
def _parse_cached(text: str) -> tuple[str | None, str | None, str | None]:
    """(kind, node json, error) for one statement's text."""
    from pglast import parser

    try:
        raw = parser.parse_sql_json(text)
    except parser.ParseError as exc:
        msg = exc.args[0] if exc.args else str(exc)
        return None, None, str(msg)
    except Exception as exc:  # libpg_query can raise other errors on odd input
        return None, None, f"{type(exc).__name__}: {exc}"
    tree = json.loads(raw)
    stmts = tree.get("stmts") or []
    if not stmts:
        return None, None, None
    stmt = stmts[0].get("stmt") or {}
    if not stmt:
        return None, None, None
    (kind, body), = stmt.items()
    return kind, json.dumps(body), None


_node_cache: dict[str, dict] = {}


def parse_statement(text: str) -> tuple[str | None, dict | None, str | None]:
    kind, body, error = _parse_cached(text)
    if body is None:
        return kind, None, error
    node = _node_cache.get(body)
    if node is None:
        if len(_node_cache) > 8192:
            _node_cache.clear()
        node = _node_cache[body] = json.loads(body)
    return kind, node, error


def _scan(text: str) -> Iterator[Token]:
    from pglast import parser

    try:
        raw = parser.scan(text)
    except Exception:
        return
    ascii_text = text.isascii()
    if not ascii_text:
        # scan() reports character offsets; convert to bytes
        offsets = [0]
        for ch in text:
            offsets.append(offsets[-1] + len(ch.encode("utf-8", "surrogatepass")))
    for t in raw:
        if ascii_text:
            yield Token(t.start, t.end + 1, t.name, t.kind)
        else:
            yield Token(offsets[t.start], offsets[t.end + 1], t.name, t.kind)


def split_statements(region: Region) -> list[Statement]:
    """Split a region into statements and parse each one."""
    sql = region.sql
    pieces: list[tuple[int, int, bool]] = []  # char offsets
    start = 0
    for m in _SPLIT_RE.finditer(sql):
        if m.group(0) == ";":
            pieces.append((start, m.start(), True))
            start = m.end()
    pieces.append((start, len(sql), False))

    ascii_sql = sql.isascii()
    statements: list[Statement] = []
    in_tx = False
    byte_of = (lambda i: i) if ascii_sql else _byte_offsets(sql)
    for s, e, terminated in pieces:
        lead = _LEADING_RE.match(sql, s, e)
        s2 = lead.end() if lead else s
        if s2 >= e:
            continue
        text = sql[s2:e].rstrip()
        if not text:
            continue
        bs = byte_of(s2)
        be = bs + len(text.encode("utf-8", "surrogatepass"))
        stmt = Statement(region, len(statements), bs, be, text, terminated)
        stmt.kind, stmt.node, stmt.error = parse_statement(text)
        if stmt.kind == "TransactionStmt" and stmt.node is not None:
            tx_kind = stmt.node.get("kind", "")
            if tx_kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                in_tx = True
                stmt.in_transaction = True
            elif tx_kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE",
                             "TRANS_STMT_COMMIT_PREPARED", "TRANS_STMT_ROLLBACK_PREPARED"):
                stmt.in_transaction = in_tx
                in_tx = False
            else:
                stmt.in_transaction = in_tx
        else:
            stmt.in_transaction = in_tx
        statements.append(stmt)
    return statements


def _byte_offsets(text: str):
    table: dict[int, int] = {}
    pos = 0
    for i, ch in enumerate(text):
        table[i] = pos
        pos += len(ch.encode("utf-8", "surrogatepass"))
    table[len(text)] = pos
    return table.__getitem__


# -- AST helpers ------------------------------------------------------------------


def walk(node: Any) -> Iterator[tuple[str, dict]]:
    """Yield (node type, fields) for every typed node below ``node``."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                if isinstance(value, dict):
                    if key[:1].isupper():
                        yield key, value
                    stack.append(value)
                elif isinstance(value, list):
                    stack.extend(value)
        elif isinstance(cur, list):
            stack.extend(cur)


def string_value(node: Any) -> str | None:
    """The text of a String node ({"String": {"sval": "x"}}) or an A_Const string."""
    if isinstance(node, dict):
        if "String" in node:
            return node["String"].get("sval", "")
        if "A_Const" in node:
            sval = node["A_Const"].get("sval")
            if isinstance(sval, dict):
                return sval.get("sval", "")
    return None


def name_list(nodes: list | None) -> list[str]:
    return [s for s in (string_value(n) for n in nodes or []) if s is not None]


def relation_name(rangevar: dict | None) -> str | None:
    """Qualified name of a RangeVar (schema.table or table)."""
    if not rangevar:
        return None
    rel = rangevar.get("RangeVar", rangevar)
    name = rel.get("relname")
    if not name:
        return None
    schema = rel.get("schemaname")
    return f"{schema}.{name}" if schema else name


def unqualified(name: str | None) -> str | None:
    return name.rsplit(".", 1)[-1] if name else name


def matching_paren(stmt: Statement, open_tok: Token) -> Token | None:
    """The ')' token closing ``open_tok``."""
    depth = 0
    for tok in stmt.tokens:
        if tok.start < open_tok.start:
            continue
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            depth -= 1
            if depth == 0:
                return tok
    return None


def token_at(stmt: Statement, offset: int) -> Token | None:
    for tok in stmt.tokens:
        if tok.start <= offset < tok.end:
            return tok
        if tok.start > offset:
            break
    return None


def quote_ident(name: str) -> str:
    """Quote an identifier only when Postgres needs it."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) and name.upper() not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


_RESERVED = {
    "ALL", "ANALYSE", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "ASYMMETRIC", "BOTH", "CASE", "CAST",
    "CHECK", "COLLATE", "COLUMN", "CONSTRAINT", "CREATE", "CURRENT_CATALOG", "CURRENT_DATE", "CURRENT_ROLE",
    "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "DEFAULT", "DEFERRABLE", "DESC", "DISTINCT", "DO",
    "ELSE", "END", "EXCEPT", "FALSE", "FETCH", "FOR", "FOREIGN", "FROM", "GRANT", "GROUP", "HAVING", "IN",
    "INITIALLY", "INTERSECT", "INTO", "LATERAL", "LEADING", "LIMIT", "LOCALTIME", "LOCALTIMESTAMP", "NOT",
    "NULL", "OFFSET", "ON", "ONLY", "OR", "ORDER", "PLACING", "PRIMARY", "REFERENCES", "RETURNING", "SELECT",
    "SESSION_USER", "SOME", "SYMMETRIC", "TABLE", "THEN", "TO", "TRAILING", "TRUE", "UNION", "UNIQUE", "USER",
    "USING", "VARIADIC", "WHEN", "WHERE", "WINDOW", "WITH",
}


def select_statements(node: dict | None) -> Iterator[dict]:
    """Every SelectStmt in a statement (CTEs, subqueries, set operations), except
    those inside EXISTS (...), where the target list does not matter."""
    if not node:
        return
    stack: list[Any] = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(cur)
            continue
        if not isinstance(cur, dict):
            continue
        for key, value in cur.items():
            if key == "SubLink" and isinstance(value, dict) and value.get("subLinkType") == "EXISTS_SUBLINK":
                continue
            if key == "SelectStmt" and isinstance(value, dict):
                yield value
            if isinstance(value, (dict, list)):
                stack.append(value)
    if "limitOption" in node:
        yield node  # the statement itself is a SELECT
