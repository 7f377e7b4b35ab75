"""Reading schema files into DDL ops, with an in-memory and an on-disk cache.

A file's ops are keyed by its content hash: a file whose size and mtime have
not changed is not even read again, and a changed file whose content is the
same is not parsed again. Replaying ops onto a fresh catalog is cheap, so every
rebuild replays everything in migration order.

Both caches are bounded: the in-memory one by an estimate of its bytes, the
on-disk one (one file per project) by the ``cache-max-bytes`` setting over all
projects, the least recently used going first.
"""

from __future__ import annotations

import bisect
import json
import os
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

from ..core.document import Document
from ..core import diskcache
from ..core.bounded import MB, ByteLRU
from ..core.regions import down_sections, region_for_sql_document
from ..core.sql import split_statements
from ..core.workspace import read_bytes
from .apply import DDL_KINDS, Applier, Op
from .model import Catalog
from .sources import MAX_WALK_FILES, discover


def _log():
    """This module's logger (logging is imported when something is logged)."""
    import logging

    return logging.getLogger(__name__)


CACHE_VERSION = 3  # 3: rollback sections of up+down files are not read


@dataclass
class FileEntry:
    sha: str
    size: int
    mtime_ns: int
    ops: list[Op] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "sha": self.sha,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "ops": [o.to_json() for o in self.ops],
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: dict) -> FileEntry:
        return cls(
            data["sha"],
            data["size"],
            data["mtime_ns"],
            [Op.from_json(o) for o in data["ops"]],
            list(data.get("notes", [])),
        )


# path -> FileEntry, shared by every build in this process (the server re-applies often);
# the decoded DDL nodes of a schema file take about 40 times its size
_MEMORY = ByteLRU(32 * MB, "catalog file entries")
MEMORY_PER_FILE_BYTE = 40


def _remember(path: str, entry: FileEntry) -> None:
    _MEMORY.put(path, entry, 2 * len(path) + 500 + MEMORY_PER_FILE_BYTE * entry.size)


def read_ops(text: str) -> tuple[list[Op], list[str]]:
    """The DDL statements of one schema file, with their lines."""
    region = region_for_sql_document(text)
    line_starts = Document(text).line_starts  # LSP lines, as the editor counts them
    ops: list[Op] = []
    notes: list[str] = []
    # a rollback section in the file (-- +goose Down, -- migrate:down) never ran on the database
    rollback = [
        (
            len(text[:lo].encode("utf-8", "surrogatepass")),
            len(text[:hi].encode("utf-8", "surrogatepass")),
        )
        for lo, hi in down_sections(text)
    ]  # as byte offsets, like the statements'
    for stmt in split_statements(region):
        start = region.to_doc(stmt.start)
        if rollback and any(lo <= start < hi for lo, hi in rollback):
            continue
        line = bisect.bisect_right(line_starts, start)
        if stmt.kind is None:
            if stmt.error:
                notes.append(f"line {line}: statement not parsed ({stmt.error}); skipped")
            continue
        if stmt.kind not in DDL_KINDS or stmt.node is None:
            continue
        if stmt.kind == "DoStmt":
            inner, note = _do_block_ops(stmt.node, line)
            if note:
                notes.append(note)
            if inner:
                ops.extend(inner)
                continue
        sdata = stmt.data
        newlines = []
        p = sdata.find(b"\n")
        while p >= 0:
            newlines.append(p)
            p = sdata.find(b"\n", p + 1)
        ops.append(Op(stmt.kind, stmt.node, line, newlines))
    return ops, notes


def _do_block_ops(node: dict, line: int) -> tuple[list[Op], str | None]:
    """The plain DDL statements of a PL/pgSQL DO block (``IF NOT EXISTS ... THEN ALTER TABLE``
    is the usual idempotent-migration pattern); conditions are taken as true, dynamic SQL is skipped."""
    from ..core.sql import node_of, parse_statement, string_value

    body, language = None, "plpgsql"
    for arg in node.get("args") or []:
        d = arg.get("DefElem", {})
        if d.get("defname") == "as":
            body = string_value(d.get("arg"))
        elif d.get("defname") == "language":
            language = (string_value(d.get("arg")) or "").lower()
    if not body or language != "plpgsql":
        return [], None
    try:
        from pglast import parse_plpgsql

        tree = parse_plpgsql(
            f"CREATE FUNCTION __ba_do() RETURNS void LANGUAGE plpgsql AS $__ba$ {body} $__ba$"
        )
    except Exception:
        return [], f"line {line}: a DO block that does not parse was skipped"
    ops: list[Op] = []
    dynamic = False
    stack: list[Any] = [tree]
    found: list[tuple[int, str]] = []
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(reversed(cur))
        elif isinstance(cur, dict):
            for key, value in cur.items():
                if key == "PLpgSQL_stmt_execsql":
                    query = ((value.get("sqlstmt") or {}).get("PLpgSQL_expr") or {}).get("query")
                    if query:
                        found.append((value.get("lineno", 1), query))
                elif key == "PLpgSQL_stmt_dynexecute":
                    dynamic = True
                elif isinstance(value, (dict, list)):
                    stack.append(value)
    for lineno, query in found:
        kind, raw, _ = parse_statement(query)
        inner = node_of(raw, kind) if raw else None
        if kind in DDL_KINDS and kind != "DoStmt" and inner is not None:
            ops.append(Op(kind, inner, line + max(lineno - 1, 0), []))
    note = f"line {line}: dynamic SQL (EXECUTE) in a DO block was skipped" if dynamic else None
    if not ops and not dynamic:
        return [], None
    return ops, note


def cache_dir(roots: list[str]) -> str | None:
    """Where the on-disk cache for these roots lives (None when nowhere is writable)."""
    return os.path.join(diskcache.cache_home(), "catalog")


