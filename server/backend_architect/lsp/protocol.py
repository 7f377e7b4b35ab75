"""JSON-RPC and LSP lifecycle rules pygls leaves to the server.

- The server owns the open documents' text (:mod:`.documents`); pygls's workspace
  copy is refreshed from it, so code reading the workspace sees the same text.
- Every request gets an answer: params that do not match the method's type get
  -32602 (InvalidParams), any request after ``shutdown`` gets -32600 (InvalidRequest).
- ``exit`` records the exit code the spec asks for (0 after ``shutdown``, else 1).
- Notifications about documents that were never opened are logged, not raised.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import RPCRequest
from pygls.protocol.language_server import lsp_method

if TYPE_CHECKING:
    from .server import ArchitectServer

log = logging.getLogger(__name__)

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600


class _BadParams:
    """A request whose params could not be read; answered with InvalidParams."""

    def __init__(self, msg_id: Any, method: str, reason: str) -> None:
        self.id = msg_id
        self.method = method
        self.reason = reason


def _reason(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    text = str(cause)
    for sub in getattr(cause, "exceptions", ()) or ():  # cattrs groups the field errors
        text += f"; {sub}"
    return text[:500]


class ArchitectProtocol(LanguageServerProtocol):
    @property
    def _architect(self) -> ArchitectServer:
        """The server this protocol serves, with its document store and session."""
        return cast("ArchitectServer", self._server)

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if (
                isinstance(data, dict)
                and "jsonrpc" in data
                and "id" in data
                and isinstance(data.get("method"), str)
            ):
                return _BadParams(data["id"], data["method"], _reason(exc))
            raise

    def handle_message(self, message):
        if isinstance(message, _BadParams):
            log.warning("invalid params for %s: %s", message.method, message.reason)
            self._send_response(
                message.id,
                error=types.ResponseError(
                    code=INVALID_PARAMS,
                    message=f"invalid params for {message.method}: {message.reason}",
                ),
            )
            return
        if self._shutdown and isinstance(message, RPCRequest) and not hasattr(message, "result"):
            self._send_response(
                message.id,
                error=types.ResponseError(
                    code=INVALID_REQUEST, message=f"{message.method}: the server is shut down"
                ),
            )
            return
        super().handle_message(message)

    def send_plain(self, data: dict) -> None:
        """Send a message that is plain JSON already (no lsprotocol objects in it), encoded
        with orjson: a publishDiagnostics of a large file is hundreds of kilobytes."""
        try:
            import orjson

            body = orjson.dumps(data)
        except Exception:  # no orjson, or text it refuses (a lone surrogate): the usual way
            self._send_data(data)
            return
        if self.writer is None:
            log.error("unable to send data: no transport")
            return
        header = (
            f"Content-Length: {len(body)}\r\n"
            f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        ).encode("ascii")
        try:
            self.writer.write(header + body)
        except BrokenPipeError:
            log.exception("sending data failed: broken pipe")
            raise
        except Exception as error:
            log.exception("sending data failed")
            self._server._report_server_error(error, JsonRpcInternalError)

    def _log(self, message: str) -> None:
        self.notify(
            types.WINDOW_LOG_MESSAGE,
            types.LogMessageParams(type=types.MessageType.Log, message=message),
        )

    # -- lifecycle ------------------------------------------------------------------

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args):
        self._server.exit_code = 0 if self._shutdown else 1
        yield from super().lsp_exit(*args)

    # -- text synchronisation ---------------------------------------------------------

    def _mirror(self, doc) -> None:
        self.workspace.put_text_document(
            types.TextDocumentItem(doc.uri, doc.language_id or "", doc.version or 0, doc.text)
        )

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        self._mirror(self._architect.documents.open(params.text_document))
        if (user_handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield user_handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        doc = self._architect.documents.change(params, self._architect.session.position_encoding)
        if doc is None:
            self._log(f"didChange for {params.text_document.uri}, which is not open: ignored")
            return
        self._mirror(doc)
        if (user_handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield user_handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if self._architect.documents.close(params.text_document.uri) is None:
            self._log(f"didClose for {params.text_document.uri}, which is not open: ignored")
        self.workspace.remove_text_document(params.text_document.uri)
        if (user_handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield user_handler, (params,), None
