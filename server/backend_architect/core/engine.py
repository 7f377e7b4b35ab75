"""Run rules over a document; apply fixes.

The engine isolates rules: one that raises is recorded in ``LintResult.errors``
(the server logs it once) and every other rule's findings still come back.
"""

from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable

from ..config import Settings
from .document import Document, apply_edits
from .findings import Edit, Finding, Fix, Severity
from .registry import Rule, all_rules, rule_by_code
from .regions import Region, region_for_sql_document
from .sql import Statement, relation_name, split_statements

UNUSED_NOQA = "BA001"
MIGRATION_PATH_RE = re.compile(r"(^|/)(migrations?|migrate|db/migrate|alembic/versions|versions|schema)(/|$)|\.up\.sql$", re.I)

# Extra region finders for application code register here (language -> function).
REGION_FINDERS: dict[str, Callable[["Context"], list[Region]]] = {}
# Hooks that build document facts once per lint (e.g. the parsed tree of app code).
DOCUMENT_FACTS: dict[str, Callable[["Context"], Any]] = {}


@dataclass
class Context:
    """What every rule may look at for one document."""

    document: Document
    settings: Settings
    catalog: Any = None  # backend_architect.catalog.Catalog when the workspace has one
    facts: dict = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.document.path

    @cached_property
    def is_migration(self) -> bool:
        return bool(MIGRATION_PATH_RE.search(self.document.path.replace("\\", "/")))

    def fact(self, name: str):
        if name not in self.facts:
            builder = DOCUMENT_FACTS.get(name)
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
            if stmt.kind in ("CreateStmt", "CreateTableAsStmt") and stmt.node:
                rel = stmt.node.get("relation") or (stmt.node.get("into") or {}).get("rel")
                name = relation_name(rel)
                if name:
                    created.setdefault(name.lower(), stmt.index)
                    created.setdefault(name.lower().rsplit(".", 1)[-1], stmt.index)
        return created

    def is_new_table(self, name: str | None, stmt: Statement) -> bool:
        """True when ``name`` was created earlier in the same file (so it is empty and unused)."""
        if not name:
            return False
        index = self.created_tables.get(name.lower())
        if index is None:
            index = self.created_tables.get(name.lower().rsplit(".", 1)[-1])
        return index is not None and index < stmt.index

    def known_columns(self, table: str | None, stmt: Statement) -> list[str] | None:
        """Columns of ``table`` as known at ``stmt``: from DDL earlier in this file, else the catalog."""
        if not table:
            return None
        columns = _columns_from_ddl(self.statements[: stmt.index], table)
        if columns is not None:
            return columns
        catalog = self.catalog
        if catalog is not None:
            return catalog.columns_of(table)
        return None

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

    def finding(self, rule: Rule, stmt: Statement, rel_start: int, rel_end: int, message=None, fix=None, **fmt) -> Finding:
        s, e = stmt.doc_range(rel_start, rel_end)
        return rule.finding(s, e, message, fix, **fmt)


def _columns_from_ddl(statements: list[Statement], table: str) -> list[str] | None:
    """Columns of a table created in ``statements`` (following later ADD/DROP/RENAME COLUMN)."""
    want = table.lower()
    short = want.rsplit(".", 1)[-1]
    columns: list[str] | None = None
    for stmt in statements:
        if stmt.node is None:
            continue
        if stmt.kind == "CreateStmt":
            name = (relation_name(stmt.node.get("relation")) or "").lower()
            if name in (want, short) or name.rsplit(".", 1)[-1] == short and "." not in want:
                if stmt.node.get("inhRelations") or stmt.node.get("ofTypename"):
                    return None  # inherited columns are not visible here
                columns = [
                    e["ColumnDef"]["colname"] for e in stmt.node.get("tableElts", []) if "ColumnDef" in e
                ]
        elif stmt.kind == "AlterTableStmt" and columns is not None:
            name = (relation_name(stmt.node.get("relation")) or "").lower()
            if name.rsplit(".", 1)[-1] != short:
                continue
            for cmd in stmt.node.get("cmds", []):
                c = cmd.get("AlterTableCmd", {})
                if c.get("subtype") == "AT_AddColumn":
                    columns.append(c["def"]["ColumnDef"]["colname"])
                elif c.get("subtype") == "AT_DropColumn" and c.get("name") in columns:
                    columns.remove(c["name"])
        elif stmt.kind == "RenameStmt" and columns is not None and stmt.node.get("renameType") == "OBJECT_COLUMN":
            name = (relation_name(stmt.node.get("relation")) or "").lower()
            if name.rsplit(".", 1)[-1] == short and stmt.node.get("subname") in columns:
                columns[columns.index(stmt.node["subname"])] = stmt.node.get("newname")
        elif stmt.kind == "DropStmt" and columns is not None and stmt.node.get("removeType") == "OBJECT_TABLE":
            for obj in stmt.node.get("objects", []):
                names = [i.get("String", {}).get("sval", "") for i in obj.get("List", {}).get("items", [])]
                if names and names[-1].lower() == short:
                    columns = None
    return columns


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


