import re

from backend_architect.app import checks, rest
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES
from ...core.lazy_re import lazy

LIST_EVIDENCE = lazy(
    r"\.all\(\)|\.filter\(|\.filter_by\(|fetchall\(|\.scalars\(|objects\.|\.find\(\s*\{?|findMany\(|findAll\(|\.findAndCount\(|"
    r"\.Find\(&|\.Select\(|\bSELECT\b|\.list\(|\.scan\(|ListAll|\.query\(|\.Query\(|\.QueryContext\(|getMany\(|\.where\(|"
    r"\.fetch_all\(|\.load(?:::<[^>]*>)?\(",
)


# a query that ends in one row or one number: `.filter_by(verified=True).count()`, `.first()`
_ONE_ROW = lazy(
    r"\.(?:count|first|first_or_404|one|one_or_none|scalar|scalar_one|exists|get|aggregate|Count|First|Take)\("
)


def _lists_rows(scope: str) -> bool:
    """Whether the handler loads rows as a list: a query call whose chain (on its line) does
    not end in a single row or a count (``Users.query.filter_by(...).count()``)."""
    for m in LIST_EVIDENCE.finditer(scope):
        end = scope.find("\n", m.end())
        if not _ONE_ROW.search(scope, m.start(), end if end >= 0 else len(scope)):
            return True
    return False


# Query parameters that size a page.
PAGE_SIZE = lazy(
    r"^(limit|per_?page|page_?size|pagesize|perpage|size|take|first|max_?results|top)$", re.I
)


def _upper_bounded(names: set[str], scope: str) -> bool:
    """Whether the handler caps one of ``names`` (the parameter, the variables holding it)."""
    if re.search(
        r"\b(?:min|Min|clamp|Clamp)\w*\(|Math\.min\(|\ble\s*=|\blt\s*=|\bmax\s*=|\blte\s*=", scope
    ):
        return True
    for n in names:
        v = re.escape(n)
        if re.search(r"\b" + v + r"\w*\s*>=?\s*[\w.(]|[\w.)]\s*<=?\s*\b" + v, scope):
            return True
    return False


def _size_reads(h, data: bytes):
    """Page-size query values read as raw strings (not typed, bounded parameters) and the names they flow into."""
    typed = {id(r) for r in h.extra.get("typed_reads", [])}
    for read in h.route.reads:
        if read.kind != "query" or not read.name or id(read) in typed:
            continue
        name = read.name.split(".")[-1]
        if not PAGE_SIZE.match(name):
            continue
        names = {name}
        line_start = data.rfind(b"\n", 0, read.start) + 1
        m = re.match(
            rb"\s*(?:const|let|var)?\s*([\w, ]+?)\s*(?::\s*\w+\s*)?:?=(?!=)",
            data[line_start : read.start],
        )
        if m:
            names |= {
                v.strip() for v in m.group(1).decode().split(",") if v.strip() and v.strip() != "_"
            }
        yield read, name, names


class ListWithoutPagination(Rule):
    """
    ## What it does
    Flags a GET on a collection (`/users`, `/orders`) that lists rows and reads
    no pagination parameter (`limit`/`offset`, `page`/`per_page`, `cursor`...),
    and a page size read from the query string as a raw value (`c.Query("limit")`,
    `req.query.limit`, `request.args.get("per_page")`) that the handler never
    caps (no `min(...)`, no `limit > max` check). Typed parameters and
    validated queries (FastAPI `Query(le=...)`, a Fastify querystring schema,
    a DTO, binding tags) carry their own bounds. A handler whose queries end
    in one row or a number (`.count()`, `.first()`) lists nothing.

    ## Why is this bad?
    The response grows with the table: fine with 50 rows, a timeout and an
    out-of-memory error with 5 million. Clients cannot fetch the next page, and
    one scraper can make the database read the whole table per request.

    ## Example
    ```python
    @router.get("/orders")
    def list_orders(db: Session = Depends(get_db)):
        return db.query(Order).all()
    ```

    ## Use instead
    ```python
    @router.get("/orders")
    def list_orders(limit: int = Query(50, le=200), cursor: int | None = None, db: Session = Depends(get_db)):
        q = db.query(Order).order_by(Order.id)
        if cursor:
            q = q.filter(Order.id > cursor)
        return q.limit(limit).all()
    ```
    """

    code = "API004"
    name = "list-without-pagination"
    command = "DESIGN_API"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.INFORMATION
    message = "GET {path} returns a list with no pagination parameters; add limit/cursor (or page/per_page) with a maximum"
    unbounded_message = "GET {path} reads the page size `{name}` from the query with no upper bound; cap it (e.g. at 100)"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        for h in checks.handlers(ctx):
            r = h.route
            if r.method == "GET" and h.node is not None:
                yield from self._unbounded_page_size(h, data)
            if r.method != "GET" or h.node is None or not r.returns_body:
                continue
            if not rest.is_collection_path(r.path):
                continue
            if not checks.is_json_api(h, data):  # after the cheaper questions: it reads the body
                continue
            if any(
                read.name and rest.PAGINATION.match(read.name.split(".")[-1]) for read in r.reads
            ):
                continue
            scope = checks.body_text(h, data)
            if re.search(
                r"paginat|\blimit\b|offset|cursor|\bpage\b|per_page|pageSize|\.Limit\(|\.limit\(|\.take\(|\bLIMIT\b|\[:\s*\d+\]|\[\s*\d*\s*:\s*\d+\s*\]",
                scope,
                re.I,
            ):
                continue
            if any(read.kind == "query" and read.name is None for read in r.reads):
                continue  # the whole query object is passed on: pagination may be inside
            if (
                "class" in h.extra
                and re.search(
                    r"pagination_class|ListModelMixin|ListAPIView|ViewSet",
                    data[h.extra["class"].start_byte : h.extra["class"].end_byte].decode(
                        "utf-8", "replace"
                    ),
                )
                and "pagination_class = None"
                not in data[h.extra["class"].start_byte : h.extra["class"].end_byte].decode(
                    "utf-8", "replace"
                )
            ):
                continue  # DRF paginates through settings unless turned off
            rm = r.response_model or ""
            if not (
                re.match(r"^(list|List|Sequence|Iterable)\[|\[\]$|^Array<", rm)
                or _lists_rows(scope)
            ):
                continue
            end = data.find(b"\n", r.decl_start)
            yield self.finding(
                r.decl_start, r.decl_end if end < 0 else min(end, r.decl_end), path=r.path
            )

    def _unbounded_page_size(self, h, data: bytes):
        if h.route.schema is not None:
            return  # a validated query (route schema, DTO, model): its bounds live there
        scope = checks.body_text(h, data)
        for read, name, names in _size_reads(h, data):
            # strconv.Atoi(limit) / int(limit) / Number(limit): the converted variable counts too
            for n in list(names):
                for m in re.finditer(
                    r"(\w+)(?:\s*,\s*\w+)?\s*:?=\s*[\w.]*\(\s*" + re.escape(n) + r"\b", scope
                ):
                    names.add(m.group(1))
            if _upper_bounded(names, scope):
                continue
            yield self.finding(
                read.start,
                read.end,
                message=self.unbounded_message.format(
                    path=h.route.path or h.route.handler, name=name
                ),
            )
