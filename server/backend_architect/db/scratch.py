"""A throwaway PostgreSQL server: the machine's own server binaries, a temp data dir, a free port.

Used to replay migrations and to check fixes against PostgreSQL itself. Nothing here touches a
database the user configured: the server is created, used and removed by the caller.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = (
    "no PostgreSQL server binaries found: install them (Debian/Ubuntu: `apt-get install postgresql-15`), "
    "or pass the folder holding initdb and pg_ctl (--postgres-bin DIR)"
)


class PostgresUnavailable(RuntimeError):
    """No server binaries, or the server would not start; the message says what to do."""


def find_server_binaries(explicit: str | os.PathLike | None = None) -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Looked for in ``explicit``, then ``pg_config --bindir``, then ``/usr/lib/postgresql/<N>/bin``
    (newest first), then ``PATH``.
    """
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    else:
        pg_config = shutil.which("pg_config")
        if pg_config:
            try:
                out = subprocess.run(
                    [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=False
                )
                if out.returncode == 0 and out.stdout.strip():
                    candidates.append(Path(out.stdout.strip()))
            except (OSError, subprocess.TimeoutExpired):
                pass
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
        candidates += [Path(v) for v in versions]
        initdb = shutil.which("initdb")
        if initdb:
            candidates.append(Path(initdb).resolve().parent)
    for folder in candidates:
        if all((folder / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    if explicit:
        raise PostgresUnavailable(
            f"{explicit}: no initdb, pg_ctl and postgres there (Debian/Ubuntu: "
            "`apt-get install postgresql-15` puts them in /usr/lib/postgresql/15/bin)"
        )
    raise PostgresUnavailable(INSTALL_HINT)


def _version_key(path: str) -> tuple[int, ...]:
    part = Path(path).parent.name
    return tuple(int(p) for p in part.split(".") if p.isdigit()) or (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScratchPostgres:
    """Start with ``with ScratchPostgres() as pg: psycopg.connect(pg.dsn())``; removed on exit.

    Run as root, the server runs as the ``postgres`` system user (PostgreSQL refuses root).
    Durability is off: the data is thrown away anyway.
    """

    def __init__(
        self,
        bin_dir: str | os.PathLike | None = None,
        *,
        start_timeout: float = 60.0,
        host_auth: str = "trust",
    ) -> None:
        """``host_auth``: how TCP connections authenticate (``trust``, or ``scram-sha-256`` to test
        passwords); the Unix socket in the temp folder always trusts (:meth:`socket_dsn`)."""
        self.bin_dir = find_server_binaries(bin_dir)
        self.host_auth = host_auth
        self.start_timeout = start_timeout
        self.port = 0
        self.root: Path | None = None
        self._user: pwd.struct_passwd | None = None

    # -- life cycle -------------------------------------------------------------------------
    def start(self) -> ScratchPostgres:
        if os.geteuid() == 0:
            try:
                self._user = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable(
                    "running as root needs a `postgres` system user to run the server as "
                    "(the Debian postgresql package creates it)"
                ) from exc
        self.root = Path(tempfile.mkdtemp(prefix="ba-pg-"))
        data = self.root / "data"
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        self._run(
            [
                "initdb",
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth-local=trust",
                f"--auth-host={self.host_auth}",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        self.port = _free_port()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=40"
        )
        try:
            self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(data),
                    "-l",
                    str(self.root / "server.log"),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    str(int(self.start_timeout)),
                    "start",
                ]
            )
        except PostgresUnavailable as exc:
            log = self.log_tail()
            self.stop()
            raise PostgresUnavailable(f"{exc}\n{log}") from exc
        return self

    def stop(self) -> None:
        if self.root is None:
            return
        data = self.root / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable):
                self._run(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> ScratchPostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- use ------------------------------------------------------------------------------
    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def socket_dsn(self, dbname: str = "postgres") -> str:
        """Through the Unix socket (always trusted, whatever ``host_auth`` says)."""
        return f"host={self.root} port={self.port} user=postgres dbname={dbname}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its DSN."""
        import psycopg

        with psycopg.connect(self.socket_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def log_tail(self, lines: int = 20) -> str:
        if self.root is None:
            return ""
        try:
            return "\n".join(
                (self.root / "server.log").read_text(errors="replace").splitlines()[-lines:]
            )
        except OSError:
            return ""

    def _run(self, argv: list[str]) -> None:
        argv = [str(self.bin_dir / argv[0]), *argv[1:]]
        kwargs: dict = {}
        if self._user is not None:
            kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
        started = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=self.start_timeout + 30,
                cwd=str(self.root or "/"),
                check=False,  # the return code is read below, with the output
                **kwargs,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PostgresUnavailable(f"{Path(argv[0]).name} failed: {exc}") from exc
        if proc.returncode != 0:
            took = time.monotonic() - started
            raise PostgresUnavailable(
                f"{Path(argv[0]).name} exited {proc.returncode} after {took:.1f}s: "
                f"{(proc.stderr or proc.stdout).strip()[-1500:]}"
            )
