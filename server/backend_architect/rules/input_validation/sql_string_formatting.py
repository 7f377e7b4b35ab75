import re

from backend_architect import frameworks
from backend_architect.app import checks, embedded
from backend_architect.app.embedded import Hole, SqlSite
from backend_architect.lang import APP_LANGUAGES
from backend_architect.lang import text as _text
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule
from ...core.lazy_re import lazy

HOW = {
    "fstring": "f-string interpolation",
    "percent": "% formatting",
    "format": "str.format",
    "concat": "string concatenation",
    "template": "a template literal",
    "sprintf": "fmt.Sprintf",
    "utilformat": "util.format",
    "join": "joined pieces",
}


NAME_MESSAGE = (
    "SQL built with {how} from `{value}` where a name or clause goes; "
    "map it through a whitelist of allowed names"
)
REQUEST_MESSAGE = "SQL injection: request data `{value}`{via} is spliced into SQL with {how}; pass it as a bind parameter"
REQUEST_NAME_MESSAGE = (
    "SQL injection: request data `{value}`{via} is spliced into SQL with {how} where a name or "
    "clause goes; map it through a whitelist of allowed names"
)


# statements that take no bind parameters: a value spliced into them is a name or configuration
_NO_PARAMETERS = lazy(
    r"\s*\(?\s*(?:SET|SHOW|RESET|LISTEN|UNLISTEN|NOTIFY|KILL|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|VACUUM|ANALY[SZ]E|"
    r"REINDEX|CLUSTER|REFRESH|COMMENT|LOCK|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|PRAGMA|ATTACH|DETACH|USE|DO)\b",
    re.I,
)
_SYSTEM_CATALOG = lazy(
    r"(?i)\b(?:pg_catalog|pg_class|pg_namespace|pg_database|pg_index|pg_indexes|pg_tables|"
    r"pg_stat_\w+|pg_roles|pg_settings|pg_type|pg_attribute|pg_constraint|pg_proc|pg_extension|"
    r"information_schema|sqlite_master|sqlite_schema)\b"
)
# judged by the file's own folder: the project's location (a checkout under tests/) does not count
_TEST_OR_MIGRATION_PATH = lazy(
    r"(?:^|/)(?:[^/]*tests?|testdata|testutils?|__tests__|spec|migrations?|alembic|versions)/[^/]*$|_test\.go$|"
    r"(?:^|/)test_[^/]*\.py$|_test\.py$|(?:^|/)conftest\.py$|\.(?:test|spec)\.[jt]sx?$|(?:^|/)[^/]*migrat[^/]*$"
)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class SqlStringFormatting(Rule):
    """
    ## What it does
    Flags SQL passed to a database call (`cursor.execute`, `conn.fetch`,
    `session.execute(text(...))`, `exec_driver_sql`, `Model.objects.raw`,
    `RawSQL`, pg8000 `run`, `pool.query`, `knex.raw`, Sequelize and TypeORM
    `query`, `prisma.$queryRawUnsafe`, `db.QueryContext`, GORM `Raw`/`Exec`,
    sqlx, go-pg `Query`, Rust sqlx `query` / diesel `sql_query` / tokio-postgres
    `client.query` ...) that is built by formatting or concatenating a
    non-constant value into the text: f-strings, `%`, `.format`, `+`, `+=` and
    `sql = sql + ...` across statements, `.concat`, `util.format`, template
    literals, `fmt.Sprintf`, Rust `format!` and `push_str`, and lists of pieces joined with `" ".join(parts)`,
    `parts.join(" ")` or `strings.Join`.

    Values that come from the request are reported as SQL injection wherever
    they sit: `request.args` / `.form` / `.json` / `.data` / `.GET` / `.POST`,
    `req.query` / `.body` / `.params`, Koa `ctx.query`, Gin/Echo `c.Query` /
    `c.Param` / `c.PostForm`, `r.URL.Query().Get`, `r.FormValue`, FastAPI
    handler parameters and Flask route parameters, also when they pass
    through local variables (destructuring included) or through the
    parameter of a function of the same file that a caller hands request data.
    Conditions and expressions given to query builders (`whereRaw`,
    `orderByRaw`, Sequelize `literal`, TypeORM `where`, Django
    `.extra(where=...)`, GORM / go-pg / xorm `Where`, `Order`, `Joins`) are
    reported only when request data is spliced into them.

    Constant-only formatting is not flagged: a literal, an `ALL_CAPS` constant
    (or a Go `const`), a lookup in an `ALL_CAPS` whitelist dict, numbers
    (`len(...)`, `int(...)`, `%d`, parameters typed `int` / `int64` /
    `number` / `UUID`, Flask `<int:id>`), quoted identifiers (`quote_ident`,
    `pq.QuoteIdentifier`) and lists of placeholders
    (`", ".join(["%s"] * len(ids))`). Names and clauses composed by code (not
    from the request) are flagged only when they are a bare parameter of the
    function. Other values are flagged only when they come from a parameter
    of the function (their origin is unknown here: a caller may pass request
    data); a row's column, an object's field or a value computed in the
    function is the program's own data. Statements that take no bind
    parameters (`SET`, `LISTEN`, DDL), queries over the system catalogs, and
    test and migration files are flagged only for request data. A bare
    `text(...)` is SQLAlchemy's unless the module imports `text` from a
    library that is no SQL one (an HTML builder's `text(f"...")` is page text).

    Off by default: on 25 real backend repositories (2026-11-27) precision
    was 11% over all samples (1 true, 8 false, 5 noise; the last sample: 0
    true, 2 false, 2 noise). Without request data the spliced values were
    the program's own (table names from an internal list, versions from the
    migration list, constants through a helper). IV011 (on by default) is
    this rule for request data only; select `IV010` to also see values of
    unknown origin (IV011 then steps aside: one finding per value).

    ## Why is this bad?
    A value spliced into SQL text is SQL injection waiting for the wrong
    input, and it defeats the driver's statement cache: every distinct value
    is a new statement to parse and plan. Bind parameters send the value
    separately, so it can never change the statement.

    ## Example
    ```python
    cur.execute(f"SELECT id, email FROM users WHERE email = '{email}'")
    ```

    ## Use instead
    ```python
    cur.execute("SELECT id, email FROM users WHERE email = %s", (email,))
    ```
    The fix writes the placeholder of the driver in use (psycopg `%s`,
    asyncpg and node-postgres `$1`, sqlite3, MySQL drivers and knex `?`,
    SQLAlchemy `text()` `:name`, Go `$1` for pgx/lib/pq and `?` for MySQL and
    GORM) and moves the values into the parameters argument, creating it or
    extending it. `prisma.$queryRawUnsafe(`...${id}`)` becomes the tagged
    `prisma.$queryRaw`...${id}``. Rust's `sqlx::query(&format!(...))` becomes
    the literal with `$1` placeholders and `.bind(value)` calls; other Rust
    calls get no fix.

    ## Fix safety
    The fix is offered only when every spliced value sits where a SQL value
    goes (after `=`, `LIKE`, in `IN (...)` or `VALUES (...)`, or exactly inside
    quotes); a value used as a table or column name, or in the middle of a
    quoted string (`'%{q}%'`), gets no fix. It is marked unsafe because the
    value now reaches the database typed instead of as text.
    """

    code = "IV010"
    name = "sql-string-formatting"
    command = "INPUT_VALIDATION"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.ERROR
    message = "SQL built with {how} from `{value}`; pass it as a bind parameter"
    fix_title = "pass {values} as bind parameters"
    fix_safety = Applicability.UNSAFE
    default_enabled = False
    request_only = False  # IV011: only values that come from the request

    def check_document(self, ctx):
        if self.request_only and ctx.settings.rule_enabled("IV010", ctx.path):
            return  # IV010, selected, reports request data too: one finding per value
        sites = list(ctx.fact("embedded_sql") or [])
        sites += ctx.fact("embedded_sql_fragments") or []
        if not sites:
            return
        if ctx.document.language == "rust":
            yield from _rust_findings(self, ctx, sites)
            return
        checker = _Constants(ctx)
        taint = _Taint(ctx, checker)
        path = (ctx.document.path or "").replace("\\", "/")
        quiet_file = bool(
            ctx.is_migration or _TEST_OR_MIGRATION_PATH.search(path) or checks.skip_tests(path)
        )
        for site in sorted(sites, key=lambda s: s.expr.start_byte):
            if site.formatting in (None, "tagged") or not site.holes:
                continue
            sources = {
                id(h): src
                for h in site.holes
                if h.node is not None and (src := taint.source(h.node))
            }
            if (
                site.extra.get("fragment")
                or quiet_file
                or _NO_PARAMETERS.match(site.decoded)
                or _SYSTEM_CATALOG.search(site.decoded)
            ):
                # a condition handed to a query builder; a statement that takes no bind parameters
                # (SET, LISTEN, DDL: the value is configuration or a name); admin queries over the
                # system catalogs; tests and migrations: only request data spliced in is worth raising
                flagged = [h for h in site.holes if id(h) in sources]
            else:
                # other values: only those whose origin this file cannot tell (a parameter of the
                # function, maybe request data in a caller); a row's column, an object's field or
                # a value computed here is the program's own data
                flagged = [
                    h
                    for h in site.holes
                    if id(h) in sources
                    or not checker.constant(h)
                    and (
                        not (h.value or h.quoted or h.in_literal)
                        or checker.unknown_origin(h.node, 0)
                    )
                ]
            if self.request_only:
                flagged = [h for h in flagged if id(h) in sources]
            if not flagged:
                continue
            first, last = flagged[0], flagged[-1]
            origin = next((h for h in flagged if id(h) in sources), None)
            shown = origin or first
            value = _short(_text(shown.node, ctx.document.data)) if shown.node is not None else "?"
            fix = None
            if not site.extra.get("fragment") and site.method != "run":
                try:
                    fix = _Fixer(ctx, site, flagged, self).build()
                except _NoFix:
                    fix = None
            name_position = not any(h.value or h.quoted or h.in_literal for h in flagged)
            how = HOW.get(site.formatting, "formatting")
            if origin is not None:
                source = _short(sources[id(origin)])
                via = (
                    ""
                    if source in value or value.startswith(source.split("(")[0])
                    else f" (from `{source}`)"
                )
                message = (REQUEST_NAME_MESSAGE if name_position else REQUEST_MESSAGE).format(
                    how=how, value=value, via=via
                )
            else:
                message = (NAME_MESSAGE if name_position else self.message).format(
                    how=how, value=value
                )
            yield self.finding(first.host_start, last.host_end, message, fix=fix)


