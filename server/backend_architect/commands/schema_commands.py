"""INDEX_STRATEGY and SCHEMA_DESIGN: commands that work from the workspace catalog."""

from __future__ import annotations

import dataclasses
import os

from ..catalog.analysis import needs_of, query_nodes
from ..catalog.migration_files import new_migration
from ..catalog.render import mermaid_er, table_markdown
from ..core.engine import lint
from ..core.findings import Finding
from ..core.registry import listed_rules, rule_by_code
from .base import (
    FileChange,
    Report,
    Target,
    Workspace,
    handler,
    result,
    send_edit,
    workspace_edit,
)

NO_CATALOG = "No schema catalog yet: no migrations or schema files were found."


def _no_catalog(t: Target, command: str) -> dict:
    """The answer without a schema: still being read (say so, never silently nothing) or none."""
    if t.workspace.indexing:
        return result(
            command,
            f"{command}: the workspace's schema is still being indexed; run it again in a moment.",
            indexing=True,
        )
    return result(command, NO_CATALOG)


def missing_indexes(statements, catalog) -> list[tuple[str, str, str]]:
    """(index name, CREATE INDEX statement, table) for every lookup of the file's
    statements no index serves, deduplicated."""
    out: dict[tuple, tuple[str, str, str]] = {}
    for stmt in statements:
        for node in query_nodes(stmt):
            for need in needs_of(node, catalog):
                if (
                    not need.lookup_columns()
                    or need.serving_index() is not None
                    or not need.ideal_columns()
                ):
                    continue
                key = (need.table.qualified, tuple(need.ideal_columns()))
                out.setdefault(key, (need.index_name(), need.index_sql(), need.table.qualified))
    # an index whose columns lead another one's is served by it
    result = []
    keys = list(out)
    for key in keys:
        table, cols = key
        if any(
            k != key and k[0] == table and len(k[1]) > len(cols) and k[1][: len(cols)] == cols
            for k in keys
        ):
            continue
        result.append(out[key])
    return result


@handler("INDEX_STRATEGY")
def index_strategy(t: Target) -> dict:
    """Every index the file's queries need, as one new migration."""
    doc = t.doc
    catalog = t.catalog
    if catalog is None:
        return _no_catalog(t, "INDEX_STRATEGY")
    if not doc.language:
        return result("INDEX_STRATEGY", f"{doc.path} is not a file Backend Architect analyses.")
    needed = missing_indexes(t.workspace.lint(doc).statements, catalog)
    if not needed:
        return result(
            "INDEX_STRATEGY",
            "Every lookup in this file is served by an existing index.",
            indexes=[],
        )
    name = os.path.basename(doc.path)
    up = (
        f"-- Indexes the queries in {name} need (Backend Architect INDEX_STRATEGY).\n"
        "-- CREATE INDEX CONCURRENTLY cannot run inside a transaction: run these statements one by one.\n"
        + "\n".join(sql for _, sql, _ in needed)
        + "\n"
    )
    down = "\n".join(f"DROP INDEX CONCURRENTLY IF EXISTS {n};" for n, _, _ in needed) + "\n"
    files = new_migration(catalog, f"add_indexes_for_{os.path.splitext(name)[0]}", up, down)
    if not files:
        return result("INDEX_STRATEGY", "No migration folder to write to.")
    base = os.path.dirname(doc.path)
    changes = [
        FileChange(os.path.normpath(os.path.join(base, f.path)), f.text) for f in files
    ]  # an absolute path stays as it is
    send_edit(t, workspace_edit(doc, [], changes), "INDEX_STRATEGY: new migration")
    names = [f.path for f in files]
    return result(
        "INDEX_STRATEGY",
        f"{len(needed)} index(es) in a new migration: {catalog.display_path(names[0])}",
        indexes=[sql for _, sql, _ in needed],
        files=names,
    )


# the commands whose rules judge the schema itself (the SCHEMA_DESIGN report lists their findings)
SCHEMA_RULE_COMMANDS = ("SCHEMA_DESIGN", "INDEX_STRATEGY")


def schema_findings(workspace: Workspace, catalog) -> list[tuple[str, int, Finding]]:
    """(schema file, 1-based line, finding) of the schema rules over every file the catalog
    was read from: the diagnostics the editor shows, so the report never disagrees with them."""
    # only the schema rules run (the others are ignored): the same findings, a fraction of the work
    others = tuple(r.code for r in listed_rules() if r.command not in SCHEMA_RULE_COMMANDS)
    settings = dataclasses.replace(workspace.settings, ignore=workspace.settings.ignore + others)
    out: list[tuple[str, int, Finding]] = []
    for path in catalog.sources:
        doc = workspace.read(path)
        if doc is None:
            continue
        for f in lint(doc, settings, catalog).findings:
            rule = rule_by_code(f.code)
            if rule is not None and rule.command in SCHEMA_RULE_COMMANDS:
                out.append((path, doc.line_of(f.start) + 1, f))
    return out


def schema_design_markdown(catalog, findings: list[tuple[str, int, Finding]]) -> str:
    tables = [t for t in catalog.tables()]
    lines = [
        "# Schema design review",
        "",
        f"{len([t for t in tables if t.kind == 'table'])} tables and {len([t for t in tables if t.kind == 'view'])} views, "
        f"learnt from {len(catalog.sources)} schema file(s) under {', '.join(catalog.roots)}.",
        "",
        "## Entity-relationship diagram",
        "",
        "```mermaid",
        mermaid_er(catalog),
        "```",
        "",
        f"## Findings ({len(findings)})",
        "",
    ]
    if not findings:
        lines.append(
            "Nothing to report: every table has a key, foreign keys are indexed, types are sound."
        )
    for path, line, f in findings:
        lines.append(f"- **{f.code}** {f.message} ({catalog.display_path(path)}:{line})")
    lines += ["", "## Tables", ""]
    for t in tables:
        lines += [table_markdown(catalog, t), ""]
    if catalog.notes:
        lines += ["## Not understood", "", f"{len(catalog.notes)} statement(s) were skipped:", ""]
        lines += [f"- {catalog.display_path(n)}" for n in catalog.notes[:100]]
    return "\n".join(lines) + "\n"


@handler("SCHEMA_DESIGN", need_document=False)
def schema_design(t: Target) -> dict:
    """A Markdown review of the whole schema with an ER diagram, opened in the editor."""
    catalog = t.catalog
    if catalog is None:
        return _no_catalog(t, "SCHEMA_DESIGN")
    root = t.settings.root or t.workspace.root or catalog.roots[0]
    path = os.path.join(root, ".backend-architect", "schema-design.md")
    findings = schema_findings(t.workspace, catalog)
    t.reports.append(Report(path, schema_design_markdown(catalog, findings)))
    return result(
        "SCHEMA_DESIGN", f"Schema review written to {path}", path=path, findings=len(findings)
    )
