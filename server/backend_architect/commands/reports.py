"""AUTHZ_DESIGN, MICROSERVICE and EVENT_SYSTEM: Markdown reports about the workspace.

AUTHZ_DESIGN and EVENT_SYSTEM read routes (route extraction); MICROSERVICE reads
which modules touch which tables (SQL in the code) and works without routes.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict

from ..core.document import apply_edits
from ..core.findings import Edit
from . import naming
from .base import (
    FileChange,
    Target,
    handler,
    result,
    send_edit,
    show,
    workspace_edit,
    workspace_files,
    write_report,
)
from .frameworks import workspace_routes
from .service import _after_imports, _module_path
from .tables import all_tables

PUBLIC_PATH = re.compile(
    r"(^|/)(health|healthz|ready|readyz|live|livez|metrics|docs|openapi(\.json|\.yaml)?|login|signin|signup|register|logout|auth|token|refresh|password[-_]reset|forgot[-_]password|webhooks?|status|favicon\.ico)(/|$)",
    re.I,
)


def _rel(t: Target, path: str) -> str:
    return os.path.relpath(path, t.root)


# -- AUTHZ_DESIGN ----------------------------------------------------------------------------------


def authz_rows(routes):
    """(doc, route, guards, verdict) per route."""
    rows = []
    for doc, r in routes:
        guards = list(getattr(r, "guards", []) or [])
        if guards:
            verdict = "protected"
        elif PUBLIC_PATH.search(r.path):
            verdict = "public (by its path)"
        elif "{" in r.path:
            verdict = "UNPROTECTED: object access by id without a guard"
        else:
            verdict = "UNPROTECTED"
        rows.append((doc, r, guards, verdict))
    return rows


def permission_map(routes) -> dict[str, dict[str, list[str]]]:
    """resource -> action -> roles seen on its routes (or the admin default)."""
    actions = {
        "GET": "read",
        "HEAD": "read",
        "POST": "create",
        "PUT": "update",
        "PATCH": "update",
        "DELETE": "delete",
    }
    out: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for _, r in routes:
        segs = [
            s
            for s in r.path.split("/")
            if s and not s.startswith(("{", ":")) and not re.fullmatch(r"v\d+|api", s)
        ]
        if not segs or PUBLIC_PATH.search(r.path):
            continue
        res = segs[-1]
        act = actions.get(r.method.upper(), r.method.lower())
        roles = {
            g.split(":", 1)[-1].strip("'\" ")
            for g in getattr(r, "guards", []) or []
            if re.search(r"role|admin|staff|owner", g, re.I)
        }
        out[res][act] |= roles or ({"admin"} if act != "read" else {"member"})
    return {
        res: {act: sorted(roles) for act, roles in acts.items()}
        for res, acts in sorted(out.items())
    }


def permission_module(perms: dict, language: str) -> tuple[str, str]:
    if language == "python":
        lines = [
            '"""Who may do what: one map instead of role strings scattered over handlers."""',
            "",
            "PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {",
        ]
        for res, acts in perms.items():
            lines.append(f"    {res!r}: {{")
            for act, roles in acts.items():
                lines.append(f"        {act!r}: frozenset({roles!r}),")
            lines.append("    },")
        lines += [
            "}",
            "",
            "",
            "def allowed(roles, resource: str, action: str) -> bool:",
            '    """True when one of ``roles`` may do ``action`` on ``resource``."""',
            "    return bool(set(roles) & PERMISSIONS.get(resource, {}).get(action, frozenset()))",
            "",
        ]
        return "permissions.py", "\n".join(lines)
    if language == "go":
        lines = [
            "// Package main: who may do what, one map instead of role strings scattered over handlers.",
            "package main",
            "",
            "var permissions = map[string]map[string][]string{",
        ]
        for res, acts in perms.items():
            lines.append(f'\t"{res}": {{')
            for act, roles in acts.items():
                lines.append(f'\t\t"{act}": {{{", ".join(chr(34) + r + chr(34) for r in roles)}}},')
            lines.append("\t},")
        lines += [
            "}",
            "",
            "// Allowed reports whether one of roles may do action on resource.",
            "func Allowed(roles []string, resource, action string) bool {",
            "\tfor _, want := range permissions[resource][action] {",
            "\t\tfor _, r := range roles {",
            "\t\t\tif r == want {",
            "\t\t\t\treturn true",
            "\t\t\t}",
            "\t\t}",
            "\t}",
            "\treturn false",
            "}",
            "",
        ]
        return "permissions.go", "\n".join(lines)
    lines = [
        "// Who may do what: one map instead of role strings scattered over handlers.",
        "export const PERMISSIONS: Record<string, Record<string, readonly string[]>> = {",
    ]
    for res, acts in perms.items():
        lines.append(f"  {res}: {{")
        for act, roles in acts.items():
            lines.append(f"    {act}: [{', '.join(chr(34) + r + chr(34) for r in roles)}],")
        lines.append("  },")
    lines += [
        "};",
        "",
        "export function allowed(roles: readonly string[], resource: string, action: string): boolean {",
        "  return (PERMISSIONS[resource]?.[action] ?? []).some((r) => roles.includes(r));",
        "}",
        "",
    ]
    return "permissions.ts", "\n".join(lines)


@handler("AUTHZ_DESIGN", need_document=False)
def authz_command(t: Target) -> dict:
    """Report each route's guard, flag the unprotected ones, scaffold a permission map."""
    progress = t.progress
    try:
        routes, _, missing = workspace_routes(t.workspace, t.root, t.progress)
    finally:
        progress.end()
    if missing:
        message = f"AUTHZ_DESIGN: {missing}; no report was written."
        show(t, message)
        return result("AUTHZ_DESIGN", message, routes=0)
    rows = authz_rows(routes)
    unprotected = [x for x in rows if x[3].startswith("UNPROTECTED")]
    md = [
        "# AUTHZ_DESIGN",
        "",
        f"{len(rows)} routes; {len(unprotected)} without a guard.",
        "",
        "| method | path | handler | guard / role | verdict | file |",
        "|---|---|---|---|---|---|",
    ]
    for doc, r, guards, verdict in rows:
        md.append(
            f"| {r.method.upper()} | `{r.path}` | `{getattr(r, 'handler', '')}` | {', '.join(f'`{g}`' for g in guards) or '—'} | {verdict} | {_rel(t, doc.path)}:{doc.line_of(r.start) + 1} |"
        )
    perms = permission_map(routes)
    langs = Counter(doc.language for doc, _ in routes)
    lang = "python" if not langs else langs.most_common(1)[0][0]
    lang = "typescript" if lang in ("javascript", "tsx") else lang
    fname, code = permission_module(perms, lang)
    first_dir = os.path.dirname(routes[0][0].path) if routes else t.root
    target_path = os.path.join(first_dir, fname)
    md += [
        "",
        "## Permission map",
        "",
        "One place that says which roles may do what; handlers ask it instead of comparing role strings.",
        "",
    ]
    fence = {"python": "python", "go": "go"}.get(lang, "ts")
    md += [f"```{fence}", code.rstrip(), "```"]
    out = result(
        "AUTHZ_DESIGN",
        "",
        routes=len(rows),
        unprotected=[f"{r.method.upper()} {r.path}" for _, r, _, _ in unprotected],
    )
    if perms and not os.path.exists(target_path):
        edit = workspace_edit(None, [], [FileChange(target_path, code)])
        send_edit(t, edit, "AUTHZ_DESIGN: permission map")
        out["permissions_path"] = target_path
        md += ["", f"Written to `{_rel(t, target_path)}`."]
    out["report"] = write_report(t, "authz-design", "\n".join(md))
    out["message"] = f"AUTHZ_DESIGN: {len(rows)} routes, {len(unprotected)} unprotected."
    show(t, out["message"])
    return out


