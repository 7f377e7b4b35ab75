"""Which migrations are history: already on the repository's main line, so already applied
to every deployed database and never to be rewritten.

With git: a migration file committed on the merge-base of ``HEAD`` with the default branch
(``origin/HEAD``, else ``main``, else ``master``, else ``HEAD`` itself) and unchanged since is
history; new, changed, uncommitted and branch-only migrations are not. Without git: the
``migration.baseline`` setting (a migration's name or version: it and every migration ordered
before it are history), else every migration of its series but the newest
``migration.pending`` (default 1).

A migration's order: its number, timestamp or Flyway version; for Alembic revisions (hash-named
``.py`` files) its place in the ``down_revision`` chain; for release folders
(``migrations/0.19/00__x.sql``, ``v2.1.0/``) and schema-version folders (``delta/56/x.sql``) the
folder's version, then the file's own order, and
files named by a version (``v2.1.0.go``) by that version. The series is the folder, or for release
folders the folder that holds them.

A schema snapshot of the history (``LATEST.sql`` beside release folders, a schema file beside
``migrations/``; see :mod:`.snapshot`) counts as history too: its tables are the history's.

Test data and vendored migrations are judged by their order only (their commits say nothing
about a deployment). Only ordered migrations (numbered, timestamped, Flyway versions, diesel/Prisma folders) can be
history: a loose ``.sql`` file has no order to be applied in.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from ..catalog.sources import is_down, order_key
from ..core.lazy_re import lazy
from ..core.workspace import relative_path

_FOLDER_FILES = ("up.sql", "down.sql", "migration.sql")


@dataclass(frozen=True)
class History:
    historical: bool
    reason: str
    snapshot: bool = False  # a schema file that mirrors the history (``project.snapshot``)


NOT_HISTORY = History(False, "not an ordered migration")

_VERSION_RE = re.compile(r"^[vV]?(\d+(?:\.\d+)+)(?=$|[-_.][^\d])")
_REVISION_RE = lazy(r"""^revision\s*(?::[^=\n]+)?=\s*["']([^"']+)["']""", re.M)
_DOWN_REVISION_RE = lazy(r"^down_revision\s*(?::[^=\n]+)?=\s*(.+(?:\n[ \t)].*)*)", re.M)
_QUOTED_RE = lazy(r"""["']([^"']+)["']""")
_SCHEMA_VERSION_RE = re.compile(r"^[vV]?\d{1,6}$")


def release_version(name: str) -> tuple[int, ...] | None:
    """The version a release folder or file is named by: ``0.19``, ``v2.1.0``, ``v2.1.0.go``."""
    m = _VERSION_RE.match(name)
    return tuple(int(p) for p in m.group(1).split(".")) if m else None


def folder_version(name: str) -> tuple[int, ...] | None:
    """The version a folder of migrations is named by: a release (``0.19``, ``v2.1.0``) or a
    schema version (``delta/56/``, ``v12/``: every file in it moves the schema to that version)."""
    version = release_version(name)
    if version is None and _SCHEMA_VERSION_RE.match(name):
        version = (int(name.lstrip("vV")),)
    return version


def alembic_chain(folder: str) -> dict[str, int]:
    """Alembic revisions of ``folder``: file name (and revision id) -> depth in the
    ``down_revision`` chain (the first revision is 0; a merge comes after all its parents)."""
    from ..core.workspace import read_bytes

    parents: dict[str, list[str]] = {}
    files: dict[str, str] = {}
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return {}
    for name in names:
        if not name.endswith(".py") or name.startswith("__"):
            continue
        try:  # (the run's copy: the planner read the file; universal newlines, as open() reads)
            raw = read_bytes(os.path.join(folder, name))
        except OSError:
            continue
        text = raw.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")[:65536]
        rev = _REVISION_RE.search(text)
        down = _DOWN_REVISION_RE.search(text)
        if rev is None or down is None:
            continue
        parents[rev.group(1)] = _QUOTED_RE.findall(down.group(1).split("\n\n")[0])
        files[name] = rev.group(1)
    depth: dict[str, int] = {}

    def depth_of(rev: str, seen: frozenset = frozenset()) -> int:
        if rev in depth:
            return depth[rev]
        if rev in seen:  # a cycle: broken chain, stop here
            return 0
        ups = [r for r in parents.get(rev, ()) if r in parents]
        value = 1 + max(depth_of(r, seen | {rev}) for r in ups) if ups else 0
        depth[rev] = value
        return value

    out: dict[str, int] = {}
    for name, revision in files.items():
        out[name] = out[revision] = depth_of(revision)
    return out


def migration_order(unit: str, _chains: dict | None = None) -> tuple[str, tuple] | None:
    """(series, key) of an ordered migration: migrations of one series are applied in key order.
    None for a file with no order (a loose ``.sql`` file, ``schema.sql``)."""
    folder, name = os.path.split(unit)
    if name.endswith(".py"):
        chains = _chains if _chains is not None else {}
        if folder not in chains:
            chains[folder] = alembic_chain(folder)
        if name in chains[folder]:
            return folder, (0, (chains[folder][name],), name)
    own: tuple | None = order_key(unit)
    if own is not None and own[0] != 0:
        version = release_version(name)
        own = (0, version, name) if version is not None else None
    release = folder_version(os.path.basename(folder))
    if release is not None:
        # migrations/0.19/00__x.sql, delta/56/x.sql: the version first; loose files of it by name
        return os.path.dirname(folder), (0, release, own[1] if own else (), name)
    if own is None:
        return None
    return folder, own


def unit_of(path: str) -> str:
    """The migration a file belongs to: its folder for diesel/sqlx/Prisma (``<version>_x/up.sql``)."""
    if os.path.basename(path).lower() in _FOLDER_FILES:
        return os.path.dirname(path)
    return path


def _git(repo: str, *args: str) -> str | None:
    import subprocess  # (outside a repository no run needs it)

    try:
        out = subprocess.run(
            ["git", "-C", repo, *args], check=False, capture_output=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.decode("utf-8", "replace")


_SHA_RE = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
# the environment variables that move a repository's refs (or its git folder) elsewhere
_GIT_PLACES = ("GIT_DIR", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_WORK_TREE")


def _head_at_origin_head(repo: str) -> str | None:
    """The commit of ``HEAD`` when ``origin/HEAD`` names the same one (their merge base is that
    commit), read from the repository's ref files; None when they differ or when anything is
    not plain (a worktree's or submodule's ``.git`` file, the reftable format, git's
    variables that move the refs, a ref named like ``origin/HEAD`` that git would take first):
    then git is asked."""
    if any(os.environ.get(name) for name in _GIT_PLACES):
        return None
    git_dir = os.path.join(repo, ".git")
    if not os.path.isdir(git_dir) or os.path.exists(os.path.join(git_dir, "reftable")):
        return None
    packed: dict[str, str] | None = None

    def packed_refs() -> dict[str, str]:
        nonlocal packed
        if packed is None:
            packed = {}
            try:
                with open(os.path.join(git_dir, "packed-refs"), encoding="utf-8") as fh:
                    for line in fh:
                        sha, _, name = line.rstrip("\n").partition(" ")
                        if name and _SHA_RE.fullmatch(sha):
                            packed[name] = sha
            except (OSError, UnicodeDecodeError):
                pass
        return packed

    def loose(name: str) -> str | None:
        try:
            with open(os.path.join(git_dir, name), encoding="utf-8") as fh:
                return fh.read().strip()
        except (OSError, UnicodeDecodeError):
            return None

    def resolve(name: str) -> str | None:
        for _ in range(5):  # (symbolic refs, as git follows them)
            value = loose(name)
            if value is None:
                return packed_refs().get(name)
            if not value.startswith("ref: "):
                return value if _SHA_RE.fullmatch(value) else None
            name = value[5:].strip()
        return None

    # git reads "origin/HEAD" as the first of these that exists
    for shadow in (
        "origin/HEAD",
        "refs/origin/HEAD",
        "refs/tags/origin/HEAD",
        "refs/heads/origin/HEAD",
    ):
        if os.path.lexists(os.path.join(git_dir, shadow)) or shadow in packed_refs():
            return None
    head = resolve("HEAD")
    if head is None or head != resolve("refs/remotes/origin/HEAD"):
        return None
    return head


def _blob_sha(path: str) -> str | None:
    from ..core.workspace import read_bytes

    try:
        data = read_bytes(path)
    except OSError:
        return None
    try:  # the module itself: hashlib would also load OpenSSL (2 ms)
        from _sha1 import sha1
    except ImportError:  # an interpreter without it
        from hashlib import sha1

    return sha1(b"blob %d\0" % len(data) + data).hexdigest()


class HistoryIndex:
    """Cached per repository: the main-line commit and the blobs it holds."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._repos: dict[str, tuple[str, str, dict[str, str]] | None] = {}
        self._chains: dict[str, dict[str, int]] = {}
        # (folder, folders or files) -> (its listing, [(path, order)] of its ordered migrations)
        self._series: dict[tuple[str, bool], tuple[tuple[str, ...], list]] = {}
        self._blobs: dict[tuple[str, int, int], str | None] = {}  # (path, size, mtime) -> sha

    def forget(self) -> None:
        with self._lock:
            self._repos.clear()
            self._chains.clear()
            self._series.clear()
            self._blobs.clear()

    def _blob_sha(self, path: str) -> str | None:
        """git's blob id of the file, kept while its size and modification time stay the
        same (a run asks for each migration more than once); a file changed in the last two
        seconds is read every time (its time stamp may not yet tell a second change)."""
        import time

        try:
            st = os.stat(path)
        except OSError:
            return None
        key = (path, st.st_size, st.st_mtime_ns)
        with self._lock:
            if key in self._blobs:
                return self._blobs[key]
        sha = _blob_sha(path)
        if time.time_ns() - st.st_mtime_ns > 2_000_000_000:
            with self._lock:
                if len(self._blobs) > 100_000:
                    self._blobs.clear()
                self._blobs[key] = sha
        return sha

    def _order(self, unit: str) -> tuple[str, tuple] | None:
        with self._lock:
            return migration_order(unit, self._chains)

    def _mainline(self, repo: str) -> tuple[str, str, dict[str, str]] | None:
        """(commit, how it was found, {path relative to the repo: blob sha}) of the main line."""
        with self._lock:
            if repo in self._repos:
                return self._repos[repo]
        found = None
        same = _head_at_origin_head(repo)
        if same is not None:  # (a clone on its default branch: git need not be asked)
            found = (same, "merge-base of HEAD and origin/HEAD")
        else:
            # (a merge base found says HEAD exists: HEAD itself is asked for only when none is)
            for ref in ("origin/HEAD", "main", "master", "origin/main", "origin/master"):
                base = _git(repo, "merge-base", "HEAD", ref)
                if base and base.strip():
                    found = (base.strip(), f"merge-base of HEAD and {ref}")
                    break
        if found is None:
            head = _git(repo, "rev-parse", "--verify", "-q", "HEAD")
            if head:
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
        order = self._order(unit)
        if order is None or (
            os.path.basename(path).lower() in ("schema.sql", "structure.sql")
            # a release folder's schema.sql (``versioned/v1.0/schema.sql``) is that release's migration
            and release_version(os.path.basename(os.path.dirname(path))) is None
        ):
            return NOT_HISTORY
        if repo is not None:
            main = self._mainline(repo)
            if main is not None:
                commit, how, tree = main
                rel = relative_path(path, repo).replace(os.sep, "/")
                blob = tree.get(rel)
                if blob is None:
                    return History(False, f"new: not on the main line ({how})")
                if self._blob_sha(path) != blob:
                    return History(False, f"changed since the main line ({how})")
                return History(True, f"committed on the main line ({how}, {commit[:10]})")
        return self._by_order(path, unit, order, settings)

    def _by_order(self, path: str, unit: str, order: tuple[str, tuple], settings) -> History:
        migration = getattr(settings, "migration", None)
        baseline = getattr(migration, "baseline", None)
        pending = getattr(migration, "pending", 1)
        series, mine = order
        if baseline:
            base = self._order(os.path.join(os.path.dirname(unit), baseline)) or self._order(
                os.path.join(series, baseline)
            )
            if base is None and os.path.dirname(unit) != series:
                version = folder_version(baseline)  # a release or schema-version folder's name
                base = (series, (0, version, (float("inf"),), "")) if version else None
            if base is not None and base[0] == series:
                is_old = mine[1:-1] <= base[1][1:-1]
                return History(
                    is_old,
                    f"{'at or before' if is_old else 'after'} migration.baseline {baseline!r}",
                )
        # every migration of the series: the folder's, or each release folder's
        folders = [os.path.dirname(unit)]
        if series != folders[0]:
            try:
                folders = [
                    os.path.join(series, d)
                    for d in os.listdir(series)
                    if folder_version(d) is not None and os.path.isdir(os.path.join(series, d))
                ]
            except OSError:
                return History(False, "folder not readable")
        newer = set()
        for folder in folders:
            for full, other in self._ordered_in(folder, unit != path):
                if full != unit and other[0] == series and other[1][1:-1] > mine[1:-1]:
                    newer.add(other[1][1:-1])
        if len(newer) >= max(pending, 0):
            return History(
                True,
                f"{len(newer)} newer migrations in its series (migration.pending = {pending}; "
                "no git)",
            )
        return History(False, f"one of the newest {pending} migrations of its series (no git)")

    def _ordered_in(self, folder: str, folders: bool) -> list[tuple[str, tuple[str, tuple]]]:
        """(path, order) of the ordered migrations in ``folder``: its folders per migration
        (``folders``), else its files (down migrations and runner configuration left out).
        Kept while the folder's listing is (:func:`backend_architect.core.files.list_dir`):
        every migration of a series is compared with the others."""
        from ..core.files import list_dir

        try:
            names = list_dir(folder)
        except OSError:
            return []
        key = (folder, folders)
        with self._lock:
            known = self._series.get(key)
        if known is not None and known[0] is names:
            return known[1]
        found = []
        for name in names:
            full = os.path.join(folder, name)
            if is_down(name) or name.lower().endswith(".conf"):
                continue
            if folders != os.path.isdir(full):
                continue  # a folder per migration: compare folders; else files
            other = self._order(full)
            if other is not None:
                found.append((full, other))
        with self._lock:
            if len(self._series) > 256:
                self._series.clear()
            self._series[key] = (names, found)
        return found


