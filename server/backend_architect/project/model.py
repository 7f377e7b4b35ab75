"""What each file is, computed once: its project, language, SQL dialect, whether it is a
migration and which way it runs, and whether it is the user's own code.

Project-level facts (a root's manifests, tool configs, drivers) are read once per
root and cached for the life of the process; :func:`forget` drops them (the
language server calls it when the configuration changes).
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field, replace

from ..core.document import language_for_path
from ..core.workspace import has_any, relative_path
from ..core.regions import has_down_marker
from . import dialect as dialects
from . import ownership
from .dialect import POSTGRES, UNKNOWN, Evidence

ROOT_MARKERS = (
    "go.mod",
    "package.json",
    "pyproject.toml",
    "setup.py",
    "requirements.txt",
    "Cargo.toml",
    "backend-architect.toml",
    ".backend-architect.toml",
    ".git",
    "sqlc.yaml",
    "sqlc.yml",
    "sqlc.json",
)  # an sqlc config names its own schema and queries
MIGRATION_DIR_NAMES = {
    "migrations",
    "migration",
    "migrate",
    "db-migrations",
    "sql-migrations",
    "versions",
    "changelog",
    "changesets",
    "schema-migrations",
}
# schema deltas applied in order at startup (`storage/postgres/deltas/`, `schema/main/delta/`):
# migrations only below a storage folder (a feature folder named `delta` is application code)
_DELTA_DIR_NAMES = {"delta", "deltas"}
_STORAGE_DIR_NAMES = {"storage", "schema", "db", "database", "sql", "store"}
ROLLBACK_DIR_NAMES = {
    "rollback",
    "rollbacks",
    "down",
    "downs",
    "undo",
    "downgrade",
    "downgrades",
    "revert",
}
_DOWN_NAME = re.compile(
    r"(^|[._\-])(down|rollback|undo|revert)\.[a-z0-9]+$|^down\.sql$|^U\d+(?:[._]\d+)*__", re.I
)
_UP_NAME = re.compile(r"(^|[._\-])up\.[a-z0-9]+$|^up\.sql$", re.I)
# the engine's historical notion of a migration path, kept so no file changes side by accident
_LEGACY_MIGRATION_PATH = re.compile(
    r"(^|/)(migrations?|migrate|db/migrate|alembic/versions|versions|schema)(/|$)|\.up\.sql$", re.I
)


@dataclass
class Project:
    """A folder with its own manifest: its own dependencies, its own schema."""

    root: str
    markers: tuple[str, ...]
    dialect: str = UNKNOWN
    candidates: tuple[str, ...] = ()
    evidence: list[Evidence] = field(default_factory=list)
    parent: str | None = None  # the enclosing project's root (a nested module)

    def to_json(self) -> dict:
        return {
            "root": self.root,
            "markers": list(self.markers),
            "dialect": self.dialect,
            "candidates": list(self.candidates),
            "evidence": [str(e) for e in self.evidence],
            "parent": self.parent,
        }


@dataclass(frozen=True)
class FileInfo:
    """What one file is. Rules and the engine read this; none re-derives it."""

    path: str
    project_root: str | None
    language: str | None
    dialect: str = UNKNOWN
    dialect_source: str = "no evidence"
    candidates: tuple[str, ...] = ()  # for an unknown dialect: the dialects the project might use
    is_migration: bool = False
    direction: str | None = (
        None  # "up", "down", "up+down" (one file, two sections); None: not a migration
    )
    not_own: ownership.NotOwn | None = None
    explicit: bool = False  # named on the command line: checked even when not the user's own code
    migration_folder: str | None = None  # the folder the migration tool is pointed at
    runner: str | None = None  # the migration tool (goose, diesel, flyway, ...) when known
    in_transaction: bool | None = None  # whether the runner runs this file inside a transaction
    transaction_source: str | None = None  # why (the runner's default or the file's opt-out)

    def may_be(self, accepted: tuple[str, ...] | None) -> bool:
        """Whether rules for ``accepted`` dialects apply. An unknown dialect counts as Postgres
        (the default) unless the project's only candidates are other dialects."""
        if accepted is None:
            return True
        if self.dialect != UNKNOWN:
            return self.dialect in accepted
        if not self.candidates:
            return POSTGRES in accepted
        return any(c in accepted for c in self.candidates)

    @property
    def is_down(self) -> bool:
        return self.direction == "down"

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "project": self.project_root,
            "language": self.language,
            "dialect": self.dialect,
            "dialect_source": self.dialect_source,
            "candidates": list(self.candidates),
            "migration": self.is_migration,
            "direction": self.direction,
            "not_own": self.not_own.kind if self.not_own else None,
            "reason": self.not_own.reason if self.not_own else None,
            "migration_folder": self.migration_folder,
            "runner": self.runner,
            "in_transaction": self.in_transaction,
            "transaction_source": self.transaction_source,
        }


