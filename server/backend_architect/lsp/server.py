"""The language server: wiring only. Logic lives in handlers/ and core/."""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import sys
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import GC_THRESHOLD, __version__
from ..commands import command_id
from ..core.document import uri_to_path
from ..core.registry import COMMANDS
from .handlers import catalog as catalog_handler
from .handlers import code_actions as code_actions_handler
from .handlers import diagnostics as diagnostics_handler
from .handlers import hover as hover_handler
from .documents import DocumentStore
from .protocol import ArchitectProtocol
from .session import Session, manifests_of

if TYPE_CHECKING:
    from .incoming import Incoming

log = logging.getLogger(__name__)


class ArchitectServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "backend-architect",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=ArchitectProtocol,
        )
        self.session = Session()
        self.documents = DocumentStore()
        self.exit_code: int | None = None  # set by the exit notification
        self.pending_warnings: list[str] = []
        self.skip_notified: set[str] = set()
        self.indexer = catalog_handler.CatalogIndexer(self, lambda: _reanalyse_open(self))
        self.session.catalog_requester = self.indexer.build_nested
        from .handlers.verify_on_save import SaveVerifier

        self.verifier = SaveVerifier(self)  # starts nothing unless database.verify-on-save is on
        from .handlers.index_advice import IndexAdvice

        self.session.index_advice = IndexAdvice(self)  # connects only with a database configured
        from .handlers.table_sizes import TableSizes

        self.session.table_sizes = TableSizes(self)  # only with database.size-migrations on
        # the messages read ahead of the handlers (set by serve(); None when driven another way)
        self.incoming: Incoming | None = None
        self.full_timers: dict = {}  # uri -> pending full analysis after an approximate one

    def report_server_error(self, error: Exception, source) -> None:
        """Log errors the client did not ask about (a malformed message, a failing
        notification handler) instead of popping them up; a request's error is in its answer."""
        from pygls.exceptions import FeatureRequestError

        if source is FeatureRequestError:
            return
        try:
            self.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Error, message=f"backend-architect: {error!r}"
                )
            )
        except Exception:
            log.exception("could not log a server error")


server = ArchitectServer()


def _show_warnings(ls: ArchitectServer, warnings: list[str]) -> None:
    for w in warnings:
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning, message=f"Backend Architect: {w}"
            )
        )


def _stale(ls: ArchitectServer, uri: str) -> bool:
    """Whether a newer notification about ``uri`` is already waiting to be handled."""
    return ls.incoming is not None and ls.incoming.stale(uri)


def _analyse_and_publish(
    ls: ArchitectServer, uri: str, cancellable: bool = False, whole: bool = False
) -> None:
    """Analyse the open document and publish its diagnostics. ``cancellable``: stop (and
    publish nothing) when a newer version arrives meanwhile; ``whole``: not incrementally."""
    open_doc = ls.documents.get(uri)
    if open_doc is None:
        return
    doc = ls.session.document_for(uri, open_doc.text, open_doc.version, open_doc.language_id)
    if doc.language is None:
        return
    from ..core.engine import Cancelled

    try:
        snap = ls.session.analyse(
            doc, cancelled=(lambda: _stale(ls, uri)) if cancellable else None, whole=whole
        )
    except Cancelled:
        return  # the newer version's analysis publishes
    if cancellable and _stale(ls, uri):
        return  # analysed (the next edit starts from it), but outdated: publish the newer one
    diagnostics_handler.publish(ls, ls.session, snap)
    diagnostics_handler.skipped_notice(ls, snap, ls.skip_notified)
    _after_approximate(ls, uri, snap)
    _collect_now_and_then()


FULL_ANALYSIS_DELAY = 0.5  # seconds without edits before an approximate result is redone whole


def _after_approximate(ls: ArchitectServer, uri: str, snap) -> None:
    """An incremental analysis of application code re-checked only the edited definition;
    once the user pauses, the whole file is analysed again (cancelled by the next edit)."""
    timer = ls.full_timers.pop(uri, None)
    if timer is not None:
        timer.cancel()
    if not snap.result.approximate:
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not running under the event loop: analyse now
        _analyse_and_publish(ls, uri, whole=True)
        return
    version = snap.document.version

    def run() -> None:
        ls.full_timers.pop(uri, None)
        current = ls.session.snapshot(uri)
        open_doc = ls.documents.get(uri)
        if (
            open_doc is None
            or open_doc.version != version
            or current is None
            or not current.result.approximate
        ):
            return
        _analyse_and_publish(ls, uri, cancellable=True, whole=True)

    ls.full_timers[uri] = loop.call_later(FULL_ANALYSIS_DELAY, run)


