"""Command line: check / rule / rules / serve (and the commands' generators)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, replace
from typing import Iterable, Iterator

from . import __version__
from .config import Settings, from_mapping, settings_for_path
from .core.document import Document, language_for_path
from .core.engine import LintResult, fix_document, lint
from .core.findings import Finding
from .core.registry import all_rules, rule_by_code

SKIP_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", "env", "node_modules", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".tox", "dist", "build", ".backend-architect", "vendor", "target",
}
SEVERITY_SARIF = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


@dataclass
class FileReport:
    path: str
    document: Document | None
    result: LintResult | None
    skipped: str | None = None


def iter_files(paths: Iterable[str]) -> Iterator[str]:
    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(filenames):
                full = os.path.normpath(os.path.join(dirpath, name))
                if language_for_path(full):
                    yield full


def read_document(path: str, settings: Settings) -> tuple[Document | None, str | None]:
    try:
        size = os.path.getsize(path)
        if size > settings.max_file_bytes:
            return None, f"larger than {settings.max_file_bytes} bytes (max-file-bytes)"
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    if b"\x00" in raw[:8192]:
        return None, "binary file (contains NUL bytes)"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not valid UTF-8 (byte {exc.start})"
    if text.startswith("\ufeff"):
        text = text[1:]
    return Document(text, path=path), None


def build_catalog_for(paths: list[str], settings: Settings):
    """The workspace schema for these paths (None when no catalog support is installed)."""
    try:
        from .catalog import build_for_paths
    except ImportError:
        return None
    return build_for_paths(paths, settings)


@dataclass
class _Job:
    path: str
    settings: Settings
    catalog: object


def _plan(paths: list[str], overrides: dict) -> tuple[list[_Job], list[FileReport]]:
    """Which files to check with which settings and catalog (read once per project)."""
    jobs: list[_Job] = []
    skipped: list[FileReport] = []
    settings_cache: dict[str, Settings] = {}
    catalog_cache: dict[str | None, object] = {}
    # without a config file or a repository marker, the project is what was asked to check
    bases = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    asked = os.path.commonpath(bases) if bases else os.getcwd()
    for path in iter_files(paths):
        folder = os.path.dirname(os.path.abspath(path))
        project = _project_of(folder, asked)
        if folder not in settings_cache:
            base, warnings = settings_for_path(folder)
            settings, more = from_mapping(overrides, base, source="command line")
            for w in warnings + more:
                print(f"warning: {w}", file=sys.stderr)
            settings_cache[folder] = settings
        settings = settings_cache[folder]
        if settings.is_excluded(os.path.abspath(path)) and path not in paths:
            continue
        # the schema comes from the whole project: its config root, else its repository root
        root = settings.root or project
        if root not in catalog_cache:
            catalog_cache[root] = build_catalog_for([root], settings) if _wants_catalog(settings) else None
        jobs.append(_Job(path, settings, catalog_cache[root]))
    return jobs, skipped


def _wants_catalog(settings: Settings) -> bool:
    """Whether any selected rule reads the schema (reading it costs a pass over the migrations)."""
    return any(
        settings.rule_enabled(r.code) and (r.needs_catalog or r.code == "QO001")
        for r in all_rules()
    )


_PROJECT_CACHE: dict[str, str] = {}


def _project_of(folder: str, fallback: str) -> str:
    """The folder's project when it has no config file: the nearest folder holding
    a repository (.git) or a package manifest, else ``fallback``."""
    cached = _PROJECT_CACHE.get(folder)
    if cached is not None:
        return cached
    cur = folder
    found = fallback
    while True:
        if any(os.path.exists(os.path.join(cur, m)) for m in (".git", "go.mod", "package.json", "pyproject.toml")):
            found = cur
            break
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    _PROJECT_CACHE[folder] = found
    return found


def _check_one(job: _Job, fix: bool, unsafe_fixes: bool) -> FileReport:
    path, settings, catalog = job.path, job.settings, job.catalog
    doc, why = read_document(path, settings)
    if doc is None:
        return FileReport(path, None, None, why)
    if fix:
        fixed = fix_document(doc, settings, catalog, safe_only=not unsafe_fixes)
        if fixed.text != doc.text:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.write(fixed.text)
            doc = Document(fixed.text, path=path)
        for nf in fixed.new_files:
            target = nf.path if os.path.isabs(nf.path) else os.path.join(os.path.dirname(path), nf.path)
            if not os.path.exists(target):
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write(nf.text)
    result = lint(doc, settings, catalog, cache=False)
    result.regions = []  # not needed by the reporters; keeps results cheap to send between processes
    result.statements = []
    return FileReport(path, doc, result, result.skipped)


_JOBS: list[_Job] = []  # handed to forked workers by memory, not by pickling


def _check_chunk(bounds: tuple[int, int, bool, bool]) -> list[FileReport]:
    start, end, fix, unsafe = bounds
    return [_check_one(job, fix, unsafe) for job in _JOBS[start:end]]


PARALLEL_MIN_BYTES = 512 * 1024


def check_paths(paths: list[str], overrides: dict, *, fix: bool = False, unsafe_fixes: bool = False,
                jobs: int | None = None) -> list[FileReport]:
    planned, reports = _plan(paths, overrides)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    total = 0
    for job in planned:
        try:
            total += os.path.getsize(job.path)
        except OSError:
            pass
    if workers > 1 and len(planned) > 1 and total >= PARALLEL_MIN_BYTES and _can_fork():
        return reports + _check_parallel(planned, workers, fix, unsafe_fixes)
    return reports + [_check_one(job, fix, unsafe_fixes) for job in planned]


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _check_parallel(planned: list[_Job], workers: int, fix: bool, unsafe: bool) -> list[FileReport]:
    """Check files in forked worker processes (all cores); results come back in input order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _JOBS
    _JOBS = planned
    size = max(1, len(planned) // (workers * 4))
    chunks = [(i, min(i + size, len(planned)), fix, unsafe) for i in range(0, len(planned), size)]
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return [rep for part in pool.map(_check_chunk, chunks) for rep in part]
    finally:
        _JOBS = []


# -- output ---------------------------------------------------------------------------


def _pos(doc: Document, offset: int) -> tuple[int, int]:
    line, col = doc.offset_to_position(offset, "utf-32")
    return line + 1, col + 1


def format_text(reports: list[FileReport], fixed: bool = False) -> str:
    out = []
    total = fixable = 0
    for rep in reports:
        if rep.skipped:
            out.append(f"{rep.path}: skipped: {rep.skipped}")
            continue
        for f in rep.result.findings:
            line, col = _pos(rep.document, f.start)
            mark = " [*]" if f.fix and f.fix.is_safe else ""
            out.append(f"{rep.path}:{line}:{col}: {f.code}{mark} {f.message}")
            if f.fix:
                out.append(f"  help: {f.command}: {f.fix.title}" + ("" if f.fix.is_safe else " (unsafe fix)"))
            total += 1
            fixable += 1 if f.fix and f.fix.is_safe else 0
        for err in rep.result.errors:
            out.append(f"{rep.path}: internal error in rule {err.code}: {err.error}")
    if total:
        out.append(f"Found {total} finding{'s' if total != 1 else ''}" + (
            f" ({fixable} fixable with --fix)." if fixable else "."))
    else:
        out.append("All checks passed!")
    return "\n".join(out)


def _finding_json(rep: FileReport, f: Finding) -> dict:
    doc = rep.document
    line, col = _pos(doc, f.start)
    eline, ecol = _pos(doc, f.end)
    rule = rule_by_code(f.code)
    data = {
        "code": f.code,
        "name": f.name,
        "command": f.command,
        "message": f.message,
        "severity": f.severity.value if f.severity else "warning",
        "filename": rep.path,
        "location": {"row": line, "column": col},
        "end_location": {"row": eline, "column": ecol},
        "url": rule.doc_url() if rule else None,
        "fix": None,
    }
    if f.fix:
        data["fix"] = {
            "title": f"{f.command}: {f.fix.title}",
            "applicability": f.fix.applicability.value,
            "edits": [
                {
                    "content": e.new_text,
                    "location": dict(zip(("row", "column"), _pos(doc, e.start))),
                    "end_location": dict(zip(("row", "column"), _pos(doc, e.end))),
                }
                for e in f.fix.edits
            ],
            "new_files": [nf.to_json() for nf in f.fix.new_files],
        }
    return data


def format_json(reports: list[FileReport]) -> str:
    items = [_finding_json(rep, f) for rep in reports if rep.result for f in rep.result.findings]
    # one finding per line: readable, and encoded by the C encoder (indent= would not be)
    return "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]" if items else "[]"


def format_sarif(reports: list[FileReport]) -> str:
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for rep in reports:
        if not rep.result:
            continue
        for f in rep.result.findings:
            line, col = _pos(rep.document, f.start)
            eline, ecol = _pos(rep.document, f.end)
            res = {
                "ruleId": f.code,
                "level": SEVERITY_SARIF[f.severity.value if f.severity else "warning"],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": rep.path.replace(os.sep, "/")},
                            "region": {"startLine": line, "startColumn": col, "endLine": eline, "endColumn": ecol},
                        }
                    }
                ],
            }
            if f.code in index:
                res["ruleIndex"] = index[f.code]
            if f.fix and f.fix.edits:
                res["fixes"] = [
                    {
                        "description": {"text": f"{f.command}: {f.fix.title}"},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": rep.path.replace(os.sep, "/")},
                                "replacements": [
                                    {
                                        "deletedRegion": dict(
                                            zip(("startLine", "startColumn", "endLine", "endColumn"),
                                                (*_pos(rep.document, e.start), *_pos(rep.document, e.end)))
                                        ),
                                        "insertedContent": {"text": e.new_text},
                                    }
                                    for e in f.fix.edits
                                ],
                            }
                        ],
                    }
                ]
            results.append(res)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "backend-architect",
                        "version": __version__,
                        "informationUri": "https://github.com/backend-architect/backend-architect",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary() or r.name},
                                "fullDescription": {"text": r.doc()},
                                "helpUri": r.doc_url(),
                                "defaultConfiguration": {"level": SEVERITY_SARIF[r.severity.value]},
                                "properties": {"command": r.command},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def format_github(reports: list[FileReport]) -> str:
    level = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}
    out = []
    for rep in reports:
        if not rep.result:
            continue
        for f in rep.result.findings:
            line, col = _pos(rep.document, f.start)
            eline, ecol = _pos(rep.document, f.end)
            msg = f.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            out.append(
                f"::{level[f.severity.value if f.severity else 'warning']} title=backend-architect ({f.code}),"
                f"file={rep.path},line={line},col={col},endLine={eline},endColumn={ecol}::{f.code} {msg}"
            )
    return "\n".join(out)