def skip_reason(document: Document, settings: Settings) -> str | None:
    if len(document.data) > settings.max_file_bytes:
        return f"file is larger than {settings.max_file_bytes} bytes (max-file-bytes); not analysed"
    if "\x00" in document.text[:8192] or "\x00" in document.text[-8192:]:
        return "file looks binary (contains NUL bytes); not analysed"
    return None


def enabled_rules(settings: Settings, document: Document) -> list[type[Rule]]:
    lang = document.language
    return [
        r
        for r in all_rules()
        if lang in r.languages and settings.rule_enabled(r.code, document.path)
    ]


def _overrides(rule: type[Rule], hook: str) -> bool:
    return getattr(rule, hook) is not getattr(Rule, hook)


def lint(document: Document, settings: Settings | None = None, catalog=None) -> LintResult:
    settings = settings or Settings()
    started = time.perf_counter()
    result = LintResult(document)
    if not settings.enable or document.language is None:
        return result
    result.skipped = skip_reason(document, settings)
    if result.skipped:
        return result
    ctx = Context(document, settings, catalog)
    rules = [r() for r in enabled_rules(settings, document)]
    findings: list[Finding] = []

    def run(rule: Rule, fn, *args) -> None:
        try:
            out = fn(*args)
            if out:
                findings.extend(out)
        except Exception as exc:  # a broken rule must never take the others down
            result.errors.append(
                RuleError(rule.code, document.path, f"{type(exc).__name__}: {exc}", traceback.format_exc())
            )

    # SQL: the document itself or strings inside application code
    if document.language == "sql":
        regions = [region_for_sql_document(document.text)]
    else:
        finder = REGION_FINDERS.get(document.language)
        regions = []
        if finder is not None:
            try:
                regions = finder(ctx)
            except Exception as exc:
                result.errors.append(RuleError("regions", document.path, repr(exc), traceback.format_exc()))
    result.regions = regions

    sql_rules = [r for r in rules if r.statement_kinds != () or _overrides(type(r), "check_region")]
    by_kind: dict[str | None, list[Rule]] = {}
    for rule in sql_rules:
        if rule.statement_kinds is None:
            by_kind.setdefault(None, []).append(rule)
        else:
            for kind in rule.statement_kinds:
                by_kind.setdefault(kind, []).append(rule)
    for region in regions:
        statements = split_statements(region)
        result.statements.extend(statements)
        sctx = SqlContext(ctx, region, statements)
        in_migration = region.kind == "file" or region.meta.get("migration", False)
        for stmt in statements:
            if stmt.kind is None:
                continue
            for rule in by_kind.get(stmt.kind, []) + by_kind.get(None, []):
                if rule.sql_scope == "migration" and not in_migration:
                    continue
                if rule.needs_catalog and catalog is None:
                    continue
                run(rule, rule.check_statement, stmt, sctx)
        for rule in sql_rules:
            if _overrides(type(rule), "check_region"):
                if rule.sql_scope == "migration" and not in_migration:
                    continue
                if rule.needs_catalog and catalog is None:
                    continue
                run(rule, rule.check_region, sctx)

    for rule in rules:
        if _overrides(type(rule), "check_document"):
            if rule.needs_catalog and catalog is None:
                continue
            run(rule, rule.check_document, ctx)

    by_code = {type(r).code: type(r) for r in rules}
    for f in findings:
        meta = by_code.get(f.code) or rule_by_code(f.code)
        if meta is not None:
            f.command = meta.command
            f.name = meta.name
            f.severity = Severity(settings.severity_for(f.code, meta.severity.value))
    findings = _apply_suppressions(document, findings, settings, regions)
    findings.sort(key=Finding.sort_key)
    result.findings = findings
    result.elapsed = time.perf_counter() - started
    return result