FULL_COLLECTION_EVERY = 50  # analyses
_analyses = itertools.count(1)


def _collect_now_and_then() -> None:
    """A full garbage collection every few analyses, after the diagnostics went out.

    ``serve`` raises the collector's thresholds so typing never waits for it; then the
    reference cycles every analysis leaves (statements and their regions, contexts)
    reach the oldest generation and would wait for a full collection for a very long
    time: the server grew by about 60 MB per 1,000 edits. Collecting here keeps it flat,
    at a moment when no reply is waiting."""
    if next(_analyses) % FULL_COLLECTION_EVERY == 0:
        gc.collect()


def _reanalyse_open(ls: ArchitectServer, whole: bool = False) -> None:
    for uri in ls.documents.uris():
        _analyse_and_publish(ls, uri, whole=whole)


def _current_snapshot(ls: ArchitectServer, uri: str):
    """The snapshot of an open document at its current version (None when it is not open)."""
    open_doc = ls.documents.get(uri)
    if open_doc is None:
        return None
    snap = ls.session.snapshot(uri)
    if (
        snap is None
        or snap.document.version != open_doc.version
        or snap.document.text is not open_doc.text
    ):
        _analyse_and_publish(ls, uri)
        snap = ls.session.snapshot(uri)
    elif snap.manifests != manifests_of(snap.document.path):
        # a manifest changed on disk (a dependency added): fixes must offer what it has now
        _analyse_and_publish(ls, uri, whole=True)
        snap = ls.session.snapshot(uri)
    return snap


@server.feature(types.INITIALIZE)
def initialize(ls: ArchitectServer, params: types.InitializeParams) -> None:
    """Read the workspace root, the position encoding and the initial settings."""
    folders = params.workspace_folders or []
    root_uri = folders[0].uri if folders else params.root_uri
    ls.session.root = uri_to_path(root_uri) if root_uri else params.root_path
    ls.session.position_encoding = str(ls.workspace.position_encoding or "utf-16")
    ls.pending_warnings = ls.session.configure(params.initialization_options)


@server.feature(types.INITIALIZED)
def initialized(ls: ArchitectServer, params: types.InitializedParams) -> None:
    """Report settings problems found during initialize."""
    _show_warnings(ls, ls.pending_warnings)
    ls.pending_warnings = []
    ls.indexer.register_watcher()
    ls.indexer.start()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ArchitectServer, params: types.DidOpenTextDocumentParams) -> None:
    """Analyse the opened document."""
    _analyse_and_publish(ls, params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ArchitectServer, params: types.DidChangeTextDocumentParams) -> None:
    """Analyse the changed document, unless a newer change is already waiting (a burst of
    edits is analysed once, for its last version); a newer change cancels the analysis."""
    uri = params.text_document.uri
    if _stale(ls, uri):
        return
    _analyse_and_publish(ls, uri, cancellable=True)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ArchitectServer, params: types.DidSaveTextDocumentParams) -> None:
    """Re-analyse on save (the file on disk may differ from what was typed); a saved .sql file may change the schema."""
    _analyse_and_publish(ls, params.text_document.uri)
    catalog_handler.saved(ls.indexer, params.text_document.uri)
    if catalog_handler.is_manifest(params.text_document.uri):
        _reanalyse_open(ls, whole=True)
    ls.verifier.saved(uri_to_path(params.text_document.uri))


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(
    ls: ArchitectServer, params: types.DidChangeWatchedFilesParams
) -> None:
    """Re-apply the schema when .sql files change on disk; re-check open documents whole
    when a dependency manifest changes (fix titles and edits depend on it)."""
    catalog_handler.watched_files_changed(ls.indexer, params)
    if any(catalog_handler.is_manifest(c.uri) for c in params.changes):
        _reanalyse_open(ls, whole=True)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ArchitectServer, params: types.DidCloseTextDocumentParams) -> None:
    """Forget the document and clear its diagnostics."""
    ls.session.forget(params.text_document.uri)
    timer = ls.full_timers.pop(params.text_document.uri, None)
    if timer is not None:
        timer.cancel()
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
    )


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
def did_change_configuration(
    ls: ArchitectServer, params: types.DidChangeConfigurationParams
) -> None:
    """Apply new settings and re-analyse every open document."""
    _show_warnings(ls, ls.session.configure(params.settings))
    _reanalyse_open(ls)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[
            types.CodeActionKind.QuickFix,
            types.CodeActionKind.SourceFixAll,
            code_actions_handler.FIX_ALL_KIND,
            "source.backend-architect.indexStrategy",  # command_actions.INDEX_STRATEGY_KIND
            types.CodeActionKind.Source,
            types.CodeActionKind.Refactor,
            types.CodeActionKind.RefactorExtract,
            types.CodeActionKind.RefactorRewrite,
        ],
        resolve_provider=True,
    ),
)
def code_action(ls: ArchitectServer, params: types.CodeActionParams):
    """Quick fixes, suppressions and fix-all for the requested range."""
    snap = _current_snapshot(ls, params.text_document.uri)
    if snap is None:
        return None
    actions = code_actions_handler.code_actions(
        ls.session, snap, params, lazy_fix_all=_resolves_edits(ls)
    )
    return actions or None


