import re

from backend_architect.app import embedded
from backend_architect.app.embedded import Hole, SqlSite, _text
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule

HOW = {
    "fstring": "f-string interpolation",
    "percent": "% formatting",
    "format": "str.format",
    "concat": "string concatenation",
    "template": "a template literal",
    "sprintf": "fmt.Sprintf",
}


NAME_MESSAGE = ("SQL built with {how} from `{value}` where a name or clause goes; "
                "map it through a whitelist of allowed names")


class SqlStringFormatting(Rule):
    """
    ## What it does
    Flags SQL passed to a database call (`cursor.execute`, `conn.fetch`,
    `pool.query`, `knex.raw`, `prisma.$queryRawUnsafe`, `db.QueryContext` ...)
    that is built by formatting or concatenating a non-constant value into the
    text: f-strings, `%`, `.format`, `+`, template literals, `fmt.Sprintf`.

    Constant-only formatting is not flagged: a literal, an `ALL_CAPS` constant
    (or a Go `const`), a lookup in an `ALL_CAPS` whitelist dict, numbers
    (`len(...)`, `%d`), quoted identifiers (`quote_ident`, `pq.QuoteIdentifier`)
    and lists of placeholders (`", ".join(["%s"] * len(ids))`).

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
    `prisma.$queryRaw`...${id}``.

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
    languages = ("python", "javascript", "typescript", "tsx", "go")
    severity = Severity.ERROR
    message = "SQL built with {how} from `{value}`; pass it as a bind parameter"
    fix_title = "pass {values} as bind parameters"
    fix_safety = Applicability.UNSAFE

    def check_document(self, ctx):
        sites = ctx.fact("embedded_sql") or []
        if not sites:
            return
        checker = _Constants(ctx)
        for site in sites:
            if site.formatting in (None, "tagged") or not site.holes:
                continue
            if re.match(r"\s*(SET|SHOW|RESET)\b", site.decoded, re.I):
                continue  # SET takes no bind parameters: the value is configuration
            flagged = [h for h in site.holes if not checker.constant(h)]
            if not flagged:
                continue
            first, last = flagged[0], flagged[-1]
            value = _text(first.node, ctx.document.data) if first.node is not None else "?"
            if len(value) > 40:
                value = value[:37] + "..."
            fix = None
            try:
                fix = _Fixer(ctx, site, flagged, self).build()
            except _NoFix:
                fix = None
            message = None
            if not any(h.value or h.quoted or h.in_literal for h in flagged):
                message = NAME_MESSAGE
            yield self.finding(first.host_start, last.host_end, message, fix=fix,
                               how=HOW.get(site.formatting, "formatting"), value=value)


# -- constants -------------------------------------------------------------------------------

_CAPS = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
_PLACEHOLDER_ONLY = re.compile(r"^(?:\s|,|\(|\)|%s|\?|\$\d*|:\w+|%\(\w+\)s|@p\d*)*$")
_NUMERIC_CALLS = {"len", "int", "float", "bool", "Number", "parseInt", "parseFloat", "strconv.Itoa",
                  "strconv.FormatInt", "strconv.FormatUint", "strconv.FormatFloat", "strconv.Quote"}
_IDENT_CALLS = re.compile(r"(?:^|\.)(?:quote_name|quote_ident|quote_identifier|QuoteIdentifier|QuoteLiteral|"
                          r"Identifier|escapeId|escapeIdentifier|escapeLiteral|format_ident)$")
_CONVERTERS = {"str", "String", "repr", "string", "fmt.Sprint", "JSON.stringify", "strconv.Quote", "encodeURIComponent"}
_REQUEST_CALL = re.compile(
    r"(?:^|\.)(?:request|req|r|c|ctx|context|self\.request)\.(?:args|form|json|values|GET|POST|query|params|body|"
    r"cookies|headers|get_json|Query|Param|Params|PostForm|FormValue|PostFormValue|DefaultQuery|GetQuery|QueryParam|"
    r"FormValue|URL\.Query\(\)\.Get)|^input$|\.URL\.Query\(\)\.Get$")
_REQUEST_DATA = re.compile(
    r"(?:^|\b)(?:req|request|ctx\.request|self\.request)\.(?:args|form|json|values|GET|POST|query|params|body|data|"
    r"cookies|headers|get_json|query_params|path_params)\b|^(?:c|ctx)\.(?:Query|Param|PostForm|DefaultQuery|GetQuery|"
    r"QueryParam|FormValue)\(|\br\.(?:FormValue|PostFormValue|URL\.Query\(\))|\bmux\.Vars\(")
_FRAGMENT_NAME = re.compile(
    r"(?i)(cond(ition)?|clause|where|filter|order(_?by)?|sort_?sql|cols|columns?|fields|select|join|updates?|sets?|"
    r"sql|query|place_?holders?|limit|offset|table|tbl|schema|extension|expr(ession)?|fragment|stmt|statement|"
    r"dialect|returning|upsert|conflict|lock|suffix|prefix|ops?|operator|direction|dir)"
    r"(_?(str|string|sql|name|list|clause|part|text))?s?$")
_TABLE_ATTRS = re.compile(r"(?:^|\.)(?:_meta\.db_table|db_table|__tablename__|_table_name|table_name|tablename|TableName\(\))$")


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
        if _REQUEST_DATA.search(text):
            return False
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
        if scope is finder.tree.root_node:
            return False
        params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
        if params is None:
            return False
        q = {"python": "(identifier) @p", "go": "(parameter_declaration name: (identifier) @p)"}.get(
            self.lang, "[(identifier) @p (shorthand_property_identifier_pattern) @p]")
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
        if t in ("integer", "float", "true", "false", "none", "number", "null", "undefined", "int_literal",
                 "float_literal", "nil", "raw_string_literal", "interpreted_string_literal"):
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
                self.expr(s.named_children[0], d) for s in subs if s.named_children)
        if t == "concatenated_string":
            return all(self.expr(c, d) for c in node.named_children)
        if t in ("parenthesized_expression", "await_expression", "non_null_expression", "as_expression"):
            inner = node.named_children[0] if node.named_children else None
            return inner is not None and self.expr(inner, d)
        if t == "identifier":
            if _CAPS.match(text):
                return True
            if self.lang == "go" and text in self.go_consts():
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
            obj = node.child_by_field_name("value") or node.child_by_field_name("object") or node.child_by_field_name("operand")
            if obj is not None and _CAPS.match(_text(obj, self.data).rsplit(".", 1)[-1]):
                return True  # a whitelist lookup
            return False
        if t in ("conditional_expression", "ternary_expression"):
            parts = [c for c in node.named_children]
            if t == "conditional_expression":  # a if cond else b
                return len(parts) == 3 and self.expr(parts[0], d) and self.expr(parts[2], d)
            cons, alt = node.child_by_field_name("consequence"), node.child_by_field_name("alternative")
            return cons is not None and alt is not None and self.expr(cons, d) and self.expr(alt, d)
        if t in ("binary_operator", "binary_expression"):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            op = node.child_by_field_name("operator")
            if op is not None and op.type in ("-", "/", "//", "<<", ">>", "&", "|") :
                return True  # arithmetic yields numbers
            if op is not None and op.type == "*":
                return (left.type in ("string", "list", "template_string", "interpreted_string_literal")
                        and _PLACEHOLDER_ONLY.match(_strip_quotes(_text(left, self.data))) is not None) \
                    or self.expr(left, d) and self.expr(right, d)
            return self.expr(left, d) and self.expr(right, d)
        if t in ("call", "call_expression"):
            fn = node.child_by_field_name("function")
            if fn is None:
                return False
            fname = _text(fn, self.data)
            args = node.child_by_field_name("arguments")
            arg_nodes = [a for a in (args.named_children if args is not None else []) if a.type != "comment"]
            if fname in _NUMERIC_CALLS or fname.rsplit(".", 1)[-1] in ("Itoa", "FormatInt", "QuoteIdentifier"):
                return True
            if _IDENT_CALLS.search(fname):
                return True
            if _REQUEST_CALL.search(fname):
                return False  # request data straight into SQL
            if fname in _CONVERTERS or fname.endswith(".toString") or fname.endswith(".String"):
                inner = arg_nodes[0] if arg_nodes else fn.child_by_field_name("object") or fn.child_by_field_name("operand")
                return inner is not None and self.expr(inner, d)
            if fname.endswith(".join") or fname.endswith(".Join") or fname == "strings.Join":
                # a list joined inside quotes ("','") is a list of values spliced into a literal
                sep = arg_nodes[-1] if fname == "strings.Join" and arg_nodes else fn.child_by_field_name("object")
                if sep is not None and "'" in _strip_quotes(_text(sep, self.data)):
                    listed = arg_nodes[0] if arg_nodes else None
                    return listed is not None and self.expr(listed, d)
                return True
            if fname == "fmt.Sprintf" and arg_nodes:
                verbs = re.findall(r"%[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]", _text(arg_nodes[0], self.data))
                verbs = [v for v in verbs if v != "%%"]
                return all(v.endswith("d") or self.expr(a, d) for v, a in zip(verbs, arg_nodes[1:])) \
                    and len(verbs) >= len(arg_nodes) - 1
            if fname == "fmt.Sprint":
                return all(self.expr(a, d) for a in arg_nodes)
            if fname.endswith(".format") and fn.type == "attribute":
                return all(self.expr(a.child_by_field_name("value") if a.type == "keyword_argument" else a, d)
                           for a in arg_nodes)
            # any other call: functions that return SQL text (db.now(), build_where()) compose
            # queries; their results are not request data
            return True
        if t == "list" or t == "array" or t == "tuple":
            return all(self.expr(c, d) for c in node.named_children)
        return False

    def _local_constant(self, ident, d) -> bool:
        finder = self.finder()
        name = _text(ident, self.data)
        scope = finder.scope_of(ident)
        entries = finder.assignments(scope).get(name)
        if not entries and scope is not finder.tree.root_node:
            entries = finder.assignments(finder.tree.root_node).get(name)
        if not entries:
            return self._loop_over_constants(ident, name)
        return all(self.expr(value, d) for _, value, _ in entries)

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


_ALLOWED_SPECS = re.compile(r"^(?:|%s|%d|%i|%f|%v|%(\(\w+\))s|:d)$")


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
        if site.extra.get("augmented"):
            raise _NoFix
        kind = site.formatting
        if kind in ("percent", "format", "concat") and len(self.flagged) != len(site.holes):
            # these forms are rewritten whole: every hole must become a parameter
            if not all(h.value and h.node is not None and _ALLOWED_SPECS.match(h.spec or "") for h in site.holes):
                raise _NoFix
            self.flagged = list(site.holes)
        if kind == "percent" and any(h.spec.startswith("%(") for h in site.holes):
            raise _NoFix
        values = [self.src(self.unwrap(h.node)) for h in self.flagged]
        if site.language in ("javascript", "typescript", "tsx") and site.method in ("$queryRawUnsafe", "$executeRawUnsafe"):
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
            if fn is not None and self.src(fn) in ("str", "String") and args is not None and len(args.named_children) == 1:
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
        for h, ph in zip(self.flagged, placeholders):
            s, e = h.host_start, h.host_end
            if h.quoted:  # '{x}' -> %s : the quotes go with the value
                s = self.host(h.dec_start - 1)
                e = self.host(h.dec_end + 1, end=True)
            self.edits.append(Edit(s, e, ph))
        if kind == "percent" or kind == "format":
            # drop the % operand / .format(...) call
            expr = site.expr
            if kind == "percent":
                left = expr.child_by_field_name("left")
            else:
                left = expr.child_by_field_name("function").child_by_field_name("object")
            self.edits.append(Edit(left.end_byte, expr.end_byte, ""))
            if kind == "format":
                content = self.data[left.start_byte : left.end_byte]
                for m in re.finditer(rb"\{\{|\}\}", content):
                    self.edits.append(Edit(left.start_byte + m.start(), left.start_byte + m.start() + 1, ""))
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
        args = [a for a in call.child_by_field_name("arguments").named_children if a.type != "comment"]
        flagged_nodes = {(h.node.start_byte, h.node.end_byte) for h in self.flagged}
        keep = [a for a in args[1:] if (a.start_byte, a.end_byte) not in flagged_nodes]
        fmt = args[0]
        if not keep:
            # fmt.Sprintf("...", a) -> "..." : %% meant one %
            self.edits.append(Edit(call.start_byte, fmt.start_byte, ""))
            self.edits.append(Edit(fmt.end_byte, call.end_byte, ""))
            text = self.data[fmt.start_byte : fmt.end_byte]
            for m in re.finditer(rb"%%", text):
                self.edits.append(Edit(fmt.start_byte + m.start(), fmt.start_byte + m.start() + 1, ""))
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
        holes = {id(h): ph for h, ph in zip(self.flagged, placeholders)}
        sql = site.decoded
        pos = 0
        for h in site.holes:
            text_parts.append(sql[pos:_char(sql, h.dec_start)])
            chunk = holes[id(h)]
            if h.quoted:
                text_parts[-1] = text_parts[-1][:-1]
                pos = _char(sql, h.dec_end) + 1
            else:
                pos = _char(sql, h.dec_end)
            text_parts.append(chunk)
        text_parts.append(sql[pos:])
        new_sql = "".join(text_parts)
        if site.style == "%s" and not site.params:
            if re.search(r"%(?!s)", new_sql.replace("%s", "")):
                new_sql = new_sql.replace("%", "%%").replace("%%s", "%s")
        literal = _quote(new_sql, site.language, self.src(site.expr))
        self.edits.append(Edit(site.expr.start_byte, site.expr.end_byte, literal))

    # ---- parameters -----------------------------------------------------------------

    def add_params(self, values: list[str], placeholders: list[str]) -> None:
        site = self.site
        style = site.style
        lang = site.language
        call = site.call
        if style == ":name":
            return self.add_named(values, placeholders)
        if lang == "python" and style == "$" or lang == "go" or \
                lang != "python" and site.method in ("$queryRawUnsafe", "$executeRawUnsafe"):
            return self.add_varargs(values)
        if lang != "python" and re.search(r"(?i)sequelize$", site.receiver):
            return self.add_sequelize(values)
        # one sequence argument: (a, b) / [a, b]
        params = site.params
        if not params:
            if lang == "python":
                seq = f"[{', '.join(values)}]" if site.method == "raw" else (
                    f"({values[0]},)" if len(values) == 1 else f"({', '.join(values)})")
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
            self.edits.append(Edit(site.arg.end_byte, site.arg.end_byte, f", {{ bind: [{', '.join(values)}] }}"))
            return
        options = site.params[0]
        if options.type != "object" or re.search(r"\b(bind|replacements)\s*:", self.src(options)):
            raise _NoFix
        self.edits.append(Edit(options.start_byte + 1, options.start_byte + 1, f" bind: [{', '.join(values)}],"))

    def add_varargs(self, values: list[str]) -> None:
        site = self.site
        if site.style == "?" and site.params:
            items = [self.src(p) for p in site.params]
            if any(p.type in ("variadic_argument", "spread_element", "list_splat") for p in site.params):
                raise _NoFix
            merged = self.merge(items, values)
            start, end = site.params[0].start_byte, site.params[-1].end_byte
            self.edits.append(Edit(start, end, ", ".join(merged)))
            return
        if any(p.type in ("variadic_argument", "spread_element", "list_splat", "keyword_argument") for p in site.params):
            if site.language != "python" or any(p.type != "keyword_argument" for p in site.params):
                raise _NoFix
        last = site.params[-1] if site.params else site.arg
        self.edits.append(Edit(last.end_byte, last.end_byte, ", " + ", ".join(values)))

    def add_named(self, values: list[str], placeholders: list[str]) -> None:
        """SQLAlchemy text(): the parameters go to the execute() call around it."""
        site = self.site
        outer = site.call.parent
        if outer is None or outer.type != "argument_list":
            raise _NoFix
        positional = [a for a in outer.named_children if a.type not in ("keyword_argument", "comment")]
        if not positional or positional[0] != site.call:
            raise _NoFix
        pairs = [f'"{ph[1:]}": {v}' for ph, v in zip(placeholders, values)]
        if len(positional) == 1:
            self.edits.append(Edit(site.call.end_byte, site.call.end_byte, ", {" + ", ".join(pairs) + "}"))
            return
        params = positional[1]
        if params.type != "dictionary":
            raise _NoFix
        inner = [self.src(c) for c in params.named_children if c.type != "comment"]
        self.edits.append(Edit(params.start_byte, params.end_byte, "{" + ", ".join(inner + pairs) + "}"))

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
                self.edits.append(Edit(self.host(h.dec_start - 1), self.host(h.dec_start - 1) + 1, ""))
                e = self.host(h.dec_end + 1, end=True)
                self.edits.append(Edit(e - 1, e, ""))
        return self.rule.fix(self.edits, title=f"use the tagged {new_name}`...` (values become parameters)")


def _char(text: str, byte_offset: int) -> int:
    return len(text.encode("utf-8", "surrogatepass")[:byte_offset].decode("utf-8", "surrogatepass"))


def _quote(sql: str, language: str, original: str) -> str:
    """A literal holding ``sql`` in the host language, in the original's quote style when possible."""
    if language == "python":
        if "\n" in sql:
            if '"""' not in sql and not sql.endswith('"'):
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