# -- commands ------------------------------------------------------------------------------


def cmd_check(args) -> int:
    overrides: dict = {}
    for key in ("select", "ignore", "extend_select"):
        value = getattr(args, key)
        if value:
            overrides[key] = [c.strip() for v in value for c in v.split(",") if c.strip()]
    paths = args.paths or ["."]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        print(f"error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    reports = check_paths(paths, overrides, fix=args.fix, unsafe_fixes=args.unsafe_fixes, jobs=args.jobs)
    fmt = args.output_format
    text = {"text": lambda: format_text(reports, args.fix), "json": lambda: format_json(reports),
            "sarif": lambda: format_sarif(reports), "github": lambda: format_github(reports)}[fmt]()
    if text:
        print(text)
    if fmt != "text":
        for rep in reports:
            if rep.skipped:
                print(f"{rep.path}: skipped: {rep.skipped}", file=sys.stderr)
    found = any(rep.result and rep.result.findings for rep in reports)
    return 1 if found and not args.exit_zero else 0


def cmd_rule(args) -> int:
    rule = rule_by_code(args.code)
    if rule is None:
        print(f"error: unknown rule {args.code!r}; `backend-architect rules` lists them", file=sys.stderr)
        return 2
    print(rule.markdown())
    return 0


def rules_table() -> str:
    lines = ["| code | name | command | fix | summary |", "|---|---|---|---|---|"]
    for r in all_rules():
        fix = f"{r.fix_title} ({r.fix_safety.value})" if r.fix_title else "—"
        lines.append(f"| {r.code} | {r.name} | {r.command} | {fix} | {r.summary()} |")
    return "\n".join(lines)


def rules_doc() -> str:
    """Every rule's documentation as one Markdown page (docs/rules.md)."""
    parts = ["# Rules", "", "Generated from the rules' docstrings (`make rules-table`). "
             "`backend-architect rule CODE` prints the same text.", ""]
    for r in all_rules():
        parts += [f"## {r.code} {r.name}", "", f"Command: `{r.command}` · default severity: {r.severity.value}"
                  + (f" · fix: {r.fix_title} ({r.fix_safety.value})" if r.fix_title else "")
                  + ("" if r.default_enabled else " · off by default"), ""]
        body = r.doc().replace("\n## ", "\n### ")
        body = body[3:] if body.startswith("## ") else body
        parts += ["### " + body if not body.startswith("### ") else body, ""]
    return "\n".join(parts).rstrip() + "\n"


def cmd_rules(args) -> int:
    if args.format == "markdown":
        print(rules_table())
    elif args.format == "json":
        print(json.dumps([
            {"code": r.code, "name": r.name, "command": r.command, "severity": r.severity.value,
             "languages": list(r.languages), "fix": r.fix_title, "fix_safety": r.fix_safety.value,
             "summary": r.summary()} for r in all_rules()], indent=2))
    else:
        for r in all_rules():
            print(f"{r.code:7} {r.name:40} {r.command}")
    return 0


def cmd_serve(args) -> int:
    from .lsp.server import serve

    serve()
    return 0


EXTRA_COMMANDS: list = []  # (name, help, configure(parser), run(args)) added by other modules


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="backend-architect", description=__doc__)
    parser.add_argument("--version", action="version", version=f"backend-architect {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="check files and folders (exit 1 when something is found)")
    p.add_argument("paths", nargs="*")
    p.add_argument("--fix", action="store_true", help="apply safe fixes in place")
    p.add_argument("--unsafe-fixes", action="store_true", help="with --fix, apply unsafe fixes too")
    p.add_argument("--select", action="append", help="only these codes or prefixes (comma separated)")
    p.add_argument("--extend-select", action="append", dest="extend_select")
    p.add_argument("--ignore", action="append", help="skip these codes or prefixes")
    p.add_argument("--output-format", choices=("text", "json", "sarif", "github"), default="text")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings are reported")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="worker processes for large trees (default: one per CPU; 1 checks in this process)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("rule", help="print a rule's documentation")
    p.add_argument("code")
    p.set_defaults(func=cmd_rule)

    p = sub.add_parser("rules", help="list the rules")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("serve", help="run the language server on stdio")
    p.add_argument("--stdio", action="store_true", help="accepted for editor compatibility (stdio is the default)")
    p.set_defaults(func=cmd_serve)

    _load_extra_commands()
    for name, help_text, configure, run in EXTRA_COMMANDS:
        p = sub.add_parser(name, help=help_text)
        configure(p)
        p.set_defaults(func=run)
    return parser


def _load_extra_commands() -> None:
    if EXTRA_COMMANDS:
        return
    try:
        from .commands import cli as commands_cli  # noqa: F401  (registers subcommands)
    except ImportError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
