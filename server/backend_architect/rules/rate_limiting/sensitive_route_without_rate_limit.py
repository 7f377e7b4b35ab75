import re

from backend_architect import frameworks
from backend_architect.app import checks
from backend_architect.app.routes import named_args
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule

LIMITER_PACKAGES = re.compile(
    r"slowapi|flask[-_]limiter|django[-_]ratelimit|express-rate-limit|rate-limiter-flexible|@fastify/rate-limit|"
    r"fastify-rate-limit|@nestjs/throttler|ulule/limiter|tollbooth|golang\.org/x/time|throttled/throttled|"
    r"express-slow-down|express-brute|limiter|tower_governor|actix[-_]governor|actix[-_]limitation",
    re.I,
)

GIN_LIMITER = """

// rateLimit allows perMinute requests per minute from each client IP.
func rateLimit(perMinute int) gin.HandlerFunc {
	var mu sync.Mutex
	limiters := map[string]*rate.Limiter{}
	return func(c *gin.Context) {
		mu.Lock()
		l, ok := limiters[c.ClientIP()]
		if !ok {
			l = rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMinute)), perMinute)
			limiters[c.ClientIP()] = l
		}
		mu.Unlock()
		if !l.Allow() {
			c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": gin.H{"code": "RATE_LIMITED", "message": "too many requests"}})
			return
		}
		c.Next()
	}
}
"""


