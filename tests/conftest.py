import os
import sys
from pathlib import Path

pytest_plugins = ["tests.postgres"]

ROOT = Path(__file__).resolve().parent.parent
SERVER_DIR = ROOT / "server"
if str(SERVER_DIR) not in sys.path:
    sys.path.insert(0, str(SERVER_DIR))


def server_env(**extra) -> dict:
    """Environment for a server subprocess that imports this checkout's package."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SERVER_DIR), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("BACKEND_ARCHITECT_AI", None)
    env.update(extra)
    return env


SERVER_CMD = [sys.executable, "-m", "backend_architect", "serve"]


def committed_django_site(repo: Path, *extra_files: tuple[str, str]) -> Path:
    """A small Django project in a new git repository, committed (its migration is history):
    a view that splices a parameter into SQL and a migration with a RunSQL index."""
    import subprocess

    files = {
        "manage.py": "import django\n",
        "shop/views.py": "import sqlite3\n\n\ndef find(db: sqlite3.Connection, name):\n"
        "    db.execute(f\"SELECT id FROM shop_item WHERE name = '{name}'\")\n",
        "shop/migrations/0001_initial.py": "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [migrations.RunSQL('CREATE INDEX i ON shop_item (name)')]\n",
        **dict(extra_files),
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    return repo
