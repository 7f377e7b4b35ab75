"""INDEX_STRATEGY and SCHEMA_DESIGN: commands that work from the workspace catalog."""

from __future__ import annotations

import os

from lsprotocol import types

from ..catalog.analysis import needs_of, query_nodes
from ..catalog.migration_files import new_migration
from ..core.document import path_to_uri, uri_to_path
from ..core.findings import Applicability, Fix
from . import register


def _uri_arg(args) -> str | None:
    for a in args or []:
        if isinstance(a, dict) and a.get("uri"):
            return a["uri"]
        if isinstance(a, str):
            return a
        uri = getattr(a, "uri", None)
        if uri:
            return uri
    return None


def _snapshot(server, session, uri: str):
    snap = session.snapshot(uri)
    if snap is not None:
        return snap
    try:
        text_doc = server.workspace.get_text_document(uri)
        doc = session.document_for(uri, text_doc.source, text_doc.version, text_doc.language_id)
    except Exception:
        return None
    return session.analyse(doc) if doc.language else None


def missing_indexes(snap, catalog) -> list[tuple[str, str, str]]:
    """(index name, CREATE INDEX statement, table) for every lookup of the file no index serves, deduplicated."""
    out: dict[tuple, tuple[str, str, str]] = {}
    for stmt in snap.result.statements:
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


@register("INDEX_STRATEGY")
def index_strategy(server, session, args) -> dict:
    """Every index the file's queries need, as one new migration."""
    uri = _uri_arg(args)
    if not uri:
        return {
            "command": "INDEX_STRATEGY",
            "message": 'INDEX_STRATEGY needs a file: pass [{"uri": ...}]',
        }
    catalog = session.catalog
    if catalog is None:
        return {
            "command": "INDEX_STRATEGY",
            "message": "No schema catalog yet: no migrations or schema files were found (or indexing is still running).",
        }
    snap = _snapshot(server, session, uri)
    if snap is None:
        return {
            "command": "INDEX_STRATEGY",
            "message": f"{uri} is not a file Backend Architect analyses.",
        }
    needed = missing_indexes(snap, catalog)
    if not needed:
        return {
            "command": "INDEX_STRATEGY",
            "indexes": [],
            "message": "Every lookup in this file is served by an existing index.",
        }
    stem = os.path.splitext(os.path.basename(uri_to_path(uri)))[0]
    up = (
        "-- Indexes the queries in "
        + os.path.basename(uri_to_path(uri))
        + " need (Backend Architect INDEX_STRATEGY).\n"
        "-- CREATE INDEX CONCURRENTLY cannot run inside a transaction: run these statements one by one.\n"
        + "\n".join(sql for _, sql, _ in needed)
        + "\n"
    )
    down = "\n".join(f"DROP INDEX CONCURRENTLY IF EXISTS {name};" for name, _, _ in needed) + "\n"
    files = new_migration(catalog, f"add_indexes_for_{stem}", up, down)
    if not files:
        return {"command": "INDEX_STRATEGY", "message": "No migration folder to write to."}
    fix = Fix(
        f"add {len(needed)} index(es) in a new migration", (), Applicability.UNSAFE, tuple(files)
    )
    edit = session.workspace_edit(snap.document, [], fix)
    server.workspace_apply_edit(
        types.ApplyWorkspaceEditParams(edit=edit, label="INDEX_STRATEGY: new migration")
    )
    names = [f.path for f in files]
    return {
        "command": "INDEX_STRATEGY",
        "indexes": [sql for _, sql, _ in needed],
        "files": names,
        "message": f"{len(needed)} index(es) in a new migration: {catalog.display_path(names[0])}",
    }


def schema_design_markdown(catalog) -> str:
    from ..catalog.render import mermaid_er
    from ..catalog.review import review
    from ..lsp.handlers.schema_hover import table_markdown

    remarks = review(catalog)
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
        f"## Findings ({len(remarks)})",
        "",
    ]
    if not remarks:
        lines.append(
            "Nothing to report: every table has a key, foreign keys are indexed, types are sound."
        )
    for r in remarks:
        where = f" ({catalog.display_path(r.path)}:{r.line})" if r.path else ""
        lines.append(f"- **{r.code}** `{r.table}`: {r.text}{where}")
    lines += ["", "## Tables", ""]
    for t in tables:
        lines += [table_markdown(catalog, t), ""]
    if catalog.notes:
        lines += ["## Not understood", "", f"{len(catalog.notes)} statement(s) were skipped:", ""]
        lines += [f"- {catalog.display_path(n)}" for n in catalog.notes[:100]]
    return "\n".join(lines) + "\n"


@register("SCHEMA_DESIGN")
def schema_design(server, session, args) -> dict:
    """A Markdown review of the whole schema with an ER diagram, opened in the editor."""
    catalog = session.catalog
    if catalog is None:
        return {
            "command": "SCHEMA_DESIGN",
            "message": "No schema catalog yet: no migrations or schema files were found (or indexing is still running).",
        }
    root = session.settings.root or session.root or catalog.roots[0]
    from ..core.files import write_text

    path = os.path.join(root, ".backend-architect", "schema-design.md")
    write_text(path, schema_design_markdown(catalog))  # atomic; raises WriteError
    shown = False
    caps = getattr(getattr(server, "client_capabilities", None), "window", None)
    if getattr(getattr(caps, "show_document", None), "support", False):
        server.window_show_document(
            types.ShowDocumentParams(uri=path_to_uri(path), take_focus=True)
        )
        shown = True
    return {
        "command": "SCHEMA_DESIGN",
        "path": path,
        "shown": shown,
        "message": f"Schema review written to {path}" + ("" if shown else " (open it to read it)"),
    }


INDEX_STRATEGY_KIND = "source.backend-architect.indexStrategy"


def source_actions(session, snap, params) -> list[types.CodeAction]:
    """ "Add the indexes this file needs" as a source action, when some are missing."""
    only = params.context.only
    if only and not any(
        o == INDEX_STRATEGY_KIND or INDEX_STRATEGY_KIND.startswith(o + ".") or o == "source"
        for o in only
    ):
        return []
    if session.catalog is None or not snap.result.statements:
        return []
    needed = missing_indexes(snap, session.catalog)
    if not needed:
        return []
    from . import command_id

    return [
        types.CodeAction(
            title=f"INDEX_STRATEGY: add the {len(needed)} index(es) this file needs in a new migration",
            kind=INDEX_STRATEGY_KIND,
            command=types.Command(
                title="INDEX_STRATEGY",
                command=command_id("INDEX_STRATEGY"),
                arguments=[{"uri": snap.document.uri}],
            ),
        )
    ]
