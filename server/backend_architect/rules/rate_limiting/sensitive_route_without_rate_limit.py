import os
import re

from backend_architect import frameworks
from backend_architect.app import checks
from backend_architect.frameworks.base import declaration_span
from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES
from ...core.lazy_re import lazy

LIMITER_PACKAGES = lazy(
    r"slowapi|flask[-_]limiter|django[-_]ratelimit|express-rate-limit|rate-limiter-flexible|@fastify/rate-limit|"
    r"fastify-rate-limit|@nestjs/throttler|ulule/limiter|tollbooth|golang\.org/x/time|throttled/throttled|"
    r"express-slow-down|express-brute|limiter",
    re.I,
)


def _words(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


_SELF_PATH_RE = lazy(r"(^|/)(me|current|self|profile|settings|account)(/|$)", re.I)
_CHANGE_RE = lazy(r"(^|[/_.-])(change|update|set|edit)(_?password|$|[/_.-])", re.I)
_AUTHENTICATOR_RE = lazy(r"webauthn|passkey|fido|u2f", re.I)


_TOKEN_PARAM_RE = lazy(r"[{<:]\w*token", re.I)
_TOKEN_USE_RE = lazy(rb"\.\s*token\b|\[\s*['\"]token['\"]\s*\]|\btoken\s*:", re.I)


def _consumes_reset_token(r, h, data: bytes) -> bool:
    """A password reset that takes the token sent by email (``/reset/{token}``, ``body.token``):
    the token is a long signed secret; the limiter belongs on the step that sends the email."""
    if _TOKEN_PARAM_RE.search(r.path):
        return True
    if any(rd.name and "token" in rd.name.lower() for rd in r.reads):
        return True
    node = getattr(h, "node", None)
    return node is not None and bool(_TOKEN_USE_RE.search(data[node.start_byte : node.end_byte]))


# a call on a limiter inside the handler: `rateLimits.Limit(req)`, `limiter.Allow()`, `rl.Wait(ctx)`
_BODY_LIMIT_RE = lazy(
    rb"\b\w*(?:rate_?limit|ratelimit|limiter|throttl)\w*\s*\.\s*(?:Limit|Allow|Wait|Take|Reserve|Check|"
    rb"limit|allow|wait|take|check|consume|hit)\w*\s*\(",
    re.I,
)


# a limiter named in the route's registration, beside the handler: a wrapper's argument
_REGISTRATION_LIMITER_RE = lazy(rb"(?i)\b\w*(?:rate_?limit|limiter|throttl)\w*\b")
# a handler that is a fixed answer: `http.NotFound`, actix `HttpResponse::NotFound`
_ANSWERS_ONLY_RE = lazy(r"(?:^|[.:])(?:NotFound|not_found|Gone|MethodNotAllowed|Forbidden)$")


def _limits_in_body(h, data: bytes) -> bool:
    node = h.node if h.node is not None else h.decl
    if node is None:
        return False
    body = data[node.start_byte : node.end_byte]
    return bool(_BODY_LIMIT_RE.search(body) or _IN_BODY_LIMITER_RE.search(body))


def _acts_on_signed_in_user(what: str, path: str, handler: str) -> bool:
    """Routes only a signed-in user reaches, whatever guards this file shows: changing one's
    own password (``/users/me/password``, ``ChangePassword``), registering or answering a
    WebAuthn/passkey challenge (a signature over a server challenge: nothing to guess)."""
    if _AUTHENTICATOR_RE.search(path):
        return True
    if what not in ("password", "passwd"):
        return False
    return bool(_SELF_PATH_RE.search(path) or _CHANGE_RE.search(_words(handler.rsplit(".", 1)[-1])))


# what a `reset` route resets when it is not a password: a named resource of the system
_RESET_RESOURCE_RE = lazy(
    r"^(?:migrations?|cache|caches|counters?|stats|statistics|metrics|fleet|queues?|jobs?|"
    r"settings|config|configuration|database|db|index|indexes|search|demo|sequences?|quotas?|"
    r"limits?|layout|filters?|preferences)$",
    re.I,
)


def _resets_a_resource(path: str) -> bool:
    """``/{tenantId}/migrations/reset``, ``/reset/fleet``: a segment next to ``reset`` names
    a resource of the system, not an account."""
    parts = [p for p in re.split(r"/+", path or "") if p and not p.startswith(("{", ":", "<"))]
    for i, part in enumerate(parts):
        if part.lower() == "reset":
            near = parts[max(i - 1, 0) : i] + parts[i + 1 : i + 2]
            return any(_RESET_RESOURCE_RE.match(n) for n in near)
    return False


# a limiter consulted in the handler's body: `loginLimiter.consume(ip)`, `rateLimit.check(...)`,
# `await checkRateLimit(req)`, `throttler.hit(key)`
_IN_BODY_LIMITER_RE = lazy(
    rb"\b\w*(?:[Rr]ate_?[Ll]imit|RATE_?LIMIT|[Ll]imiter|[Tt]hrottl)\w*\s*"
    rb"(?:\.\s*(?:check|consume|limit|hit|take|attempt|increment|is_limited|allow)\w*\s*)?\("
)


class SensitiveRouteWithoutRateLimit(Rule):
    """
    ## What it does
    Flags login, signup/register, password reset/forgot, token and
    OTP/verification routes that have no rate limiter (route decorator,
    middleware, guard, router-level limiter, or a limiter the handler asks
    itself: `await loginRateLimit.check(...)`, `limiter.consume(ip)`,
    `limiter.Allow(...)`, `rateLimits.Limit(req)`, or one handed to the
    registration beside the handler: `chain.Wrap(ctrl.Login(), a.mwAuthRateLimit)`).

    Not flagged: a `reset` of a named resource of the system
    (`/migrations/reset`, `/cache/reset`); routes only a signed-in user reaches (behind an auth guard,
    or changing the caller's own password: `/users/me/password`,
    `ChangePassword`), token refresh (a refresh token is a long random
    secret), the step of a password reset that takes the emailed token
    (`/reset/{token}`, a `token` field: the limiter belongs on the step that
    sends the email), and WebAuthn/passkey ceremonies (a signature over a server
    challenge cannot be guessed), and a route switched off (it only answers
    `404 Not Found`: `http.NotFound`, `HttpResponse::NotFound`).

    ## Why is this bad?
    These routes are what credential stuffing, password spraying, OTP brute
    force and sign-up spam hit. They are also expensive: password hashing is
    slow on purpose, and emails or SMS cost money. Without a limiter one client
    can try millions of passwords or exhaust the CPU.

    ## Example
    ```python
    @app.post("/auth/login")
    async def login(form: LoginForm):
        ...
    ```

    ## Use instead
    ```python
    limiter = Limiter(key_func=get_remote_address)

    @app.post("/auth/login")
    @limiter.limit("5/minute")
    async def login(request: Request, form: LoginForm):
        ...
    ```
    The fix adds the usual limiter of the framework: slowapi (FastAPI),
    flask-limiter, django-ratelimit, express-rate-limit, @fastify/rate-limit's
    route `config`, @nestjs/throttler, or a small per-IP middleware built on
    `golang.org/x/time/rate` for Gin, Echo's `middleware.RateLimiter`,
    hono-rate-limiter (Hono), Fiber's limiter middleware, tower_governor's
    `GovernorLayer` (Axum) and actix-governor (Actix Web).
    Projects that already depend on a limiter package and apply it elsewhere
    (globally) are not flagged.
    """

    code = "RL001"
    name = "sensitive-route-without-rate-limit"
    command = "RATE_LIMITING"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.WARNING
    message = "{method} {path} ({what}) has no rate limiter; brute force and abuse go unchecked"
    fix_title = "add a rate limit to this route ({limiter})"
    fix_safety = Applicability.UNSAFE

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        hs = checks.handlers(ctx)
        if not hs:
            return
        data = ctx.document.data
        deps = checks.project_dependencies(ctx.path)
        if deps and LIMITER_PACKAGES.search(deps) and not re.search(rb"limit|throttl", data, re.I):
            return  # the project has a limiter; it is applied somewhere this file cannot see
        a = checks.analysis(ctx)
        for h in hs:
            r = h.route
            if r.limiter or r.method not in ("POST", "PUT", "PATCH", "ANY"):
                continue
            if _limits_in_body(h, data):
                continue  # the handler asks a limiter itself (`await loginRateLimit.check(...)`)
            if _REGISTRATION_LIMITER_RE.search(data[r.decl_start : r.decl_end]):
                continue  # handed to the registration: `chain.Wrap(ctrl.Login(), a.mwAuthRateLimit)`
            if _ANSWERS_ONLY_RE.search(r.handler or ""):
                continue  # a route switched off: it only answers `404 Not Found`
            # the handler's name speaks only when the path says nothing (mounted elsewhere: "/", "")
            m = (
                checks.SENSITIVE_ROUTE_RE.search(r.path)
                or not re.search(r"/[A-Za-z]", r.path)
                and checks.SENSITIVE_ROUTE_RE.search(
                    "/" + _words(r.handler.rsplit(".", 1)[-1]) + "/"
                )
            )
            if not m:
                continue
            what = m.group(2).lower().replace("_", "")
            if what == "refresh":
                continue  # a refresh token is a long random secret: nothing to guess
            if r.guards or _acts_on_signed_in_user(what, r.path, r.handler):
                continue  # needs a valid session already: not a credential-guessing target
            if what == "reset" and _resets_a_resource(r.path):
                continue  # `/migrations/reset`, `/cache/reset`: not a password reset
            if what == "reset" and _consumes_reset_token(r, h, data):
                continue  # the second step of a reset: it needs the emailed token, not a guess
            fix = None
            try:
                fix = self._fix(a, h, data, ctx.path)
            except Exception:  # a fix we cannot build must not hide the finding
                fix = None
            fw = frameworks.by_name(r.framework)
            start, end = fw.finding_span(h, data) if fw else declaration_span(h, data)
            yield self.finding(
                start, end, fix=fix, method=r.method, path=r.path or r.handler, what=what
            )

    # -- fixes ----------------------------------------------------------------------------

    def _fix(self, a, h, data, path=""):
        fw = frameworks.by_name(h.route.framework)
        made = fw.rate_limit_fix(a, h, data) if fw is not None else None
        if not made:
            return None
        edits, limiter = made
        return self.fix(edits, title=self.fix_title.format(limiter=_with_dependency(limiter, path)))


# limiters that are packages of their own (the others are part of the framework or the
# standard library): a fix using one the project lacks says it adds a dependency
_LIMITER_PACKAGES = {
    "slowapi": "python",
    "flask-limiter": "python",
    "django-ratelimit": "python",
    "express-rate-limit": "npm",
    "@fastify/rate-limit": "npm",
    "@nestjs/throttler": "npm",
    "hono-rate-limiter": "npm",
}


def _with_dependency(limiter: str, path: str) -> str:
    """``limiter``, or ``limiter, a new dependency: add it to <manifest>`` when the project
    declares its dependencies and this limiter is not among them."""
    if limiter not in _LIMITER_PACKAGES:
        return limiter
    from ...project.dependencies import for_path

    deps = for_path(path)
    if deps is None or not deps.items or deps.has(limiter):
        return limiter
    ecosystem = _LIMITER_PACKAGES[limiter]
    manifests = [
        os.path.basename(m)
        for m in deps.manifests
        if m.endswith("package.json") == (ecosystem == "npm") and not m.endswith("go.mod")
    ]
    if not manifests:  # the project declares no dependencies of that language
        return limiter
    where = manifests[0]
    return f"{limiter}, a new dependency: add {limiter} to {where}"