_INDEX = HistoryIndex()

# absolute path -> (the settings, the answer for them): while a one-shot run checks (see
# :func:`one_run`), else None
_RUN: dict[str, tuple[object, History]] | None = None


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """A one-shot run (``check``): files are taken as unchanged while it lasts, so each file's
    answer is decided once, though the run asks for it when it keys the file's cached report,
    when it weighs the work before forking and when it checks the file."""
    global _RUN  # noqa: PLW0603
    previous, _RUN = _RUN, {}
    try:
        yield
    finally:
        _RUN = previous


def history_of(path: str, settings=None, m=None) -> History:
    """Whether the migration file ``path`` is history (see the module's doc)."""
    if not path:
        return NOT_HISTORY
    run = _RUN
    if run is None or m is not None:
        return _history_of(path, settings, m)
    key = os.path.abspath(path)
    known = run.get(key)
    if known is not None and known[0] is settings:
        return known[1]
    past = _history_of(path, settings, None)
    run[key] = (settings, past)
    return past


def _history_of(path: str, settings, m) -> History:
    from .model import model as _default_model

    m = m or _default_model()
    root = m.root_of(os.path.dirname(os.path.abspath(path)))
    repo = m._repo_of(root)  # noqa: SLF001 - the model's own repository lookup
    if repo is not None and m.file_info(path, settings, check_git=False).not_own is not None:
        repo = None  # test data or vendored code: its commits say nothing about what was deployed
    past = _INDEX.decide(path, repo, settings)
    if not past.historical and past is NOT_HISTORY:
        from .snapshot import snapshot_of

        folder = snapshot_of(path)
        if folder is not None:
            where = os.path.relpath(folder, root) if root else folder
            return History(True, f"schema snapshot of the migration history in {where}", True)
    return past


