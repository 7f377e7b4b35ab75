"""The whole-run fast path of ``check``: a second run over an unchanged tree prints what the
first printed, without importing the analysis.

The command line reaches :func:`main` from :mod:`entry` (every command but ``serve``). For a
plain ``check`` (no ``--fix``, ``--diff`` or ``--no-cache``, only the options listed in
:data:`_FLAGS` and :data:`_VALUED`) it looks for a stored run under the results cache
(``<cache>/results/runs/<key>.run``). The key is the invocation: the arguments, the working folder, the interpreter (executable,
version, flags, ``sys.path``), the output encodings and the environment variables the tool
and git read (:data:`_ENV_PREFIXES`, :data:`_ENV_NAMES`). The entry holds the run's
standard output and error bytes, its exit status, and a manifest of every input the run
depended on, each with its ``stat`` (type, modification time, size, inode) when the run
ended: every file it opened, every folder it listed or walked, every path it probed
(``os.stat``, ``os.path.exists``: an absent configuration file or project marker is an
input too, unless its folder already is), every environment variable it read beyond the
key's, the tool's own files, the folders of the Python modules it imported, and for each
repository it asked git about, the repository's state (``HEAD``, refs, ``packed-refs``,
index, configuration and ignore files, the ``.gitignore`` of every folder on the way to
an input). When every ``stat`` is as recorded, the stored bytes are written and the
stored status returned: nothing else is imported.

A folder the run only asked about (``os.path.isdir``) is recorded by its type, a folder
it listed by its ``stat``: code that depends on what a folder holds lists it (the only
caches kept across runs are keyed by content, or by a file's own ``stat``).

Inputs are collected by an audit hook (``open``, ``os.listdir``, ``os.scandir``,
``subprocess.Popen``...) and by wrapping ``os.stat``/``os.lstat``, in this process and in
its forked workers (each worker appends what it saw to a file of the recording), so that
no read escapes whichever helper made it. A run is not stored when it wrote anything
outside the caches, started a program other than git, opened a network connection,
changed its working folder, used a database, exited with an error (status 2 or more),
or when one of its inputs changed less than two seconds before the run started (a file
edited within the file system's time-stamp granularity could keep its ``stat``: git's
"racy" entries). Output is captured at the file descriptors (a worker's or a native
library's writes included) into files of the run's recording folder in the cache, and
written out when the run ends, standard output first (so the recorded run never sees a
terminal: nothing the command prints depends on one).

Entries count in the results cache's size cap (``$BACKEND_ARCHITECT_RESULTS_CACHE_MB``; 0
disables both caches) and are written atomically. ``BACKEND_ARCHITECT_WARM_DEBUG=1``
says on standard error whether a run was served and why not.

This module imports only what the interpreter has already loaded, plus ``_blake2`` and
``marshal``; the recording side imports more, only when it records.
"""

from __future__ import annotations

import os
import sys

FORMAT = b"BAWARM1\n"
RACY_NS = 2_000_000_000

# the options of `check` that can be served from a stored run (others run normally)
_FLAGS = frozenset({"--include-history", "--exit-zero"})
_VALUED = frozenset({"--select", "--extend-select", "--ignore", "--output-format", "--jobs", "-j"})
# environment variables that are part of the key (git's and the tool's); a variable read
# outside these is recorded in the entry with its value
_ENV_PREFIXES = ("BACKEND_ARCHITECT_", "XDG_", "GIT_", "LC_", "PYTHON", "PG")
_ENV_NAMES = frozenset(
    {"HOME", "PATH", "LANG", "LANGUAGE", "DATABASE_URL", "COLUMNS", "LINES", "TZ", "EMAIL"}
)
_DEBUG_ENV = "BACKEND_ARCHITECT_WARM_DEBUG"  # not part of the key: it changes no output


