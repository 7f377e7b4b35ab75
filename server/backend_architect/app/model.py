"""What the handler layer knows about a route: the model every framework module fills in.

A framework module (``backend_architect.frameworks.<name>``) turns a parsed file into
:class:`Handler` objects; rules and generators read the :class:`Route` inside. Paths are
normalised to ``/users/{id}`` whatever the framework syntax (``:id``, ``<int:id>``,
``(?P<id>...)``, ``{id:[0-9]+}``); offsets are UTF-8 byte offsets into the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tree_sitter as ts
from ..core.lazy_re import lazy

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
CHANGING_METHODS = ("POST", "PUT", "PATCH", "DELETE", "ANY")

# Names of guards (auth dependencies, decorators, middleware). "optional" auth
# lets anonymous callers through, so it is not a guard.
GUARD_RE = lazy(
    r"auth|login_required|jwt|current_?user|currentuser|guard|protect|permission|verify_?token|"
    r"require_?(user|login|role|admin|scope|auth)|requires_?auth|is_?authenticated|isauthenticated|"
    r"isloggedin|logged_?in|oauth|bearer|api_?key|superuser|is_?admin|roles?\b|principal|passport|"
    r"ensure_?auth|token_required|access_?token|security|admin_user|get_\w*_user\b|"
    r"admins?_?(?:only|required)|staff_?(?:only|required)|get_(?:\w+_)?admin\b|"
    r"^must_?[a-z]",  # a middleware that aborts unless ...: MustUser(), MustOrgMember(true), MustPush
    re.I,
)
NOT_GUARD_RE = lazy(r"optional|get_db|session\b|throttl|limit", re.I)
LIMITER_RE = lazy(r"rate_?limit|limiter|throttl|slow_?down|ratelimit|brute", re.I)
SCHEMA_MW_RE = lazy(
    r"validat|celebrate|schema|zValidator|checkSchema|\bbody\(|\bquery\(|\bcheck\(|\bparam\(", re.I
)


@dataclass
class RequestRead:
    """Request data a handler reads: where, of which kind, and the field name when known."""

    kind: str  # body | query | path | header | form
    name: str | None
    start: int
    end: int


@dataclass
class Route:
    framework: str
    language: str
    method: str  # upper case; ANY when the route accepts every method
    path: str  # normalised: /users/{id}
    handler: str
    start: int  # the handler definition (or the reference to it when defined elsewhere)
    end: int
    decl_start: int  # the decorator / registration call
    decl_end: int
    reads: list[RequestRead] = field(default_factory=list)
    schema: str | None = None  # request model / DTO / validation schema
    guards: list[str] = field(default_factory=list)
    limiter: bool = False
    status_codes: list[int] = field(default_factory=list)
    response_model: str | None = None
    returns_body: bool = False
    group: str = ""  # the router / app / blueprint / controller / group the route hangs on
    path_params: list[str] = field(default_factory=list)
    handler_in_file: bool = True  # False when only a reference to the handler is visible
    request_names: list[str] = field(default_factory=list)  # req, request, c, ctx, w/r ...


@dataclass
class Handler:
    """A route plus the syntax the rules look at (not part of the public Route)."""

    route: Route
    node: ts.Node | None  # the handler function (None when defined in another file)
    decl: ts.Node | None
    extra: dict = field(default_factory=dict)


@dataclass
class Analysis:
    framework: str | None
    tree: ts.Tree | None
    handlers: list[Handler]
    data: bytes
    path: str | None = None  # the document's file (fixes read its project's dependencies)


def status_from_text(s: str) -> int | None:
    s = s.strip()
    if s.isdigit():
        n = int(s)
        return n if 100 <= n < 600 else None
    m = re.search(r"HTTP_(\d{3})", s)
    if m:
        return int(m.group(1))
    from http import HTTPStatus  # (an enum of 60 members: imported when a name is read)

    name = s.rsplit(".", 1)[-1]
    if name.startswith("Status") and len(name) > 6:  # Go http.StatusCreated
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name[6:]).upper()
        snake = {"O_K": "OK", "I_M_A_TEAPOT": "IM_A_TEAPOT"}.get(snake, snake)
        try:
            return HTTPStatus[snake].value
        except KeyError:
            return None
    try:
        return HTTPStatus[name.upper()].value  # HttpStatus.CREATED, HTTPStatus.CREATED
    except KeyError:
        return None


def path_params(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def normalise_path(path: str, prefix: str = "") -> str:
    p = path.strip()
    p = p.lstrip("^").rstrip("$") if p.startswith("^") or p.endswith("$") else p
    p = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", p)  # django regex groups
    p = re.sub(r"<(?:[\w.]+:)?(\w+)>", r"{\1}", p)  # <int:pk> / <id>
    p = re.sub(r"\{(\w+)(?:\.\.\.|:[^}]*)\}", r"{\1}", p)  # {id:[0-9]+}, {path...}
    p = re.sub(r":(\w+)(\([^)]*\))?\??", r"{\1}", p)  # :id, :id(\d+)
    p = re.sub(r"(?<=/)\*(\w+)", r"{\1}", p)  # gin catch-all
    p = p.replace("{$}", "")
    p = re.sub(r"/\?$", "", p)
    joined = "/" + "/".join(s for s in (prefix.strip("/"), p.strip("/")) if s)
    joined = re.sub(r"/+", "/", joined)
    return joined


def is_guard(name: str) -> bool:
    """A middleware / dependency / decorator name that reads as an auth guard."""
    # the package a Go or JS guard comes from can say it is one (`authentication.RequireClient`)
    # but not that it is not (`session.MustUser()`)
    bare = re.sub(r"^(?:\w+\.)+(?=\w+(?:\(|$))", "", name)
    return bool(GUARD_RE.search(name) or GUARD_RE.search(bare)) and not NOT_GUARD_RE.search(bare)
