"""Which migrations are history: already on the repository's main line, so already applied
to every deployed database and never to be rewritten.

With git: a migration file committed on the merge-base of ``HEAD`` with the default branch
(``origin/HEAD``, else ``main``, else ``master``, else ``HEAD`` itself) and unchanged since is
history; new, changed, uncommitted and branch-only migrations are not. Without git: the
``migration.baseline`` setting (a migration's name or version: it and every migration ordered
before it are history), else every migration of its folder but the newest
``migration.pending`` (default 1).

Test data and vendored migrations are judged by their order only (their commits say nothing
about a deployment). Only ordered migrations (numbered, timestamped, Flyway versions, diesel/Prisma folders) can be
history: a loose ``.sql`` file has no order to be applied in.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
from dataclasses import dataclass

from ..catalog.sources import is_down, order_key

_FOLDER_FILES = ("up.sql", "down.sql", "migration.sql")


@dataclass(frozen=True)
class History:
    historical: bool
    reason: str


NOT_HISTORY = History(False, "not an ordered migration")


def unit_of(path: str) -> str:
    """The migration a file belongs to: its folder for diesel/sqlx/Prisma (``<version>_x/up.sql``)."""
    if os.path.basename(path).lower() in _FOLDER_FILES:
        return os.path.dirname(path)
    return path


def _git(repo: str, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", repo, *args], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.decode("utf-8", "replace")


def _blob_sha(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HistoryIndex:
    """Cached per repository: the main-line commit and the blobs it holds."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._repos: dict[str, tuple[str, str, dict[str, str]] | None] = {}

    def forget(self) -> None:
        with self._lock:
            self._repos.clear()

    def _mainline(self, repo: str) -> tuple[str, str, dict[str, str]] | None:
        """(commit, how it was found, {path relative to the repo: blob sha}) of the main line."""
        with self._lock:
            if repo in self._repos:
                return self._repos[repo]
        found = None
        head = _git(repo, "rev-parse", "--verify", "-q", "HEAD")
        if head:
            for ref in ("origin/HEAD", "main", "master", "origin/main", "origin/master"):
                base = _git(repo, "merge-base", "HEAD", ref)
                if base and base.strip():
                    found = (base.strip(), f"merge-base of HEAD and {ref}")
                    break
            if found is None:
                found = (head.strip(), "HEAD (no default branch)")
        tree: dict[str, str] = {}
        if found is not None:
            listing = _git(repo, "ls-tree", "-r", "-z", found[0]) or ""
            for entry in listing.split("\0"):
                meta, _, name = entry.partition("\t")
                parts = meta.split()
                if len(parts) == 3 and parts[1] == "blob":
                    tree[name] = parts[2]
        value = (found[0], found[1], tree) if found is not None else None
        with self._lock:
            self._repos[repo] = value
        return value

    def decide(self, path: str, repo: str | None, settings=None) -> History:
        path = os.path.abspath(path)
        unit = unit_of(path)
        if order_key(unit)[0] != 0 or os.path.basename(path).lower() in (
            "schema.sql",
            "structure.sql",
        ):
            return NOT_HISTORY
        if repo is not None:
            main = self._mainline(repo)
            if main is not None:
                commit, how, tree = main
                rel = os.path.relpath(path, repo).replace(os.sep, "/")
                blob = tree.get(rel)
                if blob is None:
                    return History(False, f"new: not on the main line ({how})")
                if _blob_sha(path) != blob:
                    return History(False, f"changed since the main line ({how})")
                return History(True, f"committed on the main line ({how}, {commit[:10]})")
        return self._by_order(path, unit, settings)

    @staticmethod
    def _by_order(path: str, unit: str, settings) -> History:
        migration = getattr(settings, "migration", None)
        baseline = getattr(migration, "baseline", None)
        pending = getattr(migration, "pending", 1)
        mine = order_key(unit)
        if baseline:
            base_key = order_key(os.path.join(os.path.dirname(unit), baseline))
            if base_key[0] == 0:
                is_old = mine[1] <= base_key[1]
                return History(
                    is_old,
                    f"{'at or before' if is_old else 'after'} migration.baseline {baseline!r}",
                )
        folder = os.path.dirname(unit)
        try:
            names = os.listdir(folder)
        except OSError:
            return History(False, "folder not readable")
        newer = set()
        for name in names:
            full = os.path.join(folder, name)
            if full == unit or is_down(name) or name.lower().endswith(".conf"):
                continue
            if (unit != path) != os.path.isdir(full):
                continue  # a folder per migration: compare folders; else files
            key = order_key(full)
            if key[0] == 0 and key[1] > mine[1]:
                newer.add(key[1])
        if len(newer) >= max(pending, 0):
            return History(
                True,
                f"{len(newer)} newer migrations in its folder (migration.pending = {pending}; "
                "no git)",
            )
        return History(False, f"one of the newest {pending} migrations of its folder (no git)")


_INDEX = HistoryIndex()


def history_of(path: str, settings=None, m=None) -> History:
    """Whether the migration file ``path`` is history (see the module's doc)."""
    from .model import model as _default_model

    m = m or _default_model()
    if not path:
        return NOT_HISTORY
    root = m.root_of(os.path.dirname(os.path.abspath(path)))
    repo = m._repo_of(root)  # noqa: SLF001 - the model's own repository lookup
    if repo is not None and m.file_info(path, settings, check_git=False).not_own is not None:
        repo = None  # test data or vendored code: its commits say nothing about what was deployed
    return _INDEX.decide(path, repo, settings)


def forget() -> None:
    _INDEX.forget()
