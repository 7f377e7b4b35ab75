"""textDocument/publishDiagnostics: lint and publish, tagged with the document version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ...core.findings import Severity, common_prefix_len, common_suffix_len
from ...core.registry import rule_by_code
from ..session import SOURCE, Session, Snapshot, deps_token

if TYPE_CHECKING:
    from ...core.engine import LintResult

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
    more than finding them did. Each finding keeps the JSON made for it: an
    incremental analysis hands the same finding objects on for the text before an
    edit, whose positions did not move; the findings it moved after the edit carry
    their old JSON along, and on lines the edit did not touch only their line numbers
    change. Only the findings on the edited lines are converted again.
    """
    doc = snap.document
    enc = session.position_encoding
    to_pos = doc.offset_to_position
    version = doc.version
    deps = deps_token(snap)  # a fix carried in the data is for these manifests only
    token = object()
    last = _PUBLISHED.get(doc.uri) if doc.uri else None
    same_until = -1
    clean_from = len(doc.data) + 1  # lines from here on are the same as in the last text
    line_delta = delta = 0
    if last is not None and last[2] == enc:
        old, new = last[1], doc.data
        same_until = common_prefix_len(old, new)
        if b"\r" not in old and b"\r" not in new:
            suffix = common_suffix_len(old, new, min(len(old), len(new)) - same_until)
            start = len(new) - suffix
            k = new.find(b"\n", start - 1) if start > 0 else -1
            clean_from = k + 1 if k >= 0 or start == 0 else clean_from
            line_delta = new.count(b"\n") - old.count(b"\n")
            delta = len(new) - len(old)
    out = []
    findings = snap.result.findings
    if session.index_advice is not None:  # IX001 checked with HypoPG (in the background)
        findings = session.index_advice.findings(session, snap)
    if session.table_sizes is not None:  # MIGRATION findings sized (database.size-migrations)
        findings = session.table_sizes.findings(snap, findings)
    for f in findings:
        cached = f.__dict__.get("_lsp")
        moved = None if cached is not None else f.__dict__.get("_lsp_moved")
        if (
            cached is not None
            and last is not None
            and cached[0] is last[0]
            and f.end < same_until
            and cached[3] is f.fix
            and cached[4] is f.severity
        ):
            diag, fix = cached[1], cached[2]
        elif (
            moved is not None
            and last is not None
            and moved[0] is last[0]
            and f.start >= clean_from
            and moved[5] == (f.start - delta, f.end - delta)
            and moved[4] is f.severity
        ):
            # a finding after the edit, moved with the text: same columns, lines moved
            diag = moved[1].copy()
            r = diag["range"]
            diag["range"] = {
                "start": {
                    "line": r["start"]["line"] + line_delta,
                    "character": r["start"]["character"],
                },
                "end": {"line": r["end"]["line"] + line_delta, "character": r["end"]["character"]},
            }
            fix = f.fix.to_json() if f.fix is not None else None
        else:
            diag = _diagnostic(f, to_pos, enc)
            fix = f.fix.to_json() if f.fix is not None else None
        f.__dict__["_lsp"] = (token, diag, fix, f.fix, f.severity, (f.start, f.end))
        full = diag.copy()
        full["data"] = (
            {"version": version, "fix": fix, "deps": deps}
            if fix is not None
            else {"version": version}
        )
        out.append(full)
    if doc.uri:
        _PUBLISHED[doc.uri] = (token, doc.data, enc)
        while len(_PUBLISHED) > 64:
            del _PUBLISHED[next(iter(_PUBLISHED))]
    if session.drift:
        from .drift import for_path

        out += for_path(session, doc.path)
    if session.verified and doc.path:
        import os

        out += session.verified.get(os.path.abspath(doc.path), [])
    return out


# uri -> (token of the last conversion, the text it was made for, position encoding)
_PUBLISHED: dict[str, tuple] = {}


def _diagnostic(f, to_pos, enc: str) -> dict:
    rule = rule_by_code(f.code)
    sl, sc = to_pos(f.start, enc)
    el, ec = to_pos(f.end, enc)
    diag = {
        "range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}},
        "severity": LSP_SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning).value,
        "code": f.code,
        "source": SOURCE,
        "message": f.message,
    }
    if rule is not None:
        href = _HREFS.get(f.code)
        if href is None:
            href = _HREFS[f.code] = rule.doc_url()
        diag["codeDescription"] = {"href": href}
    if f.code == "BA001":
        diag["tags"] = [types.DiagnosticTag.Unnecessary.value]
    return diag


_HREFS: dict[str, str] = {}  # rule code -> its documentation's address


def publish(server, session: Session, snap: Snapshot) -> None:
    params: dict[str, Any] = {
        "uri": snap.document.uri,
        "diagnostics": diagnostics_for(session, snap),
    }
    if snap.document.version is not None:
        params["version"] = snap.document.version
    # the message is plain JSON already: json.dumps writes it directly, with no
    # per-field conversion (a typed notification would walk every value)
    message = {
        "jsonrpc": "2.0",
        "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        "params": params,
    }
    send = getattr(server.protocol, "send_plain", None) or server.protocol._send_data
    send(message)
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
