"""Fastify: ``fastify.verb(path, options, handler)`` / ``fastify.route({...})``, route
``schema`` and ``config.rateLimit`` options, plugins and hooks."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import named_args
from ..lang import indent_at
from .kit.schemas import js_add_prop, js_props, kind_of, optional_read
from .kit.node_app import install_middleware, require_typescript
from .base import Framework
from .kit.node_router import KOA, js_routes

_IMPORT = re.compile(
    rb"""(from\s+|require\()\s*['"]fastify(-plugin)?['"]|FastifyInstance|FastifyPluginAsync|FastifyPluginCallback"""
)


class Fastify(Framework):
    name = "fastify"
    title = "Fastify"
    language = "javascript"
    default_language = "typescript"
    scaffolds = True
    validation_idiom = "a route `schema`"
    limiter = "@fastify/rate-limit"
    app_creation = re.compile(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*\w+\s*)?=\s*(?:Fastify|fastify)\(", re.M
    )

    middleware_filename = "middleware.ts"

    def detects(self, head):
        return not KOA.search(head) and bool(_IMPORT.search(head))

    def extract(self, document, tree, data):
        return js_routes(document, tree, data, self.name)

    def rate_limit_fix(self, a, h, data):
        options = h.extra.get("options")
        cfg = 'config: { rateLimit: { max: 5, timeWindow: "1 minute" } }'
        if options is not None:
            if re.search(rb"\bconfig\s*:", data[options.start_byte : options.end_byte]):
                return None
            return [Edit(options.start_byte + 1, options.start_byte + 1, f" {cfg},")], self.limiter
        args = named_args(h.decl.child_by_field_name("arguments"))
        if not args:
            return None
        return [Edit(args[0].end_byte, args[0].end_byte, f", {{ {cfg} }}")], self.limiter

    def validation_fix(self, a, h, kind, data):
        """A JSON schema in the route options: Fastify validates body / querystring with it before the handler."""
        reads = [r for r in h.route.reads if r.kind in ("body", "query") and r.name]
        call = h.decl
        if not reads or call is None or h.node is None:
            return None
        trees = {}
        for r in reads:
            node = trees.setdefault(r.kind, {"props": {}, "required": set()})
            parts = r.name.split(".")
            if not all(re.match(r"^[A-Za-z_$][\w$]*$", p) for p in parts):
                return None
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                if not optional_read(data, r) or not last:
                    node["required"].add(part)
                child = node["props"].get(part)
                if last:
                    if child is None:
                        node["props"][part] = None
                else:
                    if child is None:
                        child = node["props"][part] = {"props": {}, "required": set()}
                    node = child
        for r in reads:  # a field tested for presence is optional even when also read plainly
            if "." not in r.name and optional_read(data, r):
                trees[r.kind]["required"].discard(r.name)

        def schema_parts(node):
            parts = ['type: "object"']
            req = [k for k in node["props"] if k in node["required"]]
            if req:
                parts.append("required: [" + ", ".join(f'"{k}"' for k in req) + "]")
            props = []
            for k, v in node["props"].items():
                if isinstance(v, dict):
                    props.append(f"{k}: {inline(v)}")  # nested objects stay on one line
                else:
                    props.append(
                        f'{k}: {{ type: "{ {"int": "integer", "bool": "boolean", "str": "string"}[kind_of(k)] }" }}'
                    )
            return parts, props

        def inline(node):
            parts, props = schema_parts(node)
            return "{ " + ", ".join(parts + ["properties: { " + ", ".join(props) + " }"]) + " }"

        def block(node, ind):
            parts, props = schema_parts(node)
            lines = (
                [f"{ind}  {p}," for p in parts]
                + [f"{ind}  properties: {{"]
                + [f"{ind}    {p}," for p in props]
                + [f"{ind}  }},"]
            )
            return "{\n" + "\n".join(lines) + f"\n{ind}}}"

        keys = [("body", "body"), ("query", "querystring")]
        used = [(kind, key) for kind, key in keys if kind in trees]

        def schema_block(ind):
            return (
                "{\n"
                + "".join(
                    f"{ind}  {key}: {block(trees[kind], ind + '  ')},\n" for kind, key in used
                )
                + f"{ind}}}"
            )

        options = h.extra.get("options")
        stmt = call
        while stmt.parent is not None and stmt.parent.type not in ("program", "statement_block"):
            stmt = stmt.parent
        ind = indent_at(data, stmt.start_byte)
        if options is None:
            args = call.child_by_field_name("arguments")
            if args is None or len(args.named_children) != 2:
                return None
            handler_arg = args.named_children[1]
            edits = [
                Edit(
                    handler_arg.start_byte,
                    handler_arg.start_byte,
                    f"{{\n{ind}  schema: {schema_block(ind + '  ')},\n{ind}}}, ",
                )
            ]
        else:
            if options.type != "object":
                return None
            schema = js_props(options, data).get("schema")
            target = options if schema is None else schema
            if target.type != "object":
                return None
            multi = b"\n" in data[target.start_byte : target.end_byte]
            if multi:
                members = [c for c in target.named_children if c.type != "comment"]
                mind = indent_at(data, members[0].start_byte) if members else ind + "  "
                if schema is None:
                    prop = f"schema: {schema_block(mind)}"
                else:
                    prop = ",\n".join(
                        f"{mind if i else ''}{key}: {block(trees[kind], mind)}"
                        for i, (kind, key) in enumerate(used)
                    )
                edits = [js_add_prop(target, prop, data, mind)]
            else:
                inner = ", ".join(f"{key}: {inline(trees[kind])}" for kind, key in used)
                edits = [
                    js_add_prop(
                        target, inner if schema is not None else f"schema: {{ {inner} }}", data
                    )
                ]
        kinds = " and ".join(key for kind, key in keys if kind in trees)
        return edits, f"add a route schema for the {kinds} the handler reads"

    def middleware(self, doc, app, after, indent, path):
        require_typescript(self, doc)
        return install_middleware(self, doc, app, after, indent, path)


FRAMEWORK = Fastify()
