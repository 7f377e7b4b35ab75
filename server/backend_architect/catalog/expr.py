"""A small, canonical rendering of libpg_query expression nodes.

Used to store index expressions and defaults as text, and to compare an
expression in a query (``lower(u.email)``) with an index expression
(``lower(email)``): column qualifiers are dropped and casts are written one way.
"""

from __future__ import annotations

from ..core.sql import name_list

_TYPE_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "bool": "boolean",
    "float4": "real",
    "float8": "double precision",
    "bpchar": "char",
    "varchar": "varchar",
    "timestamptz": "timestamptz",
    "timestamp": "timestamp",
    "timetz": "timetz",
    "numeric": "numeric",
    "interval": "interval",
}


def type_text(type_name: dict | None) -> str:
    """``varchar(255)``, ``bigint``, ``timestamptz``, ``text[]`` from a TypeName node."""
    if not type_name:
        return "?"
    tn = type_name.get("TypeName", type_name)
    names = [n for n in name_list(tn.get("names")) if n != "pg_catalog"]
    base = ".".join(names) or "?"
    base = _TYPE_NAMES.get(base, base)
    mods = [render(m) for m in tn.get("typmods") or []]
    if (
        tn.get("names")
        and name_list(tn["names"])[-1] in ("timestamp", "timestamptz", "time", "timetz")
        and mods == ["6"]
    ):
        mods = []
    text = base + (f"({', '.join(mods)})" if mods else "")
    if tn.get("arrayBounds"):
        text += "[]" * len(tn["arrayBounds"])
    if tn.get("setof"):
        text = "setof " + text
    return text


def type_base(type_name: dict | None) -> str:
    """The last name of a TypeName (``int4``, ``varchar``, ``serial``), lower case."""
    if not type_name:
        return ""
    tn = type_name.get("TypeName", type_name)
    names = name_list(tn.get("names"))
    return names[-1].lower() if names else ""


def render(node) -> str:
    """Canonical text of an expression node (best effort; unknown forms become ``…``)."""
    if not isinstance(node, dict) or not node:
        return "…"
    kind, body = next(iter(node.items()))
    if not isinstance(body, dict):
        return "…"
    if kind == "ColumnRef":
        fields = body.get("fields") or []
        if fields and "A_Star" in fields[-1]:
            return "*"
        names = name_list(fields)
        return names[-1] if names else "…"
    if kind == "A_Const":
        if body.get("isnull"):
            return "NULL"
        for key, val in body.items():
            if key == "ival":
                return str(val.get("ival", 0))
            if key == "fval":
                return str(val.get("fval"))
            if key == "sval":
                return "'" + str(val.get("sval", "")).replace("'", "''") + "'"
            if key == "boolval":
                return "true" if val.get("boolval") else "false"
            if key == "bsval":
                return str(val.get("bsval"))
        return "…"
    if kind == "Integer":
        return str(body.get("ival", 0))
    if kind == "String":
        return body.get("sval", "")
    if kind == "FuncCall":
        names = [n for n in name_list(body.get("funcname")) if n != "pg_catalog"]
        args = ", ".join(render(a) for a in body.get("args") or [])
        if body.get("agg_star"):
            args = "*"
        return f"{'.'.join(names).lower()}({args})"
    if kind == "TypeCast":
        return f"({render(body.get('arg'))})::{type_text(body.get('typeName'))}"
    if kind == "SQLValueFunction":
        return body.get("op", "SVFOP_?").replace("SVFOP_", "").lower()
    if kind == "A_Expr":
        op = ".".join(name_list(body.get("name"))) or "?"
        left = render(body.get("lexpr")) if body.get("lexpr") else ""
        right = body.get("rexpr")
        if isinstance(right, list):
            rtext = "(" + ", ".join(render(r) for r in right) + ")"
        else:
            rtext = render(right) if right else ""
        kind_name = body.get("kind", "AEXPR_OP")
        if kind_name == "AEXPR_IN":
            return f"{left} {'IN' if op == '=' else 'NOT IN'} {rtext}"
        return f"{left} {op} {rtext}".strip()
    if kind == "BoolExpr":
        joiner = {"AND_EXPR": " AND ", "OR_EXPR": " OR "}.get(body.get("boolop", ""))
        operands = [render(a) for a in body.get("args") or []]
        if joiner is None:
            return "NOT " + (operands[0] if operands else "…")
        return "(" + joiner.join(operands) + ")"
    if kind == "NullTest":
        return f"{render(body.get('arg'))} IS {'NOT ' if body.get('nulltesttype') == 'IS_NOT_NULL' else ''}NULL"
    if kind == "ParamRef":
        return f"${body.get('number', 0)}"
    if kind == "CoalesceExpr":
        return "coalesce(" + ", ".join(render(a) for a in body.get("args") or []) + ")"
    if kind == "BooleanTest":
        return f"{render(body.get('arg'))} IS {body.get('booltesttype', '').replace('IS_', '').replace('_', ' ').lower()}"
    return "…"
