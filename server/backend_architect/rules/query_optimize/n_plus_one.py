import os
import re
from dataclasses import dataclass

from tree_sitter import Node

from backend_architect.app import embedded
from backend_architect.lang import APP_LANGUAGES
from backend_architect.lang import text as _text
from backend_architect.core import languages
from backend_architect.core.bounded import MB, ByteLRU
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule


class NPlusOneQuery(Rule):
    """
    ## What it does
    Flags a query executed once per row of another query (N+1): a query
    inside a loop over the rows of another query, a SELECT inside a loop
    over any collection that uses the loop item, an ORM relation read inside
    a loop over a queryset or result (Django, SQLAlchemy, Prisma, TypeORM and
    GORM where the loop and the relation are visible in the file), and a call
    per item to a function that runs a query: a repository finder or a
    serializer defined in the same file, imported from a relative module, or
    defined in another file of the same folder (Go package, Rust module
    folder). Rust: sqlx / tokio-postgres statements and diesel
    `.filter(...).load(conn)` chains run per item of a `for` or `while let`
    loop; test modules and functions are skipped.

    Loops over a constant (a literal list, an `ALL_CAPS` name, `range(3)`),
    loops that stop at the first item (`break` / `return` in the body) and
    calls whose name says they batch (`..._many`, `bulk_...`, `..._by_ids`)
    are not flagged.

    ## Why is this bad?
    One request turns into one query per row: a page of 100 posts costs 101
    round trips, and the cost grows with the data instead of staying flat.
    Each round trip pays network latency and a connection from the pool.

    ## Example
    ```python
    for post in Post.objects.filter(published=True):
        print(post.author.name)  # one query per post
    ```

    ## Use instead
    ```python
    for post in Post.objects.select_related("author").filter(published=True):
        print(post.author.name)  # loaded with a join
    ```
    Many-valued relations load with `prefetch_related("tags")` (Django),
    `selectinload(Post.comments)` (SQLAlchemy), `include: { posts: true }`
    (Prisma) or `Preload("Posts")` (GORM); raw SQL reads all rows with one
    query, `WHERE id = ANY($1)` / `IN (...)`, outside the loop.

    Off by default: of 18 findings drawn at random from 25 public backend
    repositories (November 2026) and read by hand, 6 were true, 4 false and
    8 noise: measured precision 60% (true / (true + false)); the false ones were memoised or cached look-ups and loops over fixed lists.
    Select `QO020` to run it.

    ## Fix safety
    `select_related`, `prefetch_related` and `selectinload` return the same
    objects and are safe. The Prisma and GORM fixes also remove the per-row
    query, so they are unsafe: read the loop before applying them. Raw SQL
    gets no automatic fix.
    """

    code = "QO020"
    default_enabled = False
    name = "n-plus-one-query"
    command = "QUERY_OPTIMIZE"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.WARNING
    message = "{what} loads once per row of {outer} (N+1); load it with the outer query"
    fix_title = "load {rel} with {how}"
    fix_safety = Applicability.SAFE

    def check_document(self, ctx):
        tree = ctx.fact("app_tree")
        if tree is None:
            return
        lang = ctx.document.language
        path = ctx.document.path.replace("\\", "/")
        if (
            ctx.is_migration
            or _is_test(path, ctx.document.text)
            or _MIGRATION_CODE.search(ctx.document.text)
        ):
            return  # one-off data migrations and tests are not request paths
        analysis = _Analysis(ctx, tree, self)
        if lang == "python":
            found = analysis.python()
        elif lang == "go":
            found = analysis.go()
        elif lang == "rust":
            found = analysis.rust()
        else:
            found = analysis.javascript()
        seen = set()
        for f in found:
            if f.start in seen:
                continue  # one call seen both as an ORM query and as a function that queries
            seen.add(f.start)
            yield f


@dataclass
class _Loop:
    node: Node  # the loop statement (or the callback of .map/.forEach)
    var: str  # loop variable name
    iterable: Node  # the expression looped over
    body: Node
    var_node: Node | None = None


_PY_LOOPS = "(for_statement left: (_) @var right: (_) @iter body: (_) @body) @loop"
_JS_LOOPS = """
(for_in_statement left: (_) @var right: (_) @iter body: (_) @body) @loop
(call_expression function: (member_expression object: (_) @iter property: (property_identifier) @m)
  arguments: (arguments . [(arrow_function parameters: (formal_parameters . (PARAM) @var) body: (_) @body)
                         (arrow_function parameter: (identifier) @var body: (_) @body)
                         (function_expression parameters: (formal_parameters . (PARAM) @var) body: (_) @body)])
  (#any-of? @m "map" "forEach" "flatMap")) @loop
"""
_GO_LOOPS = """
(for_statement (range_clause left: (expression_list) @var right: (_) @iter) body: (_) @body) @loop
(for_statement (call_expression function: (selector_expression field: (field_identifier) @next)) @iter body: (_) @body
  (#eq? @next "Next")) @loop
"""

_RUST_LOOPS = """
(for_expression pattern: (_) @var value: (_) @iter body: (_) @body) @loop
(while_expression condition: (let_condition pattern: (_) @var value: (_) @iter) body: (_) @body) @loop
"""
# what a Rust loop walks when it walks rows: a fetched result set or a row stream
_RUST_ROWS = re.compile(
    r"\.(?:fetch_all|fetch|fetch_many|query|query_raw|query_map|load|get_results|try_next|next)\b"
)
_DIESEL_RUN = """
(call_expression function: (field_expression value: (call_expression) field: (field_identifier) @m)
                 arguments: (arguments) @args
  (#any-of? @m "load" "first" "get_result" "get_results" "get_result_async" "load_async")) @call
"""
_DIESEL_CONN = re.compile(
    r"^\(\s*&?(?:mut\s+)?\*?\w*(?:conn|pool|db)\w*\s*\)$|^\(\s*&?mut\s+\w+\s*\)$"
)

_RAW_RESULT = re.compile(
    r"\.(?:fetchall|fetchmany|fetch|fetch_all|fetchrows|execute|iterate|raw|exec_driver_sql|mappings|scalars|all)\s*\("
)
_DJANGO_QS = re.compile(r"\b([A-Z]\w*)\.objects\b")
_SA_QUERY = re.compile(r"\.query\(\s*([A-Z]\w*)\s*\)|\bselect\(\s*([A-Z]\w*)\s*\)")
_SCALAR_NAMES = re.compile(
    r"(?:_at|_on|_date|_time|date|time|timestamp|name|title|email|id|pk|_id|count|total|amount|price|status|type|"
    r"kind|slug|url|path|text|body|content|data|json|meta|_meta|value|values|year|month|day|hour|minute|"
    r"seconds|days|size|length|state|code|config|settings|info|details|address|location|point|file|image|photo|"
    r"avatar|description|summary|request|user_agent|headers|objects|query|errors|cleaned_data|fields|amount|balance|"
    r"currency|phone|money|parameters|configuration|settings|options|metadata|private_metadata|attrs|extra|payload)$"
)


_WRITES = {
    "add",
    "create",
    "remove",
    "set",
    "clear",
    "update",
    "delete",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "append",
    "extend",
    "pop",
    "insert",
    "setdefault",
    "discard",
}
_TEST_FILE = re.compile(
    r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$|_test\.go$|\.(test|spec)\.[jt]sx?$"
)
_TEST_CODE = re.compile(
    r"^\s*(?:import pytest|from pytest|import unittest|from unittest|from django\.test)\b|"
    r"^\s*(?:describe|it|test)\(\s*['\"`]",
    re.M,
)


