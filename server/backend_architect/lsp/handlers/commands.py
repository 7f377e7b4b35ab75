"""workspace/executeCommand: build the command's request from the editor's state, run
the pure command, and turn its result into what the editor shows: a ``WorkspaceEdit``
sent with workspace/applyEdit, reports written and opened, messages, $/progress.

Handlers run on the server's event loop, so they never wait for the client's answer
to a request they send (that would deadlock); the edit is also returned in the
command's result so that tests and scripts can read it.
"""

from __future__ import annotations

import traceback
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ...commands import needs_document, run
from ...commands.base import CommandError, CommandResult, EditSet, Target, Workspace
from ...core.document import Document, path_to_uri, uri_to_path
from ...core.files import write_text
from ...core.findings import Edit
from ...core.workspace import read_document

if TYPE_CHECKING:  # the engine loads with the first document, not before `initialize`
    from ...core.engine import LintResult

CONFIRM = "backend-architect.review"  # the change annotation of edits that rewrite the user's code


def execute(server, session, name: str, args) -> dict:
    """Run command ``name`` with the client's ``args``; a failure answers with the reason."""
    try:
        try:
            target = request(server, session, name, list(args or []))
        except CommandError as exc:
            show_message(server, str(exc))
            return {"command": name, "message": str(exc), "applied": False}
        target.progress = LspProgress(server, name)
        try:
            res = run(name, target)
        finally:
            target.progress.end()
        return deliver(server, session, res)
    except Exception as exc:  # a failing command answers with the reason, the server goes on
        server.window_log_message(
            types.LogMessageParams(
                type=types.MessageType.Error, message=f"{name} failed: {traceback.format_exc()}"
            )
        )
        message = f"{name} failed: {type(exc).__name__}: {exc}"
        server.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=message)
        )
        return {"command": name, "error": message, "message": message}


# -- request -------------------------------------------------------------------------------


def workspace_of(server, session) -> Workspace:
    """The commands' view of the editor's workspace: open documents win over the disk."""

    def open_document(path: str) -> Document | None:
        uri = path_to_uri(path)
        workspace = getattr(server, "workspace", None)
        if workspace is None or uri not in getattr(workspace, "text_documents", {}):
            return None
        td = workspace.get_text_document(uri)
        return session.document_for(uri, td.source, td.version, td.language_id)

    def analyse(doc: Document) -> LintResult:
        snap = session.snapshot(doc.uri) if doc.uri else None
        if (
            snap is not None
            and snap.document.version == doc.version
            and snap.document.text == doc.text
        ):
            return snap.result
        from ...core.engine import lint

        return lint(doc, session.settings, session.catalog)

    root = session.root or session.settings.root or ""
    indexer = getattr(server, "indexer", None)
    indexing = bool(getattr(indexer, "running", False)) and session.catalog is None
    return Workspace(
        root,
        session.settings,
        session.catalog,
        open_document,
        analyse,
        indexing=indexing,
        confirms_edits=annotations_supported(server),
    )


def request(server, session, name: str, args: list) -> Target:
    """The command's target from ``[{"uri", "range", "version", ...options}]``."""
    arg = args[0] if args and isinstance(args[0], dict) else {}
    if not arg and args and isinstance(args[0], str):
        arg = {"uri": args[0]}
    uri = arg.get("uri") or arg.get("textDocument", {}).get("uri")
    t = Target(name, workspace_of(server, session), options=arg)
    if not uri:
        if needs_document(name):
            raise CommandError(
                f'{name} needs a file: run it from an open editor (arguments: [{{"uri": ...}}]).'
            )
        return t
    doc = t.workspace.open_document(uri_to_path(uri)) if t.workspace.open_document else None
    if doc is None:
        workspace = getattr(server, "workspace", None)
        try:
            td = workspace.get_text_document(uri) if workspace is not None else None
            source = td.source if td is not None else None
        except Exception:
            td = source = None
        if td is not None and source is not None:
            doc = session.document_for(uri, source, td.version, td.language_id)
        else:
            path = uri_to_path(uri)
            doc, why = read_document(path, session.settings)
            if doc is None:
                raise CommandError(f"{name}: cannot read {path}: {why}")
    version = arg.get("version")
    if version is not None and doc.version is not None and version != doc.version:
        raise CommandError(
            f"{name}: the document changed (version {doc.version}, the request was made for {version}); run it again."
        )
    t.document = doc
    rng = arg.get("range")
    if isinstance(rng, dict):
        enc = session.position_encoding
        t.start = doc.position_to_offset(rng["start"]["line"], rng["start"]["character"], enc)
        t.end = doc.position_to_offset(rng["end"]["line"], rng["end"]["character"], enc)
        if t.end < t.start:
            t.start, t.end = t.end, t.start
    return t


