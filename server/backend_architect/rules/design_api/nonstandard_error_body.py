import re
from collections import Counter

from backend_architect import frameworks
from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule

from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES
from backend_architect.lang import matching_close


class NonstandardErrorBody(Rule):
    """
    ## What it does
    Flags error responses (4xx/5xx) built in a handler with a literal body that
    does not follow the project's error format
    `{"error": {"code": ..., "message": ..., "details": [...]}}`, such as
    `{"message": "..."}`, `{"detail": "..."}` or `{"error": "some string"}`.

    ## Why is this bad?
    Clients need one way to read errors: a stable machine-readable `code` to
    branch on, a human `message`, and per-field `details` for forms. When every
    handler invents its own shape, each client grows a pile of special cases and
    error handling breaks silently when one handler changes.

    ## Example
    ```js
    res.status(404).json({ message: "not found" });
    ```

    ## Use instead
    ```js
    res.status(404).json({ error: { code: "NOT_FOUND", message: "article not found", details: [] } });
    ```
    Better still, throw a typed error and let one error-handling middleware
    render the format.

    A module whose error responses already agree on one shape of its own (two or
    more, a majority) follows its own convention: only a response deviating from
    that shape is flagged. The framework's own error body (FastAPI's and DRF's
    `{"detail": ...}`, Fastify's `{"statusCode", "error", "message"}`) counts
    as the convention.

    Off by default: on 43 real backend repositories (2026-11-27) none of the 18
    findings judged was worth raising (precision 0%: 0 true, 1 false, 17 noise): real projects
    answer errors in a shape of their own, often one shared across files, and a
    rule cannot tell a deliberate format from drift. Select `API005` to hold a
    project to the format generated code uses.
    """

    code = "API005"
    default_enabled = False
    name = "nonstandard-error-body"
    command = "DESIGN_API"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.INFORMATION
    message = 'error response body {shape} does not follow the error format {{"error": {{"code", "message", "details"}}}}'

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        found = list(self._literal_shapes(ctx))
        # a module whose error responses agree on one shape follows its own convention: what
        # matters to clients is that errors read alike, so only a response deviating from it is
        # flagged (the format's own shape counts as a shape too)
        counts = Counter(shape or _STANDARD for _, _, shape in found)
        dominant, top = counts.most_common(1)[0] if counts else (None, 0)
        convention = top >= 2 and top * 2 > len(found)
        for start, end, shape in found:
            if shape is None:
                continue
            if not convention:
                yield self.finding(start, end, shape=shape)
            elif shape != dominant:
                yield self.finding(
                    start,
                    end,
                    message=_DEVIATION.format(shape=shape, dominant=dominant, n=top),
                )

    def _literal_shapes(self, ctx):
        """(start, end, shape) of the error literals of the document's handlers; shape None: the
        literal follows the format. The framework's own error body is left out."""
        data = ctx.document.data
        lang = ctx.document.language
        seen = set()
        for h in checks.handlers(ctx):
            if h.node is None:
                continue
            base = h.node.start_byte
            body = data[h.node.start_byte : h.node.end_byte]
            fw = frameworks.by_name(h.route.framework)
            own = fw.error_literals(body) if fw is not None else None
            for s, e, literal in own if own is not None else self._error_literals(body, lang):
                if base + s in seen:
                    continue
                seen.add(base + s)
                shape = _shape(literal, lang)
                if shape is not None and fw is not None and shape == fw.native_error_shape:
                    continue  # the framework's own error body (DRF, FastAPI): the project's convention
                yield base + s, base + e, shape

    def _error_literals(self, body, lang):
        """(start, end, literal) of literal bodies in 4xx/5xx responses, offsets in ``body``."""
        code = rb"(?:4\d\d|5\d\d|status\.HTTP_[45]\d\d\w*|HTTPStatus\.\w+|http\.Status\w+|HttpStatus\.\w+)"
        pats = []
        if lang == "python":
            pats = [
                rb"return\s+(?:jsonify\()?(\{)[\s\S]*?\}\)?\s*,\s*" + code,
                rb"(?:JSONResponse|JsonResponse|Response|ORJSONResponse)\((?:[^(){}]*?content\s*=\s*|\s*)(\{)",
            ]
        elif lang in JS_LANGUAGES:
            pats = [
                rb"\.(?:status|code)\(\s*(?:4\d\d|5\d\d|HttpStatus\.\w+|StatusCodes\.\w+)\s*\)\s*\.(?:json|send)\(\s*(\{)"
            ]
        elif lang == "go":
            pats = [
                rb"\.(?:JSON|AbortWithStatusJSON|IndentedJSON)\(\s*"
                + code
                + rb"\s*,\s*(?:gin\.H|echo\.Map|map\[string\](?:string|any|interface\{\}))(\{)"
            ]
        for pat in pats:
            for m in re.finditer(pat, body):
                open_at = m.start(1)
                close = matching_close(body, open_at, b"{", b"}")
                if close is None:
                    continue
                call_text = body[m.start() : close + 200]
                if lang == "python" and m.group(0).lstrip().startswith(
                    (b"JSONResponse", b"JsonResponse", b"Response", b"ORJSONResponse")
                ):
                    tail = body[close : close + 200]
                    st = re.match(rb"[^)]*?status(?:_code)?\s*=\s*([\w.]+)", tail)
                    if not st or not re.match(code, st.group(1)):
                        head = body[m.start() : open_at]
                        st = re.search(rb"status(?:_code)?\s*=\s*([\w.]+)", head)
                        if not st or not re.match(code, st.group(1)):
                            continue
                    if st and re.match(
                        rb"HTTPStatus\.(OK|CREATED|ACCEPTED|NO_CONTENT)", st.group(1)
                    ):
                        continue
                if re.search(
                    rb"http\.Status(OK|Created|Accepted|NoContent)\b|HttpStatus\.(OK|CREATED)",
                    call_text[: open_at - m.start()],
                ):
                    continue
                yield m.start(), close, body[open_at:close]


