"""Fastify: ``fastify.verb(path, options, handler)`` / ``fastify.route({...})``, route
``schema`` and ``config.rateLimit`` options, plugins and hooks."""

from __future__ import annotations

import re

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


FRAMEWORK = Fastify()