_MIGRATION_CODE = re.compile(
    r"^class Migration\(migrations\.Migration\)|^from alembic import op|"
    r"^\s*(?:async\s+)?up(?:\s*:\s*async)?\s*\(\s*queryInterface",
    re.M,
)


# test helpers in their own folder (`testutil/`, `riverdrivertest/`, `__tests__/`) and migration runners
_TEST_OR_MIGRATION_DIR = re.compile(r"(?i)test|^fixtures$|^migrat")


def _is_test(path: str, text: str) -> bool:
    folder = os.path.basename(os.path.dirname(path))
    return bool(
        _TEST_FILE.search(path)
        or _TEST_CODE.search(text)
        or _TEST_OR_MIGRATION_DIR.search(folder)
        or re.search(r"(?i)migrat[^/]*$", os.path.basename(path))
    )


RAW_MESSAGE = (
    "This query runs once per row of {outer} (N+1); read all the rows with one query "
    "(`{batch}`) before the loop"
)


class _Analysis:
    def __init__(self, ctx, tree, rule):
        self.ctx = ctx
        self.doc = ctx.document
        self.data = ctx.document.data
        self.tree = tree
        self.rule = rule
        self.lang = ctx.document.language
        self._finder = None

    def src(self, node) -> str:
        return _text(node, self.data)

    def finder(self):
        if self._finder is None:
            self._finder = embedded._Finder(self.ctx, self.tree)
        return self._finder

    def loops(self, query_src) -> list[_Loop]:
        out = []
        if "PARAM" in query_src:
            query_src = query_src.replace(
                "PARAM", "identifier" if self.lang == "javascript" else "required_parameter"
            )
        for _, caps in languages.matches(self.lang, query_src, self.tree.root_node):
            var = caps.get("var", [None])[0]
            name = self.src(var) if var is not None else ""
            if self.lang == "go" and var is not None:
                names = [self.src(c) for c in var.named_children]
                name = names[-1] if names else ""
                if name == "_" and names:
                    name = names[0]
            if var is not None and var.type == "required_parameter":
                name = self.src(var.named_children[0]) if var.named_children else name
            if self.lang == "go" and var is None:
                name = "Next"  # for rows.Next() { ... }
            out.append(_Loop(caps["loop"][0], name.strip(), caps["iter"][0], caps["body"][0], var))
        return out

    def origin(self, node) -> str:
        """The iterable's source text, following one local assignment."""
        text = self.src(node)
        if node.type == "identifier":
            values, _ = self.finder().resolve(node, node.start_byte)
            if values:
                return self.src(values[-1])
            # destructuring / multi-assignment: `const { rows } = await pool.query(...)`
            scope = self.finder().scope_of(node)
            before = self.data[scope.start_byte : node.start_byte].decode("utf-8", "surrogatepass")
            found = list(
                re.finditer(rf"\b{re.escape(text)}\b[^=\n;]*?(?::=|=)\s*([^\n;]+)", before)
            )
            if found:  # the last assignment before the use
                return found[-1].group(1)
        return text

    def inside(self, node, loop: _Loop) -> bool:
        return loop.body.start_byte <= node.start_byte and node.end_byte <= loop.body.end_byte

    def mentions(self, node, name: str) -> bool:
        """Does the node use the loop variable (any name of a destructuring pattern)?"""
        names = [
            n
            for n in re.findall(r"[A-Za-z_$][\w$]*", name)
            if n not in ("const", "let", "var", "_")
        ]
        text = self.src(node)
        return any(re.search(rf"(?<![\w.$]){re.escape(n)}\b", text) for n in names)

    # ---- raw SQL: a query call inside a loop over rows -----------------------------------

    def raw_sql(self, loops, is_rows):
        sites = self.ctx.fact("embedded_sql") or []
        reported = set()
        for site in sites:
            for loop in loops:
                if not self.inside(site.call, loop) or site.call.start_byte in reported:
                    continue
                origin = self.origin(loop.iterable)
                if not is_rows(loop, origin) and not (
                    re.match(r"\s*\(?\s*(?:SELECT|WITH)\b", site.decoded, re.I)
                    and self.per_item(loop)
                    and not re.search(
                        r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE)\b", site.decoded, re.I
                    )
                ):
                    continue
                args = site.extra.get("args")
                if self.lang == "go" and loop.var == "Next":
                    if not self._go_scanned_in(loop, args):
                        continue
                elif not self.mentions(args, loop.var):
                    continue
                reported.add(site.call.start_byte)
                fix = self._raw_batch_fix(site, loop) if self.lang == "python" else None
                yield self.rule.finding(
                    site.call.start_byte,
                    site.call.end_byte,
                    message=RAW_MESSAGE.format(
                        outer=f"`{_short(origin)}`",
                        batch="= ANY($1)" if site.style == "$" else "IN (...)",
                    ),
                    fix=fix,
                )

    # ---- a function that queries, called once per item -----------------------------------

    def per_item(self, loop: _Loop) -> bool:
        """Does the loop body run once per item of a collection that is not a small constant,
        and go on past the first item?"""
        it = loop.iterable
        if loop.var == "Next":
            return True
        text = self.src(it).strip()
        if it.type in (
            "list",
            "tuple",
            "array",
            "set",
            "dictionary",
            "string",
            "composite_literal",
            "interpreted_string_literal",
            "raw_string_literal",
            "list_comprehension",
            "object",
        ):
            return False
        if (
            re.fullmatch(
                r"(?:self\.|this\.|\w+\.)?_?[A-Z][A-Z0-9_]*(?:\.(?:items|keys|values)\(\))?", text
            )
            or self.lang == "python"
            and re.fullmatch(r"(?:\w+\.)?[A-Z][a-z]\w*", text)
        ):
            return False  # a constant, or a class / enum of choices
        if re.fullmatch(
            r"(?:range|enumerate|sorted|reversed|zip)\(\s*(?:\d+|\[[^\]]*\]|\([^)]*\)|_?[A-Z][A-Z0-9_]*)\s*\)",
            text,
        ):
            return False
        if it.type == "identifier":
            values, _ = self.finder().resolve(it, it.start_byte)
            if values and values[-1].type in (
                "list",
                "tuple",
                "array",
                "set",
                "composite_literal",
                "dictionary",
            ):
                return False
        body = loop.body
        stmts = body.named_children
        if len(stmts) == 1 and stmts[0].type == "statement_list":
            stmts = stmts[0].named_children
        # a loop that stops at the first item is no loop of queries
        return not any(c.type in ("break_statement", "return_statement") for c in stmts)

    def _concurrent(self, call, loops) -> bool:
        """Is the call inside a function literal passed to `go` / `pool.Go(...)` within the loop?"""
        n = call.parent
        while n is not None and n.type not in ("for_statement",):
            if n.type == "func_literal":
                p = n.parent
                if p is not None and p.type == "go_statement":
                    return True
                if (
                    p is not None
                    and p.type == "argument_list"
                    and p.parent is not None
                    and re.search(
                        r"(?:^|\.)(?:Go|Submit|Run|Spawn|Do)$",
                        self.src(p.parent.child_by_field_name("function") or p),
                    )
                ):
                    return True
            if n.type == "go_statement":
                return True
            n = n.parent
        return False

    def per_item_calls(self, loops):
        """`for u in users: repo.get_orders(u.id)` where `get_orders` (in this file, an imported module
        or another file of the package) runs a query."""
        sites = self.ctx.fact("embedded_sql") or []
        local = _querying_functions(
            self.tree, self.data, self.lang, [s.call.start_byte for s in sites]
        )
        imported = None
        package = None
        reported = set()
        for _, caps in languages.matches(self.lang, _CALLS[_qlang(self.lang)], self.tree.root_node):
            call = caps["call"][0]
            name = self.src(caps["name"][0])
            recv = caps.get("recv", [None])[0]
            if (
                call.start_byte in reported
                or _BATCHED_NAME.search(name)
                or _writes(name)
                or name in _DB_API
            ):
                continue
            if self._concurrent(call, loops):
                continue  # fanned out to goroutines / a worker pool: a deliberate concurrent walk
            if recv is not None and name in _GENERIC_METHODS:
                continue
            inner = [lp for lp in loops if self.inside(call, lp)]
            if not inner:
                continue
            loop = max(inner, key=lambda lp: lp.body.start_byte)
            args = caps["args"][0]
            if self.lang == "go" and loop.var == "Next":
                if not self._go_scanned_in(loop, args):
                    continue
            elif not self.mentions(args, loop.var):
                continue
            enclosing = self.finder().scope_of(call)
            own = enclosing.child_by_field_name("name") if enclosing.parent is not None else None
            if own is not None and self.src(own) == name:
                continue  # recursion
            where = None
            if name in local:
                if not all(local[name]):
                    continue
                where = f"in `{name}`"
            else:
                if imported is None:
                    imported = (
                        _imported_functions(self.doc.path, self.doc.text, self.lang)
                        if self.doc.path
                        else {}
                    )
                if name in imported:
                    module, qs = imported[name]
                    if not qs or not all(qs):
                        continue
                    where = f"in `{module}`"
                else:
                    if package is None:
                        package = (
                            _package_functions(self.doc.path, self.lang) if self.doc.path else {}
                        )
                    qs = package.get(name)
                    if not qs or not all(qs):
                        continue
                    where = f"in `{name}`"
            if not self.per_item(loop) or _INPUT_ITERABLE.match(self.src(loop.iterable).strip()):
                continue
            reported.add(call.start_byte)
            yield self.rule.finding(
                call.start_byte,
                call.end_byte,
                message=CALL_MESSAGE.format(
                    call=_short(self.src(call)),
                    where=where,
                    outer=f"`{_short(self.src(loop.iterable))}`",
                    batch="WHERE ... IN (...)",
                ),
            )

    def _raw_batch_fix(self, site, loop):
        """`x = await conn.fetch("SELECT ... WHERE fk = $1", row["id"])` inside `for row in rows:`
        becomes one `fk = ANY($1)` query before the loop, grouped by fk, and a lookup in it.

        Offered only for that exact shape (asyncpg-style fetch of a plain SELECT filtered by one
        equality); the rows gain the key column, so the fix is unsafe: review it."""
        call = site.call
        if site.method != "fetch" or site.style != "$" or site.formatting or len(site.params) != 1:
            return None
        if site.arg is None or site.arg.type != "string" or loop.iterable.type != "identifier":
            return None
        expr = call.parent if call.parent is not None and call.parent.type == "await" else call
        assign = expr.parent
        if (
            assign is None
            or assign.type != "assignment"
            or assign.child_by_field_name("right") != expr
        ):
            return None
        target = assign.child_by_field_name("left")
        stmt = assign.parent
        if (
            target is None
            or target.type != "identifier"
            or stmt is None
            or stmt.type != "expression_statement"
        ):
            return None
        col = _single_key_select(site.decoded)
        if col is None:
            return None
        sql = site.decoded
        batched = re.sub(rf"(\b{re.escape(col)}\s*=\s*)\$1\b", r"\1ANY($1)", sql, count=1)
        if batched == sql:
            return None
        if not re.match(r"\s*SELECT\s+\*", batched, re.I) and not re.match(
            rf"\s*SELECT\s+{re.escape(col)}\b", batched, re.I
        ):
            batched = re.sub(r"^(\s*SELECT\s+)", rf"\g<1>{col}, ", batched, count=1, flags=re.I)
        import json as _json

        name = self.src(target)
        by = f"{name}_by_{col}"
        param = self.src(site.params[0])
        awaited = "await " if expr is not call else ""
        indent = self.data[
            self.data.rfind(b"\n", 0, loop.node.start_byte) + 1 : loop.node.start_byte
        ].decode()
        if indent.strip():
            return None  # the loop does not start its line
        before = (
            f"{by} = {{}}\n"
            f"{indent}for _row in {awaited}{site.receiver}.fetch({_json.dumps(batched)}, "
            f"[{param} for {loop.var} in {self.src(loop.iterable)}]):\n"
            f'{indent}    {by}.setdefault(_row["{col}"], []).append(_row)\n{indent}'
        )
        return self.rule.fix(
            [
                Edit(loop.node.start_byte, loop.node.start_byte, before),
                Edit(expr.start_byte, expr.end_byte, f"{by}.get({param}, [])"),
            ],
            title=f"read every row with one `{col} = ANY($1)` query before the loop",
            safety=Applicability.UNSAFE,
        )

    def _go_scanned_in(self, loop, args) -> bool:
        """rows.Next() loops: the inner query uses a value Scan()ned from the row."""
        body = self.src(loop.body)
        m = re.search(r"\.Scan\(([^)]*)\)", body)
        if not m:
            return False
        scanned = [re.sub(r"^&", "", a.strip()) for a in m.group(1).split(",")]
        return any(s and self.mentions(args, s.split(".")[0]) for s in scanned)

    # ---- Python --------------------------------------------------------------------------

    def python(self):
        loops = self.loops(_PY_LOOPS)
        if not loops:
            return
        yield from self.raw_sql(
            loops,
            lambda loop, origin: (
                bool(_RAW_RESULT.search(origin))
                and not _DJANGO_QS.search(origin)
                and not _SA_QUERY.search(origin)
                or origin.strip() in ("cur", "cursor", "rows", "result", "records")
            ),
        )
        models = _py_models(self)
        yield from self.django(loops, models)
        yield from self.sqlalchemy(loops, models)
        yield from self.per_item_calls(loops)

    def _accesses(self, loop: _Loop):
        """(relation, next attribute or call, node of `x.rel`) for `x.rel.attr` / `x.rel.all()` in the body."""
        q = "(attribute object: (attribute object: (identifier) @v attribute: (identifier) @rel) @acc attribute: (identifier) @attr)"
        out = []
        for _, caps in languages.matches("python", q, loop.body):
            if self.src(caps["v"][0]) != loop.var:
                continue
            outer = caps["acc"][0].parent
            called = outer is not None and outer.parent is not None and outer.parent.type == "call"
            out.append(
                (self.src(caps["rel"][0]), self.src(caps["attr"][0]), caps["acc"][0], called)
            )
        return out

    def django(self, loops, models):
        for loop in loops:
            origin_node = loop.iterable
            origin = self.origin(origin_node)
            m = _DJANGO_QS.search(origin)
            if not m or re.search(
                r"\.(values|values_list|count|exists|aggregate|iterator)\(", origin
            ):
                continue
            model = m.group(1)
            known = models.get(model)
            if known is None:
                known = _imported_models(self.doc.path, self.doc.text, model)
            loaded = re.findall(r"""(?:select|prefetch)_related\(([^)]*)\)""", origin)
            # prefetch_related_objects(rows, "rel") earlier in the function loads them too
            scope = self.finder().scope_of(loop.node)
            before = self.data[scope.start_byte : loop.node.start_byte].decode(
                "utf-8", "surrogatepass"
            )
            loaded += re.findall(r"""prefetch_related_objects\(([^)]*)\)""", before)
            loaded_names = set()
            for group in loaded:
                for name in re.findall(r"""['"]([\w]+(?:__\w+)*)['"]""", group):
                    parts = name.split("__")
                    loaded_names.update("__".join(parts[: i + 1]) for i in range(len(parts)))
            seen = set()
            for rel, attr, acc, called in self._accesses(loop):
                if rel in seen or rel in loaded_names:
                    continue
                if attr in _WRITES:
                    continue  # post.tags.add(...) writes; loading the relation first would not help
                how = None
                if known is not None:
                    kind = known.get(rel)
                    if kind in ("fk",):
                        how = "select_related"
                    elif kind in ("m2m", "reverse") and (
                        attr in ("all", "count", "exists", "first", "last")
                        or attr not in ("filter", "exclude", "order_by")
                    ):
                        how = "prefetch_related"
                elif rel.endswith("_set") and attr in ("all", "count"):
                    how = "prefetch_related"
                elif (
                    not called
                    and not _SCALAR_NAMES.search(rel)
                    and re.fullmatch(r"[a-z_]+", attr)
                    and attr
                    not in (
                        "all",
                        "filter",
                        "exclude",
                        "count",
                        "exists",
                        "get",
                        "first",
                        "last",
                        "order_by",
                        "values",
                        "strftime",
                        "isoformat",
                        "lower",
                        "upper",
                        "split",
                        "strip",
                        "replace",
                        "format",
                        "startswith",
                        "endswith",
                        "items",
                        "keys",
                        "url",
                        "path",
                        "pk",
                    )
                    and re.search(r"\bmodels\b|\.objects\b", self.doc.text)
                ):
                    how = "select_related"
                if how is None:
                    continue
                seen.add(rel)
                fix = self._django_fix(origin_node, model, rel, how)
                yield self.rule.finding(
                    acc.start_byte,
                    acc.end_byte,
                    fix=fix,
                    what=f"`{self.src(acc)}`",
                    outer=f"`{model}.objects`",
                )

    def _django_fix(self, iterable, model, rel, how):
        target = iterable
        if iterable.type == "identifier":
            values, _ = self.finder().resolve(iterable, iterable.start_byte)
            if not values:
                return None
            target = values[-1]
        q = '(attribute object: (identifier) @m attribute: (identifier) @o (#eq? @o "objects")) @objs'
        for _, caps in languages.matches("python", q, target):
            if self.src(caps["m"][0]) == model:
                end = caps["objs"][0].end_byte
                return self.rule.fix(
                    [Edit(end, end, f'.{how}("{rel}")')],
                    title=self.rule.fix_title.format(rel=f"`{rel}`", how=f"{how}()"),
                )
        return None

    def sqlalchemy(self, loops, models):
        for loop in loops:
            origin_node = loop.iterable
            origin = self.origin(origin_node)
            m = _SA_QUERY.search(origin)
            if not m:
                continue
            model = m.group(1) or m.group(2)
            fields = models.get(model)
            if fields is None:
                fields = _imported_models(self.doc.path, self.doc.text, model) or {}
            rels = {k for k, v in fields.items() if v == "relationship"}
            if not rels:
                continue
            if re.search(r"(?:selectinload|joinedload|subqueryload|contains_eager)\(", origin):
                continue
            q = "(attribute object: (identifier) @v attribute: (identifier) @rel) @acc"
            seen = set()
            for _, caps in languages.matches("python", q, loop.body):
                if self.src(caps["v"][0]) != loop.var:
                    continue
                rel = self.src(caps["rel"][0])
                if rel not in rels or rel in seen:
                    continue
                seen.add(rel)
                acc = caps["acc"][0]
                fix = self._sa_fix(origin_node, model, rel)
                yield self.rule.finding(
                    acc.start_byte,
                    acc.end_byte,
                    fix=fix,
                    what=f"`{self.src(acc)}`",
                    outer=f"the {model} query",
                )

    def _sa_fix(self, iterable, model, rel):
        target = iterable
        if iterable.type == "identifier":
            values, _ = self.finder().resolve(iterable, iterable.start_byte)
            if not values:
                return None
            target = values[-1]
        q = """(call function: [(attribute attribute: (identifier) @f) (identifier) @f]
                     arguments: (argument_list . (identifier) @m .)
                     (#any-of? @f "query" "select")) @c"""
        for _, caps in languages.matches("python", q, target):
            if self.src(caps["m"][0]) != model:
                continue
            end = caps["c"][0].end_byte
            edits = [Edit(end, end, f".options(selectinload({model}.{rel}))")]
            imp = self._import_edit("sqlalchemy.orm", "selectinload")
            if imp is not None:
                edits.append(imp)
            return self.rule.fix(
                edits,
                title=self.rule.fix_title.format(rel=f"`{model}.{rel}`", how="selectinload()"),
            )
        return None

    def _import_edit(self, module, name):
        text = self.doc.text
        if re.search(rf"^\s*from\s+{re.escape(module)}\s+import\s+[^\n]*\b{name}\b", text, re.M):
            return None
        m = re.search(rf"^from\s+{re.escape(module)}\s+import\s+([^\n(]+)$", text, re.M)
        if m:
            pos = self.doc.offset_of_char(m.end(1))
            return Edit(pos, pos, f", {name}")
        imports = list(
            re.finditer(r"^(?:from\s+\S+\s+import\s+[^\n(]+|import\s+[^\n]+)$", text, re.M)
        )
        pos = self.doc.offset_of_char(imports[-1].end()) if imports else 0
        prefix = "\n" if imports else ""
        return Edit(pos, pos, f"{prefix}from {module} import {name}" + ("" if imports else "\n"))

    # ---- JavaScript / TypeScript ----------------------------------------------------------

    def javascript(self):
        loops = self.loops(_JS_LOOPS)
        if not loops:
            return
        yield from self.raw_sql(
            loops,
            lambda loop, origin: bool(
                re.search(r"\.(?:query|execute|raw|any|many|manyOrNone)\(|\brows\b", origin)
            ),
        )
        q = """(call_expression function: (member_expression object: (member_expression object: (_) @client property: (property_identifier) @model)
                                                       property: (property_identifier) @op)
                            arguments: (arguments) @args
                 (#any-of? @op "findMany" "findUnique" "findFirst" "findUniqueOrThrow" "findFirstOrThrow" "count" "aggregate")) @call
               (call_expression function: (member_expression object: (_) @repo property: (property_identifier) @op)
                            arguments: (arguments) @args
                 (#any-of? @op "findOne" "findOneBy" "findBy" "findOneOrFail" "findAndCount" "findByPk" "findAll")) @call"""
        seen = set()
        for _, caps in languages.matches(self.lang, q, self.tree.root_node):
            call = caps["call"][0]
            for loop in loops:
                if not self.inside(call, loop) or call.start_byte in seen:
                    continue
                origin = self.origin(loop.iterable)
                om = re.search(
                    r"(\w+)\.(\w+)\.(findMany|findAll)\(|\.(find|findBy|findAll|findAndCount|getMany)\(",
                    origin,
                )
                if not om or not self.mentions(caps["args"][0], loop.var):
                    continue
                seen.add(call.start_byte)
                fix = None
                if "model" in caps and om.group(2):
                    fix = self._prisma_fix(loop, om, caps, call)
                yield self.rule.finding(
                    call.start_byte,
                    call.end_byte,
                    fix=fix,
                    what="This query",
                    outer=f"`{_short(origin)}`",
                )
        yield from self.per_item_calls(loops)

    def _prisma_fix(self, loop, om, caps, call):
        outer_model = om.group(2)
        inner_model = self.src(caps["model"][0])
        if self.src(caps["op"][0]) != "findMany":
            return None
        schema = _prisma_schema(self.doc.path)
        if not schema:
            return None
        fields = (
            schema.get(outer_model[:1].upper() + outer_model[1:]) or schema.get(outer_model) or {}
        )
        target = inner_model[:1].upper() + inner_model[1:]
        rels = [name for name, typ in fields.items() if typ == target + "[]"]
        if len(rels) != 1:
            return None
        rel = rels[0]
        # the outer findMany call
        outer_q = """(call_expression function: (member_expression object: (member_expression property: (property_identifier) @m)
                                                                 property: (property_identifier) @op)
                                       arguments: (arguments) @args (#eq? @op "findMany")) @c"""
        iterable = loop.iterable
        if iterable.type == "identifier":
            values, _ = self.finder().resolve(iterable, iterable.start_byte)
            if not values:
                return None
            iterable = values[-1]
        for _, oc in languages.matches(self.lang, outer_q, iterable):
            if self.src(oc["m"][0]) != outer_model:
                continue
            args = oc["args"][0]
            named = [a for a in args.named_children if a.type != "comment"]
            if not named:
                edit = Edit(
                    args.start_byte + 1, args.start_byte + 1, f"{{ include: {{ {rel}: true }} }}"
                )
            elif named[0].type == "object" and not re.search(
                r"\b(include|select)\s*:", self.src(named[0])
            ):
                edit = Edit(
                    named[0].start_byte + 1,
                    named[0].start_byte + 1,
                    f" include: {{ {rel}: true }},",
                )
            else:
                return None
            # the per-row query becomes the loaded relation when it only filters by the row
            inner_args = self.src(caps["args"][0])
            if not re.fullmatch(
                rf"\(\s*\{{\s*where\s*:\s*\{{\s*\w+\s*:\s*{re.escape(loop.var)}\.id\s*,?\s*\}}\s*,?\s*\}}\s*\)",
                inner_args,
            ):
                return None
            node = call
            if node.parent is not None and node.parent.type == "await_expression":
                node = node.parent
            replace = Edit(node.start_byte, node.end_byte, f"{loop.var}.{rel}")
            return self.rule.fix(
                [edit, replace],
                title=self.rule.fix_title.format(rel=f"`{rel}`", how="include"),
                safety=Applicability.UNSAFE,
            )
        return None

    # ---- Go ---------------------------------------------------------------------------------

    def go(self):
        loops = self.loops(_GO_LOOPS)
        if not loops:
            return
        yield from self.raw_sql(
            loops,
            lambda loop, origin: (
                loop.var == "Next"
                or bool(re.search(r"\.(?:Query|QueryContext|Select|SelectContext)\(", origin))
            ),
        )
        yield from self.per_item_calls(loops)
        # GORM: db.Find(&users) then a per-row query in `for ... range users`
        q = """(call_expression function: (selector_expression field: (field_identifier) @op)
                                arguments: (argument_list) @args
                  (#any-of? @op "Find" "First" "Take" "Last" "Count" "Association")) @call"""
        finds = list(languages.matches("go", q, self.tree.root_node))
        seen = set()
        for loop in loops:
            if loop.var == "Next" or loop.iterable.type != "identifier":
                continue
            slice_name = self.src(loop.iterable)
            outer = None
            scope = self.finder().scope_of(loop.node)
            for _, caps in finds:
                call = caps["call"][0]
                if (
                    scope.start_byte <= call.start_byte
                    and call.end_byte <= loop.node.start_byte
                    and re.fullmatch(
                        rf"\(\s*&{re.escape(slice_name)}\s*(?:,.*)?\)",
                        self.src(caps["args"][0]),
                        re.S,
                    )
                ):
                    outer = call
            if outer is None:
                continue
            index_var = None
            left = loop.node.named_children[0] if loop.node.named_children else None
            if left is not None and left.type == "range_clause":
                names = [self.src(c) for c in left.child_by_field_name("left").named_children]
                index_var = names[0] if names else None
            for _, caps in finds:
                call = caps["call"][0]
                if not self.inside(call, loop) or call.start_byte in seen:
                    continue
                args = self.src(caps["args"][0])
                row_refs = [loop.var] + ([f"{slice_name}[{index_var}]"] if index_var else [])
                if not any(
                    r in args or r + "." in self.src(call) for r in row_refs if r and r != "_"
                ):
                    continue
                seen.add(call.start_byte)
                fix = self._gorm_fix(outer, call, caps, row_refs)
                yield self.rule.finding(
                    call.start_byte,
                    call.end_byte,
                    fix=fix,
                    what="This query",
                    outer=f"`{_short(self.src(outer))}`",
                )

    def rust(self):
        """sqlx / tokio-postgres / rusqlite statements and diesel queries run per item of a
        ``for`` or ``while let`` loop, and calls per item to a function of the file (or of a
        file of the same module folder) that queries."""
        from backend_architect.lang import rust

        path = self.doc.path.replace("\\", "/")
        if rust.TEST_PATH.search(path):
            return
        loops = []
        for loop in self.loops(_RUST_LOOPS):
            it = loop.iterable
            if it.type == "array_expression" or (
                it.type == "range_expression"
                and all(c.type == "integer_literal" for c in it.named_children)
            ):
                continue  # a fixed handful of items
            stmts = loop.body.named_children
            if any(
                c.type == "expression_statement"
                and c.named_children
                and c.named_children[0].type in ("break_expression", "return_expression")
                for c in stmts
            ):
                continue  # stops at the first item
            if rust.in_test_code(loop.node, self.data):
                continue
            # `Some(row)` / `(id, name)`: the names bound, not the enum variant
            names = re.findall(r"\b[a-z_]\w*", self.src(loop.var_node)) if loop.var_node else []
            loop.var = " ".join(n for n in names if n not in ("mut", "ref"))
            loops.append(loop)
        if not loops:
            return
        yield from self.raw_sql(
            loops,
            lambda loop, origin: bool(_RUST_ROWS.search(origin)),
        )
        yield from self.per_item_calls(loops)
        # diesel: a query chain ending in .load / .first / .get_result(s) per item
        seen = set()
        for _, caps in languages.matches("rust", _DIESEL_RUN, self.tree.root_node):
            call = caps["call"][0]
            conn = self.src(caps["args"][0])
            if not _DIESEL_CONN.search(conn):
                continue
            inner = [lp for lp in loops if self.inside(call, lp)]
            if not inner or call.start_byte in seen:
                continue
            loop = max(inner, key=lambda lp: lp.body.start_byte)
            chain = self.src(call)
            if ".filter(" not in chain and ".find(" not in chain:
                continue
            if not self.mentions(call, loop.var) or not self.per_item(loop):
                continue
            if _INPUT_ITERABLE.match(self.src(loop.iterable).strip()):
                continue
            seen.add(call.start_byte)
            yield self.rule.finding(
                call.start_byte,
                call.end_byte,
                what="This query",
                outer=f"`{_short(self.src(loop.iterable))}`",
            )

    def _gorm_fix(self, outer, call, caps, row_refs):
        m = re.fullmatch(r"\(\s*&(.+)\.(\w+)\s*\)", self.src(caps["args"][0]))
        if not m or m.group(1) not in row_refs or self.src(caps["op"][0]) != "Find":
            return None
        field = m.group(2)
        stmt = call.parent
        if stmt is None or stmt.type != "expression_statement":
            return None
        body = stmt.parent
        if (
            body is not None
            and body.type == "statement_list"
            and sum(1 for c in body.named_children if c.type != "comment") == 1
        ):
            # the loop held only this query: remove the whole loop (an empty range loop
            # would leave an unused variable)
            loop = body.parent.parent if body.parent is not None else None
            if loop is not None and loop.type == "for_statement":
                stmt = loop
        fn = outer.child_by_field_name("function")
        op = fn.child_by_field_name("field")
        preload = Edit(op.start_byte, op.start_byte, f'Preload("{field}").')
        # delete the per-row statement with its line
        line_start = self.data.rfind(b"\n", 0, stmt.start_byte) + 1
        line_end = self.data.find(b"\n", stmt.end_byte)
        rest = self.data[stmt.end_byte : line_end].strip() if line_end != -1 else b""
        if self.data[line_start : stmt.start_byte].strip() or rest and not rest.startswith(b"//"):
            return None
        remove = Edit(line_start, line_end + 1 if line_end != -1 else stmt.end_byte, "")
        return self.rule.fix(
            [preload, remove],
            title=self.rule.fix_title.format(rel=f"`{field}`", how="Preload"),
            safety=Applicability.UNSAFE,
        )


