import re

from backend_architect import frameworks
from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES
from ...core.lazy_re import lazy

ID_PARAM = lazy(r"^(id|pk|uuid|key)$|_(id|pk|uuid)$|[a-z](Id|ID|Uuid|UUID|Pk)$")
# Reading another user's profile (and its followers, posts...) is what a social app is for.
PROFILE_PATH = lazy(
    r"/(users|members|profiles|people|persons|authors)/\{[^}]+\}(/[a-z_-]+)?/?$", re.I
)
_OWNER = r"\b(?:owner|user|author|creator)(?:_?id|Id|ID)?"
OWNERSHIP_RE = lazy(
    _OWNER + r"\s*(?:==|!=)|(?:==|!=)=?\s*[\w.]*" + _OWNER + r"\b|"  # owner_id == user.id
    r"\b(?:filter|filter_by|where|Where|get|find|findOne|findFirst|findUnique|findMany|findAll|count)\([^)]*"
    + _OWNER
    + r"\s*[=:]|"
    r"where\s*:\s*\{[^}]*" + _OWNER + r"\b|"  # where: { userId }
    r"(?i:\b(?:owner|user|author|creator)_id\s*=\s*(?:\?|\$\d+|%s|:\w+))",  # WHERE user_id = $1
)
# Each of OWNERSHIP_RE's alternatives needs one of these words (in any case).
OWNER_WORDS = ("owner", "user", "author", "creator")


def _names_an_owner(text: str) -> bool:
    """False when ``text`` has no ownership test because it names none of OWNER_WORDS: a quick
    look before the handlers are searched one by one (the case folding covers every letter
    the search's ignored case matches, such as the long s)."""
    folded = text.casefold()
    return any(w in folded for w in OWNER_WORDS)


ROLE_GUARD = lazy(
    r"role|admin|owner|permission|polic|abilit|can[A-Z_]|scope|superuser|staff|acl|casl|authoriz|IsOwner|ObjectPermission",
    re.I,
)


def _role_by_default(guard: str, data: bytes, known: dict[str, bool]) -> bool:
    """Whether ``guard`` (``authMiddleware.Add()``) is a middleware whose API has a role variant
    in this file (``authMiddleware.WithAdminNotRequired().Add()``, ``auth.SkipRoleCheck()``):
    such a middleware checks the role unless told not to. ``known``: the answers by object,
    for the file (each object's calls are looked for once, not once per route)."""
    m = re.match(r"\s*&?([A-Za-z_][\w]*)\s*\.", guard)
    if m is None:
        return False
    obj = m.group(1)
    if obj not in known:
        uses = re.finditer(rb"\b" + re.escape(obj.encode()) + rb"\s*\.\s*(\w+)", data)
        known[obj] = any(ROLE_GUARD.search(u.group(1).decode("utf-8", "replace")) for u in uses)
    return known[obj]


