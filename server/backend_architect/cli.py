"""Command line: check / rule / rules / serve (and the commands' generators)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from . import __version__
from .config import Settings, find_project_root, from_mapping, settings_for_path
from .core.document import language_for_path
from .core.findings import Finding, NewFile
from .core.registry import all_rules, listed_rules, rule_by_code
from .core.workspace import SKIP_DIRS

# The analysis engine (with the project model, the SQL splitter and its regular
# expressions) is imported by the commands that analyse: `serve` answers `initialize`
# without it, `rules` and `rule` never load it.

if TYPE_CHECKING:
    import argparse

    from .catalog.model import Catalog
    from .core.document import Document
    from .core.files import TextStyle
    from .project.model import FileInfo

SEVERITY_SARIF = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}

# exit codes of `check` (as ruff): 0 clean, 1 findings, 2 usage, configuration, write or internal error
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A problem with what was asked (a path, a setting): printed as ``error: ...``, exit 2."""


@dataclass
class Problem:
    """Something about a file other than a finding: a part that could not be parsed
    (``parse-error``) or a crash while checking it (``internal-error``)."""

    kind: str
    message: str
    line: int = 1
    column: int = 1


@dataclass
class FileReport:
    """What checking one file found, as plain data (it crosses process boundaries):
    findings with their positions resolved, never a syntax tree or a document."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    positions: dict[int, tuple[int, int]] = field(
        default_factory=dict
    )  # byte offset -> 1-based (line, column)
    skipped: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # --fix / --diff: the file's text before and after its fixes (only when they differ)
    original: str | None = None
    fixed: str | None = None
    style: TextStyle | None = None
    fixed_codes: dict[str, int] = field(default_factory=dict)
    new_files: list[NewFile] = field(default_factory=list)  # absolute paths

    def pos(self, offset: int) -> tuple[int, int]:
        return self.positions.get(offset, (1, 1))

    @property
    def internal_errors(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "internal-error"]


def iter_files(paths: Iterable[str], on_error=None, on_folder=None) -> Iterator[str]:
    """The files to check under ``paths``; ``on_error(OSError)`` hears of folders that cannot be read,
    ``on_folder(absolute path)`` of each folder of ``paths`` once it is listed.

    A symbolic link to a file inside the same folder is not checked again under the link's
    name: the file is judged at its own path (or not at all, when that is not a checked file).
    """
    from .core.workspace import note_listing

    for path in paths:
        if os.path.isfile(path):
            yield path
            continue
        top = os.path.realpath(path)
        for dirpath, dirnames, filenames, links in _walk(path, on_error):
            note_listing(os.path.abspath(dirpath), dirnames + filenames)
            if on_folder is not None and dirpath is path:
                on_folder(os.path.abspath(path))
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")
            )
            for name in sorted(filenames):
                full = os.path.normpath(os.path.join(dirpath, name))
                if not language_for_path(full):
                    continue
                if name in links and _inside(os.path.realpath(full), top):
                    continue
                yield full


def _walk(top: str, on_error=None) -> Iterator[tuple[str, list[str], list[str], set[str]]]:
    """``os.walk(top, onerror=on_error)`` (top-down, a link to a folder listed and not
    followed), with each folder the names of its other entries that are symbolic links: read
    from the folder's listing (the entries' types), not asked of each file with ``lstat``."""
    try:
        entries = os.scandir(top)
    except OSError as error:
        if on_error is not None:
            on_error(error)
        return
    dirs: list[str] = []
    files: list[str] = []
    links: set[str] = set()  # of the files
    dir_links: set[str] = set()
    with entries:
        while True:
            try:
                entry = next(entries)
            except StopIteration:
                break
            except OSError as error:
                if on_error is not None:
                    on_error(error)
                return
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            try:
                is_link = entry.is_symlink()
            except OSError:
                is_link = False
            (dirs if is_dir else files).append(entry.name)
            if is_link:
                (dir_links if is_dir else links).add(entry.name)
    yield top, dirs, files, links
    for name in dirs:  # (as the caller left them)
        if name not in dir_links:
            yield from _walk(os.path.join(top, name), on_error)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def build_catalog_for(paths: list[str], settings: Settings):
    """The workspace schema for these paths (None when no catalog support is installed).
    One folder: its project's own schema files (project model); else every schema file,
    without the sub-folders that are projects of their own when none of them is a project."""
    try:
        from .catalog import build_for_paths
        from .catalog.sources import is_project
        from .project import build_catalog
    except ImportError:
        return None
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return build_catalog(os.path.abspath(paths[0]), settings)
    warnings: list[str] = []
    catalog = build_for_paths(
        paths, settings, skip_projects=not any(is_project(p) for p in paths), warnings=warnings
    )
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return catalog


@dataclass
class _Job:
    path: str
    settings: Settings
    catalog: Catalog | None
    size: int
    info: FileInfo
    catalog_before: Callable[[], Any] | None = None  # the schema as of this migration file
    schema_root: str | None = (
        None  # the project whose schema this file is checked against (built lazily)
    )
    project: str = ""


def _plan(paths: list[str], overrides: dict, excluded: list | None = None) -> list[_Job]:
    """Which files to check with which settings and catalog (read once per project).

    Files that are not the project's own code (project model: generated, vendored,
    minified, build output, test data, ignored by git) are left out unless named on
    the command line or opted in (``include-generated``); ``excluded`` collects them
    as (path, FileInfo). Raises UsageError on an invalid configuration file or option."""
    from .core.workspace import known_size
    from .project import model as project_model

    jobs: list[_Job] = []
    settings_cache: dict[str | None, Settings] = {}
    config_roots: dict[str, str | None] = {}  # folder -> its configuration file's folder
    # without a config file or a repository marker, the project is what was asked to check
    bases = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    asked = os.path.commonpath(bases) if bases else os.getcwd()

    def unreadable(exc: OSError) -> None:
        print(
            f"warning: {exc.filename}: cannot read this folder ({exc.strerror or exc}); "
            "its files are not checked",
            file=sys.stderr,
        )

    model = project_model()
    from .project import ownership

    def listed(folder: str) -> None:
        # git lists what the folder's repository ignores while its files are walked (asked
        # once its own listing is known: its project markers are read from that)
        repo = model._repo_of(model.root_of(folder))  # noqa: SLF001 - the model's lookup
        if repo is not None:
            ownership.start_listing_ignored(repo)

    try:
        files = list(iter_files(paths, unreadable, listed))
        model.prefetch_ignored(files)
    finally:
        ownership.stop_listings()
    named = {os.path.abspath(p) for p in paths if os.path.isfile(p)}
    # a folder named on the command line that is itself not own code (`check testdata/`) is checked
    named_dirs = [
        os.path.abspath(p)
        for p in paths
        if os.path.isdir(p)
        and model.file_info(
            os.path.join(os.path.abspath(p), "_.sql"), None, check_git=False
        ).not_own
    ]
    for path in files:
        full = os.path.abspath(path)
        folder = os.path.dirname(full)
        project = _project_of(folder, asked)
        # one settings object per configuration file (the folders of a long history share it)
        if folder not in config_roots:
            config_roots[folder] = find_project_root(folder)
        config_root = config_roots[folder]
        if config_root not in settings_cache:
            base, problems = settings_for_path(folder)
            settings, more = from_mapping(overrides, base, source="command line")
            if problems or more:
                raise UsageError("\n".join(problems + more))
            settings_cache[config_root] = settings
        settings = settings_cache[config_root]
        if settings.is_excluded(full) and path not in paths:
            continue
        explicit = full in named or any(full.startswith(d + os.sep) for d in named_dirs)
        info = model.file_info(full, settings, explicit=explicit)
        if (
            info.not_own is not None
            and not explicit
            and info.not_own.kind not in settings.include_generated
        ):
            if excluded is not None:
                excluded.append((path, info))
            continue
        # the schema comes from the file's own project (the nearest manifest; a nested module has its own)
        schema_root = project if _wants_catalog(settings) else None
        if (
            info.not_own is not None
            and info.not_own.kind == "test data"
            or not info.may_be(("postgres",))
        ):
            schema_root = (
                None  # test data is not checked against today's schema, nor another dialect's SQL
            )
            # against the schema read from the PostgreSQL migrations
        size = known_size(path)  # (the project model read it)
        if size is None:
            try:
                size = os.path.getsize(path)
            except OSError:
                size = 0
        jobs.append(_Job(path, settings, None, size, info, None, schema_root, project))
    return jobs


def _attach_catalogs(jobs: list[_Job]) -> None:
    """Give each job its project's schema (built once per project and settings; the catalog
    has its own disk cache) and, for a migration, the schema as of that migration.

    A schema keeps the decoded statements it was built from for the whole run: the garbage
    collector does not run while it is built, and what it made is set aside from the
    collections after it (each would walk every node again: lemmy's migrations, about 13 ms)."""
    import gc

    from .project.schema import build_catalog, catalog_before

    built: dict[str, Catalog | None] = {}
    for job in jobs:
        if job.schema_root is None:
            continue
        key = job.schema_root
        if key not in built:
            scan_warnings: list[str] = []
            collecting = gc.isenabled()
            gc.disable()
            try:
                built[key] = build_catalog(job.schema_root, job.settings, warnings=scan_warnings)
            finally:
                if collecting:
                    gc.enable()
                    gc.freeze()
            for w in scan_warnings:
                print(f"warning: {w}", file=sys.stderr)
        job.catalog = built[key]
        if job.catalog is not None and job.info.is_migration:
            job.catalog_before = catalog_before(
                job.schema_root, os.path.abspath(job.path), job.settings
            )


# (settings, whether it wants the schema), the newest first: a few objects, one per
# configuration file, found by identity (no id() per file: a recording run's audit hook hears
# each call)
_WANTS_CATALOG: list[tuple[Settings, bool]] = []


def _wants_catalog(settings: Settings) -> bool:
    """Whether any selected rule reads the schema (reading it costs a pass over the migrations)."""
    for known, wants in _WANTS_CATALOG:
        if known is settings:
            return wants
    wants = any(
        settings.rule_enabled(r.code) and (r.needs_catalog or r.reads_schema)
        for r in listed_rules()
    )
    del _WANTS_CATALOG[15:]
    _WANTS_CATALOG.insert(0, (settings, wants))
    return wants


def _project_of(folder: str, fallback: str) -> str:
    """The folder's project (project model: the nearest folder with a manifest, a config
    file or a repository), else ``fallback``."""
    from .project import model

    return model().root_of(folder) or fallback


def _check_one(job: _Job, fix: bool, unsafe_fixes: bool) -> FileReport:
    """Check one file; a crash anywhere in it is reported for that file, never raised."""
    try:
        return _analyse(job, fix, unsafe_fixes)
    except Exception as exc:  # a bug of ours must cost one file, not the run
        return FileReport(
            job.path, problems=[Problem("internal-error", f"{type(exc).__name__}: {exc}")]
        )


def _analyse(job: _Job, fix: bool, unsafe_fixes: bool) -> FileReport:
    from .core.document import Document
    from .core.engine import fix_document, lint
    from .core.workspace import read_source, release

    path, settings, catalog = job.path, job.settings, job.catalog
    doc, style, why = read_source(path, settings)
    if doc is None:
        return FileReport(path, skipped=why)
    report = FileReport(path)
    if fix:
        fixed = fix_document(
            doc,
            settings,
            catalog,
            safe_only=not unsafe_fixes,
            info=job.info,
            catalog_before=job.catalog_before,
        )
        folder = os.path.dirname(os.path.abspath(path))
        targets = [NewFile(os.path.join(folder, nf.path), nf.text) for nf in fixed.new_files]
        report.new_files = [
            nf for nf in targets if not os.path.exists(nf.path)
        ]  # never overwritten
        if fixed.text != doc.text or report.new_files:
            report.fixed_codes = dict(fixed.codes)
        report.style = style  # for the fixed text and for the files the fixes create
        if fixed.text != doc.text:
            report.original, report.fixed = doc.text, fixed.text
            doc = Document(fixed.text, path=path)
    result = lint(
        doc, settings, catalog, cache=False, info=job.info, catalog_before=job.catalog_before
    )
    release(path)
    notes = []
    if settings.database.url or os.environ.get("DATABASE_URL"):  # only with a database configured
        from .db.advice import check_index_findings

        notes = [Problem("note", note) for note in check_index_findings(result, settings)]
        from .db.sizes import size_migration_findings

        notes += [Problem("note", note) for note in size_migration_findings(result, settings)]
    report.skipped = result.skipped
    report.findings = result.findings
    if (
        fix and report.new_files
    ):  # a finding whose fix only creates the files this run writes is fixed
        folder = os.path.dirname(os.path.abspath(path))
        made = {(nf.path, nf.text) for nf in report.new_files}
        report.findings = [
            f
            for f in result.findings
            if f.fix is None
            or f.fix.edits
            or not f.fix.new_files
            or not all((os.path.join(folder, nf.path), nf.text) in made for nf in f.fix.new_files)
        ]
    report.problems = [
        Problem("internal-error", f"rule {e.code} failed: {e.error}") for e in result.errors
    ] + notes
    offsets = {0}
    for f in result.findings:
        offsets.update((f.start, f.end))
        if f.fix:
            for e in f.fix.edits:
                offsets.update((e.start, e.end))
    for stmt in result.statements:
        # an unterminated quote or comment swallows the rest of a SQL file: say so
        if stmt.error and stmt.error.startswith("unterminated") and stmt.region.kind == "file":
            start = stmt.doc_range()[0]
            line, col = doc.offset_to_position(start, "utf-32")
            report.problems.append(
                Problem(
                    "parse-error",
                    f"{stmt.error}; nothing from here to the end of the file was checked",
                    line + 1,
                    col + 1,
                )
            )
    report.positions = {o: _pos(doc, o) for o in offsets}
    return report


_JOBS: list[_Job] = []  # handed to forked workers by memory, not by pickling


def _check_batch(task: tuple[list[int], bool, bool]) -> list[FileReport]:
    """Worker side: job indices in, plain reports out."""
    indices, fix, unsafe = task
    return [_check_one(_JOBS[i], fix, unsafe) for i in indices]


PARALLEL_MIN_BYTES = 512 * 1024
# Application code is checked several times faster per byte than SQL (most of its files
# need no syntax tree): its bytes count for this fraction in the size that decides to fork,
# so that a tree of code is not split between workers whose start-up costs more than it saves
APP_CODE_BYTES_WEIGHT = 1 / 6
BATCH_MIN_BYTES = 64 * 1024


def check_paths(
    paths: list[str],
    overrides: dict,
    *,
    fix: bool = False,
    unsafe_fixes: bool = False,
    jobs: int | None = None,
    excluded: list | None = None,
    cache=None,
) -> list[FileReport]:
    """Check every file under ``paths``, in parallel for large trees; reports in walk order.

    ``cache`` (a ResultsCache): reports of files whose key is unchanged come from it, and only
    the rest is checked (never with ``fix``). Raises UsageError on an invalid configuration."""
    import contextlib

    from .catalog import sources
    from .core import sql, workspace
    from .core.files import held_still
    from .project import history

    with contextlib.ExitStack() as run:
        if not fix:  # nothing is written: the files stay as they are while the run lasts
            run.enter_context(held_still())
            run.enter_context(history.one_run())
            run.enter_context(sources.one_run())
            run.enter_context(workspace.one_run())
            run.enter_context(sql.one_run())
        return _check_paths(paths, overrides, fix, unsafe_fixes, jobs, excluded, cache)


def _check_paths(paths, overrides, fix, unsafe_fixes, jobs, excluded, cache) -> list[FileReport]:
    planned = _plan(paths, overrides, excluded)
    if cache is None or fix:
        _attach_catalogs(planned)
        return _run_jobs(planned, jobs, fix, unsafe_fixes)
    keys, packs = _cache_keys(planned)
    reports: list[FileReport | None] = [
        cache.get(k, pack) if k else None for k, pack in zip(keys, packs, strict=True)
    ]
    todo = [i for i, rep in enumerate(reports) if rep is None]
    if todo:
        missing = [planned[i] for i in todo]
        _attach_catalogs(missing)
        for i, rep in zip(todo, _run_jobs(missing, jobs, fix, unsafe_fixes), strict=False):
            reports[i] = rep
            if keys[i] and not rep.problems and not (rep.skipped or "").startswith("cannot read"):
                cache.put(keys[i], rep, packs[i])  # a crash or an unreadable file: again next time
        cache.flush()
        if cache.written:
            cache.prune()
    return reports  # type: ignore[return-value]


def _run_jobs(
    planned: list[_Job], jobs: int | None, fix: bool, unsafe_fixes: bool
) -> list[FileReport]:
    """Reports of the planned files in their order: checked in worker processes when there
    is enough work to share (PARALLEL_MIN_BYTES), else in this process.

    Before the workers are forked, one file is checked here: that loads what checking needs
    (the rules of its language, the SQL parser, their patterns) once, and every worker inherits
    it instead of loading it again (about 0.1 s each)."""
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    works: list[float] = []
    if workers > 1 and len(planned) > 1 and _work_size(planned) >= PARALLEL_MIN_BYTES:
        works = [_work(job) for job in planned]
    if sum(works) < PARALLEL_MIN_BYTES or not _can_fork():
        return [_check_one(job, fix, unsafe_fixes) for job in planned]
    first = _warm_up_job(planned, workers)
    if first is None:  # every file is a large share of the work (e.g. two large files)
        return _check_parallel(planned, workers, fix, unsafe_fixes)
    warm = _check_one(planned[first], fix, unsafe_fixes)
    rest = planned[:first] + planned[first + 1 :]
    if len(rest) < 2 or sum(works) - works[first] < PARALLEL_MIN_BYTES:
        reports = [_check_one(job, fix, unsafe_fixes) for job in rest]
    else:
        reports = _check_parallel(rest, workers, fix, unsafe_fixes)
    reports.insert(first, warm)
    return reports


def _warm_up_job(planned: list[_Job], workers: int) -> int | None:
    """The file to check in this process before forking: the first (in the walk's order) that is
    a small share of the work, so that the workers are not kept waiting for a large one."""
    share = sum(job.size for job in planned) // (2 * workers)
    return next((i for i, job in enumerate(planned) if job.size <= share), None)


def _work_size(planned: list[_Job]) -> float:
    """The planned files' size as SQL bytes (application code weighs APP_CODE_BYTES_WEIGHT)."""
    return sum(_weighed(job) for job in planned)


def _weighed(job: _Job) -> float:
    return job.size if job.info.language in (None, "sql") else job.size * APP_CODE_BYTES_WEIGHT


# what checking a migration already on the main line costs, against another file of its size
# (the advice it cannot take is not computed: on lemmy's 684 files, 0.32 s against 0.94 s)
HISTORY_WORK = 1 / 3


def _work(job: _Job) -> float:
    """The work of checking ``job``'s file, in bytes of an ordinary SQL file: worker processes
    pay for themselves only on enough of it (their start, the rules each imports)."""
    from .core.engine import hidden_commands, history_of_file

    size = _weighed(job)
    if job.info.language != "sql" and not job.info.is_migration:
        return size
    past = history_of_file(job.path, job.info, job.settings)  # (workers inherit the main line)
    return size * HISTORY_WORK if hidden_commands(past, job.settings) else size


def _cache_keys(planned: list[_Job]) -> tuple[list[str | None], list[str]]:
    """Each file's results-cache key (None: not cacheable, e.g. unreadable), and the pack it is
    stored in. Besides the file itself, a key covers the content of the project's other
    checked files of the same language (rules look at a migration's siblings and at the
    modules a file imports), the names around it and the schema the file is checked against.
    As every key of a group (project, language) changes with any file of the group, the
    group's reports are kept together, one pack per group and settings: a run writes one
    file per group, not one per checked file."""
    from .core.results_cache import blake2b, code_fingerprint, digest
    from .core.workspace import read_bytes
    from .project.schema import schema_fingerprint

    code = code_fingerprint()
    contents: list[str | None] = []
    for job in planned:
        try:
            contents.append(blake2b(read_bytes(job.path), digest_size=20).hexdigest())
        except OSError:
            contents.append(None)
    fulls = [os.path.abspath(job.path) for job in planned]
    groups: dict[tuple, list[str]] = {}
    for job, full, content in zip(planned, fulls, contents, strict=True):
        groups.setdefault((job.project, job.info.language), []).append(f"{full}\0{content}")
    group_keys = {g: digest(*sorted(items)) for g, items in groups.items()}
    listings: dict[str, str] = {}

    def neighbourhood(job: _Job) -> str:
        """The SQL files and folders in a SQL file's folder and the two above it (not above its
        project): rules judge a migration by its siblings (the newest of a folder, a folder
        per migration, a newer release folder, the same migration for another database)."""
        if job.info.language != "sql":
            return ""
        out = []
        folder = os.path.dirname(os.path.abspath(job.path))
        top = os.path.abspath(job.project)
        for _ in range(3):
            if folder not in listings:
                try:
                    with os.scandir(folder) as entries:
                        names = sorted(
                            e.name for e in entries if e.name.lower().endswith(".sql") or e.is_dir()
                        )
                    listings[folder] = digest(folder, *names)
                except OSError:
                    listings[folder] = "-"
            out.append(listings[folder])
            parent = os.path.dirname(folder)
            if folder in (parent, top) or not parent.startswith(top):
                break
            folder = parent
        return "/".join(out)

    schemas: dict[str, str] = {}
    # (settings, its key) by identity (a few objects, one per configuration file): no id()
    # per file, which a recording run's audit hook hears
    settings_keys: list[tuple[Settings, str]] = []

    def settings_key(settings: Settings) -> str:
        for known, key in settings_keys:
            if known is settings:
                return key
        key = digest(repr(settings))
        settings_keys.append((settings, key))
        return key

    pack_names: dict[tuple[str, str], str] = {}  # (group, settings) -> pack
    keys: list[str | None] = []
    packs: list[str] = []
    from .project.history import history_of

    database = bool(os.environ.get("DATABASE_URL"))
    for job, full, content in zip(planned, fulls, contents, strict=True):
        packs.append("")
        if content is None or database or job.settings.database.url:
            keys.append(None)  # with a database, what is reported depends on the database too
            if content is not None:
                from . import warm

                warm.forbid("a database is configured")
            continue
        if job.schema_root is not None and job.schema_root not in schemas:
            schemas[job.schema_root] = schema_fingerprint(job.schema_root, job.settings)
        settings_digest = settings_key(job.settings)
        group = group_keys[(job.project, job.info.language)]
        pack_of = (group, settings_digest)
        if pack_of not in pack_names:
            pack_names[pack_of] = digest(code, *pack_of)
        packs[-1] = pack_names[pack_of]
        keys.append(
            digest(
                code,
                full,
                content,
                settings_digest,
                repr(job.info),
                schemas.get(job.schema_root or "", "-"),
                group,
                neighbourhood(job),
                # a migration becomes history when it reaches the main line, content unchanged
                # (a schema snapshot: as the history beside it says)
                repr(history_of(job.path, job.settings))
                if job.info.is_migration or job.info.language == "sql"
                else "",
            )
        )
    return keys, packs


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def batches(sizes: list[int], workers: int) -> list[list[int]]:
    """Indices grouped into batches of similar total size: many per worker (bytes only
    roughly predict the work, so small batches keep every worker busy to the end), and
    none so small that sending it costs more than checking it. Largest files first, so
    that the longest work starts first."""
    total = sum(sizes)
    target = max(BATCH_MIN_BYTES, total // (workers * 16) + 1)
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    out: list[list[int]] = []
    current: list[int] = []
    current_bytes = 0
    for i in order:
        current.append(i)
        current_bytes += sizes[i]
        if current_bytes >= target:
            out.append(current)
            current, current_bytes = [], 0
    if current:
        out.append(current)
    return out


def _check_parallel(planned: list[_Job], workers: int, fix: bool, unsafe: bool) -> list[FileReport]:
    """Check files in forked worker processes; results come back in input order.

    Workers inherit the jobs (settings, catalog) by fork and get only job indices;
    they send back plain reports. A worker that dies (a crash in a native parser)
    breaks the pool: the files not yet reported are checked again one per task in a
    fresh pool, and the ones caught in a second break each in a process of its own,
    so the file that kills its process is named and every other file is checked."""
    import gc
    import multiprocessing

    global _JOBS  # noqa: PLW0603  (forked workers read the jobs by memory, not by pickling)
    _JOBS = planned
    context = multiprocessing.get_context("fork")
    results: list[FileReport | None] = [None] * len(planned)
    # what the workers inherit (rules, settings, catalog) stays put: the collector in a
    # worker never walks those objects, so their memory pages stay shared with this process
    gc.freeze()
    try:
        failed = _run_pool(
            batches([job.size for job in planned], workers), workers, context, fix, unsafe, results
        )
        if failed:
            failed = _run_pool([[i] for i in failed], workers, context, fix, unsafe, results)
        for i in failed:
            if not _run_pool([[i]], 1, context, fix, unsafe, results):
                continue
            results[i] = FileReport(
                planned[i].path,
                problems=[
                    Problem(
                        "internal-error",
                        "the process checking this file died (a crash in a parser); the file was not checked",
                    )
                ],
            )
    finally:
        _JOBS = []
    return [r for r in results if r is not None]


def _run_pool(
    tasks: list[list[int]], workers: int, context, fix: bool, unsafe: bool, results: list
) -> list[int]:
    """Run batches of job indices in a pool, filling ``results``; returns the indices
    whose batch was lost to a worker that died."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    lost: list[int] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [(batch, pool.submit(_check_batch, (batch, fix, unsafe))) for batch in tasks]
        for batch, future in futures:
            try:
                for i, rep in zip(batch, future.result(), strict=False):
                    results[i] = rep
            except BrokenProcessPool:
                lost.extend(batch)
    return sorted(lost)


# -- writing fixes ----------------------------------------------------------------------------


def write_fixes(reports: list[FileReport]) -> list[str]:
    """Write every fixed file and every file a fix creates, each atomically; returns errors.

    Called once the whole run's analysis is done. A file whose analysis had an internal
    error is not rewritten (its fixes may be incomplete)."""
    from .core.files import TextStyle, WriteError, write_text

    errors: list[str] = []
    versions: set[tuple[str, tuple]] = (
        set()
    )  # (folder, version) of the migrations created in this run
    for rep in reports:
        if rep.internal_errors or (rep.fixed is None and not rep.new_files):
            continue
        mine = _new_versions(rep.new_files)
        if mine & versions:
            # two files' fixes each made a migration with the same version: the second waits for the next run
            print(
                f"{rep.path}: not fixed in this run (its new migration would share a version with another "
                "one created now); run --fix again",
                file=sys.stderr,
            )
            continue
        versions |= mine
        try:
            if rep.fixed is not None:
                write_text(rep.path, rep.fixed, rep.style)
            for nf in rep.new_files:
                if not os.path.exists(nf.path):
                    # a created file follows the line-ending style of the file whose fix made it
                    style = TextStyle(newline=rep.style.newline) if rep.style else None
                    write_text(nf.path, nf.text, style)
        except WriteError as exc:
            errors.append(str(exc))
    return errors


def _new_versions(files) -> set[tuple[str, tuple]]:
    from .project.newfile import _version_of

    out = set()
    for nf in files:
        path = nf.path
        if os.path.basename(path).lower() in (
            "up.sql",
            "down.sql",
            "migration.sql",
            "metadata.toml",
        ):
            path = os.path.dirname(path)
        v = _version_of(os.path.basename(path))
        if v is not None and not path.endswith((".conf", "metadata.toml")):
            out.add((os.path.dirname(path), v))
    return out


def fix_summary(reports: list[FileReport]) -> str:
    """What --fix changed, per file and rule (printed on stderr, as ruff --show-fixes does)."""
    lines = []
    total = 0
    for rep in reports:
        if not rep.fixed_codes or rep.internal_errors:
            continue
        lines.append(f"- {rep.path}:")
        for code, count in sorted(rep.fixed_codes.items()):
            rule = rule_by_code(code)
            lines.append(f"    {count} × {code}" + (f" ({rule.name})" if rule else ""))
            total += count
        for nf in rep.new_files:
            lines.append(f"    created {os.path.relpath(nf.path)}")
    if not total:
        return ""
    return f"Fixed {total} finding{'s' if total != 1 else ''}:\n" + "\n".join(lines)


def unified_diffs(reports: list[FileReport]) -> str:
    """The changes --fix would make, as unified diffs (new files diffed against /dev/null)."""
    import difflib

    out: list[str] = []
    for rep in reports:
        if rep.internal_errors:
            continue
        if rep.fixed is not None and rep.original is not None:
            out.extend(
                difflib.unified_diff(
                    rep.original.splitlines(keepends=True),
                    rep.fixed.splitlines(keepends=True),
                    fromfile=f"a/{rep.path}",
                    tofile=f"b/{rep.path}",
                )
            )
        for nf in rep.new_files:
            if not os.path.exists(nf.path):
                out.extend(
                    difflib.unified_diff(
                        [],
                        nf.text.splitlines(keepends=True),
                        fromfile="/dev/null",
                        tofile=f"b/{os.path.relpath(nf.path)}",
                    )
                )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in out
    )


# -- output ---------------------------------------------------------------------------


def _pos(doc: Document, offset: int) -> tuple[int, int]:
    if offset <= 0:  # (every report asks for the start of its file: no line index for that)
        return 1, 1
    line, col = doc.offset_to_position(offset, "utf-32")
    return line + 1, col + 1


def _counts(reports: list[FileReport]) -> tuple[int, int, int]:
    """(findings, parse errors, internal errors) of the run."""
    findings = sum(len(r.findings) for r in reports)
    parse = sum(1 for r in reports for p in r.problems if p.kind == "parse-error")
    internal = sum(len(r.internal_errors) for r in reports)
    return findings, parse, internal


_LABELS = {"internal-error": "internal error", "parse-error": "could not parse", "note": "note"}


def format_text(reports: list[FileReport], fixed: bool = False) -> str:
    out = []
    total = fixable = 0
    for rep in reports:
        if rep.skipped:
            out.append(f"{rep.path}: skipped: {rep.skipped}")
        for f in rep.findings:
            line, col = rep.pos(f.start)
            mark = " [*]" if f.fix and f.fix.is_safe else ""
            out.append(f"{rep.path}:{line}:{col}: {f.code}{mark} {f.message}")
            if f.fix:
                out.append(
                    f"  help: {f.command}: {f.fix.title}"
                    + ("" if f.fix.is_safe else " (unsafe fix)")
                )
            total += 1
            fixable += 1 if f.fix and f.fix.is_safe else 0
        for p in rep.problems:
            label = _LABELS[p.kind]
            out.append(f"{rep.path}:{p.line}:{p.column}: {label}: {p.message}")
    _, parse, internal = _counts(reports)
    if total:
        out.append(
            f"Found {total} finding{'s' if total != 1 else ''}"
            + (f" ({fixable} fixable with --fix)." if fixable and not fixed else ".")
        )
    elif not parse and not internal:
        skipped = sum(1 for rep in reports if rep.skipped)
        if skipped:  # no finding, but not everything was looked at: say so, never "all passed"
            out.append(
                f"No findings; {skipped} file{'s' if skipped != 1 else ''} not checked (skipped above)."
            )
        else:
            out.append("All checks passed!")
    if parse:
        out.append(
            f"{parse} part{'s' if parse != 1 else ''} of SQL could not be parsed and {'were' if parse != 1 else 'was'} not checked."
        )
    if internal:
        out.append(
            f"{internal} internal error{'s' if internal != 1 else ''}: the files named above were not fully checked."
        )
    return "\n".join(out)


def _finding_json(rep: FileReport, f: Finding) -> dict:
    line, col = rep.pos(f.start)
    eline, ecol = rep.pos(f.end)
    rule = rule_by_code(f.code)
    data: dict[str, Any] = {
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
                    "location": dict(zip(("row", "column"), rep.pos(e.start), strict=False)),
                    "end_location": dict(zip(("row", "column"), rep.pos(e.end), strict=False)),
                }
                for e in f.fix.edits
            ],
            "new_files": [nf.to_json() for nf in f.fix.new_files],
        }
    return data


def _problem_json(rep: FileReport, p: Problem) -> dict:
    """A problem in the findings list, as ruff reports a syntax error: no code, the kind in ``name``."""
    return {
        "code": None,
        "name": p.kind,
        "command": None,
        "message": p.message,
        "severity": "information" if p.kind == "note" else "error",
        "filename": rep.path,
        "location": {"row": p.line, "column": p.column},
        "end_location": {"row": p.line, "column": p.column},
        "url": None,
        "fix": None,
    }


def format_json(reports: list[FileReport]) -> str:
    items = []
    for rep in reports:
        items += [_finding_json(rep, f) for f in rep.findings]
        items += [_problem_json(rep, p) for p in rep.problems]
    # one finding per line: readable, and encoded by the C encoder (indent= would not be)
    return (
        "[\n" + ",\n".join(json.dumps(item, ensure_ascii=False) for item in items) + "\n]"
        if items
        else "[]"
    )


def format_sarif(reports: list[FileReport]) -> str:
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    notifications = []
    for rep in reports:
        uri = rep.path.replace(os.sep, "/")
        for p in rep.problems:
            notifications.append(
                {
                    "level": "error" if p.kind == "internal-error" else "warning",
                    "message": {"text": f"{rep.path}: {p.message}"},
                    "descriptor": {"id": p.kind},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri},
                                "region": {"startLine": p.line, "startColumn": p.column},
                            }
                        }
                    ],
                }
            )
        if rep.skipped:
            notifications.append(
                {
                    "level": "note",
                    "message": {"text": f"{rep.path}: skipped: {rep.skipped}"},
                    "descriptor": {"id": "skipped"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
                }
            )
        for f in rep.findings:
            line, col = rep.pos(f.start)
            eline, ecol = rep.pos(f.end)
            res: dict[str, Any] = {
                "ruleId": f.code,
                "level": SEVERITY_SARIF[f.severity.value if f.severity else "warning"],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": uri},
                            "region": {
                                "startLine": line,
                                "startColumn": col,
                                "endLine": eline,
                                "endColumn": ecol,
                            },
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
                                "artifactLocation": {"uri": uri},
                                "replacements": [
                                    {
                                        "deletedRegion": dict(
                                            zip(
                                                (
                                                    "startLine",
                                                    "startColumn",
                                                    "endLine",
                                                    "endColumn",
                                                ),
                                                (*rep.pos(e.start), *rep.pos(e.end)),
                                                strict=False,
                                            )
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
                "invocations": [
                    {
                        "executionSuccessful": not any(r.internal_errors for r in reports),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False)


def _github_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def format_github(reports: list[FileReport]) -> str:
    level = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}
    out = []
    for rep in reports:
        for f in rep.findings:
            line, col = rep.pos(f.start)
            eline, ecol = rep.pos(f.end)
            out.append(
                f"::{level[f.severity.value if f.severity else 'warning']} title=backend-architect ({f.code}),"
                f"file={rep.path},line={line},col={col},endLine={eline},endColumn={ecol}::{f.code} {_github_escape(f.message)}"
            )
        for p in rep.problems:
            label = _LABELS[p.kind]
            out.append(
                f"::error title=backend-architect ({label}),file={rep.path},line={p.line},col={p.column}::"
                f"{label}: {_github_escape(p.message)}"
            )
    return "\n".join(out)


# -- commands ------------------------------------------------------------------------------


def _tune_gc() -> None:
    """As the server does: the modules loaded at start-up are never garbage, and a check
    allocates many short-lived objects; the collector then costs nothing measurable instead
    of 4-15% of a check's CPU time (measured on real repositories). The rules a run needs
    are imported later, file by file (the rule index says which)."""
    import gc

    from . import GC_THRESHOLD

    gc.set_threshold(*GC_THRESHOLD)
    gc.freeze()


def cmd_check(args) -> int:
    overrides: dict = {}
    for key in ("select", "ignore", "extend_select"):
        value = getattr(args, key)
        if value:
            overrides[key] = [c.strip() for v in value for c in v.split(",") if c.strip()]
    if getattr(args, "include_history", False):
        overrides["include_history"] = True
    paths = args.paths or ["."]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        print(f"error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_ERROR
    fixing = args.fix or args.diff
    _tune_gc()
    excluded: list = []
    cache = None
    if not args.no_cache and not fixing:
        from .core.results_cache import ResultsCache

        cache = ResultsCache()
    try:
        reports = check_paths(
            paths,
            overrides,
            fix=fixing,
            unsafe_fixes=args.unsafe_fixes,
            jobs=args.jobs,
            excluded=excluded,
            cache=cache,
        )
    except UsageError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_ERROR
    if excluded:
        print(excluded_summary(excluded), file=sys.stderr)
    if args.diff:
        # only the diff on stdout, as ruff --diff: it can be piped to `git apply`
        diff = unified_diffs(reports)
        if diff:
            sys.stdout.write(diff)
        for rep in reports:
            for p in rep.internal_errors:
                print(
                    f"{rep.path}:{p.line}:{p.column}: internal error: {p.message}", file=sys.stderr
                )
        if any(rep.internal_errors for rep in reports):
            return EXIT_ERROR
        return EXIT_FINDINGS if diff else EXIT_CLEAN
    write_errors = write_fixes(reports) if args.fix else []
    if args.fix:
        summary = fix_summary(reports)
        if summary:
            print(summary, file=sys.stderr)
    fmt = args.output_format
    text = {
        "text": lambda: format_text(reports, args.fix),
        "json": lambda: format_json(reports),
        "sarif": lambda: format_sarif(reports),
        "github": lambda: format_github(reports),
    }[fmt]()
    if text:
        print(text)
    if fmt != "text":
        for rep in reports:
            if rep.skipped:
                print(f"{rep.path}: skipped: {rep.skipped}", file=sys.stderr)
    for err in write_errors:
        print(f"error: {err}", file=sys.stderr)
    findings, parse, internal = _counts(reports)
    if internal or write_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if (findings or parse) and not args.exit_zero else EXIT_CLEAN


def excluded_summary(excluded: list) -> str:
    """One line: how many files were left out as not the project's own code, and why."""
    counts: dict[str, int] = {}
    for _, info in excluded:
        counts[info.not_own.kind] = counts.get(info.not_own.kind, 0) + 1
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    n = len(excluded)
    return (
        f"note: {n} file{'s' if n != 1 else ''} not checked as not the project's own code ({parts}); "
        "`backend-architect project --files PATH` lists them, `include-generated = true` or naming a file "
        "checks them"
    )


def cmd_rule(args) -> int:
    rule = rule_by_code(args.code)
    if rule is None:
        print(
            f"error: unknown rule {args.code!r}; `backend-architect rules` lists them",
            file=sys.stderr,
        )
        return 2
    print(rule.markdown())
    return 0


def rules_table() -> str:
    lines = ["| code | name | command | fix | summary |", "|---|---|---|---|---|"]
    for r in listed_rules():
        fix = f"{r.fix_title} ({r.fix_safety})" if r.fix_title else "—"
        off = " (off by default)" if not r.default_enabled else ""
        lines.append(f"| {r.code}{off} | {r.name} | {r.command} | {fix} | {r.summary} |")
    return "\n".join(lines)


def rules_doc() -> str:
    """Every rule's documentation as one Markdown page (docs/rules.md)."""
    parts = [
        "# Rules",
        "",
        "Generated from the rules' docstrings (`make rules-table`). "
        "`backend-architect rule CODE` prints the same text.",
        "",
    ]
    for r in all_rules():
        parts += [
            f"## {r.code} {r.name}",
            "",
            f"Command: `{r.command}` · default severity: {r.severity.value}"
            + (f" · fix: {r.fix_title} ({r.fix_safety.value})" if r.fix_title else "")
            + ("" if r.default_enabled else f" · off by default: select `{r.code}` to run it"),
            "",
        ]
        body = r.doc().replace("\n## ", "\n### ")
        body = body[3:] if body.startswith("## ") else body
        parts += ["### " + body if not body.startswith("### ") else body, ""]
    return "\n".join(parts).rstrip() + "\n"


def cmd_rules(args) -> int:
    if args.format == "markdown":
        print(rules_table())
    elif args.format == "json":
        print(
            json.dumps(
                [
                    {
                        "code": r.code,
                        "name": r.name,
                        "command": r.command,
                        "severity": r.severity,
                        "languages": list(r.languages),
                        "fix": r.fix_title,
                        "fix_safety": r.fix_safety,
                        "dialects": list(r.dialects) if r.dialects else None,
                        "fix_dialects": list(r.fix_dialects) if r.fix_dialects else None,
                        "summary": r.summary,
                    }
                    for r in listed_rules()
                ],
                indent=2,
            )
        )
    else:
        for r in listed_rules():
            print(f"{r.code:7} {r.name:40} {r.command}")
    return 0


def cmd_project(args) -> int:
    """What each file is: projects, dialects, migrations, files that are not the project's own code."""
    from .project import model
    from .project.report import describe, render_json, render_text

    paths = args.paths or ["."]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        print(f"error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    settings_cache: dict[str, Settings] = {}

    def settings_for(path: str) -> Settings:
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in settings_cache:
            settings, warnings = settings_for_path(folder)
            for w in warnings:
                print(f"warning: {w}", file=sys.stderr)
            settings_cache[folder] = settings
        return settings_cache[folder]

    reports = describe(paths, list(iter_files(paths)), model(), settings_for)
    base = os.path.abspath(
        paths[0] if os.path.isdir(paths[0]) else os.path.dirname(paths[0]) or "."
    )
    if args.output_format == "json":
        print(render_json(reports))  # JSON always lists the files
    else:
        print(render_text(reports, base, with_files=args.files))
    return 0


def cmd_serve(args) -> int:
    from .entry import serve

    return serve()


# Commands whose parser is built without the generators' (which import every framework):
# `backend-architect check ...` does not pay for `generate --framework`'s choices.
CORE_COMMANDS = frozenset({"check", "rule", "rules", "project", "serve"})


def build_parser(full: bool = True) -> argparse.ArgumentParser:
    """The command line's parser; ``full=False`` leaves out every command but
    :data:`CORE_COMMANDS` (for a run of one of them)."""
    import argparse

    parser = argparse.ArgumentParser(prog="backend-architect", description=__doc__)
    parser.add_argument("--version", action="version", version=f"backend-architect {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "check",
        help="check files and folders (exit 1 when something is found)",
        description="Check files and folders. Exit status: 0 nothing found, 1 findings "
        "(or SQL that could not be parsed), 2 an error (usage, configuration, a file that "
        "could not be written, an internal error while checking a file).",
    )
    p.add_argument("paths", nargs="*")
    p.add_argument(
        "--fix",
        action="store_true",
        help="apply safe fixes in place once every file is checked; what changed is printed on stderr",
    )
    p.add_argument(
        "--diff",
        action="store_true",
        help="print what --fix would change as unified diffs, write nothing (exit 1 when there are changes)",
    )
    p.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff, apply unsafe fixes too"
    )
    p.add_argument(
        "--select", action="append", help="only these codes or prefixes (comma separated)"
    )
    p.add_argument(
        "--include-history",
        action="store_true",
        dest="include_history",
        help="report MIGRATION findings on migrations already on the main line too (never fixed)",
    )
    p.add_argument("--extend-select", action="append", dest="extend_select")
    p.add_argument("--ignore", action="append", help="skip these codes or prefixes")
    p.add_argument("--output-format", choices=("text", "json", "sarif", "github"), default="text")
    p.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when findings are reported"
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        help="worker processes for large trees (default: one per CPU; 1 checks in this process)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file again: neither read nor write the results cache "
        "(~/.cache/backend-architect/results, or $BACKEND_ARCHITECT_CACHE_DIR/results)",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("rule", help="print a rule's documentation")
    p.add_argument("code")
    p.set_defaults(func=cmd_rule)

    p = sub.add_parser("rules", help="list the rules")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser(
        "project", help="show what each file is: project, SQL dialect, migrations, not own code"
    )
    p.add_argument("paths", nargs="*")
    p.add_argument(
        "--files", action="store_true", help="list every file with its classification and reason"
    )
    p.add_argument("--output-format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_project)

    p = sub.add_parser("serve", help="run the language server on stdio")
    p.add_argument(
        "--stdio",
        action="store_true",
        help="accepted for editor compatibility (stdio is the default)",
    )
    p.set_defaults(func=cmd_serve)
    if not full:
        parser.set_defaults(subparsers=sub.choices)
        return parser

    from .db import cli as db_cli

    db_cli.configure(sub)

    from .cli_commands import SUBCOMMANDS

    for name, help_text, configure, run in SUBCOMMANDS:
        p = sub.add_parser(name, help=help_text)
        configure(p)
        p.set_defaults(func=run)
    parser.set_defaults(subparsers=sub.choices)
    return parser


# `check`'s options as the parser defines them (dest, and for options with a value: how the
# value is read; None: a flag). A run of `check` with only these is read without argparse.
_CHECK_OPTIONS: dict[str, tuple[str, Callable[[str], Any] | None]] = {
    "--fix": ("fix", None),
    "--diff": ("diff", None),
    "--unsafe-fixes": ("unsafe_fixes", None),
    "--include-history": ("include_history", None),
    "--exit-zero": ("exit_zero", None),
    "--no-cache": ("no_cache", None),
    "--select": ("select", str),
    "--extend-select": ("extend_select", str),
    "--ignore": ("ignore", str),
    "--output-format": ("output_format", str),
    "--jobs": ("jobs", int),
    "-j": ("jobs", int),
}
_APPENDED = ("select", "extend_select", "ignore")
_OUTPUT_FORMATS = ("text", "json", "sarif", "github")


def _check_args(words: list[str]):
    """The arguments of ``check`` (the words after it) as its parser reads them, for the
    usual forms: options spelled out, each value in the next word or after ``=``, the paths
    in one run. None for anything else (help, an abbreviation, a bad value, ``--``): the
    parser then reads them and reports what is wrong. Spares a one-file check argparse's
    import and the parser's construction."""
    from types import SimpleNamespace

    args: dict[str, Any] = {
        "command": "check",
        "func": cmd_check,
        "paths": [],
        "fix": False,
        "diff": False,
        "unsafe_fixes": False,
        "include_history": False,
        "exit_zero": False,
        "no_cache": False,
        "select": None,
        "extend_select": None,
        "ignore": None,
        "output_format": "text",
        "jobs": None,
    }
    paths_done = False
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if not word.startswith("-"):
            if paths_done and args["paths"]:
                return None  # paths after an option that follows paths: the parser's error
            args["paths"].append(word)
            continue
        if args["paths"]:
            paths_done = True
        name, eq, value = word.partition("=")
        option = _CHECK_OPTIONS.get(name)
        if option is None or (eq and (option[1] is None or not name.startswith("--"))):
            return None
        dest, convert = option
        if convert is None:
            args[dest] = True
            continue
        if not eq:
            if i >= len(words) or words[i].startswith("-"):
                return None
            value = words[i]
            i += 1
        try:
            converted = convert(value)
        except ValueError:
            return None
        if dest == "output_format" and converted not in _OUTPUT_FORMATS:
            return None
        if dest in _APPENDED:
            args[dest] = [*(args[dest] or []), converted]
        else:
            args[dest] = converted
    return SimpleNamespace(**args)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    if words in (["serve"], ["serve", "--stdio"]):  # the editor's start: no parser to build
        return cmd_serve(None)
    args = _check_args(words[1:]) if words and words[0] == "check" else None
    if args is None:
        parser = build_parser(full=not words or words[0] not in CORE_COMMANDS)
        args, extra = parser.parse_known_args(argv)
        if extra:
            # an unknown option after a subcommand: show that subcommand's usage, not the top-level one
            sub = args.subparsers.get(args.command, parser)
            sub.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except UsageError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
