"""SQL inside application code: the strings handed to database calls.

For Python, JavaScript/TypeScript and Go this module finds the calls that take
SQL (``cursor.execute``, ``conn.fetch``, ``text()``, ``pool.query``,
``sql`...```, ``prisma.$queryRaw``, ``db.QueryContext`` ...), resolves the
argument (a literal, a concatenation of literals, a formatted string, or a
local variable assigned one of those in the same function or at module level)
and builds a :class:`Region` whose map points every byte of the decoded SQL
back at the host file: escapes (``\\n``, ``\\"``, ``\\u00e9``), raw strings,
triple-quoted and template strings, and the holes of formatted strings
(``{expr}``, ``${expr}``, ``%s``) each keep their exact position.

A string is taken for SQL only when it is passed to one of those calls AND
starts with a SQL keyword: a ``.execute("do something")`` on a job runner is
left alone (precision over recall).

The sites found are a document fact (``embedded_sql``) shared by the region
finder (every SQL rule runs on them), IV010 (SQL built by formatting) and
QO020 (queries inside loops).
"""

from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass, field
from collections.abc import Iterable

from tree_sitter import Node

from ..core import languages
from ..core.engine import Context
from ..core.regions import OffsetMap, Region, clean_sql
from ..lang import APP_LANGUAGES as HANDLER_LANGUAGES
from ..lang import PY_GAP
from ..lang import text as _text
from ..core.lazy_re import lazy

APP_LANGUAGES = (*HANDLER_LANGUAGES, "rust")  # SQL is also read from Rust strings
PLACEHOLDER_IDENT = "__tmpl__"

# Blanks and comments before the keyword, then an optional "(" and more of them. One
# blank per repetition: ``(?:\s+)*`` would try every split of a run of blanks
# (exponential time on an indented string that is not SQL).
_LEAD = r"(?:\s|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*"
SQL_START_RE = lazy(
    r"""\A"""
    + _LEAD
    + r"""(?:\("""
    + _LEAD
    + r""")?
    (SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|MERGE|UPSERT|REPLACE|
     EXPLAIN|COPY|GRANT|REVOKE|VACUUM|ANALY[SZ]E|REFRESH|LOCK|BEGIN|COMMIT|ROLLBACK|
     SAVEPOINT|RELEASE|SET|SHOW|RESET|LISTEN|NOTIFY|UNLISTEN|DECLARE|FETCH|CLOSE|PREPARE|
     DEALLOCATE|EXECUTE|CALL|DO|COMMENT|REINDEX|CLUSTER|VALUES|TABLE|START\s+TRANSACTION|
     PRAGMA|ATTACH|DETACH)
    (?=\s|\(|\*|;|\Z)""",
    re.I | re.S | re.X,
)


_STRUCTURE_RE = lazy(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\S+\s+SET\b|\bDELETE\s+FROM\b|"
    r"\bCREATE\s+(?:OR\s+REPLACE\s+|UNIQUE\s+|TEMP(?:ORARY)?\s+)*(?:TABLE|INDEX|VIEW|FUNCTION|TRIGGER|TYPE|SCHEMA|EXTENSION|SEQUENCE|MATERIALIZED)\b|"
    r"\b(?:ALTER|DROP|TRUNCATE)\s+(?:TABLE|INDEX|VIEW|SCHEMA|TYPE|FUNCTION|SEQUENCE|EXTENSION|MATERIALIZED)\b|"
    r"\bWITH\s+(?:RECURSIVE\s+)?\w+\s*(?:\([^)]*\)\s*)?AS\s*\(",
    re.I | re.S,
)


# Statements other than queries and DML, in the shape they take when a program sends them
# (often with a formatted name or value the parser cannot read: ``KILL %s``, ``SET x TO {v}``).
# Anchored at the start and specific enough that "set the flag" or a Redis ``SET k v`` is no match.
_COMMAND_RE = lazy(
    r"""\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*(?:
      KILL\s+(?:QUERY\s+|CONNECTION\s+)?(?:\d+|\s0\s)\s*;?\s*\Z
    | SET\s+(?:SESSION\s+|LOCAL\s+|GLOBAL\s+)?(?:
          (?:[a-z_][\w.]*|@@?[\w.]+)\s*(?:=|\bTO\b)
        | (?:SESSION\s+)?(?:TRANSACTION|CHARACTERISTICS|NAMES|ROLE|TIME\s+ZONE|SCHEMA|CONSTRAINTS|
             FOREIGN_KEY_CHECKS|AUTOCOMMIT|SQL_MODE)\b)
    | COPY\s+\S+(?:\s*\([^)]*\))?\s+(?:FROM|TO)\s+(?:STDIN|STDOUT|PROGRAM\b|'|\s0\s)
    | COPY\s+\(\s*(?:SELECT|WITH|VALUES)\b
    | TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?["`\w.]+(?:\s*,\s*["`\w.]+)*\s*(?:RESTART|CONTINUE|CASCADE|RESTRICT|;|\Z)
    | TRUNCATE\s+(?:TABLE\s+)?\s0\s
    | (?:ALTER|DROP|CREATE)\s+(?:OR\s+REPLACE\s+)?(?:DATABASE|ROLE|USER|SEQUENCE|SCHEMA|EXTENSION|POLICY|TRIGGER|
         PUBLICATION|SUBSCRIPTION|SERVER|TABLESPACE|DOMAIN|RULE|COLLATION|PROCEDURE)
         \s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:["`\w.@']+|\s0\s)\s*(?:;|,|\Z|\(|WITH\b|SET\b|RENAME\b|OWNER\b|
         CASCADE\b|RESTRICT\b|ON\b|AS\b|IDENTIFIED\b|ADD\b|DROP\b|FOR\b|TO\b|FROM\b|ENCODING\b|TEMPLATE\b|
         INCREMENT\b|START\b|RESTART\b|OWNED\b|BEFORE\b|AFTER\b|INSTEAD\b|LOGIN\b|NOLOGIN\b|PASSWORD\b|
         CHARACTER\b|DEFAULT\b|AUTHORIZATION\b|CONNECTION\b|VALID\b|IN\b)
    | ALTER\s+SYSTEM\s+(?:SET|RESET)\b | DROP\s+OWNED\s+BY\b | ALTER\s+DEFAULT\s+PRIVILEGES\b
    | CREATE\s+TEMP(?:ORARY)?\s+VIEW\b
    | (?:GRANT|REVOKE)\s+(?:GRANT\s+OPTION\s+FOR\s+)?
         (?:(?:SELECT|INSERT|UPDATE|DELETE|TRUNCATE|REFERENCES|TRIGGER|USAGE|CREATE|CONNECT|TEMP(?:ORARY)?|EXECUTE|
             ALL(?:\s+PRIVILEGES)?|PROCESS|RELOAD|SUPER|FILE|SET|MAINTAIN)(?:\s*\([^)]*\))?\s*,?\s*)+\s+ON\s+
    | (?:GRANT|REVOKE)\s+(?:["\w]+|\s0\s)\s+(?:TO|FROM)\s+(?:["\w]+|\s0\s)\s*;?\s*\Z
    | VACUUM(?:\s+(?:FULL|FREEZE|VERBOSE|ANALYZE|\([^)]*\)))*(?:\s+["\w.]+|\s0\s)?\s*;?\s*\Z
    | ANALY[SZ]E\s+(?:VERBOSE\s+)?(?:["\w.]+|\s0\s)\s*;?\s*\Z
    | REINDEX\s+(?:\([^)]*\)\s*)?(?:TABLE|INDEX|DATABASE|SCHEMA|SYSTEM)\b
    | REFRESH\s+MATERIALIZED\s+VIEW\b
    | LOCK\s+(?:TABLE\s+)?(?:ONLY\s+)?["\w.]+\s+IN\s+\w+
    | (?:LISTEN|UNLISTEN|NOTIFY)\s+(?:["\w.]+|\s0\s)\s*(?:,|;|\Z)
    | WITH\s+(?:RECURSIVE\s+)?(?:\w+|\s0\s)\s*(?:\([^)]*\)\s*)?AS\s+(?:NOT\s+)?(?:MATERIALIZED\s+)?\(
    )""",
    re.I | re.S | re.X,
)