# -- MICROSERVICE ---------------------------------------------------------------------------------------

_TABLE_REF = re.compile(
    r"\b(FROM|JOIN|INTO|UPDATE|DELETE\s+FROM)\s+\"?(?:\w+\.)?\"?([A-Za-z_][A-Za-z0-9_]*)", re.I
)
_WRITE = {"INTO", "UPDATE", "DELETE FROM"}


def module_of(root: str, path: str) -> str:
    """The top folder under the root (a package or a service directory), or the file's stem."""
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    parts = rel.split("/")
    if parts[0] in ("src", "app", "internal", "pkg", "server", "lib") and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0] if len(parts) > 1 else os.path.splitext(parts[0])[0]


def table_usage(t: Target, tables: set[str]) -> dict[str, dict[str, Counter]]:
    """module -> {"read": Counter(table), "write": Counter(table)} from the SQL in application code."""
    usage: dict[str, dict[str, Counter]] = defaultdict(
        lambda: {"read": Counter(), "write": Counter()}
    )
    for path in workspace_files(t.root, ("python", "javascript", "typescript", "tsx", "go")):
        doc = t.workspace.read(path)
        if doc is None:
            continue
        mod = module_of(t.root, path)
        for m in _TABLE_REF.finditer(doc.text):
            name = m.group(2).lower()
            if name in tables:
                kind = "write" if re.sub(r"\s+", " ", m.group(1).upper()) in _WRITE else "read"
                usage[mod][kind][name] += 1
    return usage


