"""Fastify: ``fastify.verb(path, options, handler)`` / ``fastify.route({...})``, route
``schema`` and ``config.rateLimit`` options, plugins and hooks."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import named_args
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


FRAMEWORK = Fastify()
