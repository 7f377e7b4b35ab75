"""The sixteen commands as workspace/executeCommand handlers.

``HANDLERS`` maps a command name (``QUERY_OPTIMIZE``...) to a function
``handler(server, session, args) -> dict``. A command without a handler
answers that it is not available yet.
"""

from __future__ import annotations

from typing import Callable

from ..core.registry import COMMANDS

COMMAND_PREFIX = "backend-architect."
HANDLERS: dict[str, Callable] = {}


def command_id(name: str) -> str:
    return COMMAND_PREFIX + name


def register(name: str):
    if name not in COMMANDS:
        raise ValueError(f"unknown command {name}")

    def wrap(fn):
        HANDLERS[name] = fn
        return fn

    return wrap


def not_available(name: str) -> dict:
    return {
        "command": name,
        "available": False,
        "message": f"{name} is not available yet in this version of Backend Architect.",
    }


_LOADED = False
# Modules that register handlers and code action providers when imported.
COMMAND_MODULES = (
    "fix_all", "repository", "endpoint", "service", "scaffolds", "openapi", "reports", "actions",
)


def load_all() -> None:
    """Import the command modules once (they register themselves); a broken one is skipped."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib
    import logging

    for mod in COMMAND_MODULES:
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{mod}":
                logging.getLogger(__name__).exception("command module %s failed to load", mod)
        except Exception:
            logging.getLogger(__name__).exception("command module %s failed to load", mod)