@handler("MICROSERVICE", need_document=False)
def microservice_command(t: Target) -> dict:
    """Candidate service boundaries from which modules read and write which tables."""
    progress = t.progress
    try:
        tables = all_tables(t.workspace, t.document)
        progress.report("reading the SQL in the code", 30)
        usage = table_usage(t, set(tables))
        routes, _, missing = workspace_routes(t.workspace, t.root)
    finally:
        progress.end()
    owner: dict[str, str] = {}
    for table in sorted(tables):
        writers = Counter({mod: u["write"][table] for mod, u in usage.items() if u["write"][table]})
        readers = Counter({mod: u["read"][table] for mod, u in usage.items() if u["read"][table]})
        best = (writers or readers).most_common(1)
        owner[table] = best[0][0] if best else "(unused)"
    services: dict[str, list[str]] = defaultdict(list)
    for table, mod in sorted(owner.items()):
        services[mod].append(table)
    crossing_reads = []
    for mod, u in sorted(usage.items()):
        for kind in ("read", "write"):
            for table, n in sorted(u[kind].items()):
                if owner.get(table) not in (mod, None):
                    crossing_reads.append((mod, kind, table, owner[table], n))
    crossing_fks = []
    for table, info in sorted(tables.items()):
        for fk in info.foreign_keys:
            cols, ref, refcols = fk.columns, fk.ref_table, fk.ref_columns
            if ref in owner and owner[ref] != owner.get(table):
                crossing_fks.append((table, cols, owner.get(table), ref, refcols, owner[ref]))
    md = [
        "# MICROSERVICE: candidate boundaries",
        "",
        "Each table belongs to the module that writes it most (or reads it, when nobody writes it).",
        "",
    ]
    for mod, tbls in sorted(services.items()):
        mod_routes = [r for doc, r in routes if module_of(t.root, doc.path) == mod]
        md += [f"## {mod}", "", f"- tables: {', '.join(f'`{x}`' for x in tbls)}"]
        if mod_routes:
            md.append(
                f"- routes: {', '.join(f'`{r.method.upper()} {r.path}`' for r in mod_routes[:30])}"
            )
        md.append("")
    md += ["## What crosses the lines", ""]
    if crossing_reads:
        md += ["| module | does | table | owned by | times |", "|---|---|---|---|---|"]
        md += [f"| {m} | {k} | `{tb}` | {o} | {n} |" for m, k, tb, o, n in crossing_reads]
        md += [
            "",
            "Each of these becomes an API call or an event between services (or the boundary moves).",
        ]
    else:
        md.append("No module touches another's tables.")
    md += ["", "### Foreign keys between candidate services", ""]
    if crossing_fks:
        md += [
            f"- `{a}({', '.join(c)})` in {oa} → `{b}({', '.join(rc)})` in {ob}: keep the id, drop the constraint, and sync by events"
            for a, c, oa, b, rc, ob in crossing_fks
        ]
    else:
        md.append("None.")
    if missing:
        md += ["", f"_Routes are not listed: {missing}._"]
    md += [
        "",
        "## Outline",
        "",
        "1. Put each group's tables behind its own repository; other modules call its service, never its tables.",
        "2. Replace the cross-boundary reads with API calls or read models fed by events.",
        "3. Split the database last: one schema per service first, then separate databases.",
    ]
    report = write_report(t, "microservice", "\n".join(md))
    message = f"MICROSERVICE: {len(services)} candidate services for {len(tables)} tables; {len(crossing_reads)} cross-boundary uses, {len(crossing_fks)} foreign keys across."
    show(t, message)
    return result(
        "MICROSERVICE",
        message,
        report=report,
        services={k: v for k, v in services.items()},
        crossing=len(crossing_reads),
        crossing_fks=len(crossing_fks),
    )


