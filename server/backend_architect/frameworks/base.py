"""The :class:`Framework` every framework module defines (see the package docstring)."""

from __future__ import annotations

import re

import tree_sitter as ts

from ..app.model import Handler
from ..core.document import Document
from ..core.findings import Edit
from .kit.output import Generated, Unsupported, read_template
from .kit.schemas import struct_tag_edits
from .kit.go_router import GO_READS, go_routes, install_middleware

__all__ = [
    "Framework",
    "Generated",
    "GoRouter",
    "Unsupported",
    "declaration_span",
    "read_template",
]


def declaration_span(h: Handler, data: bytes) -> tuple[int, int]:
    """The first line of a route's declaration (decorator, registration call)."""
    r = h.route
    end = data.find(b"\n", r.decl_start)
    return r.decl_start, r.decl_end if end < 0 else min(end, r.decl_end)


class Framework:
    """One web framework: everything the product knows about it.

    Subclasses set the class attributes and override the hooks they support; a hook that
    returns None means "not supported for this framework" and callers degrade (a finding
    without a fix, a command that says which frameworks it supports).
    """

    #: identifier used in Route.framework, ``--framework`` and messages ("express")
    name: str = ""
    #: display name ("Express")
    title: str = ""
    #: the language family of its files: "python", "javascript" (JS/TS/TSX) or "go"
    language: str = ""
    #: language of generated files when the workspace does not say ("typescript")
    default_language: str = ""
    #: True when ENDPOINT / MIDDLEWARE can generate code for it (``--framework`` choices)
    scaffolds: bool = False

    # -- route declarations (read by the shared extractors in kit/) ----------------------
    #: Node: a route takes an options object (``schema``, hooks, ``config``) and
    #: ``app.route({...})`` declares one (Fastify)
    route_options: bool = False
    #: Node: the instance method registering hooks that guard the routes after them
    hook_method: str | None = None

    # -- input validation (IV001 message and fix, ENDPOINT) -------------------------------
    #: how the framework validates input, as the IV001 message names it ("a zod/joi schema")
    validation_idiom: str = "a schema"
    #: how handlers receive input, for IV001's reading strategy: "request" (a request
    #: object is read: req.body, request.json, c.Query), "dto" (typed, decorated
    #: parameters: NestJS) or "bind" (Go: decoded into a struct)
    input_style: str = "request"
    #: Python: a handler parameter annotated ``dict`` / ``Any`` is the request body (FastAPI)
    typed_body_params: bool = False
    #: Go: the struct tag key validation reads ("binding" for Gin, "validate" elsewhere)
    tag_key: str = "validate"
    #: Go: IV001 may fix a bound struct by adding ``tag_key:"required"`` tags
    struct_tag_fix: bool = False
    #: Go: form fields read one by one (c.PostForm) are IV001 findings
    checks_form_reads: bool = False
    #: Go: how IV001 names the idiom for form fields read one by one
    form_idiom: str = "a validated struct"

    # -- rate limiting (RL001) -------------------------------------------------------------
    #: the limiter the fix installs, for the fix title ("express-rate-limit")
    limiter: str = ""

    # -- app setup (MIDDLEWARE, AUTH_SYSTEM) -----------------------------------------------
    #: the statement creating the app; group 1 is the indent, group 2 the variable
    app_creation: re.Pattern[str] | None = None

    # -- detection and routes --------------------------------------------------------------

    def detects(self, head: bytes) -> bool:
        """True when a file of :attr:`language` with this start is written against it."""
        return False

    def extract(self, document: Document, tree: ts.Tree, data: bytes) -> list[Handler]:
        """The routes the file declares, as handlers (route + the syntax rules look at)."""
        return []

    def may_declare_routes(self, data: bytes) -> bool:
        """False when the file's text alone shows that :meth:`extract` finds nothing in it (a
        word every route it reads is written with is missing): the file is not parsed for
        routes then. True when it may declare some."""
        return True

    def inherit_guards(self, document: Document, handlers: list[Handler]) -> None:
        """Add guards applied where the file's routers are mounted (other files, app hooks)."""
        from ..app import mounts  # (the project's mount index: read once routes are found)

        inherited = mounts.inherited_guards(document.path, document.language or "")
        if inherited:
            for h in handlers:
                if not h.extra.get("public"):
                    h.route.guards += inherited.get(h.route.group, []) + inherited.get("*", [])

    # -- hooks for rules ---------------------------------------------------------------------

    #: the error body the framework itself answers (API005 leaves it alone), e.g. `{"detail"}`
    native_error_shape: str | None = None
    #: an object check may live anywhere in the view's class (DRF's get_queryset), not only
    #: in the handler method (AZ001)
    class_scoped_access_checks: bool = False

    def serves_json(self, h: Handler, data: bytes) -> bool | None:
        """True/False when the framework says whether the route answers JSON (FastAPI unless it
        declares an HTML response); None: judge by what the handler returns."""
        return None

    def error_literals(self, body: bytes) -> list[tuple[int, int, bytes]] | None:
        """API005: (start, end, literal) of the literal bodies a handler answers with a 4xx/5xx
        status, offsets in ``body``; None: the rule's patterns for the language apply."""
        return None

    def request_parameters(self, h: Handler, data: bytes) -> dict[str, str]:
        """Handler parameters that carry request data: name -> what it is ("query parameter q")."""
        return {}

    def validation_fix(
        self, a, h: Handler, kind: str, data: bytes
    ) -> tuple[list[Edit], str] | None:
        """IV001 for a ``request``-style handler reading ``kind`` (body/query) unchecked:
        (edits wiring a schema in the framework's idiom, fix title) or None."""
        return None

    def body_param_fix(
        self, a, h: Handler, p, ptype, pname: str, fields: list, data: bytes
    ) -> tuple[list[Edit], str] | None:
        """IV001 (``typed_body_params``): the body parameter ``p`` annotated ``ptype`` is read
        field by field (``fields``): (edits typing it with a model, fix title) or None."""
        return None

    def input_label(self, h: Handler, kind: str) -> str:
        """How IV001 names the request data of ``kind`` a handler reads (``req.body``)."""
        names = h.route.request_names
        return f"`{names[0]}.{kind}`" if names else f"the request {kind}"

    def bound_struct_fix(
        self, a, h: Handler, call, fields: list, data: bytes
    ) -> tuple[list[Edit], str] | None:
        """IV001 (Go): the request is decoded by ``call`` into a struct whose ``fields`` carry no
        validation tags: (edits, fix title) or None."""
        if not self.struct_tag_fix:
            return None
        edits = struct_tag_edits(fields, self.tag_key, data)
        return edits, f'add {self.tag_key}:"required" tags'

    def form_validation_fix(
        self, a, h: Handler, forms: list, data: bytes
    ) -> tuple[list[Edit], str] | None:
        """IV001 for form fields read one by one (Go): (edits binding a struct, fix title)."""
        return None

    def rate_limit_fix(self, a, h: Handler, data: bytes) -> tuple[list[Edit], str] | None:
        """RL001: (edits adding the framework's usual limiter to this route, limiter name)."""
        return None

    def default_status(self, h: Handler) -> int | None:
        """API003: the status a handler answers when it sets none (None: it must set one)."""
        return 200

    def created_status_edits(self, h: Handler, data: bytes) -> list[Edit]:
        """API003: edits making a POST handler answer 201 instead of 200."""
        return []

    def finding_span(self, h: Handler, data: bytes) -> tuple[int, int]:
        """Where a route-level finding goes (default: the first line of the declaration)."""
        return declaration_span(h, data)

    # -- generators (ENDPOINT, MIDDLEWARE) -----------------------------------------------------

    def endpoint_file(self, table, ops, base: str, language: str, package: str) -> str | None:
        """ENDPOINT: a new route module with the CRUD ``ops`` of ``table`` (a
        ``catalog.model.Table``) under the path ``base`` ("/users"); None: not here."""
        return None

    def endpoint_location(
        self, root: str, stem: str, camel: str, language: str
    ) -> tuple[str, str] | None:
        """ENDPOINT: (folder relative to ``root``, file name) of the new route module of the
        table ``stem`` (snake case; ``camel``: camel case)."""
        return None

    def endpoint_placed(self, text: str, path: str, root: str, stem: str) -> str:
        """ENDPOINT: the new module's text once its ``path`` is known (imports naming it)."""
        return text

    def endpoint_append(
        self, doc: Document, table, ops, base: str, router_var: str | None
    ) -> list[tuple[int, int, str]] | None:
        """ENDPOINT on a route file: edits adding the missing ``ops`` of ``table`` at ``base`` on
        the router ``router_var`` (None: not supported; :class:`Unsupported`: a reason)."""
        return None

    #: MIDDLEWARE: the module it writes beside the app file
    middleware_filename: str = ""

    def middleware(
        self, doc: Document, app: str, after: int, indent: str, path: str
    ) -> Generated | None:
        """MIDDLEWARE: the text of the module written at ``path`` and the edits wiring it into
        ``app`` (created in ``doc`` by the statement ending at byte ``after``, indented
        ``indent``); raises :class:`Unsupported` with a reason."""
        return None

    def auth_system(self, doc: Document) -> Generated | None:
        """AUTH_SYSTEM: the JWT access + refresh token module (``filename``: its file name)."""
        return None

    # -- templates --------------------------------------------------------------------------------

    #: a sample value for every placeholder its templates use (the tests fill them in and parse)
    template_samples: dict[str, str] = {"package": "handlers"}

    def template(self, name: str, **values: str) -> str:
        """``templates/<framework>/<name>`` with its ``{{placeholders}}`` filled."""
        return read_template(self.name.replace("/", "_"), name, **values)

    def __repr__(self) -> str:
        return f"<framework {self.name}>"