# -- Rust ----------------------------------------------------------------------------------------

_RUST_HOW = {"format": "format!", "push_str": "push_str", "concat": "string concatenation"}
_RUST_CONSTANT = lazy(
    r'^(?:(?:\w+::)*_?[A-Z][A-Z0-9_]*|-?\d[\d_]*(?:\.\d+)?(?:[iuf]\d+|usize|isize)?|true|false|"[^"]*"|'
    r"[\w.]+\.(?:len|count)\(\)|.+\bas\s+(?:[iu](?:8|16|32|64|128|size)|f32|f64))$"
)
_RUST_REQUEST_TEXT = lazy(r"\b(?:match_info\(\)|query_string\(\)|headers\(\)|uri\(\)|cookie\()")


def _rust_findings(rule, ctx, sites):
    """IV010 on Rust: ``format!`` / ``push_str`` / ``+`` SQL handed to sqlx, diesel, tokio-postgres
    or rusqlite. Request data (an Axum/Actix extractor) is reported wherever it sits; other values
    only when they come from a parameter of the function and are not typed as numbers or ids."""
    from backend_architect.lang import rust

    data = ctx.document.data
    tree = ctx.fact("app_tree")
    path = (ctx.document.path or "").replace("\\", "/")
    quiet_file = bool(
        ctx.is_migration or _TEST_OR_MIGRATION_PATH.search(path) or rust.TEST_PATH.search(path)
    )
    params_of: dict[tuple[int, int], dict[str, str]] = {}

    def params(node) -> dict[str, str]:
        out: dict[str, str] = {}
        scope = rust.scope_of(node)
        while scope.parent is not None:
            key = (scope.start_byte, scope.end_byte)
            if key not in params_of:
                params_of[key] = rust.parameters(scope, data)
            for k, v in params_of[key].items():
                out.setdefault(k, v)
            if scope.type != "closure_expression":
                break
            scope = rust.scope_of(scope)
        return out

    def base(hole) -> tuple[str, str]:
        arg, _tokens = getattr(hole, "rust_arg", ("", []))
        value = arg.strip().lstrip("&*").strip()
        m = re.match(r"(?:mut\s+)?([A-Za-z_]\w*)", value)
        return value, (m.group(1) if m else "")

    def local_value(name: str, site) -> str | None:
        scope = rust.scope_of(site.call)
        values = [
            decl
            for _, decl in rust._lets(scope, name, data)
            if decl.end_byte <= site.call.start_byte and rust.scope_of(decl) == scope
        ]
        if not values:
            return None
        decl = values[-1]
        declared = decl.child_by_field_name("type")
        if declared is not None and rust.SAFE_TYPE_RE.match(_text(declared, data)):
            return ""
        value = decl.child_by_field_name("value")
        return _text(value, data) if value is not None else None

    def judge(hole, site) -> tuple[bool, bool, str]:
        """(constant, request data, origin: "param" | "local-param" | "")"""
        value, name = base(hole)
        if not value or _RUST_CONSTANT.match(value):
            return True, False, ""
        if name == "self":
            return False, False, ""  # the program's own data
        declared = params(site.call)
        if name in declared:
            type_text = declared[name]
            if rust.is_request_type(type_text):
                return False, True, ""
            if rust.type_head(type_text) in rust.REQUEST_EXTRACTORS:
                return True, False, ""  # Path<i64>: a number
            if rust.SAFE_TYPE_RE.match(type_text):
                return True, False, ""
            if _RUST_REQUEST_TEXT.search(value) and rust.type_head(type_text) in (
                "HttpRequest",
                "Request",
            ):
                return False, True, ""
            fn = rust.scope_of(site.call)
            index = rust.parameter_index(fn, name, data) if fn.type == "function_item" else None
            if index is not None and rust.fed_constants(fn, index, tree, data):
                return True, False, ""  # a private helper its callers give constants
            return False, False, "param"
        local = local_value(name, site) if name else None
        if local == "":
            return True, False, ""
        if local is not None:
            if _RUST_CONSTANT.match(local.strip()):
                return True, False, ""
            for pname, ptype in declared.items():
                if re.search(rf"(?<![\w.]){re.escape(pname)}\b", local):
                    if rust.is_request_type(ptype):
                        return False, True, ""
                    if not rust.SAFE_TYPE_RE.match(ptype):
                        return False, False, "local-param"
        return False, False, ""

    for site in sorted(sites, key=lambda s: s.expr.start_byte):
        if site.formatting is None or not site.holes:
            continue
        quiet = bool(
            site.extra.get("fragment")
            or quiet_file
            or rust.in_test_code(site.call, data)
            or _NO_PARAMETERS.match(site.decoded)
            or _SYSTEM_CATALOG.search(site.decoded)
        )
        flagged = []
        request = set()
        for h in site.holes:
            constant, from_request, origin = judge(h, site)
            if from_request:
                request.add(id(h))
                flagged.append(h)
                continue
            if quiet or constant or not origin:
                continue
            if not (h.value or h.quoted or h.in_literal):
                # a name or clause: flag only a bare parameter that is not named like one
                value, name = base(h)
                if (
                    value != name
                    or origin != "param"
                    or _FRAGMENT_NAME.search(name)
                    or name.endswith("name")
                ):
                    continue
            flagged.append(h)
        if not flagged:
            continue
        first, last = flagged[0], flagged[-1]
        shown = next((h for h in flagged if id(h) in request), first)
        value = _short(base(shown)[0] or "?")
        how = _RUST_HOW.get(site.formatting or "", "formatting")
        name_position = not any(h.value or h.quoted or h.in_literal for h in flagged)
        if id(shown) in request:
            message = (REQUEST_NAME_MESSAGE if name_position else REQUEST_MESSAGE).format(
                how=how, value=value, via=""
            )
        else:
            message = (NAME_MESSAGE if name_position else rule.message).format(how=how, value=value)
        yield rule.finding(
            first.host_start, last.host_end, message, fix=_rust_fix(rule, ctx, site, flagged)
        )