def _resolves_edits(ls: ArchitectServer) -> bool:
    """Whether the client fills in an action's edit through codeAction/resolve."""
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document is not None else None
    support = code_action.resolve_support if code_action is not None else None
    return support is not None and "edit" in (support.properties or [])


@server.feature(types.CODE_ACTION_RESOLVE)
def code_action_resolve(ls: ArchitectServer, action: types.CodeAction):
    """The fix-all's edit, computed when the user picks it."""
    if not code_actions_handler.is_fix_all(action):
        return action
    uri = (action.data or {}).get("fixAll", "")
    return code_actions_handler.resolve_fix_all(ls.session, _current_snapshot(ls, uri), action)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: ArchitectServer, params: types.HoverParams):
    """The rule documentation for findings under the cursor."""
    snap = _current_snapshot(ls, params.text_document.uri)
    if snap is None:
        return None
    return hover_handler.hover(ls.session, snap, params.position)


VIEW_FILE_TEXT = "backend-architect/viewFileText"


@server.feature(VIEW_FILE_TEXT)
def view_file_text(ls: ArchitectServer, params) -> str | None:
    """The server's copy of an open document (to check that it matches the editor's)."""
    doc = (
        params.get("textDocument")
        if isinstance(params, dict)
        else getattr(params, "textDocument", None)
    )
    uri = doc.get("uri") if isinstance(doc, dict) else getattr(doc, "uri", None)
    open_doc = ls.documents.get(uri) if isinstance(uri, str) else None
    return open_doc.text if open_doc is not None else None


def _make_command(name: str):
    def run(ls: ArchitectServer, *args):
        from .handlers import commands as commands_handler  # with the commands it runs

        return commands_handler.execute(
            ls, ls.session, name, args[0] if len(args) == 1 and isinstance(args[0], list) else args
        )

    run.__doc__ = f"Run {name}."
    return run


for _name in COMMANDS:
    server.command(command_id(_name))(_make_command(_name))


def _make_ai_command(name: str):
    async def run_ai(ls: ArchitectServer, *args):
        from .handlers.ai_command import run_ai_command  # the SDK loads only when asked

        return await run_ai_command(
            ls,
            ls.session,
            name,
            args[0] if len(args) == 1 and isinstance(args[0], list) else list(args),
        )

    run_ai.__doc__ = f"Ask Claude for {name}."
    return run_ai


for _name in COMMANDS:
    server.command(command_id(_name) + ".ai")(_make_ai_command(_name))


def _start_io(ls: ArchitectServer) -> None:
    """pygls's stdio server, with the messages read ahead by :class:`~.incoming.Incoming`
    (so that a handler knows when newer edits of its document are waiting)."""
    import threading

    from pygls.io_ import StdoutWriter

    from .incoming import Incoming, serve as serve_messages

    ls._stop_event = threading.Event()
    incoming = ls.incoming = Incoming(sys.stdin.buffer)
    ls.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    try:
        asyncio.run(serve_messages(ls, incoming))
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        ls.shutdown()


def serve() -> None:
    logging.basicConfig(level=logging.WARNING)
    # Parse caches hold many small objects; full collections over them show up as
    # latency spikes while typing. Collect less often and keep start-up objects out.
    gc.set_threshold(*GC_THRESHOLD)
    gc.freeze()
    _start_io(server)
    server.verifier.shutdown()  # the throwaway PostgreSQL of verify on save, if one was started
    if server.session.index_advice is not None:
        server.session.index_advice.shutdown()  # index checks still queued are dropped
    if server.session.table_sizes is not None:
        server.session.table_sizes.shutdown()
    # LSP: exit after shutdown ends with 0, without it (or when the client went away) with 1
    code = (
        server.exit_code
        if server.exit_code is not None
        else (0 if server.protocol._shutdown else 1)
    )
    sys.exit(code)