class ProjectModel:
    """Project roots and facts, cached per folder; thread-safe enough for the server."""

    def __init__(self) -> None:
        self._roots: dict[str, str | None] = {}
        self._projects: dict[str, Project] = {}
        self._ignored: dict[str, set[str]] = {}  # repo -> ignored paths already asked about
        self._asked: dict[str, set[str]] = {}
        self._runners: dict[str, object] = {}
        self._files: dict[tuple, FileInfo] = {}  # files read from disk, per settings object
        self._repos: dict[str, str | None] = {}  # project root -> its repository
        self._lock = threading.RLock()

    # -- roots ----------------------------------------------------------------------------

    def root_of(self, folder: str) -> str | None:
        """The nearest folder at or above ``folder`` with a project manifest (None: none up to /)."""
        roots = self._roots
        if folder in roots:  # (its keys are absolute: a folder asked again as it was kept)
            return roots[folder]
        folder = os.path.abspath(folder)
        chain = []
        cur = folder
        found: str | None = None
        while True:
            if cur in self._roots:
                found = self._roots[cur]
                break
            chain.append(cur)
            if has_any(cur, ROOT_MARKERS):
                found = cur
                break
            parent = os.path.dirname(cur)
            if parent == cur:
                break
            cur = parent
        with self._lock:
            for c in chain:
                self._roots[c] = found
        return found

    def outermost(self, root: str | None) -> str | None:
        """The outermost project enclosing ``root`` (the repository or workspace)."""
        cur = root
        while cur:
            parent_dir = os.path.dirname(cur)
            up = self.root_of(parent_dir) if parent_dir != cur else None
            if up is None:
                return cur
            cur = up
        return cur

    def project(self, root: str) -> Project:
        with self._lock:
            cached = self._projects.get(root)
        if cached is not None:
            return cached
        markers = tuple(m for m in ROOT_MARKERS if os.path.exists(os.path.join(root, m)))
        parent_dir = os.path.dirname(root)
        parent = self.root_of(parent_dir) if parent_dir != root else None
        tools = dialects.tool_evidence(root)
        drivers = dialects.driver_evidence(root)
        evidence = tools or drivers
        if not evidence and parent:  # a crate or package of a workspace: the workspace's drivers
            up = self.project(parent)
            evidence = [
                Evidence(e.dialect, f"{e.source} in {os.path.basename(up.root) or up.root}")
                for e in up.evidence
            ]
        dialect, candidates = dialects.resolve(evidence)
        proj = Project(root, markers, dialect, candidates, evidence, parent)
        with self._lock:
            self._projects[root] = proj
        return proj

    # -- git ---------------------------------------------------------------------------------

    def _repo_of(self, root: str | None) -> str | None:
        """The repository holding project ``root``, kept as long as the roots are."""
        if root is None:
            return None
        if root in self._repos:
            return self._repos[root]
        found = None
        cur = root
        while cur:
            if has_any(cur, (".git",)):
                found = cur
                break
            parent = os.path.dirname(cur)
            if parent == cur:
                break
            cur = parent
        with self._lock:
            self._repos[root] = found
        return found

    def prefetch_ignored(self, paths: list[str]) -> None:
        """Ask git once per repository which of ``paths`` it ignores."""
        by_repo: dict[str, list[str]] = {}
        for given in paths:
            p = os.path.abspath(given)
            repo = self._repo_of(self.root_of(os.path.dirname(p)))
            if repo is not None and p not in self._asked.get(repo, ()):
                by_repo.setdefault(repo, []).append(p)
        for repo, items in by_repo.items():
            ignored = ownership.git_ignored(repo, items)
            with self._lock:
                self._ignored.setdefault(repo, set()).update(ignored)
                self._asked.setdefault(repo, set()).update(items)

    def known_ignored(self, path: str) -> bool:
        """Whether git ignores ``path``, from what was already asked (never starts git)."""
        path = os.path.abspath(path)
        return any(path in ignored for ignored in self._ignored.values())

    def _is_ignored(self, path: str, root: str | None) -> bool:
        repo = self._repo_of(root)
        if repo is None:
            return False
        if path not in self._asked.get(repo, ()):
            self.prefetch_ignored([path])
        return path in self._ignored.get(repo, ())

    # -- files -------------------------------------------------------------------------------

    def file_info(
        self,
        path: str,
        settings=None,
        text: str | None = None,
        *,
        language: str | None = None,
        explicit: bool = False,
        check_git: bool = True,
    ) -> FileInfo:
        """Everything the model knows about one file. ``text``: its content when at hand
        (read from disk for SQL files otherwise). ``check_git``: ask git whether it ignores
        the file (one process per repository and batch; see :meth:`prefetch_ignored`)."""
        if text is None and path:
            # by the absolute path: the planner's relative path and the schema builder's
            # absolute one are the same file, read once
            path = os.path.abspath(path)
            key = (path, _settings_key(settings), language, explicit, check_git)
            cached = self._files.get(key)
            if cached is None and not check_git:
                cached = self._without_git(path, settings, language, explicit)
                if cached is not None:  # (kept as long as the facts it comes from)
                    with self._lock:
                        self._files[key] = cached
            if cached is None:
                cached = self._file_info(path, settings, None, language, explicit, check_git)
                with self._lock:
                    if len(self._files) > 100_000:
                        self._files.clear()
                    self._files[key] = cached
            return cached
        return self._file_info(path, settings, text, language, explicit, check_git)

    def _without_git(self, path: str, settings, language, explicit: bool) -> FileInfo | None:
        """The facts without git's ignore list, derived from the same file's facts with it when
        at hand (git only ever adds "ignored by git"): every file is not read twice."""
        sk = _settings_key(settings)
        for other in (explicit, not explicit):
            known = self._files.get((path, sk, language, other, True))
            if known is not None:
                ignored = known.not_own is not None and known.not_own.kind == ownership.GITIGNORED
                if not ignored and known.explicit == explicit:
                    return known  # (the same facts: no copy to make)
                return replace(known, explicit=explicit, not_own=None if ignored else known.not_own)
        return None

    def _file_info(
        self,
        path: str,
        settings,
        text: str | None,
        language: str | None,
        explicit: bool,
        check_git: bool,
    ) -> FileInfo:
        language = language or language_for_path(path or "")
        if not path:
            ev = dialects.from_content(text) if text and language == "sql" else None
            setting = _setting_dialect(settings, "")
            chosen = setting or ev
            return FileInfo(
                path,
                None,
                language,
                chosen.dialect if chosen else UNKNOWN,
                chosen.source if chosen else "no evidence",
                explicit=explicit,
            )
        path = os.path.abspath(path)
        root = self.root_of(os.path.dirname(path))
        rel_parts = (relative_path(path, root) if root else path).replace(os.sep, "/").split("/")
        rel_parts = [p for p in rel_parts if p not in ("", ".")]
        # folders above a nested project still say what it is (testdata/case/go.mod, db/mysql/package.json)
        top = self.outermost(root)
        outer_parts = rel_parts
        if top and top != root:
            outer_parts = [
                p
                for p in relative_path(path, top).replace(os.sep, "/").split("/")
                if p not in ("", ".")
            ]
        name = rel_parts[-1] if rel_parts else os.path.basename(path)
        if text is None and language is not None:
            text = _read_head(path, 256 * 1024 if language == "sql" else 64 * 1024)
        # is it a migration, and which way does it run?
        low_rel = "/".join(rel_parts).lower()
        dirs = [p.lower() for p in rel_parts[:-1]]
        in_migration_dir = (
            any(d in MIGRATION_DIR_NAMES for d in dirs)
            or any(
                d in _DELTA_DIR_NAMES and any(a in _STORAGE_DIR_NAMES for a in dirs[:i])
                for i, d in enumerate(dirs)
            )
            or "db/migrate/" in low_rel
            or bool(_LEGACY_MIGRATION_PATH.search(low_rel))
        )
        down_name = bool(_DOWN_NAME.search(name))
        up_name = bool(_UP_NAME.search(name))
        is_migration = in_migration_dir or ((down_name or up_name) and language == "sql")
        direction = None
        if is_migration:
            if down_name or any(d in ROLLBACK_DIR_NAMES for d in dirs):
                direction = "down"
            elif text is not None and language == "sql" and has_down_marker(text):
                direction = "up+down"
            else:
                direction = "up"
        # the dialect: settings, then the file itself, then its project
        proj = self.project(root) if root else None
        candidates: tuple[str, ...] = ()
        chosen = (
            _setting_dialect(settings, path)
            or dialects.from_name(name)
            or dialects.from_folders(outer_parts[:-1])
        )
        if chosen is None and language == "sql" and text:
            chosen = dialects.from_content(text)
        if chosen is not None:
            dialect, source = chosen.dialect, chosen.source
        elif is_migration and language == "sql" and dialects.has_postgres_variant(path):
            # the runner gives Postgres the .postgres. variant: this file serves the others
            others = tuple(
                c for c in (proj.candidates if proj is not None else ()) if c != POSTGRES
            )
            dialect, candidates = UNKNOWN, others or ("mysql", "sqlite", "cockroach")
            source = "a .postgres. variant of this migration exists: it serves the other databases"
        elif proj is not None and proj.evidence:
            dialect, candidates = proj.dialect, proj.candidates
            source = "; ".join(e.source for e in proj.evidence[:4])
            if dialect == UNKNOWN:
                source = f"several databases ({', '.join(candidates)}): {source}"
        else:
            dialect, source = UNKNOWN, "no evidence"
        # whose code is it?
        not_own = ownership.by_path(outer_parts)
        if not_own is None and text is not None:
            not_own = ownership.by_content(name, language, text)
        if not_own is None and check_git and self._is_ignored(path, root):
            not_own = ownership.NotOwn(ownership.GITIGNORED, "ignored by git")
        folder = runner_name = in_tx = tx_source = None
        if is_migration:
            from .runner import file_transaction

            folder = migration_folder(path, root)
            runner = self.runner(folder)
            runner_name = runner.name if runner is not None else None
            in_tx, tx_source = file_transaction(runner, path, text)
        return FileInfo(
            path,
            root,
            language,
            dialect,
            source,
            candidates,
            is_migration,
            direction,
            not_own,
            explicit,
            folder,
            runner_name,
            in_tx,
            tx_source,
        )

    def runner(self, folder: str):
        """The migration tool of a migrations folder (cached; None when not known)."""
        with self._lock:
            if folder in self._runners:
                return self._runners[folder]
        from .runner import detect_runner

        found = detect_runner(folder, self)
        with self._lock:
            self._runners[folder] = found
        return found

    def forget(self) -> None:
        with self._lock:
            self._roots.clear()
            self._repos.clear()
            self._projects.clear()
            self._ignored.clear()
            self._asked.clear()
            self._runners.clear()
            self._files.clear()


