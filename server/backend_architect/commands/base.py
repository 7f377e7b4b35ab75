"""What every command shares: its request (a document and a range in it, the workspace
around it) and its result (edits, new files, a Markdown report, messages).

Commands are pure: they read the request and return what they would change. They
never talk to an editor or write a file; ``lsp/handlers/commands.py`` turns a result
into a ``WorkspaceEdit`` and ``cli_commands.py`` writes it to disk.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..core.document import Document, apply_edits, language_for_path
from ..core.findings import Edit
from ..core.languages import parse
from ..core.workspace import read_document, walk_files
from ..lang import APP_LANGUAGES

if TYPE_CHECKING:
    from ..catalog.model import Catalog
    from ..config import Settings
    from ..core.engine import LintResult

REPORT_DIR = ".backend-architect"


class CommandError(Exception):
    """A command cannot run on this target; the message says why and what to do."""


class Progress(Protocol):
    """Where a long command reports how far it is (the editor's $/progress, or nothing)."""

    def report(self, message: str, percentage: int | None = None) -> None: ...

    def end(self, message: str = "") -> None: ...


class NoProgress:
    def report(self, message: str, percentage: int | None = None) -> None:
        pass

    def end(self, message: str = "") -> None:
        pass


@dataclass
class Workspace:
    """What a command may read besides its target: the project root, its settings and
    schema, the editor's unsaved copies of files, and the findings of a document."""

    root: str
    settings: Settings
    catalog: Catalog | None = None
    # the editor's copy of an open file by path (None: the file on disk is read)
    open_document: Callable[[str], Document | None] | None = None
    # the findings of a document (the server reuses what it already computed)
    analyse: Callable[[Document], LintResult] | None = None
    # the language server is still reading the schema (no catalog yet): a command that
    # found no table says so instead of answering as if there were none
    indexing: bool = False
    # the editor asks the user before applying an edit marked ``needs_confirmation``
    confirms_edits: bool = False

    def read(self, path: str) -> Document | None:
        """The editor's copy of a file when it is open, else the file on disk."""
        if self.open_document is not None:
            doc = self.open_document(path)
            if doc is not None:
                return doc
        doc, _ = read_document(path, self.settings)
        return doc

    def lint(self, doc: Document) -> LintResult:
        if self.analyse is not None:
            return self.analyse(doc)
        from ..core.engine import lint  # the engine loads with the first analysis

        return lint(doc, self.settings, self.catalog)


@dataclass
class FileChange:
    """A whole new file, or byte-range edits of an existing one."""

    path: str
    text: str
    create: bool = True
    edits: list = field(default_factory=list)  # (start, end, text) byte ranges for existing files
    document: Document | None = None


@dataclass
class EditSet:
    """Edits of the target document plus created or edited files."""

    document: Document | None
    edits: list[Edit]
    files: list[FileChange] = field(default_factory=list)
    label: str = ""
    # the change rewrites code the user wrote (not only adds files or the command's own
    # safe fixes): an editor that supports change annotations asks before applying it
    needs_confirmation: bool = False

    def texts(self, base: Callable[[str], str] | None = None) -> dict[str, str]:
        """The complete new text of every file the edit creates or changes."""
        out: dict[str, str] = {}
        if self.document is not None and self.edits:
            out[self.document.path] = apply_edits(self.document.text, self.edits)
        for ch in self.files:
            if ch.create:
                out[ch.path] = ch.text
                continue
            if ch.document is not None:
                old = out.get(ch.path, ch.document.text)
            elif base is not None:
                old = out.get(ch.path) or base(ch.path)
            else:
                continue
            out[ch.path] = apply_edits(old, [Edit(s, e, t) for s, e, t in ch.edits])
        return out


@dataclass
class Report:
    """A file the command produced under ``.backend-architect/`` (a Markdown report, an
    OpenAPI document): written as a whole, and opened in the editor when ``show``."""

    path: str
    text: str
    show: bool = True


@dataclass
class Target:
    """A command's request (what it was invoked on) and, as it runs, what it produces."""

    name: str
    workspace: Workspace
    document: Document | None = None
    start: int = 0
    end: int = 0
    options: dict = field(default_factory=dict)
    progress: Progress = field(default_factory=NoProgress)
    # what the command produced
    edit: EditSet | None = None
    reports: list[Report] = field(default_factory=list)
    messages: list[tuple[str, bool]] = field(default_factory=list)  # (text, is an error)

    @property
    def root(self) -> str:
        root = self.workspace.root
        if root:
            return root
        if self.document is not None and self.document.path != "<memory>":
            return os.path.dirname(self.document.path)
        return os.getcwd()

    @property
    def doc(self) -> Document:
        """The document of a command that works on one (``commands.run`` checks there is one)."""
        if self.document is None:
            raise CommandError(f"{self.name} needs a file: run it from an open editor.")
        return self.document

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    @property
    def catalog(self) -> Catalog | None:
        return self.workspace.catalog

    @property
    def selection(self) -> str:
        if self.document is None:
            return ""
        return self.document.data[self.start : self.end].decode("utf-8", "replace")


@dataclass
class CommandResult:
    """What running a command gave: its JSON answer, the edit to offer, the reports to
    write and the messages to show."""

    data: dict[str, Any]
    edit: EditSet | None = None
    reports: list[Report] = field(default_factory=list)
    messages: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def message(self) -> str:
        return str(self.data.get("message", ""))


# -- workspace files ----------------------------------------------------------------------


def _unreadable_folder(exc: OSError) -> None:
    # the server's log, or stderr on the command line (logging's last-resort handler)
    logging.getLogger(__name__).warning(
        "%s: cannot read this folder (%s); its files are skipped", exc.filename, exc.strerror or exc
    )


def workspace_files(
    root: str, languages: tuple[str, ...] | None = None, limit: int = 5000
) -> Iterator[str]:
    """Paths of analysable files under ``root`` (skipping vendored and hidden folders)."""
    return walk_files(root, languages, limit, on_error=_unreadable_folder)


def project_language(root: str, prefer: str | None = None) -> str:
    """The workspace's main application language (most files), ``python`` when unsure."""
    if prefer in APP_LANGUAGES:
        return prefer
    counts: dict[str, int] = {}
    for path in workspace_files(root, APP_LANGUAGES, limit=2000):
        lang = language_for_path(path) or ""
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


# -- what a command produces ------------------------------------------------------------------


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
    doc: Document | None, doc_edits: list[Edit], changes: list[FileChange] | tuple = ()
) -> EditSet:
    """An edit of ``doc`` plus created or edited files."""
    return EditSet(doc, list(doc_edits or []), list(changes))


