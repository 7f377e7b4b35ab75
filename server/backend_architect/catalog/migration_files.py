"""New migration files named by the folder's own convention.

Looks at the newest migration in the workspace's migration folder and follows
it: golang-migrate pairs (``000012_x.up.sql`` / ``.down.sql``), Flyway
(``V13__x.sql``), zero-padded sequences (``0013_x.sql``), timestamps
(``20240101120000_x.sql``) and diesel-style folders (``2024-01-01-120000_x/up.sql``).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ..core.findings import NewFile
from .sources import is_down, order_key
from ..core.lazy_re import lazy

if TYPE_CHECKING:
    import datetime as _dt

_NUM_RE = lazy(r"^(\d+)([_-])")
_FLYWAY_RE = lazy(r"^[Vv](\d+)(?:[._]\d+)*__")
_DIESEL_RE = lazy(r"^\d{4}-\d{2}-\d{2}-\d{6}_")
_FOLDER_FILES = ("up.sql", "migration.sql")  # a folder per migration: diesel/sqlx, Prisma


def migration_folder(catalog) -> str | None:
    """The folder holding the newest migration (None when the workspace has none)."""
    dirs = list(getattr(catalog, "migration_dirs", None) or [])
    if not dirs:
        roots = getattr(catalog, "roots", None) or []
        return os.path.join(roots[0], "migrations") if roots else None
    for src in reversed(getattr(catalog, "sources", [])):  # the last source in a migration folder
        d = os.path.dirname(src)
        if os.path.basename(src).lower() in _FOLDER_FILES:
            d = os.path.dirname(d)
        if d in dirs:
            return d
    return dirs[-1]


def _now(clock=None) -> _dt.datetime:
    import datetime as _dt  # (when a new migration is named: not every run needs the module)

    return clock() if clock else _dt.datetime.now(_dt.timezone.utc)


_LISTINGS: dict[tuple, tuple[list[str], list[str]]] = {}


def _listing(folder: str) -> tuple[list[str], list[str]]:
    """(migration files, folders holding an up.sql) of ``folder`` in migration order; read
    once per state of the folder (a history's many findings ask for the same folder)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        stamp = None
    key = (folder, stamp)
    found = _LISTINGS.get(key) if stamp is not None else None
    if found is None:
        try:
            names = sorted(
                (n for n in os.listdir(folder)), key=lambda n: order_key(os.path.join(folder, n))
            )
        except OSError:
            names = []
        sql_names = [n for n in names if n.lower().endswith(".sql") and not is_down(n)]
        subdirs = [
            n
            for n in names
            if any(os.path.isfile(os.path.join(folder, n, f)) for f in _FOLDER_FILES)
        ]
        found = (sql_names, subdirs)
        if stamp is not None:
            if len(_LISTINGS) > 64:
                _LISTINGS.clear()
            _LISTINGS[key] = found
    return found


def new_migration(
    catalog, slug: str, up_sql: str, down_sql: str | None = None, clock=None
) -> tuple[NewFile, ...]:
    """Files for a new migration holding ``up_sql`` (and ``down_sql`` where the convention has a down side)."""
    folder = migration_folder(catalog)
    if folder is None:
        return ()
    slug = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")[:60] or "migration"
    sql_names, subdirs = _listing(folder)
    now = _now(clock)
    down = down_sql or ""
    concurrent = "CONCURRENTLY" in up_sql.upper()
    if subdirs and os.path.isfile(os.path.join(folder, subdirs[-1], "migration.sql")):
        # Prisma Migrate: <timestamp>_name/migration.sql, sent as one query (a transaction block
        # when it holds more than one statement), no down side
        stamp = now.strftime("%Y%m%d%H%M%S")
        newest = re.match(r"\d{14}", subdirs[-1])
        if newest and int(stamp) <= int(newest.group(0)):
            stamp = str(int(newest.group(0)) + 1)
        return (NewFile(os.path.join(folder, f"{stamp}_{slug}", "migration.sql"), up_sql),)
    if subdirs and (not sql_names or _DIESEL_RE.match(subdirs[-1])):
        stamp = now.strftime("%Y-%m-%d-%H%M%S")
        base = os.path.join(folder, f"{stamp}_{slug}")
        files: tuple[NewFile, ...] = (
            NewFile(os.path.join(base, "up.sql"), up_sql),
            NewFile(os.path.join(base, "down.sql"), down),
        )
        if concurrent:  # diesel runs each migration in a transaction unless told otherwise
            files += (NewFile(os.path.join(base, "metadata.toml"), "run_in_transaction = false\n"),)
        return files
    if concurrent:
        up_sql, down = _outside_transaction(folder, up_sql, down)
    last = sql_names[-1] if sql_names else None
    paired = any(n.lower().endswith(".up.sql") for n in sql_names)
    if last and _FLYWAY_RE.match(last):
        versions = [int(m.group(1)) for m in (_FLYWAY_RE.match(n) for n in sql_names) if m]
        name = f"V{max(versions) + 1}__{slug}.sql"
        # Flyway runs a script in a transaction unless told otherwise; CONCURRENTLY cannot
        conf = NewFile(os.path.join(folder, name + ".conf"), "executeInTransaction=false\n")
        return (
            (NewFile(os.path.join(folder, name), up_sql), conf)
            if "CONCURRENTLY" in up_sql
            else (NewFile(os.path.join(folder, name), up_sql),)
        )
    m = _NUM_RE.match(last) if last else None
    if m:
        number, sep = m.group(1), m.group(2)
        if len(number) >= 12:  # a timestamp
            fmt = (
                "%Y%m%d%H%M%S"[: {12: 10, 14: 12}.get(len(number), 12)]
                if len(number) < 14
                else "%Y%m%d%H%M%S"
            )
            version = now.strftime(fmt)
            if int(version) <= int(number):
                version = str(int(number) + 1)
        else:
            used = [
                int(mm.group(1))
                for mm in (_NUM_RE.match(n) for n in sql_names)
                if mm and len(mm.group(1)) < 12
            ]
            version = str(max(used) + 1).zfill(len(number))
    else:
        version, sep = ("0001", "_") if not last else (now.strftime("%Y%m%d%H%M%S"), "_")
    if paired:
        return (
            NewFile(os.path.join(folder, f"{version}{sep}{slug}.up.sql"), up_sql),
            NewFile(os.path.join(folder, f"{version}{sep}{slug}.down.sql"), down),
        )
    return (NewFile(os.path.join(folder, f"{version}{sep}{slug}.sql"), up_sql),)


def _outside_transaction(folder: str, up_sql: str, down: str) -> tuple[str, str]:
    """The runner's opt-out written into a new migration that holds CONCURRENTLY."""
    from ..project.model import model

    runner = model().runner(folder)
    name = runner.name if runner is not None else None
    if name == "goose":
        return f"-- +goose NO TRANSACTION\n-- +goose Up\n{up_sql}\n-- +goose Down\n{down}", ""
    if name == "dbmate":
        return f"-- migrate:up transaction:false\n{up_sql}\n-- migrate:down\n{down}", ""
    if name == "sql-migrate":
        return f"-- +migrate Up notransaction\n{up_sql}\n-- +migrate Down\n{down}", ""
    if name == "sqlx":
        return "-- no-transaction\n" + up_sql, ("-- no-transaction\n" + down) if down else down
    return up_sql, down


def copies_a_migration(catalog, path: str | None, table_name: str | None) -> bool:
    """``path`` is a schema file that copies the migrations (``schema.sql``, a query compiler's
    schema, a dump) and ``table_name`` is a table an ordered migration of the project creates.
    The table is designed, and judged, in that migration (pending: shown there; applied:
    history), not again in each copy of it."""
    from ..project.history import migration_order, unit_of

    if catalog is None or not path or not table_name:
        return False
    table = catalog.table(table_name)
    if table is None or not table.created_in:
        return False
    here = os.path.abspath(path)
    if migration_order(unit_of(here)) is not None:
        return False  # an ordered migration itself
    return any(
        os.path.abspath(p) != here and migration_order(unit_of(os.path.abspath(p))) is not None
        for p in table.created_in
    )


def defined_later(source: str | None, ctx) -> bool:
    """Whether the object as it stands (an index, a foreign key, whose catalog entry says which
    file last defined it: ``source``) comes from a later migration of the same folder than the
    one being checked: dropped and defined again there, so judged there, once."""
    if not source or not ctx.ctx.is_migration:
        return False
    from ..project.history import unit_of

    here, there = unit_of(os.path.abspath(ctx.ctx.path)), unit_of(os.path.abspath(source))
    if here == there or os.path.dirname(here) != os.path.dirname(there):
        return False
    return (order_key(there), there) > (order_key(here), here)
