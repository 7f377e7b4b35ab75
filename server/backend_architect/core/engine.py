"""Run rules over a document; apply fixes.

The engine isolates rules: one that raises is recorded in ``LintResult.errors``
(the server logs it once) and every other rule's findings still come back.
"""

from __future__ import annotations

import functools
import bisect
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from collections.abc import Callable, Iterable

from ..config import Settings
from ..project import FileInfo, file_info
from ..project.dialect import NOT_SQL
from ..project.snapshot import BOOKKEEPING_TABLES, is_bookkeeping_table
from .bounded import MB, ByteLRU
from .document import Document, apply_edits
from .findings import Edit, Finding, Fix, Severity, common_prefix_len, common_suffix_len
from .registry import Rule, RuleInfo, codes, infos_for, load, rule_by_code
from .regions import DOWN_MARKER_RE, PLACEHOLDER_SCHEMA, Region, region_for_sql_document
from .sql import Statement, may_be_unterminated, relation_name, split_range, split_statements
from .lazy_re import lazy

UNUSED_NOQA = "BA001"
MIGRATION_PATH_RE = re.compile(
    r"(^|/)(migrations?|migrate|db/migrate|alembic/versions|versions|schema)(/|$)|\.up\.sql$", re.I
)

# a statement on a migration tool's own table names it (one of these words is part of every
# such name): only such statements are decoded to tell which table they work on
_BOOKKEEPING_WORDS = tuple(
    sorted(n for n in BOOKKEEPING_TABLES if not any(o != n and o in n for o in BOOKKEEPING_TABLES))
)
QUERY_PATH_RE = lazy(r"(^|/)(queries|query|sql/queries)(/|$)", re.I)
QUERY_HEADER_RE = lazy(r"^[ \t]*--[ \t]*name:[ \t]*\w", re.M)


def _format_exc() -> str:
    """The traceback of the exception being handled (a rule's crash, for the log)."""
    import traceback

    return traceback.format_exc()


def nested_region_finders() -> list[Callable[[Statement], list[Region]]]:
    """SQL nested inside a statement (DO bodies, EXECUTE strings): fn(statement) -> regions.

    The engine splits each nested region and runs the same rules over it; its
    statements count as inside a transaction when ``meta["in_transaction"]``, and
    fix text in a region with ``meta["escape_quotes"]`` gets its quotes doubled."""
    from .plpgsql import nested_regions

    return [nested_regions]


@functools.cache
def document_facts() -> dict[str, Callable[[Context], Any]]:
    """What a rule can ask of a document with ``ctx.fact(name)``, built once per lint: the
    parsed tree of application code, the SQL strings it passes to database calls (whole
    statements and query-builder fragments), its routes and their handlers."""
    from ..app import embedded, routes

    return {
        "app_tree": embedded.app_tree,
        "embedded_sql": embedded.embedded_sql,
        "embedded_sql_fragments": embedded.embedded_sql_fragments,
        "routes": routes.routes_fact,
        "handlers": routes.handlers_fact,
    }


def region_finder(
    language: str | None, orm: bool = True
) -> Callable[[Context], list[Region]] | None:
    """How the SQL of a file that is not SQL itself is found: the strings application code
    passes to database calls and, for Python and JavaScript/TypeScript (unless ``orm`` is
    False), the operations of ORM migrations (Django, Alembic, Knex, TypeORM)."""
    from ..app.embedded import APP_LANGUAGES, find_regions
    from ..orm_migrations import ORM_LANGUAGES, with_orm_regions

    app_finder = find_regions if language in APP_LANGUAGES else None
    if language in ORM_LANGUAGES and orm:
        return with_orm_regions(app_finder)
    return app_finder


# schema.sql, structure.sql, db_schema.sql: the whole schema for a fresh install, or a dump
SCHEMA_FILE_RE = lazy(r"(?:^|[\\/_.-])(?:schema|structure)\.sql$", re.I)


@dataclass
class Context:
    """What every rule may look at for one document."""

    document: Document
    settings: Settings
    catalog: Any = None  # backend_architect.catalog.Catalog when the workspace has one
    facts: dict = field(default_factory=dict)
    info: FileInfo | None = None  # what the file is (project model): dialect, migration, direction
    # the schema as it was before this migration file ran (None: not known); called lazily
    catalog_before: Callable[[], Any] | None = None

    @property
    def path(self) -> str:
        return self.document.path

    @cached_property
    def file(self) -> FileInfo:
        if self.info is None:
            self.info = file_info(
                self.document.path,
                self.settings,
                self.document.text,
                language=self.document.language,
                check_git=False,
            )
        return self.info

    @cached_property
    def is_migration(self) -> bool:
        return self.file.is_migration

    @cached_property
    def schema_before(self):
        """The schema as of this migration (earlier migrations only); the whole catalog elsewhere."""
        if self.catalog_before is not None and self.file.is_migration:
            try:
                return self.catalog_before()
            except Exception:  # the final schema is still a better answer than none
                return self.catalog
        return self.catalog

    @cached_property
    def is_query_file(self) -> bool:
        """A file of named queries (sqlc, aiosql, pgtyped) or under queries/: migration rules do not apply.

        A file under a migrations folder is a migration whatever its comments say
        (a ``-- name:`` comment in it does not turn the migration rules off).
        """
        if self.is_migration:
            return False
        path = self.document.path.replace("\\", "/")
        if QUERY_PATH_RE.search(path):
            return True
        text = self.document.text
        return (
            self.document.language == "sql"
            and "name:" in text
            and QUERY_HEADER_RE.search(text) is not None
        )

    def fact(self, name: str):
        if name not in self.facts:
            builder = document_facts().get(name)
            self.facts[name] = builder(self) if builder else None
        return self.facts[name]