# -- queries behind a function call: repositories, serializers -----------------------------------

CALL_MESSAGE = (
    "`{call}` runs a query ({where}) once per item of {outer} (N+1); load every item's rows with one "
    "query (`{batch}`) before the loop"
)

# what a function body does when it queries the database, by language (reads; a per-item
# write is a different problem)
_QUERYING = {
    "python": re.compile(
        r"\b(?:\w*cur(?:sor)?|\w*session|\w*conn(?:ection)?|db|engine|tx|transaction|database|pool|self\.\w*(?:db|session|conn))"
        r"\s*\.\s*(?:execute|fetch|fetchrow|fetchval|fetch_all|fetch_one|fetch_val|scalars|scalar|scalar_one|"
        r"scalar_one_or_none|exec_driver_sql|get)\s*\(|\.query\(\s*[A-Z]\w*|"
        r"\b[A-Z]\w*\.objects(?:\.\w+\([^)]*\))*\.(?:get|filter|exclude|first|last|count|exists|aggregate|values|"
        r"values_list|raw|get_or_none|in_bulk|all)\s*\(|\bselect\(\s*[A-Z]\w*|\.(?:get_object_or_404|"
        r"get_list_or_404)\("
    ),
    "js": re.compile(
        r"\b(?:prisma|db|client|tx|this\.prisma)\.\w+\.(?:findMany|findUnique|findFirst|findUniqueOrThrow|"
        r"findFirstOrThrow|count|aggregate|groupBy)\s*\(|\.(?:findOne|findOneBy|findBy|findByPk|findAll|"
        r"findAndCount|findOneOrFail|getOne|getMany|getRawOne|getRawMany|\$queryRaw|\$queryRawUnsafe)\s*[(`]|"
        r"\b(?:pool|client|db|conn|connection|knex|pg|sql|trx|tx|this\.db|this\.pool)\.(?:query|oneOrNone|one|any|"
        r"many|manyOrNone|raw)\s*\(|\bsql`|\bknex\(\s*['\"]"
    ),
    "rust": re.compile(
        r"\bquery(?:_as|_scalar)?(?:_unchecked)?!?\s*(?:::<[^>]*>)?\s*\(|\bsql_query\s*\(|"
        r"\.(?:fetch_one|fetch_all|fetch_optional|query_one|query_opt)\s*\(|"
        r"\.(?:load|first|get_result|get_results)(?:::<[^>]*>)?\s*\(\s*&?(?:mut\s+)?\*?\w*conn"
    ),
    "go": re.compile(
        r"\.(?:QueryRow|QueryRowContext|QueryContext|QueryRowx|QueryRowxContext|Queryx|QueryxContext|"
        r"NamedQuery)\s*\(|"
        r"\b(?:db|tx|conn|pool|DB|Tx|sqlx|gdb|orm|gormDB|r\.db|s\.db|repo\.db|store\.db|d\.db|q\.db)\s*\.\s*"
        r"(?:Query|Get|Select|GetContext|SelectContext|First|Find|Take|Last|Raw|Model|Where|Preload|Count)\s*\("
    ),
}
# per-item writes (create, update, send ...) are a different problem from N+1 reads
_WRITE_WORDS = {
    "create",
    "update",
    "upsert",
    "save",
    "insert",
    "delete",
    "remove",
    "add",
    "set",
    "sync",
    "ensure",
    "send",
    "notify",
    "publish",
    "emit",
    "make",
    "log",
    "write",
    "store",
    "put",
    "post",
    "patch",
    "mark",
    "record",
    "assign",
    "attach",
    "detach",
    "grant",
    "revoke",
    "invite",
    "apply",
    "process",
    "handle",
    "import",
    "export",
    "migrate",
    "register",
    "enqueue",
    "schedule",
    "refresh",
    "reset",
    "touch",
    "duplicate",
    "copy",
    "move",
    "subscribe",
    "unsubscribe",
    "restore",
    "archive",
    "preserve",
    "lock",
    "unlock",
    "unpublish",
    "link",
    "unlink",
    "increment",
    "decrement",
    "clear",
    "purge",
}


