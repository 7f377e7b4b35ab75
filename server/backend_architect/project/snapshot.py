"""Schema snapshots and the migration tools' own tables.

A schema snapshot is a SQL file that mirrors a migration history: ``LATEST.sql`` next to the
release folders it sums up, a ``schema.sql`` or ``structure.sql`` dump written beside
``migrations/``. A fresh database may be created from it, but every table it creates is also
created or changed by the history, where its design was written and is judged. Its findings are
the history's: hidden by default like history, shown with ``--include-history``.

A SQL file is a snapshot when it is not an ordered migration itself, ordered migrations live in
its folder or beside it (in its folder's or its parent folder's subtree), and the history creates
or alters at least half of the tables the file creates (any one of them for a file named like a
snapshot: ``latest``, ``schema``, ``structure``, ``snapshot``, ``dump``). A schema file that is
the source of truth (no history creates its tables) is judged as written.

The bookkeeping tables of migration tools (``schema_migrations``, ``goose_db_version``, ...)
have the layout their tool dictates: design advice on them cannot be taken.
"""

from __future__ import annotations

import os
import re
import threading
from ..core.lazy_re import lazy

BOOKKEEPING_TABLES = frozenset(
    {
        "goose_db_version",
        "schema_migrations",
        "__diesel_schema_migrations",
        "flyway_schema_history",
        "alembic_version",
        "_prisma_migrations",
        "knex_migrations",
        "knex_migrations_lock",
        "migrations",
        "migrations_lock",
        "typeorm_migrations",
        "sequelizemeta",
        "django_migrations",
        "gorp_migrations",
        "_sqlx_migrations",
        "schema_version",
        "databasechangelog",
        "databasechangeloglock",
        "pgmigrations",
        "seaql_migrations",
        "atlas_schema_revisions",
    }
)

SNAPSHOT_NAMES = frozenset({"latest", "schema", "structure", "snapshot", "dump"})
_MAX_FILES = 3000  # ordered migrations read per folder at most
_MAX_BYTES = 512 * 1024

_CREATE_RE = lazy(
    r"\bcreate\s+(?:(?:global\s+|local\s+)?(?:temporary|temp|unlogged)\s+)?table\s+"
    r"(?:if\s+not\s+exists\s+)?((?:[\w\"`]+\.)?[\w\"`]+)",
    re.I,
)
_ALTER_RE = lazy(
    r"\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?((?:[\w\"`]+\.)?[\w\"`]+)", re.I
)
_SKIP = {".git", "node_modules", "vendor", "target", "dist", "build", "__pycache__"}


def is_bookkeeping_table(name: str | None) -> bool:
    """Whether ``name`` (schema-qualified or not, quoted or not) is a migration tool's own table."""
    if not name:
        return False
    return name.rsplit(".", 1)[-1].strip('"`').lower() in BOOKKEEPING_TABLES


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1].strip('"`').lower()


def created_tables(text: str) -> set[str]:
    """Unqualified lower-case names of the tables ``text`` creates (comments left out)."""
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", text, flags=re.S)
    return {_short(m.group(1)) for m in _CREATE_RE.finditer(text)}


def _touched_tables(text: str) -> set[str]:
    text = re.sub(r"--[^\n]*|/\*.*?\*/", " ", text, flags=re.S)
    return {_short(m.group(1)) for m in _CREATE_RE.finditer(text)} | {
        _short(m.group(1)) for m in _ALTER_RE.finditer(text)
    }


_LOCK = threading.Lock()
_HISTORIES: dict[str, tuple[tuple, str | None, frozenset[str]]] = {}


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(_MAX_BYTES)
    except OSError:
        return ""


def _ordered_sql(folder: str, depth: int, exclude: str) -> list[str]:
    """Ordered up migrations (``.sql``) in ``folder``'s subtree, ``depth`` levels down at most."""
    from ..catalog.sources import is_down
    from .history import migration_order, unit_of

    found: list[str] = []
    base = folder.rstrip(os.sep).count(os.sep)
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP and not d.startswith("."))
        if dirpath.count(os.sep) - base >= depth:
            dirnames[:] = []
        for name in filenames:
            full = os.path.join(dirpath, name)
            if not name.lower().endswith(".sql") or full == exclude or is_down(name):
                continue
            if migration_order(unit_of(full)) is not None:
                found.append(full)
                if len(found) >= _MAX_FILES:
                    return found
    return found


