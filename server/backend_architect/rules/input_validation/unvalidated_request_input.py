import re

from backend_architect import frameworks
from backend_architect.app import checks
from backend_architect.frameworks.kit.schemas import (
    find_go_struct,
    kind_of,
    model_name,
    unique_name,
)
from backend_architect.frameworks.kit.python_views import py_fields_of
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import (
    APP_LANGUAGES,
    indent_at,
    line_start,
    named_args,
    text,
)
from backend_architect.lang import javascript as jslang
from ...core.lazy_re import lazy

NEST_VALIDATOR_RE = lazy(
    r"@(Is\w+|Min|Max|Length|MinLength|MaxLength|Matches|Validate\w*|Type|Allow|Equals|Contains|Array\w*|ValidateNested)\b"
)


# A query value converted to a type where it is read (int(...), Number(...)), or compared with an
# allow-list afterwards (`sort not in SORTABLE`, `SORTABLE.includes(sort)`), is validated inline.
_CONVERTERS = (
    rb"(?:\b(?:int|float|bool|Decimal|UUID|Number|parseInt|parseFloat|Boolean|BigInt)|uuid\.UUID|fromisoformat|strconv\.\w+"
    rb"|\b(?:[Gg]et|[Pp]arse|[Tt]o|[Aa]s)_?(?:[Bb]ool(?:ean)?|[Ii]nt(?:eger)?|[Ff]loat|[Uu]uid|UUID|[Dd]ate(?:[Tt]ime)?)"
    rb"|\b\w*[Vv]alid\w*|\bis_?[A-Z]\w*|\bis_[a-z]\w*)"
)
# compared for equality where it is read, with a literal or a known value (`!= s.mac`): only
# that value passes (a test against None, null or "" is a presence test, not a check)
_COMPARED_AFTER = lazy(
    rb"(?:\.get\([^()\n]*\)|\[[^\]\n]*\])?"  # (`request.args.get("mac")`, `form["code"]`)
    rb"[ \t]*(?:===?|!==?)[ \t]*(?!None\b|null\b|undefined\b|''|\"\"|``)(?:['\"`]|[A-Za-z_$][\w.$]*)"
)
CONVERTED_BEFORE = lazy(_CONVERTERS + rb"\(\s*(?:[\w.]+\(\s*)*$")


def _checked_inline(
    data: bytes, start: int, end: int, scope_end: int, name: str | None = None
) -> bool:
    line_start = data.rfind(b"\n", 0, start) + 1
    before = data[line_start:start]
    if CONVERTED_BEFORE.search(data[max(0, start - 160) : start]):
        return True
    if _COMPARED_AFTER.match(data, end):
        return True  # `req.query.strict === "true"`: a boolean, only that literal passes
    m = re.match(rb"\s*(?:const|let|var)?\s*(\w+)\s*(?::\s*\w+\s*)?:?=(?!=)", before)
    if m:
        return _var_checked(m.group(1), data[end:scope_end])
    m = re.match(rb"\s*(?:const|let|var)\s*\{([\w\s,:]+)\}\s*=(?!=)", before)
    if m:  # const { a, b } = req.body: every name taken out is checked
        names = [
            p.split(b":")[-1].strip() for p in m.group(1).split(b",") if p.split(b":")[-1].strip()
        ]
        return bool(names) and all(_var_checked(n, data[end:scope_end]) for n in names)
    return False


