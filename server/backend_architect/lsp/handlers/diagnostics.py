"""textDocument/publishDiagnostics: lint and publish, tagged with the document version."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from ...core.engine import LintResult
from ...core.findings import Severity
from ...core.registry import rule_by_code
from ..session import SOURCE, Session, Snapshot

LSP_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def diagnostics_for(session: Session, snap: Snapshot) -> list[dict]:
    """The snapshot's findings as LSP Diagnostic objects, in JSON form.

    Built as plain JSON rather than lsprotocol objects: a large file can carry
    hundreds of findings, and converting each through attrs and cattrs would cost
    more than finding them did.
    """
    doc = snap.document
    enc = session.position_encoding
    to_pos = doc.offset_to_position
    version = doc.version
    out = []
    for f in snap.result.findings:
        rule = rule_by_code(f.code)
        data: dict[str, Any] = {"version": version}
        if f.fix is not None:
            data["fix"] = f.fix.to_json()
        sl, sc = to_pos(f.start, enc)
        el, ec = to_pos(f.end, enc)
        severity = LSP_SEVERITY.get(f.severity) if f.severity is not None else None
        diag: dict[str, Any] = {
            "range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}},
            "severity": (severity or types.DiagnosticSeverity.Warning).value,
            "code": f.code,
            "source": SOURCE,
            "message": f.message,
            "data": data,
        }
        if rule is not None:
            diag["codeDescription"] = {"href": rule.doc_url()}
        if f.code == "BA001":
            diag["tags"] = [types.DiagnosticTag.Unnecessary.value]
        out.append(diag)
    if session.drift:
        from .drift import for_path

        out += for_path(session, doc.path)
    if session.verified and doc.path:
        import os

        out += session.verified.get(os.path.abspath(doc.path), [])
    return out


def publish(server, session: Session, snap: Snapshot) -> None:
    params: dict[str, Any] = {
        "uri": snap.document.uri,
        "diagnostics": diagnostics_for(session, snap),
    }
    if snap.document.version is not None:
        params["version"] = snap.document.version
    # the message is plain JSON already: json.dumps writes it directly, with no
    # per-field conversion (a typed notification would walk every value)
    server.protocol._send_data(
        {"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": params}
    )
    report_rule_errors(server, session, snap.result)


def report_rule_errors(server, session: Session, result: LintResult) -> None:
    """Log each failing rule once; the other rules' findings were still published."""
    for err in result.errors:
        if err.code in session.logged_errors:
            continue
        session.logged_errors.add(err.code)
        server.window_log_message(
            types.LogMessageParams(
                type=types.MessageType.Error,
                message=f"rule {err.code} failed on {err.path} and was skipped: {err.error}\n{err.traceback}",
            )
        )


def skipped_notice(server, snap: Snapshot, notified: set) -> None:
    """A skipped document (too large, too deeply nested, binary) has no diagnostics: say why
    once, in the log and in a message."""
    if snap.result.skipped and snap.document.uri not in notified:
        notified.add(snap.document.uri)
        server.window_log_message(
            types.LogMessageParams(
                type=types.MessageType.Info,
                message=f"{snap.document.path}: skipped: {snap.result.skipped}",
            )
        )
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"Backend Architect: {snap.document.path}: {snap.result.skipped}",
            )
        )
