"""EVENT_SYSTEM's move of a slow call out of a Python request handler, made only when safe.

The call at the cursor becomes ``enqueue(fn, *args, key=...)`` when the job can run after the
response on its own:

- neither the call's receiver nor its arguments are resources of the request: a connection,
  session, cursor or file opened in the handler (a ``with`` block, a variable later closed), a
  handler parameter that is the request or its database session, Flask's ``request``/``g``, an
  object loaded through the request's session (pass its id instead), an uploaded file;
- its arguments are evaluated now, so the job receives plain values (ids, strings) and opens
  what it needs itself;
- the handler does not use the call's result beyond its response, where a field that reported
  the work done (``"sent": sent``) becomes ``"status": "queued"``.

The job carries an idempotency key made of the event (the route's entity and verb, as the
report names it), the entity id the handler knows (a path parameter, an ``*_id`` variable or
the ``id`` of a created row) and the function; the generated ``jobs.py`` runs a key once,
retries a failing job with backoff and skips a key that already ran. When the move is not
safe, :func:`plan` says why and nothing is edited.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..core.findings import Edit
from ..core.languages import parse
from . import naming

JOBS_PY = '''"""Background jobs: slow work leaves the request and runs on a worker.

``enqueue(fn, *args, key=..., **kwargs)`` returns at once; a worker thread runs the job after
the response. A job is keyed (an idempotency key: the event, the entity id, the job): a key
runs at most once per process, so a retried request or a redelivered job does not send twice,
and a failing job is retried with backoff before it is given up (and logged). Jobs receive
plain values (ids, strings) and open the connections they need themselves.

This in-process queue keeps the request fast today; for work that must survive a restart swap
``enqueue`` for a persistent queue with the same key as its job id (RQ ``job_id``, Celery
``task_id``, an outbox table with a unique key) without touching handlers.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import queue
import threading
import time

log = logging.getLogger(__name__)
ATTEMPTS = 5
BACKOFF_SECONDS = 0.2  # doubled after each failed attempt

_jobs: "queue.Queue[tuple]" = queue.Queue()
_lock = threading.Lock()
_seen: set[str] = set()  # keys queued, running or done
_done: set[str] = set()


def job_key(fn, *args, **kwargs) -> str:
    """A key from the job and its arguments, for jobs enqueued without one."""
    name = (getattr(fn, "__module__", ""), getattr(fn, "__qualname__", fn))
    raw = repr((name, args, sorted(kwargs.items())))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def enqueue(fn, *args, key: str | None = None, **kwargs) -> str:
    """Run ``fn(*args, **kwargs)`` after the response, once per ``key``; returns the key."""
    key = key or job_key(fn, *args, **kwargs)
    with _lock:
        if key in _seen:
            log.info("job %s is already queued or done", key)
            return key
        _seen.add(key)
    _jobs.put((key, fn, args, kwargs))
    return key


def is_done(key: str) -> bool:
    with _lock:
        return key in _done


def drain() -> None:
    """Wait until every queued job has run (tests, shutdown)."""
    _jobs.join()


def _run(key: str, fn, args, kwargs) -> None:
    delay = BACKOFF_SECONDS
    for attempt in range(1, ATTEMPTS + 1):
        try:
            result = fn(*args, **kwargs)
            if inspect.isawaitable(result):  # an async job runs on the worker's own loop
                asyncio.run(result)
        except Exception:
            if attempt == ATTEMPTS:
                name = getattr(fn, "__name__", fn)
                log.exception("job %s (%s) failed %d times; given up", key, name, attempt)
                with _lock:
                    _seen.discard(key)  # may be enqueued again
                return
            log.warning("job %s failed (attempt %d), retrying in %.1fs", key, attempt, delay)
            time.sleep(delay)
            delay *= 2
        else:
            with _lock:
                _done.add(key)
            return


def _work() -> None:
    while True:
        key, fn, args, kwargs = _jobs.get()
        try:
            _run(key, fn, args, kwargs)
        finally:
            _jobs.task_done()


