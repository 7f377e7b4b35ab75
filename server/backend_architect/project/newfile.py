"""A new migration that runs right after an existing one, named by its folder's convention and
written so that its runner runs it outside a transaction.

Used by fixes that move a statement which cannot run in a transaction (``CREATE INDEX
CONCURRENTLY``, ``VALIDATE CONSTRAINT`` after the ``NOT VALID`` that must commit first) out of a
migration the runner wraps in one. The version follows the source migration's, so that the new
file runs right after it and before every later migration of the folder: a timestamp one second
later (diesel, Prisma, goose/dbmate/sqlx timestamps), ``V12_1`` after Flyway's ``V12`` (``V12_0_1``
when ``V12_1`` exists), the next number of a numbered folder when the numbering leaves a gap after
the source; never one that exists. A sequence with no gap after the source (``00004`` followed by
``00005``) cannot express "right after": the new file then takes the next number after the newest
and the plan says which migration runs before it (the fixes using it are unsafe and say so).
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

from ..core.findings import NewFile
from ..core.lazy_re import lazy

_DIESEL = lazy(r"^(\d{4})-(\d{2})-(\d{2})-(\d{6})(_.*)?$")
_FLYWAY = re.compile(r"^[Vv](\d+(?:[._]\d+)*)__")
_NUM = lazy(r"^(\d+)([_\-.]?)")

# runners whose new file needs no opt-out when it holds one statement (one statement is no transaction
# block), and those whose opt-out is written into the new file
IMPLICIT_ONE_STATEMENT = ("golang-migrate", "prisma")


@dataclass(frozen=True)
class Planned:
    files: tuple[NewFile, ...]
    directly_after: bool  # no existing migration sorts between the source and the new one
    name: str
    runs_first: str = (
        ""  # when not directly after: the first existing migration that runs before it
    )

    @property
    def order_note(self) -> str:
        """Why the new migration does not run right after its source (empty when it does)."""
        if self.directly_after:
            return ""
        return (
            f"{self.runs_first} and later migrations run before it: the folder's numbering has no "
            "free version between"
        )


def _stamp(version: str, fmt: str, step: int) -> str | None:
    import datetime as _dt  # (when a new migration is named: not every run needs the module)

    try:
        t = _dt.datetime.strptime(version, fmt)
    except ValueError:
        return None
    unit = _dt.timedelta(seconds=1) if fmt.endswith("%S") else _dt.timedelta(minutes=1)
    return (t + unit * step).strftime(fmt)


def _existing_versions(folder: str) -> tuple[str, ...]:
    from ..core.files import list_dir

    try:
        return list_dir(folder)
    except OSError:
        return ()


@functools.lru_cache(maxsize=64)
def _versions(names: tuple[str, ...]) -> frozenset[tuple]:
    """The versions a folder's names take (computed once per listing)."""
    return frozenset(version for n in names if (version := _version_of(n)) is not None)


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
    taken = set(_versions(names))
    mine = _version_of(uname)
    if mine is None:
        return None
    later: list[tuple] = sorted(v for v in taken if v > mine)
    chosen = fallback = None
    for extra in range(0, 50):
        for cand, anywhere in _candidates(uname, taken, step + extra):
            if cand is None:
                return None
            key = _version_of(("V" + cand + "__x") if _FLYWAY.match(uname) else cand + "_x")
            if key is None or key in taken:
                continue
            if not later or key < later[0]:
                chosen = (cand, key)
                break
            if anywhere:  # a version kept even when a later migration sorts first
                fallback = fallback or (cand, key)
        if chosen is not None:
            break
    chosen = chosen or fallback
    if chosen is None:
        return None
    new_version, new_key = chosen
    directly_after = not later or new_key < later[0]
    runs_first = ""
    if not directly_after:
        runs_first = next(
            (
                n
                for n in sorted(names, key=lambda n: ".down." in n.lower())
                if _version_of(n) == later[0]
            ),
            ".".join(map(str, later[0])),
        )
    files = _files(folder, uname, runner, new_version, slug, up_sql, down_sql, per_folder, source)
    if files is None:
        return None
    return Planned(files, directly_after, files[0].path, runs_first)


def _candidates(uname: str, taken: set, k: int):
    """(version, kept when not right after) for the k-th new migration after ``uname``, the
    preferred first; a None version cannot be computed (the caller gives up)."""
    m = _DIESEL.match(uname)
    if m:
        v = _stamp("".join(m.groups()[:3]) + m.group(4), "%Y%m%d%H%M%S", k)
        yield (f"{v[:4]}-{v[4:6]}-{v[6:8]}-{v[8:]}" if v else None), True
        return
    m = _FLYWAY.match(uname)
    if m:
        base = m.group(1)
        yield f"{base}_{k}", True
        yield f"{base}_0_{k}", False  # between V12 and an existing V12_1 (12 < 12.0.1 < 12.1)
        return
    num = _NUM.match(uname)
    if num is None:  # _version_of reads only the shapes above
        return
    digits = num.group(1)
    if len(digits) in (12, 14):
        yield _stamp(digits, "%Y%m%d%H%M%S"[: 10 if len(digits) == 12 else 12], k), True
        return
    yield str(int(digits) + k).zfill(len(digits)), False  # in a gap of the numbering
    nums = [v[0] for v in taken if len(v) == 1]
    yield str(max(nums + [int(digits)]) + k).zfill(len(digits)), True  # after the newest


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
