"""Finding a workspace's schema sources and putting them in migration order."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import re
from collections.abc import Iterator

from ..core.workspace import SKIP_DIRS as WORKSPACE_SKIP_DIRS

# the workspace's skipped folders, and build output that never holds a schema
SKIP_DIRS = WORKSPACE_SKIP_DIRS | {"bower_components", "coverage", "site-packages"}
# a folder holding one of these is a project of its own
PROJECT_MARKERS = (
    ".git",
    "go.mod",
    "package.json",
    "pyproject.toml",
    "Cargo.toml",
    "backend-architect.toml",
)
MIGRATION_DIR_NAMES = {"migrations", "migration", "migrate", "db-migrations", "sql-migrations"}
DUMP_NAMES = {"schema.sql", "structure.sql"}
PG_DUMP_MARKER = b"PostgreSQL database dump"
MAX_WALK_FILES = 20_000  # the default of the schema-max-files setting

_FLYWAY_RE = re.compile(r"^[Vv](\d+(?:[._]\d+)*)__")
_DIESEL_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{6})")
_NUMBER_RE = re.compile(r"^(\d+)")
# ``V0007.name.up.sql``, ``v12_name.down.sql``: a file whose name says it is one direction of a
# migration, versioned by a ``V`` number with another separator than Flyway's ``__``
_V_NUMBER_RE = re.compile(r"^[Vv](\d+)[._-]")
_DIRECTION_SUFFIXES = (".up.sql", ".down.sql", "_up.sql", "_down.sql")


def is_down(name: str) -> bool:
    low = name.lower()
    return low.endswith(".down.sql") or low == "down.sql" or low.endswith("_down.sql")


@functools.lru_cache(maxsize=32_768)  # a pure function of the path, asked for every sort
def order_key(path: str) -> tuple:
    """Migration order: Flyway versions, numeric sequences, timestamps and the ``V`` numbers of
    up/down files by value, then the name. ``up.sql`` inside a folder (diesel, sqlx) is ordered by the folder."""
    name = os.path.basename(path)
    if name.lower() in ("up.sql",):
        name = os.path.basename(os.path.dirname(path)) + "/" + name
    m = _FLYWAY_RE.match(name)
    if m:
        return (0, tuple(int(p) for p in re.split(r"[._]", m.group(1))), name)
    if name[:2].upper() == "R__":  # Flyway repeatable migrations run after versioned ones
        return (2, (), name)
    m = _DIESEL_RE.match(name)
    if m:
        return (0, (int("".join(m.groups())),), name)
    m = _NUMBER_RE.match(name)
    if m:
        return (0, (int(m.group(1)),), name)
    m = _V_NUMBER_RE.match(name)
    if m and name.lower().endswith(_DIRECTION_SUFFIXES):
        return (0, (int(m.group(1)),), name)
    return (1, (), name)


def _in_migration_dir(rel_parts: list[str]) -> bool:
    dirs = [p.lower() for p in rel_parts[:-1]]
    if any(d in MIGRATION_DIR_NAMES for d in dirs):
        return True
    return any(a == "db" and b == "migrate" for a, b in zip(dirs, dirs[1:], strict=False))


def _looks_like_dump(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return PG_DUMP_MARKER in head


def is_project(folder: str) -> bool:
    return any(os.path.exists(os.path.join(folder, m)) for m in PROJECT_MARKERS)


def project_root(path: str) -> str | None:
    """The nearest folder at or above ``path`` that is a project (None when there is none)."""
    cur = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
    while True:
        if is_project(cur):
            return cur
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


# (root, files it may count, skip_projects) -> what :func:`_walk` found: while a one-shot run
# checks (see :func:`one_run`), else None
_WALKS: dict[tuple[str, int, bool], tuple[list[str], int, bool]] | None = None
# discover()'s answers without a filter, while a one-shot run checks
_DISCOVERED: dict[tuple, tuple[list[str], list[str], list[str]]] = {}


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """A one-shot run (``check``): folders are taken as unchanged while it lasts, so a project
    is walked once for the schema's fingerprint and the schema itself."""
    global _WALKS, _DISCOVERED  # noqa: PLW0603
    previous, _WALKS = _WALKS, {}
    previous_found, _DISCOVERED = _DISCOVERED, {}
    try:
        yield
    finally:
        _WALKS = previous
        _DISCOVERED = previous_found