def _var_checked(name: bytes, rest: bytes) -> bool:
    """Whether the handler checks the variable ``name`` before trusting it: against an
    allow-list, a regular expression, a literal, with a validator / ``isX`` predicate, or by
    converting it to a type (``int(x)``, ``Number(x)``)."""
    var = re.escape(name)
    # its values taken one by one (``{int(raw) for raw in form.getlist("id")}``), each converted
    for loop in re.finditer(rb"\bfor\s+(\w+)\s+in\s+" + var + rb"\b", rest):
        each = re.escape(loop.group(1))
        if re.search(_CONVERTERS + rb"\(\s*(?:str\(\s*)?" + each + rb"\s*[,)]", rest):
            return True
    return bool(
        re.search(
            rb"\b"
            + var
            + rb"\s+(?:not\s+)?in\s+[\w.(\[{]|\.(?:includes|has|indexOf)\(\s*"
            + var
            + rb"\s*\)|"
            rb"\b"
            + var
            + rb"\s*[!=]==?\s*['\"]|\b(?:\w*valid\w*|re\.(?:full)?match|fullmatch|\w+\.test|\w+\.(?:full)?match|\w+\.MatchString|slices\.Contains)\([^)]*\b"
            + var
            + rb"\b|"
            + _CONVERTERS
            + rb"\(\s*(?:str\(\s*)?"
            + var
            + rb"\s*[,)]",
            rest,
        )
    )


def _checked_fields(data: bytes, reads, scope_end: int) -> set:
    """The fields (by name; a read of the whole body or query by its offset) the handler
    validates by hand: converted to a type, matched against an allow-list or a regular
    expression, or given to a validator, at one of its reads at least."""
    out: set = set()
    for r in reads:
        if _checked_inline(data, r.start, r.end, scope_end, r.name):
            out.add(r.name or r.start)
    return out