@dataclass
class SqlContext:
    """A region's statements plus what the file as a whole tells about them."""

    ctx: Context
    region: Region
    statements: list[Statement]

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @cached_property
    def in_migration(self) -> bool:
        """Whether migration rules apply here: a SQL file that is not a file of named
        queries, or SQL an ORM migration runs."""
        region = self.region
        if (
            region.kind == "file"
            and not self.ctx.is_migration
            and SCHEMA_FILE_RE.search(self.ctx.path or "")
        ):
            return False  # a schema file (install script, dump) runs on an empty database, never on a live one
        return (region.kind == "file" and not self.ctx.is_query_file) or bool(
            region.meta.get("migration", False)
        )

    @property
    def document(self) -> Document:
        return self.ctx.document

    @property
    def catalog(self):
        return self.ctx.catalog

    @cached_property
    def created_tables(self) -> dict[str, int]:
        """Tables created in this region -> index of the creating statement."""
        created: dict[str, int] = {}
        for stmt in self.statements:
            if stmt.kind == "CreateStmt":
                name = stmt.relation  # (without decoding the statement again)
            elif stmt.kind == "CreateTableAsStmt" and stmt.node:
                name = relation_name((stmt.node.get("into") or {}).get("rel"))
            else:
                continue
            if name:
                created.setdefault(name.lower(), stmt.index)
                created.setdefault(name.lower().rsplit(".", 1)[-1], stmt.index)
        return created

    @property
    def outer(self) -> tuple[SqlContext, Statement] | None:
        """For a nested region (a DO body): the enclosing region's context and statement."""
        return self.region.meta.get("outer")

    def is_new_table(self, name: str | None, stmt: Statement) -> bool:
        """True when ``name`` was created earlier in the same file (so it is empty and unused)."""
        if not name:
            return False
        index = self.created_tables.get(name.lower())
        if index is None:
            index = self.created_tables.get(name.lower().rsplit(".", 1)[-1])
        if index is not None and index < stmt.index:
            return True
        outer = self.outer
        if outer is not None:
            return outer[0].is_new_table(name, outer[1])
        if self.region.meta.get("all_tables_new"):  # e.g. an initial or squashed ORM migration
            return True
        created_before = self.region.meta.get("created_tables")
        if created_before:  # tables created by earlier operations of the same migration (ORM files)
            short = name.lower().rsplit(".", 1)[-1]
            return name.lower() in created_before or short in created_before
        return False

    def known_columns(self, table: str | None, stmt: Statement) -> list[str] | None:
        """Columns of ``table`` as known at ``stmt``: from DDL earlier in this file, else the catalog."""
        if not table:
            return None
        history = self._ddl_columns.get(table.lower().rsplit(".", 1)[-1])
        if history:
            i = bisect.bisect_left([idx for idx, _ in history], stmt.index) - 1
            if i >= 0:
                columns = history[i][1]
                return list(columns) if columns is not None else None
        catalog = self.ctx.schema_before
        if catalog is not None:
            return catalog.columns_of(table)
        return None

    @cached_property
    def _ddl_columns(self) -> dict[str, list[tuple[int, tuple[str, ...] | None]]]:
        """table -> [(statement index, columns after it)], from this region's DDL, in one pass."""
        history: dict[str, list[tuple[int, tuple[str, ...] | None]]] = {}
        current: dict[str, list[str] | None] = {}
        for stmt in self.statements:
            if stmt.kind not in DDL_KINDS or stmt.node is None:
                continue
            touched = _apply_ddl(stmt, current)
            for table in touched:
                cols = current.get(table)
                history.setdefault(table, []).append(
                    (stmt.index, tuple(cols) if cols is not None else None)
                )
        return history

    @cached_property
    def ddl_hashes(self) -> list[int]:
        """For each statement, a hash of the DDL before it (what a statement rule may depend on)."""
        out = []
        running = 0
        for stmt in self.statements:
            out.append(running)
            if stmt.kind in DDL_KINDS or stmt.kind == "TransactionStmt":
                running = hash((running, stmt.text))
        return out

    def source(self, stmt: Statement, rel_start: int, rel_end: int) -> str:
        """The user's own text for a range of a statement (placeholders as written)."""
        s, e = stmt.doc_range(rel_start, rel_end)
        return self.document.data[s:e].decode("utf-8", "surrogatepass")

    def edit(self, stmt: Statement, rel_start: int, rel_end: int, new_text: str) -> Edit:
        s, e = stmt.doc_range(rel_start, rel_end)
        return Edit(s, e, new_text)

    def insert(self, stmt: Statement, rel_offset: int, new_text: str) -> Edit:
        s = stmt.region.to_doc(stmt.start + rel_offset)
        return Edit(s, s, new_text)

    def finding(
        self,
        rule: Rule,
        stmt: Statement,
        rel_start: int,
        rel_end: int,
        message=None,
        fix=None,
        **fmt,
    ) -> Finding:
        s, e = stmt.doc_range(rel_start, rel_end)
        return rule.finding(s, e, message, fix, **fmt)


DDL_KINDS = frozenset(
    {
        "CreateStmt",
        "CreateTableAsStmt",
        "AlterTableStmt",
        "RenameStmt",
        "DropStmt",
        "IndexStmt",
        "ViewStmt",
    }
)


def _short(name: str | None) -> str:
    return (name or "").lower().rsplit(".", 1)[-1]


def _apply_ddl(stmt: Statement, current: dict[str, list[str] | None]) -> list[str]:
    """Apply one DDL statement to ``current`` (table -> columns); returns the tables it touched."""
    node = stmt.node or {}
    if stmt.kind == "CreateStmt":
        table = _short(relation_name(node.get("relation")))
        if node.get("inhRelations") or node.get("ofTypename"):
            current[table] = None  # inherited columns are not visible here
        else:
            current[table] = [
                e["ColumnDef"]["colname"] for e in node.get("tableElts", []) if "ColumnDef" in e
            ]
        return [table]
    if stmt.kind == "AlterTableStmt":
        table = _short(relation_name(node.get("relation")))
        cols = current.get(table)
        if cols is None:
            return []
        for cmd in node.get("cmds", []):
            c = cmd.get("AlterTableCmd", {})
            if c.get("subtype") == "AT_AddColumn":
                cols.append(c["def"]["ColumnDef"]["colname"])
            elif c.get("subtype") == "AT_DropColumn" and c.get("name") in cols:
                cols.remove(c["name"])
        return [table]
    if stmt.kind == "RenameStmt":
        table = _short(relation_name(node.get("relation")))
        cols = current.get(table)
        if (
            node.get("renameType") == "OBJECT_COLUMN"
            and cols is not None
            and node.get("subname") in cols
        ):
            cols[cols.index(node["subname"])] = node.get("newname") or ""
            return [table]
        if node.get("renameType") == "OBJECT_TABLE" and table in current:
            new = _short(node.get("newname"))
            current[new] = current.pop(table)
            return [table, new]
        return []
    if stmt.kind == "DropStmt" and node.get("removeType") == "OBJECT_TABLE":
        touched = []
        for obj in node.get("objects", []):
            names = [
                i.get("String", {}).get("sval", "") for i in obj.get("List", {}).get("items", [])
            ]
            if names and _short(names[-1]) in current:
                current[_short(names[-1])] = None
                touched.append(_short(names[-1]))
        return touched
    return []


