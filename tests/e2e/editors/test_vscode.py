"""VS Code (code-server) with the built .vsix, driven by Playwright in headless Chromium.

Builds the extension (vscode-client/scripts/build.sh), installs it into a fresh
code-server, opens a copy of examples/shop, waits for the squiggle, opens the Problems
panel, applies the quick fix with Ctrl+., saves, checks the file on disk, and runs one
palette command. Screenshots: test-artifacts/editors/test_vscode_quick_fix_and_command/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import FIX_TITLE, HERE, INDEX_LINE, ROOT, Workspace, missing

pytestmark = pytest.mark.editor

CODE_SERVER_VERSION = "4.100.3"
CLIENT_DIR = ROOT / "vscode-client"
COMMAND = "QUERY_OPTIMIZE"  # on the migration: nothing of its own to fix, so it only reports


def _find_code_server() -> str | None:
    for c in (
        os.environ.get("BA_CODE_SERVER"),
        str(ROOT / ".cache" / "code-server" / "node_modules" / ".bin" / "code-server"),
        shutil.which("code-server"),
    ):
        if c and Path(c).is_file():
            return c
    return None


def _find_chromium() -> str | None:
    for c in (os.environ.get("BA_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if c and Path(c).is_file():
            return c
    return None


def _vsix_is_current(vsix: Path) -> bool:
    if not vsix.is_file():
        return False
    built = vsix.stat().st_mtime
    sources = [CLIENT_DIR / n for n in ("package.json", "package-lock.json", "tsconfig.json")]
    sources += list((CLIENT_DIR / "src").rglob("*.ts"))
    return all(p.stat().st_mtime <= built for p in sources if p.exists())


@pytest.fixture(scope="module")
def tools(tmp_path_factory) -> dict:
    found = {
        "node": shutil.which("node"),
        "code-server": _find_code_server(),
        "chromium": _find_chromium(),
        "playwright-core": (HERE / "node_modules" / "playwright-core").is_dir() or None,
    }
    absent = [name for name, path in found.items() if not path]
    if absent:
        missing(f"VS Code test needs {', '.join(absent)}")
    home = tmp_path_factory.mktemp("code-server-version")  # it writes a default config.yaml there
    version = subprocess.run([found["code-server"], "--version"], capture_output=True, text=True, timeout=60,
                             env=dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home)))
    if CODE_SERVER_VERSION not in version.stdout:
        missing(f"code-server {CODE_SERVER_VERSION} is needed, found: {version.stdout.strip()[:80]}")
    return found


@pytest.fixture(scope="module")
def vsix(tools) -> Path:
    """The extension package: $BA_VSIX, else built now unless up to date."""
    if os.environ.get("BA_VSIX"):
        return Path(os.environ["BA_VSIX"])
    package = json.loads((CLIENT_DIR / "package.json").read_text())
    path = CLIENT_DIR / f"{package['name']}-{package['version']}.vsix"
    if not _vsix_is_current(path):
        build = subprocess.run(["bash", str(CLIENT_DIR / "scripts" / "build.sh")], capture_output=True, text=True,
                               timeout=600)
        assert build.returncode == 0, f"vscode-client build failed:\n{build.stdout[-4000:]}\n{build.stderr[-4000:]}"
    assert path.is_file()
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def code_server(tools, vsix: Path, workspace: Workspace, artifacts: Path):
    """A code-server with only our extension, a fresh profile, on a free port."""
    data = workspace.home / "code-server"
    user_data, extensions = data / "user-data", data / "extensions"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(json.dumps({
        "backendArchitect.interpreter": [str(workspace.bin / "python")],
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "security.workspace.trust.enabled": False,
        "telemetry.telemetryLevel": "off",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "extensions.ignoreRecommendations": True,
        "update.mode": "none",
        "git.enabled": False,
        "editor.minimap.enabled": False,
    }, indent=2))
    base = [tools["code-server"], "--user-data-dir", str(user_data), "--extensions-dir", str(extensions)]
    install = subprocess.run(base + ["--install-extension", str(vsix)], env=workspace.env, capture_output=True,
                             text=True, timeout=120)
    assert install.returncode == 0 and "successfully installed" in install.stdout, install.stdout + install.stderr
    port = _free_port()
    log = open(artifacts / "code-server.log", "w")
    proc = subprocess.Popen(
        base + ["--bind-addr", f"127.0.0.1:{port}", "--auth", "none", "--disable-telemetry",
                "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override",
                str(workspace.root)],
        env=workspace.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (artifacts / "code-server.log").read_text()
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("code-server did not listen within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # code-server and the extension host, server included
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _expected_command_message() -> str:
    """What the server answers to the palette command on the example migration, which has
    no QUERY_OPTIMIZE findings (the queries are in queries/feed.sql)."""
    return f"{COMMAND}: nothing to fix in this file."


def test_vscode_quick_fix_and_command(tools, code_server: str, workspace: Workspace, artifacts: Path):
    original = workspace.migration.read_text()
    report_path = artifacts / "vscode-report.json"
    expect_toast = _expected_command_message()
    env = dict(
        workspace.env,
        BA_URL=code_server,
        BA_WORKSPACE=str(workspace.root),
        BA_FILE=str(workspace.migration.relative_to(workspace.root)),
        BA_LINE=str(original.splitlines().index(INDEX_LINE) + 1),
        BA_FIX_TITLE=FIX_TITLE,
        BA_COMMAND=COMMAND,
        BA_EXPECT_TOAST=expect_toast,
        BA_CHROMIUM=tools["chromium"],
        BA_ARTIFACTS=str(artifacts),
        BA_REPORT=str(report_path),
    )
    t0 = time.monotonic()
    proc = subprocess.run([tools["node"], str(HERE / "vscode_quickfix.mjs")], cwd=HERE, env=env,
                          capture_output=True, text=True, timeout=240)
    elapsed = time.monotonic() - t0
    log = f"exit {proc.returncode} after {elapsed:.1f}s\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    (artifacts / "playwright.log").write_text(log)
    assert report_path.exists(), log
    report = json.loads(report_path.read_text())
    assert "error" not in report, report["error"] + "\n" + log + "\nscreenshot: " + str(artifacts / "failure.png")
    assert proc.returncode == 0, log

    # the squiggles and the Problems panel show the findings, MG001 among them
    assert report["squiggles"]["warning"] + report["squiggles"]["error"] >= 1
    mg001_rows = [r for r in report["problems"] if "MG001" in r]
    assert len(mg001_rows) == 1 and "CREATE INDEX without CONCURRENTLY" in mg001_rows[0], report["problems"]
    assert "Backend Architect" in report["status"]

    # Ctrl+. listed the fix, Enter applied it, Ctrl+S wrote it
    assert FIX_TITLE in report["quickFixes"], report["quickFixes"]
    assert workspace.migration.read_text() == workspace.expected_fixed_text(original)
    assert not [r for r in report["problemsAfter"] if "MG001" in r], report["problemsAfter"]

    # the palette command reached the server and its answer was shown
    assert report["paletteFirst"].startswith(f"Backend Architect: {COMMAND}")
    assert expect_toast in report["toast"] and not report["toastIsError"], report["toast"]

    for shot in ("problems-panel.png", "quick-fix-menu.png", "palette-command.png"):
        assert (artifacts / shot).stat().st_size > 10_000
