"""Knex and TypeORM migrations: the SQL of ``queryRunner.query(...)`` and ``knex.raw(...)``.

Only the ``up`` side is read (``down`` undoes it by design). Template
literals' ``${...}`` stand in as a placeholder name.
"""

from __future__ import annotations

import re

from ..core import languages
from ..core.regions import Region
from .strings import is_string, literal_text
from .knex_schema import schema_operations
from .synthetic import build_region, string_fix_hook
from ..core.lazy_re import lazy

_CALL_RE = lazy(
    r"(queryRunner|knex|trx|db)\b.*\.(query|raw|schema\.raw)$|^(queryRunner|knex|trx)\.(query|raw)$"
)


def looks_like_js_migration(path: str, text: str) -> bool:
    p = path.replace("\\", "/").lower()
    if "MigrationInterface" in text:
        return True
    return ("/migrations/" in p or "/migration/" in p) and (
        "exports.up" in text
        or re.search(r"\bfunction\s+up\b|\bup\s*[:=(]|async\s+up\s*\(", text) is not None
    )


def _in_down(node, data: bytes) -> bool:
    p = node.parent
    while p is not None:
        if p.type in ("method_definition", "function_declaration"):
            name = p.child_by_field_name("name")
            if name is not None and data[name.start_byte : name.end_byte] == b"down":
                return True
        if p.type in ("assignment_expression", "pair", "variable_declarator"):
            left = (
                p.child_by_field_name("left")
                or p.child_by_field_name("key")
                or p.child_by_field_name("name")
            )
            if left is not None and data[left.start_byte : left.end_byte].endswith(b"down"):
                return True
        p = p.parent
    return False


def js_regions(ctx) -> list[Region]:
    doc = ctx.document
    if not looks_like_js_migration(doc.path, doc.text):
        return []
    lang = doc.language
    data = doc.data
    tree = languages.parse(data, lang)
    out: list[Region] = []
    ops = []
    in_tx = not re.search(r"transaction\s*:\s*false", doc.text)
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type != "call_expression":
            continue
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            continue
        name = (
            data[fn.start_byte : fn.end_byte]
            .decode("utf-8", "replace")
            .replace(" ", "")
            .replace("\n", "")
        )
        if re.search(
            r"\bschema\.(alterTable|table|createTable|createTableIfNotExists|dropTable|dropTableIfExists|renameTable)$",
            name,
        ):
            if not _in_down(node, data):
                ops.extend(schema_operations(node, data))
            continue
        if not _CALL_RE.search(name):
            continue
        args = node.child_by_field_name("arguments")
        first = args.named_children[0] if args is not None and args.named_children else None
        if first is None or not is_string(first) or _in_down(node, data):
            continue
        got = literal_text(first, data)
        if got is None:
            continue
        sql, omap, quote = got
        out.append(
            Region(
                sql,
                omap,
                kind="js.migration",
                host_start=first.start_byte,
                host_end=first.end_byte,
                meta={
                    "migration": True,
                    "in_transaction": in_tx,
                    "fix_hook": string_fix_hook(quote),
                },
            )
        )
    out.sort(key=lambda r: r.host_start)
    ops.sort(key=lambda o: o.start)
    region = build_region(
        ops, kind="knex.schema", in_transaction=in_tx, host_start=0, host_end=len(data)
    )
    return ([region] if region is not None else []) + out
