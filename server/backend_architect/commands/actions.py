"""Code actions for the commands: command-scoped fix-alls as source actions, the
generators as refactors where the cursor is, and their "(ask Claude)" variants
when AI is enabled (never offered otherwise)."""

from __future__ import annotations

from lsprotocol import types

from .. import ai
from ..core.registry import rule_by_code
from ..lsp.handlers.code_actions import CODE_ACTION_PROVIDERS
from . import command_id
from .base import invocation_args
from .fix_all import FIX_ALL_HANDLED_HERE
from .frameworks import framework_in_text
from .tables import table_at

SOURCE_PREFIX = "source.backend-architect"
REFACTOR_PREFIX = "refactor.backend-architect"


def _wants(only, kind: str) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def _action(
    title: str, kind: str, name: str, args: list, ai_variant: bool = False
) -> types.CodeAction:
    cid = command_id(name) + (".ai" if ai_variant else "")
    return types.CodeAction(
        title=title, kind=kind, command=types.Command(title=title, command=cid, arguments=args)
    )


def command_actions(session, snap, params: types.CodeActionParams) -> list[types.CodeAction]:
    doc = snap.document
    only = params.context.only
    start = session.offset(doc, params.range.start)
    end = session.offset(doc, params.range.end)
    args = invocation_args(session, doc, start, end)
    with_ai = ai.enabled(snap.settings)
    out: list[types.CodeAction] = []

    def add(title, kind, name):
        if _wants(only, kind):
            out.append(_action(f"{name}: {title}", kind, name, args))
            if with_ai:
                out.append(
                    _action(f"{name} (ask Claude)", kind + ".ai", name, args, ai_variant=True)
                )

    # fix-alls: only for commands with a safe fix waiting in this file
    by_command: dict[str, int] = {}
    for f in snap.result.findings:
        if f.fix is not None and f.fix.is_safe:
            rule = rule_by_code(f.code)
            if rule is not None and rule.command in FIX_ALL_HANDLED_HERE:
                by_command[rule.command] = by_command.get(rule.command, 0) + 1
    for name, n in sorted(by_command.items()):
        add(f"fix all {n} in this file", f"{SOURCE_PREFIX}.{name.lower()}", name)

    if doc.language == "sql":
        table = table_at(doc, start, snap.result.statements)
        if table is not None:
            add(
                f"generate the repository of {table.name}",
                f"{REFACTOR_PREFIX}.repository",
                "REPOSITORY",
            )
            add(
                f"generate the CRUD endpoints of {table.name}",
                f"{REFACTOR_PREFIX}.endpoint",
                "ENDPOINT",
            )
    elif doc.language in ("python", "javascript", "typescript", "tsx", "go"):
        fw = framework_in_text(doc.text, doc.language)
        if fw is not None:
            from .service import handler_at

            if handler_at(doc, start) is not None:
                add(
                    "move this handler's logic into a service",
                    f"{REFACTOR_PREFIX}.service",
                    "SERVICE",
                )
            from .scaffolds import app_setup_at

            if app_setup_at(doc, fw) is not None:
                add(
                    "add the error handler, request ids and CORS",
                    f"{SOURCE_PREFIX}.middleware",
                    "MIDDLEWARE",
                )
                add(
                    "scaffold JWT access and refresh tokens",
                    f"{SOURCE_PREFIX}.auth_system",
                    "AUTH_SYSTEM",
                )
            add("add the missing CRUD endpoints", f"{REFACTOR_PREFIX}.endpoint", "ENDPOINT")
    # the finding under the cursor can be asked of Claude too
    if with_ai and _wants(only, types.CodeActionKind.QuickFix):
        seen = set()
        for diag in params.context.diagnostics:
            rule = rule_by_code(str(diag.code or ""))
            if rule is None or rule.command in seen:
                continue
            seen.add(rule.command)
            out.append(
                _action(
                    f"{rule.command} (ask Claude)",
                    types.CodeActionKind.QuickFix,
                    rule.command,
                    args,
                    ai_variant=True,
                )
            )
    return out


if command_actions not in CODE_ACTION_PROVIDERS:
    CODE_ACTION_PROVIDERS.append(command_actions)