class GoRouter(Framework):
    """A Go router declared ``r.VERB(path, handlers...)`` with groups and ``Use``."""

    language = "go"
    default_language = "go"
    input_style = "bind"
    #: the method names that declare a route (None: every verb-like name)
    route_methods: frozenset[str] | None = None
    #: ``r.Handle("GET", "/p", h)`` (Gin) rather than ``r.Handle("/p", h)``
    handle_takes_method: bool = False
    #: the handler comes first and middleware after it (Echo)
    handler_first: bool = False
    #: context method -> what it reads (body, query, path, header, form)
    reads: dict[str, str] = GO_READS
    #: context methods that decode the request into a struct
    bind_methods: frozenset[str] = frozenset()

    #: MIDDLEWARE writes middleware.go into the app's package
    middleware_filename = "middleware.go"

    def extract(self, document, tree, data):
        return go_routes(document, tree, data, self)

    def endpoint_location(self, root, stem, camel, language):
        return "internal/handlers", f"{stem}.go"

    def crud_idioms(self):
        """ENDPOINT: how this router spells a handler's reads and writes
        (:class:`kit.go_crud.Idioms`; None: it writes no endpoint module)."""
        return None

    def endpoint_file(self, table, ops, base, language, package):
        idioms = self.crud_idioms()
        if idioms is None:
            return super().endpoint_file(table, ops, base, language, package)
        from .kit import go_crud
        from .kit.endpoint_code import go_file

        code = lambda t, o, b: go_crud.go_handlers(t, o, b, idioms)  # noqa: E731
        return go_file(code, table, ops, base, package)

    def endpoint_placed(self, text, path, root, stem):
        if self.crud_idioms() is None:
            return super().endpoint_placed(text, path, root, stem)
        from .kit import go_crud

        return go_crud.place(text, root)

    def middleware(self, doc, app, after, indent, path):
        if not self.scaffolds:
            return None
        return install_middleware(self, doc, app, after, indent, path)
