import re

from backend_architect.app import checks
from backend_architect.core import languages
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES, named_args, string_value, text
from ...core.lazy_re import lazy

PY = [
    (lazy(r"^(smtplib\.)?SMTP(_SSL)?$"), "sends email over SMTP"),
    (
        lazy(
            r"^(django\.core\.mail\.)?(send_mail|send_mass_mail)$|^\w*mail\.send$|^yag\.send$|^sg\.send$|^\w*sendgrid\w*\.send$"
        ),
        "sends email",
    ),
    (lazy(r"^(time\.)?sleep$"), "sleeps"),
    (
        lazy(
            r"^pdfkit\.from_\w+$|\.write_pdf$|^canvas\.Canvas$|^render_to_pdf$|^(generate|build|render|create)_(pdf|report|invoice|export)\w*$"
        ),
        "generates a document",
    ),
]
PY_HTTP = lazy(r"^(requests|httpx)\.(post|put|patch)$")
JS = [
    (
        lazy(
            r"\.sendMail$|^sgMail\.send$|^resend\.emails\.send$|\.messages\.create$|^ses\.sendEmail$|^sendEmail$"
        ),
        "sends email",
    ),
    (
        lazy(r"^puppeteer\.launch$|^pdf\.create$|^generate(Pdf|PDF|Report|Invoice)\w*$"),
        "generates a document",
    ),
]
GO = [
    (lazy(r"^smtp\.SendMail$"), "sends email over SMTP"),
    (lazy(r"^time\.Sleep$"), "sleeps"),
    (lazy(r"^gofpdf\.New$|^wkhtmltopdf\.\w+$"), "generates a document"),
]
# a Go call is flagged only when its callee's text is one GO names or http.Post(Form): each
# contains one of these words, so a file without any of them has nothing to flag
GO_WORDS = (b"SendMail", b"Sleep", b"gofpdf", b"wkhtmltopdf", b"http.Post")
HOOK_RE = lazy(r"hook|callback|slack|discord|notify|teams|zapier|url", re.I)
DEFERRED = lazy(
    r"add_task|delay|apply_async|enqueue|send_task|background|defer|setImmediate|queue|schedule|run_in_executor|create_task|ensure_future|to_thread",
    re.I,
)


class SlowWorkInRequest(Rule):
    """
    ## What it does
    Flags slow work done inside a request handler: sending email (`smtplib`,
    `send_mail`, nodemailer's `sendMail`, SendGrid), calling webhooks or other
    external URLs (`requests.post`, `fetch(url, {method: "POST"})`,
    `http.Post`), generating PDFs or reports, and sleeping. An outgoing call
    whose response body the handler reads afterwards (`resp.json()`, an OAuth
    code exchange, a quote from another service) is the handler's own work and
    is not flagged; one whose status alone is looked at is a notification.
    Nor is a pause between the events of a streamed response (server-sent
    events: a loop that writes and flushes, a `c.Stream(...)` callback).

    ## Why is this bad?
    The client waits for a third party's latency, a slow SMTP server or a PDF
    renderer; a worker or connection is held the whole time; and when the third
    party fails, the user's request fails (or is retried and sends twice). Work
    like this belongs on a job queue with retries.

    ## Example
    ```python
    @app.post("/orders", status_code=201)
    def create_order(order: OrderIn):
        saved = orders.create(order)
        send_mail("Order received", body, None, [order.email])
        return saved
    ```

    ## Use instead
    ```python
    @app.post("/orders", status_code=201)
    def create_order(order: OrderIn):
        saved = orders.create(order)
        send_order_email.delay(saved.id)  # Celery / RQ / arq / BullMQ job
        return saved
    ```
    """

    code = "EV001"
    name = "slow-work-in-request"
    command = "EVENT_SYSTEM"
    languages = APP_LANGUAGES
    severity = Severity.WARNING
    message = "the handler {what} (`{call}`) while the client waits; move it to a job queue"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        lang = ctx.document.language
        if lang == "go" and not any(word in data for word in GO_WORDS):
            return  # (its handlers' calls are not read)
        for h in checks.handlers(ctx):
            if h.node is None:
                continue
            if lang == "python":
                q = "(call function: (_) @f arguments: (argument_list) @a) @c"
                rules = PY
            elif lang == "go":
                q = "(call_expression function: (_) @f arguments: (argument_list) @a) @c"
                rules = GO
            else:
                q = "(call_expression function: (_) @f arguments: (arguments) @a) @c"
                rules = JS
            for _, m in languages.matches(lang, q, h.node):
                call = m["c"][0]
                name = text(m["f"][0], data)
                if _deferred(call, h.node, data):
                    continue
                what = next((w for pat, w in rules if pat.search(name)), None)
                if what == "sleeps" and _paces_a_stream(call, h.node, data):
                    continue  # the pause between the events of a stream (SSE): the response itself
                if (
                    what == "sleeps"
                    and lang == "python"
                    and name == "sleep"
                    and b"from time import sleep" not in data
                ):
                    what = None
                if what is None:
                    what = self._external_call(lang, name, m["a"][0], data)
                    if what is not None and _answer_is_read(call, h.node, data):
                        continue  # the handler needs the answer (a token exchange, a quote)
                if what is None:
                    continue
                yield self.finding(call.start_byte, call.end_byte, what=what, call=name)

    def _external_call(self, lang, name, args, data):
        first = named_args(args)[:1]
        if not first:
            return None
        target = first[0]
        if (
            lang == "python"
            and PY_HTTP.match(name)
            or lang == "go"
            and name in ("http.Post", "http.PostForm")
            or lang in JS_LANGUAGES
            and name in ("axios.post", "axios.put", "got.post", "superagent.post")
        ):
            return self._judge_url(target, data)
        if lang in JS_LANGUAGES and name == "fetch":
            opts = named_args(args)[1:2]
            if opts and re.search(
                r"method\s*:\s*['\"](POST|PUT|PATCH)['\"]", text(opts[0], data), re.I
            ):
                return self._judge_url(target, data)
        if lang in JS_LANGUAGES and re.search(r"setTimeout$", name):
            p = args.parent.parent
            if (
                p is not None
                and "Promise" in text(p, data)[:200]
                or re.search(
                    r"new Promise",
                    text(args.parent.parent.parent, data)[:80]
                    if args.parent.parent and args.parent.parent.parent
                    else "",
                )
            ):
                return "sleeps"
        return None

    def _judge_url(self, node, data):
        lit = string_value(node, data)
        t = text(node, data)
        if lit is not None:
            if re.match(
                r"https?://(localhost|127\.|0\.0\.0\.0|\[::1\]|[\w-]+:\d+/|[\w-]+/)", lit
            ) or not lit.startswith("http"):
                return None
            return "calls an external URL"
        if HOOK_RE.search(t):
            return "calls a webhook"
        return None