def _history_near(path: str) -> tuple[str | None, frozenset[str]]:
    """(the folder holding the migration history next to ``path``, the tables it creates or
    alters); (None, empty) when there is none. Cached on the folder's listing."""
    from ..core.files import list_dir

    folder = os.path.dirname(path)
    try:
        signature = (list_dir(folder), os.path.getmtime(folder))
    except OSError:
        return None, frozenset()
    key = folder  # the path itself is not an ordered migration: never one of the files read
    with _LOCK:
        cached = _HISTORIES.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1], cached[2]
    from .model import model

    where: str | None = None
    files = _ordered_sql(folder, 2, path)
    if files:
        where = folder
    elif folder != model().root_of(folder):  # beside it, within its own project
        parent = os.path.dirname(folder)
        if parent and parent != folder:
            files = _ordered_sql(parent, 3, path)
            where = parent if files else None
    tables: set[str] = set()
    for f in files:
        tables |= _touched_tables(_read(f))
    value = (signature, where, frozenset(tables))
    with _LOCK:
        if len(_HISTORIES) > 256:
            _HISTORIES.clear()
        _HISTORIES[key] = value
    return where, value[2]


def snapshot_of(path: str, text: str | None = None) -> str | None:
    """The folder of the migration history the SQL file ``path`` is a snapshot of, or None
    (see the module's doc)."""
    from .history import migration_order, unit_of

    if not path or not path.lower().endswith(".sql"):
        return None
    path = os.path.abspath(path)
    if migration_order(unit_of(path)) is not None:
        return None
    mine = created_tables(text if text is not None else _read(path))
    if not mine:
        return None
    where, history = _history_near(path)
    if where is None:
        return None
    shared = len(mine & history)
    stem = os.path.basename(path).lower().split(".", 1)[0]
    named = stem in SNAPSHOT_NAMES or stem.endswith(("_schema", "-schema"))
    if (named and shared) or shared * 2 >= len(mine):
        return where
    return None


def forget() -> None:
    with _LOCK:
        _HISTORIES.clear()
        _DEFINITIONS.clear()


# -- declarative schema folders --------------------------------------------------------------

_DEFINITION_MIN = 5  # files in a folder, most creating the table they are named after, make one
_DEFINITIONS: dict[str, tuple[tuple[str, ...], bool]] = {}


def in_schema_definition_folder(path: str) -> bool:
    """Whether ``path`` sits in a folder that defines the schema one file per table (a
    declarative schema: ``tables/users.sql``, ``tables/_after_all.sql``), not a history: at
    least five SQL files, none ordered like a migration, most of them creating the table
    they are named after.
    Everything in such a folder runs when a database is created, on empty tables: advice
    about locks taken on a live table (MG015's lock_timeout) does not apply to it; its design
    advice does."""
    from ..core.files import list_dir
    from .history import migration_order, unit_of

    folder = os.path.dirname(os.path.abspath(path))
    try:
        listing = list_dir(folder)
    except OSError:
        return False
    with _LOCK:
        known = _DEFINITIONS.get(folder)
    if known is not None and known[0] == listing:
        return known[1]
    names = [n for n in listing if n.lower().endswith(".sql")]
    verdict = False
    if len(names) >= _DEFINITION_MIN and len(names) <= _MAX_FILES:
        ordered = any(migration_order(unit_of(os.path.join(folder, n))) is not None for n in names)
        if not ordered:
            named = sum(
                1
                for n in names
                if n[: -len(".sql")].lower() in created_tables(_read(os.path.join(folder, n)))
            )
            verdict = named * 2 > len(names)
    with _LOCK:
        if len(_DEFINITIONS) > 1024:
            _DEFINITIONS.clear()
        _DEFINITIONS[folder] = (listing, verdict)
    return verdict
