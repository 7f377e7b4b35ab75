"""Shared helpers for the handler rules: the analysed routes, name patterns, import edits."""

from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING

from ..core import languages
from ..core.bounded import MB, byte_lru_cache
from ..lang import text
from ..core.lazy_re import lazy

if TYPE_CHECKING:  # pragma: no cover
    import tree_sitter as ts

    from .routes import Analysis, Handler

# The route analysis (and with it every framework module) is imported by the helpers that
# need it: a SQL rule importing `skip_tests` from here does not pay for it.


# Routes whose whole purpose is authentication (they cannot require it).
AUTH_ROUTE_RE = lazy(
    r"log_?in|sign_?in|sign-in|sign_?up|sign-up|register|registration|password|passwd|forgot|reset|"
    r"token|refresh|otp|verify|verification|2fa|mfa|magic|oauth|callback|webhook|confirm|activate|"
    r"invite|unsubscribe|auth|session|logout|health|public|contact|subscribe",
    re.I,
)
# Routes that attackers hammer: credentials, account creation, recovery, one-time codes.
SENSITIVE_ROUTE_RE = lazy(
    r"(^|[/_-])(log_?in|sign_?in|sign-in|sign_?up|sign-up|register|registration|forgot|reset|"
    r"password|passwd|token|refresh|otp|verify|verification|2fa|mfa|magic[-_]?link|one[-_]?time)($|[/_-]|\b)",
    re.I,
)
# A reference to the caller's identity inside a handler.
USER_REF_RE = lazy(
    r"current_?user|currentUser|request\.user|req\.user|req\.payload|req\.auth\b|request\.auth\b|\breq\.session\.user|"
    r"claims|getUser\(|get_user\(\s*request|c\.(?:Get|MustGet|GetString|GetInt64|GetUint)\(\s*\"(?:user|userID|user_id|claims|my_user_model|uid|sub)|"
    r"ctx\.(?:user|state\.user)|request\.state\.user|g\.user|\buser_id\s*==|owner|is_?admin|isAdmin|is_superuser|"
    r"role|permission|@User\(|@CurrentUser|userId\b|user\.id\b|auth\.uid|principal|jwt_get|get_jwt_identity|"
    r"UserFromContext|userFromContext|CurrentUserID|authenticated_?user|self\.user\b|this\.user\b",
    re.I,
)


def handlers(ctx) -> list[Handler]:
    return ctx.fact("handlers") or []


def analysis(ctx) -> Analysis:
    from .routes import analyse

    return analyse(ctx.document)


def tree(ctx) -> ts.Tree | None:
    """The document's syntax tree (shared with route extraction when there are routes)."""
    from .routes import analyse

    a = analyse(ctx.document)
    if a.tree is not None:
        return a.tree
    key = ("tree", len(ctx.document.data), hash(ctx.document.data))
    cache = ctx.document._cache
    if key not in cache:
        cache[key] = languages.parse(ctx.document.data, ctx.document.language)
    return cache[key]


def body_text(h: Handler, data: bytes) -> str:
    if h.node is None:
        return ""
    return text(h.node, data)


_TEST_PATH_RE = lazy(
    r"(^|/)(tests?|__tests__|spec|testdata|fixtures?|e2e|mocks?)/|_test\.go$|\.(test|spec)\.[jt]sx?$|(^|/)test_[^/]*\.py$|conftest\.py$"
)


@functools.lru_cache(maxsize=4096)  # asked by several rules for every file
def is_test_path(path: str) -> bool:
    return bool(_TEST_PATH_RE.search(path.replace("\\", "/").lower()))


def is_fixture_path(path: str) -> bool:
    """Our own rule fixtures live under tests/fixtures: analyse them like app code."""
    return "/tests/fixtures/" in path.replace("\\", "/")


def skip_tests(path: str) -> bool:
    return is_test_path(path) and not is_fixture_path(path)


# -- project manifests --------------------------------------------------------------------

MANIFESTS = (
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "go.mod",
    "setup.py",
    "setup.cfg",
)


def _manifests(folder: str) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime, size) of the dependency manifests of the project holding ``folder``
    (nearest ones up the tree, up to the repository root)."""
    out = []
    cur = folder
    for _ in range(8):
        for name in MANIFESTS:
            p = os.path.join(cur, name)
            try:
                st = os.stat(p)
            except OSError:
                continue
            if not os.path.isdir(p):
                out.append((p, st.st_mtime_ns, st.st_size))
        if os.path.exists(os.path.join(cur, ".git")):
            break
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    return tuple(out)


@byte_lru_cache(4 * MB, lambda text, stamp: sum(len(p) for p, _, _ in stamp) + len(text) + 100)
def _manifest_text(stamp: tuple[tuple[str, int, int], ...]) -> str:
    """The text of the manifests ``stamp`` names; keyed on their modification times and sizes,
    so an edited manifest is read again (a server runs for hours)."""
    out = []
    for p, _, _ in stamp:
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                out.append(f.read(200_000))
        except OSError:
            pass
    return "\n".join(out)


def project_dependencies(path: str) -> str:
    if not path or path.startswith("<"):
        return ""
    return _manifest_text(_manifests(os.path.dirname(os.path.abspath(path))))


JSON_MARKERS = lazy(
    r"\.json\(|jsonify|JSONResponse|JsonResponse|\.JSON\(|IndentedJSON|PureJSON|json\.NewEncoder|json\.Marshal|"
    r"Response\(|reply\.send\(|\.send\(\s*\{|return\s+\{|return\s+\[|serializer|ctx\.body\s*=|WriteJSON|writeJSON|RespondJSON|respondJSON",
)
HTML_MARKERS = lazy(
    r"render|template|HTMLResponse|\.HTML\(|redirect|Redirect|html/template|\.html['\"]", re.I
)


def is_json_api(h: Handler, data: bytes) -> bool:
    """True when the route serves JSON (REST conventions apply), not server-rendered pages."""
    r = h.route
    body = body_text(h, data)
    if body and HTML_MARKERS.search(body) and not JSON_MARKERS.search(body):
        return False
    if re.search(r"(^|/)(api|v\d+)(/|$)", r.path):
        return True
    from .. import frameworks

    fw = frameworks.by_name(r.framework)
    said = fw.serves_json(h, data) if fw is not None else None
    if said is not None:
        return said
    return bool(body and JSON_MARKERS.search(body))
