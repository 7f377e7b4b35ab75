"""The catalog as text (the `schema` command), JSON and a Mermaid ER diagram."""

from __future__ import annotations

import re

from ..core.document import path_to_uri
from .model import Catalog, Table


def _loc(catalog: Catalog, path: str | None, line: int | None) -> str:
    if not path:
        return ""
    return f"{catalog.display_path(path)}:{line}" if line else catalog.display_path(path)


def table_text(catalog: Catalog, t: Table) -> list[str]:
    head = f"{t.kind} {t.qualified}  ({_loc(catalog, t.source_path, t.line)})"
    out = [head]
    width = max((len(c.name) for c in t.columns), default=0)
    for c in t.columns:
        flags = []
        if c.name in t.primary_key:
            flags.append("PK")
        if not c.nullable and c.name not in t.primary_key:
            flags.append("NOT NULL")
        if c.default:
            flags.append(f"DEFAULT {c.default}")
        out.append(f"  {c.name.ljust(width)}  {c.type}{'  ' + ' '.join(flags) if flags else ''}")
    if not t.columns_known:
        out.append("  (columns not fully known)")
    if len(t.primary_key) > 1:
        out.append(f"  primary key ({', '.join(t.primary_key)})")
    for u in t.uniques:
        out.append(f"  unique ({', '.join(u)})")
    for ix in t.indexes:
        method = f" USING {ix.method}" if ix.method != "btree" else ""
        out.append(f"  index {ix.describe()}{method}  ({_loc(catalog, ix.source_path, ix.line)})")
    for fk in t.foreign_keys:
        out.append(
            f"  foreign key ({', '.join(fk.columns)}) -> {fk.ref_table} ({', '.join(fk.ref_columns)})"
        )
    return out


def catalog_text(catalog: Catalog) -> str:
    lines = [
        f"# {len(catalog.tables())} tables and views from {len(catalog.sources)} schema file(s)"
    ]
    for t in catalog.tables():
        lines.append("")
        lines.extend(table_text(catalog, t))
    if catalog.notes:
        lines.append("")
        lines.append(f"# skipped ({len(catalog.notes)}):")
        lines.extend(f"#   {catalog.display_path(n)}" for n in catalog.notes)
    return "\n".join(lines)


def catalog_json(catalog: Catalog) -> dict:
    from dataclasses import asdict

    return {
        "sources": [catalog.display_path(s) for s in catalog.sources],
        "tables": [asdict(t) for t in catalog.tables()],
        "notes": list(catalog.notes),
    }


def _mermaid_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def _mermaid_type(t: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", t.replace(" ", "_")) or "unknown"


def mermaid_er(catalog: Catalog) -> str:
    """A Mermaid erDiagram of tables (with key columns) and their foreign keys."""
    lines = ["erDiagram"]
    tables = [t for t in catalog.tables() if t.kind == "table"]
    for t in tables:
        ident = _mermaid_id(t.name if t.schema == "public" else t.qualified)
        lines.append(f"    {ident} {{")
        fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
        for c in t.columns:
            keys = []
            if c.name in t.primary_key:
                keys.append("PK")
            if c.name in fk_cols:
                keys.append("FK")
            lines.append(
                f"        {_mermaid_type(c.type)} {_mermaid_id(c.name)}{' ' + ','.join(keys) if keys else ''}"
            )
        lines.append("    }")
    for t in tables:
        child = _mermaid_id(t.name if t.schema == "public" else t.qualified)
        for fk in t.foreign_keys:
            parent_table = catalog.table(fk.ref_table)
            parent = _mermaid_id(
                parent_table.name
                if parent_table and parent_table.schema == "public"
                else fk.ref_table.replace("public.", "")
            )
            nullable = any(
                (fk_col := t.column(c)) is not None and fk_col.nullable for c in fk.columns
            )
            unique = fk.columns == t.primary_key or fk.columns in t.uniques
            left = "|o" if nullable else "||"
            right = "o|" if unique else "o{"
            lines.append(f'    {parent} {left}--{right} {child} : "{", ".join(fk.columns)}"')
    return "\n".join(lines)


def source_link(catalog: Catalog, path: str | None, line: int | None) -> str:
    """A Markdown link to a line of a schema file, shown relative to the schema's roots."""
    if not path:
        return "unknown location"
    shown = catalog.display_path(path) + (f":{line}" if line else "")
    return f"[{shown}]({path_to_uri(path)}{f'#L{line}' if line else ''})"


def table_markdown(catalog: Catalog, table: Table) -> str:
    """A table as Markdown: its columns, indexes and foreign keys (hover and reports)."""
    lines = [
        f"**{table.kind} {table.qualified}**, defined at {source_link(catalog, table.source_path, table.line)}",
        "",
        "| column | type | |",
        "|---|---|---|",
    ]
    for c in table.columns:
        flags = []
        if c.name in table.primary_key:
            flags.append("PK")
        if not c.nullable and c.name not in table.primary_key:
            flags.append("NOT NULL")
        if c.default:
            flags.append(f"DEFAULT `{c.default}`")
        lines.append(f"| {c.name} | {c.type} | {' '.join(flags)} |")
    if table.all_indexes() or table.foreign_keys:
        lines.append("")
    for ix in table.all_indexes():
        lines.append(
            f"- index `{ix.describe()}`" + (f" ({ix.constraint})" if ix.constraint else "")
        )
    for fk in table.foreign_keys:
        lines.append(
            f"- foreign key ({', '.join(fk.columns)}) → {fk.ref_table} ({', '.join(fk.ref_columns)})"
        )
    return "\n".join(lines)