class UnvalidatedRequestInput(Rule):
    """
    ## What it does
    Flags handlers that read the request body, query string or form fields
    directly (`request.json`, `request.args`, `request.POST`,
    `json.loads(request.body)`, a FastAPI `dict` body, `req.body` / `req.query`
    in Express or Fastify without zod/joi/a route schema, `c.req.json()` in Hono
    without a validator middleware, a NestJS DTO without
    class-validator decorators, Gin `c.PostForm` or a bind into a struct without
    `binding` tags, an Axum/Actix `Json<T>` / `Form<T>` whose
    struct has text fields and no `validator` rules or is never `.validate()`d).

    ## Why is this bad?
    Unvalidated input reaches the database and the business logic with the
    wrong types, missing fields or extra fields (mass assignment). Every
    handler then re-implements partial checks, and the API returns 500s where
    a 422 with the offending field belongs.

    ## Example
    ```python
    @app.post("/users")
    async def create_user(payload: dict):
        return await users.create(payload["email"], payload["name"])
    ```

    ## Use instead
    ```python
    class CreateUserBody(BaseModel):
        email: str
        name: str

    @app.post("/users")
    async def create_user(payload: CreateUserBody):
        return await users.create(payload.email, payload.name)
    ```
    The fix generates the schema in the framework's idiom from the fields the
    handler reads and wires it in: a Pydantic model (FastAPI, and Flask, where
    the view validates first and answers 422 `VALIDATION_ERROR` with the
    failing fields), a zod schema (Express), a class-validator DTO (NestJS), a
    JSON `schema` in the route options (Fastify), a zod schema checked by
    `zValidator` (Hono), a `forms.Form` checked with `is_valid()` (Django), Go
    struct tags (with a go-playground/validator check for Fiber), or for Axum
    and Actix Web `#[derive(Validate)]` with `#[validate(...)]` field rules
    (validator crate) and a `.validate()` call first thing in the handler. It is unsafe: requests that were
    accepted before can now be rejected. Review the field types it guessed.
    Not flagged: a query string that only pre-fills a form (`initial=`) or only
    feeds the links a response carries (pagination URLs), a handler whose only
    input is one optional search term (`?q=`), a read whose value is thrown
    away (`await request.form()` as a statement of its own, parsing the form
    for a library handed the request), a form whose every use asks whether a
    field is there (`if data.get("pages"):`, `"all" in data`: ticked boxes), a
    value handed to a signature check first (a webhook's `verify(raw, headers)`,
    a signed token's `unserialize(token)`),
    a Go form value holding JSON
    that is unmarshalled into a typed struct with the error answered, and a
    handler that validates every field it reads by hand: converted to a type
    (`int(x)` in a `try` answering 400, `Number(x)`, each value of a list
    field: `{int(v) for v in form.getlist("id")}`), checked against an
    allow-list or a pattern (`x not in ALLOWED`, `PATTERN.match(x)`), compared
    with a literal or a known value where it is read (`req.query.strict ===
    "true"`, `request.args.get("mac") != share.mac`), or given
    to a validator (`isMigrationName(x)`, `validate_x(x)`) before use. A field
    used without such a check keeps the handler flagged (on 43 real
    repositories, 2026-11-27, this left out 7 findings, 6 judged noise and 1
    false, and kept every one judged true).
    There is no fix when a read happens only in a branch, when the payload is
    also passed on whole (a schema would drop the fields nobody names) or when
    a read has a default value.
    """

    code = "IV001"
    name = "unvalidated-request-input"
    command = "INPUT_VALIDATION"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.WARNING
    message = "{where} is read without a schema{fields}; validate it with {idiom}"
    fix_title = "generate {schema} from the fields the handler reads"
    fix_safety = Applicability.UNSAFE

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        a = checks.analysis(ctx)
        seen = set()
        for h in checks.handlers(ctx):
            if h.node is None or (h.node.start_byte, h.node.end_byte) in seen:
                continue  # a view registered for GET and POST is one handler
            seen.add((h.node.start_byte, h.node.end_byte))
            fw = frameworks.by_name(h.route.framework)
            if fw is None:
                continue
            if fw.language == "python":
                yield from self._python(ctx, a, h, data, fw)
            elif fw.input_style == "dto":
                yield from self._nest(ctx, a, h, data)
            elif fw.language == "javascript":
                yield from self._js(ctx, a, h, data, fw)
            elif fw.input_style == "bind":
                yield from self._go(ctx, a, h, data, fw)
            elif fw.language == "rust":
                yield from self._rust(a, h, data)

    # -- Rust (Axum, Actix) -------------------------------------------------------------------

    def _rust(self, a, h, data):
        """A ``Json<T>`` / ``Form<T>`` whose struct (in this file) has text or list
        fields and no ``validator`` rules, or whose ``.validate()`` is never called; an untyped
        ``Json<Value>`` / ``HashMap`` body."""
        from backend_architect import frameworks
        from backend_architect.frameworks.kit import rust_app, rust_router

        fw = frameworks.by_name(h.route.framework)
        structs = rust_router.structs(a.tree, data)
        for p, kind, _model, struct, why in rust_app.unvalidated(h, structs, data):
            fix = None
            if fw is not None and struct is not None:
                got = fw.validation_fix(a, h, kind, data)
                if got is not None:
                    edits, schema = got
                    fix = self.fix(edits, title=self.fix_title.format(schema=schema))
            names = (
                sorted(
                    n
                    for _, n, t, _ in rust_app.struct_fields(struct, data)
                    if rust_app.field_rule(n, t)
                )
                if struct is not None
                else []
            )
            what = {
                "untyped": f"the {kind} `{text(p.node, data)}` is an untyped map",
                "not-called": f"the {kind} `{text(p.node, data)}` derives `Validate` but `.validate()` is never called",
            }.get(
                why, f"the {kind} `{text(p.node, data)}` is deserialized without validation rules"
            )
            idiom = fw.validation_idiom if fw is not None else "the validator crate"
            yield self.finding(
                p.node.start_byte,
                p.node.end_byte,
                message=f"{what}{_fields_note(names)}; validate it with {idiom}",
                fix=fix,
            )

    # -- Python ---------------------------------------------------------------------------

    def _python(self, ctx, a, h, data, framework):
        route = h.route
        idiom = framework.validation_idiom
        # a parameter annotated dict / Any is a body nobody checks (FastAPI)
        if framework.typed_body_params:
            for p in named_args(h.node.child_by_field_name("parameters")):
                ptype = p.child_by_field_name("type")
                if ptype is None or p.type not in ("typed_parameter", "typed_default_parameter"):
                    continue
                tt = text(ptype, data)
                if not re.match(r"^(dict|Dict|Any|dict\[.*\]|Dict\[.*\]|Json|object)$", tt):
                    continue
                default = p.child_by_field_name("value")
                if default is not None and re.match(r"(Depends|Security)\(", text(default, data)):
                    continue
                pname_node = p.child_by_field_name("name") or next(
                    (c for c in p.named_children if c.type == "identifier"), None
                )
                pname = text(pname_node, data)
                fields = list(py_fields_of(pname, h.node.child_by_field_name("body"), data))
                made = framework.body_param_fix(a, h, p, ptype, pname, fields, data)
                fix = self.fix(made[0], title=made[1]) if made else None
                names = sorted({f[0] for f in fields})
                yield self.finding(
                    p.start_byte,
                    p.end_byte,
                    fix=fix,
                    where=f"the body `{pname}: {tt}`",
                    fields=_fields_note(names),
                    idiom=idiom,
                )
        if route.schema is not None:
            return
        raw = [
            r
            for r in h.extra.get("raw_reads", [])
            if r[0].kind in ("body", "form", "query") and not r[3] and not _discarded(data, r[0])
        ]
        checked = _checked_fields(data, [r[0] for r in raw], h.node.end_byte)
        unchecked = [
            r
            for r in raw
            if (r[0].name or r[0].start) not in checked
            and not (r[0].kind == "query" and _display_only(data, r[0], h.node.end_byte))
            and not _presence_tests_only(data, r[0], h.node.end_byte)
            and not _signed_payload(data, r[0], h.node.end_byte)
        ]
        if not unchecked or _one_search_term(data, unchecked, route.reads, h.node.end_byte):
            return
        first = unchecked[0]
        read, variable, holder, _ = first
        names = sorted(
            {r.name for r in route.reads if r.name and r.kind == read.kind}
            | {f[1] for f in h.extra.get("fields", []) if f[0] is read}
        )
        made = framework.validation_fix(a, h, read.kind, data)
        fix = self.fix(made[0], title=made[1]) if made else None
        where = text_of(data, read.start, read.end)
        yield self.finding(
            read.start,
            read.end,
            fix=fix,
            where=f"`{where}`",
            fields=_fields_note(names),
            idiom=idiom,
        )

    # -- Express / Fastify ----------------------------------------------------------------

    def _js(self, ctx, a, h, data, fw):
        route = h.route
        if route.schema is not None:
            return
        given = [r for r in route.reads if r.kind in ("body", "query")]
        checked = _checked_fields(data, given, h.node.end_byte)
        reads = [r for r in given if (r.name or r.start) not in checked]
        if not reads or all(_flag_test(data, r) for r in reads):
            return  # only `if (req.body.remember)`: a truthiness test, nothing reaches storage
        kind = reads[0].kind
        names = sorted({r.name for r in reads if r.name and r.kind == kind})
        idiom = fw.validation_idiom
        made = fw.validation_fix(a, h, kind, data)
        fix = self.fix(made[0], title=made[1]) if made else None
        where = fw.input_label(h, kind)
        yield self.finding(
            reads[0].start,
            reads[0].end,
            fix=fix,
            where=where,
            fields=_fields_note(names),
            idiom=idiom,
        )

    # -- NestJS ---------------------------------------------------------------------------

    def _nest(self, ctx, a, h, data):
        for kind, fname, pname, tname, p, piped in h.extra.get("params", []):
            if kind not in ("body", "query") or piped:
                continue
            if fname is not None and (not tname or tname in ("string", "number", "boolean")):
                continue  # one named primitive: not a DTO
            dto = None
            if not tname or re.match(
                r"^(any|object|Object|unknown|Record<.*>|\{.*\})$", tname, re.S
            ):
                fields = self._nest_fields(h, pname, data)
                fix = self._nest_new_dto(a, h, p, kind, fields, data) if fields else None
                yield self.finding(
                    p.start_byte,
                    p.end_byte,
                    fix=fix,
                    where=f"`@{kind.capitalize()}() {pname}`",
                    fields=_fields_note(sorted(fields)),
                    idiom="a class-validator DTO",
                )
                continue
            dto = _find_class(a.tree, h.route.language, tname.split("<")[0], data)
            if dto is None:
                continue
            body = dto.child_by_field_name("body")
            if NEST_VALIDATOR_RE.search(text(body, data)):
                continue
            props = [c for c in body.named_children if c.type == "public_field_definition"]
            if not props:
                continue
            fix = self._nest_decorate(a, dto, props, data)
            yield self.finding(
                p.start_byte,
                p.end_byte,
                fix=fix,
                where=f"`{tname}`",
                fields=" (its properties have no class-validator decorators)",
                idiom="class-validator decorators",
            )

    def _nest_fields(self, h, pname, data):
        body = h.node.child_by_field_name("body")
        return (
            sorted(
                set(
                    m.group(1).decode()
                    for m in re.finditer(
                        rb"\b" + re.escape(pname.encode()) + rb"\.(\w+)",
                        data[body.start_byte : body.end_byte],
                    )
                )
            )
            if body
            else []
        )

    def _nest_new_dto(self, a, h, p, kind, fields, data):
        cls = h.extra["class"]
        dto = unique_name(model_name(h, "Dto"), data)
        lines = [f"export class {dto} {{"]
        used = set()
        for f in fields:
            t = kind_of(f)
            deco, ts_type = {
                "int": ("IsInt", "number"),
                "bool": ("IsBoolean", "boolean"),
                "str": ("IsString", "string"),
            }[t]
            used.add(deco)
            lines.append(f"  @{deco}()\n  {f}: {ts_type};\n")
        lines[-1] = lines[-1].rstrip("\n")
        lines.append("}")
        top = (
            cls.parent if cls.parent is not None and cls.parent.type == "export_statement" else cls
        )
        start = line_start(data, top.start_byte)
        ptype = p.child_by_field_name("type")
        pat = p.child_by_field_name("pattern")
        edits = [Edit(start, start, "\n".join(lines) + "\n\n")]
        if ptype is not None:
            edits.append(Edit(ptype.start_byte, ptype.end_byte, f": {dto}"))
        else:
            edits.append(Edit(pat.end_byte, pat.end_byte, f": {dto}"))
        imp = jslang.import_names(data, a.tree, "class-validator", sorted(used))
        if imp is not None:
            edits.append(imp)
        return self.fix(edits, title=self.fix_title.format(schema=f"class-validator DTO {dto}"))

    def _nest_decorate(self, a, dto, props, data):
        edits, used = [], set()
        for prop in props:
            tnode = prop.child_by_field_name("type")
            t = text(tnode, data).lstrip(":").strip() if tnode is not None else ""
            optional = "?" in text(prop, data).split(":")[0]
            deco = {"string": "IsString", "number": "IsNumber", "boolean": "IsBoolean"}.get(
                t, "IsNotEmpty" if not optional else "IsDefined"
            )
            if t.endswith("[]"):
                deco = "IsArray"
            decos = (["IsOptional"] if optional else []) + [deco]
            used.update(decos)
            indent = indent_at(data, prop.start_byte)
            edits.append(
                Edit(prop.start_byte, prop.start_byte, "".join(f"@{d}()\n{indent}" for d in decos))
            )
        imp = jslang.import_names(data, a.tree, "class-validator", sorted(used))
        if imp is not None:
            edits.append(imp)
        name = text(dto.child_by_field_name("name"), data)
        return self.fix(edits, title=f"add class-validator decorators to {name}")

    # -- Go -------------------------------------------------------------------------------

    def _go(self, ctx, a, h, data, fw):
        route = h.route
        btext = checks.body_text(h, data)
        if re.search(r"[Vv]alidat", btext):
            return
        for type_name, call in h.extra.get("bound", []):
            struct = find_go_struct(a.tree, type_name, data)
            if struct is None:
                continue
            tag_key = fw.tag_key
            fields = [f for f in struct.named_children if f.type == "field_declaration"]
            if not fields or any(re.search(tag_key + r":", text(f, data)) for f in fields):
                continue
            made = fw.bound_struct_fix(a, h, call, fields, data)
            fix = self.fix(made[0], title=made[1]) if made else None
            yield self.finding(
                call.start_byte,
                call.end_byte,
                fix=fix,
                where=f"`{text_of(data, call.start_byte, call.end_byte)}`",
                fields=f" ({type_name} has no `{tag_key}` tags)",
                idiom=fw.validation_idiom,
            )
        # uploaded files (c.FormFile) are checked by the handler, not by a struct schema
        forms = [
            r
            for r in route.reads
            if r.kind == "form"
            and r.name
            and not re.match(rb"\w+\.(?:FormFile|MultipartForm)\(", data[r.start : r.end])
            and not _decoded_into_struct(data, r, h.node.end_byte)
        ]
        checked = _checked_fields(data, forms, h.node.end_byte)
        forms = [r for r in forms if r.name not in checked]
        if forms and fw.checks_form_reads:
            names = sorted({r.name for r in forms})
            made = fw.form_validation_fix(a, h, forms, data)
            fix = self.fix(made[0], title=made[1]) if made else None
            yield self.finding(
                forms[0].start,
                forms[0].end,
                fix=fix,
                where=f"`{text_of(data, forms[0].start, forms[0].end)}`",
                fields=_fields_note(names),
                idiom=fw.form_idiom,
            )


