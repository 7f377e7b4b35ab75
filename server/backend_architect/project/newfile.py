"""A new migration that runs right after an existing one, named by its folder's convention and
written so that its runner runs it outside a transaction.

Used by fixes that move a statement which cannot run in a transaction (``CREATE INDEX
CONCURRENTLY``, ``VALIDATE CONSTRAINT`` after the ``NOT VALID`` that must commit first) out of a
migration the runner wraps in one. The version follows the source migration's: a timestamp one
second later (diesel, Prisma, goose/dbmate/sqlx timestamps), ``V12_1`` after Flyway's ``V12``, the
next free number of a numbered folder; never one that exists.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass

from ..core.findings import NewFile

_DIESEL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{6})(_.*)?$")
_FLYWAY = re.compile(r"^[Vv](\d+(?:[._]\d+)*)__")
_NUM = re.compile(r"^(\d+)([_\-.]?)")

# runners whose new file needs no opt-out when it holds one statement (one statement is no transaction
# block), and those whose opt-out is written into the new file
IMPLICIT_ONE_STATEMENT = ("golang-migrate", "prisma")


@dataclass(frozen=True)
class Planned:
    files: tuple[NewFile, ...]
    directly_after: bool  # no existing migration sorts between the source and the new one
    name: str


def _stamp(version: str, fmt: str, step: int) -> str | None:
    try:
        t = _dt.datetime.strptime(version, fmt)
    except ValueError:
        return None
    unit = _dt.timedelta(seconds=1) if fmt.endswith("%S") else _dt.timedelta(minutes=1)
    return (t + unit * step).strftime(fmt)


def _existing_versions(folder: str) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _version_of(name: str) -> tuple | None:
    m = _DIESEL.match(name)
    if m:
        return (int("".join(m.groups()[:4])),)
    m = _FLYWAY.match(name)
    if m:
        return tuple(int(p) for p in re.split(r"[._]", m.group(1)))
    m = _NUM.match(name)
    return (int(m.group(1)),) if m else None


def plan_after(
    source: str, runner: str | None, slug: str, up_sql: str, down_sql: str, step: int = 1
) -> Planned | None:
    """Files for a migration holding ``up_sql``, ordered right after migration ``source``
    (``step``: the n-th such file made for the same source). None when the folder's convention
    or the runner gives no way to run it outside a transaction."""
    slug = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")[:50] or "migration"
    per_folder = os.path.basename(source).lower() in ("up.sql", "migration.sql")
    unit = os.path.dirname(source) if per_folder else source
    folder = os.path.dirname(unit)
    uname = os.path.basename(unit)
    names = _existing_versions(folder)
    taken = {version for n in names if (version := _version_of(n)) is not None}
    mine = _version_of(uname)
    if mine is None:
        return None
    later = sorted(v for v in taken if v > mine)
    new_version: str | None = None
    new_key: tuple | None = None
    for extra in range(0, 50):
        k = step + extra
        m = _DIESEL.match(uname)
        if m:
            v = _stamp("".join(m.groups()[:3]) + m.group(4), "%Y%m%d%H%M%S", k)
            cand = f"{v[:4]}-{v[4:6]}-{v[6:8]}-{v[8:]}" if v else None
        elif (flyway := _FLYWAY.match(uname)) is not None:
            cand = f"{flyway.group(1)}_{k}"
        else:
            nm = _NUM.match(uname)
            if nm is None:  # a version _version_of reads has one of these shapes
                return None
            digits = nm.group(1)
            if len(digits) in (12, 14):
                cand = _stamp(digits, "%Y%m%d%H%M%S"[: 10 if len(digits) == 12 else 12], k)
            else:
                nums = [v[0] for v in taken if len(v) == 1]
                cand = str(max(nums + [int(digits)]) + k).zfill(len(digits))
        if cand is None:
            return None
        key = _version_of(("V" + cand + "__x") if _FLYWAY.match(uname) else cand + "_x")
        if key not in taken:
            new_version, new_key = cand, key
            break
    if new_version is None:
        return None
    directly_after = not later or new_key is not None and new_key < later[0]
    files = _files(folder, uname, runner, new_version, slug, up_sql, down_sql, per_folder, source)
    if files is None:
        return None
    return Planned(files, directly_after, files[0].path)


def _files(folder, uname, runner, version, slug, up_sql, down_sql, per_folder, source):
    up_sql = up_sql.rstrip().rstrip(";") + ";\n"
    down_sql = (
        (down_sql.rstrip().rstrip(";") + ";\n")
        if down_sql.strip()
        else "SELECT 1; -- nothing to undo\n"
    )
    if per_folder:
        base = os.path.join(folder, f"{version}_{slug}")
        if runner == "diesel":
            return (
                NewFile(os.path.join(base, "up.sql"), up_sql),
                NewFile(os.path.join(base, "down.sql"), down_sql),
                NewFile(os.path.join(base, "metadata.toml"), "run_in_transaction = false\n"),
            )
        if runner == "prisma":
            return (NewFile(os.path.join(base, "migration.sql"), up_sql),)
        return None
    m = _FLYWAY.match(uname)
    if m:
        name = f"V{version}__{slug}.sql"
        return (
            NewFile(os.path.join(folder, name), up_sql),
            NewFile(os.path.join(folder, name + ".conf"), "executeInTransaction=false\n"),
        )
    sep = _NUM.match(uname).group(2) or "_"
    ext = ".up.sql" if uname.lower().endswith(".up.sql") else os.path.splitext(uname)[1] or ".sql"
    stem = os.path.join(folder, f"{version}{sep}{slug}")
    if runner == "goose":
        return (
            NewFile(
                stem + ext,
                "-- +goose NO TRANSACTION\n-- +goose Up\n"
                + up_sql
                + "\n-- +goose Down\n"
                + down_sql,
            ),
        )
    if runner == "dbmate":
        return (
            NewFile(
                stem + ext,
                "-- migrate:up transaction:false\n" + up_sql + "\n-- migrate:down\n" + down_sql,
            ),
        )
    if runner == "sql-migrate":
        return (
            NewFile(
                stem + ext,
                "-- +migrate Up notransaction\n" + up_sql + "\n-- +migrate Down\n" + down_sql,
            ),
        )
    if runner == "sqlx":
        if ext == ".up.sql":
            return (
                NewFile(stem + ".up.sql", "-- no-transaction\n" + up_sql),
                NewFile(stem + ".down.sql", "-- no-transaction\n" + down_sql),
            )
        return (NewFile(stem + ext, "-- no-transaction\n" + up_sql),)
    if runner == "golang-migrate" or (runner is None and ext == ".up.sql"):
        return (NewFile(stem + ".up.sql", up_sql), NewFile(stem + ".down.sql", down_sql))
    if runner is None:
        return (NewFile(stem + ext, up_sql),)
    return None