def looks_like_sql(text: str) -> bool:
    """Starts with a SQL keyword, and either parses or has the shape of a statement."""
    if SQL_START_RE.match(text) is None and not re.match(r"\s*KILL\b", text, re.I):
        return False
    if _STRUCTURE_RE.search(text):
        return True
    if _COMMAND_RE.match(text):
        # "Drop user {name} from the list" is a sentence: SQL keywords are not Capitalised
        first = text.split(None, 1)[0].lstrip("(")
        return not (len(first) > 1 and first[0].isupper() and first[1:].islower())
    from ..core.sql import parse_statement

    clean, _ = clean_sql(text.strip().rstrip(";"), 0, qmark=True)
    kind, _, error = parse_statement(clean)
    return error is None and kind is not None


# -- sites ---------------------------------------------------------------------------------


@dataclass
class Hole:
    """A value spliced into SQL text: ``{expr}``, ``${expr}``, ``%s`` + operand, ``+ expr``."""

    node: Node | None  # the expression supplying the value (None when it cannot be told)
    host_start: int  # what the hole occupies in the host file
    host_end: int
    dec_start: int = 0  # its placeholder in the decoded SQL (bytes)
    dec_end: int = 0
    value: bool = False  # sits where a value goes (so a bind parameter can replace it)
    quoted: bool = False  # wrapped exactly by SQL quotes: '{x}'
    in_literal: bool = False  # inside a SQL string literal: '%{x}%'
    spec: str = ""  # a format spec / conversion (f-string ``!r``/``:>3``, ``%d``)


@dataclass
class SqlSite:
    """One SQL string passed to a database call."""

    language: str
    call: Node  # tree-sitter node of the call
    method: str  # the called name: execute, fetch, query, $queryRaw, QueryContext, text ...
    receiver: str  # text of the object the method is called on ("" for plain functions)
    arg: Node  # the argument node (may be an identifier)
    expr: Node  # the string-valued expression (the assigned value when arg is a variable)
    formatting: (
        str | None
    )  # fstring | percent | format | concat | template | sprintf | tagged | None
    holes: list[Hole]
    decoded: str  # the SQL as the program builds it, holes replaced by placeholders
    decode_map: OffsetMap  # decoded bytes -> host bytes
    region: Region
    style: str  # placeholder style for new parameters: %s | $ | ? | :name
    assignment: Node | None = None  # the assignment node when arg is a variable
    params: list = field(default_factory=list)  # parameter argument nodes after the SQL
    extra: dict = field(default_factory=dict)

    @property
    def arg_index(self) -> int:
        return self.extra.get("arg_index", 0)


# -- escape decoding -----------------------------------------------------------------------

_PY_ESCAPE = lazy(
    r"\\(?:\r\n|\n|[0-7]{1,3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}]*\}|.)", re.S
)
_JS_ESCAPE = lazy(
    r"\\(?:\r\n|\n|x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|[0-7]{1,3}|.)", re.S
)
_GO_ESCAPE = lazy(r"\\(?:[0-7]{3}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)
_SIMPLE = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "a": "\a",
    "0": "\0",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "$": "$",
    "{": "{",
    "}": "}",
}


def _decode_escape(esc: str, lang: str) -> str | None:
    """The character an escape stands for; None keeps the text as written."""
    body = esc[1:]
    if body in ("\n", "\r\n"):
        return ""  # line continuation
    if lang in {"python", "go"}:
        if body in "ntrbfva\\'\"" and len(body) == 1:
            return _SIMPLE[body]
    elif len(body) == 1 and body in _SIMPLE:
        return _SIMPLE[body]
    try:
        if body[0] == "x":
            return chr(int(body[1:], 16))
        if body[0] == "u" and body[1:2] == "{":
            return chr(int(body[2:-1], 16))
        if body[0] in "uU":
            return chr(int(body[1:], 16))
        if body[0] in "01234567":
            return chr(int(body, 8))
        if body[0] == "N" and lang == "python":
            import unicodedata

            return unicodedata.lookup(body[2:-1])
    except (ValueError, KeyError, OverflowError):
        return None
    if lang in {"python", "go"}:
        return None  # unknown escapes keep the backslash in Python (and are errors in Go)
    return body  # JavaScript: a needless escape is the character itself


class _Builder:
    """Decoded text plus the map back to the host, built piece by piece."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.map = OffsetMap()
        self.length = 0  # bytes

    def copy(self, text: str, host_start: int) -> None:
        n = len(text.encode("utf-8", "surrogatepass"))
        if n:
            self.parts.append(text)
            self.map.copy(n, host_start)
            self.length += n

    def replace(self, text: str, host_start: int, host_len: int) -> None:
        n = len(text.encode("utf-8", "surrogatepass"))
        self.parts.append(text)
        self.map.replace(n, host_start, host_len)
        self.length += n

    @property
    def text(self) -> str:
        return "".join(self.parts)


# A string expression is first flattened into segments, then holes are given a
# placeholder that suits where they sit (a bind parameter where a value goes, an
# identifier elsewhere) so that the SQL still parses.
@dataclass
class _Text:
    text: str
    host_start: int
    host_len: int
    copy: bool


def _literal_segments(
    raw: str, host_start: int, lang: str, *, raw_string: bool, braces: bool = False
) -> list[_Text]:
    """Segments of a literal's content (between its quotes)."""
    out: list[_Text] = []
    pattern = {"python": _PY_ESCAPE, "go": _GO_ESCAPE}.get(lang, _JS_ESCAPE)
    pos_char = 0
    pos_byte = host_start

    def plain(chunk: str) -> None:
        nonlocal pos_byte
        if not chunk:
            return
        if braces:  # f-string / str.format: {{ and }} stand for one brace
            i = 0
            for m in re.finditer(r"\{\{|\}\}", chunk):
                before = chunk[i : m.start()]
                if before:
                    out.append(
                        _Text(before, pos_byte, len(before.encode("utf-8", "surrogatepass")), True)
                    )
                    pos_byte += len(before.encode("utf-8", "surrogatepass"))
                out.append(_Text(m.group(0)[0], pos_byte, 2, False))
                pos_byte += 2
                i = m.end()
            chunk = chunk[i:]
            if not chunk:
                return
        n = len(chunk.encode("utf-8", "surrogatepass"))
        out.append(_Text(chunk, pos_byte, n, True))
        pos_byte += n

    if not raw_string and "\\" in raw:
        for m in pattern.finditer(raw):
            plain(raw[pos_char : m.start()])
            esc = m.group(0)
            n = len(esc.encode("utf-8", "surrogatepass"))
            decoded = _decode_escape(esc, lang)
            if decoded is None:
                out.append(_Text(esc, pos_byte, n, True))
            else:
                out.append(_Text(decoded, pos_byte, n, False))
            pos_byte += n
            pos_char = m.end()
    plain(raw[pos_char:])
    return out


# -- value positions ---------------------------------------------------------------------------

_VALUE_BEFORE = lazy(
    r"(?:<>|!=|<=|>=|=|<|>|\bLIKE|\bILIKE|\bLIMIT|\bOFFSET|\bBETWEEN|\bTHEN|\bELSE|\bSIMILAR\s+TO|"
    r"\bIS\s+DISTINCT\s+FROM|\|\||\+|-|\*|/|\bINTERVAL)\s*\Z",
    re.I,
)
_LIST_OPENERS = lazy(r"(?:\bIN|\bVALUES|\bANY|\bALL|\bCOALESCE|\bARRAY)\s*\Z", re.I)


def value_position(before: str, after: str) -> tuple[bool, bool]:
    """(is a value position, wrapped exactly in SQL quotes) for a hole between two texts."""
    if before.endswith("'") and after.startswith("'") and not before.endswith("''"):
        inner_before = before[:-1]
        # a quoted value: '...' right after an operator or in a list
        return _is_value(inner_before, after[1:]), True
    return _is_value(before, after), False


def _is_value(before: str, after: str) -> bool:
    if re.match(r"[\w.\"$]", after or " ") or re.search(r"[\w.\"$:]\Z", before):
        return False  # part of a longer name: user_{id}, {schema}.table
    if _VALUE_BEFORE.search(before):
        # BETWEEN a AND b: the AND belongs to BETWEEN
        return True
    if re.search(r"\bAND\s*\Z", before, re.I) and re.search(
        r"\bBETWEEN\s+\S+\s+AND\s*\Z", before, re.I
    ):
        return True
    if re.search(r"[(,]\s*\Z", before):
        depth = 0
        for i in range(len(before) - 1, -1, -1):
            c = before[i]
            if c == ")":
                depth += 1
            elif c == "(":
                if depth == 0:
                    head = before[:i]
                    if (
                        re.search(r"\bIN\s*\Z", head, re.I)
                        and re.match(r"\s*\(\s*\Z", before[i:])
                        and re.match(r"\s*\)", after)
                    ):
                        return False  # IN ({ids}): the hole is probably a whole list
                    return bool(_LIST_OPENERS.search(head))
                depth -= 1
        return False
    return False


