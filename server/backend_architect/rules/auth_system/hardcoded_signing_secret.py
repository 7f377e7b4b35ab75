import re

from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES

SECRET_NAME = rb"[A-Za-z_]*(?:SECRET|Secret|secret|SIGNING_KEY|SigningKey|signingKey|JWT_KEY|JwtKey|jwtKey|PRIVATE_KEY|PrivateKey)[A-Za-z_0-9]*"
# Names that hold where a secret lives or what it is called, not the secret: secrets_dir,
# JWT_SECRET_FILE, GetSigningSecretProcedure, ..._FullMethodName.
NOT_A_VALUE_NAME = re.compile(
    rb"(?i)(?:dir|directory|path|file|filename|url|uri|name|names|procedure|method|methodname|header|field|env|envvar|key_?id|type|length|len|size|charset|alphabet|chars|characters|pattern|regex|prefix)$"
)
# The literal is the whole value (not the start of `"whsec_" + random()`).
WHOLE = rb"(?=\s*(?:;|,|\)|\}|//|#|$))"
PLACEHOLDER = re.compile(rb"^(|\$\{.*\}|<.*>|%\(.*\)s|\{\{.*\}\})$")


class HardcodedSigningSecret(Rule):
    """
    ## What it does
    Flags signing secrets written into the code: a string literal passed as the
    key to `jwt.encode`/`jwt.decode`/`jwt.sign`/`jwt.verify`/`SignedString`,
    a `secret:` option, `SECRET_KEY = "..."` (or any `*SECRET*` /
    `*SIGNING_KEY*` name) assigned a literal, or an environment lookup that
    falls back to a literal.

    ## Why is this bad?
    Everyone with the repository (and every leaked copy of it) can mint valid
    tokens, session cookies and password-reset links for any user. Rotating the
    secret needs a deploy, and the same value usually ends up in every
    environment.

    ## Example
    ```python
    SECRET_KEY = "super-secret"
    token = jwt.encode(claims, SECRET_KEY, algorithm="HS256")
    ```

    ## Use instead
    ```python
    SECRET_KEY = os.environ["SECRET_KEY"]
    token = jwt.encode(claims, SECRET_KEY, algorithm="HS256")
    ```

    Off by default: of 7 findings drawn at random from 25 public backend
    repositories (November 2026) and read by hand, 3 were true, 2 false and
    2 noise: measured precision 60% (true / (true + false)); the false ones were names containing "secret" that hold none.
    Select `AU003` to run it.
    """

    code = "AU003"
    default_enabled = False
    name = "hardcoded-signing-secret"
    command = "AUTH_SYSTEM"
    languages = APP_LANGUAGES
    severity = Severity.ERROR
    message = "{what}; read it from the environment or a secret store"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        lang = ctx.document.language
        seen = set()

        def hit(s, e, what):
            if s not in seen:
                seen.add(s)
                return self.finding(s, e, what=what)
            return None

        q = rb"""(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`$]*`)"""
        if lang == "python":
            # NAME = "literal" / NAME = os.environ.get("X", "literal") / getenv("X", "literal")
            for m in re.finditer(
                rb"^[ \t]*(" + SECRET_NAME + rb")\s*(?::\s*\w+\s*)?=\s*(" + q + rb")\s*(?:#.*)?$",
                data,
                re.M,
            ):
                if self._real(m.group(2), m.group(1)):
                    f = hit(m.start(2), m.end(2), f"`{m.group(1).decode()}` is a hard-coded secret")
                    if f:
                        yield f
            for m in re.finditer(
                rb"(?:os\.environ\.get|os\.getenv|getenv|config|env)\(\s*['\"]("
                + SECRET_NAME
                + rb")['\"]\s*,\s*(?:default\s*=\s*)?("
                + q
                + rb")",
                data,
            ):
                if self._real(m.group(2)):
                    f = hit(
                        m.start(2),
                        m.end(2),
                        f"`{m.group(1).decode()}` falls back to a hard-coded secret",
                    )
                    if f:
                        yield f
            for m in re.finditer(
                rb"\b(?:jwt|jose\.jwt)\.(?:encode|decode)\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*(?:key\s*=\s*)?("
                + q
                + rb")",
                data,
            ):
                if self._real(m.group(1)):
                    f = hit(m.start(1), m.end(1), "JWT key is a string literal")
                    if f:
                        yield f
        elif lang in JS_LANGUAGES:
            for m in re.finditer(
                rb"\b(?:const|let|var)\s+("
                + SECRET_NAME
                + rb")\s*(?::\s*\w+\s*)?=\s*("
                + q
                + rb")"
                + WHOLE,
                data,
                re.M,
            ):
                if self._real(m.group(2), m.group(1)):
                    f = hit(m.start(2), m.end(2), f"`{m.group(1).decode()}` is a hard-coded secret")
                    if f:
                        yield f
            for m in re.finditer(
                rb"process\.env\.(" + SECRET_NAME + rb")\s*(?:\|\||\?\?)\s*(" + q + rb")", data
            ):
                if self._real(m.group(2)):
                    f = hit(
                        m.start(2),
                        m.end(2),
                        f"`{m.group(1).decode()}` falls back to a hard-coded secret",
                    )
                    if f:
                        yield f
            for m in re.finditer(
                rb"\b(?:secret|secretOrKey|secretOrPrivateKey|privateKey|jwtSecret)\s*:\s*("
                + q
                + rb")",
                data,
            ):
                if self._real(m.group(1)):
                    f = hit(m.start(1), m.end(1), "signing secret is a string literal")
                    if f:
                        yield f
            for m in re.finditer(
                rb"\bjwt\.(?:sign|verify)\(\s*[^,()]+(?:\([^()]*\))?\s*,\s*(" + q + rb")", data
            ):
                if self._real(m.group(1)):
                    f = hit(m.start(1), m.end(1), "JWT key is a string literal")
                    if f:
                        yield f
        elif lang == "go":
            if not re.search(rb"jwt|SignedString|hmac", data, re.I):
                return
            for m in re.finditer(
                rb"\b("
                + SECRET_NAME
                + rb")\s*(?:string\s*)?:?=\s*(?:\[\]byte\()?("
                + q
                + rb")"
                + WHOLE,
                data,
                re.M,
            ):
                if self._real(m.group(2), m.group(1)):
                    f = hit(m.start(2), m.end(2), f"`{m.group(1).decode()}` is a hard-coded secret")
                    if f:
                        yield f
            for m in re.finditer(rb"SignedString\(\s*\[\]byte\(\s*(" + q + rb")", data):
                if self._real(m.group(1)):
                    f = hit(m.start(1), m.end(1), "JWT key is a string literal")
                    if f:
                        yield f

    @staticmethod
    def _real(literal: bytes, name: bytes = b"") -> bool:
        inner = literal[1:-1]
        if PLACEHOLDER.match(inner) or len(inner) < 6:
            return False
        if name and NOT_A_VALUE_NAME.search(name):
            return False
        # paths and URLs (a secrets folder, an RPC method name), not key material
        if re.match(rb"(?:/|\./|~/|[a-z][a-z0-9+.-]*://)", inner):
            return False
        # names of environment variables or settings, not values
        return not (
            re.fullmatch(rb"[A-Z][A-Z0-9_]+|[a-z][a-z0-9_.]*_(?:secret|key)", inner)
            and re.search(rb"(?i)secret|key", inner)
        )