def main(argv: list[str] | None = None) -> int:
    """The command line: a stored run when one matches, else the real one (recorded when it
    can be served next time)."""
    words = sys.argv[1:] if argv is None else list(argv)
    if words and words[0] == "check":
        # as the check itself sets it (cli._tune_gc): the imports that come first allocate
        # many objects and none of them is garbage (16 collections, 3 ms, on a Django site)
        import gc

        from . import GC_THRESHOLD

        gc.set_threshold(*GC_THRESHOLD)
    recorder = None
    if eligible(words):
        try:
            found = lookup(words)
        except Exception as exc:  # a cache never costs the run
            found = f"lookup failed: {type(exc).__name__}"
        if isinstance(found, int):
            return found
        _debug(found if isinstance(found, str) else found.why)
        if isinstance(found, _Plan):
            try:
                recorder = _Recorder(found)
            except Exception as exc:
                _debug(f"not recorded: {type(exc).__name__}: {exc}")
                recorder = None
    from .cli import main as cli_main

    if recorder is None:
        return cli_main(argv)
    status = None
    try:
        status = cli_main(argv)
        return status
    finally:
        recorder.finish(status)


def eligible(words: list[str]) -> bool:
    """Whether ``words`` is a plain ``check`` whose output only depends on files and settings
    (no fixes written, no cache bypassed, no help, no abbreviated option)."""
    if not words or words[0] != "check":
        return False
    if os.environ.get("DATABASE_URL"):
        return False
    i = 1
    while i < len(words):
        word = words[i]
        if word in _FLAGS:
            pass
        elif word in _VALUED:
            i += 1
            if i >= len(words):
                return False
        elif (word.startswith("--") and word.partition("=")[0] in _VALUED) or (
            word.startswith("-j") and word[2:].isdigit()
        ):
            pass
        elif not word or word.startswith("-"):
            return False
        i += 1
    return True


def _debug(message: str) -> None:
    if os.environ.get(_DEBUG_ENV):
        _write_all(2, f"backend-architect: warm: {message}\n".encode())


def cache_root() -> str:
    """The product's cache folder."""
    from .core.diskcache import cache_home

    return cache_home()


def _max_bytes() -> int:
    from .core.diskcache import results_max_bytes

    return results_max_bytes()


def _hasher():
    try:
        from _blake2 import blake2b
    except ImportError:  # an interpreter without the module: hashlib has it
        from hashlib import blake2b
    return blake2b(digest_size=20)


