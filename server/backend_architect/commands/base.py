"""What every command shares: its target, edits sent with workspace/applyEdit,
Markdown reports opened with window/showDocument, and $/progress.

Handlers run on the server's event loop, so they never wait for the client's
answer to a request they send (that would deadlock); the edit or report is
also returned in the command's result so the CLI and tests can read it.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

from lsprotocol import types

from ..cli import SKIP_DIRS, read_document
from ..core.document import Document, language_for_path, path_to_uri, uri_to_path

REPORT_DIR = ".backend-architect"
APP_LANGUAGES = ("python", "typescript", "tsx", "javascript", "go")


class CommandError(Exception):
    """A command cannot run on this target; the message says why and what to do."""


@dataclass
class Target:
    """What the command was invoked on: a document and a byte range in it (or none)."""

    name: str
    server: object
    session: object
    document: Document | None = None
    start: int = 0
    end: int = 0
    options: dict = field(default_factory=dict)

    @property
    def root(self) -> str:
        root = getattr(self.session, "root", None) or getattr(self.session.settings, "root", None)
        if root:
            return root
        if self.document is not None and self.document.path != "<memory>":
            return os.path.dirname(self.document.path)
        return os.getcwd()

    @property
    def selection(self) -> str:
        if self.document is None:
            return ""
        return self.document.data[self.start : self.end].decode("utf-8", "replace")


def target(server, session, name: str, args: list, *, need_document: bool = True) -> Target:
    """The command's target from ``[{"uri", "range", "version"}]`` (range and version optional)."""
    arg = args[0] if args and isinstance(args[0], dict) else {}
    uri = arg.get("uri") or arg.get("textDocument", {}).get("uri")
    t = Target(name, server, session, options=arg)
    if not uri:
        if need_document:
            raise CommandError(
                f'{name} needs a file: run it from an open editor (arguments: [{{"uri": ...}}]).'
            )
        return t
    text_doc = None
    workspace = getattr(server, "workspace", None)
    if workspace is not None:
        try:
            text_doc = workspace.get_text_document(uri)
            source = text_doc.source
        except Exception:
            text_doc = None
    if text_doc is not None:
        doc = session.document_for(uri, source, text_doc.version, text_doc.language_id)
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
        t.start = doc.position_to_offset(
            rng["start"]["line"], rng["start"]["character"], session.position_encoding
        )
        t.end = doc.position_to_offset(
            rng["end"]["line"], rng["end"]["character"], session.position_encoding
        )
        if t.end < t.start:
            t.start, t.end = t.end, t.start
    return t


def invocation_args(session, doc: Document, start: int, end: int) -> list:
    """The arguments a code action passes to its command."""
    return [
        {
            "uri": doc.uri,
            "range": _json_range(session.range(doc, start, end)),
            "version": doc.version,
        }
    ]


def _json_range(r: types.Range) -> dict:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


# -- workspace files ----------------------------------------------------------------------


def _unreadable_folder(exc: OSError) -> None:
    # the server's log, or stderr on the command line (logging's last-resort handler)
    import logging

    logging.getLogger(__name__).warning(
        "%s: cannot read this folder (%s); its files are skipped", exc.filename, exc.strerror or exc
    )


def workspace_files(root: str, languages: tuple[str, ...] | None = None, limit: int = 5000):
    """Paths of analysable files under ``root`` (skipping vendored and hidden folders)."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(root, onerror=_unreadable_folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fname in sorted(filenames):
            path = os.path.join(dirpath, fname)
            lang = language_for_path(path)
            if lang is None or languages is not None and lang not in languages:
                continue
            yield path
            count += 1
            if count >= limit:
                return


def open_or_read(session, path: str, server=None) -> Document | None:
    """The editor's copy of a file when it is open, else the file on disk."""
    uri = path_to_uri(path)
    workspace = getattr(server, "workspace", None) if server is not None else None
    if workspace is not None and uri in getattr(workspace, "text_documents", {}):
        td = workspace.get_text_document(uri)
        return session.document_for(uri, td.source, td.version, td.language_id)
    doc, _ = read_document(path, session.settings)
    return doc


def project_language(root: str, prefer: str | None = None) -> str:
    """The workspace's main application language (most files), ``python`` when unsure."""
    if prefer in APP_LANGUAGES:
        return prefer
    counts: dict[str, int] = {}
    for path in workspace_files(root, APP_LANGUAGES, limit=2000):
        lang = language_for_path(path)
        lang = "typescript" if lang == "tsx" else lang
        counts[lang] = counts.get(lang, 0) + 1
    if not counts:  # nothing written yet: the manifest says
        if os.path.isfile(os.path.join(root, "go.mod")):
            return "go"
        if os.path.isfile(os.path.join(root, "tsconfig.json")):
            return "typescript"
        if os.path.isfile(os.path.join(root, "package.json")):
            return "javascript"
        return "python"
    return max(sorted(counts), key=lambda k: counts[k])


