"""The results cache of ``check``: one file's report, on disk, keyed by everything it depends on.

An entry's key is a hash of the file's path and content, the tool (version and its
own source files), the effective settings, what the project model says of the file
(dialect, migration facts), the schema the file's rules read (the content of the
project's schema files) and the content of the project's other files of the same
kind (rules compare a migration with its siblings, a handler with the modules it
imports). A second run over an unchanged tree reads every report from here.

Entries are JSON: plain data, rebuilt only into the report classes registered here
(reading an entry never runs code, whoever wrote the folder). ``check`` keeps them in
packs, one file per group of files whose keys change together (see ``cli._cache_keys``):
a pack holds the entries its last run used or wrote, and a run writes each pack it
added to once. Packs and entries are written to a
temporary file and renamed into place, so concurrent runs see a whole entry or none;
an entry that cannot be read is ignored (and checked again). The folder is kept under a size cap: least recently used entries (by mtime,
touched on every hit) go first.

Where: ``$BACKEND_ARCHITECT_CACHE_DIR/results`` (default ``~/.cache/backend-architect``,
or ``$XDG_CACHE_HOME/backend-architect``); cap: ``$BACKEND_ARCHITECT_RESULTS_CACHE_MB``
(default 256).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import json
import os
import sys

try:  # the module itself: hashlib would also load OpenSSL (a few ms of every start)
    from _blake2 import blake2b
except ImportError:  # an interpreter without it
    from hashlib import blake2b

FORMAT = 2  # bump when what an entry holds changes
_MAGIC = b"BARC2\n"
_PACK_MAGIC = b"BARP2\n"
PACK_KEEP = 4  # a pack keeps up to this many times the entries its last run used


def _classes() -> dict[str, type]:
    """The only types an entry may hold besides JSON's own: the report's dataclasses and enums."""
    from ..cli import FileReport, Problem
    from .files import TextStyle
    from .findings import Applicability, Edit, Finding, Fix, NewFile, Severity

    return {
        c.__name__: c
        for c in (
            FileReport,
            Problem,
            TextStyle,
            Finding,
            Fix,
            Edit,
            NewFile,
            Severity,
            Applicability,
        )
    }


# a dataclass's field names, by class (a run encodes hundreds of reports of a few classes)
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def encode(value) -> object:
    """``value`` as JSON data: dataclasses and enums tagged with their class name, tuples
    and dicts with non-string keys tagged too (so that they come back as they were)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, enum.Enum):
        return {"!e": type(value).__name__, "v": value.value}
    if isinstance(value, str):
        return value
    cls = type(value)
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(cls):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    if names is not None:
        return {"!c": cls.__name__, "f": {n: encode(getattr(value, n)) for n in names}}
    if isinstance(value, tuple):
        return {"!t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"!d": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot store a {type(value).__name__} in the results cache")