threading.Thread(target=_work, name="jobs", daemon=True).start()
'''
JOBS_MARKER = '"""Background jobs: slow work leaves the request and runs on a worker.'
KEYED_MARKER = "def enqueue(fn, *args, key: str | None = None"

RESOURCE_CALL = re.compile(
    r"(?:^|[.\s(])(?:SMTP(?:_SSL)?|open|connect|Session|SessionLocal|session_scope|sessionmaker|cursor|socket|"
    r"Client|AsyncClient|begin|begin_nested|transaction|atomic|acquire|getconn|get_db|get_session|"
    r"get_connection|NamedTemporaryFile|TemporaryFile|TemporaryDirectory|urlopen|FTP|IMAP4\w*|POP3\w*)\s*\(",
)
RESOURCE_PARAM_NAME = re.compile(
    r"^(request|req|session|db|db_session|conn|connection|cursor|cur|tx|transaction|websocket|ws|file|upload)$"
)
RESOURCE_ANNOTATION = re.compile(
    r"\b(Request|HttpRequest|Session|AsyncSession|Connection|AsyncConnection|Cursor|WebSocket|UploadFile|Transaction)\b"
)
RESOURCE_DEPENDS = re.compile(
    r"Depends\(\s*(get_db|get_session|get_conn\w*|\w*session\w*|\w*db\w*)\b"
)
CLOSE_CALL = re.compile(r"^(close|quit|release|rollback|commit|disconnect|shutdown|terminate)$")
ORM_LOAD = re.compile(
    r"\.(query|get|get_or_404|first|first_or_404|one|one_or_none|scalar|scalars|scalar_one|execute|filter|filter_by|objects|select_related|refresh)\b"
)
FLASK_GLOBALS = ("request", "g", "session")
# a response field that says the moved work happened (``"sent": True``); a generic ``ok`` is left
DONE_KEY = re.compile(
    r"^(sent|delivered|notified|emailed|mailed|published)$|_(sent|delivered|notified|emailed)$"
)


@dataclass
class Plan:
    """The edits of a safe move, or the reasons it is not safe."""

    callee: str
    edits: list[Edit] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    key: str | None = None
    response: str | None = None  # what happened to the response's claim

    @property
    def safe(self) -> bool:
        return not self.reasons


def _text(node, data: bytes) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _short(node, data: bytes) -> str:
    """``smtplib.SMTP(...)`` for a call, the text itself (cut at 60 characters) otherwise."""
    fn = node.child_by_field_name("function") if node.type == "call" else None
    return _text(fn, data)[:60] + "(...)" if fn is not None else _text(node, data)[:60]


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _root_name(node, data: bytes) -> str | None:
    """``smtp`` of ``smtp.sendmail``, ``request`` of ``request.files["x"]``."""
    while node is not None and node.type in ("attribute", "subscript", "call"):
        node = node.child_by_field_name(
            "object"
            if node.type == "attribute"
            else "value"
            if node.type == "subscript"
            else "function"
        )
    return _text(node, data) if node is not None and node.type == "identifier" else None


def _is_reference(node) -> bool:
    """A bare name or attribute chain (the object itself, not a value read from it)."""
    while node is not None and node.type == "attribute":
        node = node.child_by_field_name("object")
    return node is not None and node.type == "identifier"


def _walk(node):
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _enclosing(node, types: tuple[str, ...]):
    while node is not None and node.type not in types:
        node = node.parent
    return node


def resources(fn, data: bytes, before: int, flask: bool) -> dict[str, str]:
    """Names in handler ``fn`` that hold request-scoped resources, with why (as of ``before``)."""
    out: dict[str, str] = {}
    params = fn.child_by_field_name("parameters")
    for p in params.named_children if params is not None else []:
        name_node = p.child_by_field_name("name") if p.type != "identifier" else p
        if name_node is None and p.named_children:
            name_node = p.named_children[0]
        name = _text(name_node, data) if name_node is not None else ""
        ptext = _text(p, data)
        if name and (
            RESOURCE_PARAM_NAME.match(name)
            and ":" not in ptext
            or RESOURCE_ANNOTATION.search(ptext.split("=")[0].partition(":")[2])
            or RESOURCE_DEPENDS.search(ptext)
        ):
            out[name] = (
                f"`{name}` is a handler parameter ({ptext.strip()}) that lives as long as the request"
            )
    if flask:
        for g in FLASK_GLOBALS:
            out.setdefault(g, f"`{g}` is Flask's request-bound `{g}`; it is gone when the job runs")
    for n in _walk(fn):
        if n.start_byte >= before and n.type != "with_statement":
            continue
        if n.type == "with_statement":
            for item in (c for c in _walk(n) if c.type == "as_pattern"):
                target = item.child_by_field_name("alias")
                value = item.named_children[0] if item.named_children else None
                if target is None or value is None:
                    continue
                for name_node in (c for c in _walk(target) if c.type == "identifier"):
                    out[_text(name_node, data)] = (
                        f"`{_text(name_node, data)}` is opened by `with {_short(value, data)} as "
                        f"{_text(target, data)}` (line {_line(data, n.start_byte)}) and closed when the block "
                        "ends, before the job runs"
                    )
        elif n.type == "assignment":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is None or right is None or left.type != "identifier":
                continue
            name, value = _text(left, data), _text(right, data)
            if right.type in ("call", "await") and RESOURCE_CALL.search(" " + value):
                out[name] = (
                    f"`{name}` is opened in the handler (`{_short(right, data)}`, line {_line(data, n.start_byte)}) for this request"
                )
            elif (
                right.type in ("call", "await")
                and ORM_LOAD.search(value)
                and re.search(r"\b(db|session|Session|objects|query|repo\w*|store)\b", value)
            ):
                out[name] = (
                    f"`{name}` is loaded through the request's database session (`{value[:60]}`, line "
                    f"{_line(data, n.start_byte)}); pass its id and load it in the job"
                )
    for n in _walk(fn):  # x.close() / x.quit() anywhere in the handler
        if n.type == "call":
            f = n.child_by_field_name("function")
            if f is not None and f.type == "attribute":
                attr = f.child_by_field_name("attribute")
                obj = f.child_by_field_name("object")
                if (
                    attr is not None
                    and obj is not None
                    and obj.type == "identifier"
                    and CLOSE_CALL.match(_text(attr, data))
                ):
                    name = _text(obj, data)
                    why = out.get(name, f"`{name}` is a resource of the handler")
                    out[name] = (
                        f"{why}; the handler closes it (`{_text(n, data)}`, line {_line(data, n.start_byte)})"
                    )
    return out


def _entity_id(fn, data: bytes, before: int, params: list[str]) -> str | None:
    """The id of the event's entity the handler knows at ``before``: a path parameter, a local
    ``*_id`` or ``id``, or the ``id`` of a row it created (``row["id"]`` / ``row.id``)."""
    for p in params:
        if p == "id" or p.endswith("_id"):
            return p
    body = fn.child_by_field_name("body")
    last = None
    for n in _walk(body) if body is not None else []:
        if n.type == "assignment" and n.end_byte <= before:
            left = n.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                name = _text(left, data)
                if name == "id" or name.endswith("_id"):
                    last = name
    if last:
        return last
    text = _text(fn, data)
    m = re.search(r"\b(\w+)\[\s*['\"]id['\"]\s*\]|\b(\w+)\.id\b", text)
    if m:
        name = m.group(1) or m.group(2)
        if re.search(
            r"\b" + re.escape(name) + r"\s*=",
            data[fn.start_byte : before].decode("utf-8", "replace"),
        ):
            return f'{name}["id"]' if m.group(1) else f"{name}.id"
    return None


def event_name(method: str, path: str) -> str:
    segs = [s for s in path.split("/") if s and not s.startswith(("{", ":", "<"))]
    entity = naming.pascal(naming.singular(segs[-1])) if segs else "Request"
    verb = {"POST": "Created", "PUT": "Updated", "PATCH": "Updated", "DELETE": "Deleted"}.get(
        method.upper(), "Requested"
    )
    return entity + verb


def plan(doc, offset: int, route=None, slow=None) -> Plan | None:
    """The move of the slow call at ``offset`` (None when there is no call statement there)."""
    data = doc.data
    tree = parse(data, "python")
    node = tree.root_node.descendant_for_byte_range(offset, offset)
    call = _enclosing(node, ("call",))
    # the call the statement makes: the cursor may sit on a call inside its arguments
    while call is not None and call.parent is not None:
        up = (
            call.parent.parent
            if call.parent.type in ("await", "argument_list", "keyword_argument")
            else None
        )
        if up is not None and up.type == "keyword_argument":
            up = up.parent
        if up is not None and up.type == "argument_list":
            up = up.parent
        if up is None or up.type != "call":
            break
        call = up
    if call is None:
        return None
    stmt = call.parent
    if stmt is not None and stmt.type == "await":
        stmt = stmt.parent
    if stmt is None or stmt.type not in ("expression_statement", "assignment"):
        return None
    target = None
    if stmt.type == "assignment":
        left = stmt.child_by_field_name("left")
        if (
            left is None
            or left.type != "identifier"
            or stmt.child_by_field_name("right") not in (call, call.parent)
        ):
            return None
        target = _text(left, data)
        stmt = (
            stmt.parent
            if stmt.parent is not None and stmt.parent.type == "expression_statement"
            else stmt
        )
    fn_node = call.child_by_field_name("function")
    args_node = call.child_by_field_name("arguments")
    if fn_node is None or args_node is None:
        return None
    callee = _text(fn_node, data)
    if slow is not None and not any(p.search(callee + "(") for _, p in slow):
        return None
    out = Plan(callee)
    handler = _enclosing(call, ("function_definition",))
    if handler is None:
        out.reasons.append(f"`{callee}` is not inside a function")
        return out
    flask = bool(re.search(rb"from flask import[^\n]*\brequest\b", data))
    res = resources(handler, data, call.start_byte, flask)
    receiver = _root_name(fn_node, data) if fn_node.type == "attribute" else None
    if receiver in res:
        out.reasons.append(f"the call's receiver {res[receiver]}")
    elif receiver == "self":  # a class-based view: its object holds the request's state
        out.reasons.append(
            f"`{callee}` is reached through the view object (`self`), which holds this request's "
            "state (its session, its user); call a module-level function with plain values instead"
        )
    for arg in args_node.named_children:
        value = arg.child_by_field_name("value") if arg.type == "keyword_argument" else arg
        if value is None or arg.type == "comment":
            continue
        if arg.type in ("list_splat", "dictionary_splat"):
            value = arg.named_children[0] if arg.named_children else value
        root = _root_name(value, data)
        if root in res and _is_reference(value):
            out.reasons.append(f"the argument `{_text(value, data)[:60]}`: {res[root]}")
        elif root in res and re.search(r"\.(files|stream)\b", _text(value, data)):
            out.reasons.append(
                f"the argument `{_text(value, data)[:60]}` is an upload of the request; save it and pass its path or id"
            )
        for n in _walk(value):
            if n.type == "lambda":
                out.reasons.append(
                    f"the argument `{_text(value, data)[:60]}` is a function; the job needs plain values"
                )
                break
    # the call's result: only a response field may read it
    rest_start = stmt.end_byte
    uses = []
    if target:
        for n in _walk(handler):
            if n.type == "identifier" and n.start_byte >= rest_start and _text(n, data) == target:
                uses.append(n)
    claims: list[tuple[int, int, str]] = []
    for u in uses:
        pair = u.parent
        if pair is not None and pair.type == "pair" and pair.child_by_field_name("value") == u:
            key_node = pair.child_by_field_name("key")
            claims.append(
                (pair.start_byte, pair.end_byte, _text(key_node, data) if key_node else "")
            )
        else:
            out.reasons.append(
                f"the handler uses the call's result `{target}` (line {_line(data, u.start_byte)}), which is not known before the job runs"
            )
    if receiver is None and fn_node.type == "attribute" and not re.fullmatch(r"[\w.]+", callee):
        out.reasons.append(f"`{callee}` is not a plain function the job can call")
    if out.reasons:
        out.reasons = list(dict.fromkeys(out.reasons))
        return out
    # response fields that claim the work done without reading the result: "sent": True
    for n in _walk(handler):
        if n.type == "pair" and n.start_byte >= rest_start:
            k, v = n.child_by_field_name("key"), n.child_by_field_name("value")
            if (
                k is not None
                and v is not None
                and _text(v, data) == "True"
                and DONE_KEY.search(_text(k, data).strip("'\""))
            ):
                claims.append((n.start_byte, n.end_byte, _text(k, data)))
    params = _param_names(handler, data)
    method, path = (route.method, route.path) if route is not None else ("POST", "/")
    event = event_name(method, path)
    job = callee.rsplit(".", 1)[-1]
    entity = _entity_id(handler, data, call.start_byte, params)
    key = f'f"{event}:{{{entity}}}:{job}"' if entity else None
    out.key = key
    args = _text(args_node, data)[1:-1].strip().rstrip(",")
    call_text = f"enqueue({callee}{', ' + args if args else ''}{', key=' + key if key else ''})"
    if stmt.type == "assignment" or target:
        out.edits.append(Edit(stmt.start_byte, stmt.end_byte, call_text))
    else:
        out.edits.append(Edit(call.start_byte, call.end_byte, call_text))
    if call.parent is not None and call.parent.type == "await" and not target:
        out.edits[-1] = Edit(call.parent.start_byte, call.end_byte, call_text)  # enqueue is sync
    for s, e, k in sorted(set(claims)):
        quote = '"' if not k.startswith("'") else "'"
        siblings = _dict_keys(tree, data, s)
        new_key = "status" if "status" not in siblings else k.strip("'\"")
        out.edits.append(Edit(s, e, f"{quote}{new_key}{quote}: {quote}queued{quote}"))
        out.response = f"`{k}` → `{new_key}: queued`"
    return out


def _dict_keys(tree, data: bytes, offset: int) -> set[str]:
    node = tree.root_node.descendant_for_byte_range(offset, offset)
    d = _enclosing(node, ("dictionary",))
    keys = set()
    for p in d.named_children if d is not None else []:
        k = p.child_by_field_name("key") if p.type == "pair" else None
        if k is not None:
            keys.add(_text(k, data).strip("'\""))
    return keys


def _param_names(fn, data: bytes) -> list[str]:
    params = fn.child_by_field_name("parameters")
    names = []
    for p in params.named_children if params is not None else []:
        n = (
            p
            if p.type == "identifier"
            else p.child_by_field_name("name")
            or (p.named_children[0] if p.named_children else None)
        )
        if n is not None and n.type == "identifier":
            names.append(_text(n, data))
    return names


def jobs_module_change(jobs_path: str):
    """(FileChange or None, reason or None): the keyed jobs module next to the handler. An
    earlier generated module without keys is replaced; a module of the user's is left alone
    unless it has the keyed ``enqueue``."""
    from .base import FileChange

    if not os.path.exists(jobs_path):
        return FileChange(jobs_path, JOBS_PY), None
    try:
        with open(jobs_path, encoding="utf-8") as f:
            current = f.read()
    except OSError as e:
        return None, f"{jobs_path} cannot be read ({e.strerror})"
    if KEYED_MARKER in current:
        return None, None
    if current.startswith(JOBS_MARKER):  # the module generated before jobs were keyed
        from ..core.document import Document

        whole = [(0, len(current.encode("utf-8")), JOBS_PY)]
        old = Document(current, path=jobs_path)
        return FileChange(jobs_path, JOBS_PY, create=False, edits=whole, document=old), None
    return None, (
        f"{os.path.basename(jobs_path)} exists and its `enqueue` takes no idempotency key; "
        "give it a `key` parameter (or remove it to get the generated one)"
    )
