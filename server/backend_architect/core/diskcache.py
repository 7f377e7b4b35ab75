"""Files under the user's cache folder: bounded in size, safe to share between processes.

* writes go to a temporary file in the same folder and are renamed into place,
  so a reader (or a second writer) never sees half a file;
* a read touches the file's modification time, and when a folder grows over
  its cap the files used longest ago are removed first;
* a file that cannot be decoded is removed by the caller (:func:`discard`):
  a cache is only ever a faster start, never a reason to fail.
"""

from __future__ import annotations

import contextlib
import os
import time


def _log():
    """This module's logger (logging is imported when something is logged)."""
    import logging

    return logging.getLogger(__name__)


DEFAULT_MAX_BYTES = 64 * 1024 * 1024
TMP_SUFFIX = ".tmp"
STALE_TMP_SECONDS = 3600  # a temporary file this old belongs to a process that died


def cache_home() -> str:
    """The product's cache folder: $BACKEND_ARCHITECT_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache."""
    override = os.environ.get("BACKEND_ARCHITECT_CACHE_DIR")
    if override:
        return override
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "backend-architect")


RESULTS_DEFAULT_MB = 256  # the results cache's cap (check's reports and stored runs)


def results_max_bytes() -> int:
    """The results cache's size cap: $BACKEND_ARCHITECT_RESULTS_CACHE_MB (0 disables it)."""
    try:
        mb = float(os.environ.get("BACKEND_ARCHITECT_RESULTS_CACHE_MB", RESULTS_DEFAULT_MB))
    except ValueError:
        mb = RESULTS_DEFAULT_MB
    return max(0, int(mb * 1024 * 1024))


def read(path: str) -> bytes | None:
    """The file's bytes (None when it is not there or unreadable); marks it as just used."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # least recently used goes first: a read counts as a use
    return data


def write(path: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
    """Write ``data`` to ``path`` atomically, then keep the folder under ``max_bytes``.

    Returns False (and writes nothing) when the data alone is over the cap or the
    folder is not writable."""
    folder = os.path.dirname(path)
    if len(data) > max_bytes:
        _log().info(
            "cache file %s not written: %d bytes is over the cache cap of %d",
            path,
            len(data),
            max_bytes,
        )
        return False
    tmp = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = _create_temporary(folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        _log().info("cache file %s not written (%s)", path, exc)
        return False
    finally:
        if tmp is not None:
            _unlink(tmp)
    enforce_cap(folder, max_bytes, keep=path)
    return True


def _create_temporary(folder: str) -> tuple[int, str]:
    """A new file of ``folder`` for this process only (as ``tempfile.mkstemp``, whose import
    costs more than a small run's write): its descriptor and path."""
    for _ in range(100):
        path = os.path.join(folder, f".{os.urandom(8).hex()}{TMP_SUFFIX}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def discard(path: str, why: str = "") -> None:
    """Remove a cache file that cannot be used (corrupt, another version)."""
    _log().info("cache file %s removed%s", path, f" ({why})" if why else "")
    _unlink(path)


def enforce_cap(folder: str, max_bytes: int, keep: str | None = None) -> int:
    """Remove the least recently used files of ``folder`` until it holds at most ``max_bytes``
    (``keep``, the file just written, goes last). Returns the bytes left."""
    now = time.time()
    files: list[tuple[float, int, str]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # removed meanwhile by another process
        if entry.name.endswith(TMP_SUFFIX):
            if now - st.st_mtime > STALE_TMP_SECONDS:
                _unlink(entry.path)
            continue  # another process may be writing it
        files.append((st.st_mtime, st.st_size, entry.path))
    total = sum(size for _, size, _ in files)
    if total <= max_bytes:
        return total
    files.sort(key=lambda f: (f[2] == keep, f[0]))
    for _, size, path in files:
        if total <= max_bytes:
            break
        _unlink(path)
        total -= size
    return total


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