def migration_folder(path: str, root: str | None) -> str:
    """The folder a migration tool is pointed at: the migrations folder (and the dialect folder
    below it, ``migration/mysql``), else the file's own folder (a diesel or Prisma migration's parent)."""
    folder = os.path.dirname(path)
    if os.path.basename(path).lower() in ("up.sql", "down.sql", "migration.sql", "metadata.toml"):
        folder = os.path.dirname(folder)  # diesel, sqlx, Prisma: one folder per migration
    if not root:
        return folder
    rel = relative_path(folder, root).replace(os.sep, "/").split("/")
    for i, part in enumerate(rel):
        if part.lower() in MIGRATION_DIR_NAMES:
            end = i + 1
            if end < len(rel) and dialects.from_folders([rel[end]]) is not None:
                end += 1
            return os.path.join(root, *rel[:end])
    return folder


def _settings_key(settings) -> tuple:
    """What of the settings a file's facts depend on (a settings object exists per folder)."""
    if settings is None:
        return ()
    return (
        getattr(settings, "root", None),
        getattr(settings, "dialect", None),
        tuple(getattr(settings, "dialect_paths", ())),
    )


def _read_head(path: str, limit: int = 256 * 1024) -> str | None:
    from ..core.workspace import read_bytes

    try:
        return read_bytes(path, limit).decode("utf-8", "replace")
    except OSError:
        return None


def _setting_dialect(settings, path: str) -> Evidence | None:
    """The ``dialect`` setting: one dialect, or per path glob (the first matching glob wins)."""
    if settings is None:
        return None
    for pattern, value in getattr(settings, "dialect_paths", ()) or ():
        if path and _glob(settings, path, pattern):
            return Evidence(value, f"setting dialect[{pattern!r}]")
    value = getattr(settings, "dialect", None)
    if value:
        return Evidence("unknown" if value == "generic" else value, "setting dialect")
    return None


def _glob(settings, path: str, pattern: str) -> bool:
    from ..config import _glob_match

    return _glob_match(settings.relative(path), pattern)


_MODEL = ProjectModel()


def model() -> ProjectModel:
    """The process-wide model (the CLI and the server share its caches)."""
    return _MODEL


def file_info(path: str, settings=None, text: str | None = None, **kw) -> FileInfo:
    return _MODEL.file_info(path, settings, text, **kw)


def forget() -> None:
    from .history import forget as forget_history
    from .schema import forget_histories

    _MODEL.forget()
    forget_histories()
    forget_history()