def run_key(words: list[str]) -> str:
    """The invocation: everything but the files that decides what a run prints."""
    env = sorted(
        (k, v)
        for k, v in os.environ.items()
        if (k.startswith(_ENV_PREFIXES) or k in _ENV_NAMES) and k != _DEBUG_ENV
    )
    streams = [
        (getattr(s, "encoding", None), getattr(s, "errors", None)) for s in (sys.stdout, sys.stderr)
    ]
    parts = (
        FORMAT,
        words,
        os.getcwd(),
        sys.executable,
        sys.version,
        sys.path,
        repr(sys.flags),
        sorted(getattr(sys, "_xoptions", {}).items()),
        streams,
        env,
        os.path.dirname(os.path.abspath(__file__)),
    )
    h = _hasher()
    h.update(repr(parts).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class _Plan:
    """Where this invocation's run is stored, and why it was not served."""

    def __init__(self, path: str, runs: str, key: str, why: str) -> None:
        self.path = path
        self.runs = runs
        self.key = key
        self.why = why


def lookup(words: list[str]):
    """The exit status after writing a stored run's output (an int); else a _Plan to record
    this run with, or a string saying why neither."""
    if _max_bytes() <= 0:
        return "results cache disabled (BACKEND_ARCHITECT_RESULTS_CACHE_MB=0)"
    key = run_key(words)
    runs = os.path.join(cache_root(), "results", "runs")
    path = os.path.join(runs, key + ".run")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return _Plan(path, runs, key, "miss: no stored run")
    entry = parse(data)
    if entry is None:
        return _Plan(path, runs, key, "miss: unreadable entry")
    status, items, digest, out, err = entry
    if manifest_digest(items) != digest:
        return _Plan(path, runs, key, "miss: an input changed")
    try:  # noqa: SIM105 (contextlib is not loaded yet: this path imports nothing)
        os.utime(path)  # recently used: evicted last
    except OSError:
        pass
    _debug("hit")
    _write_all(1, out)
    _write_all(2, err)
    return status


def parse(data: bytes):
    """(status, manifest items, digest, stdout, stderr) of an entry, or None."""
    if not data.startswith(FORMAT):
        return None
    try:
        header, _, rest = data[len(FORMAT) :].partition(b"\n")
        status, items_len, out_len, err_len, digest = header.split(b" ")
        n_items, n_out, n_err = int(items_len), int(out_len), int(err_len)
        if len(rest) != n_items + n_out + n_err:
            return None
        items = rest[:n_items].split(b"\0") if n_items else []
        out = rest[n_items : n_items + n_out]
        err = rest[n_items + n_out :]
        return int(status), items, digest, out, err
    except ValueError:
        return None


def manifest_digest(items: list[bytes]) -> bytes:
    """A digest of the current state of every item of a manifest."""
    return _digest(_values(items))


def _values(items: list[bytes]) -> list:
    """The current state of each item: ``s``+path its stat, ``l``+path its lstat (type and
    permissions, modification time, size, inode), ``d``+path its type only (a folder whose
    existence was asked, not its content), ``e``+name an environment variable's value; an
    errno for a path that cannot be stat'ed."""
    stat, lstat, environ = os.stat, os.lstat, os.environ
    values: list = []
    add = values.append
    for item in items:
        kind = item[0]  # an int: no slice to make
        try:
            if kind == 115:  # "s"
                st = stat(item[1:])
                add((st.st_mode, st.st_mtime_ns, st.st_size, st.st_ino))  # as _stamp
            elif kind == 100:  # "d"
                add(stat(item[1:]).st_mode >> 12)
            elif kind == 108:  # "l"
                st = lstat(item[1:])
                add((st.st_mode, st.st_mtime_ns, st.st_size, st.st_ino))
            elif kind == 101:  # "e"
                add(environ.get(item[1:].decode("utf-8", "surrogateescape")))
            else:
                add(None)
        except OSError as exc:
            add(exc.errno or -1)
        except IndexError:  # an empty item
            add(None)
    return values


def _digest(values: list) -> bytes:
    import marshal

    h = _hasher()
    h.update(marshal.dumps(values, 2))  # version 2: no references, the same bytes in every process
    return h.hexdigest().encode()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError:  # a closed pipe (`| head`): the rest is not wanted
            return
        view = view[n:]


# -- recording -------------------------------------------------------------------------------

_ACTIVE: _Recorder | None = None
_HOOKED: list[bool] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_MUTATIONS = frozenset(
    {
        "os.rename",
        "os.remove",
        "os.rmdir",
        "os.mkdir",
        "os.link",
        "os.symlink",
        "os.truncate",
        "os.utime",
        "os.chmod",
        "os.chown",
        "shutil.rmtree",
        "shutil.copyfile",
        "shutil.move",
    }
)
_FORBIDDEN = frozenset(
    {
        "os.chdir",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.startfile",
        "socket.connect",
        "socket.bind",
        "socket.getaddrinfo",
        "socket.sendto",
        "urllib.Request",
        "sqlite3.connect",
    }
)


class _Recorder:
    """Records the inputs and the output of one run of ``check`` (see the module's doc)."""

    def __init__(self, plan: _Plan) -> None:
        import time

        global _ACTIVE  # noqa: PLW0603
        self.plan = plan
        self.start_ns = time.time_ns()
        self.read: set = set()  # opened or listed
        self.paths: set = set()  # stat'ed
        self.lpaths: set = set()  # lstat'ed
        self.env: set[str] = set()
        self.git: set[str] = set()  # working folders git ran in
        self.forbidden: str | None = None
        self.child_fd: int | None = None
        self.cwd = os.getcwd()
        # the recording's own files: in the cache (never an input), one folder per run
        os.makedirs(plan.runs, exist_ok=True)
        self.tmp = os.path.join(plan.runs, f".rec-{os.getpid()}-{self.start_ns}")
        os.mkdir(self.tmp, 0o700)
        self.excluded = tuple(
            os.path.join(os.path.abspath(p), "") for p in (cache_root(), "/proc", "/dev", "/sys")
        )
        # output: the file descriptors themselves, so that workers and native code are caught
        self.out_fd = os.open(os.path.join(self.tmp, "out"), os.O_RDWR | os.O_CREAT, 0o600)
        self.err_fd = os.open(os.path.join(self.tmp, "err"), os.O_RDWR | os.O_CREAT, 0o600)
        self.saved = (os.dup(1), os.dup(2))
        logged = _environ_logger(type(os.environ))
        if not _HOOKED:
            if hasattr(os, "register_at_fork"):  # workers are forked where they can be
                os.register_at_fork(after_in_child=_after_fork_in_child)
            # once per process (a hook cannot be removed): idle while no run records
            sys.addaudithook(_audit)
            _HOOKED.append(True)
        # nothing below fails: the run is recorded whole or not at all
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(self.out_fd, 1)
        os.dup2(self.err_fd, 2)
        self._environ_class = type(os.environ)
        os.environ.__class__ = logged
        self._stat, self._lstat = os.stat, os.lstat
        os.stat, os.lstat = self._wrap(os.stat, "s"), self._wrap(os.lstat, "l")
        _ACTIVE = self

    def _wrap(self, real, kind: str):
        known = self.lpaths if kind == "l" else self.paths

        def wrapper(path, *args, **kwargs):
            # the common call, a str path seen before: one set lookup
            if (
                _ACTIVE is self
                and (kwargs or type(path) is not str or path not in known)
                and kwargs.get("dir_fd") is None
                and not isinstance(path, int)
            ):
                try:
                    if kind == "s" and kwargs.get("follow_symlinks", True) is False:
                        self.note("l", path)
                    else:
                        self.note(kind, path)
                except Exception as exc:  # recording never fails the call
                    self.forbid(f"could not record a stat: {type(exc).__name__}")
            return real(path, *args, **kwargs)

        wrapper.__wrapped__ = real  # type: ignore[attr-defined]
        return wrapper

    def note(self, kind: str, path) -> None:
        try:
            path = os.fspath(path)
        except TypeError:
            return
        target = self.read if kind == "r" else self.lpaths if kind == "l" else self.paths
        if path in target:
            return
        target.add(path)
        if self.child_fd is not None:
            self._send(kind.encode() + (path if isinstance(path, bytes) else os.fsencode(path)))

    def forbid(self, why: str) -> None:
        if self.forbidden is None:
            self.forbidden = why
            if self.child_fd is not None:
                self._send(b"!" + why.encode("utf-8", "replace"))

    def _send(self, record: bytes) -> None:
        try:
            os.write(self.child_fd, record + b"\0")  # type: ignore[arg-type]
        except OSError:
            self.forbidden = self.forbidden or "a worker could not report its inputs"

    def in_child(self) -> None:
        """A forked worker: what it sees from now on goes to a file of its own."""
        self.child_fd = os.open(
            os.path.join(self.tmp, f"worker-{os.getpid()}"),
            os.O_WRONLY | os.O_CREAT | os.O_APPEND,
            0o600,
        )

    def written(self, path) -> None:
        """A write (or a change to the file system) at ``path``: fine in the caches only."""
        try:
            full = os.path.abspath(os.fspath(path))
        except TypeError:
            return
        if full == os.devnull or (full + os.sep).startswith(self.excluded):
            return
        if full.startswith(self.package):
            return  # byte-compiled modules
        self.forbid(f"wrote {full}")

    @property
    def package(self) -> str:
        return os.path.join(os.path.dirname(os.path.abspath(__file__)), "")

    # -- the end of the run ----------------------------------------------------------------

    def finish(self, status) -> None:
        global _ACTIVE  # noqa: PLW0603
        _ACTIVE = None
        os.stat, os.lstat = self._stat, self._lstat
        os.environ.__class__ = self._environ_class
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(self.saved[0], 1)
        os.dup2(self.saved[1], 2)
        os.close(self.saved[0])
        os.close(self.saved[1])
        out, err = self._read(self.out_fd), self._read(self.err_fd)
        _write_all(1, out)
        _write_all(2, err)
        try:
            why = self._store(status, out, err)
        except Exception as exc:  # a cache never costs the run
            why = f"{type(exc).__name__}: {exc}"
        finally:
            _remove_recording(self.tmp)  # never raises
        _debug(f"stored ({why})" if why.startswith("manifest") else f"not stored: {why}")

    @staticmethod
    def _read(fd: int) -> bytes:
        chunks = []
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(fd)
        return b"".join(chunks)

    def _merge_workers(self) -> None:
        for name in os.listdir(self.tmp):
            if not name.startswith("worker-"):
                continue
            with open(os.path.join(self.tmp, name), "rb") as fh:
                records = fh.read().split(b"\0")
            for record in records:
                kind, path = record[:1], record[1:]
                if kind == b"!":
                    self.forbidden = self.forbidden or path.decode("utf-8", "replace")
                elif kind == b"r":
                    self.read.add(path)
                elif kind == b"l":
                    self.lpaths.add(path)
                elif kind == b"s":
                    self.paths.add(path)
                elif kind == b"e":
                    self.env.add(path.decode("utf-8", "surrogateescape"))
                elif kind == b"g":
                    self.git.add(path.decode("utf-8", "surrogateescape"))

    def _store(self, status, out: bytes, err: bytes) -> str:
        if status not in (0, 1):
            return f"exit status {status!r}"
        self._merge_workers()
        if self.forbidden:
            return self.forbidden
        if len(out) + len(err) > _max_bytes() // 8:
            return "output larger than an eighth of the cache cap"
        items, values = self._manifest()
        for item, value in zip(items, values, strict=True):
            stamped = item[:1] in (b"s", b"l") and isinstance(value, tuple)
            if stamped and value[1] >= self.start_ns - RACY_NS:
                return f"racy: {os.fsdecode(item[1:])} changed less than 2 s before the run"
        digest = _digest(values)
        blob = b"\0".join(items)
        data = b"".join(
            (
                FORMAT,
                b"%d %d %d %d %s\n" % (status, len(blob), len(out), len(err), digest),
                blob,
                out,
                err,
            )
        )
        new = not os.path.exists(self.plan.path)
        tmp = os.path.join(self.plan.runs, f".tmp-{os.getpid()}-{self.start_ns}")
        try:
            with open(tmp, "xb") as fh:
                fh.write(data)
            os.replace(tmp, self.plan.path)
        except BaseException:
            import contextlib

            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if new:  # a new invocation: the folder grew (a replaced entry is pruned with the reports)
            from .core.results_cache import ResultsCache

            ResultsCache(os.path.dirname(self.plan.runs)).prune()
            self._remove_abandoned()
        return f"manifest of {len(items)} inputs"

    def _remove_abandoned(self) -> None:
        """The recording folders of runs that were killed (a day old)."""
        for name in os.listdir(self.plan.runs):
            path = os.path.join(self.plan.runs, name)
            try:
                if name.startswith(".rec-") and self.start_ns - os.stat(path).st_mtime_ns > 86400e9:
                    _remove_recording(path)
            except OSError:
                continue

    def _manifest(self) -> tuple[list[bytes], list]:
        """The run's inputs as sorted items (see :func:`_values`) and their values now (each
        path stat'ed once)."""
        import stat as stat_mod

        python_dirs = _python_dirs()
        package = self.package
        excluded = self.excluded
        read: set[str] = set()  # opened or listed: their stat ("s")
        probed: set[str] = set()  # stat'ed only: a folder's type ("d"), a file's stat ("s")
        links: set[str] = set()  # lstat'ed symbolic links ("l")
        special = (*excluded, package, *python_dirs)
        cwd = self.cwd
        # (a path both opened and stat'ed is an item of its own stat: as opened only)
        for raws, target in (
            (self.read, read),
            (self.paths - self.read, probed),
            (self.lpaths, links),
        ):
            for raw in raws:
                path = raw if type(raw) is str else os.fsdecode(raw)
                if not path.startswith("/") or "/." in path or "//" in path or path.endswith("/"):
                    path = os.path.normpath(os.path.join(cwd, path))  # as abspath (no getcwd)
                probe = path + os.sep
                if not probe.startswith(special):
                    target.add(path)
                elif probe.startswith(python_dirs) and not probe.startswith(excluded):
                    # the interpreter's and the installed packages' files: their folders change
                    # when a package is installed, upgraded or removed
                    folder = os.path.dirname(path)
                    read.add(folder)
                    if folder.endswith(os.sep + "__pycache__"):
                        name = os.path.basename(path).split(".", 1)[0]
                        read.add(os.path.join(os.path.dirname(folder), name + ".py"))
                    elif target is read and not path.endswith(".pyc"):
                        read.add(path)
        for repo in self.git:
            read.update(_git_inputs(os.path.abspath(os.path.join(self.cwd, repo)), read))
        # the tool itself: every file of the package
        for dirpath, dirnames, filenames in os.walk(package):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            read.add(dirpath)
            read.update(os.path.join(dirpath, f) for f in filenames if not f.endswith(".pyc"))
        probed -= read
        stat, lstat = self._stat, self._lstat
        found: dict[str, os.stat_result | int] = {}  # path -> its stat, or an errno
        for path in read:
            try:
                found[path] = stat(path)
            except OSError as exc:
                found[path] = exc.errno or -1
        read_dirs = {p for p, st in found.items() if not isinstance(st, int) and _is_dir(st)}
        names: dict[str, set[str]] = {}  # what a read folder holds now
        for path in probed:
            folder, _, name = path.rpartition(os.sep)  # (absolute and normalised)
            folder = folder or os.sep
            if folder in read_dirs:
                if folder not in names:
                    try:
                        names[folder] = set(os.listdir(folder))
                    except OSError:
                        names[folder] = set()
                if name not in names[folder]:
                    continue  # absent, and its creation would change its folder's time
            try:
                found[path] = stat(path)
            except OSError as exc:
                found[path] = exc.errno or -1
        probed = {p for p in probed if p in found}
        items: list[tuple[bytes, object]] = []
        for path in links:
            if path in read and os.path.dirname(path) in read_dirs:
                # an entry of a folder that is an input: making it a link, or another one,
                # changes the folder (its stat is the item); the path's own stat is read's
                continue
            try:
                st = lstat(path)
            except OSError as exc:
                items.append((b"l" + os.fsencode(path), exc.errno or -1))
                continue
            if stat_mod.S_ISLNK(st.st_mode):
                items.append((b"l" + os.fsencode(path), _stamp(st)))
            elif path not in read:  # lstat of a path that is not a link: as a stat
                probed.add(path)
                found[path] = st
        for path in read:
            now = found[path]
            items.append((b"s" + os.fsencode(path), now if isinstance(now, int) else _stamp(now)))
        for path in probed:
            now = found[path]
            if isinstance(now, int):
                # absent: a file created there changes its folder, when the folder is an input
                if os.path.dirname(path) not in read_dirs:
                    items.append((b"s" + os.fsencode(path), now))
            elif _is_dir(now):  # a folder asked about: that it is one, not what it holds
                items.append((b"d" + os.fsencode(path), now.st_mode >> 12))
            else:
                items.append((b"s" + os.fsencode(path), _stamp(now)))
        for name in self.env:
            if not (name.startswith(_ENV_PREFIXES) or name in _ENV_NAMES):
                value = os.environ.get(name)
                items.append((b"e" + name.encode("utf-8", "surrogateescape"), value))
        items.sort(key=lambda pair: pair[0])
        return [k for k, _ in items], [v for _, v in items]


def _remove_recording(folder: str) -> None:
    """Remove a recording folder (it holds files only: no ``shutil`` to import for it)."""
    import contextlib  # (loaded by the run already)

    with contextlib.suppress(OSError):
        for name in os.listdir(folder):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def _stamp(st) -> tuple[int, int, int, int]:
    return (st.st_mode, st.st_mtime_ns, st.st_size, st.st_ino)


def _is_dir(st) -> bool:
    return (st.st_mode & 0o170000) == 0o040000


def _python_dirs() -> tuple[str, ...]:
    """The folders of the standard library and of installed packages (not the prefixes:
    a project may live under ``/usr``)."""
    import site

    folders = set()
    sysconfig = sys.modules.get("sysconfig")  # (its import costs more than the folders it adds)
    if sysconfig is not None:
        schemes = {sysconfig.get_default_scheme(), "venv" if sys.prefix != sys.base_prefix else ""}
        for scheme in schemes:
            if scheme not in sysconfig.get_scheme_names():
                continue
            for name in ("stdlib", "platstdlib", "purelib", "platlib"):
                folders.add(sysconfig.get_path(name, scheme))
    # the standard library (its compiled modules in a folder of it), venv or not
    folders.add(os.path.dirname(os.__file__))
    folders.update(site.getsitepackages())
    folders.add(site.getusersitepackages())
    return tuple(os.path.join(os.path.abspath(f), "") for f in folders if f)


def forbid(why: str) -> None:
    """Called by the run: what it prints depends on something no manifest can hold."""
    rec = _ACTIVE
    if rec is not None:
        rec.forbid(why)


def _git_inputs(work: str, paths: set[str]) -> set[str]:
    """What git reads to answer ``rev-parse``, ``merge-base``, ``ls-tree`` and ``check-ignore``
    in the repository at ``work``: its HEAD, refs, index, configuration and ignore files,
    and the ``.gitignore`` of every folder between the repository and an input."""
    out: set[str] = set()
    top = work
    while True:  # the repository's top: the folder holding .git
        if os.path.lexists(os.path.join(top, ".git")):
            break
        parent = os.path.dirname(top)
        if parent == top:
            return out
        top = parent
    dot_git = os.path.join(top, ".git")
    out.add(dot_git)
    git_dirs = [dot_git]
    if os.path.isfile(dot_git):  # a worktree or submodule: "gitdir: <path>"
        try:
            with open(dot_git, encoding="utf-8") as fh:
                target = fh.read().strip().partition("gitdir:")[2].strip()
            git_dirs = [os.path.normpath(os.path.join(top, target))]
        except OSError:
            return out
    try:
        with open(os.path.join(git_dirs[0], "commondir"), encoding="utf-8") as fh:
            git_dirs.append(os.path.normpath(os.path.join(git_dirs[0], fh.read().strip())))
    except OSError:
        pass
    for gd in git_dirs:
        out.add(gd)
        for name in (
            "HEAD",
            "index",
            "packed-refs",
            "config",
            "config.worktree",
            "commondir",
            "shallow",
            "info",
            "info/exclude",
            "info/grafts",
            "objects/info/alternates",
        ):
            out.add(os.path.join(gd, name))
        for sub in ("refs", "reftable"):
            for dirpath, _dirnames, filenames in os.walk(os.path.join(gd, sub)):
                out.add(dirpath)
                out.update(os.path.join(dirpath, f) for f in filenames)
            out.add(os.path.join(gd, sub))
    # configuration and ignore files outside the repository
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    out.update(
        {
            os.environ.get("GIT_CONFIG_GLOBAL") or os.path.join(home, ".gitconfig"),
            os.path.join(xdg, "git", "config"),
            os.path.join(xdg, "git", "ignore"),
            os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig",
        }
    )
    out.update(_git_config_files(top))
    # .gitignore files between the repository's top and each input inside it
    prefix = os.path.join(top, "")
    seen: set[str] = set()
    for path in paths:
        if not path.startswith(prefix):
            continue
        folder = os.path.dirname(path)
        while folder.startswith(prefix) and folder not in seen:
            seen.add(folder)
            folder = os.path.dirname(folder)
    seen.add(top)
    out.update(os.path.join(folder, ".gitignore") for folder in seen)
    return out


def _git_config_files(top: str) -> set[str]:
    """The configuration files git reads in ``top`` (with their includes) and the ignore file
    ``core.excludesFile`` names."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "-C", top, "config", "--list", "--show-origin", "-z"],
            capture_output=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    found: set[str] = set()
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    for origin, entry in zip(fields[::2], fields[1::2], strict=False):
        if origin.startswith("file:"):
            found.add(os.path.abspath(os.path.join(top, origin[5:])))
        key, _, value = entry.partition("\n")
        if key.lower() == "core.excludesfile" and value:
            found.add(os.path.abspath(os.path.join(top, os.path.expanduser(value))))
    return found


def _audit(event: str, args: tuple) -> None:
    rec = _ACTIVE
    if rec is None or event not in _WATCHED:  # most events (id(), imports...) are not inputs
        return
    try:
        _record(rec, event, args)
    except Exception as exc:  # an audit hook that raises would fail the operation itself
        rec.forbid(f"could not record {event}: {type(exc).__name__}")


def _record(rec: _Recorder, event: str, args: tuple) -> None:
    if event == "open":
        path, mode, flags = args
        if path is None or isinstance(path, int):
            return
        if (mode and any(c in mode for c in "wax+")) or (flags and flags & _WRITE_FLAGS):
            rec.written(path)
        else:
            rec.note("r", path)
    elif event in ("os.listdir", "os.scandir"):
        path = args[0]
        if path is None:
            path = "."
        if not isinstance(path, int):
            rec.note("r", path)
    elif event == "subprocess.Popen":
        executable, argv = args[0], args[1]
        words = [os.fsdecode(a) for a in argv] if isinstance(argv, (list, tuple)) else []
        program = os.path.basename(os.fsdecode(executable or (words[0] if words else "")))
        if program != "git":
            rec.forbid(f"ran {program}")
            return
        repo = args[2] or rec.cwd
        if len(words) > 2 and words[1] == "-C":
            repo = os.path.join(os.fsdecode(repo), words[2])
        repo = os.fsdecode(repo)
        if repo not in rec.git:
            rec.git.add(repo)
            if rec.child_fd is not None:
                rec._send(b"g" + os.fsencode(repo))  # noqa: SLF001
    elif event in _MUTATIONS:
        for path in args[:2]:
            if isinstance(path, (str, bytes, os.PathLike)):
                rec.written(path)
    elif event in _FORBIDDEN:
        rec.forbid(f"{event} during the run")


_WATCHED = frozenset(
    {"open", "os.listdir", "os.scandir", "subprocess.Popen", *_MUTATIONS, *_FORBIDDEN}
)


def _after_fork_in_child() -> None:
    rec = _ACTIVE
    if rec is not None:
        try:
            rec.in_child()
        except OSError:
            rec.forbid("a worker could not record its inputs")


def _environ_logger(base: type) -> type:
    """A subclass of the environment's class that records the names read."""

    class LoggedEnviron(base):
        def __getitem__(self, key):
            rec = _ACTIVE
            if rec is not None and isinstance(key, str) and key not in rec.env:
                rec.env.add(key)
                if rec.child_fd is not None:
                    rec._send(b"e" + key.encode("utf-8", "surrogateescape"))  # noqa: SLF001
            return super().__getitem__(key)

        def __iter__(self):
            rec = _ACTIVE
            if rec is not None:
                rec.forbid("read the whole environment")
            return super().__iter__()

    return LoggedEnviron
