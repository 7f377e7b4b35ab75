"""textDocument/publishDiagnostics: lint and publish, tagged with the document version."""

from __future__ import annotations

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


def diagnostics_for(session: Session, snap: Snapshot) -> list[types.Diagnostic]:
    doc = snap.document
    out = []
    for f in snap.result.findings:
        rule = rule_by_code(f.code)
        data = {"version": doc.version}
        if f.fix is not None:
            data["fix"] = f.fix.to_json()
        out.append(
            types.Diagnostic(
                range=session.range(doc, f.start, f.end),
                message=f.message,
                severity=LSP_SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
                code=f.code,
                code_description=types.CodeDescription(href=rule.doc_url()) if rule else None,
                source=SOURCE,
                data=data,
                tags=[types.DiagnosticTag.Unnecessary] if f.code == "BA001" else None,
            )
        )
    return out


def publish(server, session: Session, snap: Snapshot) -> None:
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=snap.document.uri,
            version=snap.document.version,
            diagnostics=diagnostics_for(session, snap),
        )
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
    if snap.result.skipped and snap.document.uri not in notified:
        notified.add(snap.document.uri)
        server.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"Backend Architect: {snap.document.path}: {snap.result.skipped}",
            )
        )