def _writes(name: str) -> bool:
    words = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+", name)
    return any(w.lower() in _WRITE_WORDS for w in words)


# loops over what the caller sent (a payload's list of tags): a handful of items, not table rows
_INPUT_ITERABLE = re.compile(
    r"(?i)^(?:\w+_in|\w+_input|\w+_request|payload|body|data|params|args|kwargs|request|req|"
    r"form|options|opts|config|settings|cfg|conf|input|dto|cmd|command)(?:\.|\[|$)"
)
_BATCHED_NAME = re.compile(
    r"(?i)batch|bulk|many|_in$|by_?ids$|multi|_all$|^all_|prefetch|preload|load_all|"
    r"cache|memo|warm"
)
_GENERIC_METHODS = {
    "get",
    "find",
    "save",
    "create",
    "update",
    "delete",
    "all",
    "first",
    "list",
    "load",
    "fetch",
    "query",
    "run",
    "execute",
    "call",
    "send",
    "process",
    "handle",
    "add",
    "remove",
    "set",
    "put",
    "post",
    "render",
    "append",
    "push",
    "read",
    "write",
    "close",
    "open",
    "apply",
    "emit",
    "log",
    "validate",
    "check",
    "format",
    "parse",
    "build",
    "map",
    "filter",
    "reduce",
    "count",
    "exists",
    "Get",
    "Find",
    "Save",
    "Create",
    "Update",
    "Delete",
    "List",
    "Load",
    "Query",
    "Run",
    "Exec",
    "Execute",
    "Send",
    "Process",
    "Handle",
    "Add",
    "Remove",
    "Set",
    "Put",
    "Read",
    "Write",
    "Close",
    "Count",
    "First",
    "Scan",
    "Error",
    "String",
    "Validate",
}
_DEF_QUERIES = {
    "python": "(function_definition name: (identifier) @name body: (_) @body) @def",
    "go": """(function_declaration name: (identifier) @name body: (_) @body) @def
             (method_declaration name: (field_identifier) @name body: (_) @body) @def""",
    "rust": "(function_item name: (identifier) @name body: (_) @body) @def",
    "js": """(function_declaration name: (identifier) @name body: (_) @body) @def
             (method_definition name: (property_identifier) @name body: (_) @body) @def
             (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body)
                                                                 (function_expression body: (_) @body)]) @def
             (pair key: (property_identifier) @name value: [(arrow_function body: (_) @body)
                                                           (function_expression body: (_) @body)]) @def""",
}
_CALLS = {
    "python": "(call function: [(identifier) @name (attribute object: (_) @recv attribute: (identifier) @name)] arguments: (argument_list) @args) @call",
    "go": "(call_expression function: [(identifier) @name (selector_expression operand: (_) @recv field: (field_identifier) @name)] arguments: (argument_list) @args) @call",
    "rust": "(call_expression function: [(identifier) @name (field_expression value: (_) @recv field: (field_identifier) @name) (scoped_identifier name: (identifier) @name)] arguments: (arguments) @args) @call",
    "js": "(call_expression function: [(identifier) @name (member_expression object: (_) @recv property: (property_identifier) @name)] arguments: (arguments) @args) @call",
}
_DB_API = (
    embedded.PY_METHODS
    | embedded.JS_METHODS
    | embedded.GO_METHODS
    | {
        "GetContext",
        "SelectContext",
        "findByPk",
        "findOne",
        "findAll",
        "findMany",
        "findUnique",
        "findFirst",
        "findOneBy",
        "findBy",
        "findAndCountAll",
        "findOrCreate",
        "scalars",
        "scalar",
    }
)
_SOURCE_EXT = {
    "python": (".py",),
    "go": (".go",),
    "rust": (".rs",),
    "js": (".ts", ".js", ".tsx", ".mjs", ".cjs", ".jsx"),
}
_PACKAGE_FILES: dict[tuple, dict[str, list[bool]]] = {}


