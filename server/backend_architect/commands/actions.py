"""Which commands apply where the cursor is: the command-scoped fix-alls (a safe fix of
the command's rules waits in the file) and the generators (a CREATE TABLE, a handler,
an app setup under the cursor). Plain data; ``lsp/handlers/command_actions.py`` makes
code actions of it."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.document import Document
from ..core.findings import Finding
from ..core.registry import rule_by_code
from .fix_all import FIX_ALL_HANDLED_HERE
from .frameworks import framework_in_text
from ..lang import APP_LANGUAGES
from .scaffolds import app_setup_at
from .service import handler_at
from .tables import table_at

SOURCE_PREFIX = "source.backend-architect"
REFACTOR_PREFIX = "refactor.backend-architect"


@dataclass(frozen=True)
class Offer:
    """A command worth offering here: its title (without the command's name) and code action kind."""

    command: str
    title: str
    kind: str


def offers(doc: Document, start: int, findings: list[Finding], statements=None) -> list[Offer]:
    """The commands that apply to ``doc`` at byte ``start``, in the order they are shown."""
    out: list[Offer] = []
    # fix-alls: only for commands with a safe fix waiting in this file
    by_command: dict[str, int] = {}
    for f in findings:
        if f.fix is not None and f.fix.is_safe:
            rule = rule_by_code(f.code)
            if rule is not None and rule.command in FIX_ALL_HANDLED_HERE:
                by_command[rule.command] = by_command.get(rule.command, 0) + 1
    for name, n in sorted(by_command.items()):
        out.append(Offer(name, f"fix all {n} in this file", f"{SOURCE_PREFIX}.{name.lower()}"))

    if doc.language == "sql":
        table = table_at(doc, start, statements)
        if table is not None:
            out.append(
                Offer(
                    "REPOSITORY",
                    f"generate the repository of {table.name}",
                    f"{REFACTOR_PREFIX}.repository",
                )
            )
            out.append(
                Offer(
                    "ENDPOINT",
                    f"generate the CRUD endpoints of {table.name}",
                    f"{REFACTOR_PREFIX}.endpoint",
                )
            )
    elif doc.language in APP_LANGUAGES:
        fw = framework_in_text(doc.text, doc.language)
        if fw is not None:
            if handler_at(doc, start) is not None:
                out.append(
                    Offer(
                        "SERVICE",
                        "move this handler's logic into a service",
                        f"{REFACTOR_PREFIX}.service",
                    )
                )
            if app_setup_at(doc, fw) is not None:
                out.append(
                    Offer(
                        "MIDDLEWARE",
                        "add the error handler, request ids and CORS",
                        f"{SOURCE_PREFIX}.middleware",
                    )
                )
                out.append(
                    Offer(
                        "AUTH_SYSTEM",
                        "scaffold JWT access and refresh tokens",
                        f"{SOURCE_PREFIX}.auth_system",
                    )
                )
            out.append(
                Offer("ENDPOINT", "add the missing CRUD endpoints", f"{REFACTOR_PREFIX}.endpoint")
            )
    return out