# calls that only build a link or a redirect from what they are given (pagination guides,
# next/previous URLs): the query string goes back to the client, not into storage
_LINK_CALL_RE = lazy(rb"url|link|paginat|guide|urlencode|query_?string|redirect|reverse", re.I)
_SEARCH_NAMES = {"q", "query", "search", "term", "keyword", "keywords", "s"}


def _discarded(data: bytes, read) -> bool:
    """A read that is a statement of its own, its value thrown away (``await request.form()``
    so that a library handed the request finds the form parsed): nothing of it is used here."""
    line_start = data.rfind(b"\n", 0, read.start) + 1
    line_end = data.find(b"\n", read.end)
    before = data[line_start : read.start].strip()
    after = data[read.end : line_end if line_end >= 0 else len(data)].strip()
    return (
        before in (b"", b"await") and after in (b"", b";") and b"(" in data[read.start : read.end]
    )


def _bound_name(data: bytes, start: int) -> bytes | None:
    """The name a statement assigns (``x = ...request.GET...``), from the read's own line."""
    line_start = data.rfind(b"\n", 0, start) + 1
    m = re.match(rb"\s*(\w+)\s*(?::\s*[\w\[\], .]+)?:?=(?!=)", data[line_start:start])
    return m.group(1) if m else None


def _innermost_call(data: bytes, pos: int, floor: int) -> bytes | None:
    """The name of the innermost call whose argument list holds ``pos`` (None: none)."""
    depth = 0
    i = pos - 1
    while i > floor:
        c = data[i : i + 1]
        if c in (b")", b"]", b"}"):
            depth += 1
        elif c in (b"(", b"[", b"{"):
            if depth:
                depth -= 1
            elif c == b"(":
                m = re.search(rb"([A-Za-z_][\w.]*)\s*$", data[max(floor, i - 80) : i])
                if m:
                    return m.group(1)
        i -= 1
    return None