def _qlang(lang: str) -> str:
    return "js" if lang in ("javascript", "typescript", "tsx") else lang


def _definitions(tree, data: bytes, lang: str) -> list[tuple[str, Node, Node]]:
    """(name, definition node, body node) of every function and method."""
    out = []
    for _, caps in languages.matches(lang, _DEF_QUERIES[_qlang(lang)], tree.root_node):
        out.append((_text(caps["name"][0], data), caps["def"][0], caps["body"][0]))
    return out


def _querying_functions(tree, data: bytes, lang: str, extra_spans=()) -> dict[str, list[bool]]:
    """name -> [does this definition query?] for the functions of one file, following calls
    to the file's own querying functions once (a serializer calling a finder)."""
    pattern = _QUERYING[_qlang(lang)]
    defs = _definitions(tree, data, lang)
    direct: dict[str, list[bool]] = {}
    bodies = []
    nested = [node for _, node, _ in defs]
    for name, _node, body in defs:
        text = _text(body, data)
        inner = []
        if lang == "python":
            # a def inside the body is a closure handed to someone else, not run by this call
            inner = [
                (n.start_byte, n.end_byte)
                for n in nested
                if body.start_byte <= n.start_byte and n.end_byte <= body.end_byte
            ]
            for start, end in sorted(inner, reverse=True):
                text = (
                    text[: start - body.start_byte] + text[end - body.start_byte :]
                    if text.isascii()
                    else text
                )
        q = bool(pattern.search(text)) or any(
            body.start_byte <= s < body.end_byte and not any(a <= s < b for a, b in inner)
            for s in extra_spans
        )
        direct.setdefault(name, []).append(q)
        bodies.append((name, text, q))
    querying = {n for n, qs in direct.items() if qs and all(qs)}
    out: dict[str, list[bool]] = {}
    for name, text, queries in bodies:
        q = queries
        if not q and querying:
            calls = set(re.findall(r"(?<![\w$])(?:[\w$]+\s*\.\s*)?([\w$]+)\s*\(", text)) - {name}
            q = bool(calls & querying - set(_GENERIC_METHODS))
        out.setdefault(name, []).append(q)
    return out