def decode(data, classes: dict[str, type]):
    """The value :func:`encode` made; an unknown tag raises ValueError (the entry is a miss)."""
    if isinstance(data, list):
        return [decode(v, classes) for v in data]
    if not isinstance(data, dict):
        return data
    if "!c" in data:
        cls = classes.get(data["!c"])
        if cls is None or not dataclasses.is_dataclass(cls):
            raise ValueError(f"unknown class {data['!c']!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        fields = {k: decode(v, classes) for k, v in data["f"].items() if k in names}
        return cls(**fields)
    if "!e" in data:
        cls = classes.get(data["!e"])
        if cls is None or not issubclass(cls, enum.Enum):
            raise ValueError(f"unknown enum {data['!e']!r}")
        return cls(data["v"])
    if "!t" in data:
        return tuple(decode(v, classes) for v in data["!t"])
    if "!d" in data:
        return {_hashable(decode(k, classes)): decode(v, classes) for k, v in data["!d"]}
    raise ValueError("untagged object")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def default_dir() -> str:
    from .diskcache import cache_home

    return os.path.join(cache_home(), "results")


def default_max_bytes() -> int:
    from .diskcache import results_max_bytes

    return results_max_bytes()


@functools.cache  # the files are listed once per process
def code_fingerprint() -> str:
    """The tool's version, the interpreter, the parsers' installed files, and every source file
    of the package and of the local rules (path, size, mtime): an edited rule invalidates
    every entry."""
    from .. import __version__

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = blake2b(digest_size=16)
    h.update(f"{FORMAT}\0{__version__}\0{sys.version_info[:2]}\0".encode())
    skip = len(package) + 1  # (a path below the package, relative to it: its tail)
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                full = os.path.join(dirpath, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                h.update(f"{full[skip:]}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    # the parsers: another version of one parses (and so reports) differently
    import importlib.util

    for module in ("pglast", "tree_sitter", "sqlglot"):
        found: os.stat_result | None
        try:
            spec = importlib.util.find_spec(module)
            found = os.stat(spec.origin) if spec and spec.origin else None
        except (ImportError, ValueError, OSError):
            found = None
        h.update(
            f"{module}\0{found.st_size if found else '-'}\0{found.st_mtime_ns if found else '-'}\0".encode()
        )
    # project-specific rules ($BACKEND_ARCHITECT_LOCAL_RULES) count as the tool's source too
    for path in os.environ.get("BACKEND_ARCHITECT_LOCAL_RULES", "").split(os.pathsep):
        if path:
            try:
                st = os.stat(path)
                h.update(
                    f"local\0{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode()
                )
            except OSError:
                h.update(f"local\0{path}\0missing\0".encode())
    return h.hexdigest()


def digest(*parts) -> str:
    """A key from strings and bytes."""
    h = blake2b(digest_size=20)
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


class ResultsCache:
    """Reports by key in ``directory``, at most ``max_bytes`` of them."""

    def __init__(self, directory: str | None = None, max_bytes: int | None = None) -> None:
        self.directory = directory or default_dir()
        self.max_bytes = default_max_bytes() if max_bytes is None else max_bytes
        self.hits = 0
        self.misses = 0
        self.written = 0
        self._folders: set[str] = set()
        self._serial = 0
        self._classes: dict[str, type] | None = None
        self._packs: dict[str, dict] = {}  # pack -> {key: entry data} as read
        self._kept: dict[str, dict] = {}  # pack -> {key: entry data} used or added by this run
        self._dirty: set[str] = set()  # packs with added entries

    def _types(self) -> dict[str, type]:
        if self._classes is None:
            self._classes = _classes()
        return self._classes

    def _path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".json")

    def _pack_path(self, pack: str) -> str:
        return os.path.join(self.directory, pack[:2], pack + ".pack")

    def _load(self, pack: str) -> dict:
        """The entries of ``pack`` (read once; an unreadable pack is removed and empty)."""
        found = self._packs.get(pack)
        if found is not None:
            return found
        path = self._pack_path(pack)
        entries: dict = {}
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            data = None
        if data is not None:
            try:
                if not data.startswith(_PACK_MAGIC):
                    raise ValueError("not a pack")
                loaded = json.loads(data[len(_PACK_MAGIC) :])
                if not isinstance(loaded, dict):
                    raise ValueError("not a pack")
                entries = loaded
                with contextlib.suppress(OSError):
                    os.utime(path)  # recently used: evicted last
            except Exception:  # torn or corrupted: only misses
                with contextlib.suppress(OSError):
                    os.unlink(path)
        self._packs[pack] = entries
        return entries

    def get(self, key: str, pack: str | None = None):
        """The stored report, or None (absent, unreadable, or from another format); with
        ``pack``, from that pack."""
        if pack:
            data = self._load(pack).get(key)
            if data is not None:
                try:
                    value = decode(data, self._types())
                except Exception:  # an entry that cannot be read is only a miss
                    value = None
                if value is not None:
                    self._kept.setdefault(pack, {})[key] = data
                    self.hits += 1
                    return value
            self.misses += 1
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            self.misses += 1
            return None
        try:
            if not data.startswith(_MAGIC):
                raise ValueError("not an entry")
            value = decode(json.loads(data[len(_MAGIC) :]), self._types())
        except Exception:  # a torn or corrupted entry is only a miss
            self.misses += 1
            with contextlib.suppress(OSError):
                os.unlink(path)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        self.hits += 1
        return value

    def put(self, key: str, value, pack: str | None = None) -> None:
        """Store atomically (a temporary file renamed into place); never raises. With ``pack``,
        the entry is kept for :meth:`flush`, which writes the pack."""
        if self.max_bytes <= 0:
            return
        if pack:
            with contextlib.suppress(Exception):  # a value that cannot be stored is checked again
                self._kept.setdefault(pack, {})[key] = encode(value)
                self._dirty.add(pack)
            return
        self._write(
            self._path(key),
            lambda: _MAGIC + json.dumps(encode(value), separators=(",", ":")).encode(),
            1,
        )

    def flush(self) -> None:
        """Write every pack an entry was added to: the entries this run used or added first,
        then the pack's others (of another state of the schema, of the folders, of git) up to
        four times as many, most recently written first; never raises."""
        for pack in sorted(self._dirty):
            entries = dict(self._kept.get(pack, {}))
            room = PACK_KEEP * max(1, len(entries))
            for key, data in self._load(pack).items():
                if len(entries) >= room:
                    break
                entries.setdefault(key, data)
            self._write(
                self._pack_path(pack),
                lambda entries=entries: (
                    _PACK_MAGIC + json.dumps(entries, separators=(",", ":")).encode()
                ),
                len(entries),
            )
            self._packs[pack] = entries
        self._dirty.clear()

    def _write(self, path: str, make, count: int) -> None:
        try:
            data = make()
            folder = os.path.dirname(path)
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            self._serial += 1
            # a name no other process or thread uses ("x": never opens an existing file)
            tmp = os.path.join(folder, f".tmp-{os.getpid()}-{id(self)}-{self._serial}")
            try:
                with open(tmp, "xb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            self.written += count
        except Exception:  # a read-only or full disk costs speed, never the run
            return

    def prune(self) -> None:
        """Remove the least recently used entries until the folder is under 80% of the cap."""
        entries = []
        total = 0
        try:
            subdirs = list(os.scandir(self.directory))
        except OSError:
            return
        for sub in subdirs:
            try:
                if not sub.is_dir():
                    continue
                for entry in os.scandir(sub.path):
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    entries.append((st.st_mtime_ns, st.st_size, entry.path))
                    total += st.st_size
            except OSError:
                continue
        if total <= self.max_bytes:
            return
        entries.sort()
        goal = self.max_bytes * 0.8
        for _, size, path in entries:
            if total <= goal:
                break
            with contextlib.suppress(OSError):  # another run removed it first
                os.unlink(path)
            total -= size