class ObjectWithoutOwnershipCheck(Rule):
    """
    ## What it does
    Flags an authenticated handler that loads an object by an id taken from the
    path and returns or changes it without ever looking at the caller: no
    reference to the current user, `req.user`, the token claims, a role or an
    ownership/permission guard in the handler or its guards, in a file where
    other handlers scope their queries by the caller (`owner_id == user.id`,
    `filter(user=request.user)`, `where: { userId }`). Records that are not
    owned by a user (settings, types, organisation-wide data) are left alone.
    A guard counts as a role check when its name says so (`requireAdmin`,
    `checkPermission`) or when the same middleware has a role variant in the
    file (`authMiddleware.Add()` beside `authMiddleware.WithAdminNotRequired()`:
    it requires the role unless told not to).

    ## Why is this bad?
    This is an insecure direct object reference (IDOR), the most common API
    vulnerability: any logged-in user can read or modify anyone's object by
    changing the number in the URL (`/invoices/1042` → `/invoices/1043`).

    ## Example
    ```python
    @router.get("/invoices/{invoice_id}", dependencies=[Depends(get_current_user)])
    async def get_invoice(invoice_id: int, db: Session = Depends(get_db)):
        return db.get(Invoice, invoice_id)
    ```

    ## Use instead
    ```python
    @router.get("/invoices/{invoice_id}")
    async def get_invoice(invoice_id: int, user: User = Depends(get_current_user), db: Session = Depends(get_db)):
        invoice = db.get(Invoice, invoice_id)
        if invoice is None or invoice.owner_id != user.id:
            raise HTTPException(404)
        return invoice
    ```
    """

    code = "AZ001"
    name = "object-without-ownership-check"
    command = "AUTHZ_DESIGN"
    languages = APP_LANGUAGES
    severity = Severity.WARNING
    message = "{method} {path} loads the object `{param}` names and {does} it without checking that the caller owns it or may access it"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        hs = checks.handlers(ctx)
        # Objects are owned when the file scopes some query by the caller (owner_id == user.id,
        # filter(user=request.user), where: { userId }); organisation-wide records (settings,
        # types, shared incidents) are not an ownership question.
        if not hs or not _names_an_owner(ctx.document.text):
            return
        if not any(OWNERSHIP_RE.search(checks.body_text(h, data)) for h in hs):
            return
        role_objects: dict[str, bool] = {}
        for h in hs:
            r = h.route
            if h.node is None or not r.guards:
                continue  # public routes are a different question (AU001)
            if any(
                ROLE_GUARD.search(g) or _role_by_default(g, data, role_objects) for g in r.guards
            ):
                continue
            params = [
                p for p in (r.path_params or h.extra.get("url_args", [])) if ID_PARAM.search(p)
            ]
            if not params:
                continue
            if r.method in ("PUT", "PATCH", "DELETE"):
                does = "changes"
            elif r.method == "GET" and r.returns_body and not PROFILE_PATH.search(r.path):
                does = "returns"
            else:
                continue
            scope = checks.body_text(h, data) + _called_methods(h, data)
            cls = h.extra.get("class")
            fw = frameworks.by_name(r.framework)
            if cls is not None and fw is not None and fw.class_scoped_access_checks:
                # DRF: get_queryset may filter by user
                scope = data[cls.start_byte : cls.end_byte].decode("utf-8", "replace")
                scope = re.sub(r"(permission|authentication)_classes\s*=[^\n]*", "", scope)
            if checks.USER_REF_RE.search(scope) or h.extra.get("user_param"):
                continue
            param = params[-1]
            if not re.search(r"\b" + re.escape(param) + r"\b|params\b|Param\(", scope):
                continue
            yield self.finding(
                r.decl_start,
                _line_end(data, r.decl_start, r.decl_end),
                method=r.method,
                path=r.path or r.handler,
                param=param,
                does=does,
            )


def _line_end(data, s, e):
    n = data.find(b"\n", s)
    return e if n < 0 else min(e, n)


def _called_methods(h, data: bytes) -> str:
    """The bodies of this class's methods the handler calls (``self.set_rating(...)``): checks often live there."""
    node = h.node
    cls = node.parent if node is not None else None
    while cls is not None and cls.type not in (
        "class_definition",
        "class_declaration",
        "class_body",
    ):
        cls = cls.parent
    if cls is None:
        return ""
    body = data[node.start_byte : node.end_byte].decode("utf-8", "replace")
    names = set(re.findall(r"\b(?:self|this)\.(\w+)\(", body))
    if not names:
        return ""
    out = []
    ctext = data[cls.start_byte : cls.end_byte].decode("utf-8", "replace")
    for name in names:
        m = re.search(
            r"(?:def|async\s+def)\s+"
            + re.escape(name)
            + r"\([\s\S]*?(?=\n\s*(?:@|def |async def )|\Z)",
            ctext,
        ) or re.search(
            r"\n\s*(?:async\s+)?" + re.escape(name) + r"\([^)]*\)[^{;]*\{[\s\S]*?\n\s{0,4}\}", ctext
        )
        if m:
            out.append(m.group(0))
    return "\n".join(out)
