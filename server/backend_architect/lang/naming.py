"""Names in generated code: singular/plural, pascal/camel/snake case, and SQL types as Python, TypeScript and Go types."""

from __future__ import annotations

import re

PY_KEYWORDS = {
    "id",
    "type",
    "from",
    "class",
    "def",
    "import",
    "global",
    "pass",
    "in",
    "is",
    "not",
    "and",
    "or",
    "with",
    "as",
    "return",
    "yield",
    "lambda",
    "del",
    "raise",
    "try",
    "for",
    "while",
    "if",
    "else",
    "elif",
    "async",
    "await",
    "None",
    "True",
    "False",
    "list",
    "filter",
    "format",
    "hash",
    "input",
    "object",
    "open",
    "range",
    "set",
    "sum",
    "map",
    "min",
    "max",
    "dict",
    "str",
    "int",
}


def singular(word: str) -> str:
    w = word
    if w.endswith("ies") and len(w) > 3:
        return w[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z)es$", w):
        return w[:-2]
    if w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def plural(word: str) -> str:
    if word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if re.search(r"(sh|ch|x|z)$", word):
        return word + "es"
    return word + "s"


def words(name: str) -> list[str]:
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]


def pascal(name: str) -> str:
    out = "".join(w[:1].upper() + w[1:].lower() for w in words(name))
    return out or "Item"


def camel(name: str) -> str:
    p = pascal(name)
    return p[:1].lower() + p[1:]


def snake(name: str) -> str:
    return "_".join(w.lower() for w in words(name)) or "item"


def go_field(name: str) -> str:
    out = ""
    for w in words(name):
        lw = w.lower()
        out += (
            lw.upper()
            if lw in ("id", "url", "uuid", "ip", "api", "http", "json", "sql")
            else lw[:1].upper() + lw[1:]
        )
    return out or "Field"


def py_param(name: str) -> str:
    n = snake(name)
    return n + "_" if n in PY_KEYWORDS and n != "id" else n


def base_type(sql_type: str) -> str:
    t = sql_type.lower()
    return re.sub(r"\(.*\)", "", t).strip()


def py_type(sql_type: str) -> str:
    t = base_type(sql_type)
    if t.endswith("[]"):
        return "list"
    if t in ("bigint", "integer", "smallint", "int", "serial", "bigserial"):
        return "int"
    if t in ("real", "double precision", "numeric", "decimal", "float"):
        return "float"
    if t == "boolean":
        return "bool"
    if t in ("timestamptz", "timestamp", "timestamp with time zone", "timestamp without time zone"):
        return "datetime"
    if t == "date":
        return "date"
    if t in ("json", "jsonb"):
        return "Any"
    if t == "bytea":
        return "bytes"
    return "str"


def ts_type(sql_type: str) -> str:
    t = base_type(sql_type)
    if t.endswith("[]"):
        return "unknown[]"
    if t in ("integer", "smallint", "int", "real", "double precision"):
        return "number"
    if t in ("bigint", "numeric", "decimal"):
        return "string"  # node-postgres returns int8 and numeric as strings
    if t == "boolean":
        return "boolean"
    if t.startswith("timestamp") or t == "date":
        return "Date"
    if t in ("json", "jsonb"):
        return "unknown"
    if t == "bytea":
        return "Buffer"
    return "string"


def go_type(sql_type: str, nullable: bool) -> str:
    t = base_type(sql_type)
    if t.endswith("[]"):
        base = "[]string"
    elif t == "bigint":
        base = "int64"
    elif t in ("integer", "int"):
        base = "int32"
    elif t == "smallint":
        base = "int16"
    elif t in ("real", "double precision", "numeric", "decimal"):
        base = "float64"
    elif t == "boolean":
        base = "bool"
    elif t.startswith("timestamp") or t == "date":
        base = "time.Time"
    elif t in ("json", "jsonb", "bytea"):
        base = "[]byte"
    else:
        base = "string"
    if nullable and not base.startswith("[]"):
        return "*" + base
    return base


def py_literal(default: str | None) -> str | None:
    """A Python literal for a constant SQL default, or None."""
    if default is None:
        return None
    d = default.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", d):
        return d
    if d.lower() in ("true", "false"):
        return d.capitalize()
    if d.startswith("'") and d.endswith("'"):
        return repr(d[1:-1])
    if d.upper() == "NULL":
        return "None"
    return None


def js_literal(default: str | None) -> str | None:
    lit = py_literal(default)
    if lit is None:
        return None
    return {"True": "true", "False": "false", "None": "null"}.get(lit, lit)