def _rust_fix(rule, ctx, site, flagged):
    """``sqlx::query(&format!("... = '{}'", x))`` -> ``sqlx::query("... = $1").bind(x)``: only for
    sqlx's query functions with the format! string written in the call, every spliced value in
    a value position."""
    from backend_architect.lang import rust

    data = ctx.document.data
    function = site.call.child_by_field_name("function")
    if (
        site.method not in ("query", "query_as", "query_scalar")
        or function is None
        or function.type == "field_expression"  # tokio-postgres' client.query: no .bind
        or site.receiver not in ("", "sqlx")
        or len(flagged) != len(site.holes)
        or any(not (h.value or h.quoted) or (h.in_literal and not h.quoted) for h in site.holes)
    ):
        return None
    macro = rust._unwrap(site.arg, data)
    if (
        macro is None
        or macro.type != "macro_invocation"
        or rust._macro_name(macro, data) != "format"
    ):
        return None
    segs = rust.format_segments(macro, data)
    if segs is None:
        return None
    literal = next(c for c in macro.named_children if c.type == "token_tree")
    fmt = rust.macro_args(literal, data)[0].tokens[0]
    holes = [s for s in segs if isinstance(s, Hole)]
    if len(holes) != len(site.holes) or any(not getattr(h, "rust_arg", ("", []))[1] for h in holes):
        return None  # an inline `{name}` capture: bind it by name below
    existing = [int(n) for n in re.findall(r"\$(\d+)", site.decoded) if int(n) < 900]
    n = max(existing, default=0)
    raw = data[fmt.start_byte : fmt.end_byte]
    pieces = []
    pos = fmt.start_byte
    binds = []
    judged = iter(site.holes)
    for s in segs:
        if isinstance(s, Hole):
            start, end = s.host_start, s.host_end
            if next(judged).quoted:
                start, end = start - 1, end + 1  # '{}' -> $1
            pieces.append(data[pos:start].decode("utf-8", "surrogatepass"))
            n += 1
            pieces.append(f"${n}" if site.style == "$" else "?")
            bound = s.rust_arg[0].strip()
            # a field is borrowed, not moved out of its struct
            binds.append(f"&{bound}" if re.fullmatch(r"[A-Za-z_]\w*(?:\.\w+)+", bound) else bound)
            pos = end
        elif not s.copy and s.text in ("{", "}") and s.host_len == 2:
            pieces.append(data[pos : s.host_start].decode("utf-8", "surrogatepass"))
            pieces.append(s.text)
            pos = s.host_start + 2
    pieces.append(data[pos : fmt.end_byte].decode("utf-8", "surrogatepass"))
    new_literal = "".join(pieces)
    if not raw:
        return None
    top = site.call
    bind_text = "".join(f".bind({b})" for b in binds)
    return rule.fix(
        [
            Edit(site.arg.start_byte, site.arg.end_byte, new_literal),
            Edit(top.end_byte, top.end_byte, bind_text),
        ],
        title=rule.fix_title.format(values=", ".join(f"`{_short(b, 20)}`" for b in binds)),
    )


# -- constants -------------------------------------------------------------------------------

_CAPS = lazy(r"^_?[A-Z][A-Z0-9_]*$")
_PLACEHOLDER_ONLY = lazy(r"^(?:\s|,|\(|\)|%s|\?|\$\d*|:\w+|%\(\w+\)s|@p\d*)*$")
_NUMERIC_CALLS = {
    "len",
    "int",
    "float",
    "bool",
    "Number",
    "parseInt",
    "parseFloat",
    "strconv.Itoa",
    "strconv.FormatInt",
    "strconv.FormatUint",
    "strconv.FormatFloat",
    "strconv.Quote",
}
_IDENT_CALLS = lazy(
    r"(?:^|\.)(?:quote_name|quote_ident|quote_identifier|QuoteIdentifier|QuoteLiteral|"
    r"Identifier|escapeId|escapeIdentifier|escapeLiteral|format_ident)$"
)
_CONVERTERS = {
    "str",
    "String",
    "repr",
    "string",
    "fmt.Sprint",
    "JSON.stringify",
    "strconv.Quote",
    "encodeURIComponent",
}
_REQUEST_CALL = lazy(
    r"(?:^|\.)(?:request|req|r|c|ctx|context|self\.request)\.(?:args|form|json|values|GET|POST|query|params|body|"
    r"cookies|headers|get_json|Query|Param|Params|PostForm|FormValue|PostFormValue|DefaultQuery|GetQuery|QueryParam|"
    r"FormValue|URL\.Query\(\)\.Get)|^input$|\.URL\.Query\(\)\.Get$"
)
_REQUEST_DATA = lazy(
    r"(?:^|\b)(?:req|request|ctx\.request|self\.request)\.(?:args|form|json|values|GET|POST|query|params|body|data|"
    r"cookies|headers|get_json|query_params|path_params)\b|^(?:c|ctx)\.(?:Query|Param|PostForm|DefaultQuery|GetQuery|"
    r"QueryParam|FormValue)\(|\br\.(?:FormValue|PostFormValue|URL\.Query\(\))|\bmux\.Vars\("
)
_FRAGMENT_NAME = lazy(
    r"(?i)(cond(ition)?|clause|where|filter|predicates?|criteria|order(_?by)?|sort_?sql|cols|columns?|fields|select|join|updates?|sets?|"
    r"sql|query|place_?holders?|limit|offset|table|tbl|schema|extension|expr(ession)?|fragment|stmt|statement|"
    r"dialect|returning|upsert|conflict|lock|suffix|prefix|ops?|operator|direction|dir)"
    r"(_?(str|string|sql|name|list|clause|part|text))?s?$"
)
_TABLE_ATTRS = lazy(
    r"(?:^|\.)(?:_meta\.db_table|db_table|__tablename__|_table_name|table_name|tablename|TableName\(\))$"
)