def _words(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class SensitiveRouteWithoutRateLimit(Rule):
    """
    ## What it does
    Flags login, signup/register, password reset/forgot, token/refresh and
    OTP/verification routes that have no rate limiter (route decorator,
    middleware, guard or router-level limiter).

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
    `golang.org/x/time/rate` for Gin and Echo's `middleware.RateLimiter`.
    Projects that already depend on a limiter package and apply it elsewhere
    (globally) are not flagged.
    """

    code = "RL001"
    name = "sensitive-route-without-rate-limit"
    command = "RATE_LIMITING"
    languages = (*checks.APP_LANGUAGES, "rust")
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
            if (
                what == "refresh"
                and not re.search(r"auth|token|session|jwt", r.path + " " + r.handler, re.I)
                and r.path.rstrip("/") != "/refresh"
            ):
                continue  # refreshing feeds or caches, not tokens
            if r.guards and not re.search(r"/password/?$", r.path):
                continue  # needs a valid session already: not a credential-guessing target
            fix = None
            try:
                fix = self._fix(a, h, data)
            except Exception:  # a fix we cannot build must not hide the finding
                fix = None
            start, end = r.decl_start, _first_line_end(data, r.decl_start, r.decl_end)
            if r.framework == "django":
                name = h.node.child_by_field_name("name")
                start, end = name.start_byte, name.end_byte
            yield self.finding(
                start, end, fix=fix, method=r.method, path=r.path or r.handler, what=what
            )

    # -- fixes ----------------------------------------------------------------------------

    def _fix(self, a, h, data):
        fw = h.route.framework
        module = frameworks.by_name(fw)
        found = module.rate_limit_fix(a, h, data) if module is not None else None
        if found is not None:
            edits, limiter = found
            return self.fix(edits, title=self.fix_title.format(limiter=limiter))
        return getattr(self, "_fix_" + fw.replace("/", "_"), lambda *_: None)(a, h, data)

    def _fix_fastapi(self, a, h, data):
        edits = []
        fn = h.node
        dec_end = _line_end(data, h.decl.end_byte)
        indent = checks.indent_at(data, h.decl.start_byte)
        edits.append(Edit(dec_end, dec_end, f'\n{indent}@limiter.limit("5/minute")'))
        params = fn.child_by_field_name("parameters")
        if not h.route.request_names:
            edits.append(
                Edit(
                    params.start_byte + 1,
                    params.start_byte + 1,
                    "request: Request" + (", " if named_args(params) else ""),
                )
            )
        imports = []
        if not re.search(rb"^\s*limiter\s*=", data, re.M):
            imports += [
                "from slowapi import Limiter, _rate_limit_exceeded_handler",
                "from slowapi.errors import RateLimitExceeded",
                "from slowapi.util import get_remote_address",
            ]
        if not h.route.request_names and not re.search(
            rb"from fastapi import[^\n]*\bRequest\b", data
        ):
            line = re.search(rb"^from fastapi import ([^\n(]+)$", data, re.M)
            if line:
                edits.append(Edit(line.end(), line.end(), ", Request"))
            else:
                imports.append("from fastapi import Request")
        edits += self._python_setup(
            a,
            data,
            imports,
            "limiter = Limiter(key_func=get_remote_address)",
            r"^(\w+)\s*=\s*FastAPI\(",
            "{app}.state.limiter = limiter\n{app}.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)",
        )
        return self.fix(edits, title=self.fix_title.format(limiter="slowapi"))

    def _fix_flask(self, a, h, data):
        dec_end = _line_end(data, h.decl.end_byte)
        indent = checks.indent_at(data, h.decl.start_byte)
        edits = [Edit(dec_end, dec_end, f'\n{indent}@limiter.limit("5 per minute")')]
        imports = []
        if not re.search(rb"^\s*limiter\s*=", data, re.M):
            imports += [
                "from flask_limiter import Limiter",
                "from flask_limiter.util import get_remote_address",
            ]
        app = re.search(rb"^(\w+)\s*=\s*Flask\(", data, re.M)
        define = "limiter = Limiter(get_remote_address)" if app is None else None
        edits += self._python_setup(
            a,
            data,
            imports,
            define,
            r"^(\w+)\s*=\s*Flask\(",
            "limiter = Limiter(get_remote_address, app={app})",
        )
        return self.fix(edits, title=self.fix_title.format(limiter="flask-limiter"))

    def _fix_django(self, a, h, data):
        fn = h.node
        top = (
            fn.parent if fn.parent is not None and fn.parent.type == "decorated_definition" else fn
        )
        indent = checks.indent_at(data, top.start_byte)
        start = checks.line_start(data, top.start_byte)
        in_class = "class" in h.extra
        deco = 'ratelimit(key="ip", rate="5/m", block=True)'
        line = f"{indent}@method_decorator({deco})\n" if in_class else f"{indent}@{deco}\n"
        edits = [Edit(start, start, line)]
        imports = ["from django_ratelimit.decorators import ratelimit"]
        if in_class:
            imports.append("from django.utils.decorators import method_decorator")
        edits += self._python_setup(a, data, imports, None, None, None)
        return self.fix(edits, title=self.fix_title.format(limiter="django-ratelimit"))

    def _python_setup(self, a, data, imports, define, app_re, app_line):
        lines = [i for i in imports if i.encode() not in data]
        edits = []
        app = re.search(app_re.encode(), data, re.M) if app_re else None
        block = "\n".join(lines)
        if (
            define
            and not re.search(rb"^\s*limiter\s*=", data, re.M)
            and not (app and app_line and app_line.startswith("limiter"))
        ):
            block += ("\n\n" if block else "") + define
        if block:
            imp = checks.python_import(data, a.tree, block)
            if imp is not None:
                edits.append(imp)
        if (
            app is not None
            and app_line
            and not re.search(rb"\.state\.limiter\s*=|^limiter\s*=", data, re.M)
        ):
            end = _statement_end(a.tree, app.start(), data)
            edits.append(Edit(end, end, "\n" + app_line.format(app=app.group(1).decode())))
        return edits

    def _fix_express(self, a, h, data):
        call = h.decl
        args = named_args(call.child_by_field_name("arguments"))
        if not args:
            return None
        edits = [Edit(args[0].end_byte, args[0].end_byte, ", authLimiter")]
        if not re.search(rb"\bauthLimiter\s*=", data):
            stmt = call
            while stmt.parent is not None and stmt.parent.type not in (
                "program",
                "statement_block",
            ):
                stmt = stmt.parent
            start = checks.line_start(data, stmt.start_byte)
            indent = checks.indent_at(data, stmt.start_byte)
            edits.append(
                Edit(
                    start,
                    start,
                    f"{indent}const authLimiter = rateLimit({{ windowMs: 15 * 60 * 1000, limit: 10 }});\n\n",
                )
            )
            imp = checks.js_import(
                data,
                a.tree,
                'import rateLimit from "express-rate-limit";',
                'const rateLimit = require("express-rate-limit");',
            )
            if imp is not None:
                edits.append(imp)
        return self.fix(edits, title=self.fix_title.format(limiter="express-rate-limit"))

    def _fix_fastify(self, a, h, data):
        options = h.extra.get("options")
        cfg = 'config: { rateLimit: { max: 5, timeWindow: "1 minute" } }'
        if options is not None:
            if re.search(rb"\bconfig\s*:", data[options.start_byte : options.end_byte]):
                return None
            return self.fix(
                [Edit(options.start_byte + 1, options.start_byte + 1, f" {cfg},")],
                title=self.fix_title.format(limiter="@fastify/rate-limit"),
            )
        args = named_args(h.decl.child_by_field_name("arguments"))
        if not args:
            return None
        return self.fix(
            [Edit(args[0].end_byte, args[0].end_byte, f", {{ {cfg} }}")],
            title=self.fix_title.format(limiter="@fastify/rate-limit"),
        )

    def _fix_nestjs(self, a, h, data):
        start = checks.line_start(data, h.decl.start_byte)
        indent = checks.indent_at(data, h.decl.start_byte)
        edits = [
            Edit(
                start,
                start,
                f"{indent}@UseGuards(ThrottlerGuard)\n{indent}@Throttle({{ default: {{ limit: 5, ttl: 60000 }} }})\n",
            )
        ]
        for module, names in (
            ("@nestjs/throttler", ["Throttle", "ThrottlerGuard"]),
            ("@nestjs/common", ["UseGuards"]),
        ):
            imp = checks.js_import_names(data, a.tree, module, names)
            if imp is not None:
                edits.append(imp)
        return self.fix(edits, title=self.fix_title.format(limiter="@nestjs/throttler"))

    def _fix_gin(self, a, h, data):
        args = named_args(h.decl.child_by_field_name("arguments"))
        if not args:
            return None
        edits = [Edit(args[0].end_byte, args[0].end_byte, ", rateLimit(5)")]
        if not re.search(rb"func rateLimit\(", data):
            edits.append(
                Edit(
                    len(data),
                    len(data),
                    GIN_LIMITER if data.endswith(b"\n") else "\n" + GIN_LIMITER,
                )
            )
            imp = checks.go_import(
                data, a.tree, ["net/http", "sync", "time", "golang.org/x/time/rate"]
            )
            if imp is not None:
                edits.append(imp)
        return self.fix(
            edits, title=self.fix_title.format(limiter="per-IP (golang.org/x/time/rate)")
        )

    def _fix_echo(self, a, h, data):
        args = named_args(h.decl.child_by_field_name("arguments"))
        if len(args) < 2:
            return None
        v4 = b"labstack/echo/v4" in data
        mw = (
            "github.com/labstack/echo/v4/middleware"
            if v4
            else "github.com/labstack/echo/middleware"
        )
        edits = [
            Edit(
                args[1].end_byte,
                args[1].end_byte,
                ", middleware.RateLimiter(middleware.NewRateLimiterMemoryStore(rate.Limit(5)))",
            )
        ]
        imp = checks.go_import(data, a.tree, [mw, "golang.org/x/time/rate"])
        if imp is not None:
            edits.append(imp)
        return self.fix(edits, title=self.fix_title.format(limiter="echo middleware.RateLimiter"))


def _line_end(data: bytes, offset: int) -> int:
    end = data.find(b"\n", offset)
    return len(data) if end < 0 else end


def _first_line_end(data: bytes, start: int, end: int) -> int:
    return min(end, _line_end(data, start))


def _statement_end(tree, offset: int, data: bytes) -> int:
    for stmt in tree.root_node.named_children:
        if stmt.start_byte <= offset < stmt.end_byte:
            return stmt.end_byte
    return _line_end(data, offset)