def _cache_file(roots: list[str]) -> str | None:
    d = cache_dir(roots)
    if not d:
        return None
    import hashlib  # (when there is a schema: the import loads OpenSSL)

    key = hashlib.sha1("\0".join(sorted(os.path.abspath(r) for r in roots)).encode()).hexdigest()[
        :16
    ]
    return os.path.join(d, f"{key}.json")


def _load_disk(path: str | None) -> dict[str, FileEntry]:
    if not path:
        return {}
    raw = diskcache.read(path)
    if raw is None:
        return {}
    try:
        data = _loads(raw)
        if data.get("version") != CACHE_VERSION:
            diskcache.discard(path, "another version")
            return {}
        return {p: FileEntry.from_json(e) for p, e in data.get("files", {}).items()}
    except Exception as exc:  # a corrupt cache is only a slower start
        diskcache.discard(path, f"unreadable: {type(exc).__name__}: {exc}")
        return {}


def _save_disk(
    path: str | None, entries: dict[str, FileEntry], max_bytes: int = diskcache.DEFAULT_MAX_BYTES
) -> None:
    if not path:
        return
    try:
        data = _dumps(
            {"version": CACHE_VERSION, "files": {p: e.to_json() for p, e in entries.items()}}
        )
    except (TypeError, ValueError) as exc:  # never fail because the cache cannot be written
        _log().info("catalog cache %s not written (%s)", path, exc)
        return
    diskcache.write(path, data, max_bytes)


def _dumps(value) -> bytes:
    """``value`` as JSON: orjson's encoder (about ten times the standard library's), else the
    standard library's C encoder (for what orjson refuses: a lone surrogate, a huge integer)."""
    try:
        import orjson

        return orjson.dumps(value)
    except (ImportError, TypeError):
        return json.dumps(value, separators=(",", ":")).encode("utf-8", "surrogatepass")


def _loads(raw):
    try:
        import orjson

        return orjson.loads(raw)
    except (ImportError, ValueError):  # e.g. a lone surrogate the standard library wrote
        return json.loads(raw)


def _entry_for(path: str, known: FileEntry | None) -> tuple[FileEntry | None, bool]:
    """(entry, reused) for one file; reused when nothing had to be parsed."""
    try:
        st = os.stat(path)
    except OSError:
        return None, False
    if known is not None and known.size == st.st_size and known.mtime_ns == st.st_mtime_ns:
        return known, True
    try:
        raw = read_bytes(path)
    except OSError:
        return None, False
    import hashlib

    sha = hashlib.sha1(raw).hexdigest()
    if known is not None and known.sha == sha:
        return FileEntry(sha, st.st_size, st.st_mtime_ns, known.ops, known.notes), True
    text = raw.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    ops, notes = read_ops(text)
    return FileEntry(sha, st.st_size, st.st_mtime_ns, ops, notes), False


def build(
    roots: list[str],
    schema_globs: tuple[str, ...] = (),
    base: str | None = None,
    is_excluded=None,
    progress: Callable[[int, int, str], None] | None = None,
    use_disk_cache: bool = True,
    max_files: int = MAX_WALK_FILES,
    cache_max_bytes: int = diskcache.DEFAULT_MAX_BYTES,
    skip_projects: bool = False,
    warnings: list[str] | None = None,
) -> Catalog | None:
    """A catalog from the schema sources under ``roots`` (None when there are none).

    ``max_files`` bounds the files the scan looks at; ``skip_projects`` keeps it out of
    sub-folders that are projects of their own (for roots that are not a project).
    What the scan had to leave out is added to ``warnings`` (and the catalog's)."""
    roots = [os.path.abspath(r) for r in roots]
    warnings = warnings if warnings is not None else []
    dumps, migrations = discover(
        roots,
        schema_globs,
        base,
        is_excluded,
        max_files=max_files,
        skip_projects=skip_projects,
        warnings=warnings,
    )
    for w in warnings:
        _log().info("catalog: %s", w)
    files = dumps + migrations
    if not files:
        return None
    cache_path = _cache_file(roots) if use_disk_cache else None
    known = {}
    for f in files:
        entry = _MEMORY.get(f)
        if entry is not None:
            known[f] = entry
    if cache_path and len(known) < len(files):
        for p, e in _load_disk(cache_path).items():
            known.setdefault(p, e)
    catalog = Catalog(roots=roots)
    catalog.warnings = list(warnings)
    applier = Applier(catalog)
    entries: dict[str, FileEntry] = {}
    changed = False
    total = len(files)
    for i, path in enumerate(files):
        entry, reused = _entry_for(path, known.get(path))
        if progress is not None:
            progress(i + 1, total, path)
        if entry is None:
            continue
        entries[path] = entry
        changed |= not reused or known.get(path) is not entry
        catalog.from_cache += int(reused)
        catalog.sources.append(path)
        applier.begin_file(path)
        for note in entry.notes:
            catalog.notes.append(f"{path}: {note}")
        for op in entry.ops:
            applier.apply(op)
    dirs: list[str] = []
    for path in migrations:
        d = os.path.dirname(path)
        if os.path.basename(path).lower() in ("up.sql", "migration.sql"):  # a folder per migration
            d = os.path.dirname(d)
        if d not in dirs:
            dirs.append(d)
    catalog.migration_dirs = dirs
    for path, entry in entries.items():
        _remember(path, entry)
    if changed and cache_path:
        _save_disk(cache_path, entries, cache_max_bytes)
    for note in catalog.notes[:50]:
        _log().info("catalog: %s", note)
    return catalog


def forget_memory() -> None:
    """Drop the in-process cache (tests and benchmarks measure a cold start with it)."""
    _MEMORY.clear()