def _check_statement(
    stmt, stmt_rules, sctx, region, cacheable, context_key, ddl_hashes, run, findings, result
):
    """Run the statement rules on ``stmt``, or reuse their findings from the statement cache.

    A statement's findings depend on its text, its own source text, the DDL before
    it, the transaction state and the region's context: when none of these
    changed (another edit elsewhere, the same query in another file) they are reused.
    """
    key = None
    if cacheable:
        doc_start, doc_end = stmt.doc_range()
        source = sctx.document.data[doc_start:doc_end]
        key = (
            stmt.text,
            source,
            stmt.in_transaction,
            ddl_hashes[stmt.index],
            context_key,
            tuple(type(r).code for r in stmt_rules),
        )
        cached = STATEMENT_CACHE.get(key)
        if cached is not None:
            mine = [_shift(f, doc_start) for f in cached]
            findings.extend(mine)
            result.stmt_findings[stmt.index] = mine
            return
    before = len(findings)
    errors_before = len(result.errors)
    for rule in stmt_rules:
        run(rule, rule.check_statement, stmt, sctx, region=region)
    result.stmt_findings[stmt.index] = findings[before:]
    if key is not None and len(result.errors) == errors_before:
        _cache_put(key, [_shift(f, -doc_start) for f in findings[before:]])


# statement findings by what they depend on; bounded by the bytes of the texts in the
# keys and an estimate per finding
STATEMENT_CACHE = ByteLRU(16 * MB, "statement findings")


def _cache_put(key, value) -> None:
    size = (
        2 * len(key[0])
        + len(key[1])
        + 300
        + sum(
            400 + len(f.message) + (sum(len(e.new_text) + 100 for e in f.fix.edits) if f.fix else 0)
            for f in value
        )
    )
    STATEMENT_CACHE.put(key, value, size)


def _shift(f: Finding, delta: int) -> Finding:
    """A copy of ``f`` with every offset moved by ``delta`` (for cached findings)."""
    fix = f.fix
    if fix is not None:
        fix = Fix(
            fix.title,
            tuple(Edit(e.start + delta, e.end + delta, e.new_text) for e in fix.edits),
            fix.applicability,
            fix.new_files,
        )
    return Finding(f.code, f.message, f.start + delta, f.end + delta, fix, related=list(f.related))


@dataclass
class RuleError:
    code: str
    path: str
    error: str
    traceback: str


@dataclass
class LintResult:
    document: Document
    findings: list[Finding] = field(default_factory=list)
    errors: list[RuleError] = field(default_factory=list)
    skipped: str | None = None  # why the document was not analysed
    regions: list[Region] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    elapsed: float = 0.0
    # for incremental re-analysis of SQL documents
    stmt_findings: dict = field(
        default_factory=dict
    )  # statement index -> its statement-rule findings
    settings: Settings | None = None
    catalog: Any = None
    incremental: bool = False
    # what the whole file decides for each statement: re-used findings need the same answer
    file_facts: tuple = ()
    stmt_in_up: dict = field(
        default_factory=dict
    )  # statement index -> before a down-migration marker
    # application code: (start, end, maskable, name) of each top-level node (app_incremental)
    chunks: tuple | None = None
    broken_chunks: frozenset = frozenset()  # start offsets of the chunks holding a syntax error
    # (start, end) of the one line that holds its definition's syntax error, when an edit
    # was analysed as that line alone (app_incremental)
    broken_line: tuple[int, int] | None = None
    # re-analysed incrementally in a way that may miss an effect on other definitions
    # (app_incremental): the server runs the full analysis once the user pauses
    approximate: bool = False
    # approximate because the edited definition does not parse, and what the parser's
    # recovery does to the rest of the file is left to the full analysis
    broken_syntax: bool = False


class Cancelled(Exception):
    """A newer version of the document arrived: this analysis was abandoned."""


def _incremental_plan(
    previous: LintResult | None,
    region: Region,
    document: Document,
    settings,
    catalog,
    file_facts: tuple = (),
):
    """Statements for ``region`` re-using ``previous``: (statements, {index: (findings, was_in_up)}) or None.

    Only the statements an edit touched are split and parsed again; those before
    it are kept, those after it are shifted. Falls back (None) whenever the edit
    could change what other statements mean: DDL or transaction control in the
    edited part, cleaned (templated) text, a different configuration, or a
    different answer to a whole-file question (is it a file of named queries?).
    """
    if previous is None or not previous.statements or previous.errors or previous.skipped:
        return None
    if previous.file_facts != file_facts:
        return None
    old_doc = previous.document
    if (
        old_doc.path != document.path
        or previous.settings is not settings
        or previous.catalog is not catalog
        or len(previous.regions) != 1
    ):
        return None
    old_region = previous.regions[0]
    if old_region.sql is not old_doc.text or region.sql is not document.text:
        return None  # cleaned text (templates, placeholders): offsets do not map 1:1
    old, new = old_doc.data, document.data
    p = common_prefix_len(old, new)
    q = common_suffix_len(old, new, min(len(old), len(new)) - p)
    delta = len(new) - len(old)
    change_end = len(old) - q
    stmts = previous.statements
    # a: end of the last statement wholly before the change; b: start of the first wholly after
    i = 0
    while i < len(stmts) and stmts[i].span_end < p:
        i += 1
    j = len(stmts) - 1
    while j >= 0 and stmts[j].span_start > change_end:
        j -= 1
    # stmts[:i] unchanged, stmts[j+1:] shifted; re-split [a, b)
    while True:
        a = stmts[i - 1].span_end if i > 0 else 0
        b = stmts[j + 1].span_start if j + 1 < len(stmts) else len(old)
        in_tx = stmts[i - 1].in_transaction if i > 0 else False
        before = stmts[i - 1].node if i > 0 else None
        if before and stmts[i - 1].kind == "TransactionStmt":
            kind = before.get("kind", "")
            in_tx = kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START") or (
                in_tx
                and kind not in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE")
            )
        middle, dangling = split_range(region, a, b + delta, i, in_tx)
        if not dangling or j + 1 >= len(stmts):
            break
        # the edit ran into the next statement (a ';' removed, a quote opened): take in
        # twice as many each time, so a run-away quote costs a few splits, not one per statement
        j = min(len(stmts) - 1, j + max(1, j + 1 - i))
    touched = stmts[i : j + 1] + middle
    if any(st.kind in DDL_KINDS or st.kind == "TransactionStmt" for st in touched):
        return None
    from .app_incremental import relocated

    # the findings kept keep their offsets before the edit and move by delta after it (a
    # fix may edit another statement: a COMMIT, an opt-out comment at the top)
    moved: dict[int, list[Finding]] = {}
    for st in stmts[:i] + stmts[j + 1 :]:
        found = previous.stmt_findings.get(st.index)
        if found is None:
            continue
        out = []
        for f in found:
            g = relocated(f, p, change_end, delta)
            if g is None:
                return None  # a fix of another statement rewrites the edited text
            out.append(g)
        moved[st.index] = out
    statements: list[Statement] = []
    reuse: dict[int, tuple[list[Finding], Any]] = {}  # index -> (findings, in the up section)
    for st in stmts[:i]:
        st.region = region
        statements.append(st)
        if st.index in moved:
            reuse[st.index] = (moved[st.index], previous.stmt_in_up.get(st.index))
    statements.extend(middle)
    shift_index = i + len(middle) - (j + 1)
    # The statements after the edit move by delta. They are moved in place: the previous
    # result is superseded by this one (the session swaps snapshots after the lint).
    for st in stmts[j + 1 :]:
        found = moved.get(st.index)
        was_in_up = previous.stmt_in_up.get(st.index)
        st.region = region
        st.index += shift_index
        if delta:
            st.start += delta
            st.end += delta
            st.span_start += delta
            st.span_end += delta
        statements.append(st)
        if found is not None:
            reuse[st.index] = (found, was_in_up)
    return statements, reuse


