"""The commands' subcommands: generate and report, without an editor."""

import subprocess
import sys

from conftest import server_env

from backend_architect.core.languages import error_count

from .lsp_helpers import copy_project


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "backend_architect", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=server_env())


def test_generate_repository_writes_the_file(tmp_path):
    root = copy_project("shop", tmp_path)
    proc = _cli("generate", "repository", "db/schema.sql", "--table", "orders", "--language", "go", "--root", ".", "--write", cwd=root)
    assert proc.returncode == 0, proc.stderr
    out = root / "internal" / "repository" / "orders_repository.go"
    assert proc.stdout.strip() == str(out)
    text = out.read_text()
    assert error_count(text, "go") == 0 and "func (r *OrdersRepository) FindByUserIDAndNumber(" in text


def test_generate_prints_the_edited_files_without_writing(tmp_path):
    root = copy_project("shop", tmp_path)
    before = (root / "app" / "main.py").read_text()
    proc = _cli("generate", "middleware", "app/main.py", "--root", ".", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert f"# --- {root / 'app' / 'main.py'}" in proc.stdout and "install_middleware(app)" in proc.stdout
    assert (root / "app" / "main.py").read_text() == before and not (root / "app" / "middleware.py").exists()


def test_report_microservice(tmp_path):
    root = copy_project("shop", tmp_path)
    proc = _cli("report", "microservice", ".", cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(root / ".backend-architect" / "microservice.md")
    assert "# MICROSERVICE" in (root / ".backend-architect" / "microservice.md").read_text()
