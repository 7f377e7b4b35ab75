"""Finding a workspace's schema sources and putting them in migration order."""

from __future__ import annotations

import fnmatch
import os
import re

SKIP_DIRS = {
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", "__pycache__", ".backend-architect",
    ".tox", ".mypy_cache", ".pytest_cache", "dist", "build", "target", ".idea", ".vscode", "vendor",
}
MIGRATION_DIR_NAMES = {"migrations", "migration", "migrate", "db-migrations", "sql-migrations"}
DUMP_NAMES = {"schema.sql", "structure.sql"}
PG_DUMP_MARKER = b"PostgreSQL database dump"
MAX_WALK_FILES = 200_000

_FLYWAY_RE = re.compile(r"^[Vv](\d+(?:[._]\d+)*)__")
_DIESEL_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{6})")
_NUMBER_RE = re.compile(r"^(\d+)")


def is_down(name: str) -> bool:
    low = name.lower()
    return low.endswith(".down.sql") or low == "down.sql" or low.endswith("_down.sql")


def order_key(path: str) -> tuple:
    """Migration order: Flyway versions, numeric sequences and timestamps by value,
    then the name. ``up.sql`` inside a folder (diesel, sqlx) is ordered by the folder."""
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
    return (1, (), name)


def _in_migration_dir(rel_parts: list[str]) -> bool:
    dirs = [p.lower() for p in rel_parts[:-1]]
    if any(d in MIGRATION_DIR_NAMES for d in dirs):
        return True
    return any(a == "db" and b == "migrate" for a, b in zip(dirs, dirs[1:]))


def _looks_like_dump(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return PG_DUMP_MARKER in head


def discover(roots: list[str], schema_globs: tuple[str, ...] = (), base: str | None = None,
             is_excluded=None) -> tuple[list[str], list[str]]:
    """(dump files, migration files) under ``roots``; both in the order to apply them.

    Dumps (``schema.sql``, ``structure.sql``, pg_dump output) come first, then the
    migrations, so a migration newer than the dump still wins.
    """
    dumps: set[str] = set()
    migrations: set[str] = set()
    seen = 0
    for root in roots:
        root = os.path.abspath(root)
        if os.path.isfile(root):
            root = os.path.dirname(root)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
            for fn in filenames:
                seen += 1
                if not fn.lower().endswith(".sql") or is_down(fn):
                    continue
                full = os.path.join(dirpath, fn)
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
            if seen > MAX_WALK_FILES:
                break
    for pattern in schema_globs:
        for full in _glob(pattern, base or (roots[0] if roots else ".")):
            if full.lower().endswith(".sql") and not is_down(os.path.basename(full)):
                if os.path.basename(full).lower() in DUMP_NAMES or _looks_like_dump(full):
                    dumps.add(full)
                else:
                    migrations.add(full)
    migrations -= dumps
    return sorted(dumps), sorted(migrations, key=lambda p: (order_key(p), p))


def _glob(pattern: str, base: str) -> list[str]:
    import glob

    pat = pattern if os.path.isabs(pattern) else os.path.join(base, pattern)
    out = [os.path.abspath(p) for p in glob.glob(pat, recursive=True) if os.path.isfile(p)]
    if os.path.isdir(pat):
        out += [os.path.join(dp, f) for dp, _, fs in os.walk(pat) for f in fs if fnmatch.fnmatch(f, "*.sql")]
    return out