def workspace_text(root: str, languages: tuple[str, ...], limit_bytes: int = 4_000_000) -> str:
    """Concatenated sources (for import sniffing), bounded."""
    parts: list[str] = []
    total = 0
    for path in workspace_files(root, languages, limit=1000):
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(200_000)
        except OSError:
            continue
        parts.append(text)
        total += len(text)
        if total > limit_bytes:
            break
    for extra in ("package.json", "go.mod", "requirements.txt", "pyproject.toml"):
        p = os.path.join(root, extra)
        if os.path.isfile(p) and languages != ("sql",):
            try:
                with open(p, encoding="utf-8", errors="replace") as fh:
                    parts.append(fh.read(200_000))
            except OSError:
                pass
    return "\n".join(parts)


# -- edits -----------------------------------------------------------------------------------


@dataclass
class FileChange:
    """A whole new file, or text appended to / replacing a range of an existing one."""

    path: str
    text: str
    create: bool = True
    edits: list = field(default_factory=list)  # (start, end, text) byte ranges for existing files
    document: Document | None = None


def unique_path(path: str) -> str:
    """``path`` or, when it exists, ``name_2.ext``, ``name_3.ext``..."""
    if not os.path.exists(path):
        return path
    stem, ext = os.path.splitext(path)
    n = 2
    while os.path.exists(f"{stem}_{n}{ext}"):
        n += 1
    return f"{stem}_{n}{ext}"


def workspace_edit(
    session, doc: Document | None, doc_edits, changes: list[FileChange] = ()
) -> types.WorkspaceEdit:
    """A versioned edit of ``doc`` plus created or edited files."""
    out: list = []
    if doc is not None and doc_edits:
        out.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=doc.uri, version=doc.version
                ),
                edits=session.text_edits(doc, doc_edits),
            )
        )
    for ch in changes:
        uri = path_to_uri(ch.path)
        if ch.create:
            out.append(
                types.CreateFile(
                    uri=uri,
                    options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
                )
            )
            out.append(
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
        else:
            d = ch.document
            from ..core.findings import Edit

            out.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=d.uri, version=d.version
                    ),
                    edits=session.text_edits(d, [Edit(s, e, t) for s, e, t in ch.edits]),
                )
            )
    return types.WorkspaceEdit(document_changes=out)


def to_json(obj):
    from lsprotocol.converters import get_converter

    return get_converter().unstructure(obj)


def send_edit(t: Target, edit: types.WorkspaceEdit, label: str) -> None:
    """workspace/applyEdit without waiting for the answer (see the module docstring)."""
    server = t.server
    if server is None or not hasattr(server, "workspace_apply_edit"):
        return
    server.workspace_apply_edit(types.ApplyWorkspaceEditParams(edit=edit, label=label))


# -- reports -----------------------------------------------------------------------------------


def write_report(t: Target, slug: str, markdown: str) -> str:
    """Write ``<root>/.backend-architect/<slug>.md`` and open it in the editor when it can."""
    from ..core.files import write_text

    path = os.path.join(t.root, REPORT_DIR, f"{slug}.md")
    write_text(
        path, markdown if markdown.endswith("\n") else markdown + "\n"
    )  # atomic; raises WriteError
    if client_can_show_document(t.server):
        t.server.window_show_document(
            types.ShowDocumentParams(uri=path_to_uri(path), take_focus=True)
        )
    return path


def client_can_show_document(server) -> bool:
    caps = getattr(server, "client_capabilities", None)
    window = getattr(caps, "window", None) if caps is not None else None
    return bool(
        window is not None and window.show_document is not None and window.show_document.support
    )


class Progress:
    """$/progress for a long command; silent when the client cannot show it."""

    def __init__(self, server, title: str) -> None:
        self.server = server
        self.token = None
        caps = getattr(server, "client_capabilities", None)
        window = getattr(caps, "window", None) if caps is not None else None
        if window is not None and window.work_done_progress:
            self.token = f"backend-architect/{uuid.uuid4()}"
            server.work_done_progress.create(self.token)
            server.work_done_progress.begin(
                self.token,
                types.WorkDoneProgressBegin(title=title, cancellable=False, percentage=0),
            )

    def report(self, message: str, percentage: int | None = None) -> None:
        if self.token is not None:
            self.server.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def end(self, message: str = "") -> None:
        if self.token is not None:
            self.server.work_done_progress.end(
                self.token, types.WorkDoneProgressEnd(message=message)
            )
            self.token = None


def result(name: str, message: str, **extra) -> dict:
    out = {"command": name, "message": message}
    out.update(extra)
    return out


def show(t: Target, message: str, error: bool = False) -> None:
    server = t.server
    if server is not None and hasattr(server, "window_show_message"):
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Error if error else types.MessageType.Info,
                message=f"Backend Architect: {message}",
            )
        )


def handler(name: str, *, need_document: bool = True):
    """Register ``fn(target) -> dict`` as the workspace/executeCommand handler of ``name``."""
    from . import register

    def wrap(fn):
        def run(server, session, args):
            try:
                t = target(server, session, name, list(args or []), need_document=need_document)
                return fn(t)
            except CommandError as exc:
                t = Target(name, server, session)
                show(t, str(exc))
                return result(name, str(exc), applied=False)

        run.__doc__ = fn.__doc__
        register(name)(run)
        fn.run = run
        return fn

    return wrap


def tree_of(doc: Document, language: str | None = None):
    """The document's tree-sitter tree, parsed once per document version."""
    from ..core.languages import parse

    lang = language or doc.language
    key = ("tree", lang)
    cache = doc._cache
    if key not in cache:
        cache[key] = parse(doc.data, lang)
    return cache[key]
