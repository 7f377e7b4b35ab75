"""The server's mutable state, kept apart from the handlers.

Handlers read a snapshot (a Document and its LintResult for one version) and
never mutate it; only the session replaces snapshots.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types

from ..config import Settings
from ..core.document import (
    LANGUAGE_ALIASES,
    Document,
    language_for_path,
    path_to_uri,
    uri_to_path,
)
from ..core.findings import Fix
from . import settings as lsp_settings

if TYPE_CHECKING:
    from .handlers.index_advice import IndexAdvice
    from .handlers.table_sizes import TableSizes
    from ..core.engine import LintResult

log = logging.getLogger(__name__)
SOURCE = "backend-architect"


@dataclass(frozen=True)
class Snapshot:
    document: Document
    result: LintResult
    settings: Settings
    # the project's dependency manifests as analysed (path, mtime, size): fix titles and
    # edits follow them (a limiter or zod already declared, or a new dependency)
    manifests: tuple = ()


def manifests_of(path: str | None) -> tuple:
    """The dependency manifests of the project holding ``path`` (see ``Snapshot.manifests``)."""
    if not path or path.startswith("<"):
        return ()
    from ..app.checks import _manifests

    return _manifests(os.path.dirname(os.path.abspath(path)))


def deps_token(snap: Snapshot) -> str:
    """A short token of the manifests a snapshot was analysed with (diagnostics carry it)."""
    return format(hash(snap.manifests) & 0xFFFFFFFF, "x")


@dataclass
class Session:
    root: str | None = None
    editor_settings: object = None
    settings: Settings = field(default_factory=Settings)
    position_encoding: str = "utf-16"
    catalog: object = None  # the workspace project's schema (built by the indexer)
    catalogs: dict = field(
        default_factory=dict
    )  # nested project root -> its schema (built on first use)
    # builds a nested project's schema in the background (the server's indexer); None: build here
    catalog_requester: Callable[[str], None] | None = None
    snapshots: dict = field(default_factory=dict)  # uri -> Snapshot
    logged_errors: set = field(default_factory=set)
    drift: dict = field(
        default_factory=dict
    )  # path -> schema drift diagnostics (with a database configured)
    verified: dict = field(default_factory=dict)  # path -> what PostgreSQL did (verify on save)
    index_advice: IndexAdvice | None = None  # IX001 checked with HypoPG (handlers/index_advice.py)
    table_sizes: TableSizes | None = None  # MIGRATION findings sized (handlers/table_sizes.py)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def configure(self, editor_raw=None) -> list[str]:
        import sys

        from ..config import _ROOTS

        _ROOTS.clear()  # a config file may have appeared since the last look
        project = sys.modules.get(__name__.rsplit(".", 2)[0] + ".project")
        if project is not None:  # (not imported yet before the first document: nothing to forget)
            project.forget()  # and a manifest, a tool config, a .gitignore entry
        self.catalogs.clear()
        if editor_raw is not None:
            self.editor_settings = editor_raw
        self.settings, warnings = lsp_settings.resolve(self.editor_settings, self.root)
        return warnings

    def document_for(
        self, uri: str, text: str, version: int | None, language_id: str | None
    ) -> Document:
        path = uri_to_path(uri)
        language = language_for_path(path) or LANGUAGE_ALIASES.get((language_id or "").lower())
        return Document(text, path=path, language=language, version=version, uri=uri)

    def file_info(self, document: Document):
        """What the project model says the document is."""
        from ..project import file_info

        key = ("file_info", id(self.settings))
        cached = document._cache.get(key)  # hover and code actions ask again for the same text
        if cached is not None and cached[0] is self.settings:
            return cached[1]
        if not document.path or not os.path.isabs(document.path):
            info = file_info("", self.settings, document.text, language=document.language)
        else:
            info = file_info(
                document.path, self.settings, document.text, language=document.language
            )
        document._cache[key] = (self.settings, info)
        return info

    def catalog_for(self, info) -> object:
        """The schema of the document's own project: the workspace's, or a nested project's."""
        workspace = self.settings.root or self.root
        root = info.project_root
        if root is None or workspace is None or os.path.abspath(root) == os.path.abspath(workspace):
            return self.catalog
        if not os.path.abspath(root).startswith(os.path.abspath(workspace) + os.sep):
            return (
                self.catalog
            )  # a file outside the workspace: the workspace's schema is the best guess
        if root not in self.catalogs and self.catalog_requester is not None:
            self.catalogs[root] = None  # until the background build publishes it
            self.catalog_requester(root)
        elif root not in self.catalogs:
            from ..project import build_catalog

            try:
                self.catalogs[root] = build_catalog(root, self.settings)
            except Exception:  # the document is still checked, without a schema
                log.exception("schema of %s could not be read", root)
                self.catalogs[root] = None
        return self.catalogs[root]

    def analyse(self, document: Document, cancelled=None, whole: bool = False) -> Snapshot:
        """Lint ``document`` and keep the result as its snapshot. ``cancelled``: see
        :func:`~backend_architect.core.engine.lint` (raises ``Cancelled``); ``whole``:
        a full analysis, not an incremental one."""
        from ..core.engine import (
            LintResult,
            lint,
        )  # loaded with the first document: initialize stays quick

        settings = self.settings
        info = self.file_info(document)
        if settings.is_excluded(document.path):
            result = LintResult(document)
        elif info.not_own is not None and info.not_own.kind not in settings.include_generated:
            result = LintResult(
                document
            )  # not the project's own code: `include-generated` checks it
        else:
            old = self.snapshots.get(document.uri)
            catalog = self.catalog_for(info)
            if (
                info.not_own is not None
                and info.not_own.kind == "test data"
                or not info.may_be(("postgres",))
            ):
                catalog = None  # test data, or SQL of another dialect than the schema's
            before = None
            if catalog is not None and info.is_migration and info.project_root:
                from ..project.schema import catalog_before

                before = catalog_before(info.project_root, info.path, settings)
            result = lint(
                document,
                settings,
                catalog,
                previous=old.result if old and not whole else None,
                info=info,
                catalog_before=before,
                history="hint",
                cancelled=cancelled,
            )
        snap = Snapshot(document, result, settings, manifests_of(document.path))
        with self.lock:
            self.snapshots[document.uri] = snap
        return snap

    def snapshot(self, uri: str) -> Snapshot | None:
        return self.snapshots.get(uri)

    def forget(self, uri: str) -> None:
        with self.lock:
            self.snapshots.pop(uri, None)

    # -- conversions ----------------------------------------------------------------

    def range(self, doc: Document, start: int, end: int) -> types.Range:
        enc = self.position_encoding
        sl, sc = doc.offset_to_position(start, enc)
        el, ec = doc.offset_to_position(end, enc)
        return types.Range(types.Position(sl, sc), types.Position(el, ec))

    def offset(self, doc: Document, pos: types.Position) -> int:
        return doc.position_to_offset(pos.line, pos.character, self.position_encoding)

    def text_edits(self, doc: Document, edits) -> list[types.TextEdit]:
        return [types.TextEdit(self.range(doc, e.start, e.end), e.new_text) for e in edits]

    def workspace_edit(self, doc: Document, edits, fix: Fix | None = None) -> types.WorkspaceEdit:
        """A versioned edit of the document, plus any files the fix creates."""
        changes: list = [
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=doc.uri or path_to_uri(doc.path), version=doc.version
                ),
                edits=self.text_edits(doc, edits),
            )
        ]
        if fix is not None:
            base = os.path.dirname(doc.path)
            for nf in fix.new_files:
                target = (
                    nf.path
                    if os.path.isabs(nf.path)
                    else os.path.normpath(os.path.join(base, nf.path))
                )
                uri = path_to_uri(target)
                changes.append(
                    types.CreateFile(
                        uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)
                    )
                )
                changes.append(
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(
                            uri=uri, version=None
                        ),
                        edits=[
                            types.TextEdit(
                                types.Range(types.Position(0, 0), types.Position(0, 0)), nf.text
                            )
                        ],
                    )
                )
        return types.WorkspaceEdit(document_changes=changes)
