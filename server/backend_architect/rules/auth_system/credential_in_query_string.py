import re

from backend_architect.app import checks
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES
from ...core.lazy_re import lazy

CREDENTIAL = lazy(
    r"^(access_?token|auth_?token|token|jwt|id_?token|refresh_?token|api_?key|apikey|secret|client_?secret|"
    r"password|passwd|pwd|session_?id|sessionid|bearer)$",
    re.I,
)
# one-time links (email verification, password reset, invitations, OAuth callbacks) and
# websockets (browsers cannot set headers on them) legitimately carry a token in the URL
EXEMPT = lazy(
    r"verif|confirm|reset|activat|invit|unsubscribe|callback|oauth|magic|ws\b|socket|download|share|preview",
    re.I,
)
# a file export or a signed (presigned) URL fetched through a link: a `token` there is the
# link's signature (an API key is not)
SIGNED_EXPORT = lazy(r"export|(?:pre)?signed|(?:^|[/_.-])sign(?:$|[/_.-])", re.I)


class CredentialInQueryString(Rule):
    """
    ## What it does
    Flags handlers that read a token, API key or password from the query string
    (`request.args["token"]`, `req.query.password`, `c.Query("token")`, a
    FastAPI query parameter named `api_key`). One-time links (verification,
    reset, invitations, OAuth callbacks), websockets, and the `token` of a
    signed URL or export link (`/object/sign/...`, a presigned download: the
    token is the link's signature) are not flagged.

    ## Why is this bad?
    URLs are logged everywhere: access logs, proxies, CDN logs, browser history,
    and the `Referer` header sent to third parties. A credential in the query
    string leaks to all of them and stays there.

    ## Example
    ```js
    router.get("/reports", (req, res) => {
      const user = verify(req.query.token);
    });
    ```

    ## Use instead
    ```js
    router.get("/reports", (req, res) => {
      const user = verify(req.get("Authorization")?.replace("Bearer ", ""));
    });
    ```
    """

    code = "AU005"
    name = "credential-in-query-string"
    command = "AUTH_SYSTEM"
    languages = APP_LANGUAGES
    severity = Severity.WARNING
    message = "`{name}` is read from the query string; send credentials in the Authorization header or the body"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        for h in checks.handlers(ctx):
            r = h.route
            if h.extra.get("websocket") or EXEMPT.search(r.path + " " + r.handler):
                continue
            for read in r.reads:
                if read.kind != "query" or not read.name:
                    continue
                leaf = read.name.split(".")[0]
                if leaf.lower() == "token" and SIGNED_EXPORT.search(r.path + " " + r.handler):
                    continue
                if CREDENTIAL.match(leaf):
                    yield self.finding(read.start, read.end, name=leaf)