def _display_only(data: bytes, read, scope_end: int) -> bool:
    """A query string that only pre-fills a form (``initial=``) or only feeds the links a
    response carries (pagination next/previous URLs): nothing of it is stored or queried."""
    line_start = data.rfind(b"\n", 0, read.start) + 1
    if re.search(rb"\binitial\s*=\s*(?:[\w.]+\(\s*)?$", data[line_start : read.start]):
        return True
    if _LINK_CALL_RE.search(_innermost_call(data, read.start, line_start - 1) or b""):
        return True
    name = _bound_name(data, read.start)
    if name is None:
        return False
    stmt_end = data.find(b"\n", read.end)
    stmt_end = scope_end if stmt_end < 0 else stmt_end
    uses = [
        m.start() + stmt_end
        for m in re.finditer(rb"(?<![\w.])" + re.escape(name) + rb"\b", data[stmt_end:scope_end])
    ]
    if not uses:
        return False
    for use in uses:
        call = _innermost_call(data, use, read.start)
        if call is None or not _LINK_CALL_RE.search(call):
            return False
    return True


def _one_search_term(data: bytes, unchecked, reads, scope_end: int) -> bool:
    """The handler's only request input is one optional free-text search term (``?q=``) read
    with a default and used as a string: a schema would only say it is a string."""
    if any(r[0].kind != "query" for r in unchecked):
        return False
    names = {r.name for r in reads if r.kind in ("query", "body", "form")}
    if len(names) != 1 or not names <= _SEARCH_NAMES:
        return False
    for r in unchecked:
        read = r[0]
        after = data[read.end : read.end + 120]
        if not re.match(rb"\s*\.get\(\s*['\"]\w+['\"]", after) and not re.search(
            rb"\.get$", data[read.start : read.end]
        ):
            return False  # request.GET["q"]: required, a missing one is a 500
    return True


