"""What the server knows that helps Claude answer a command: the file's findings, the
workspace's tables, the file's routes."""

from __future__ import annotations

from ..commands.base import Target
from ..commands.frameworks import routes_of
from ..commands.tables import all_tables


def facts_of(t: Target) -> dict:
    """What the server knows that helps: findings in the file, tables, routes."""
    facts: dict = {}
    doc = t.doc
    try:
        findings = t.workspace.lint(doc).findings
    except Exception:
        findings = []
    if findings:
        facts["findings"] = [
            {
                "code": f.code,
                "line": doc.line_of(f.start) + 1,
                "message": f.message,
                "command": f.command,
            }
            for f in findings
        ][:100]
    try:
        tables = all_tables(t.workspace, doc)
    except Exception:
        tables = {}
    if tables:
        facts["tables"] = {
            name: {
                "columns": [
                    f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}" for c in tbl.columns
                ],
                "primary_key": tbl.primary_key,
                "unique": tbl.unique_keys,
                "foreign_keys": [
                    f"({', '.join(fk.columns)}) -> {fk.ref_table}({', '.join(fk.ref_columns)})"
                    for fk in tbl.foreign_keys
                ],
            }
            for name, tbl in list(tables.items())[:40]
        }
    routes = routes_of(doc) if doc.language != "sql" else None
    if routes:
        facts["routes"] = [
            {
                "method": r.method,
                "path": r.path,
                "handler": getattr(r, "handler", None),
                "guards": list(getattr(r, "guards", []) or []),
            }
            for r in routes
        ][:100]
    return facts