_STANDARD = '`{"error": {"code", "message", "details"}}`'
_DEVIATION = (
    "error response body {shape} differs from the {dominant} this module's other {n} error "
    "responses use; answer errors in one shape"
)


def _shape(literal: bytes, lang: str) -> str | None:
    """None when the literal follows the format (or cannot be judged), else a short description."""
    inner = literal[1:-1]
    keys = re.findall(rb"""(?:^|[,{\s])\s*['"]?([A-Za-z_]\w*)['"]?\s*:""", inner)
    if not keys:
        return None
    top = _top_level_keys(inner)
    if not top:
        return None
    if {b"statusCode", b"error", b"message"} <= set(top):
        return '`{"statusCode", "error", "message"}`'  # what Fastify's own error replies look like
    if top == [b"error"] or b"error" in top:
        value = re.search(rb"""['"]?error['"]?\s*:\s*(.)""", inner)
        if (
            value
            and value.group(1) in (b"{",)
            or re.search(rb"""['"]?error['"]?\s*:\s*(\w+\.(?:H|Map)\b|map\[)""", inner)
        ):
            obj_start = inner.find(b"{", value.start(1)) if value else -1
            close = matching_close(inner, obj_start, b"{", b"}") if obj_start >= 0 else None
            sub = inner[obj_start:close] if close else b""
            if re.search(rb"""['"]?code['"]?\s*:""", sub) and re.search(
                rb"""['"]?message['"]?\s*:""", sub
            ):
                return None
            return '`{"error": {...}}` without code/message'
        if value and re.match(rb"[A-Za-z_]", value.group(1)):
            v = re.search(rb"""['"]?error['"]?\s*:\s*([\w.]+)(\(?)""", inner)
            if v and not v.group(2) and not v.group(1).startswith((b"str", b"String")):
                return None  # a variable: could already be the error object
        return '`{"error": <string>}`'
    return "`{" + ", ".join(f'"{k.decode()}"' for k in top[:3]) + "}`"


def _top_level_keys(inner: bytes) -> list[bytes]:
    keys, depth, i, quote = [], 0, 0, None
    expecting_key = True
    while i < len(inner):
        c = inner[i : i + 1]
        if quote:
            if c == b"\\":
                i += 2
                continue
            if c == quote:
                quote = None
            i += 1
            continue
        if c in (b"{", b"[", b"("):
            depth += 1
        elif c in (b"}", b"]", b")"):
            depth -= 1
        elif c == b"," and depth == 0:
            expecting_key = True
        elif depth == 0 and expecting_key:
            m = re.match(rb"""\s*(['"]?)([A-Za-z_]\w*)\1\s*:""", inner[i:])
            if m:
                keys.append(m.group(2))
                expecting_key = False
                i += m.end()
                continue
            if c in (b'"', b"'", b"`"):
                quote = c
            elif c.strip():
                expecting_key = False
        elif c in (b'"', b"'", b"`"):
            quote = c
        i += 1
    return keys