def _package_functions(path: str, lang: str) -> dict[str, list[bool]]:
    """The querying functions of the other source files of the same folder (package)."""
    folder = os.path.dirname(os.path.abspath(path))
    exts = _SOURCE_EXT[_qlang(lang)]
    try:
        names = sorted(
            n
            for n in os.listdir(folder)
            if n.endswith(exts)
            and not _TEST_FILE.search(n)
            and not n.endswith((".d.ts", ".min.js"))
            and not n.startswith(("mock_", "mocks", "fake_"))
        )
    except OSError:
        return {}
    if len(names) > 150:
        return {}
    stamp = []
    for n in names:
        p = os.path.join(folder, n)
        try:
            st = os.stat(p)
        except OSError:
            continue
        stamp.append((n, st.st_mtime, st.st_size))
    key = (folder, lang, tuple(stamp))
    found = _PACKAGE_FILES.get(key)
    if found is not None:
        return found
    found = {}
    me = os.path.basename(path)
    for n, _, size in stamp:
        if n == me or size > 400_000:
            continue
        try:
            with open(os.path.join(folder, n), "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        file_lang = (
            lang
            if lang in ("python", "go", "rust")
            else "tsx"
            if n.endswith("x")
            else "typescript"
            if n.endswith(".ts")
            else "javascript"
        )
        for name, qs in _querying_functions(
            languages.parse(data, file_lang), data, file_lang
        ).items():
            found.setdefault(name, []).extend(qs)
    if len(_PACKAGE_FILES) > 256:
        _PACKAGE_FILES.clear()
    _PACKAGE_FILES[key] = found
    return found