def forget() -> None:
    from .snapshot import forget as forget_snapshots

    _INDEX.forget()
    forget_snapshots()
    with _ORDERED_LOCK:
        _ORDERED.clear()


_ORDERED: dict[str, tuple[tuple[tuple[str, int], ...], tuple[str, ...]]] = {}
_ORDERED_LOCK = threading.Lock()


def ordered_migrations(folder: str) -> list[str]:
    """The up migrations under ``folder`` in the order their runner applies them
    (:func:`backend_architect.db.replay.history_files`). Kept per folder while none of the
    folders under it changed (their modification times: a file added, removed or renamed
    changes its folder's), so the rules that ask for each migration of a long history walk
    it once; a folder changed in the last two seconds is walked again every time (its time
    stamp may not yet tell a second change from the first)."""
    import time

    from ..db.replay import history_files

    with _ORDERED_LOCK:
        known = _ORDERED.get(folder)
    if known is not None:
        try:
            if all(os.stat(d).st_mtime_ns == mtime for d, mtime in known[0]):
                return list(known[1])
        except OSError:
            pass
    dirs: list[tuple[str, int]] = []
    files = history_files(folder, dirs)
    if dirs and time.time_ns() - max(mtime for _, mtime in dirs) > 2_000_000_000:
        with _ORDERED_LOCK:
            if len(_ORDERED) > 256:
                _ORDERED.clear()
            _ORDERED[folder] = (tuple(dirs), tuple(files))
    return files


