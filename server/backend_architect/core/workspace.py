"""Reading a workspace's files: which folders are never the project's own code, and a
file as a :class:`Document`. Shared by the command line, the language server and the
commands."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from .document import Document, language_for_path
from .files import TextStyle, decode

if TYPE_CHECKING:
    from ..config import Settings

# folders walked past: version control, environments, caches, build output, vendored code
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        "dist",
        "build",
        ".backend-architect",
        "vendor",
        "target",
    }
)


# A one-shot run (``check``, see :func:`one_run`) reads each SQL file once: the planner, the
# results cache's keys, the history's blob ids, the schema build and the check itself all ask
# for the same bytes. SQL files (and the small files beside them a migration tool reads) up to
# RUN_FILE_MAX are kept, RUN_BYTES_MAX in all; misses are kept too. Application code (asked
# for by the planner, the results cache's keys, a migration's history and the check) is kept
# up to RUN_APP_BYTES_MAX in all, and let go once checked (:func:`release`): a large tree of
# code is not held in memory from the plan to its end.
RUN_FILE_MAX = 1024 * 1024
RUN_BYTES_MAX = 64 * 1024 * 1024
RUN_APP_BYTES_MAX = 8 * 1024 * 1024
_RUN: dict[str, bytes | OSError] | None = None
_RUN_SIZE = [0]
_RUN_APP_SIZE = [0]
# folder -> its names, as the run's walk of the checked folders listed them
_RUN_NAMES: dict[str, frozenset[str]] = {}


@contextlib.contextmanager
def one_run() -> Iterator[None]:
    """Files are taken as unchanged while this lasts (not with fixes, which write them): each
    is read from disk once, however often the run asks for its bytes."""
    global _RUN, _RUN_NAMES  # noqa: PLW0603
    previous, size, app_size, names = _RUN, _RUN_SIZE[0], _RUN_APP_SIZE[0], _RUN_NAMES
    _RUN, _RUN_SIZE[0], _RUN_APP_SIZE[0], _RUN_NAMES = {}, 0, 0, {}
    try:
        yield
    finally:
        _RUN, _RUN_SIZE[0], _RUN_APP_SIZE[0], _RUN_NAMES = previous, size, app_size, names


def note_listing(folder: str, names: Iterable[str]) -> None:
    """What the run's walk found in ``folder`` (an absolute path): :func:`has_any` answers from
    it. (Only folders the run lists anyway: a folder above the checked ones is probed by name,
    so that a stored run does not depend on everything else that folder holds.)"""
    if _RUN is not None and len(_RUN_NAMES) < 100_000:
        _RUN_NAMES[folder] = frozenset(names)


def has_any(folder: str, names: tuple[str, ...]) -> bool:
    """Whether any of ``names`` exists in ``folder`` (``os.path.exists``: a broken link does not).
    A folder the run's walk listed (:func:`note_listing`) is not probed for names it lacks."""
    listed = _RUN_NAMES.get(folder) if _RUN is not None else None
    if listed is not None:
        names = tuple(n for n in names if n in listed)
    return any(os.path.exists(os.path.join(folder, n)) for n in names)


def known_size(path: str) -> int | None:
    """The size of a file this run has read (None: not read, or not within a run)."""
    known = _RUN.get(_key(path)) if _RUN is not None else None
    return len(known) if isinstance(known, bytes) else None


def _key(path: str) -> str:
    # an absolute path as it is (another spelling of the same file only costs a second read)
    return path if os.path.isabs(path) else os.path.abspath(path)


def read_bytes(path: str, limit: int = -1) -> bytes:
    """The file's bytes (its first ``limit`` bytes when ``limit`` >= 0). Raises OSError. Within
    :func:`one_run`, a file is read once."""
    run = _RUN
    if run is None:
        with open(path, "rb") as fh:
            return fh.read(limit)
    key = _key(path)
    known = run.get(key)
    if known is None:
        try:
            with open(key, "rb") as fh:
                want = RUN_FILE_MAX + 1 if limit < 0 else max(limit, RUN_FILE_MAX + 1)
                raw = fh.read(want)
                if len(raw) == want:  # too large to keep: read as asked
                    return raw + fh.read() if limit < 0 else raw[:limit]
        except OSError as exc:
            run[key] = exc
            raise
        if language_for_path(key) in (None, "sql"):
            if _RUN_SIZE[0] + len(raw) <= RUN_BYTES_MAX:
                run[key] = raw
                _RUN_SIZE[0] += len(raw)
        elif _RUN_APP_SIZE[0] + len(raw) <= RUN_APP_BYTES_MAX:
            run[key] = raw
            _RUN_APP_SIZE[0] += len(raw)
        known = raw
    if isinstance(known, OSError):
        raise OSError(known.errno, known.strerror, known.filename)
    return known if limit < 0 else known[:limit]


def release(path: str) -> None:
    """The run is done with the file of application code at ``path``: its bytes are not kept
    any longer (its document has its text)."""
    if _RUN is not None and language_for_path(path) not in (None, "sql"):
        _RUN.pop(_key(path), None)


def relative_path(path: str, base: str) -> str:
    """``os.path.relpath(path, base)`` without its normalising of both paths when ``path`` is
    plainly below ``base`` (both absolute and normal, as the project model's paths are)."""
    n = len(base)
    if (
        os.sep == "/"
        and n > 1
        and path.startswith(base)
        and path[n : n + 1] in ("/", "")
        and base[0] == "/"
        and base[-1] != "/"
        and "/." not in path
        and "//" not in path
    ):
        return path[n + 1 :] or "."
    return os.path.relpath(path, base)


def read_source(path: str, settings: Settings) -> tuple[Document | None, TextStyle, str | None]:
    """(document, the file's style, why it was not read). A CRLF file is analysed with
    LF line breaks (same lines and columns) and written back with CRLF."""
    try:
        size = known_size(path)
        if size is None:
            size = os.path.getsize(path)
        if size > settings.max_file_bytes:
            return (
                None,
                TextStyle(),
                f"larger than {settings.max_file_bytes} bytes (max-file-bytes)",
            )
        raw = read_bytes(path)
    except OSError as exc:
        return None, TextStyle(), f"cannot read: {exc.strerror or exc}"
    if b"\x00" in raw[:8192]:
        return None, TextStyle(), "binary file (contains NUL bytes)"
    try:
        text, style = decode(raw)
    except UnicodeDecodeError as exc:
        return None, TextStyle(), f"not valid UTF-8 (byte {exc.start})"
    return Document(text, path=path), style, None


def read_document(path: str, settings: Settings) -> tuple[Document | None, str | None]:
    """The file as a document with its own line endings (a UTF-8 BOM dropped)."""
    doc, style, why = read_source(path, settings)
    if doc is not None and style.newline != "\n":
        doc = Document(doc.text.replace("\n", style.newline), path=path)
    return doc, why


def walk_files(
    root: str,
    languages: tuple[str, ...] | None = None,
    limit: int = 5000,
    on_error: Callable[[OSError], None] | None = None,
) -> Iterator[str]:
    """Paths of analysable files under ``root`` (skipping vendored and hidden folders),
    in a stable order; at most ``limit`` of them."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fname in sorted(filenames):
            path = os.path.join(dirpath, fname)
            lang = language_for_path(path)
            if lang is None or languages is not None and lang not in languages:
                continue
            yield path
            count += 1
            if count >= limit:
                return
