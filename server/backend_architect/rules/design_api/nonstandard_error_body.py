import collections
import os
import re
import time
from functools import lru_cache

from backend_architect import frameworks
from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.workspace import SKIP_DIRS

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

    The framework's own error body is its format too: `{"detail"}` in
    FastAPI and DRF, `{"statusCode", "error", "message"}` in Fastify.

    A project that already answers every error one way has its own format:
    when one shape is used by most of the error bodies of the project's
    code in that language (three or more), only the bodies that deviate from
    it are flagged.
    """

    code = "API005"
    name = "nonstandard-error-body"
    command = "DESIGN_API"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.INFORMATION
    message = 'error response body {shape} does not follow the error format {{"error": {{"code", "message", "details"}}}}'

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        lang = ctx.document.language
        seen = set()
        convention = _convention(ctx)
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
                if shape is None:
                    continue
                fw = frameworks.by_name(h.route.framework)
                if fw is not None and shape == fw.native_error_shape:
                    continue  # the framework's own error body (DRF, FastAPI): the project's convention
                if shape == convention:
                    continue  # the shape the project answers its errors with
                yield self.finding(base + s, base + e, shape=shape)

    @staticmethod
    def _error_literals(body, lang):
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


# -- the project's own error shape ----------------------------------------------------------

_FAMILY_EXTS = {
    "python": (".py",),
    "javascript": (".js", ".mjs", ".cjs", ".ts", ".mts", ".tsx", ".jsx"),
    "go": (".go",),
    "rust": (".rs",),
}
_EXT_LANGUAGE = {".py": "python", ".go": "go", ".rs": "rust", ".tsx": "tsx", ".jsx": "javascript"}
_EXT_LANGUAGE.update({e: "typescript" for e in (".ts", ".mts")})
_EXT_LANGUAGE.update({e: "javascript" for e in (".js", ".mjs", ".cjs")})
_MAX_FILES = 20_000
_MAX_BYTES = 400_000
_FORMAT = "format"  # a body that follows the format
FASTIFY_SHAPE = '`{"statusCode", "error", "message"}`'
_STATUS_RE = re.compile(rb"\b[45]\d\d\b|Status|HTTP_")


def _shapes_in(data: bytes, lang: str) -> list[str]:
    """The shape of every literal error body in ``data`` (a whole file)."""
    fw = frameworks.detect(lang, data)
    own = fw.error_literals(data) if fw is not None else None
    literals = own if own is not None else NonstandardErrorBody._error_literals(data, lang)
    out = []
    for _s, _e, literal in literals:
        shape = _shape(literal, lang)
        if fw is not None and shape is not None and shape == fw.native_error_shape:
            continue
        out.append(shape or _FORMAT)
    return out


@lru_cache(maxsize=16)
def _project_shapes(root: str, family: str, _epoch: int) -> tuple[tuple[str, int], ...]:
    counts: collections.Counter = collections.Counter()
    exts = _FAMILY_EXTS[family]
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if not name.endswith(exts) or name.endswith((".d.ts", ".min.js")):
                continue
            seen += 1
            if seen > _MAX_FILES:
                return tuple(counts.items())
            path = os.path.join(dirpath, name)
            if checks.is_test_path(path):
                continue
            try:
                if os.path.getsize(path) > _MAX_BYTES:
                    continue
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            if not _STATUS_RE.search(data):
                continue  # no 4xx/5xx status anywhere in the file
            lang = _EXT_LANGUAGE[os.path.splitext(name)[1]]
            counts.update(_shapes_in(data, lang))
    return tuple(counts.items())


def _convention(ctx) -> str | None:
    """The error shape most of the project's error bodies use (None: no such shape, or the
    format itself). Our own rule fixtures are their own project: the file alone counts."""
    lang = ctx.document.language or ""
    family = frameworks.LANGUAGE_FAMILIES.get(lang)
    if family is None:
        return None
    root = ctx.file.project_root
    if root is None or checks.is_fixture_path(ctx.path):
        counts = collections.Counter(_shapes_in(ctx.document.data, lang))
    else:
        # a minute's epoch: an editor session sees the project's shapes change as files are edited
        counts = collections.Counter(dict(_project_shapes(root, family, int(time.time() // 60))))
    if not counts:
        return None
    shape, n = counts.most_common(1)[0]
    if shape == _FORMAT or n < 3 or n * 2 <= sum(counts.values()):
        return None
    return shape


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
        return FASTIFY_SHAPE  # what Fastify's own error replies look like
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