def in_one_run() -> bool:
    """Whether a one-shot run is checking (see :func:`one_run`): a walk is then made once."""
    return _WALKS is not None


def _walk(root: str, budget: int, skip_projects: bool) -> tuple[list[str], int, bool]:
    """The up ``.sql`` files under ``root`` in walk order, the files counted (at most
    ``budget``) and whether the walk stopped at the budget."""
    key = (root, budget, skip_projects)
    walks = _WALKS
    if walks is not None and key in walks:
        return walks[key]
    found: list[str] = []
    seen = 0
    stopped = False
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not d.startswith(".")
            and not (skip_projects and is_project(os.path.join(dirpath, d)))
        )
        for fn in filenames:
            if seen >= budget:
                stopped = True
                break
            seen += 1
            if fn.lower().endswith(".sql") and not is_down(fn):
                found.append(os.path.join(dirpath, fn))
        if stopped:
            break
    if walks is not None:
        walks[key] = (found, seen, stopped)
    return found, seen, stopped


def discover(
    roots: list[str],
    schema_globs: tuple[str, ...] = (),
    base: str | None = None,
    is_excluded=None,
    *,
    max_files: int = MAX_WALK_FILES,
    skip_projects: bool = False,
    warnings: list[str] | None = None,
) -> tuple[list[str], list[str]]:
    """(dump files, migration files) under ``roots``; both in the order to apply them.

    Dumps (``schema.sql``, ``structure.sql``, pg_dump output) come first, then the
    migrations, so a migration newer than the dump still wins. The walk skips
    dependency, build and tool folders, stops after ``max_files`` files (saying so in
    ``warnings``) and, with ``skip_projects``, does not enter sub-folders that are
    projects of their own.
    """
    # without a filter, the answer is a function of the walk: kept while a one-shot run lasts
    # (the schema's fingerprint and the check whether there is a schema at all ask the same)
    key = (tuple(roots), tuple(schema_globs), base, max_files, skip_projects)
    memo = _DISCOVERED if _WALKS is not None and is_excluded is None else None
    if memo is not None and key in memo:
        found_dumps, found_migrations, found_said = memo[key]
        if warnings is not None:
            warnings.extend(found_said)
        return list(found_dumps), list(found_migrations)
    said: list[str] = []
    dumps: set[str] = set()
    migrations: set[str] = set()
    seen = 0
    stopped = False
    for given in roots:
        if stopped:
            break
        root = os.path.abspath(given)
        if os.path.isfile(root):
            root = os.path.dirname(root)
        found, counted, stopped = _walk(root, max_files - seen, skip_projects)
        seen += counted
        for full in found:
            fn = os.path.basename(full)
            if is_excluded is not None and is_excluded(full):
                continue
            rel_parts = os.path.relpath(full, root).replace(os.sep, "/").split("/")
            low = fn.lower()
            if low in DUMP_NAMES:
                dumps.add(full)
            elif _in_migration_dir(rel_parts) or low.endswith(".up.sql"):
                migrations.add(full)
            elif _looks_like_dump(full):
                dumps.add(full)
        if stopped:
            said.append(
                f"the schema scan of {root} stopped after {max_files} files (schema-max-files = {max_files}):"
                " schema files beyond them were not read; raise schema-max-files or list the schema"
                " files with the `schema` setting"
            )
    for pattern in schema_globs:
        for full in _glob(pattern, base or (roots[0] if roots else ".")):
            if full.lower().endswith(".sql") and not is_down(os.path.basename(full)):
                if os.path.basename(full).lower() in DUMP_NAMES or _looks_like_dump(full):
                    dumps.add(full)
                else:
                    migrations.add(full)
    migrations -= dumps
    if warnings is not None:
        warnings.extend(said)
    ordered = sorted(dumps), sorted(migrations, key=lambda p: (order_key(p), p))
    if memo is not None:
        memo[key] = (ordered[0], ordered[1], said)
    return list(ordered[0]), list(ordered[1])


def _glob(pattern: str, base: str) -> list[str]:
    import glob

    pat = pattern if os.path.isabs(pattern) else os.path.join(base, pattern)
    out = [os.path.abspath(p) for p in glob.glob(pat, recursive=True) if os.path.isfile(p)]
    if os.path.isdir(pat):
        out += [
            os.path.join(dp, f)
            for dp, _, fs in os.walk(pat)
            for f in fs
            if fnmatch.fnmatch(f, "*.sql")
        ]
    return out