def _imported_functions(path: str, text: str, lang: str) -> dict[str, tuple[str, list[bool]]]:
    """Functions imported by name from a relative module of the project:
    local name -> ("name` of `module", [does each definition query?])."""
    folder = os.path.dirname(os.path.abspath(path))
    out: dict[str, tuple[str, list[bool]]] = {}
    if lang == "python":
        imports = [
            (m.group(1), m.group(2), m.group(3))
            for m in re.finditer(
                r"^\s*from\s+(\.+)([\w.]*)\s+import\s+(\([^)]*\)|[^\n]+)", text, re.M
            )
        ]
        for dots, module, names in imports:
            base = folder
            for _ in range(len(dots) - 1):
                base = os.path.dirname(base)
            target = os.path.join(base, *module.split(".")) if module else base
            candidates = [target + ".py", os.path.join(target, "__init__.py")]
            wanted = {
                alias or n: n
                for n, alias in re.findall(r"\b(\w+)\b(?:\s+as\s+(\w+))?", names.strip("()"))
            }
            _read_candidates(candidates, wanted, lang, out)
    elif lang != "go":
        for m in re.finditer(r"""import\s*\{([^}]*)\}\s*from\s*['"](\.{1,2}/[^'"]+)['"]""", text):
            target = os.path.normpath(os.path.join(folder, m.group(2)))
            candidates = [target + e for e in (".ts", ".js", ".tsx", "/index.ts", "/index.js")] + [
                target
            ]
            wanted = {}
            for part in m.group(1).split(","):
                bits = part.strip().split(" as ")
                if bits[0].strip():
                    wanted[bits[-1].strip()] = bits[0].strip()
            _read_candidates(candidates, wanted, lang, out)
    return out


