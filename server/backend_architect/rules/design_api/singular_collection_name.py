from backend_architect.app import checks, rest
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES


class SingularCollectionName(Rule):
    """
    ## What it does
    Flags a singular noun used as a collection in a path, i.e. a segment
    followed by an id: `/user/{id}`, `/article/{slug}/comment/{id}`, in a
    file whose other collections are mostly plural (the exception to the
    file's convention). The caller (`/me`, `/user` for the current user),
    actions (`/login`, `/search`, `/recalculate`), states (`/completed`) and
    uncountable nouns are not flagged.

    Off by default: measured at 0% precision on real code (10 findings
    sampled of 10 over 24 public repositories, 2026-11-27: 0 true, 4 false,
    6 noise). Singular segments in front of an id are mostly lookup keys,
    types and sub-resources in real APIs. Turn it on with
    `select = ["API002"]` for a new API.

    ## Why is this bad?
    `GET /users` lists, `GET /users/{id}` reads one: the same plural noun names
    the collection and its members. Mixing `/user/{id}` with `/users` makes
    clients guess and breaks generated clients and docs.

    ## Example
    ```
    GET /user/{id}
    ```

    ## Use instead
    ```
    GET /users/{id}
    ```
    """

    code = "API002"
    name = "singular-collection-name"
    command = "DESIGN_API"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.INFORMATION
    default_enabled = False
    message = (
        "`/{segment}/{{...}}` names a collection with a singular noun; use `/{plural}/{{...}}`"
    )

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        seen = set()
        hs = checks.handlers(ctx)
        # The file's own convention: most collections in front of an id are plural here.
        before_ids = [
            seg
            for h in hs
            for seg, nxt in _pairs(h.route.path)
            if "{" in nxt
            and "{" not in seg
            and seg not in rest.SINGULAR_OK
            and seg not in rest.VERBS
        ]
        plural = sum(1 for seg in before_ids if rest.is_plural(seg))
        mostly_plural = plural >= len(before_ids) - plural
        all_segments = {seg for h in hs for seg in h.route.path.split("/")}
        for h in hs:
            r = h.route
            if not checks.is_json_api(h, data):
                continue
            segs = [s for s in r.path.split("/") if s]
            for i, seg in enumerate(segs[:-1]):
                if "{" in seg or "{" not in segs[i + 1]:
                    continue
                if not seg.isalpha() or not seg.islower() or len(seg) < 3:
                    continue
                if seg in rest.SINGULAR_OK or seg in rest.VERBS or rest.is_plural(seg):
                    continue
                if seg.endswith(("ed", "ing", "ate", "ify", "ize")):
                    continue  # a state or an action (completed, pending, recalculate), not a collection
                if not (mostly_plural or _plural(seg) in all_segments):
                    continue
                if (seg, r.decl_start) in seen:
                    continue
                seen.add((seg, r.decl_start))
                end = data.find(b"\n", r.decl_start)
                yield self.finding(
                    r.decl_start,
                    r.decl_end if end < 0 else min(end, r.decl_end),
                    segment=seg,
                    plural=_plural(seg),
                )
                break


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("x", "ch", "sh", "z")):
        return word + "es"
    return word + "s"


def _pairs(path: str):
    segs = [s for s in path.split("/") if s]
    return zip(segs, segs[1:], strict=False)
