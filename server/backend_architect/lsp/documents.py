"""The open documents' text, owned by the server and kept exactly as the editor has it.

didChange edits are applied here, with positions converted by
:class:`~backend_architect.core.document.Document` (LSP line breaks, clamping,
the negotiated position encoding), not by a text model that splits lines another way.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from ..core.document import Document


@dataclass(frozen=True)
class OpenDocument:
    uri: str
    text: str
    version: int | None
    language_id: str | None


def apply_change(text: str, change, encoding: str) -> str:
    """``text`` after one content change (a range edit, or the whole new text)."""
    rng = getattr(change, "range", None)
    if rng is None:
        return change.text
    doc = Document(text)
    start = doc.position_to_offset(rng.start.line, rng.start.character, encoding)
    end = doc.position_to_offset(rng.end.line, rng.end.character, encoding)
    if end < start:  # a reversed range: take it as the span it covers
        start, end = end, start
    data = doc.data
    new = change.text.encode("utf-8", "surrogatepass")
    return (data[:start] + new + data[end:]).decode("utf-8", "surrogatepass")


class DocumentStore:
    """uri -> OpenDocument for every document the editor has open."""

    def __init__(self) -> None:
        self._docs: dict[str, OpenDocument] = {}

    def open(self, item: types.TextDocumentItem) -> OpenDocument:
        doc = OpenDocument(item.uri, item.text, item.version, item.language_id)
        self._docs[item.uri] = doc
        return doc

    def change(
        self, params: types.DidChangeTextDocumentParams, encoding: str
    ) -> OpenDocument | None:
        """The document after the changes, or None when it was never opened."""
        uri = params.text_document.uri
        old = self._docs.get(uri)
        if old is None:
            return None
        text = old.text
        for change in params.content_changes:
            text = apply_change(text, change, encoding)
        doc = OpenDocument(uri, text, params.text_document.version, old.language_id)
        self._docs[uri] = doc
        return doc

    def close(self, uri: str) -> OpenDocument | None:
        return self._docs.pop(uri, None)

    def get(self, uri: str) -> OpenDocument | None:
        return self._docs.get(uri)

    def uris(self) -> list[str]:
        return list(self._docs)

    def __contains__(self, uri: str) -> bool:
        return uri in self._docs