def _inside_sql_string(before: str) -> bool:
    """Is the end of ``before`` inside a '...' literal (comments and quoted names skipped)?"""
    inside = False
    i = 0
    n = len(before)
    while i < n:
        c = before[i]
        if inside:
            if c == "'":
                if i + 1 < n and before[i + 1] == "'":
                    i += 2
                    continue
                inside = False
        elif c == "'":
            inside = True
        elif c == "-" and before.startswith("--", i):
            j = before.find("\n", i)
            if j == -1:
                return False
            i = j
        elif c == '"':
            j = before.find('"', i + 1)
            if j == -1:
                return False
            i = j
        i += 1
    return inside


# -- per-language call tables ---------------------------------------------------------------

PY_METHODS = {
    "execute",
    "executemany",
    "executescript",
    "mogrify",
    "fetch",
    "fetchrow",
    "fetchval",
    "fetch_all",
    "fetch_one",
    "fetch_val",
    "iterate",
    "raw",
    "exec_driver_sql",
    "copy_expert",
    "text",
    "execute_values",
    "execute_batch",
    "read_sql",
    "read_sql_query",
    "RawSQL",
    "copy",
    "run",
}
PY_SECOND_ARG = {"execute_values", "execute_batch"}
# Calls that take a piece of SQL (a condition, an expression, an ORDER BY) rather than a
# statement. Their strings are no regions (they do not parse alone); IV010 reads their holes.
PY_FRAGMENT_METHODS = {"extra", "literal_column", "text", "RawSQL", "raw", "run"}
JS_FRAGMENT_METHODS = {
    "whereRaw",
    "orWhereRaw",
    "andWhereRaw",
    "havingRaw",
    "orHavingRaw",
    "orderByRaw",
    "groupByRaw",
    "joinRaw",
    "fromRaw",
    "literal",
    "raw",
    "where",
    "andWhere",
    "orWhere",
    "having",
    "andHaving",
    "orHaving",
    "orderBy",
    "addOrderBy",
    "query",
}
GO_FRAGMENT_METHODS = {
    "Where",
    "Or",
    "Not",
    "Having",
    "Order",
    "Joins",
    "Group",
    "Raw",
    "Exec",
    "And",
    "SQL",
    "OrderExpr",
    "WhereOr",
    "ColumnExpr",
    "TableExpr",
    "Query",
    "QueryOne",
}
JS_METHODS = {
    "query",
    "execute",
    "raw",
    "$queryRaw",
    "$executeRaw",
    "$queryRawUnsafe",
    "$executeRawUnsafe",
    "sql",
    "unsafe",
    "prepare",
    "exec",
    "run",
    "all",
    "get",
    "each",
    "one",
    "oneOrNone",
    "many",
    "manyOrNone",
    "any",
    "none",
    "result",
}
JS_TAGGED = {"sql", "$queryRaw", "$executeRaw", "SQL"}
GO_METHODS = {
    "Query",
    "QueryRow",
    "QueryContext",
    "QueryRowContext",
    "Exec",
    "ExecContext",
    "Prepare",
    "PrepareContext",
    "Get",
    "Select",
    "GetContext",
    "SelectContext",
    "NamedExec",
    "NamedExecContext",
    "NamedQuery",
    "NamedQueryContext",
    "Queryx",
    "QueryRowx",
    "QueryxContext",
    "QueryRowxContext",
    "MustExec",
    "MustExecContext",
    "Raw",
    "Queue",
    "Preparex",
    "PreparexContext",
    "QueryOne",
    "RawQuery",
}


def _any_of(names: Iterable[str]) -> str:
    return " ".join(f'"{n}"' for n in sorted(names))


PY_CALLS = f"""
(call function: [(attribute object: (_) @obj attribute: (identifier) @method)
                 (identifier) @method]
      arguments: (argument_list) @args
  (#any-of? @method {_any_of(PY_METHODS | PY_FRAGMENT_METHODS)})) @call
"""
JS_CALLS = f"""
(call_expression function: [(member_expression object: (_) @obj property: (property_identifier) @method)
                            (identifier) @method]
                 arguments: [(arguments) (template_string)] @args
  (#any-of? @method {_any_of(JS_METHODS | JS_FRAGMENT_METHODS)})) @call
"""
_GO_CALL_METHODS = frozenset(GO_METHODS | GO_FRAGMENT_METHODS)
GO_CALLS = f"""
(call_expression function: (selector_expression operand: (_) @obj field: (field_identifier) @method)
                 arguments: (argument_list) @args
  (#any-of? @method {_any_of(GO_METHODS | GO_FRAGMENT_METHODS)})) @call
"""


def _whole_identifiers(names: Iterable[str], then: str = "") -> re.Pattern[str]:
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    # (compiled on first use: the pre-check itself searches by stem, see _name_patterns)
    return lazy(rf"(?<![\w$])(?:{alternatives})(?![\w$]){then}")


# The method names each query's ``#any-of?`` accepts, as whole identifiers: a file that
# names none of them has no call the query can match (identifiers are source text). In
# Python the name of a call is followed by its ``(``, with only blanks, line continuations
# and (inside brackets) comments between: ``text`` or ``run`` alone in a docstring is no call.
_PY_CALL_THEN = PY_GAP + r"\("
# (in JavaScript and TypeScript: the parenthesis, a template string, type arguments, an
# optional chain or a non-null assertion next, blanks and comments between)
# blanks and comments, read one way only: a line comment runs to the end of its line (were
# it allowed to stop anywhere, a failed search would try every way of cutting a `////`
# banner into comments: 2 ** its length)
_JS_GAP = r"(?:\s|/\*(?:[^*]|\*(?!/))*\*/|//[^\n]*(?:\n|\Z))*"
_JS_CALL_THEN = _JS_GAP + r"[(`<?!]"
_CALL_NAMES = {
    PY_CALLS: _whole_identifiers(PY_METHODS | PY_FRAGMENT_METHODS, then=_PY_CALL_THEN),
    JS_CALLS: _whole_identifiers(JS_METHODS | JS_FRAGMENT_METHODS, then=_JS_CALL_THEN),
    GO_CALLS: _whole_identifiers(GO_METHODS | GO_FRAGMENT_METHODS),
}
# the JavaScript names anywhere, as other application languages are asked about them
_JS_NAMES_ANYWHERE = _whole_identifiers(JS_METHODS | JS_FRAGMENT_METHODS)


def _stems(names: Iterable[str]) -> tuple[str, ...]:
    """The names no other name begins with: every name starts with one of them."""
    return tuple(sorted(n for n in names if not any(m != n and n.startswith(m) for m in names)))


_CALL_THEN = {
    PY_CALLS: _PY_CALL_THEN,
    JS_CALLS: _JS_CALL_THEN,
    GO_CALLS: "",
}
_CALL_NAME_SETS = {
    PY_CALLS: frozenset(PY_METHODS | PY_FRAGMENT_METHODS),
    JS_CALLS: frozenset(JS_METHODS | JS_FRAGMENT_METHODS),
    GO_CALLS: frozenset(GO_METHODS | GO_FRAGMENT_METHODS),
}


