"""Express: ``router.verb(path, ...middleware, handler)``, express-rate-limit, zod."""

from __future__ import annotations

import re

from .base import Framework
from .kit.node_router import KOA, js_routes

_IMPORT = re.compile(rb"""(from\s+|require\()\s*['"]express['"]""")
_ROUTER = re.compile(rb"express\.Router\(|\bRouter\(\)")


class Express(Framework):
    name = "express"
    title = "Express"
    language = "javascript"
    default_language = "typescript"
    scaffolds = True
    validation_idiom = "a zod/joi schema"
    limiter = "express-rate-limit"
    app_creation = re.compile(
        r"^([ \t]*)(?:const|let|var)\s+(\w+)\s*(?::\s*\w+\s*)?=\s*express\(\s*\)", re.M
    )

    def detects(self, head):
        return not KOA.search(head) and bool(_IMPORT.search(head) or _ROUTER.search(head))

    def extract(self, document, tree, data):
        return js_routes(document, tree, data, self.name)


FRAMEWORK = Express()