def skip_reason(document: Document, settings: Settings) -> str | None:
    if len(document.data) > settings.max_file_bytes:
        return f"file is larger than {settings.max_file_bytes} bytes (max-file-bytes); not analysed"
    if "\x00" in document.text[:8192] or "\x00" in document.text[-8192:]:
        return "file looks binary (contains NUL bytes); not analysed"
    if (
        document.language != "sql"
    ):  # application code is parsed with tree-sitter: check its limits first
        from . import languages

        return languages.parse_refusal(document.data, document.language or "")
    return None


def enabled_rules(
    settings: Settings, document: Document, info: FileInfo | None = None
) -> list[type[Rule]]:
    """The rules that judge this document: enabled, for its language and (``info``) its SQL
    dialect. Every one of them is imported (:func:`lint` imports a rule only when the
    document has something it checks)."""
    return [load(i) for i in enabled_infos(settings, document, info)]


def enabled_infos(
    settings: Settings, document: Document, info: FileInfo | None = None
) -> list[RuleInfo]:
    """The index entries of :func:`enabled_rules` (nothing is imported)."""
    dialect = None if info is None else (info.dialect, info.candidates)
    candidates = _selected_rules(settings, document.language, dialect, info)
    if settings.per_file_ignores:
        candidates = [r for r in candidates if settings.rule_enabled(r.code, document.path)]
    return list(candidates)


# (settings, {(language, dialect): rules}) of the settings last asked about: the selection
# is the same for every file of a run, so it is computed once per language and dialect,
# not per file.
_SELECTED: list[tuple[Settings, dict[tuple, list[RuleInfo]]]] = []


def _selected_rules(
    settings: Settings, lang: str | None, dialect: tuple | None, info: FileInfo | None
) -> list[RuleInfo]:
    """The rules for ``lang`` (and the dialect of ``info``) that ``settings`` select (per-file
    ignores aside)."""
    chosen = next((b for s, b in _SELECTED if s is settings), None)
    if chosen is None:
        chosen = {}
        _SELECTED.insert(0, (settings, chosen))
        del _SELECTED[4:]  # a few settings objects at once (an editor with several roots)
    key = (lang, dialect)
    if key not in chosen:
        may_be = info.may_be if info is not None else None
        chosen[key] = [i for i in infos_for(lang, may_be) if settings.rule_enabled(i.code)]
    return chosen[key]


class _Rules:
    """The enabled rules of one analysis, each imported and made the first time a statement
    of a kind it checks (a region, a document) asks for it: a file of queries imports no
    rule about `ALTER TABLE`. Grouped as the engine runs them, in code order."""

    # the grouping of the last few selections (every file of a language asks with the same
    # rules): (the rules, by kind, region rules, document rules), the newest first. Found by
    # comparing the rules (the same objects compare by identity), not by their id()s: a run
    # that records its inputs hears every id() call in its audit hook
    _grouped: list[tuple] = []

    def __init__(self, infos: list[RuleInfo]) -> None:
        self.made: dict[str, Rule] = {}
        rules = tuple(infos)
        grouped = self._grouped
        known = next((g for g in grouped if g[0] == rules), None)
        if known is None:
            # statement rules by kind (None: every kind), region rules, document rules
            by_kind: dict[str | None, list[RuleInfo]] = {}
            region: list[RuleInfo] = []
            for i in infos:
                if i.statement_kinds is None:
                    by_kind.setdefault(None, []).append(i)
                else:
                    for kind in i.statement_kinds:
                        by_kind.setdefault(kind, []).append(i)
                if "region" in i.hooks:
                    region.append(i)
            document = [i for i in infos if "document" in i.hooks]
            known = (rules, by_kind, region, document)
            del grouped[15:]
            grouped.insert(0, known)
        # (shared between analyses: read, never changed)
        self.by_kind, self.region, self.document = known[1], known[2], known[3]

    def get(self, info: RuleInfo) -> Rule:
        rule = self.made.get(info.code)
        if rule is None:
            rule = self.made[info.code] = load(info)()
        return rule

    def for_kind(self, kind: str) -> list[RuleInfo]:
        return self.by_kind.get(kind, []) + self.by_kind.get(None, [])


