"""The commands as code actions: command-scoped fix-alls as source actions, the
generators as refactors where the cursor is, INDEX_STRATEGY's "add the indexes this
file needs", and their "(ask Claude)" variants when AI is enabled (never otherwise)."""

from __future__ import annotations

from lsprotocol import types

from ... import ai
from ...commands import command_id
from ...commands.actions import offers
from ...commands.schema_commands import missing_indexes
from ...core.registry import rule_by_code
from .commands import invocation_args

INDEX_STRATEGY_KIND = "source.backend-architect.indexStrategy"


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
    for offer in offers(doc, start, snap.result.findings, snap.result.statements):
        if _wants(only, offer.kind):
            out.append(_action(f"{offer.command}: {offer.title}", offer.kind, offer.command, args))
            if with_ai:
                out.append(
                    _action(
                        f"{offer.command} (ask Claude)",
                        offer.kind + ".ai",
                        offer.command,
                        args,
                        ai_variant=True,
                    )
                )
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


# uri -> (snapshot, catalog, indexes it misses): every query of a file is read once per version
_MISSING: dict[str, tuple] = {}


def index_strategy_actions(session, snap, params) -> list[types.CodeAction]:
    """ "Add the indexes this file needs" as a source action, when some are missing. Not
    offered to the requests an editor sends by itself as the cursor moves (it shows source
    actions only in its Source Action menu, which asks with ``only`` or when invoked)."""
    context = params.context
    only = context.only
    if context.trigger_kind == types.CodeActionTriggerKind.Automatic and not only:
        return []
    if only and not any(
        o == INDEX_STRATEGY_KIND or INDEX_STRATEGY_KIND.startswith(o + ".") or o == "source"
        for o in only
    ):
        return []
    if session.catalog is None or not snap.result.statements:
        return []
    uri = snap.document.uri
    cached = _MISSING.get(uri)
    if cached is None or cached[0] is not snap or cached[1] is not session.catalog:
        if len(_MISSING) > 64:  # bounded: the documents recently asked about
            _MISSING.clear()
        cached = _MISSING[uri] = (
            snap,
            session.catalog,
            missing_indexes(snap.result.statements, session.catalog),
        )
    needed = cached[2]
    if not needed:
        return []
    return [
        types.CodeAction(
            title=f"INDEX_STRATEGY: add the {len(needed)} index(es) this file needs in a new migration",
            kind=INDEX_STRATEGY_KIND,
            command=types.Command(
                title="INDEX_STRATEGY",
                command=command_id("INDEX_STRATEGY"),
                arguments=[{"uri": snap.document.uri}],
            ),
        )
    ]