# -- EVENT_SYSTEM ------------------------------------------------------------------------------------------

SLOW_CALLS = [
    (
        "email",
        re.compile(
            r"\b(send_mail|send_email|sendmail|smtplib\.SMTP|\w*mail\w*\.send\w*|sendMail|ses\.send_email|sgMail\.send|mailer\.\w+)\s*\("
        ),
    ),
    (
        "webhook / HTTP call",
        re.compile(
            r"\b(requests\.(post|put|get|patch)|httpx\.(post|put|get|patch)|urlopen|fetch|axios\.(post|put|get|patch)|http\.Post|http\.Get|client\.Do)\s*\("
        ),
    ),
    (
        "report / file generation",
        re.compile(
            r"\b(render_pdf|generate_report|pdfkit\.\w+|HTML\(.*\)\.write_pdf|csv\.writer|to_excel|PDFDocument)\s*\("
        ),
    ),
    (
        "image / media processing",
        re.compile(
            r"\b(Image\.open|sharp|ffmpeg\.\w+|subprocess\.(run|call|Popen)|exec\.Command)\s*\("
        ),
    ),
    ("sleep / retry loop", re.compile(r"\b(time\.sleep|setTimeout|time\.Sleep)\s*\(")),
]


def slow_calls(doc, start: int, end: int):
    """(kind, byte start, byte end, call text) of slow work between two byte offsets."""
    text = doc.data[start:end].decode("utf-8", "replace")
    out = []
    for kind, pattern in SLOW_CALLS:
        for m in pattern.finditer(text):
            s = start + len(text[: m.start()].encode("utf-8"))
            out.append((kind, s, s + len(m.group(0).encode("utf-8")), m.group(1)))
    return sorted(out, key=lambda x: x[1])


def _route_at(t: Target, offset: int):
    """The route whose handler holds ``offset`` in the target document (None when unknown)."""
    from .frameworks import routes_of

    for r in routes_of(t.document) or []:
        if r.start <= offset <= r.end:
            return r
    return None


def enqueue_change(t: Target):
    """The move of the selected slow call onto the job queue: (edits, files, plan), or
    (None, None, plan) with the reasons it is not safe; None when no slow call is selected."""
    from . import enqueue

    doc = t.document
    if doc is None or doc.language != "python":
        return None
    plan = enqueue.plan(doc, t.start, _route_at(t, t.start), SLOW_CALLS)
    if plan is None:
        return None
    jobs_path = os.path.join(os.path.dirname(doc.path), "jobs.py")
    jobs_change, why = enqueue.jobs_module_change(jobs_path)
    if why:
        plan.reasons.append(why)
    if not plan.safe:
        return None, None, plan
    _, handler_mod = _module_path(doc.path)
    _, jobs_mod = _module_path(jobs_path)
    if "." not in handler_mod:
        jobs_mod = "jobs"
    edits = list(plan.edits)
    import_line = f"from {jobs_mod} import enqueue\n"
    if import_line not in doc.text:
        off = _after_imports(doc)
        edits.insert(0, Edit(off, off, import_line))
    return edits, [jobs_change] if jobs_change is not None else [], plan


