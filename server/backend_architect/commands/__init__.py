"""The sixteen commands as pure functions: ``fn(target) -> dict`` (see ``base.py``).

``COMMAND_HANDLERS`` is the one list of what implements each command; a module is
imported the first time one of its commands runs (start-up stays short). A command
without an implementation answers that it is not available yet.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the language server's start names the commands without loading them
    from .base import CommandResult, Target

COMMAND_PREFIX = "backend-architect."

# command -> "module:function" under this package
COMMAND_HANDLERS: dict[str, str] = {
    "QUERY_OPTIMIZE": "fix_all:run_fix_all",
    "MIGRATION": "fix_all:run_fix_all",
    "INPUT_VALIDATION": "fix_all:run_fix_all",
    "RATE_LIMITING": "fix_all:run_fix_all",
    "CONNECTION_POOL": "fix_all:run_fix_all",
    "INDEX_STRATEGY": "schema_commands:index_strategy",
    "SCHEMA_DESIGN": "schema_commands:schema_design",
    "REPOSITORY": "repository:repository_command",
    "ENDPOINT": "endpoint:endpoint_command",
    "SERVICE": "service:service_command",
    "MIDDLEWARE": "scaffolds:middleware_command",
    "AUTH_SYSTEM": "scaffolds:auth_command",
    "DESIGN_API": "openapi:design_api_command",
    "AUTHZ_DESIGN": "reports:authz_command",
    "MICROSERVICE": "reports:microservice_command",
    "EVENT_SYSTEM": "reports:event_system_command",
}


def command_id(name: str) -> str:
    return COMMAND_PREFIX + name


def handler_of(name: str) -> Callable[[Target], dict] | None:
    """The function implementing ``name`` (None when there is none)."""
    spec = COMMAND_HANDLERS.get(name)
    if spec is None:
        return None
    module, _, function = spec.partition(":")
    fn: Callable[[Target], dict] = getattr(
        importlib.import_module(f"{__name__}.{module}"), function
    )
    return fn


def not_available(name: str) -> dict:
    return {
        "command": name,
        "available": False,
        "message": f"{name} is not available yet in this version of Backend Architect.",
    }


def needs_document(name: str) -> bool:
    """Whether the command works on a document (its ``@handler(..., need_document=)``);
    the others run on the whole workspace."""
    fn = handler_of(name)
    return bool(getattr(fn, "need_document", True)) if fn is not None else False


def run(name: str, target: Target) -> CommandResult:
    """Run command ``name`` on ``target``: its answer, and the edit, reports and messages
    it produced. A ``CommandError`` becomes an answer with its message."""
    from .base import CommandError, CommandResult, result

    fn = handler_of(name)
    if fn is None:
        data = not_available(name)
        return CommandResult(data, messages=[(data["message"], False)])
    try:
        if target.document is None and getattr(fn, "need_document", True):
            raise CommandError(
                f'{name} needs a file: run it from an open editor (arguments: [{{"uri": ...}}]).'
            )
        data = fn(target)
    except CommandError as exc:
        data = result(name, str(exc), applied=False)
        target.messages.append((str(exc), False))
    return CommandResult(data, target.edit, list(target.reports), list(target.messages))