def _read_candidates(candidates, wanted, lang, out) -> None:
    for c in candidates:
        if not os.path.isfile(c) or _TEST_FILE.search(c):
            continue
        try:
            with open(c, "rb") as fh:
                data = fh.read()
        except OSError:
            return
        if len(data) > 400_000:
            return
        file_lang = (
            lang
            if lang == "python"
            else "tsx"
            if c.endswith("x")
            else "typescript"
            if c.endswith(".ts")
            else "javascript"
        )
        funcs = _querying_functions(languages.parse(data, file_lang), data, file_lang)
        for local, original in wanted.items():
            if original in funcs:
                out[local] = (f"{original}` of `{os.path.basename(c)}", funcs[original])
        return


def _single_key_select(sql: str) -> str | None:
    """The column of `SELECT ... FROM t WHERE col = $1` (nothing else: no joins, grouping,
    aggregates, limits), else None."""
    from backend_architect.core.sql import node_of, parse_statement

    kind, raw, error = parse_statement(sql)
    if kind != "SelectStmt" or raw is None or '"FuncCall"' in raw or '"SubLink"' in raw:
        return None
    node = node_of(raw, kind)
    if (
        len(node.get("fromClause") or []) != 1
        or "RangeVar" not in node["fromClause"][0]
        or node.get("groupClause")
        or node.get("limitCount")
        or node.get("distinctClause")
        or node.get("op", "SETOP_NONE") != "SETOP_NONE"
    ):
        return None
    where = (node.get("whereClause") or {}).get("A_Expr") or {}
    if where.get("kind") != "AEXPR_OP" or [
        n.get("String", {}).get("sval") for n in where.get("name", [])
    ] != ["="]:
        return None
    left, right = where.get("lexpr") or {}, where.get("rexpr") or {}
    if "ParamRef" in left:
        left, right = right, left
    fields = (left.get("ColumnRef") or {}).get("fields") or []
    if (
        (right.get("ParamRef") or {}).get("number") != 1
        or len(fields) != 1
        or "String" not in fields[0]
    ):
        return None
    return fields[0]["String"]["sval"]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:47] + "..."


def _py_models(analysis) -> dict[str, dict[str, str]]:
    """Model classes in the file -> {field: fk | m2m | reverse | relationship}."""
    return _models_in(analysis.doc.text, analysis.tree)


_MODEL_FILES = ByteLRU(4 * MB, "model files")  # (path, mtime) -> the models it defines


def _models_in_file(path: str) -> dict[str, dict[str, str]]:
    try:
        key = (path, os.path.getmtime(path))
    except OSError:
        return {}
    found = _MODEL_FILES.get(key)
    if found is None:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            text = ""
        try:
            found = _models_in(text, languages.parse(text, "python")) if "class " in text else {}
        except (
            languages.ParseRefused
        ):  # a file over the parsing limits defines no models we can read
            found = {}
        _MODEL_FILES.put(key, found, 200 + sum(100 + 80 * len(fields) for fields in found.values()))
    return found


def _imported_models(doc_path: str, text: str, name: str) -> dict[str, str] | None:
    """Fields of model ``name`` defined in the module it is imported from (None when not found)."""
    for m in re.finditer(r"^\s*from\s+(\.*)([\w.]*)\s+import\s+(\([^)]*\)|[^\n]+)", text, re.M):
        names = re.findall(r"\b(\w+)\b(?:\s+as\s+(\w+))?", m.group(3))
        if not any(name in (n, alias) for n, alias in names):
            continue
        dots, module = m.group(1), m.group(2)
        folder = os.path.dirname(os.path.abspath(doc_path))
        roots = []
        if dots:
            base = folder
            for _ in range(len(dots) - 1):
                base = os.path.dirname(base)
            roots = [base]
        else:
            base = folder
            for _ in range(8):
                roots.append(base)
                parent = os.path.dirname(base)
                if parent == base:
                    break
                base = parent
        rel = module.replace(".", os.sep)
        for root in roots:
            target = os.path.join(root, rel) if rel else root
            candidates = [target + ".py", os.path.join(target, "__init__.py")]
            if os.path.isdir(target):
                candidates += sorted(
                    os.path.join(target, f) for f in os.listdir(target) if f.endswith(".py")
                )
            for c in candidates:
                if os.path.isfile(c):
                    models = _models_in_file(c)
                    if name in models:
                        return models[name]
        return None
    return None


def _models_in(text: str, tree) -> dict[str, dict[str, str]]:
    if "Model" not in text and "Base" not in text and "relationship(" not in text:
        return {}
    q = """(class_definition name: (identifier) @cls body: (block
              (expression_statement [(assignment left: (identifier) @field right: (call function: (_) @fn arguments: (argument_list) @args))
                                     (assignment left: (identifier) @field type: (_) right: (call function: (_) @fn arguments: (argument_list) @args))])))"""
    data = text.encode("utf-8", "surrogatepass")

    class _Src:
        def src(self, node):
            return _text(node, data)

    analysis = _Src()
    models: dict[str, dict[str, str]] = {}
    reverse: list[tuple[str, str]] = []
    for _, caps in languages.matches("python", q, tree.root_node):
        cls = analysis.src(caps["cls"][0])
        field = analysis.src(caps["field"][0])
        fn = analysis.src(caps["fn"][0]).rsplit(".", 1)[-1]
        args = analysis.src(caps["args"][0])
        fields = models.setdefault(cls, {})
        if fn in ("ForeignKey", "OneToOneField"):
            fields[field] = "fk"
            target = re.match(r"\(\s*['\"]?(?:\w+\.)?(\w+)", args)
            related = re.search(r"related_name\s*=\s*['\"](\w+)['\"]", args)
            if target:
                reverse.append(
                    (target.group(1), related.group(1) if related else cls.lower() + "_set")
                )
        elif fn == "ManyToManyField":
            fields[field] = "m2m"
        elif fn == "relationship":
            lazy = re.search(r"lazy\s*=\s*['\"](\w+)['\"]", args)
            if not lazy or lazy.group(1) in ("select", "True", "dynamic"):
                fields[field] = "relationship"
    for model, name in reverse:
        if model in models:
            models[model].setdefault(name, "reverse")
    return models


def _prisma_schema(path: str) -> dict[str, dict[str, str]] | None:
    """Models of the nearest prisma/schema.prisma above ``path``: {model: {field: type}}."""
    folder = os.path.dirname(os.path.abspath(path))
    for _ in range(6):
        for candidate in ("prisma/schema.prisma", "schema.prisma", "src/prisma/schema.prisma"):
            p = os.path.join(folder, candidate)
            if os.path.isfile(p):
                return _parse_prisma(p)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return None


def _parse_prisma(path: str) -> dict[str, dict[str, str]]:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return {}
    models = {}
    for m in re.finditer(r"^model\s+(\w+)\s*\{(.*?)^\}", text, re.M | re.S):
        fields = {}
        for line in m.group(2).splitlines():
            fm = re.match(r"\s*(\w+)\s+(\w+(?:\[\])?\??)", line)
            if fm and not line.strip().startswith("@@"):
                fields[fm.group(1)] = fm.group(2).rstrip("?")
        models[m.group(1)] = fields
    return models