@handler("EVENT_SYSTEM", need_document=False)
def event_system_command(t: Target) -> dict:
    """List the slow work done inside requests; move the selected call onto a job queue."""
    out = result("EVENT_SYSTEM", "")
    change = enqueue_change(t) if t.document is not None and t.end >= t.start else None
    not_moved = None
    if change is not None:
        edits, files, plan = change
        if edits is None:  # not safe: said why, nothing edited
            not_moved = plan
            out.update(
                not_moved={"call": plan.callee, "reasons": plan.reasons},
                where=f"{_rel(t, t.doc.path)}:{t.doc.line_of(t.start) + 1}",
            )
        else:
            edit = workspace_edit(t.doc, edits, files)
            send_edit(t, edit, "EVENT_SYSTEM: enqueue", confirm=True)
            out.update(text=apply_edits(t.doc.text, edits), moved=plan.callee, key=plan.key)
            if plan.response:
                out["response"] = plan.response
    progress = t.progress
    try:
        routes, _, missing = workspace_routes(t.workspace, t.root, t.progress)
    finally:
        progress.end()
    if missing and change is None:
        message = f"EVENT_SYSTEM: {missing}; put the cursor on a slow call (an email, a webhook) in a handler to move it to a job queue."
        show(t, message)
        out["message"] = message
        return out
    found = []
    for doc, r in routes:
        # the registration and the handler it names (a decorator's range ends before the body)
        s = min(getattr(r, "decl_start", None) or r.start, r.start)
        e = max(getattr(r, "decl_end", None) or r.end, r.end)
        for kind, cs, _, callee in slow_calls(doc, s, e):
            found.append((doc, r, kind, cs, callee))
    md = ["# EVENT_SYSTEM: slow work inside requests", ""]
    if found:
        md += ["| route | handler | slow work | call | where |", "|---|---|---|---|---|"]
        for call_doc, r, kind, call_at, callee in found:
            md.append(
                f"| {r.method.upper()} `{r.path}` | `{getattr(r, 'handler', '')}` | {kind} | `{callee}(…)` | {_rel(t, call_doc.path)}:{call_doc.line_of(call_at) + 1} |"
            )
    else:
        md.append(
            "No slow calls found inside request handlers." if not missing else f"_{missing}._"
        )
    md += ["", "## Events and jobs", ""]
    by_route = defaultdict(list)
    for _doc, r, kind, _call, callee in found:
        by_route[(r.method.upper(), r.path, getattr(r, "handler", ""))].append((kind, callee))
    for (method, path, _hname), calls in by_route.items():
        segs = [s for s in path.split("/") if s and not s.startswith(("{", ":"))]
        entity = naming.pascal(naming.singular(segs[-1])) if segs else "Request"
        verb = {"POST": "Created", "PUT": "Updated", "PATCH": "Updated", "DELETE": "Deleted"}.get(
            method, "Requested"
        )
        md.append(
            f"- `{method} {path}` emits **{entity}{verb}**; jobs: "
            + ", ".join(f"`{c}` ({k})" for k, c in calls)
        )
    md += [
        "",
        "## Queue",
        "",
        "The handler commits its transaction, then enqueues (or writes an outbox row in the same transaction for at-least-once delivery). "
        "Workers retry with backoff and are idempotent (a job id per event). Python: RQ or Celery; Node: BullMQ; Go: asynq or a cloud queue.",
    ]
    if "moved" in out:
        md += [
            "",
            f"`{out['moved']}(…)` at the cursor now goes through `enqueue` (jobs.py, an in-process queue to start with)"
            + (
                f", keyed by `{out['key']}`: a key runs once, a failing job is retried."
                if out.get("key")
                else "; no entity id was found in the handler, so the job is keyed by its arguments."
            ),
        ]
        if out.get("response"):
            md.append(f"The response no longer claims the work done: {out['response']}.")
    if not_moved is not None:
        md += [
            "",
            "## Not moved",
            "",
            f"`{not_moved.callee}(…)` at {out['where']} stays in the request:",
            "",
        ]
        md += [f"- {reason}" for reason in not_moved.reasons]
        md += [
            "",
            "Move it by hand: give the job plain values (ids, strings) and let it open its own "
            "connection or session; then run EVENT_SYSTEM on the call again.",
        ]
    out["report"] = write_report(t, "event-system", "\n".join(md))
    out["slow_calls"] = len(found)
    out["message"] = f"EVENT_SYSTEM: {len(found)} slow calls inside {len(by_route)} routes" + (
        f"; moved {out['moved']} onto the job queue." if "moved" in out else "."
    )
    if not_moved is not None:
        out["message"] += (
            f" Did not move {not_moved.callee} ({out['where']}): "
            + "; ".join(not_moved.reasons)
            + "."
        )
    show(t, out["message"])
    return out