# what a handler reads of an HTTP response's body: `.json()`, `.text`, `.content`, Go's `.Body`
_BODY_READ = r"\s*\.\s*(?:json|text|content|body|Body|data|read|arrayBuffer|blob)\b"


_STREAM_WRITE = lazy(r"\.(?:Flush|flush|write|Write|SSEvent|WriteString)\(|\byield\b")
_STREAM_CALL = lazy(r"(?:^|\.)(?:Stream|SetBodyStreamWriter|StreamWriter|stream|streamSSE)$")


def _paces_a_stream(call, handler, data) -> bool:
    """A sleep between the writes of a streamed response: in a loop that writes or flushes to
    the client, or in the callback a stream helper calls for each event (`c.Stream(...)`)."""
    n = call.parent
    while n is not None and n != handler:
        if n.type in ("for_statement", "while_statement", "for_in_statement"):
            return _STREAM_WRITE.search(text(n, data)) is not None
        callee = _receiving_call(n, data)
        if callee is not None and _STREAM_CALL.search(callee):
            return True
        n = n.parent
    return False


_CLOSURES = (
    "lambda",
    "function_definition",
    "arrow_function",
    "function_expression",
    "func_literal",
)


def _receiving_call(node, data) -> str | None:
    """The name of the call ``node`` is handed to as an argument, when ``node`` is a function
    (a callback: ``c.Stream(func(w io.Writer) bool {...})``, ``queue.add(() => ...)``)."""
    outer = node.parent
    if (
        node.type not in _CLOSURES
        or outer is None
        or outer.type not in ("argument_list", "arguments")
    ):
        return None
    callee = outer.parent.child_by_field_name("function") if outer.parent is not None else None
    return text(callee, data) if callee is not None else None


def _answer_is_read(call, handler, data) -> bool:
    """Whether the response of an outgoing HTTP call is kept and its body read afterwards: the
    handler needs the answer, so the call is part of its work, not a notification to queue."""
    n = call.parent
    while n is not None and n.type in ("await", "await_expression", "parenthesized_expression"):
        n = n.parent
    target = None
    if n is not None and n.type in ("assignment", "variable_declarator"):
        target = n.child_by_field_name("left") or n.child_by_field_name("name")
    elif (
        n is not None
        and n.type == "expression_list"
        and n.parent is not None
        and n.parent.type in ("short_var_declaration", "assignment_statement")
    ):
        left = n.parent.child_by_field_name("left")
        target = left.named_children[0] if left is not None and left.named_children else None
    if target is None or target.type != "identifier":
        return False
    name = re.escape(text(target, data))
    rest = data[call.end_byte : handler.end_byte].decode("utf-8", "replace")
    return re.search(rf"\b{name}{_BODY_READ}", rest) is not None


def _deferred(call, handler, data) -> bool:
    """True when the call sits in a closure handed to a queue, a goroutine or a background task."""
    n = call.parent
    while n is not None and n != handler:
        if n.type == "go_statement":
            return True
        callee = _receiving_call(n, data)
        if callee is not None and DEFERRED.search(callee):
            return True
        if n.type in ("argument_list", "arguments"):
            callee = n.parent.child_by_field_name("function") if n.parent is not None else None
            if callee is not None and DEFERRED.search(text(callee, data)):
                return True
        n = n.parent
    return False