_MENTIONS: dict[str, tuple[tuple, list[str], dict[str, int]]] = {}
_MENTIONS_LOCK = threading.Lock()
_WORD = lazy(r"[A-Za-z_][A-Za-z0-9_$]*")


def mentioned_later(path: str, folder: str | None, name: str) -> str | None:
    """A migration of ``folder`` ordered after ``path`` whose up part names ``name`` (a table, a
    column: a word, case-insensitive), or None. What a later migration was written against must
    not change under it: a fix that changes a type or a name in an older migration is safe only
    when nothing after it uses that object. One word index per folder (cached on file times)."""
    from ..catalog.sources import order_key
    from ..db.replay import up_part

    if not path or not folder or not name:
        return None
    try:
        files = ordered_migrations(folder)
        signature = tuple((f, os.path.getmtime(f)) for f in files)
    except OSError:
        return None
    with _MENTIONS_LOCK:
        cached = _MENTIONS.get(folder)
    if cached is None or cached[0] != signature:
        last: dict[str, int] = {}
        for i, f in enumerate(files):
            try:
                with open(f, encoding="utf-8", errors="replace") as fh:
                    text = up_part(fh.read())
            except OSError:
                continue
            for word in set(_WORD.findall(text.lower())):
                last[word] = i
        cached = (signature, files, last)
        with _MENTIONS_LOCK:
            if len(_MENTIONS) > 32:
                _MENTIONS.clear()
            _MENTIONS[folder] = cached
    _, files, last = cached
    word = name.lower().rsplit(".", 1)[-1].strip('"')
    found = last.get(word)
    if found is None:
        return None
    mine = (order_key(unit_of(os.path.abspath(path))), unit_of(os.path.abspath(path)))
    later = files[found]
    return later if (order_key(unit_of(later)), unit_of(later)) > mine else None
