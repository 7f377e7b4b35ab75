"""The sixteen commands as workspace/executeCommand handlers.

``HANDLERS`` maps a command name (``QUERY_OPTIMIZE``...) to a function
``handler(server, session, args) -> dict``. A command without a handler
answers that it is not available yet.
"""

from __future__ import annotations

from collections.abc import Callable

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
_NOT_COMMAND_MODULES = {"cli"}  # the CLI's subcommands load through cli.EXTRA_COMMANDS


def load_all() -> None:
    """Import every module of this package once (the command modules register themselves);
    a broken one is logged and skipped."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib
    import logging
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name in _NOT_COMMAND_MODULES:
            continue
        try:
            importlib.import_module(f"{__name__}.{info.name}")
        except Exception:
            logging.getLogger(__name__).exception("command module %s failed to load", info.name)