def _decoded_into_struct(data: bytes, read, scope_end: int) -> bool:
    """A Go form or query value holding JSON that is unmarshalled into a typed value with the
    error answered (``json.Unmarshal([]byte(v), &cfg); err != nil``): that decode is its schema."""
    name = _bound_name(data, read.start)
    value = re.escape(name) if name is not None else re.escape(data[read.start : read.end])
    m = re.search(
        rb"\b(?:json|yaml|xml|toml)\.Unmarshal\(\s*\[\]byte\(\s*" + value + rb"\s*\)\s*,\s*&\w+",
        data[read.start : scope_end],
    )
    if m is None:
        return False
    after = data[read.start + m.end() : read.start + m.end() + 160]
    return bool(re.search(rb"err\s*!=\s*nil", after))


def _signed_payload(data: bytes, read, scope_end: int) -> bool:
    """A raw body read to check its signature first (a webhook: ``verify_webhook(raw, headers)``,
    Stripe's ``construct_event(payload, sig, secret)``): the bytes must stay as they came."""
    name = _bound_name(data, read.start)
    if name is None:
        return False
    return (
        re.search(
            rb"\b\w*(?:verif|signature|construct_event|unsign|unserialize)\w*\s*\([^)]*\b"
            + re.escape(name)
            + rb"\b",
            data[read.end : scope_end],
            re.I,
        )
        is not None
    )