# -- suppression ---------------------------------------------------------------------

NOQA_RE = re.compile(
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
            return {document.line_of(region.host_start), document.line_of(max(region.host_start, region.host_end - 1))}
    return set()


def _apply_suppressions(document: Document, findings: list[Finding], settings: Settings,
                        regions: list[Region] | None = None) -> list[Finding]:
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
    known = {r.code for r in all_rules()}
    for sup in sups.values():
        if sup.codes is None:
            continue
        unused = [c for c in sup.codes if c in known and c not in sup.used and settings.rule_enabled(c, document.path)]
        if not unused:
            continue
        remaining = [c for c in sup.codes if c not in unused]
        comment = document.data[sup.start : sup.end].decode("utf-8", "surrogatepass")
        marker = re.match(r"--|#|//", comment).group(0)
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


def suppression_edit(document: Document, finding: Finding, regions: list[Region] | None = None) -> Edit:
    """An edit that adds ``noqa: CODE`` on the finding's line (or extends an existing one).

    Inside a multi-line string in code the comment goes on the line where the string ends.
    """
    sups = find_suppressions(document)
    line = document.line_of(finding.start)
    if document.language != "sql":
        if regions is None and document.language in REGION_FINDERS:
            try:
                regions = REGION_FINDERS[document.language](Context(document, Settings()))
            except Exception:
                regions = []
        for region in regions or ():
            if region.kind != "file" and region.host_start <= finding.start < region.host_end:
                line = document.line_of(max(region.host_start, region.host_end - 1))
                break
    sup = sups.get(line)
    if sup is not None and sup.codes is not None:
        comment = document.data[sup.start : sup.end].decode("utf-8", "surrogatepass")
        marker = re.match(r"--|#|//", comment).group(0)
        return Edit(sup.start, sup.end, f"{marker} noqa: {', '.join(list(sup.codes) + [finding.code])}")
    marker = {"sql": "--", "python": "#"}.get(document.language or "", "//")
    line_text = document.line_text(line)
    end = document.line_starts[line] + len(line_text.encode("utf-8", "surrogatepass"))
    return Edit(end, end, f"  {marker} noqa: {finding.code}")


# -- fixing ------------------------------------------------------------------------------


def select_fixes(findings: Iterable[Finding], *, safe_only: bool = True, codes: set[str] | None = None) -> list[Fix]:
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


def fix_document(
    document: Document,
    settings: Settings | None = None,
    catalog=None,
    *,
    safe_only: bool = True,
    codes: set[str] | None = None,
    max_iterations: int = 10,
) -> FixResult:
    """Apply fixes until nothing changes (or ``max_iterations``)."""
    settings = settings or Settings()
    text = document.text
    applied = 0
    new_files: list = []
    doc = document
    for iteration in range(1, max_iterations + 1):
        result = lint(doc, settings, catalog)
        fixes = select_fixes(result.findings, safe_only=safe_only, codes=codes)
        if not fixes:
            return FixResult(text, applied, iteration, True, result.findings, new_files)
        edits = [e for fx in fixes for e in fx.edits]
        for fx in fixes:
            new_files.extend(fx.new_files)
        new_text = apply_edits(text, edits)
        applied += len(fixes)
        if new_text == text and not any(fx.new_files for fx in fixes):
            return FixResult(text, applied, iteration, True, result.findings, new_files)
        text = new_text
        doc = Document(text, path=document.path, language=document.language, uri=document.uri)
        if any(fx.new_files for fx in fixes) and new_text == document.text:
            # a fix that only creates files converges once those exist
            return FixResult(text, applied, iteration, True, lint(doc, settings, catalog).findings, new_files)
    remaining = lint(doc, settings, catalog).findings
    return FixResult(text, applied, max_iterations, False, remaining, new_files)
