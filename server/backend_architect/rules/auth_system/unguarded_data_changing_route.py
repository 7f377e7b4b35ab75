import re
from collections import Counter, defaultdict

from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES
from ...core.lazy_re import lazy

# permission helpers called in the handler: self.checks.can_manage(), authorize(...), ability.can(...)
INLINE_CHECK_RE = lazy(
    r"\bcan_\w+\(|\.can[A-Z]\w*\(|\.can\(|\bauthori[sz]e\w*\(|\bcheck_?permission|\bensure_\w+\(|\brequire_\w+\(|\bassert_\w+_(?:access|permission)"
)
USER_COLLECTIONS = lazy(r"/(users|accounts|members|customers|signups|registrations)$", re.I)
# what a handler may call and still change nothing: answering the request, reading it
RESPONSE_CALLS = frozenset(
    [
        "json",
        "text",
        "send",
        "sendStatus",
        "status",
        "end",
        "html",
        "body",
        "redirect",
        "header",
        "type",
        "code",
        "render",
        "JSON",
        "String",
        "HTML",
        "Blob",
        "NoContent",
        "Redirect",
        "XML",
        "jsonify",
        "make_response",
        "Response",
        "JSONResponse",
        "JsonResponse",
        "HttpResponse",
        "PlainTextResponse",
        "HTMLResponse",
        "render_template",
        "abort",
        "HTTPException",
        "Ok",
        "Created",
        "Accepted",
        "NoContent",
        "finish",
        "StatusCode",
        "Json",
        "param",
        "query",
        "params",
        "queries",
        "get",
        "Param",
        "Query",
        "Error",
        "toString",
        "String",
        "str",
        "int",
        "dict",
        "list",
        "len",
    ]
)
_NOT_CALLS = frozenset(
    [
        "if",
        "for",
        "while",
        "switch",
        "return",
        "function",
        "func",
        "def",
        "async",
        "await",
        "catch",
        "typeof",
        "new",
        "elif",
        "and",
        "or",
        "not",
        "in",
        "is",
        "with",
        "match",
        "else",
        "fn",
        "lambda",
    ]
)
_STRING_RE = lazy(r"\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`")
_CALL_RE = lazy(r"(?<![\w$])(?:([A-Za-z_$][\w$]*)\s*(?:\.|::)\s*)?([A-Za-z_$][\w$]*)\s*!?\(")
# what a response helper is called on: the response, the context, the request (reading it)
RESPONSE_OBJECTS = frozenset(
    [
        "res",
        "reply",
        "c",
        "ctx",
        "context",
        "w",
        "response",
        "resp",
        "rw",
        "http",
        "HttpResponse",
        "Response",
        "web",
        "req",
        "request",
        "r",
        "echo",
        "fiber",
        "gin",
        "self",
        "this",
    ]
)
_MEMBER_WRITE_RE = lazy(
    r"[\w$\]\)]\s*(?:\.[A-Za-z_$][\w$]*|\[[^\]]*\])\s*(?:[-+*/|&]?=(?!=)|\+\+|--)"
)


class UnguardedDataChangingRoute(Rule):
    """
    ## What it does
    Flags a route that changes data (POST, PUT, PATCH, DELETE) and has no auth
    guard (dependency, decorator, middleware or guard) while other routes of the
    same router, blueprint, controller or group have one.

    ## Why is this bad?
    When most routes of a router require a logged-in caller, the one that does
    not is almost always an omission, and it is the kind anyone on the internet
    can call. Authentication routes (login, signup, password reset, webhooks)
    are not flagged, nor a handler that changes nothing: one that only answers
    (calls nothing but the response helpers and writes no object's field), nor
    one whose handler is also registered for GET (OpenID Connect's userinfo
    takes both: a GET is a read), nor one whose URL carries a secret that is
    the caller's credential (`/checkouts/{client_secret}`).

    ## Example
    ```python
    @router.get("/{id}", dependencies=[Depends(get_current_user)])
    async def get_note(id: int): ...

    @router.delete("/{id}")
    async def delete_note(id: int): ...
    ```

    ## Use instead
    ```python
    @router.delete("/{id}", dependencies=[Depends(get_current_user)])
    async def delete_note(id: int): ...
    ```
    """

    code = "AU001"
    name = "unguarded-data-changing-route"
    command = "AUTH_SYSTEM"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.ERROR
    message = (
        "{method} {path} changes data without an auth guard, while its sibling routes use {guard}"
    )

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        groups = defaultdict(list)
        read_handlers = set()  # handlers also served for GET: reads (a GET changes nothing)
        for h in checks.handlers(ctx):
            groups[h.route.group].append(h)
            if h.route.method == "GET" and re.fullmatch(r"[\w$.]+", h.route.handler or ""):
                read_handlers.add(h.route.handler)  # (a named one: not an inline function)
        for _group, hs in groups.items():
            guarded = [h for h in hs if h.route.guards]
            if not guarded:
                continue
            # the guard most of them use (an edit to one route does not rename it)
            uses = Counter(h.route.guards[0] for h in guarded)
            usual = min(uses, key=lambda g: (-uses[g], g))
            for h in hs:
                r = h.route
                if r.guards or r.method not in ("POST", "PUT", "PATCH", "DELETE"):
                    continue
                if r.handler in read_handlers:
                    continue  # the same handler answers GET: the POST is its other form
                if _CAPABILITY_PARAM.search(r.path or ""):
                    continue  # `/checkouts/{client_secret}`: the secret in the URL is the credential
                if (
                    checks.AUTH_ROUTE_RE.search(r.path + " " + r.handler)
                    or r.method == "POST"
                    and USER_COLLECTIONS.search(r.path)
                ):
                    continue
                body = checks.body_text(h, data)
                if checks.USER_REF_RE.search(body) or INLINE_CHECK_RE.search(body):
                    continue  # checks the caller inline
                if h.node is not None and _changes_nothing(body):
                    continue  # answers with a literal: no store, service or side effect is reached
                if r.method == "POST" and re.search(
                    r"create_?user|createAccount|create_account|register|sign_?up", body, re.I
                ):
                    continue  # account creation is public by design
                yield self.finding(
                    r.decl_start,
                    _line_end(data, r.decl_start, r.decl_end),
                    method=r.method,
                    path=r.path or r.handler,
                    guard=usual,
                )


_CAPABILITY_PARAM = lazy(r"\{\w*(?:secret|token)\w*\}", re.I)


def _changes_nothing(body: str) -> bool:
    """Whether a handler's body calls nothing but the response helpers (and reads the request):
    no store, service, queue or other side effect, and writes no object's field."""
    code = _STRING_RE.sub('""', body)
    code = re.sub(r"(?m)^\s*(?:#|//).*$", "", code)
    if _MEMBER_WRITE_RE.search(code) or re.search(r"(?m)(?:^|[;{\s])(?:del|delete)\s+[\w$]", code):
        return False  # writes or deletes an object's field
    for m in _CALL_RE.finditer(code):
        receiver, name = m.group(1), m.group(2)
        if name in _NOT_CALLS:
            continue
        if name in RESPONSE_CALLS and (receiver is None or receiver in RESPONSE_OBJECTS):
            continue  # (``mailer.send(...)``, ``queue.send(...)``: not an answer)
        before = code[max(0, m.start() - 9) : m.start()]
        if re.search(r"\b(?:def|func|function|fn)\s+$", before):
            continue  # the handler's own declaration
        return False
    return True


def _line_end(data, s, e):
    n = data.find(b"\n", s)
    return e if n < 0 else min(e, n)