def lint(
    document: Document,
    settings: Settings | None = None,
    catalog=None,
    previous: LintResult | None = None,
    *,
    cache: bool = True,
    info: FileInfo | None = None,
    catalog_before: Callable[[], Any] | None = None,
    history: str | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LintResult:
    """Findings of every enabled rule on ``document``.

    ``previous`` (the result for an earlier version of the same document)
    lets a SQL file be re-analysed incrementally: only the statements an edit
    touched are split, parsed and checked again. ``cache`` keeps each
    statement's findings for reuse (worth it in an editor, not in one-shot runs).
    ``info`` is what the project model says the file is (computed here when not
    given): rules for other SQL dialects do not run, a down migration gets no
    migration advice. ``catalog_before`` gives the schema as of a migration file.
    Without ``cache``, each statement's decoded tree is dropped once it has been checked.
    ``history``: what to do with the findings of a migration already on the main line
    (:mod:`backend_architect.project.history`): ``"hide"`` its MIGRATION findings (the
    default; ``"show"`` when the ``include-history`` setting is on), ``"hint"`` (the editor:
    every finding as a hint) — in every mode without fixes: history is never rewritten.
    ``cancelled``: asked between steps of a full analysis; when it answers True the
    analysis stops with :class:`Cancelled` (``previous`` is then left as it was).
    """
    settings = settings or Settings()
    started = time.perf_counter()
    result = LintResult(document)
    if not settings.enable or document.language is None:
        return result
    result.skipped = skip_reason(document, settings)
    if result.skipped:
        return result
    ctx = Context(document, settings, catalog, info=info, catalog_before=catalog_before)
    info = ctx.file
    if info.is_migration and info.runner and document.language == "sql":
        info = ctx.info = _transaction_of_text(
            info, document.text
        )  # the text may differ from the disk's
        ctx.__dict__["file"] = info
    if (
        previous is not None
        and document.language != "sql"
        and previous.settings is settings
        and previous.catalog is catalog
    ):
        from .app_incremental import fast_path

        def whole(doc: Document) -> LintResult:
            return lint(
                doc,
                settings,
                catalog,
                cache=cache,
                info=info,
                catalog_before=catalog_before,
                history=history,
            )

        quick = fast_path(document, previous, whole)
        if quick is not None:
            quick.elapsed = time.perf_counter() - started
            return quick
    # a migration already on the main line: the rules whose findings would be hidden do not run
    past = history_of_file(document.path, info, settings)
    rule_infos = enabled_infos(settings, document, info)
    hidden = hidden_commands(past, settings, history)
    if hidden:
        named = _suppressed_codes(document)  # a noqa naming a rule must still hear whether it fired
        rule_infos = [r for r in rule_infos if r.command not in hidden or r.code in named]
    rules = _Rules(rule_infos)
    findings: list[Finding] = []

    def run(rule: Rule, fn, *args, region: Region | None = None) -> None:
        try:
            out = fn(*args)
            if out:
                out = list(out)
                if region is not None and region.meta.get("escape_quotes"):
                    out = [_escape_fix_quotes(f) for f in out]
                hook = region.meta.get("fix_hook") if region is not None else None
                if hook is not None:  # e.g. an ORM operation: its own fix instead of the SQL one
                    out = [hook(f) for f in out]
                findings.extend(out)
        except Exception as exc:  # a broken rule must never take the others down
            result.errors.append(
                RuleError(rule.code, document.path, f"{type(exc).__name__}: {exc}", _format_exc())
            )

    result.settings = settings
    result.catalog = catalog
    plan = None
    # SQL: the document itself or strings inside application code
    if document.language == "sql":
        regions = [region_for_sql_document(document.text)]
        result.file_facts = (ctx.is_query_file,)
        plan = _incremental_plan(
            previous, regions[0], document, settings, catalog, result.file_facts
        )
    else:
        # an ORM migration's operations are read only for a rule that checks SQL (not so for
        # one already applied, whose SQL rules are off) or a noqa comment that may lie in them
        finder = region_finder(
            document.language,
            orm=_checks_sql(rules, catalog) or _may_suppress(document, rule_infos),
        )
        regions = []
        if finder is not None:
            try:
                regions = finder(ctx)
            except Exception as exc:
                result.errors.append(RuleError("regions", document.path, repr(exc), _format_exc()))
    if info.dialect in NOT_SQL:
        regions = []  # CQL and the like: SQL-looking strings that no SQL rule can judge
    result.regions = list(regions)

    def check_cancelled() -> None:
        if cancelled is not None and plan is None and cancelled():
            raise Cancelled(document.uri)

    check_cancelled()
    # a rollback file whose rules all judge deploy steps: no rule reads its statements' trees
    trees = cache or not _rollback_only(rules, info)
    queue = list(regions)
    while queue:
        region = queue.pop(0)
        check_cancelled()
        if plan is not None and region is regions[0]:
            statements, reuse = plan
            result.incremental = True
        elif trees or may_be_unterminated(region.data):
            statements, reuse = split_statements(region, cache, trees), {}
        else:  # nothing to report of its statements: none can hold a literal left open
            statements, reuse = [], {}
        if (
            region.meta.get("in_transaction")
            or (
                region.kind == "file"
                and info.is_migration
                and info.in_transaction
                and not info.is_down
                and not _one_statement_query(info, region, statements)
            )
            or (
                region.kind == "file"
                and info.is_migration
                and _batch_of_many(info, region, statements)
            )
        ):
            for stmt in statements:  # the runner wraps the file (or the region) in a transaction
                stmt.in_transaction = True
        result.statements.extend(statements)
        sctx = SqlContext(ctx, region, statements)
        in_migration = sctx.in_migration
        # up/down files (goose, dbmate, sql-migrate): the down part is a rollback, not a deploy
        if info.is_down and (region.kind == "file" or region.meta.get("migration")):
            down_from = 0  # a rollback file: nothing in it is a deploy step
        elif region.kind == "file":
            down_from = _down_section_start(region, statements)
        else:
            down_from = len(statements)
        up_sctx = (
            sctx
            if down_from == len(statements)
            else SqlContext(ctx, region, statements[:down_from])
        )
        ddl_hashes = sctx.ddl_hashes if cache else []  # (keys of the statement cache only)
        public_meta = tuple(sorted((k, v) for k, v in region.meta.items() if not k.startswith("_")))
        try:
            hash(public_meta)
            cacheable = True
        except TypeError:  # e.g. a nested region pointing at its outer statement
            cacheable = False
        cacheable = cacheable and cache
        context_key = (
            document.path,
            region.kind,
            public_meta if cacheable else None,
            in_migration,
            settings.postgres_version,
            settings.migration,
            info.dialect,
            info.direction,
            getattr(catalog, "version", id(catalog)),
            catalog_before is not None,
        )
        track_up = region is regions[0] and region.kind == "file"
        # the rules for a statement depend on its kind and whether it is a deploy step only
        chosen: dict[tuple[str, bool], tuple[list[RuleInfo], bool]] = {}
        finders = nested_region_finders() if trees else []  # (their statements: no rule either)
        for stmt in statements:
            if stmt.index % 64 == 63:
                check_cancelled()
            in_up = stmt.index < down_from
            if track_up:
                result.stmt_in_up[stmt.index] = in_up
            reused = reuse.get(stmt.index)
            if reused is not None and reused[1] == in_up:  # (a down marker may have moved)
                findings.extend(reused[0])
                result.stmt_findings[stmt.index] = reused[0]
                continue
            if stmt.kind is None:
                continue
            known = chosen.get((stmt.kind, in_up))
            if known is None:
                infos_here = [
                    i
                    for i in rules.for_kind(stmt.kind)
                    if not (i.sql_scope == "migration" and not (in_migration and in_up))
                    and not (i.needs_catalog and catalog is None)
                ]
                known = chosen[(stmt.kind, in_up)] = (
                    infos_here,
                    any(i.command in DESIGN_COMMANDS for i in infos_here),
                )
            stmt_infos, designs = known
            if (
                designs
                and _names_bookkeeping(stmt.text)  # the tree is decoded only then
                and is_bookkeeping_table(stmt.relation)
            ):
                stmt_infos = [i for i in stmt_infos if i.command not in DESIGN_COMMANDS]
            stmt_rules = [rules.get(i) for i in stmt_infos]
            if stmt_rules:
                _check_statement(
                    stmt,
                    stmt_rules,
                    sctx,
                    region,
                    cacheable,
                    context_key,
                    ddl_hashes,
                    run,
                    findings,
                    result,
                )
            for find_nested in finders:
                try:
                    nested = find_nested(stmt)
                except Exception as exc:
                    result.errors.append(
                        RuleError("regions", document.path, repr(exc), _format_exc())
                    )
                    continue
                for sub in nested:
                    sub.meta.setdefault("migration", in_migration)
                    sub.meta["outer"] = (sctx, stmt)
                    result.regions.append(sub)
                    queue.append(sub)
            if not cache:  # one-shot run: decoded again if a region rule asks; a large file's trees never pile up
                stmt.release()
        for i in rules.region:
            if i.sql_scope == "migration" and not in_migration:
                continue
            if i.needs_catalog and catalog is None:
                continue
            rule = rules.get(i)
            run(
                rule,
                rule.check_region,
                up_sctx if i.sql_scope == "migration" else sctx,
                region=region,
            )
        if not cache:
            for stmt in statements:
                stmt.release()

    for i in rules.document:
        if i.needs_catalog and catalog is None:
            continue
        check_cancelled()
        rule = rules.get(i)
        run(rule, rule.check_document, ctx)
    if document.language != "sql":
        tree = ctx.facts.get("app_tree")
        if tree is None and cache:
            # the editor's next edit re-analyses only the definitions it touches: that needs
            # the file's definitions even when no rule needed its tree (a one-shot run does not)
            tree = ctx.fact("app_tree")
        if tree is not None and cache:  # (a one-shot run has no next edit)
            from .app_incremental import chunks_of

            result.chunks = chunks_of(tree)
            result.broken_chunks = frozenset(
                n.start_byte for n in tree.root_node.children if n.has_error
            )

    by_code = {code: type(r) for code, r in rules.made.items()}
    for f in findings:
        meta = by_code.get(f.code) or rule_by_code(f.code)
        if f.fix is not None and meta is not None and not info.may_be(meta.fix_dialects):
            f.fix = None  # the fix is written in another dialect's SQL
        if f.fix is not None and _has_placeholder(f.fix):
            f.fix = None  # the fix would write our stand-in for a templated name into the file
        if (
            PLACEHOLDER_SCHEMA in f.message
        ):  # a templated name: show it as a template, not our stand-in
            f.message = f.message.replace(PLACEHOLDER_SCHEMA, "{{…}}")
        if meta is not None:
            f.command = meta.command
            f.name = meta.name
            f.severity = Severity(settings.severity_for(f.code, meta.severity.value))
    findings = _apply_suppressions(document, findings, settings, regions)
    if findings and past is not None:
        findings = _history_findings(findings, settings, history, past)
    findings.sort(key=Finding.sort_key)
    result.findings = findings
    result.elapsed = time.perf_counter() - started
    return result


def _rollback_only(rules: _Rules, info: FileInfo) -> bool:
    """Whether ``info`` is a down migration whose selected rules are all statement rules that
    judge deploy steps (``sql_scope == "migration"``), which no statement of a rollback is:
    then none of its statements (nor of the SQL nested in them) is checked by any rule."""
    return (
        info.is_down
        and not rules.region
        and all(i.sql_scope == "migration" for kind in rules.by_kind.values() for i in kind)
    )


def _checks_sql(rules: _Rules, catalog) -> bool:
    """Whether any of ``rules`` checks a statement or a region of SQL."""
    infos = rules.region + [i for kind in rules.by_kind.values() for i in kind]
    return any(not (i.needs_catalog and catalog is None) for i in infos)


def _may_suppress(document: Document, infos: list[RuleInfo]) -> bool:
    """Whether a noqa comment of ``document`` may silence a finding of one of ``infos``
    (a bare noqa, or one naming such a rule; another tool's codes cannot)."""
    enabled = {i.code for i in infos}
    return any(
        sup.codes is None or not enabled.isdisjoint(sup.codes)
        for sup in find_suppressions(document).values()
    )


def _names_bookkeeping(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _BOOKKEEPING_WORDS)


def _one_statement_query(info: FileInfo, region: Region, statements: list[Statement]) -> bool:
    """A runner that sends the file as one query (golang-migrate, Prisma) and a file of one
    statement: a single statement is no transaction block."""
    if info.runner not in ("golang-migrate", "prisma"):
        return False
    end = _down_section_start(region, statements)
    return sum(1 for s in statements[:end] if s.kind is not None) <= 1


def _batch_of_many(info: FileInfo, region: Region, statements: list[Statement]) -> bool:
    """diesel, dbmate and sqlx send a file that opted out of their transaction as one query: with
    more than one statement that is still a transaction block."""
    if (
        info.runner not in ("diesel", "dbmate", "sqlx")
        or info.in_transaction is not False
        or info.is_down
    ):
        return False
    end = _down_section_start(region, statements)
    return sum(1 for s in statements[:end] if s.kind is not None) > 1


def _transaction_of_text(info: FileInfo, text: str) -> FileInfo:
    """``info`` with whether the runner wraps the file read from ``text`` (an opt-out a fix just added)."""
    import dataclasses

    from ..project.model import model
    from ..project.runner import file_transaction

    runner = model().runner(info.migration_folder) if info.migration_folder else None
    in_tx, why = file_transaction(runner, info.path, text)
    if in_tx == info.in_transaction:
        return info
    return dataclasses.replace(info, in_transaction=in_tx, transaction_source=why)


def _has_placeholder(fix) -> bool:
    marks = (
        PLACEHOLDER_SCHEMA,
        "__tmpl__",
    )  # the stand-ins for templated names (regions, app.embedded)
    return any(m in e.new_text for e in fix.edits for m in marks) or any(
        m in nf.text or m in nf.path for nf in fix.new_files for m in marks
    )


HISTORY_HIDDEN = (
    "MIGRATION",
    "SCHEMA_DESIGN",
    "QUERY_OPTIMIZE",  # a statement of an applied migration ran once and never runs again
)  # advice a historical migration cannot take
SNAPSHOT_HIDDEN = ("INDEX_STRATEGY",)  # and a schema snapshot's, judged in the history it mirrors
DESIGN_COMMANDS = ("SCHEMA_DESIGN", "INDEX_STRATEGY")  # not for a migration tool's own table


def history_of_file(path: str | None, info: FileInfo, settings: Settings):
    """The file's :class:`~backend_architect.project.history.History` when it is history (a
    migration on the main line, or a schema snapshot of such a history), else None."""
    if not ((info.is_migration or info.language == "sql") and info.not_own is None and path):
        return None
    from ..project.history import history_of

    past = history_of(path, settings)
    if not past.historical or (not info.is_migration and not past.snapshot):
        return None  # (a SQL file that is not a migration is history only as a snapshot)
    return past


def hidden_commands(past, settings: Settings, mode: str | None = None) -> tuple[str, ...]:
    """The commands whose findings are dropped for a document whose history is ``past``."""
    if past is None or (mode or ("show" if settings.include_history else "hide")) != "hide":
        return ()
    # a schema snapshot repeats the history's tables: their index advice belongs there too
    return HISTORY_HIDDEN + SNAPSHOT_HIDDEN if past.snapshot else HISTORY_HIDDEN


def _suppressed_codes(document: Document) -> set[str]:
    """The codes the document's ``noqa`` comments name."""
    return {c for sup in find_suppressions(document).values() for c in sup.codes or ()}


def _history_findings(
    findings: list[Finding], settings: Settings, mode: str | None, past
) -> list[Finding]:
    """A migration on the main line (``past``: :func:`history_of_file`): never fixed;
    its MIGRATION and SCHEMA_DESIGN findings hidden (the file cannot change: a table's
    design is judged where it is written, in the migration not yet applied), shown, or
    hints. (In the "hide" mode the rules of those commands do not run at all.)"""
    mode = mode or ("show" if settings.include_history else "hide")
    hidden = hidden_commands(past, settings, mode)
    out = []
    for f in findings:
        if f.command in hidden and mode == "hide":
            continue
        f.fix = None
        if mode == "hint":
            f.severity = Severity.HINT
        out.append(f)
    return out


def _down_section_start(region: Region, statements: list[Statement]) -> int:
    """Index of the first statement after a down-migration marker (len(statements) when none)."""
    sql = region.sql
    low = sql.lower()
    if "goose" not in low and "migrate" not in low and "@undo" not in low:
        return len(statements)  # no marker can match: skip the multi-line search
    m = DOWN_MARKER_RE.search(sql)
    if m is None:
        return len(statements)
    pos = len(region.sql[: m.start()].encode("utf-8", "surrogatepass"))
    for stmt in statements:
        if stmt.start >= pos:
            return stmt.index
    return len(statements)


def _escape_fix_quotes(f: Finding) -> Finding:
    """Fix text going into a single-quoted SQL string (EXECUTE '...') needs its quotes doubled."""
    if f.fix is None or not any("'" in e.new_text for e in f.fix.edits):
        return f
    from dataclasses import replace as _replace

    edits = tuple(Edit(e.start, e.end, e.new_text.replace("'", "''")) for e in f.fix.edits)
    f.fix = _replace(f.fix, edits=edits)
    return f


# -- suppression ---------------------------------------------------------------------

NOQA_RE = lazy(
    r"(?P<marker>--|#|//)\s*noqa(?P<colon>:\s*(?P<codes>[A-Z]{2,3}[0-9]{3}(?:[\s,]+[A-Z]{2,3}[0-9]{3})*))?",
    re.IGNORECASE,
)


@dataclass
class Suppression:
    line: int
    start: int  # byte offsets of the whole comment text "-- noqa: X"
    end: int
    codes: tuple[str, ...] | None  # None: every code
    used: set = field(default_factory=set)


def find_suppressions(document: Document) -> dict[int, Suppression]:
    out: dict[int, Suppression] = {}
    text = document.text
    if "noqa" not in text and "NOQA" not in text:
        return out
    for m in NOQA_RE.finditer(text):
        codes = m.group("codes")
        start = document.offset_of_char(m.start())
        end = document.offset_of_char(m.end())
        line = document.line_of(start)
        parsed = tuple(c.upper() for c in re.split(r"[\s,]+", codes.strip())) if codes else None
        out[line] = Suppression(line, start, end, parsed)
    return out


def _string_lines(document: Document, regions: list[Region] | None, offset: int) -> set[int]:
    """First and last line of the code string holding ``offset`` (a comment cannot go inside it)."""
    for region in regions or ():
        if region.kind != "file" and region.host_start <= offset < region.host_end:
            return {
                document.line_of(region.host_start),
                document.line_of(max(region.host_start, region.host_end - 1)),
            }
    return set()


def _apply_suppressions(
    document: Document,
    findings: list[Finding],
    settings: Settings,
    regions: list[Region] | None = None,
) -> list[Finding]:
    sups = find_suppressions(document)
    if not sups:
        return findings
    kept = []
    for f in findings:
        lines = {document.line_of(f.start), document.line_of(max(f.start, f.end - 1))}
        lines |= _string_lines(document, regions, f.start)
        suppressed = False
        for line in lines:
            sup = sups.get(line)
            if sup and (sup.codes is None or f.code in sup.codes):
                sup.used.add(f.code)
                suppressed = True
        if not suppressed:
            kept.append(f)
    unused_rule = rule_by_code(UNUSED_NOQA)
    if unused_rule is None or not settings.rule_enabled(UNUSED_NOQA, document.path):
        return kept
    known = codes()
    for sup in sups.values():
        if sup.codes is None:
            continue
        unused = [
            c
            for c in sup.codes
            if c in known and c not in sup.used and settings.rule_enabled(c, document.path)
        ]
        if not unused:
            continue
        remaining = [c for c in sup.codes if c not in unused]
        comment = document.data[sup.start : sup.end].decode("utf-8", "surrogatepass")
        marker = _comment_marker(comment)
        if remaining:
            new_text = f"{marker} noqa: {', '.join(remaining)}"
            edit = Edit(sup.start, sup.end, new_text)
        else:
            # drop the comment and the blanks before it
            line_start = document.line_starts[sup.line]
            before = document.data[line_start : sup.start]
            strip = len(before) - len(before.rstrip())
            edit = Edit(sup.start - strip, sup.end, "")
        f = Finding(
            UNUSED_NOQA,
            f"Unused suppression: {', '.join(unused)} not reported on this line",
            sup.start,
            sup.end,
            Fix("remove the unused suppression", (edit,)),
            severity=Severity(settings.severity_for(UNUSED_NOQA, unused_rule.severity.value)),
            command=unused_rule.command,
            name=unused_rule.name,
        )
        kept.append(f)
    return kept


def suppression_edit(
    document: Document, finding: Finding, regions: list[Region] | None = None
) -> Edit:
    """An edit that adds ``noqa: CODE`` on the finding's line (or extends an existing one).

    Inside a multi-line string in code the comment goes on the line where the string ends.
    """
    sups = find_suppressions(document)
    line = document.line_of(finding.start)
    if document.language != "sql":
        finder = region_finder(document.language) if regions is None else None
        if finder is not None:
            try:
                regions = finder(Context(document, Settings()))
            except Exception:
                regions = []
        for region in regions or ():
            if region.kind != "file" and region.host_start <= finding.start < region.host_end:
                line = document.line_of(max(region.host_start, region.host_end - 1))
                break
    sup = sups.get(line)
    if sup is not None and sup.codes is not None:
        comment = document.data[sup.start : sup.end].decode("utf-8", "surrogatepass")
        marker = _comment_marker(comment)
        return Edit(
            sup.start, sup.end, f"{marker} noqa: {', '.join(list(sup.codes) + [finding.code])}"
        )
    marker = {"sql": "--", "python": "#"}.get(document.language or "", "//")
    line_text = document.line_text(line)
    end = document.line_starts[line] + len(line_text.encode("utf-8", "surrogatepass"))
    return Edit(end, end, f"  {marker} noqa: {finding.code}")


# -- fixing ------------------------------------------------------------------------------


def select_fixes(
    findings: Iterable[Finding], *, safe_only: bool = True, codes: set[str] | None = None
) -> list[Fix]:
    """Non-overlapping fixes, first come first served."""
    chosen: list[Fix] = []
    taken: list[tuple[int, int]] = []
    for f in sorted(findings, key=Finding.sort_key):
        fix = f.fix
        if fix is None or not fix.edits and not fix.new_files:
            continue
        if safe_only and not fix.is_safe:
            continue
        if codes is not None and f.code not in codes:
            continue
        spans = [(e.start, e.end) for e in fix.edits]
        if any(s < te and ts < e or (s == e == ts == te) for s, e in spans for ts, te in taken):
            continue
        taken.extend(spans)
        chosen.append(fix)
    return chosen


@dataclass
class FixResult:
    text: str
    applied: int
    iterations: int
    converged: bool
    remaining: list[Finding]
    new_files: list = field(default_factory=list)
    codes: dict = field(default_factory=dict)  # rule code -> fixes of it applied


def fix_document(
    document: Document,
    settings: Settings | None = None,
    catalog=None,
    *,
    safe_only: bool = True,
    codes: set[str] | None = None,
    max_iterations: int = 10,
    info: FileInfo | None = None,
    catalog_before: Callable[[], Any] | None = None,
) -> FixResult:
    """Apply fixes until nothing changes (or ``max_iterations``). ``info`` and
    ``catalog_before`` as for :func:`lint`."""
    settings = settings or Settings()
    text = document.text
    applied = 0
    new_files: list = []
    counts: dict[str, int] = {}
    doc = document
    for iteration in range(1, max_iterations + 1):
        result = lint(doc, settings, catalog, info=info, catalog_before=catalog_before)
        made = {(nf.path, nf.text) for nf in new_files}
        done = {  # a fix that only creates files made already (a Flyway .conf opt-out) is done
            id(f.fix)
            for f in result.findings
            if f.fix is not None
            and new_files
            and not f.fix.edits
            and f.fix.new_files
            and all((nf.path, nf.text) in made for nf in f.fix.new_files)
        }
        fixes = [
            fx
            for fx in select_fixes(result.findings, safe_only=safe_only, codes=codes)
            if id(fx) not in done
        ]
        if not fixes:
            left = [f for f in result.findings if f.fix is None or id(f.fix) not in done]
            return FixResult(text, applied, iteration, True, left, new_files, counts)
        code_of = {id(f.fix): f.code for f in result.findings if f.fix is not None}
        for fx in fixes:
            counts[code_of[id(fx)]] = counts.get(code_of[id(fx)], 0) + 1
        edits = [e for fx in fixes for e in fx.edits]
        for fx in fixes:
            new_files.extend(fx.new_files)
        new_text = apply_edits(text, edits)
        applied += len(fixes)
        if new_text == text and not any(fx.new_files for fx in fixes):
            return FixResult(text, applied, iteration, True, result.findings, new_files, counts)
        text = new_text
        doc = Document(text, path=document.path, language=document.language, uri=document.uri)
        if any(fx.new_files for fx in fixes) and new_text == document.text:
            # a fix that only creates files converges once those exist
            return FixResult(
                text,
                applied,
                iteration,
                True,
                lint(doc, settings, catalog, info=info, catalog_before=catalog_before).findings,
                new_files,
                counts,
            )
    remaining = lint(doc, settings, catalog, info=info, catalog_before=catalog_before).findings
    return FixResult(text, applied, max_iterations, False, remaining, new_files, counts)


def _comment_marker(comment: str) -> str:
    """The line-comment marker a noqa comment starts with."""
    m = re.match(r"--|#|//", comment)
    return m.group(0) if m else "--"
