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