@functools.cache
def _name_patterns(names: frozenset[str], then: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The ``names`` by stem, to find them as ``_CALL_NAMES`` does (whole identifiers,
    ``then`` after them): (stem, the rests of the names that start with it, longest first)
    for each stem. A substring search finds a stem fastest; the rests are compared where it
    is (no pattern is compiled for them: a run would compile one per stem and language)."""
    return tuple(
        (
            stem,
            tuple(
                sorted((n[len(stem) :] for n in names if n.startswith(stem)), key=len, reverse=True)
            ),
        )
        for stem in _stems(names)
    )


@functools.cache
def _then(then: str) -> re.Pattern[str] | None:
    return re.compile(then) if then else None


def _calls_in(
    text: str, patterns: tuple[tuple[str, tuple[str, ...]], ...], then: str, may_hold
) -> bool:
    """Whether one of the names of ``patterns`` (:func:`_name_patterns`) is in ``text`` as a
    whole identifier followed by ``then`` (a pattern), where ``may_hold(text, start, end)``
    (when given) says the call can hold SQL. Where a name starts, its rests are tried in
    order, the first that fits decides (as an alternation of the rests would)."""
    follow = _then(then)
    for stem, rests in patterns:
        at = text.find(stem)
        while at != -1:
            if at == 0 or _IDENT_CHAR.match(text, at - 1) is None:  # the name starts here
                after = at + len(stem)
                for rest in rests:
                    if not text.startswith(rest, after):
                        continue
                    end = after + len(rest)
                    if _IDENT_CHAR.match(text, end) is not None:
                        continue  # a longer identifier
                    if follow is not None:
                        found = follow.match(text, end)
                        if found is None:
                            continue
                        end = found.end()
                    if may_hold is None or may_hold(text, at, end):
                        return True
                    break  # this call cannot hold SQL: the next place the stem is
            at = text.find(stem, at + 1)
    return False


# A JavaScript string literal or template starting the way SQL_START_RE (or KILL) wants the
# text of a statement to start: after blanks (escaped ones too) and opening parentheses a
# keyword, or a comment (its end is not looked for)
_JS_SQL_LITERAL = lazy(
    r"""['"`](?:\s|\\[ntrvf]|\\\r?\n|\()*"""
    r"""(?:(?:SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|TRUNCATE|MERGE|UPSERT|REPLACE|"""
    r"""EXPLAIN|COPY|GRANT|REVOKE|VACUUM|ANALY[SZ]E|REFRESH|LOCK|BEGIN|COMMIT|ROLLBACK|"""
    r"""SAVEPOINT|RELEASE|SET|SHOW|RESET|LISTEN|NOTIFY|UNLISTEN|DECLARE|FETCH|CLOSE|PREPARE|"""
    r"""DEALLOCATE|EXECUTE|CALL|DO|COMMENT|REINDEX|CLUSTER|VALUES|TABLE|START|PRAGMA|ATTACH|"""
    r"""DETACH|KILL)(?![\w$])|--|/\*)""",
    re.I,
)


_JS_NO_ARGUMENTS = lazy(_JS_GAP + r"\)")


def _js_call_may_hold_sql(text: str, start: int, end: int) -> bool:
    """Whether the JavaScript/TypeScript call whose name starts at ``start`` (the pre-check's
    match ends at ``end``, after the parenthesis or the template string's backtick ...) can
    pass the finder a SQL string: a tagged template always can; a call with parentheses
    needs arguments and, but for ``literal``, a receiver (``db.query(...)``, not ``get()``)."""
    last = text[end - 1]
    if last == "`":
        return True
    if last == "(" and _JS_NO_ARGUMENTS.match(text, end):
        return False
    if text.startswith("literal", start) and not _IDENT_CHAR.match(text, start + 7):
        return True
    before = start - 1
    while before >= 0 and text[before] in " \t\r\n":
        before -= 1
    # a dot (``.`` or ``?.``) before the name; a comment's end (``/``) might hide one
    return before >= 0 and text[before] in "./"


# Python calls the finder takes without a receiver (the others are methods: ``cur.execute``)
PY_BARE_CALLS = frozenset(
    {
        "text",
        "RawSQL",
        "execute_values",
        "execute_batch",
        "read_sql",
        "read_sql_query",
        "literal_column",
    }
)
_IDENT_CHAR = re.compile(r"[\w$]")
_PY_NO_ARGUMENTS = re.compile(PY_GAP + r"\)")
_PY_NAME = re.compile(r"\w+")


def _py_call_may_hold_sql(text: str, start: int, paren_end: int) -> bool:
    """Whether the Python call whose name starts at ``start`` (its parenthesis ends at
    ``paren_end``) can pass the finder a SQL string: it has arguments, and a method is called
    on something (``x.copy()``, ``run(main())`` and ``copy(x)`` cannot)."""
    if _PY_NO_ARGUMENTS.match(text, paren_end):
        return False
    name = _PY_NAME.match(text, start)
    if name is not None and name.group() in PY_BARE_CALLS:
        return True
    before = start - 1
    while before >= 0 and text[before] in " \t\\":
        before -= 1
    # a dot before the name, or the name first on its line (a dot or a comment may end the
    # line before, inside brackets)
    return before < 0 or text[before] in ".\n\r"


def _calls_named(doc) -> bool:
    """:func:`names_a_call` for a document (asked for its statements and for its fragments:
    answered once per text)."""
    key = ("names a call", doc.language)
    hit = doc._cache.get(key)
    if hit is None or hit[0] is not doc.text:
        hit = doc._cache[key] = (doc.text, names_a_call(doc.language or "", doc.text))
    return hit[1]


def names_a_call(lang: str, text: str) -> bool:
    """Whether ``text`` (application code in ``lang``) can hold a database call the finder
    takes SQL from: a call the finder's query matches (``_CALL_NAMES`` matches somewhere in
    it) with arguments and a receiver where the finder needs one; in JavaScript and
    TypeScript a call of a method that takes whole statements only counts when a string
    literal of the file starts like one. When it cannot, the file needs no syntax tree for
    its SQL strings."""
    src = PY_CALLS if lang == "python" else GO_CALLS if lang == "go" else JS_CALLS
    names = _CALL_NAME_SETS[src]
    if src == PY_CALLS:
        return _calls_in(
            text, _name_patterns(names, _PY_CALL_THEN), _PY_CALL_THEN, _py_call_may_hold_sql
        )
    if src == GO_CALLS:
        return _calls_in(text, _name_patterns(names, ""), "", None)
    if lang not in ("javascript", "typescript", "tsx"):  # the names, asked from another language
        return _calls_in(text, _name_patterns(names, ""), "", None)
    # a query-builder fragment's SQL need not start with a keyword; a statement's does, and
    # every piece of its text comes from the file's string literals
    fragments = _name_patterns(frozenset(JS_FRAGMENT_METHODS), _JS_CALL_THEN)
    if _calls_in(text, fragments, _JS_CALL_THEN, _js_call_may_hold_sql):
        return True
    if _JS_SQL_LITERAL.search(text) is None:
        return False  # no string of the module starts like a statement
    statements = _name_patterns(frozenset(JS_METHODS - JS_FRAGMENT_METHODS), _JS_CALL_THEN)
    return _calls_in(text, statements, _JS_CALL_THEN, _js_call_may_hold_sql)


_PY_IMPORT_QMARK = lazy(
    r"^[^\S\n]*(?:import|from)\s+(?:sqlite3|aiosqlite|pyodbc|duckdb|apsw)\b", re.M
)
_PY_IMPORT_ASYNCPG = lazy(r"^[^\S\n]*(?:import|from)\s+asyncpg\b", re.M)
# ``from tagflow import tag, text``: a bare ``text(...)`` of that module is no SQL
_PY_FROM_IMPORT = lazy(r"^[^\S\n]*from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n]*)", re.M)
_SQL_MODULE = lazy(r"sql|database|(?:^|\.)db(?:$|\.)", re.I)
_JS_QMARK = lazy(
    r"""(?:require\(|from\s+)['"](?:mysql2?(?:/promise)?|sqlite3?|better-sqlite3|knex|mariadb|@databases/mysql|sql\.js)['"]"""
)
_GO_QMARK = lazy(
    r'"(?:github\.com/go-sql-driver/mysql|github\.com/mattn/go-sqlite3|modernc\.org/sqlite|gorm\.io/gorm|github\.com/jinzhu/gorm)"'
)


# -- building sites -----------------------------------------------------------------------------


class _Finder:
    def __init__(self, ctx: Context, tree):
        self.ctx = ctx
        self.doc = ctx.document
        self.data = ctx.document.data
        # only built for application code (``app_tree`` parses APP_LANGUAGES only)
        self.lang: str = ctx.document.language or ""
        self.tree = tree
        self._scopes: dict[tuple[int, int], dict[str, list]] = {}
        self._asyncpg: bool | None = None
        self._foreign_text: bool | None = None
        # the sites found at each database call (by its index among the matches), shared
        # by the statements and the fragments of one analysis
        self._found: dict[int, list] = {}

    @property
    def _imports_asyncpg(self) -> bool:
        """Whether the module imports asyncpg (looked up once per document, not per call)."""
        if self._asyncpg is None:
            text = self.doc.text
            self._asyncpg = "asyncpg" in text and _PY_IMPORT_ASYNCPG.search(text) is not None
        return self._asyncpg

    @property
    def _text_is_foreign(self) -> bool:
        """Whether the module's bare ``text`` is imported from a module that is no SQL library
        (an HTML builder's ``text()``): then ``text(f"...")`` holds no SQL."""
        if self._foreign_text is None:
            foreign = False
            source = self.doc.text
            if "import" in source:
                for m in _PY_FROM_IMPORT.finditer(source):
                    names = m.group(2).strip("() \t\r\n").replace("\n", " ").split(",")
                    if any(n.split("#")[0].strip() == "text" for n in names):
                        foreign = _SQL_MODULE.search(m.group(1)) is None
            self._foreign_text = foreign
        return self._foreign_text

    # ---- scopes and assignments -------------------------------------------------------

    _SCOPE_TYPES = {
        "python": ("function_definition", "lambda"),
        "go": ("function_declaration", "method_declaration", "func_literal"),
        "rust": ("function_item", "closure_expression"),
    }
    _JS_SCOPES = (
        "function_declaration",
        "function_expression",
        "arrow_function",
        "method_definition",
        "generator_function_declaration",
        "function",
    )

    def scope_of(self, node):
        types = self._SCOPE_TYPES.get(self.lang, self._JS_SCOPES)
        n = node.parent
        while n is not None:
            if n.type in types:
                return n
            n = n.parent
        return self.tree.root_node

    _ASSIGN_Q = {
        "python": """
            (assignment left: (identifier) @name right: (_) @value) @assign
            (augmented_assignment left: (identifier) @name operator: "+=" right: (_) @value) @augment
            (named_expression name: (identifier) @name value: (_) @value) @assign
        """,
        "js": """
            (variable_declarator name: (identifier) @name value: (_) @value) @assign
            (assignment_expression left: (identifier) @name right: (_) @value) @assign
            (augmented_assignment_expression left: (identifier) @name operator: "+=" right: (_) @value) @augment
        """,
        "go": """
            (short_var_declaration left: (expression_list . (identifier) @name .) right: (expression_list . (_) @value .)) @assign
            (assignment_statement left: (expression_list . (identifier) @name .) operator: "=" right: (expression_list . (_) @value .)) @assign
            (assignment_statement left: (expression_list . (identifier) @name .) operator: "+=" right: (expression_list . (_) @value .)) @augment
            (var_spec name: (identifier) @name value: (expression_list . (_) @value .)) @assign
            (const_spec name: (identifier) @name value: (expression_list . (_) @value .)) @assign
        """,
        "rust": """
            (let_declaration pattern: [(identifier) @name (mut_pattern (identifier) @name)] value: (_) @value) @assign
            (assignment_expression left: (identifier) @name right: (_) @value) @assign
            (compound_assignment_expr left: (identifier) @name operator: "+=" right: (_) @value) @augment
        """,
    }

    def assignments(self, scope) -> dict[str, list[tuple[str, Node, Node]]]:
        """name -> [(assign|augment, value node, statement node)] in source order, for one scope."""
        key = (scope.start_byte, scope.end_byte)
        cached = self._scopes.get(key)
        if cached is not None:
            return cached
        qlang = "js" if self.lang in ("javascript", "typescript", "tsx") else self.lang
        found: dict[str, list] = {}
        for _, caps in languages.matches(self.lang, self._ASSIGN_Q[qlang], scope):
            kind = "augment" if "augment" in caps else "assign"
            stmt = caps[kind][0]
            name = _text(caps["name"][0], self.data)
            value = caps["value"][0]
            # only assignments that belong to this scope (not to a nested function)
            if scope is not self.tree.root_node and self.scope_of(stmt) != scope:
                continue
            if scope is self.tree.root_node and self.scope_of(stmt) != scope:
                continue
            found.setdefault(name, []).append((kind, value, stmt))
        for v in found.values():
            v.sort(key=lambda t: t[2].start_byte)
        self._scopes[key] = found
        return found

    def resolve(self, ident, before: int):
        """(value expressions to concatenate, the assignment node) of a local string variable."""
        name = _text(ident, self.data)
        scope = self.scope_of(ident)
        for sc in (scope, self.tree.root_node) if scope is not self.tree.root_node else (scope,):
            entries = [e for e in self.assignments(sc).get(name, []) if e[2].start_byte < before]
            if not entries:
                continue
            # the last plain assignment, then the += (or `x = x + ...`) that follow it
            pieces: list = []
            for kind, value, stmt in reversed(entries):
                if kind == "augment":
                    pieces[0:0] = [value]
                    continue
                rest = self._self_concat(value, name)
                if rest is not None:
                    pieces[0:0] = rest
                    continue
                pieces[0:0] = [value]
                if sc is self.tree.root_node and scope is not sc and len(pieces) > 1:
                    return None, None
                return pieces, stmt
            return None, None
        return None, None

    def _self_concat(self, value, name: str) -> list | None:
        """The operands after ``name`` in ``name + a + b`` (None when the value does not extend itself)."""
        operands: list = []
        node = value
        while node.type in ("binary_operator", "binary_expression"):
            op = node.child_by_field_name("operator")
            if op is None or op.type != "+":
                return None
            operands.insert(0, node.child_by_field_name("right"))
            node = node.child_by_field_name("left")
        if node.type == "identifier" and _text(node, self.data) == name and operands:
            return operands
        return None

    # ---- segments of string expressions --------------------------------------------------

    def segments(self, node, formatting: list) -> list | None:
        """Flatten a string expression into _Text and Hole items (None if it is not one)."""
        t = node.type
        data = self.data
        lang = self.lang
        if t == "parenthesized_expression":
            inner = [c for c in node.named_children if c.type != "comment"]
            return self.segments(inner[0], formatting) if len(inner) == 1 else None
        if lang == "python":
            if t == "string":
                return self._py_string(node, formatting)
            if t == "concatenated_string":
                out = []
                for child in node.named_children:
                    if child.type == "comment":
                        continue
                    segs = self._py_string(child, formatting) if child.type == "string" else None
                    if segs is None:
                        return None
                    out += segs
                return out
            if t == "binary_operator":
                op = node.child_by_field_name("operator")
                left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                if op is not None and op.type == "+":
                    return self._concat(left, right, formatting)
                if (
                    op is not None
                    and op.type == "%"
                    and left.type in ("string", "concatenated_string")
                ):
                    base = self.segments(left, [])
                    if base is None:
                        return None
                    formatting.append("percent")
                    return self._conversions(base, right, "percent")
                return None
            if t == "call":
                fn = node.child_by_field_name("function")
                if (
                    fn is not None
                    and fn.type == "attribute"
                    and _text(fn.child_by_field_name("attribute"), data) == "join"
                ):
                    joined = [
                        a
                        for a in node.child_by_field_name("arguments").named_children
                        if a.type != "comment"
                    ]
                    if len(joined) != 1:
                        return None
                    return self._join(fn.child_by_field_name("object"), joined[0], formatting)
                if (
                    fn is not None
                    and fn.type == "attribute"
                    and _text(fn.child_by_field_name("attribute"), data) == "format"
                ):
                    obj = fn.child_by_field_name("object")
                    if obj.type in ("string", "concatenated_string"):
                        base = (
                            self._py_string(obj, [], braces_fields=True)
                            if obj.type == "string"
                            else None
                        )
                        if base is None:
                            return None
                        formatting.append("format")
                        return self._format_fields(base, node.child_by_field_name("arguments"))
            return None
        if lang in ("javascript", "typescript", "tsx"):
            if t == "string":
                raw = _text(node, data)
                return _literal_segments(raw[1:-1], node.start_byte + 1, lang, raw_string=False)
            if t == "template_string":
                return self._js_template(node, formatting)
            if t == "binary_expression":
                op = node.child_by_field_name("operator")
                if op is not None and op.type == "+":
                    return self._concat(
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                        formatting,
                    )
            if t == "call_expression":
                return self._js_call(node, formatting)
            return None
        if lang == "go":
            if t == "raw_string_literal":
                raw = _text(node, data)
                return _literal_segments(raw[1:-1], node.start_byte + 1, lang, raw_string=True)
            if t == "interpreted_string_literal":
                raw = _text(node, data)
                return _literal_segments(raw[1:-1], node.start_byte + 1, lang, raw_string=False)
            if t == "binary_expression":
                op = node.child_by_field_name("operator")
                if op is not None and op.type == "+":
                    return self._concat(
                        node.child_by_field_name("left"),
                        node.child_by_field_name("right"),
                        formatting,
                    )
            if t == "call_expression":
                fn = node.child_by_field_name("function")
                if fn is not None and _text(fn, data) == "fmt.Sprintf":
                    args = [
                        a
                        for a in node.child_by_field_name("arguments").named_children
                        if a.type != "comment"
                    ]
                    if not args:
                        return None
                    base = self.segments(args[0], [])
                    if base is None or any(isinstance(s, Hole) for s in base):
                        return None
                    formatting.append("sprintf")
                    return self._conversions(base, args[1:], "sprintf")
                if fn is not None and _text(fn, data) == "strings.Join":
                    args = [
                        a
                        for a in node.child_by_field_name("arguments").named_children
                        if a.type != "comment"
                    ]
                    if len(args) != 2:
                        return None
                    return self._join(args[1], args[0], formatting)
            return None
        return None

    # ---- pieces joined into one string: " ".join(parts), parts.join(" "), strings.Join ----

    def _js_call(self, node, formatting) -> list | None:
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if fn is None or args is None:
            return None
        name = _text(fn, self.data)
        arg_nodes = [a for a in args.named_children if a.type != "comment"]
        if fn.type == "member_expression":
            prop = _text(fn.child_by_field_name("property"), self.data)
            obj = fn.child_by_field_name("object")
            if prop == "join" and len(arg_nodes) <= 1:
                sep = arg_nodes[0] if arg_nodes else None
                return self._join(sep, obj, formatting, sep_default=",")
            if prop == "concat" and obj.type in ("string", "template_string", "binary_expression"):
                base = self.segments(obj, formatting)
                if base is None:
                    return None
                out = list(base)
                for a in arg_nodes:
                    segs = self.segments(a, formatting)
                    if segs is None:
                        out.append(Hole(a, a.start_byte, a.end_byte))
                        if "concat" not in formatting:
                            formatting.append("concat")
                    else:
                        out += segs
                return out
        if name in ("util.format", "format") and arg_nodes:
            base = self.segments(arg_nodes[0], [])
            if base is None or any(isinstance(s, Hole) for s in base):
                return None
            formatting.append("utilformat")
            return self._conversions(base, arg_nodes[1:], "utilformat")
        return None

    def _join(self, sep, items, formatting, sep_default: str = "") -> list | None:
        """The pieces of a list joined with a literal separator, in source order."""
        if sep is not None:
            sep_segs = self.segments(sep, [])
            if sep_segs is None or any(isinstance(x, Hole) for x in sep_segs):
                return None
            sep_text, sep_start, sep_len = (
                "".join(x.text for x in sep_segs),
                sep.start_byte,
                sep.end_byte - sep.start_byte,
            )
        else:
            sep_text, sep_start, sep_len = sep_default, items.end_byte, 0
        elements = self._list_items(items)
        if elements is None:
            return None
        out: list = []
        for i, el in enumerate(elements):
            if i:
                out.append(_Text(sep_text, sep_start, sep_len, False))
            segs = self.segments(el, formatting)
            if segs is None:
                out.append(Hole(el, el.start_byte, el.end_byte))
                if "join" not in formatting:
                    formatting.append("join")
            else:
                out += segs
        if not any(isinstance(x, _Text) and x.text.strip() for x in out):
            return None
        if "join" not in formatting:
            formatting.append("join")
        return out

    _LIST_TYPES = ("list", "tuple", "array", "composite_literal")

    def _list_items(self, node, depth: int = 0) -> list | None:
        """Elements of a list literal, or of a local list variable with its later appends."""
        t = node.type
        if t in self._LIST_TYPES:
            if t == "composite_literal":
                body = node.child_by_field_name("body")
                if body is None:
                    return None
                return [
                    c.named_children[0] if c.type == "literal_element" and c.named_children else c
                    for c in body.named_children
                    if c.type != "comment"
                ]
            return [c for c in node.named_children if c.type != "comment"]
        if t != "identifier" or depth > 2:
            return None
        name = _text(node, self.data)
        scope = self.scope_of(node)
        items: list = []
        found = False
        for kind, value, stmt in self.assignments(scope).get(name, []):
            if stmt.start_byte >= node.start_byte:
                break
            if kind == "assign":
                if value.type in self._LIST_TYPES:
                    items, found = list(self._list_items(value) or []), True
                elif (
                    self.lang == "go"
                    and value.type == "call_expression"
                    and _text(value.child_by_field_name("function"), self.data) == "append"
                ):
                    arguments = value.child_by_field_name("arguments")
                    args = [
                        a
                        for a in (arguments.named_children if arguments is not None else [])
                        if a.type != "comment"
                    ]
                    if args and _text(args[0], self.data) == name:
                        items += args[1:]
                        found = True
                else:
                    items, found = [], False
            elif value.type in self._LIST_TYPES:  # parts += [...]
                items += self._list_items(value) or []
        # parts.append(x) / parts.push(x) / parts.extend([...])
        method_q = {
            "python": "(call function: (attribute object: (identifier) @o attribute: (identifier) @m) arguments: (argument_list) @a) @c",
            "go": None,
        }.get(
            self.lang,
            "(call_expression function: (member_expression object: (identifier) @o property: (property_identifier) @m) arguments: (arguments) @a) @c",
        )
        if method_q is not None:
            calls = []
            for _, caps in languages.matches(self.lang, method_q, scope):
                c = caps["c"][0]
                if c.start_byte >= node.start_byte or _text(caps["o"][0], self.data) != name:
                    continue
                m = _text(caps["m"][0], self.data)
                args = [a for a in caps["a"][0].named_children if a.type != "comment"]
                if m in ("append", "push") and args:
                    calls.append((c.start_byte, args))
                elif m == "extend" and len(args) == 1 and args[0].type in self._LIST_TYPES:
                    calls.append((c.start_byte, self._list_items(args[0]) or []))
            if calls:
                found = True
                # appends after the last plain assignment, in source order
                merged = sorted(calls, key=lambda x: x[0])
                for _, args in merged:
                    items += args
        return items if found else None

    def _concat(self, left, right, formatting) -> list | None:
        out = []
        any_literal = False
        for operand in (left, right):
            segs = self.segments(operand, formatting)
            if segs is None:
                out.append(Hole(operand, operand.start_byte, operand.end_byte))
                if "concat" not in formatting:
                    formatting.append("concat")
            else:
                any_literal = True
                out += segs
        return out if any_literal else None

    def _py_string(self, node, formatting, braces_fields: bool = False) -> list | None:
        data = self.data
        start = node.child(0)
        end = node.child(node.child_count - 1)
        if start is None or start.type != "string_start" or end.type != "string_end":
            return None
        prefix = _text(start, data).rstrip("'\"").lower()
        if "b" in prefix:
            return None
        raw_string = "r" in prefix
        fstring = "f" in prefix or "t" in prefix
        content_start = start.end_byte
        content_end = end.start_byte
        holes = [c for c in node.named_children if c.type == "interpolation"] if fstring else []
        out: list = []
        pos = content_start
        for h in holes + [None]:
            stop = h.start_byte if h is not None else content_end
            raw = data[pos:stop].decode("utf-8", "surrogatepass")
            out += _literal_segments(raw, pos, "python", raw_string=raw_string, braces=fstring)
            if h is not None:
                expr = h.named_children[0] if h.named_children else None
                spec = "".join(
                    _text(c, data)
                    for c in h.named_children[1:]
                    if c.type in ("type_conversion", "format_specifier")
                )
                out.append(Hole(expr, h.start_byte, h.end_byte, spec=spec))
                pos = h.end_byte
        if holes:
            formatting.append("fstring")
        if braces_fields:
            out = self._split_fields(out)
        return out

    def _split_fields(self, segs: list) -> list:
        """str.format: turn {} / {0} / {name} fields of literal text into holes (node filled later)."""
        out = []
        for s in segs:
            if not isinstance(s, _Text) or not s.copy or "{" not in s.text:
                out.append(s)
                continue
            i = 0
            b = s.host_start
            for m in re.finditer(r"\{\{|\}\}|\{([^{}]*)\}", s.text):
                before = s.text[i : m.start()]
                if before:
                    out.append(_Text(before, b, len(before.encode()), True))
                    b += len(before.encode())
                n = len(m.group(0).encode())
                if m.group(0) in ("{{", "}}"):
                    out.append(_Text(m.group(0)[0], b, 2, False))
                else:
                    field_name = m.group(1).split("!")[0].split(":")[0]
                    spec = m.group(1)[len(field_name) :]
                    hole = Hole(None, b, b + n, spec=spec)
                    hole.field = field_name  # type: ignore[attr-defined]
                    out.append(hole)
                b += n
                i = m.end()
            rest = s.text[i:]
            if rest:
                out.append(_Text(rest, b, len(rest.encode()), True))
        return out

    def _format_fields(self, segs: list, arglist) -> list:
        positional = [
            a for a in arglist.named_children if a.type not in ("keyword_argument", "comment")
        ]
        keywords = {}
        for a in arglist.named_children:
            if a.type == "keyword_argument":
                keywords[_text(a.child_by_field_name("name"), self.data)] = a.child_by_field_name(
                    "value"
                )
        if any(a.type in ("list_splat", "dictionary_splat") for a in arglist.named_children):
            positional, keywords = [], {}
        auto = 0
        for s in segs:
            if isinstance(s, Hole) and hasattr(s, "field"):
                name = s.field
                if name == "":
                    s.node = positional[auto] if auto < len(positional) else None
                    auto += 1
                elif name.isdigit():
                    i = int(name)
                    s.node = positional[i] if i < len(positional) else None
                elif name.isidentifier():
                    s.node = keywords.get(name)
        return segs

    _CONV_RE = {
        "percent": lazy(r"%%|%(\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifrxXeEgGcoa]"),
        "sprintf": lazy(r"%%|%()[-+# 0]*(?:\d+)?(?:\.\d+)?[vTtbcdoOqxXUeEfFgGsp]"),
        "utilformat": lazy(r"%%|%()[sdifjoOc]"),
    }

    def _conversions(self, segs: list, operands, kind: str) -> list:
        """``"... %s" % (a, b)`` and ``fmt.Sprintf("... %s", a)``: conversions become holes."""
        if kind == "percent":
            right = operands
            while right.type == "parenthesized_expression" and right.named_child_count == 1:
                right = right.named_children[0]
            if right.type == "tuple":
                values = [v for v in right.named_children if v.type != "comment"]
                by_name = None
            elif right.type == "dictionary":
                values = None
                by_name = {}
                for pair in right.named_children:
                    if pair.type == "pair" and pair.child_by_field_name("key").type == "string":
                        key = _text(pair.child_by_field_name("key"), self.data)[1:-1]
                        by_name[key] = pair.child_by_field_name("value")
            else:
                values, by_name = [right], None
        else:
            values, by_name = list(operands), None
        out = []
        i = 0
        for s in segs:
            if not isinstance(s, _Text) or not s.copy or "%" not in s.text:
                out.append(s)
                continue
            b = s.host_start
            pos = 0
            for m in self._CONV_RE[kind].finditer(s.text):
                before = s.text[pos : m.start()]
                if before:
                    out.append(_Text(before, b, len(before.encode()), True))
                    b += len(before.encode())
                n = len(m.group(0).encode())
                if m.group(0) == "%%":
                    out.append(_Text("%", b, 2, False))
                else:
                    if m.group(1):
                        node = (by_name or {}).get(m.group(1)[1:-1])
                    else:
                        node = values[i] if values is not None and i < len(values) else None
                        i += 1
                    out.append(Hole(node, b, b + n, spec=m.group(0)))
                b += n
                pos = m.end()
            rest = s.text[pos:]
            if rest:
                out.append(_Text(rest, b, len(rest.encode()), True))
        return out

    def _js_template(self, node, formatting) -> list:
        data = self.data
        out: list = []
        pos = node.start_byte + 1
        end = node.end_byte - 1
        subs = [c for c in node.named_children if c.type == "template_substitution"]
        for sub in subs + [None]:
            stop = sub.start_byte if sub is not None else end
            raw = data[pos:stop].decode("utf-8", "surrogatepass")
            out += _literal_segments(raw, pos, self.lang, raw_string=False)
            if sub is not None:
                expr = sub.named_children[0] if sub.named_children else None
                out.append(Hole(expr, sub.start_byte, sub.end_byte))
                pos = sub.end_byte
        if subs:
            formatting.append("template")
        return out

    # ---- sites ---------------------------------------------------------------------------

    def sites(self, fragments: bool = False) -> list[SqlSite]:
        """SQL statements passed to database calls; with ``fragments``, only the formatted
        pieces of SQL (conditions, expressions) passed to query-builder calls instead."""
        lang = self.lang
        src = PY_CALLS if lang == "python" else GO_CALLS if lang == "go" else JS_CALLS
        text = self.doc.text
        if not _calls_named(self.doc):
            return []  # no method the query asks for is called anywhere: it cannot match
        if lang == "python":
            qmark = bool(_PY_IMPORT_QMARK.search(text))
        elif lang == "go":
            qmark = bool(_GO_QMARK.search(text))
        else:
            qmark = bool(_JS_QMARK.search(text))
        out: list[SqlSite] = []
        seen: set[tuple[int, int]] = set()
        statement_methods = (
            PY_METHODS if lang == "python" else GO_METHODS if lang == "go" else JS_METHODS
        )
        for k, caps in enumerate(self._call_matches(src)):
            call = caps["call"][0]
            method = _text(caps["method"][0], self.data)
            obj = caps.get("obj", [None])[0]
            args = caps["args"][0]
            found = self._found.get(k)
            if found is None:
                found = []
                try:
                    if lang == "python" and method == "extra":
                        if fragments and obj is not None:
                            found = [
                                self._site(call, method, obj, args, qmark, arg=a, fragments=True)
                                for a in self._extra_args(args)
                            ]
                    elif fragments or method in statement_methods:
                        # a statement call is read once for both: the statement and, when
                        # its text is no statement, the fragment it may be
                        found = [self._site(call, method, obj, args, qmark, fragments=True)]
                        self._found[k] = found
                except RecursionError:  # a pathologically deep concatenation
                    found = self._found[k] = []
            for site in found:
                if site is None or bool(site.extra.get("fragment")) != fragments:
                    continue
                key = (site.expr.start_byte, site.expr.end_byte)
                if key in seen:
                    continue
                seen.add(key)
                out.append(site)
        out.sort(key=lambda s: s.expr.start_byte)
        return out

    def _call_matches(self, src: str) -> list[dict]:
        """The query's matches on this tree, found once for the statements and the fragments."""
        cache = self.doc._cache
        key = ("database calls", src)
        hit = cache.get(key)
        if hit is None or hit[0] is not self.tree:
            if src is GO_CALLS:
                # the file's method calls, which the routes read too, with a method named here
                # (the same matches in the same order as GO_CALLS's own query)
                from ..lang.go import selector_calls

                calls, names = selector_calls(self.doc, self.tree)
                found = [
                    {"obj": m["obj"], "method": m["field"], "args": m["args"], "call": m["call"]}
                    for (_, m), name in zip(calls, names, strict=True)
                    if name in _GO_CALL_METHODS
                ]
            else:
                found = [caps for _, caps in languages.matches(self.lang, src, self.tree.root_node)]
            hit = cache[key] = (self.tree, found)
        return hit[1]

    def _extra_args(self, args) -> list:
        """The SQL strings of Django's ``.extra(where=[...], select={...}, order_by=[...])``."""
        out = []
        for a in args.named_children:
            if a.type != "keyword_argument":
                continue
            if _text(a.child_by_field_name("name"), self.data) not in (
                "where",
                "select",
                "order_by",
                "tables",
            ):
                continue
            value = a.child_by_field_name("value")
            if value.type in ("list", "tuple"):
                out += [c for c in value.named_children if c.type != "comment"]
            elif value.type == "dictionary":
                out += [
                    p.child_by_field_name("value") for p in value.named_children if p.type == "pair"
                ]
        return out

    def _site(
        self, call, method, obj, args, qmark, arg=None, fragments: bool = False
    ) -> SqlSite | None:
        lang = self.lang
        data = self.data
        receiver = _text(obj, data) if obj is not None else ""
        tagged = False
        statement_call = method in (
            PY_METHODS if lang == "python" else GO_METHODS if lang == "go" else JS_METHODS
        )
        fragment_call = method in (
            PY_FRAGMENT_METHODS
            if lang == "python"
            else GO_FRAGMENT_METHODS
            if lang == "go"
            else JS_FRAGMENT_METHODS
        )
        if not statement_call and not fragments:
            return None
        if arg is not None:
            params: list = []
            index = 0
        elif lang == "python":
            if (
                method == "text"
                and obj is not None
                and receiver not in ("sa", "sqlalchemy", "sql", "expression")
            ):
                return None
            if method == "RawSQL" and obj is not None and receiver not in ("expressions", "models"):
                return None
            if obj is None and method not in PY_BARE_CALLS:
                return None
            if obj is None and method == "text" and self._text_is_foreign:
                return None
            positional = [
                a for a in args.named_children if a.type not in ("keyword_argument", "comment")
            ]
            index = 1 if method in PY_SECOND_ARG else 0
            if method in ("execute_values", "execute_batch") and obj is not None:
                index = 1 if receiver in ("extras", "psycopg2.extras") else 0
            arg = positional[index] if index < len(positional) else None
            if arg is None:
                for a in args.named_children:
                    if a.type == "keyword_argument" and _text(
                        a.child_by_field_name("name"), data
                    ) in ("query", "sql", "operation", "statement"):
                        arg = a.child_by_field_name("value")
            if arg is None:
                return None
            params = positional[index + 1 :]
        elif lang == "go":
            positional = [a for a in args.named_children if a.type != "comment"]
            arg = None
            index = 0
            for i, a in enumerate(positional[:3]):
                if a.type in (
                    "interpreted_string_literal",
                    "raw_string_literal",
                    "binary_expression",
                    "identifier",
                    "call_expression",
                    "parenthesized_expression",
                ):
                    if a.type == "identifier" and _text(a, data) in ("ctx", "nil"):
                        continue
                    if a.type == "call_expression" and _text(
                        a.child_by_field_name("function"), data
                    ) not in ("fmt.Sprintf", "strings.Join"):
                        continue
                    arg, index = a, i
                    break
            if arg is None:
                return None
            params = positional[index + 1 :]
        elif args.type == "template_string":
            if method not in JS_TAGGED:
                return None
            tagged = True
            arg = args
            index = 0
            params = []
        else:
            if method == "sql" or method in ("$queryRaw", "$executeRaw"):
                return None
            if obj is None and method != "literal":
                return None
            positional = [a for a in args.named_children if a.type != "comment"]
            if not positional:
                return None
            arg, index = positional[0], 0
            params = positional[1:]
        expr = arg
        assignment = None
        formatting: list[str] = []
        if arg.type == "identifier":
            values, assignment = self.resolve(arg, call.start_byte)
            if not values:
                return None
            collected: list = []
            for i, v in enumerate(values):
                part = self.segments(v, formatting)
                if part is None:
                    if i == 0:
                        return None
                    part = [Hole(v, v.start_byte, v.end_byte)]  # sql += where_clause
                    if "concat" not in formatting:
                        formatting.append("concat")
                collected += part
            segs = collected
            expr = values[0] if len(values) == 1 else values[0]
            if len(values) > 1:
                formatting.append("augmented")
        else:
            parsed = self.segments(arg, formatting)
            if parsed is None:
                return None
            segs = parsed
        if tagged:
            formatting = ["tagged"]
        probe = "".join(s.text if isinstance(s, _Text) else " 0 " for s in segs)
        fragment = False
        if not statement_call or not looks_like_sql(probe):
            if (
                not fragments
                or not fragment_call
                or tagged
                or not any(isinstance(s, Hole) for s in segs)
                or not formatting
                or not any(isinstance(s, _Text) and s.text.strip() for s in segs)
            ):
                return None
            if (
                statement_call
                and SQL_START_RE.match(probe) is None
                and lang != "python"
                and method in ("query", "Query")
            ):
                return None  # a query() that takes no SQL (an HTTP client, a search index)
            fragment = True
        style = self._style(method, probe, qmark, tagged)
        decoded, dmap, holes = self._materialise(segs, tagged)
        clean, cmap = clean_sql(decoded, 0, qmark=(style == "?"))
        region_map = cmap.compose(dmap)
        host_start = expr.start_byte
        host_end = values[-1].end_byte if "augmented" in formatting else expr.end_byte
        if lang == "python" and method == "text":
            kind = "text"
        else:
            kind = f"{receiver.rsplit('.', 1)[-1]}.{method}" if receiver else method
        region = Region(
            clean,
            region_map,
            kind=kind,
            host_start=host_start,
            host_end=host_end,
            meta={"language": lang, "method": method},
        )
        site = SqlSite(
            lang,
            call,
            method,
            receiver,
            arg,
            expr,
            formatting[0] if formatting else None,
            holes,
            decoded,
            dmap,
            region,
            style,
            assignment,
            params,
            {"arg_index": index, "args": args},
        )
        if "augmented" in formatting:
            site.extra["augmented"] = True
        if fragment:
            site.extra["fragment"] = True
        if "join" in formatting or "utilformat" in formatting:
            site.extra["joined"] = True  # pieces assembled elsewhere: no single literal to rewrite
        # weak: the site holds its region and the syntax tree's nodes; a strong reference
        # back made a cycle that kept each analysis' whole tree (tree-sitter's memory) alive
        # until a full garbage collection, in an editor hundreds of megabytes after many edits
        region.meta["site"] = weakref.ref(site)
        return site

    def _style(self, method: str, sql: str, qmark: bool, tagged: bool) -> str:
        lang = self.lang
        if tagged:
            return "tagged"
        if lang == "python":
            if (
                method in ("fetch", "fetchrow", "fetchval")
                or self._imports_asyncpg
                and "%s" not in sql
            ):
                return "$"
            if method in ("text", "exec_driver_sql") and not re.search(r"%s|%\(", sql):
                return ":name"
            if method in ("fetch_all", "fetch_one", "fetch_val", "iterate"):
                return ":name"
            if qmark:
                return "?"
            return "%s"
        if lang == "go":
            if method == "Raw" or "?" in sql and "$1" not in sql:
                return "?"  # GORM's Raw takes ? on every dialect
            return "?" if qmark and "$1" not in sql else "$"
        if method in ("raw",) or qmark:
            return "?" if "$1" not in sql else "$"
        if method in ("$queryRawUnsafe", "$executeRawUnsafe"):
            return "$"
        return "$"

    @staticmethod
    def _materialise(segs: list, tagged: bool) -> tuple[str, OffsetMap, list[Hole]]:
        marker = "\ue000"
        probe_parts = []
        for s in segs:
            probe_parts.append(s.text if isinstance(s, _Text) else marker)
        probe = "".join(probe_parts)
        pieces = probe.split(marker)
        holes = [s for s in segs if isinstance(s, Hole)]
        for i, h in enumerate(holes):
            before = "".join(pieces[: i + 1])
            before = before.replace(marker, " 0 ")
            after = marker.join(pieces[i + 1 :]).replace(marker, " 0 ")
            h.value, h.quoted = value_position(before, after)
            h.in_literal = _inside_sql_string(before)
        b = _Builder()
        n = 900
        for s in segs:
            if isinstance(s, _Text):
                if s.copy:
                    b.copy(s.text, s.host_start)
                else:
                    b.replace(s.text, s.host_start, s.host_len)
            else:
                if tagged or s.value and not s.quoted:
                    n += 1
                    text = f"${n}"
                elif s.quoted:
                    text = "x"
                else:
                    text = PLACEHOLDER_IDENT
                s.dec_start = b.length
                b.replace(text, s.host_start, s.host_end - s.host_start)
                s.dec_end = b.length
        return b.text, b.map, holes


def app_tree(ctx: Context):
    """The parsed tree of a file of application code (None for other files)."""
    lang = ctx.document.language
    if lang is None or lang not in APP_LANGUAGES:
        return None
    return languages.parse(ctx.document.data, lang)


def embedded_sql(ctx: Context) -> list[SqlSite]:
    """Every SQL string passed to a database call in the document."""
    lang = ctx.document.language
    if lang != "rust" and lang in APP_LANGUAGES and not _calls_named(ctx.document):
        return []  # no call to look at: the file is not parsed for it
    tree = ctx.fact("app_tree")
    if tree is None:
        return []
    if ctx.document.language == "rust":
        from ..lang import rust

        return rust.sql_sites(ctx, tree)
    return _finder(ctx, tree).sites()


def embedded_sql_fragments(ctx: Context) -> list[SqlSite]:
    """Formatted pieces of SQL (conditions, expressions, ORDER BY) passed to query builders."""
    lang = ctx.document.language
    if lang != "rust" and lang in APP_LANGUAGES and not _calls_named(ctx.document):
        return []
    tree = ctx.fact("app_tree")
    if tree is None:
        return []
    if ctx.document.language == "rust":
        from ..lang import rust

        return rust.sql_sites(ctx, tree, fragments=True)
    return _finder(ctx, tree).sites(fragments=True)


def _finder(ctx: Context, tree) -> _Finder:
    """A finder for the document's tree that shares, within one analysis, what it found at
    each database call: the statements and the fragments are read in one walk of the calls.
    (The analysis keeps the found sites, not the finder: a finder refers to the analysis,
    and that cycle would keep each analysis alive until a full garbage collection.)"""
    finder = _Finder(ctx, tree)
    shared = ctx.facts.get("_sql_sites_found")
    if shared is None or shared[0] is not tree:
        shared = ctx.facts["_sql_sites_found"] = (tree, finder._found)
    finder._found = shared[1]
    return finder


def find_regions(ctx: Context) -> list[Region]:
    return [site.region for site in ctx.fact("embedded_sql") or []]
