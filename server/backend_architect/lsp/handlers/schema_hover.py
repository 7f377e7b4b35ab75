"""Hover facts from the catalog: what a query touches and which index serves
each lookup; the definition of a table or column under the cursor."""

from __future__ import annotations

from ...catalog.analysis import needs_of, query_nodes, resolve_column, sources_of
from ...catalog.render import source_link as _link
from ...catalog.render import table_markdown
from ...core.sql import name_list, walk


def _statement_at(snap, offset: int):
    for stmt in snap.result.statements:
        s, e = stmt.doc_range(0, len(stmt.data))
        if s <= offset <= e and stmt.node is not None:
            return stmt
    return None


def _token_at(stmt, offset: int):
    for tok in stmt.tokens:
        s, e = stmt.doc_range(tok.start, tok.end)
        if s <= offset < e or offset == e and s < e:
            return tok
        if s > offset:
            break
    return None


def _all_sources(stmt, catalog):
    out = []
    nodes = query_nodes(stmt) or ([stmt.node] if stmt.node and stmt.node.get("relation") else [])
    for node in nodes:
        found, _ = sources_of(node, catalog)
        out.extend(found)
    return out


def _not_in_catalog(catalog, name: str) -> str:
    where = ", ".join(catalog.roots) or "the workspace"
    dropped = catalog.was_dropped(name)
    extra = f" It was dropped at {catalog.display_path(dropped)}." if dropped else ""
    return (
        f"`{name}` is not in the catalog.{extra} The server looked in {len(catalog.sources)} schema file(s) "
        f"under {where} (migrations/, db/migrate/, migrate/, schema.sql, structure.sql, *.up.sql, "
        f"pg_dump files and the `schema` setting)."
    )


def _identifier_hover(stmt, tok, catalog, sources) -> str | None:
    if tok.name != "IDENT" and tok.kind in ("NO_KEYWORD",):
        return None
    # a table name in FROM / JOIN / UPDATE / INSERT INTO
    for src in sources:
        if src.name is None:
            continue
        bare = src.name.rsplit(".", 1)[-1]
        text = stmt.slice(tok.start, tok.end).strip('"')
        if (
            src.location <= tok.start
            and text == bare
            and tok.start < src.location + len(src.name.encode()) + 4
        ):
            if src.table is None:
                return _not_in_catalog(catalog, src.name)
            return table_markdown(catalog, src.table)
    # a column reference
    for kind, ref in walk(stmt.node):
        if kind != "ColumnRef":
            continue
        loc = ref.get("location", -1)
        names = name_list(ref.get("fields"))
        if not names or loc > tok.start or tok.start - loc > sum(len(n) + 3 for n in names):
            continue
        if stmt.slice(tok.start, tok.end).strip('"') != names[-1]:
            continue
        res = resolve_column(ref, sources)
        if res is None:
            return None
        src, col_name = res
        table = src.table
        col = table.column(col_name) if table is not None else None
        if table is None or col is None:
            return None
        flags = []
        if col.name in table.primary_key:
            flags.append("primary key")
        flags.append("NULL allowed" if col.nullable else "NOT NULL")
        if col.default:
            flags.append(f"default `{col.default}`")
        indexes = [ix.describe() for ix in table.all_indexes() if col.name in ix.columns]
        text = (
            f"**{table.qualified}.{col.name}** `{col.type}` ({', '.join(flags)}), defined at "
            f"{_link(catalog, col.source_path, col.line)}"
        )
        if indexes:
            text += "\n\nIndexes with this column: " + "; ".join(f"`{i}`" for i in indexes)
        return text
    return None


def query_markdown(stmt, catalog, findings) -> str | None:
    sources = _all_sources(stmt, catalog)
    if not sources:
        return None
    parts = ["**Schema facts for this statement**", ""]
    for src in sources:
        if src.name is None:
            continue
        if src.table is None:
            parts.append(f"- {_not_in_catalog(catalog, src.name)}")
            continue
        used = sorted(
            {
                res[1]
                for kind, ref in walk(stmt.node)
                if kind == "ColumnRef"
                for res in [resolve_column(ref, sources)]
                if res and res[0] is src
            }
        )
        cols = ", ".join(f"{c} `{src.table.column(c).type}`" for c in used) or "no columns by name"
        parts.append(
            f"- **{src.table.qualified}** ({_link(catalog, src.table.source_path, src.table.line)}): {cols}"
        )
    lookups = []
    for node in query_nodes(stmt):
        for need in needs_of(node, catalog):
            uses = need.lookup_columns()
            if not uses:
                continue
            kinds = []
            if need.eq:
                kinds.append("filter " + ", ".join(u.column for u in need.eq))
            if need.range:
                kinds.append("range " + ", ".join(u.column for u in need.range))
            if need.join:
                kinds.append("join " + ", ".join(u.column for u in need.join))
            if need.sort:
                kinds.append(f"sort {need.sort.column} {need.sort.direction}")
            ix = need.serving_index()
            served = f"`{ix.describe()}`" if ix else "**none**"
            lookups.append(f"- {need.table.name}: {'; '.join(kinds)} → index: {served}")
    if lookups:
        parts += ["", "**Lookups**", ""] + lookups
    if findings:
        parts += ["", "**Findings**", ""] + [f"- {f.code} {f.message}" for f in findings]
    return "\n".join(parts)


def schema_hover(session, snap, offset: int) -> str | None:
    stmt = _statement_at(snap, offset)
    if stmt is None:
        return None
    catalog = session.catalog
    if catalog is None:
        if stmt.kind in ("SelectStmt", "UpdateStmt", "DeleteStmt", "InsertStmt"):
            root = session.settings.root or session.root or "the workspace"
            return f"No schema catalog: no migrations or schema files were found under {root} (or indexing is still running)."
        return None
    sources = _all_sources(stmt, catalog)
    tok = _token_at(stmt, offset)
    if tok is not None:
        ident = _identifier_hover(stmt, tok, catalog, sources)
        if ident:
            return ident
    if stmt.kind not in ("SelectStmt", "UpdateStmt", "DeleteStmt", "InsertStmt"):
        return None
    s, e = stmt.doc_range(0, len(stmt.data))
    findings = [f for f in snap.result.findings if s <= f.start <= e]
    return query_markdown(stmt, catalog, findings)