def _presence_tests_only(data: bytes, read, scope_end: int) -> bool:
    """A form or query bound to a name whose every later use asks whether a field is there
    (``if data.get("pages"):``, ``"all" in data``): ticked boxes, nothing of them is stored."""
    name = _bound_name(data, read.start)
    if name is None:
        return False
    var = re.escape(name)
    rest = re.sub(rb"(?m)#.*$", b"", data[read.end : scope_end])  # (a comment uses nothing)
    uses = len(re.findall(rb"\b" + var + rb"\b", rest))
    field = rb"""['"][\w-]+['"]"""
    tests = len(
        re.findall(
            rb"(?m)^[ \t]*(?:el)?if[ \t]+(?:not[ \t]+)?"
            + var
            + rb"\.get\(\s*"
            + field
            + rb"\s*\)[ \t]*:",
            rest,
        )
    ) + len(re.findall(field + rb"[ \t]+(?:not[ \t]+)?in[ \t]+" + var + rb"\b", rest))
    return uses > 0 and tests == uses


def _flag_test(data: bytes, read) -> bool:
    before = data[max(0, read.start - 12) : read.start]
    after = data[read.end : read.end + 4]
    return bool(re.search(rb"if\s*\(\s*!?\s*$", before) and re.match(rb"\s*\)", after))


def _fields_note(names) -> str:
    names = [n for n in names if n]
    if not names:
        return ""
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    return f" (fields: {shown})"


def text_of(data: bytes, s: int, e: int) -> str:
    return data[s:e].decode("utf-8", "surrogatepass")


def _find_class(tree, lang, name, data):
    from backend_architect.core import languages

    for node in languages.captures(lang, "(class_declaration name: (_) @n) @c", tree.root_node).get(
        "c", []
    ):
        if text(node.child_by_field_name("name"), data) == name:
            return node
    return None
