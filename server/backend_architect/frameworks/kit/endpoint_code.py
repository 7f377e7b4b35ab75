"""Code generation shared by the frameworks' ENDPOINT generators."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ...lang import naming
from ...lang import python as pylang

if TYPE_CHECKING:
    pass

OPERATIONS = ("list", "get", "create", "replace", "update", "delete")


def max_len(sql_type: str) -> int | None:
    m = re.search(r"\((\d+)\)", sql_type)
    return (
        int(m.group(1))
        if m and naming.base_type(sql_type) in ("varchar", "char", "character varying")
        else None
    )


def py_annotation(f) -> str:
    """The Python type of a resource field as a client sends it."""
    if f.json:
        return "dict[str, Any] | list[Any]"
    if f.array:
        return f"list[{naming.py_type(f.sql_type[:-2])}]"
    return f.py_type


_PY_CHECKS = {"int": "int", "float": "(int, float)", "bool": "bool", "str": "str"}


def py_check(f) -> str:
    """The isinstance() check of a field in the Flask/Django validators."""
    if f.json:
        return "(dict, list)"
    if f.array:
        return "list"
    return _PY_CHECKS.get(f.py_type, "str" if f.py_type in ("date", "datetime") else "object")


def py_fields_table(r, up: str) -> list[str]:
    """``<UP>_FIELDS``: what a client may send (never generated, server-filled or sensitive
    columns), and ``<UP>_OUTPUT``: what a response carries."""
    L = [f"{up}_FIELDS = {{"]
    for f in r.input_fields:
        L.append(
            f"    {f.name!r}: ({py_check(f)}, {f.required!r}, {f.nullable!r}, {max_len(f.sql_type)!r}),  # type, required, nullable, max length"
        )
    if r.password_hash is not None:  # write-only; stored hashed
        L.append(f"    'password': (str, {r.password_hash.required!r}, False, 256),")
    L.append("}")
    L += py_output(r, up)
    return L


def py_output(r, up: str) -> list[str]:
    L = [f"{up}_OUTPUT = {tuple(f.name for f in r.output_fields)!r}"]
    if r.required_hidden:
        names = ", ".join(f.name for f in r.required_hidden)
        L.append(
            f"# {names}: required by the table but never taken from clients nor returned; "
            "fill it in the create handler (e.g. hash a password the client sends)."
        )
    return L


def py_password(r) -> list[str]:
    """``hash_password()`` (standard library scrypt) when the table keeps a password hash:
    the endpoints take a write-only ``password`` and store only its hash."""
    if r.password_hash is None:
        return []
    return [
        "def hash_password(password: str) -> str:",
        '    """scrypt with a random salt: ``scrypt$n$r$p$salt$hash`` (hex)."""',
        "    salt = os.urandom(16)",
        "    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)",
        '    return f"scrypt$16384$8$1${salt.hex()}${digest.hex()}"',
        "",
        "",
    ]


def py_hash_password_lines(r, values: str = "values", indent: str = "    ") -> list[str]:
    """Replace a sent ``password`` by the hash column's value."""
    if r.password_hash is None:
        return []
    return [  # a password sent as null (PUT, PATCH) leaves the stored hash as it is
        f'{indent}password = {values}.pop("password", None)',
        f"{indent}if password is not None:",
        f"{indent}    {values}[{r.password_hash.name!r}] = hash_password(password)",
    ]


def py_public(one: str, up: str) -> list[str]:
    """``<one>_public(row)``: the row without the fields a response must not carry."""
    return [
        f"def {one}_public(row: dict[str, Any]) -> dict[str, Any]:",
        f"    return {{k: row[k] for k in {up}_OUTPUT if k in row}}",
    ]


def py_validator(one: str, up: str, write_only: tuple[str, ...] = ()) -> list[str]:
    """`validate_<one>(payload, mode)`: checks a JSON body against `<UP>_FIELDS` (the
    Flask and Django modules share it; FastAPI validates with Pydantic instead). ``mode``:
    "create" (the required fields), "replace" (PUT: every field but the write-only ones,
    a nullable one may be null) or "update" (PATCH: only what is sent)."""
    L: list[str] = []
    a = L.append
    a(
        f"def validate_{one}(payload: Any, mode: str) -> tuple[dict[str, Any], list[dict[str, str]]]:"
    )
    a('    """The accepted fields and a list of {field, message} problems; mode: "create",')
    a('    "replace" (PUT: a full replacement) or "update" (PATCH: a partial one)."""')
    a("    if not isinstance(payload, dict):")
    a('        return {}, [{"field": "", "message": "expected a JSON object"}]')
    a("    details = []")
    a(f"    for name in sorted(set(payload) - set({up}_FIELDS)):")
    a('        details.append({"field": name, "message": "unknown field"})')
    a("    values = {}")
    a(f"    for name, (kind, required, nullable, max_len) in {up}_FIELDS.items():")
    a("        if name not in payload:")
    replace = (
        f'mode == "replace" and name not in {write_only!r}' if write_only else 'mode == "replace"'
    )
    a(f'            if required and mode == "create" or {replace}:')
    a('                details.append({"field": name, "message": "is required"})')
    a("            continue")
    a("        value = payload[name]")
    a("        if value is None:")
    a("            if not nullable:")
    a('                details.append({"field": name, "message": "must not be null"})')
    a("                continue")
    a("        elif not isinstance(value, kind) or kind is int and isinstance(value, bool):")
    a('            details.append({"field": name, "message": "has the wrong type"})')
    a("            continue")
    a("        elif max_len is not None and len(value) > max_len:")
    a(
        '            details.append({"field": name, "message": f"is longer than {max_len} characters"})'
    )
    a("            continue")
    a("        values[name] = value")
    a("    return values, details")
    return L


def append_python(code, doc, table, ops, base: str, router_var: str) -> list[tuple[int, int, str]]:
    """Edits appending the routes ``code(table, ops, base, router_var)`` generates to a Python
    route module, with the imports it lacks."""
    imports, body = code(table, ops, base, router_var)
    edits = []
    off, text = pylang.missing_imports(doc.text, imports)
    if text:
        edits.append((off, off, text))
    end = len(doc.data)
    sep = "\n\n" if doc.text.endswith("\n") else "\n\n\n"
    edits.append((end, end, sep + body))
    return edits


def go_file(code, table, ops, base: str, package: str) -> str:
    """A Go file of package ``package`` holding the routes ``code(table, ops, base)`` generates."""
    imports, body = code(table, ops, base)
    return (
        f"// Package {package}: HTTP endpoints for {table.name}.\npackage {package}\n\n"
        f"import (\n{imports}\n)\n\n{body}"
    )


def node_location(root: str, camel: str, language: str) -> tuple[str, str]:
    """Where a new Node route module goes: src/routes (or routes) / <camelName>.ts|js."""
    folder = os.path.join("src", "routes") if os.path.isdir(os.path.join(root, "src")) else "routes"
    return folder, f"{camel}.{'ts' if language in ('typescript', 'tsx') else 'js'}"
