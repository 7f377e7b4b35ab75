"""Fiber (gofiber/fiber): ``app.Get(path, handlers...)``, ``app.Group(prefix, mw...)``,
``c.BodyParser(&req)`` / ``c.Query`` / ``c.Params``, go-playground/validator ``validate``
struct tags, and the limiter middleware."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import go as golang
from ..lang import indent_at, line_start, matching_close, named_args, text
from .base import GoRouter
from .kit import go_crud
from .kit.go_router import GO_READS
from .kit.schemas import struct_tag_edits
from ..core.lazy_re import lazy

_STATEMENT_PARENTS = ("block", "statement_list")
# an error status (4xx/5xx, never fiber.StatusOK...) then a map literal body
_ERROR_RESPONSE = lazy(
    rb"\.Status\(\s*(?:[45]\d\d|(?:fiber|http)\.Status(?!OK\b|Created\b|Accepted\b|NoContent\b)\w+)\s*\)"
    rb"\s*\.JSON\(\s*(?:fiber\.Map|map\[string\](?:string|any|interface\{\}))(\{)"
)
_VALIDATOR = "github.com/go-playground/validator/v10"


class Fiber(GoRouter):
    name = "fiber"
    title = "Fiber"
    scaffolds = True
    validation_idiom = '`validate:"required"` struct tags checked with go-playground/validator'
    struct_tag_fix = True
    checks_form_reads = True
    form_idiom = "a struct parsed with c.BodyParser and validated"
    limiter = "fiber limiter middleware"
    route_methods = frozenset(("Get", "Post", "Put", "Patch", "Delete", "Head", "Options"))
    reads = {
        **GO_READS,
        "Params": "path",
        "ParamsInt": "path",
        "ParamsParser": "path",
        "QueryInt": "query",
        "QueryBool": "query",
        "QueryFloat": "query",
        "QueryParser": "query",
        "BodyParser": "body",
        "Body": "body",
        "FormValue": "form",
        "Get": "header",
        "ReqHeaderParser": "header",
        "Cookies": "header",
    }
    bind_methods = frozenset(("BodyParser", "QueryParser", "ParamsParser", "ReqHeaderParser"))
    app_creation = lazy(r"^([ \t]*)(\w+)\s*:?=\s*fiber\.New\(", re.M)

    def detects(self, head):
        return b"github.com/gofiber/fiber" in head

    def _fiber_path(self, data: bytes) -> str:
        m = re.search(rb'"github\.com/gofiber/fiber(/v\d+)?"', data)
        return "github.com/gofiber/fiber" + (m.group(1).decode() if m and m.group(1) else "/v2")

    # -- IV001: tags on the struct, and a validator call after it is parsed ------------------

    def bound_struct_fix(self, a, h, call, fields, data):
        edits = struct_tag_edits(fields, self.tag_key, data)
        args = named_args(call.child_by_field_name("arguments"))
        stmt = call
        while stmt.parent is not None and stmt.parent.type not in _STATEMENT_PARENTS:
            stmt = stmt.parent
        if not args or stmt.parent is None or h.node is None:
            return edits, f'add {self.tag_key}:"required" tags'
        target = text(args[0], data).lstrip("&")
        indent = indent_at(data, stmt.start_byte)
        ctx = h.route.request_names[0] if h.route.request_names else "c"
        edits.append(
            Edit(
                stmt.end_byte,
                stmt.end_byte,
                f"\n{indent}if err := validate.Struct({target}); err != nil {{\n"
                f"{indent}\treturn {ctx}.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{{"
                f'"error": fiber.Map{{"code": "VALIDATION_ERROR", "message": err.Error()}}}})\n'
                f"{indent}}}",
            )
        )
        if not re.search(rb"^var\s+validate\s*=", data, re.M):
            top = h.node if h.node.type in ("function_declaration", "method_declaration") else None
            if top is None:
                top = h.decl
                while top.parent is not None and top.parent.type != "source_file":
                    top = top.parent
            start = line_start(data, top.start_byte)
            edits.append(Edit(start, start, self.template("validate.go") + "\n"))
            imp = golang.add_import(data, a.tree, _VALIDATOR)
            if imp is not None:
                edits.append(imp)
        return edits, f'add {self.tag_key}:"required" tags and validate {target}'

    # -- RL001: the limiter middleware on the route -----------------------------------------

    def rate_limit_fix(self, a, h, data):
        args = named_args(h.decl.child_by_field_name("arguments"))
        if not args:
            return None
        mw = "limiter.New(limiter.Config{Max: 5, Expiration: time.Minute})"
        edits = [Edit(args[0].end_byte, args[0].end_byte, f", {mw}")]
        imp = golang.add_import(
            data, a.tree, [self._fiber_path(data) + "/middleware/limiter", "time"]
        )
        if imp is not None:
            edits.append(imp)
        return edits, self.limiter

    # -- API003: Fiber answers 200 unless c.Status() says otherwise ---------------------------

    def created_status_edits(self, h, data):
        body = h.node.child_by_field_name("body")
        if body is None:
            return []
        btext = data[body.start_byte : body.end_byte]
        edits = []
        ctx = re.escape((h.route.request_names or ["c"])[0].encode())
        for m in re.finditer(
            rb"\b" + ctx + rb"\.(Status\(\s*(?:200|fiber\.StatusOK)\s*\)|JSON\()", btext
        ):
            s = body.start_byte + m.start(1)
            if m.group(1).startswith(b"Status"):
                edits.append(Edit(s, body.start_byte + m.end(1), "Status(fiber.StatusCreated)"))
            else:
                edits.append(Edit(s, s, "Status(fiber.StatusCreated)."))
        return edits

    # -- API005: c.Status(4xx).JSON(fiber.Map{...}) ------------------------------------------

    def error_literals(self, body):
        out = []
        for m in _ERROR_RESPONSE.finditer(body):
            close = matching_close(body, m.start(1), b"{", b"}")
            if close is not None:
                out.append((m.start(), close, body[m.start(1) : close]))
        return out

    # -- ENDPOINT -------------------------------------------------------------------------------

    def crud_idioms(self):
        return FIBER_IDIOMS


FIBER_IDIOMS = go_crud.Idioms(
    imports=("github.com/gofiber/fiber/v2",),
    handler="func(c *fiber.Ctx) error",
    ctx="c.UserContext()",
    param='c.Params("{name}")',
    query='c.Query("{name}", "{default}")',
    body="bytes.NewReader(c.Body())",
    path="c.Path()",
    method="c.Method()",
    set_header="c.Set({name}, {value})",
    reply="return c.Status({status}).JSON({value})",
    no_content="return c.SendStatus(http.StatusNoContent)",
    mount=[
        "// Register{res}Routes mounts the {table} endpoints on r.",
        "func Register{res}Routes(r fiber.Router, store {ent}Store) {{",
        '\tg := r.Group("{base}")',
    ],
    route='g.{Method}("{path}", {fn}',
    id_path="/:id",
    std=("bytes",),
)


FRAMEWORK = Fiber()
