import re

from backend_architect import frameworks
from backend_architect.app import checks, rest
from backend_architect.app.routes import named_args, text
from backend_architect.core import languages
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule

CREATE_NAME = re.compile(r"^(create|add|insert|new|register|post)(_|[A-Z]|$)", re.I)
CREATES_RE = re.compile(
    r"\b(create|insert|save|add|persist|register|Create|Insert|Save|Add|Register)\w*\(|INSERT\s+INTO|\.objects\.create|new\s+[A-Z]\w*\(|\bdb\.add\(",
    re.I,
)
# frameworks whose success status is 200 unless the handler says otherwise
DEFAULT_200 = {
    "fastapi",
    "flask",
    "express",
    "fastify",
    "django",
    "net/http",
    "chi",
    "gorilla",
    "axum",
    "actix",
}


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
    """

    code = "API003"
    name = "wrong-success-status"
    command = "DESIGN_API"
    languages = (*checks.APP_LANGUAGES, "rust")
    severity = Severity.INFORMATION
    message = "{what}"
    fix_title = "answer 201 Created"
    fix_safety = Applicability.UNSAFE

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        a = checks.analysis(ctx)
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
            default_200 = (
                not success
                and r.framework in DEFAULT_200
                and not ("class" in h.extra and r.framework == "django")
            )
            end = data.find(b"\n", r.decl_start)
            end = r.decl_end if end < 0 else min(end, r.decl_end)
            if r.framework == "django" and r.method == "POST":
                end = h.node.child_by_field_name("name").end_byte
                start = h.node.child_by_field_name("name").start_byte
            else:
                start = r.decl_start
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
                    and CREATES_RE.search(
                        data[h.node.start_byte : h.node.end_byte].decode("utf-8", "replace")
                    )
                )
                if not creates or last and last[-1].lower() in rest.ACTION_SEGMENTS:
                    continue
                fix = self._fix(a, h, data)
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
                and (explicit_200 or default_200 or r.framework == "nestjs" and not success)
                and (r.path.endswith("}") or re.search(r"delete|remove|destroy", r.handler, re.I))
                and last_segment(r.path) not in rest.ACTION_SEGMENTS
            ):
                # DELETE of the resource itself; un-follow/un-favourite style actions answer the new state
                yield self.finding(
                    start,
                    end,
                    what=f"DELETE {r.path} answers 200 with a body; answer 204 No Content",
                )

    def _fix(self, a, h, data):
        fw = h.route.framework
        module = frameworks.by_name(fw)
        edits = module.created_status_edits(h, data) if module is not None else []
        if edits:
            return self.fix(edits)
        body = h.node.child_by_field_name("body")
        btext = data[body.start_byte : body.end_byte] if body is not None else b""
        edits = []
        if fw == "fastapi":
            call = h.decl.named_children[0]
            args = call.child_by_field_name("arguments")
            for kw in named_args(args):
                if (
                    kw.type == "keyword_argument"
                    and text(kw.child_by_field_name("name"), data) == "status_code"
                ):
                    v = kw.child_by_field_name("value")
                    return self.fix([Edit(v.start_byte, v.end_byte, "201")])
            first = named_args(args)[0]
            edits.append(Edit(first.end_byte, first.end_byte, ", status_code=201"))
            for m in re.finditer(rb"status_code\s*=\s*(200|status\.HTTP_200_OK)", btext):
                edits.append(Edit(body.start_byte + m.start(1), body.start_byte + m.end(1), "201"))
            return self.fix(edits)
        if fw in ("express",):
            res = h.route.request_names[1] if len(h.route.request_names) > 1 else "res"
            for m in re.finditer(
                rb"\b" + re.escape(res.encode()) + rb"\s*\.\s*(status\(\s*200\s*\)|json\(|send\()",
                btext,
            ):
                s = body.start_byte + m.start(1)
                if m.group(1).startswith(b"status"):
                    edits.append(Edit(s, body.start_byte + m.end(1), "status(201)"))
                else:
                    edits.append(Edit(s, s, "status(201)."))
            return self.fix(edits) if edits else None
        if fw in ("gin", "echo"):
            for m in re.finditer(
                rb"\.(JSON|IndentedJSON|PureJSON|String|XML)\(\s*(http\.StatusOK|200)\b", btext
            ):
                edits.append(
                    Edit(
                        body.start_byte + m.start(2),
                        body.start_byte + m.end(2),
                        "http.StatusCreated",
                    )
                )
            return self.fix(edits) if edits else None
        if fw == "flask":
            for r in languages.captures("python", "(return_statement) @r", body).get("r", []):
                v = r.named_children[0] if r.named_children else None
                if v is None:
                    continue
                if v.type in ("expression_list", "tuple") and len(v.named_children) >= 2:
                    code = v.named_children[1]
                    if text(code, data) in ("200", "HTTPStatus.OK"):
                        edits.append(Edit(code.start_byte, code.end_byte, "201"))
                    continue
                edits.append(Edit(v.end_byte, v.end_byte, ", 201"))
            return self.fix(edits) if edits else None
        if fw == "django":
            for m in re.finditer(rb"JsonResponse\(", btext):
                close = _close(btext, m.end() - 1)
                if close is None:
                    continue
                inner = btext[m.end() : close - 1]
                st = re.search(rb"status\s*=\s*(200|status\.HTTP_200_OK)", inner)
                if st:
                    edits.append(
                        Edit(
                            body.start_byte + m.end() + st.start(1),
                            body.start_byte + m.end() + st.end(1),
                            "201",
                        )
                    )
                elif not re.search(rb"status\s*=", inner):
                    edits.append(
                        Edit(
                            body.start_byte + close - 1, body.start_byte + close - 1, ", status=201"
                        )
                    )
            return self.fix(edits) if edits else None
        return None


def last_segment(path: str) -> str:
    segs = [s for s in path.split("/") if s]
    return segs[-1].lower() if segs else ""


def _close(data, i):
    depth = 0
    for j in range(i, min(len(data), i + 20000)):
        c = data[j : j + 1]
        if c == b"(":
            depth += 1
        elif c == b")":
            depth -= 1
            if depth == 0:
                return j + 1
    return None
