import re

from backend_architect import frameworks
from backend_architect.app import checks, rest
from backend_architect.frameworks.base import declaration_span
from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES

CREATE_NAME = re.compile(r"^(create|add|insert|new|register|post)(_|[A-Z]|$)", re.I)
CREATES_RE = re.compile(
    r"\b(create|insert|save|add|persist|register|Create|Insert|Save|Add|Register)\w*\(|INSERT\s+INTO|\.objects\.create|new\s+[A-Z]\w*\(|\bdb\.add\(",
    re.I,
)
# minting a token or a signed link persists nothing: no resource to answer 201 for
MINTED_RE = re.compile(r"token|jwt|signature|signed|url|link|hash", re.I)


def _creates_resource(body: str) -> bool:
    return any(not MINTED_RE.search(m.group(0)) for m in CREATES_RE.finditer(body))


class WrongSuccessStatus(Rule):
    """
    ## What it does
    Flags a POST that creates a resource but answers 200 (explicitly or by the
    framework's default) instead of 201 Created, and a DELETE that answers 200
    with a body instead of 204 No Content, in a file whose other routes answer
    201 (204): a codebase that answers every create with 200 follows its own
    convention, and only the exception to it is worth a change.

    ## Why is this bad?
    Status codes are the contract clients and caches act on. 201 tells the
    client a resource now exists (and where, with `Location`); 204 tells it
    there is nothing to parse. A 200 everywhere forces every client to guess
    from the body, and generated clients and API docs come out wrong.

    ## Example
    ```python
    @router.post("/users")
    async def create_user(body: UserCreate):
        return await users.create(body)
    ```

    ## Use instead
    ```python
    @router.post("/users", status_code=201)
    async def create_user(body: UserCreate):
        return await users.create(body)
    ```
    The fix sets 201 on the creating POST (FastAPI `status_code=201`, Flask
    `return ..., 201`, Express `res.status(201)`, Gin/Echo `http.StatusCreated`,
    Django `status=201`).

    Off by default: on 25 real backend repositories (2026-11-27) 1 of 2
    scored findings was right (precision 50%: 1 true, 1 false, 1 noise; 7
    true, 2 false over all samples): an API whose published contract fixes 200 (a reference
    implementation of a spec) cannot change it. Select `API003` to run it.
    """

    default_enabled = False
    code = "API003"
    name = "wrong-success-status"
    command = "DESIGN_API"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.INFORMATION
    message = "{what}"
    fix_title = "answer 201 Created"
    fix_safety = Applicability.UNSAFE

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        hs = checks.handlers(ctx)
        # A codebase that answers every create with 200 follows its own convention; the finding is
        # an inconsistency only where a sibling route of the file answers 201 (or 204 for DELETE).
        uses_201 = any(201 in h.route.status_codes for h in hs if h.route.method == "POST")
        uses_204 = any(204 in h.route.status_codes for h in hs if h.route.method == "DELETE")
        for h in hs:
            r = h.route
            if not checks.is_json_api(h, data):
                continue
            if h.node is None:
                continue
            success = [c for c in r.status_codes if 200 <= c < 300]
            explicit_200 = 200 in success and not any(c in (201, 202, 204) for c in success)
            fw = frameworks.by_name(r.framework)
            if fw is None:
                continue
            # a handler that names no status answers the framework's default
            default_200 = not success and fw.default_status(h) == 200
            start, end = (
                fw.finding_span(h, data) if r.method == "POST" else declaration_span(h, data)
            )
            if (
                r.method == "POST"
                and uses_201
                and not r.path.endswith("}")
                and (explicit_200 or default_200 and r.returns_body)
            ):
                last = [s for s in r.path.split("/") if s]
                creates = (
                    CREATE_NAME.search(r.handler.rsplit(".", 1)[-1])
                    or rest.is_collection_path(r.path)
                    and _creates_resource(
                        data[h.node.start_byte : h.node.end_byte].decode("utf-8", "replace")
                    )
                )
                if not creates or last and last[-1].lower() in rest.ACTION_SEGMENTS:
                    continue
                edits = fw.created_status_edits(h, data)
                fix = self.fix(edits) if edits else None
                yield self.finding(
                    start,
                    end,
                    fix=fix,
                    what=f"POST {r.path} creates a resource but answers 200; answer 201 Created",
                )
            elif (
                r.method == "DELETE"
                and uses_204
                and r.returns_body
                and (explicit_200 or default_200)
                and (r.path.endswith("}") or re.search(r"delete|remove|destroy", r.handler, re.I))
                and last_segment(r.path) not in rest.ACTION_SEGMENTS
            ):
                # DELETE of the resource itself; un-follow/un-favourite style actions answer the new state
                yield self.finding(
                    start,
                    end,
                    what=f"DELETE {r.path} answers 200 with a body; answer 204 No Content",
                )


def last_segment(path: str) -> str:
    segs = [s for s in path.split("/") if s]
    return segs[-1].lower() if segs else ""
