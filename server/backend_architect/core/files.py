"""Reading and writing the user's files faithfully.

Every file the tool writes goes through :func:`write_text`: the bytes go to a
temporary file in the same folder, are flushed to disk, and the temporary file
is renamed over the target (``os.replace``, atomic on POSIX and Windows). A
failure at any point (read-only folder, disk full, file-size limit) leaves the
target as it was and raises :class:`WriteError` naming the file.

Text is analysed with ``\\n`` line breaks and no byte-order mark; :class:`TextStyle`
remembers what the file had so that a rewrite puts both back, and text a fix
inserts gets the file's own line ending.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass

BOM = "\ufeff"


class WriteError(Exception):
    """A file could not be written; the message names it. The file is unchanged."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: cannot write: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class TextStyle:
    """How a file spells its text: a UTF-8 byte-order mark, and its line ending."""

    bom: bool = False
    newline: str = "\n"  # "\r\n" for a file whose every line ends in CRLF

    def encode(self, text: str) -> bytes:
        """``text`` (``\\n`` line breaks) in this style, as UTF-8 bytes."""
        if text.startswith(BOM):
            text = text[1:]  # the mark goes back once, from the style
        if self.newline != "\n":
            text = text.replace("\r\n", "\n").replace("\n", self.newline)
        return ((BOM if self.bom else "") + text).encode("utf-8", "surrogatepass")


def decode(raw: bytes) -> tuple[str, TextStyle]:
    """UTF-8 bytes -> (text to analyse, the file's style). Raises UnicodeDecodeError.

    A file whose every ``\\n`` is preceded by ``\\r`` is analysed with ``\\n`` line
    breaks (columns and lines are unchanged) and written back with CRLF. A file
    that mixes line endings is analysed as it is and its text written back as it
    was, so no untouched line changes.
    """
    text = raw.decode("utf-8")
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    newline = "\n"
    crlf = text.count("\r\n")
    if crlf and crlf == text.count("\n"):
        text = text.replace("\r\n", "\n")
        newline = "\r\n"
    return text, TextStyle(bom=bom, newline=newline)


def read_text(path: str) -> tuple[str, TextStyle]:
    """A file's text (as :func:`decode` gives it) and its style. Raises OSError / UnicodeDecodeError."""
    with open(path, "rb") as fh:
        return decode(fh.read())


def style_of(path: str) -> TextStyle:
    """The style of an existing file (the default style when it cannot be read)."""
    try:
        return read_text(path)[1]
    except (OSError, UnicodeDecodeError):
        return TextStyle()


def write_text(path: str, text: str, style: TextStyle | None = None) -> None:
    """Replace (or create) ``path`` with ``text`` atomically, in ``style``.

    ``style`` defaults to the style of the existing file. The file keeps its
    permission bits (a new file gets the usual ``0o666 & ~umask``).
    """
    if style is None:
        style = style_of(path) if os.path.exists(path) else TextStyle()
    write_bytes(path, style.encode(text))


def write_bytes(path: str, data: bytes) -> None:
    """Atomically replace (or create) ``path`` with ``data``; raises WriteError."""
    # write through a symbolic link to the file it points at, and keep the link
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise WriteError(path, _reason(exc)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise WriteError(path, "not a regular file")
    try:
        os.makedirs(folder, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(
            prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise WriteError(path, _reason(exc)) from None
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if info is not None:
                os.chmod(tmp, stat.S_IMODE(info.st_mode))
                with contextlib.suppress(
                    OSError
                ):  # not ours to give away; the content still goes in
                    os.chown(tmp, info.st_uid, info.st_gid)
            else:
                os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
        except OSError as exc:
            raise WriteError(path, _reason(exc)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_LISTINGS: dict[str, tuple[int, tuple[str, ...]]] = {}


def list_dir(folder: str) -> tuple[str, ...]:
    """The names in ``folder``, sorted (OSError when it cannot be read). Kept per folder while
    the folder's modification time stays the same: the rules that judge a migration by its
    siblings ask once per file of the folder, and a listing of a long history is not free.
    A folder changed in the last two seconds is listed again every time (its time stamp may
    not yet tell a second change from the first, as with git's racy entries)."""
    import time

    mtime = os.stat(folder).st_mtime_ns
    known = _LISTINGS.get(folder)
    if known is not None and known[0] == mtime:
        return known[1]
    names = tuple(sorted(os.listdir(folder)))
    if time.time_ns() - mtime > 2_000_000_000:
        if len(_LISTINGS) > 1024:
            _LISTINGS.clear()
        _LISTINGS[folder] = (mtime, names)
    return names


# the generation of the current still block (:func:`held_still`), 0 outside one
_STILL = [0, 0]  # [generation now (0: none), last generation handed out]


@contextlib.contextmanager
def held_still(on: bool = True):
    """While the block runs, the files being checked are taken not to change (a one-shot
    check that writes nothing): what was learnt of a file's time stamp in the block may be
    used again in it without asking the disk. Each block is a new generation, so nothing
    learnt in one is trusted in another (nor outside any, as in the editor)."""
    if not on or _STILL[0]:
        yield
        return
    _STILL[1] += 1
    _STILL[0] = _STILL[1]
    try:
        yield
    finally:
        _STILL[0] = 0


def still_generation() -> int:
    """The generation of the :func:`held_still` block running, 0 when none is."""
    return _STILL[0]