class _Constants:
    """Is a spliced value constant (or otherwise unable to change the statement)?"""

    def __init__(self, ctx):
        self.ctx = ctx
        self.data = ctx.document.data
        self.lang = ctx.document.language
        self._go_consts: set[str] | None = None
        self._finder = None

    def constant(self, hole: Hole) -> bool:
        spec = hole.spec or ""
        # %d / {x:d} render numbers only: a string raises (Python) or prints %!d (Go)
        if re.fullmatch(r"%[-#0 +]*\d*[di]|%[-+# 0]*\d*d|:d", spec):
            return True
        if hole.node is None:
            return False
        if not hole.value and not hole.quoted and not hole.in_literal:
            return self.composed(hole.node)
        return self.expr(hole.node, 0)

    def composed(self, node) -> bool:
        """Where a value cannot go (a name, a clause), code composes SQL: flag only what comes
        from outside — request data, or a bare parameter of the function such as `sort`."""
        text = _text(node, self.data)
        if node.type != "identifier":
            return True
        if _FRAGMENT_NAME.search(text) or re.search(r"(?i)name$", text):
            return True
        if self.expr(node, 0):
            return True
        return not self._is_parameter(node)

    def _is_parameter(self, ident) -> bool:
        from backend_architect.core import languages

        finder = self.finder()
        scope = finder.scope_of(ident)
        if scope.parent is None:
            return False
        params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
        if params is None:
            return False
        q = {
            "python": "(identifier) @p",
            "go": "(parameter_declaration name: (identifier) @p)",
        }.get(self.lang, "[(identifier) @p (shorthand_property_identifier_pattern) @p]")
        names = {_text(n, self.data) for n in languages.captures(self.lang, q, params).get("p", [])}
        return _text(ident, self.data) in names

    def finder(self):
        if self._finder is None:
            self._finder = embedded._Finder(self.ctx, self.ctx.fact("app_tree"))
        return self._finder

    def go_consts(self) -> set[str]:
        if self._go_consts is None:
            from backend_architect.core import languages

            tree = self.ctx.fact("app_tree")
            caps = languages.captures("go", "(const_spec name: (identifier) @n)", tree.root_node)
            self._go_consts = {_text(n, self.data) for n in caps.get("n", [])}
        return self._go_consts

    def expr(self, node, depth: int) -> bool:
        if depth > 6:
            return False
        t = node.type
        text = _text(node, self.data)
        d = depth + 1
        if t in (
            "integer",
            "float",
            "true",
            "false",
            "none",
            "number",
            "null",
            "undefined",
            "int_literal",
            "float_literal",
            "nil",
            "raw_string_literal",
            "interpreted_string_literal",
        ):
            return True
        if t == "string":
            holes = [c for c in node.named_children if c.type == "interpolation"]
            return all(h.named_children and self.expr(h.named_children[0], d) for h in holes)
        if t == "template_string":
            subs = [c for c in node.named_children if c.type == "template_substitution"]
            if not subs:
                return True
            literal = re.sub(r"\$\{[^}]*\}", "", text[1:-1])
            return _PLACEHOLDER_ONLY.match(literal) is not None or all(
                self.expr(s.named_children[0], d) for s in subs if s.named_children
            )
        if t == "concatenated_string":
            return all(self.expr(c, d) for c in node.named_children)
        if t in (
            "parenthesized_expression",
            "await_expression",
            "non_null_expression",
            "as_expression",
        ):
            inner = node.named_children[0] if node.named_children else None
            return inner is not None and self.expr(inner, d)
        if t == "identifier":
            if _CAPS.match(text):
                return True
            if self.lang == "go" and text in self.go_consts():
                return True
            if self._typed_number(node):
                return True
            return self._local_constant(node, d)
        if t in ("attribute", "member_expression", "selector_expression"):
            last = text.rsplit(".", 1)[-1]
            if _CAPS.match(last) or _TABLE_ATTRS.search(text) or last in ("length", "size"):
                return True
            if self.lang == "python" and last in ("id", "pk") and not _REQUEST_CALL.search(text):
                return True  # a model's integer key
            head = text.split(".", 1)[0]
            return bool(_CAPS.match(head))
        if t in ("subscript", "subscript_expression", "index_expression"):
            obj = (
                node.child_by_field_name("value")
                or node.child_by_field_name("object")
                or node.child_by_field_name("operand")
            )
            # a whitelist lookup
            return obj is not None and bool(_CAPS.match(_text(obj, self.data).rsplit(".", 1)[-1]))
        if t in ("conditional_expression", "ternary_expression"):
            parts = [c for c in node.named_children]
            if t == "conditional_expression":  # a if cond else b
                return len(parts) == 3 and self.expr(parts[0], d) and self.expr(parts[2], d)
            cons, alt = (
                node.child_by_field_name("consequence"),
                node.child_by_field_name("alternative"),
            )
            return cons is not None and alt is not None and self.expr(cons, d) and self.expr(alt, d)
        if t in ("binary_operator", "binary_expression"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node.child_by_field_name("operator")
            if op is not None and op.type in ("-", "/", "//", "<<", ">>", "&", "|"):
                return True  # arithmetic yields numbers
            if op is not None and op.type == "*":
                return (
                    (
                        left.type
                        in ("string", "list", "template_string", "interpreted_string_literal")
                        and _PLACEHOLDER_ONLY.match(_strip_quotes(_text(left, self.data)))
                        is not None
                    )
                    or self.expr(left, d)
                    and self.expr(right, d)
                )
            return self.expr(left, d) and self.expr(right, d)
        if t in ("call", "call_expression"):
            fn = node.child_by_field_name("function")
            if fn is None:
                return False
            fname = _text(fn, self.data)
            args = node.child_by_field_name("arguments")
            arg_nodes = [
                a for a in (args.named_children if args is not None else []) if a.type != "comment"
            ]
            if fname in _NUMERIC_CALLS or fname.rsplit(".", 1)[-1] in (
                "Itoa",
                "FormatInt",
                "QuoteIdentifier",
            ):
                return True
            if _IDENT_CALLS.search(fname):
                return True
            if _REQUEST_CALL.search(fname):
                return False  # request data straight into SQL
            if fname in _CONVERTERS or fname.endswith(".toString") or fname.endswith(".String"):
                inner = (
                    arg_nodes[0]
                    if arg_nodes
                    else fn.child_by_field_name("object") or fn.child_by_field_name("operand")
                )
                return inner is not None and self.expr(inner, d)
            if fname.endswith(".join") or fname.endswith(".Join") or fname == "strings.Join":
                # a list joined inside quotes ("','") is a list of values spliced into a literal
                sep = (
                    arg_nodes[-1]
                    if fname == "strings.Join" and arg_nodes
                    else fn.child_by_field_name("object")
                )
                if sep is not None and "'" in _strip_quotes(_text(sep, self.data)):
                    listed = arg_nodes[0] if arg_nodes else None
                    return listed is not None and self.expr(listed, d)
                return True
            if fname == "fmt.Sprintf" and arg_nodes:
                verbs = re.findall(
                    r"%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]", _text(arg_nodes[0], self.data)
                )
                verbs = [v for v in verbs if v != "%%"]
                return (
                    all(
                        v.endswith("d") or self.expr(a, d)
                        for v, a in zip(verbs, arg_nodes[1:], strict=False)
                    )
                    and len(verbs) >= len(arg_nodes) - 1
                )
            if fname == "fmt.Sprint":
                return all(self.expr(a, d) for a in arg_nodes)
            if fname.endswith(".format") and fn.type == "attribute":
                return all(
                    self.expr(
                        a.child_by_field_name("value") if a.type == "keyword_argument" else a, d
                    )
                    for a in arg_nodes
                )
            # any other call: functions that return SQL text (db.now(), build_where()) compose
            # queries; their results are not request data
            return True
        if t in {"list", "array", "tuple"}:
            return all(self.expr(c, d) for c in node.named_children)
        return False

    def unknown_origin(self, node, depth: int) -> bool:
        """Is the value (derived from) a parameter of the enclosing function?"""
        if node is None or depth > 5:
            return False
        t = node.type
        d = depth + 1
        if t == "identifier":
            finder = self.finder()
            name = _text(node, self.data)
            scope = finder.scope_of(node)
            while True:
                entries = [
                    e
                    for e in finder.assignments(scope).get(name, [])
                    if e[2].start_byte < node.start_byte
                ]
                if entries:
                    return any(self.unknown_origin(v, d) for _, v, _ in entries)
                if scope.parent is None:
                    return False
                if name in self._declared(scope):
                    return True
                scope = finder.scope_of(scope)
        if t in (
            "parenthesized_expression",
            "await_expression",
            "await",
            "non_null_expression",
            "as_expression",
        ):
            inner = [c for c in node.named_children if c.type != "comment"]
            return bool(inner) and self.unknown_origin(inner[0], d)
        if t in ("call", "call_expression"):
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            fname = _text(fn, self.data) if fn is not None else ""
            arg_nodes = [
                a for a in (args.named_children if args is not None else []) if a.type != "comment"
            ]
            if fname in _CONVERTERS or fname in (
                "fmt.Sprint",
                "fmt.Sprintf",
                "strings.TrimSpace",
                "strings.ToLower",
            ):
                return any(self.unknown_origin(a, d) for a in arg_nodes)
            if (
                fn is not None
                and fn.type in ("attribute", "member_expression", "selector_expression")
                and fname.rsplit(".", 1)[-1] in _STRING_METHODS
            ):
                obj = fn.child_by_field_name("object") or fn.child_by_field_name("operand")
                return obj is not None and self.unknown_origin(obj, d)
            return False
        if t in (
            "binary_operator",
            "binary_expression",
            "string",
            "template_string",
            "concatenated_string",
            "interpolation",
            "template_substitution",
            "conditional_expression",
            "ternary_expression",
        ):
            return any(
                self.unknown_origin(c, d)
                for c in node.named_children
                if c.type not in ("string_start", "string_end", "string_content", "comment")
            )
        return False

    def _typed_number(self, ident) -> bool:
        """A parameter declared as a number, a UUID or a date (`id: int`, `id int64`, `id: number`,
        a Flask `<int:id>` route parameter): it cannot carry SQL."""
        finder = self.finder()
        scope = finder.scope_of(ident)
        if scope.parent is None:
            return False
        name = _text(ident, self.data)
        if finder.assignments(scope).get(name):
            return False  # reassigned: the declared type may not be the whole story
        taint = _Taint(self.ctx, self)
        param = taint._params(scope).get(name)
        if param is None:
            return False
        if param[1] and _SAFE_TYPES.match(param[1]):
            return True
        for h in self.ctx.fact("handlers") or []:
            if (
                h.node is not None
                and h.node.start_byte == scope.start_byte
                and h.decl is not None
                and re.search(rf"<(?:int|float|uuid):{re.escape(name)}>", _text(h.decl, self.data))
            ):
                return True
        return False

    def _local_constant(self, ident, d) -> bool:
        finder = self.finder()
        name = _text(ident, self.data)
        scope = finder.scope_of(ident)
        entries = finder.assignments(scope).get(name)
        while not entries and scope.parent is not None:
            if name in self._declared(scope):
                break  # a parameter of this function: not the outer variable
            scope = finder.scope_of(scope)  # a closure reads the enclosing function's variables
            entries = finder.assignments(scope).get(name)
        if not entries:
            return self._loop_over_constants(ident, name)
        return all(self.expr(value, d) for _, value, _ in entries)

    def _declared(self, scope) -> set[str]:
        return set(_Taint(self.ctx, self)._params(scope))

    def _loop_over_constants(self, ident, name) -> bool:
        """`for col in ("a", "b"): f"... {col} ..."`."""
        n = ident.parent
        while n is not None:
            if n.type in ("for_statement", "for_in_statement"):
                left = n.child_by_field_name("left")
                right = n.child_by_field_name("right")
                if left is not None and _text(left, self.data) == name and right is not None:
                    return self.expr(right, 1)
            n = n.parent
        return False


# -- request data ------------------------------------------------------------------------------

# An expression that reads the request: the accessor is at the start of the expression
# (`request.args.get("q")`, `req.query.name`, `c.Query("q")`), not merely inside it
# (`User.query.get(request.args["id"])` returns a model, not request text).
_REQUEST_SOURCE = lazy(
    r"""\A(?:
      (?:self\.)?(?:request|req|ctx\.request|context\.request)\s*\.\s*
        (?:args|form|json|values|GET|POST|query|params|body|data|cookies|headers|get_json|query_params|
           path_params|match_info|rel_url|files|FILES|querystring|COOKIES|META|payload|raw_body|queries|param|
           FormValue|PostFormValue|URL\s*\.\s*Query\s*\(\s*\)|Form\b|PostForm\b|Header\s*\.\s*Get|PathValue)\b
    | ctx\s*\.\s*(?:query|params|querystring)\b
    | (?:c|ctx|e|echoCtx|gc|context)\s*\.\s*(?:Query|Param|Params|PostForm|DefaultQuery|GetQuery|QueryParam|
        QueryParams|FormValue|DefaultPostForm|GetPostForm|QueryArray|PostFormArray|FormParams|Queries|BodyParser|
        ShouldBind\w*|Bind\w*|GetHeader|GetRawData|Cookie|FormFile|QueryMap|PostFormMap|GetQueryArray)\s*\(
    | r\s*\.\s*(?:FormValue|PostFormValue|URL\s*\.\s*Query\s*\(\s*\)|Form\b|PostForm\b|PathValue)
    | c\s*\.\s*req\s*\.\s*(?:query|param|json|queries|header|parseBody|valid)\s*\(
    | mux\s*\.\s*Vars\s*\( | chi\s*\.\s*URLParam\s*\(
    )""",
    re.X,
)
_SAFE_TYPES = lazy(
    r"^(?:Optional\[|Annotated\[)?\s*(?:int|float|bool|Decimal|UUID|uuid\.UUID|datetime|date|time|timedelta|"
    r"number|bigint|boolean|Date|int8|int16|int32|int64|uint|uint8|uint16|uint32|uint64|float32|float64|"
    r"uuid\.UUID|time\.Time|time\.Duration|PositiveInt|NonNegativeInt|conint\(.*\)|Literal\[.*\])\s*"
    r"(?:\]|,.*|\|\s*None|\s*=.*)?$"
)
_STRING_METHODS = {
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "title",
    "replace",
    "trim",
    "trimStart",
    "trimEnd",
    "toLowerCase",
    "toUpperCase",
    "toString",
    "String",
    "get",
    "getlist",
    "pop",
    "decode",
    "encode",
    "TrimSpace",
    "ToLower",
    "ToUpper",
    "Get",
    "split",
    "join",
    "capitalize",
    "casefold",
    "format",
    "slice",
    "substring",
    "substr",
    "TrimPrefix",
    "TrimSuffix",
    "Trim",
    "normalize",
    "concat",
}


class _Taint:
    """Does a spliced value come from the HTTP request, directly or through local variables and
    the parameters of functions this file calls with request data?"""

    def __init__(self, ctx, constants: "_Constants"):
        self.ctx = ctx
        self.data = ctx.document.data
        self.lang = ctx.document.language
        self.constants = constants
        self._handler_params: dict[tuple[int, int], dict[str, str]] | None = None
        self._calls: dict[str, list] | None = None
        self._memo: dict[tuple[int, int], str | None] = {}

    def finder(self):
        return self.constants.finder()

    def source(self, node, depth: int = 0) -> str | None:
        """The request accessor the value comes from (None when it does not come from the request)."""
        if node is None or depth > 6:
            return None
        key = (node.start_byte, node.end_byte)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # cycles: x = x + ...
        found = self._source(node, depth)
        self._memo[key] = found
        return found

    def _source(self, node, d: int) -> str | None:
        t = node.type
        text = _text(node, self.data)
        if t in (
            "parenthesized_expression",
            "await_expression",
            "await",
            "non_null_expression",
            "as_expression",
            "type_assertion_expression",
            "unary_expression",
            "pointer_expression",
        ):
            inner = [c for c in node.named_children if c.type != "comment"]
            if t in ("unary_expression", "pointer_expression") and not text.lstrip().startswith(
                "*"
            ):
                return None
            return self.source(inner[0], d + 1) if inner else None
        if t in ("call", "call_expression"):
            fn = node.child_by_field_name("function")
            fname = _text(fn, self.data) if fn is not None else ""
            last = re.split(r"[.\s]", fname)[-1]
            if (
                fname in _NUMERIC_CALLS
                or last
                in (
                    "Atoi",
                    "ParseInt",
                    "ParseUint",
                    "ParseFloat",
                    "ParseBool",
                    "Itoa",
                    "FormatInt",
                    "isdigit",
                    "isnumeric",
                )
                or _IDENT_CALLS.search(fname)
                or re.search(r"\btype\s*=\s*(?:int|float|bool)\b", text)
            ):
                return None
            if _REQUEST_SOURCE.match(text):
                return _accessor(text)
            args = node.child_by_field_name("arguments")
            arg_nodes = [
                a
                for a in (args.named_children if args is not None else [])
                if a.type not in ("comment",)
            ]
            if fname in _CONVERTERS or fname in (
                "fmt.Sprint",
                "fmt.Sprintf",
                "util.format",
                "escape",
                "html.escape",
            ):
                for a in arg_nodes:
                    found = self.source(a, d + 1)
                    if found:
                        return found
                return None
            if (
                fn is not None
                and fn.type in ("attribute", "member_expression", "selector_expression")
                and last in _STRING_METHODS
            ):
                obj = fn.child_by_field_name("object") or fn.child_by_field_name("operand")
                found = self.source(obj, d + 1) if obj is not None else None
                if found:
                    return found
                if last == "join" or fname == "strings.Join":
                    for a in arg_nodes[:1]:
                        found = self.source(a, d + 1)
                        if found:
                            return found
            return None
        if t in (
            "attribute",
            "member_expression",
            "selector_expression",
            "subscript",
            "subscript_expression",
            "index_expression",
        ):
            if _REQUEST_SOURCE.match(text):
                return _accessor(text)
            base = (
                node.child_by_field_name("object")
                or node.child_by_field_name("value")
                or node.child_by_field_name("operand")
            )
            if base is None:
                return None
            last = text.rsplit(".", 1)[-1]
            if last in ("length", "size", "id", "pk", "ID", "Id", "count") and t != "subscript":
                return None
            return self.source(base, d + 1)
        if t == "identifier":
            return self._identifier(node, d)
        if t in (
            "string",
            "template_string",
            "concatenated_string",
            "binary_operator",
            "binary_expression",
            "conditional_expression",
            "ternary_expression",
            "interpolation",
            "template_substitution",
            "boolean_operator",
            "list",
            "array",
            "tuple",
        ):
            if t in ("binary_operator", "binary_expression"):
                op = node.child_by_field_name("operator")
                if op is not None and op.type not in ("+", "or", "||", "??", "%"):
                    return None
            if t == "conditional_expression":
                kids = [c for c in node.named_children if c.type != "comment"]
                if len(kids) == 3:
                    return self.source(kids[0], d + 1) or self.source(kids[2], d + 1)
            for c in node.named_children:
                if c.type in (
                    "string_start",
                    "string_end",
                    "string_content",
                    "comment",
                    "escape_sequence",
                ):
                    continue
                found = self.source(c, d + 1)
                if found:
                    return found
            return None
        return None

    def _identifier(self, ident, d: int) -> str | None:
        name = _text(ident, self.data)
        if _CAPS.match(name) or name in ("self", "this", "cls"):
            return None
        finder = self.finder()
        scope = finder.scope_of(ident)
        while True:
            entries = finder.assignments(scope).get(name, [])
            for _, value, stmt in entries:
                if stmt.start_byte >= ident.start_byte:
                    break
                found = self.source(value, d + 1)
                if found:
                    return found
            found = self._destructured(ident, name, scope)
            if found:
                return found
            if scope.parent is None:
                return None
            if entries or name in self._params(scope):
                return self._parameter(ident, name, scope, d)
            scope = finder.scope_of(scope)  # a closure reads the enclosing function's variables

    def _destructured(self, ident, name: str, scope) -> str | None:
        """`const { q } = req.query`, `q, ok := c.GetQuery("q")`, `for q in request.args.getlist("q")`."""
        before = self.data[scope.start_byte : ident.start_byte].decode("utf-8", "surrogatepass")
        n = re.escape(name)
        patterns = [
            rf"(?:const|let|var)\s*\{{[^}}]*(?<![\w$]){n}\b[^}}]*\}}\s*(?::[^=]+)?=\s*(?:await\s+)?([^\n;]+)",
            rf"(?:^|\n)\s*(?:\w+\s*,\s*)*{n}\s*(?:,\s*\w+\s*)*:?=\s*([^\n;]+)",
            rf"\bfor\s+(?:\w+\s*,\s*)?{n}\s+in\s+([^\n]+?):\s*(?:\n|$)",
            rf"\bfor\s*\(\s*(?:const|let|var)\s+{n}\s+of\s+([^)\n]+)\)",
        ]
        for pat in patterns:
            for m in re.finditer(pat, before):
                rhs = m.group(1).strip()
                if _REQUEST_SOURCE.match(rhs) and not re.match(
                    r"(?:int|float|len|Number|parseInt)\(", rhs
                ):
                    return _accessor(rhs)
        return None

    # ---- parameters ------------------------------------------------------------------------

    def _parameter(self, ident, name: str, scope, d: int) -> str | None:
        params = self._params(scope)
        if name not in params:
            return None
        index, annotation = params[name]
        if annotation and _SAFE_TYPES.match(annotation):
            return None  # a number, a UUID, a date: it cannot carry SQL
        handler = self.handler_params().get((scope.start_byte, scope.end_byte))
        if handler is not None and name in handler:
            return handler[name]
        # a helper of this file: called with request data at this position
        fname_node = scope.child_by_field_name("name")
        if fname_node is None or d > 4:
            return None
        fname = _text(fname_node, self.data)
        is_method = scope.type in ("method_declaration", "method_definition") or (
            self.lang == "python" and next(iter(self._params(scope)), "") in ("self", "cls")
        )
        for call, args, receiver in self.calls().get(fname, []):
            if scope.start_byte <= call.start_byte < scope.end_byte:
                continue  # recursion
            if self.lang != "go" and (
                receiver not in ("self", "cls", "this") if is_method else receiver is not None
            ):
                continue  # a function is called by its name, a method on self / this
            positional = [a for a in args if a.type not in ("keyword_argument", "comment")]
            pos = index - (1 if is_method and self.lang == "python" else 0)
            arg = None
            for a in args:
                if (
                    a.type == "keyword_argument"
                    and _text(a.child_by_field_name("name"), self.data) == name
                ):
                    arg = a.child_by_field_name("value")
            if arg is None and 0 <= pos < len(positional):
                arg = positional[pos]
            if arg is None:
                continue
            found = self.source(arg, d + 1)
            if found:
                return found
        return None

    def _params(self, scope) -> dict[str, tuple[int, str]]:
        """name -> (position, type annotation text) of a function's parameters."""
        params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
        out: dict[str, tuple[int, str]] = {}
        if params is None:
            return out
        if params.type == "identifier":
            return {_text(params, self.data): (0, "")}
        i = 0
        for p in params.named_children:
            if p.type == "comment":
                continue
            if self.lang == "go":
                names = [c for c in p.named_children if c.type == "identifier"]
                typ = p.child_by_field_name("type")
                for nm in names:
                    out[_text(nm, self.data)] = (
                        i,
                        _text(typ, self.data) if typ is not None else "",
                    )
                    i += 1
                continue
            name_node = p
            typ = ""
            if p.type in ("typed_parameter", "typed_default_parameter", "default_parameter"):
                name_node = p.child_by_field_name("name") or (
                    p.named_children[0] if p.named_children else p
                )
                tnode = p.child_by_field_name("type")
                typ = _text(tnode, self.data) if tnode is not None else ""
            elif p.type in ("required_parameter", "optional_parameter"):
                name_node = p.child_by_field_name("pattern") or (
                    p.named_children[0] if p.named_children else p
                )
                tnode = p.child_by_field_name("type")
                typ = _text(tnode, self.data).lstrip(":").strip() if tnode is not None else ""
            elif p.type == "assignment_pattern":
                name_node = p.child_by_field_name("left") or p
            if name_node.type == "identifier":
                out[_text(name_node, self.data)] = (i, typ)
            i += 1
        return out

    def handler_params(self) -> dict[tuple[int, int], dict[str, str]]:
        """(function span) -> {parameter: where it is read} for handlers whose parameters are request
        data: FastAPI (query, path, body) and the path parameters of Flask routes."""
        if self._handler_params is None:
            self._handler_params = {}
            for h in self.ctx.fact("handlers") or []:
                node = h.node
                if node is None:
                    continue
                fw = frameworks.by_name(h.route.framework)
                names = fw.request_parameters(h, self.data) if fw is not None else {}
                if names:
                    self._handler_params[(node.start_byte, node.end_byte)] = names
        return self._handler_params

    def calls(self) -> dict[str, list]:
        """function name -> [(call node, argument nodes)] of every call in the file."""
        if self._calls is None:
            from backend_architect.core import languages

            q = {
                "python": "(call function: [(identifier) @f (attribute object: (_) @r attribute: (identifier) @f)] arguments: (argument_list) @a) @c",
                "go": "(call_expression function: [(identifier) @f (selector_expression operand: (_) @r field: (field_identifier) @f)] arguments: (argument_list) @a) @c",
            }.get(
                self.lang,
                "(call_expression function: [(identifier) @f (member_expression object: (_) @r property: (property_identifier) @f)] arguments: (arguments) @a) @c",
            )
            self._calls = {}
            tree = self.ctx.fact("app_tree")
            for _, caps in languages.matches(self.lang, q, tree.root_node):
                args = [a for a in caps["a"][0].named_children if a.type != "comment"]
                receiver = _text(caps["r"][0], self.data) if caps.get("r") else None
                self._calls.setdefault(_text(caps["f"][0], self.data), []).append(
                    (caps["c"][0], args, receiver)
                )
        return self._calls


def _accessor(text: str) -> str:
    """`request.args.get("q", "")` -> `request.args.get("q")`: the accessor, shortly."""
    text = " ".join(text.split())
    m = re.match(
        r"[\w.]+(?:\(\s*\))?(?:\.\w+)*(?:\[[^\]]{0,30}\]|\(\s*['\"`][^'\"`]{0,30}['\"`])?", text
    )
    out = m.group(0) if m else text
    if out.count("(") > out.count(")"):
        out += ")"
    return out


def _strip_quotes(raw: str) -> str:
    raw = raw.strip()
    raw = re.sub(r"^[rRuUbBfF]*", "", raw)
    for q in ('"""', "'''", '"', "'", "`", "[", "("):
        if raw.startswith(q):
            close = {"[": "]", "(": ")"}.get(q, q)
            if raw.endswith(close):
                return raw[len(q) : len(raw) - len(close)]
    return raw


# -- fixes --------------------------------------------------------------------------------------


class _NoFix(Exception):
    pass


_ALLOWED_SPECS = lazy(r"^(?:|%s|%d|%i|%f|%v|%(\(\w+\))s|:d)$")


class _Fixer:
    def __init__(self, ctx, site: SqlSite, flagged: list[Hole], rule: Rule):
        self.ctx = ctx
        self.doc = ctx.document
        self.data = ctx.document.data
        self.site = site
        self.flagged = flagged
        self.rule = rule
        self.edits: list[Edit] = []

    def src(self, node) -> str:
        return _text(node, self.data)

    def build(self):
        site = self.site
        for h in self.flagged:
            if h.node is None or not h.value or not _ALLOWED_SPECS.match(h.spec or ""):
                raise _NoFix
        if site.extra.get("augmented") or site.extra.get("joined"):
            raise _NoFix
        kind = site.formatting
        if kind in ("percent", "format", "concat") and len(self.flagged) != len(site.holes):
            # these forms are rewritten whole: every hole must become a parameter
            if not all(
                h.value and h.node is not None and _ALLOWED_SPECS.match(h.spec or "")
                for h in site.holes
            ):
                raise _NoFix
            self.flagged = list(site.holes)
        if kind == "percent" and any(h.spec.startswith("%(") for h in site.holes):
            raise _NoFix
        values = [self.src(self.unwrap(h.node)) for h in self.flagged]
        if site.language in ("javascript", "typescript", "tsx") and site.method in (
            "$queryRawUnsafe",
            "$executeRawUnsafe",
        ):
            return self.prisma_tagged(values)
        placeholders = self.placeholders(values)
        self.rewrite_sql(placeholders)
        self.add_params(values, placeholders)
        names = ", ".join(values)
        if len(names) > 50:
            names = f"{len(values)} values"
        return self.rule.fix(self.edits, title=self.rule.fix_title.format(values=names))

    def unwrap(self, node):
        """str(x) / String(x) -> x (the driver converts the value itself)."""
        if node.type in ("call", "call_expression"):
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if (
                fn is not None
                and self.src(fn) in ("str", "String")
                and args is not None
                and len(args.named_children) == 1
            ):
                return args.named_children[0]
        return node

    # ---- placeholders --------------------------------------------------------------

    def existing(self) -> list[int]:
        """Decoded offsets of placeholders already in the SQL (outside the holes)."""
        style = self.site.style
        text = self.site.decoded
        hole_spans = [(h.dec_start, h.dec_end) for h in self.site.holes]
        pattern = {"%s": r"(?<!%)%s", "?": r"\?", "$": r"\$\d+", ":name": r"(?<![:\w]):\w+"}[style]
        out = []
        for m in re.finditer(pattern, text):
            if any(s <= m.start() < e for s, e in hole_spans):
                continue
            if style == "$" and int(m.group(0)[1:]) > 900:
                continue
            out.append(m.start())
        return out

    def placeholders(self, values: list[str]) -> list[str]:
        style = self.site.style
        if style == "%s":
            return ["%s"] * len(values)
        if style == "?":
            return ["?"] * len(values)
        if style == "$":
            used = [int(m) for m in re.findall(r"\$(\d+)", self.site.decoded) if int(m) < 900]
            start = max(used, default=0)
            return [f"${start + i + 1}" for i in range(len(values))]
        if style == ":name":
            names = []
            for v in values:
                base = re.sub(r"\W+", "_", v.rsplit(".", 1)[-1]).strip("_") or "value"
                name = base
                k = 2
                while name in names or re.search(rf"(?<![:\w]):{name}\b", self.site.decoded):
                    name = f"{base}{k}"
                    k += 1
                names.append(name)
            return [f":{n}" for n in names]
        raise _NoFix

    def host(self, dec: int, end: bool = False) -> int:
        return self.site.decode_map(dec, end=end)

    def rewrite_sql(self, placeholders: list[str]) -> None:
        site = self.site
        kind = site.formatting
        if kind == "concat":
            return self.rebuild_concat(placeholders)
        for h, ph in zip(self.flagged, placeholders, strict=False):
            s, e = h.host_start, h.host_end
            if h.quoted:  # '{x}' -> %s : the quotes go with the value
                s = self.host(h.dec_start - 1)
                e = self.host(h.dec_end + 1, end=True)
            self.edits.append(Edit(s, e, ph))
        if kind in {"percent", "format"}:
            # drop the % operand / .format(...) call
            expr = site.expr
            if kind == "percent":
                left = expr.child_by_field_name("left")
            else:
                function = expr.child_by_field_name("function")
                left = function.child_by_field_name("object") if function is not None else None
            if left is None:  # the parse always has these fields; no fix without them
                return
            self.edits.append(Edit(left.end_byte, expr.end_byte, ""))
            if kind == "format":
                content = self.data[left.start_byte : left.end_byte]
                for m in re.finditer(rb"\{\{|\}\}", content):
                    self.edits.append(
                        Edit(left.start_byte + m.start(), left.start_byte + m.start() + 1, "")
                    )
            if kind == "percent" and site.style != "%s":
                self.unescape_percent()
        if kind == "fstring":
            self.drop_f_prefixes()
        if kind == "sprintf":
            self.drop_sprintf()
        if site.style == "%s" and not site.params and kind != "percent":
            self.escape_percent()

    def escape_percent(self) -> None:
        """psycopg with parameters reads % as a placeholder: literal % must be %%."""
        spans = [(h.dec_start, h.dec_end) for h in self.site.holes]
        for m in re.finditer("%", self.site.decoded):
            if any(s <= m.start() < e for s, e in spans):
                continue
            if self.site.decoded.startswith("%s", m.start()):
                raise _NoFix  # a literal %s next to new parameters would be ambiguous
            pos = self.host(m.start())
            self.edits.append(Edit(pos, pos, "%"))

    def unescape_percent(self) -> None:
        # %% in a %-formatted string meant one %; drivers other than psycopg want it single
        text = self.data[self.site.expr.start_byte : self.site.expr.end_byte]
        base = self.site.expr.start_byte
        for m in re.finditer(rb"%%", text):
            self.edits.append(Edit(base + m.start(), base + m.start() + 1, ""))

    def drop_f_prefixes(self) -> None:
        flagged = {id(h) for h in self.flagged}
        remaining = [h for h in self.site.holes if id(h) not in flagged]
        strings = []
        expr = self.site.expr
        if expr.type == "string":
            strings = [expr]
        elif expr.type == "concatenated_string":
            strings = [c for c in expr.named_children if c.type == "string"]
        for s in strings:
            if any(s.start_byte <= h.host_start < s.end_byte for h in remaining):
                continue
            start = s.child(0)
            prefix = self.src(start)
            if "f" not in prefix.lower():
                continue
            i = prefix.lower().index("f")
            self.edits.append(Edit(start.start_byte + i, start.start_byte + i + 1, ""))
            # {{ and }} were escapes of the f-string; a plain string means them literally
            content = self.data[start.end_byte : s.child(s.child_count - 1).start_byte]
            for m in re.finditer(rb"\{\{|\}\}", content):
                pos = start.end_byte + m.start()
                self.edits.append(Edit(pos, pos + 1, ""))

    def drop_sprintf(self) -> None:
        call = self.site.expr
        arguments = call.child_by_field_name("arguments")
        args = [
            a
            for a in (arguments.named_children if arguments is not None else [])
            if a.type != "comment"
        ]
        flagged_nodes = {
            (h.node.start_byte, h.node.end_byte) for h in self.flagged if h.node is not None
        }
        keep = [a for a in args[1:] if (a.start_byte, a.end_byte) not in flagged_nodes]
        fmt = args[0]
        if not keep:
            # fmt.Sprintf("...", a) -> "..." : %% meant one %
            self.edits.append(Edit(call.start_byte, fmt.start_byte, ""))
            self.edits.append(Edit(fmt.end_byte, call.end_byte, ""))
            text = self.data[fmt.start_byte : fmt.end_byte]
            for m in re.finditer(rb"%%", text):
                self.edits.append(
                    Edit(fmt.start_byte + m.start(), fmt.start_byte + m.start() + 1, "")
                )
        else:
            # remove the moved arguments from the Sprintf call
            for i, a in enumerate(args[1:], start=1):
                if (a.start_byte, a.end_byte) in flagged_nodes:
                    prev = args[i - 1]
                    self.edits.append(Edit(prev.end_byte, a.end_byte, ""))

    def rebuild_concat(self, placeholders: list[str]) -> None:
        """'a' + x + 'b' -> one literal with placeholders."""
        site = self.site
        text_parts = []
        holes = {id(h): ph for h, ph in zip(self.flagged, placeholders, strict=False)}
        sql = site.decoded
        pos = 0
        for h in site.holes:
            text_parts.append(sql[pos : _char(sql, h.dec_start)])
            chunk = holes[id(h)]
            if h.quoted:
                text_parts[-1] = text_parts[-1][:-1]
                pos = _char(sql, h.dec_end) + 1
            else:
                pos = _char(sql, h.dec_end)
            text_parts.append(chunk)
        text_parts.append(sql[pos:])
        new_sql = "".join(text_parts)
        if (
            site.style == "%s"
            and not site.params
            and re.search(r"%(?!s)", new_sql.replace("%s", ""))
        ):
            new_sql = new_sql.replace("%", "%%").replace("%%s", "%s")
        literal = _quote(new_sql, site.language, self.src(site.expr))
        self.edits.append(Edit(site.expr.start_byte, site.expr.end_byte, literal))

    # ---- parameters -----------------------------------------------------------------

    def add_params(self, values: list[str], placeholders: list[str]) -> None:
        site = self.site
        style = site.style
        lang = site.language
        if style == ":name":
            return self.add_named(values, placeholders)
        if (
            lang == "python"
            and style == "$"
            or lang == "go"
            or lang != "python"
            and site.method in ("$queryRawUnsafe", "$executeRawUnsafe")
        ):
            return self.add_varargs(values)
        if lang != "python" and re.search(r"(?i)sequelize$", site.receiver):
            return self.add_sequelize(values)
        # one sequence argument: (a, b) / [a, b]
        params = site.params
        if not params:
            if lang == "python":
                seq = (
                    f"[{', '.join(values)}]"
                    if site.method == "raw"
                    else (f"({values[0]},)" if len(values) == 1 else f"({', '.join(values)})")
                )
            else:
                seq = f"[{', '.join(values)}]"
            self.edits.append(Edit(site.arg.end_byte, site.arg.end_byte, f", {seq}"))
            return
        seq = params[0]
        if seq.type not in ("tuple", "list", "array"):
            raise _NoFix
        items = [self.src(c) for c in seq.named_children if c.type != "comment"]
        merged = self.merge(items, values)
        open_, close = self.src(seq)[0], self.src(seq)[-1]
        body = ", ".join(merged)
        if open_ == "(" and len(merged) == 1:
            body += ","
        self.edits.append(Edit(seq.start_byte, seq.end_byte, f"{open_}{body}{close}"))

    def merge(self, items: list[str], values: list[str]) -> list[str]:
        """Put new positional values among the existing ones in placeholder order."""
        site = self.site
        if site.style == "$":
            return items + values
        existing = self.existing()
        if len(existing) != len(items):
            raise _NoFix
        marks = [(p, "old", i) for i, p in enumerate(existing)]
        marks += [(h.dec_start, "new", i) for i, h in enumerate(self.flagged)]
        merged = []
        for _, kind, i in sorted(marks):
            merged.append(items[i] if kind == "old" else values[i])
        return merged

    def add_sequelize(self, values: list[str]) -> None:
        """sequelize.query(sql, { bind: [...] }): $n placeholders, values in the options."""
        site = self.site
        if site.style != "$":
            raise _NoFix
        if not site.params:
            self.edits.append(
                Edit(site.arg.end_byte, site.arg.end_byte, f", {{ bind: [{', '.join(values)}] }}")
            )
            return
        options = site.params[0]
        if options.type != "object" or re.search(r"\b(bind|replacements)\s*:", self.src(options)):
            raise _NoFix
        self.edits.append(
            Edit(options.start_byte + 1, options.start_byte + 1, f" bind: [{', '.join(values)}],")
        )

    def add_varargs(self, values: list[str]) -> None:
        site = self.site
        if site.style == "?" and site.params:
            items = [self.src(p) for p in site.params]
            if any(
                p.type in ("variadic_argument", "spread_element", "list_splat") for p in site.params
            ):
                raise _NoFix
            merged = self.merge(items, values)
            start, end = site.params[0].start_byte, site.params[-1].end_byte
            self.edits.append(Edit(start, end, ", ".join(merged)))
            return
        if any(
            p.type in ("variadic_argument", "spread_element", "list_splat", "keyword_argument")
            for p in site.params
        ) and (site.language != "python" or any(p.type != "keyword_argument" for p in site.params)):
            raise _NoFix
        last = site.params[-1] if site.params else site.arg
        self.edits.append(Edit(last.end_byte, last.end_byte, ", " + ", ".join(values)))

    def add_named(self, values: list[str], placeholders: list[str]) -> None:
        """SQLAlchemy text(): the parameters go to the execute() call around it."""
        site = self.site
        outer = site.call.parent
        if outer is None or outer.type != "argument_list":
            raise _NoFix
        positional = [
            a for a in outer.named_children if a.type not in ("keyword_argument", "comment")
        ]
        if not positional or positional[0] != site.call:
            raise _NoFix
        pairs = [f'"{ph[1:]}": {v}' for ph, v in zip(placeholders, values, strict=False)]
        if len(positional) == 1:
            self.edits.append(
                Edit(site.call.end_byte, site.call.end_byte, ", {" + ", ".join(pairs) + "}")
            )
            return
        params = positional[1]
        if params.type != "dictionary":
            raise _NoFix
        inner = [self.src(c) for c in params.named_children if c.type != "comment"]
        self.edits.append(
            Edit(params.start_byte, params.end_byte, "{" + ", ".join(inner + pairs) + "}")
        )

    def prisma_tagged(self, values):
        """prisma.$queryRawUnsafe(`... ${id}`) -> prisma.$queryRaw`... ${id}`."""
        site = self.site
        if site.formatting != "template" or site.arg is not site.expr or site.params:
            raise _NoFix
        if len(self.flagged) != len(site.holes):
            raise _NoFix
        fn = site.call.child_by_field_name("function")
        prop = fn.child_by_field_name("property")
        args = site.call.child_by_field_name("arguments")
        new_name = site.method.replace("Unsafe", "")
        self.edits.append(Edit(prop.start_byte, prop.end_byte, new_name))
        self.edits.append(Edit(args.start_byte, site.arg.start_byte, ""))
        self.edits.append(Edit(site.arg.end_byte, args.end_byte, ""))
        for h in self.flagged:
            if h.quoted:
                self.edits.append(
                    Edit(self.host(h.dec_start - 1), self.host(h.dec_start - 1) + 1, "")
                )
                e = self.host(h.dec_end + 1, end=True)
                self.edits.append(Edit(e - 1, e, ""))
        return self.rule.fix(
            self.edits, title=f"use the tagged {new_name}`...` (values become parameters)"
        )


def _char(text: str, byte_offset: int) -> int:
    return len(text.encode("utf-8", "surrogatepass")[:byte_offset].decode("utf-8", "surrogatepass"))


def _quote(sql: str, language: str, original: str) -> str:
    """A literal holding ``sql`` in the host language, in the original's quote style when possible."""
    if language == "python":
        if "\n" in sql and '"""' not in sql and not sql.endswith('"'):
            return '"""' + sql.replace("\\", "\\\\") + '"""'
        q = "'" if original.lstrip("rRbBuU").startswith("'") and "'" not in sql else '"'
        body = sql.replace("\\", "\\\\").replace(q, "\\" + q).replace("\n", "\\n")
        return f"{q}{body}{q}"
    if language == "go":
        if "`" not in sql:
            return f"`{sql}`" if "\n" in sql or '"' in sql else '"' + sql + '"'
        body = sql.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{body}"'
    q = original.strip()[0] if original.strip()[:1] in ("'", '"', "`") else "'"
    if "\n" in sql:
        q = "`"
    body = sql.replace("\\", "\\\\").replace(q, "\\" + q)
    if q == "`":
        body = body.replace("${", "\\${")
    elif "\n" in body:
        body = body.replace("\n", "\\n")
    return f"{q}{body}{q}"