def send_edit(t: Target, edit: EditSet, label: str, *, confirm: bool = False) -> None:
    """Offer ``edit`` as the command's change (the editor applies it, the CLI writes it)."""
    edit.label = label
    edit.needs_confirmation = confirm
    t.edit = edit


def write_report(t: Target, slug: str, markdown: str) -> str:
    """The report ``<root>/.backend-architect/<slug>.md`` (written and opened by the caller)."""
    path = os.path.join(t.root, REPORT_DIR, f"{slug}.md")
    t.reports.append(Report(path, markdown if markdown.endswith("\n") else markdown + "\n"))
    return path


def result(name: str, message: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"command": name, "message": message}
    out.update(extra)
    return out


def show(t: Target, message: str, error: bool = False) -> None:
    """A message for the user (a notification in the editor, stderr on the command line)."""
    t.messages.append((message, error))


def handler(name: str, *, need_document: bool = True) -> Callable:
    """Mark ``fn(target) -> dict`` as the implementation of command ``name``; the list of
    commands is ``commands.COMMAND_HANDLERS``."""

    def wrap(fn: Callable) -> Callable:
        # read by commands.run / needs_document and by the registry's test
        fn.command_name = name  # type: ignore[attr-defined]  # a function attribute
        fn.need_document = need_document  # type: ignore[attr-defined]  # a function attribute
        return fn

    return wrap


def line_start(doc: Document, offset: int) -> int:
    """Byte offset where the line holding ``offset`` starts, by the document's own line
    breaks (``\n``, ``\r\n`` or ``\r``; tree-sitter's rows count ``\n`` only)."""
    return doc.line_starts[doc.line_of(offset)]


def next_line_start(doc: Document, offset: int) -> int:
    """Byte offset where the line after the one holding ``offset`` starts (the end of the
    document on its last line)."""
    line = doc.line_of(offset)
    starts = doc.line_starts
    return starts[line + 1] if line + 1 < len(starts) else len(doc.data)


def tree_of(doc: Document, language: str | None = None):
    """The document's tree-sitter tree, parsed once per document version."""
    lang = language or doc.language
    if lang is None:
        raise CommandError(f"{doc.path}: not a language Backend Architect parses.")
    key = ("tree", lang)
    cache = doc._cache
    if key not in cache:
        cache[key] = parse(doc.data, lang)
    return cache[key]