def invocation_args(session, doc: Document, start: int, end: int) -> list:
    """The arguments a code action passes to its command."""
    r = session.range(doc, start, end)
    return [
        {
            "uri": doc.uri,
            "range": {
                "start": {"line": r.start.line, "character": r.start.character},
                "end": {"line": r.end.line, "character": r.end.character},
            },
            "version": doc.version,
        }
    ]


# -- result ---------------------------------------------------------------------------------


def deliver(server, session, res: CommandResult) -> dict:
    """Send the result's edit, write and open its reports, show its messages; the answer."""
    data = dict(res.data)
    if res.edit is not None:
        edit = workspace_edit(session, res.edit, annotations_supported(server))
        if hasattr(server, "workspace_apply_edit"):
            server.workspace_apply_edit(
                types.ApplyWorkspaceEditParams(edit=edit, label=res.edit.label or None)
            )
        data["edit"] = to_json(edit)
    for report in res.reports:
        write_text(report.path, report.text)  # atomic; raises WriteError
        if report.show:
            shown = client_can_show_document(server)
            if shown:
                server.window_show_document(
                    types.ShowDocumentParams(uri=path_to_uri(report.path), take_focus=True)
                )
            if data.get("path") == report.path:
                data["shown"] = shown
                if not shown:
                    data["message"] = f"{data.get('message', '')} (open it to read it)"
    for message, error in res.messages:
        show_message(server, message, error)
    return data


def annotations_supported(server) -> bool:
    caps = getattr(server, "client_capabilities", None)
    ws = getattr(caps, "workspace", None) if caps is not None else None
    we = getattr(ws, "workspace_edit", None) if ws is not None else None
    return bool(we is not None and we.change_annotation_support is not None)


def workspace_edit(session, edit: EditSet, annotate: bool = False) -> types.WorkspaceEdit:
    """The LSP form of a command's edit: a versioned edit of its document, then the files
    it creates or edits. An edit that rewrites the user's code carries a change annotation
    that asks for confirmation when the client supports them."""
    annotation = CONFIRM if annotate and edit.needs_confirmation else None

    def text_edits(doc: Document, edits: list[Edit]) -> list:
        out: list[Any] = []
        for e in edits:
            rng = session.range(doc, e.start, e.end)
            if annotation is None:
                out.append(types.TextEdit(rng, e.new_text))
            else:
                out.append(types.AnnotatedTextEdit(annotation, rng, e.new_text))
        return out

    changes: list[Any] = []
    doc = edit.document
    if doc is not None and edit.edits:
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=doc.uri or path_to_uri(doc.path), version=doc.version
                ),
                edits=text_edits(doc, edit.edits),
            )
        )
    for ch in edit.files:
        if ch.create:
            uri = path_to_uri(ch.path)
            changes.append(
                types.CreateFile(
                    uri=uri,
                    options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
                )
            )
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=None
                    ),
                    edits=[
                        types.TextEdit(
                            types.Range(types.Position(0, 0), types.Position(0, 0)), ch.text
                        )
                    ],
                )
            )
        elif ch.document is not None:
            d = ch.document
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=d.uri or path_to_uri(d.path), version=d.version
                    ),
                    edits=text_edits(d, [Edit(s, e, t) for s, e, t in ch.edits]),
                )
            )
    out = types.WorkspaceEdit(document_changes=changes)
    if annotation is not None:
        out.change_annotations = {
            CONFIRM: types.ChangeAnnotation(
                label=edit.label or "Backend Architect",
                needs_confirmation=True,
                description="Rewrites code you wrote: review it before applying.",
            )
        }
    return out


def to_json(obj):
    from lsprotocol.converters import get_converter

    return get_converter().unstructure(obj)


def client_can_show_document(server) -> bool:
    caps = getattr(server, "client_capabilities", None)
    window = getattr(caps, "window", None) if caps is not None else None
    return bool(
        window is not None and window.show_document is not None and window.show_document.support
    )


def show_message(server, message: str, error: bool = False) -> None:
    if server is not None and hasattr(server, "window_show_message"):
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error if error else types.MessageType.Info,
                message=f"Backend Architect: {message}",
            )
        )


class LspProgress:
    """$/progress for a long command, begun at its first report; silent when the client
    cannot show it."""

    def __init__(self, server, title: str) -> None:
        self.server = server
        self.title = title
        self.token: str | None = None
        caps = getattr(server, "client_capabilities", None)
        window = getattr(caps, "window", None) if caps is not None else None
        self.supported = bool(window is not None and window.work_done_progress)

    def report(self, message: str, percentage: int | None = None) -> None:
        if not self.supported:
            return
        if self.token is None:
            self.token = f"backend-architect/{uuid.uuid4()}"
            self.server.work_done_progress.create(self.token)
            self.server.work_done_progress.begin(
                self.token,
                types.WorkDoneProgressBegin(title=self.title, cancellable=False, percentage=0),
            )
        self.server.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    def end(self, message: str = "") -> None:
        if self.token is not None:
            self.server.work_done_progress.end(
                self.token, types.WorkDoneProgressEnd(message=message)
            )
            self.token = None
