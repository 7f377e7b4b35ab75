"""Express: ``router.verb(path, ...middleware, handler)``, express-rate-limit, zod."""

from __future__ import annotations

import re

from ..core.findings import Edit
from ..lang import indent_at, line_start, named_args
from ..lang import javascript as jslang
from .kit.zod import zod_fix
from .kit.node_app import require_typescript
from .base import Framework, Generated, Unsupported
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

    middleware_filename = "middleware.ts"

    def detects(self, head):
        return not KOA.search(head) and bool(_IMPORT.search(head) or _ROUTER.search(head))

    def extract(self, document, tree, data):
        return js_routes(document, tree, data, self.name)

    def rate_limit_fix(self, a, h, data):
        call = h.decl
        args = named_args(call.child_by_field_name("arguments"))
        if not args:
            return None
        edits = [Edit(args[0].end_byte, args[0].end_byte, ", authLimiter")]
        if not re.search(rb"\bauthLimiter\s*=", data):
            stmt = call
            while stmt.parent is not None and stmt.parent.type not in (
                "program",
                "statement_block",
            ):
                stmt = stmt.parent
            start = line_start(data, stmt.start_byte)
            indent = indent_at(data, stmt.start_byte)
            edits.append(
                Edit(
                    start,
                    start,
                    f"{indent}const authLimiter = rateLimit({{ windowMs: 15 * 60 * 1000, limit: 10 }});\n\n",
                )
            )
            imp = jslang.add_import(
                data,
                a.tree,
                'import rateLimit from "express-rate-limit";',
                'const rateLimit = require("express-rate-limit");',
            )
            if imp is not None:
                edits.append(imp)
        return edits, self.limiter

    def created_status_edits(self, h, data):
        body = h.node.child_by_field_name("body")
        btext = data[body.start_byte : body.end_byte] if body is not None else b""
        edits = []
        res = h.route.request_names[1] if len(h.route.request_names) > 1 else "res"
        for m in re.finditer(
            rb"\b" + re.escape(res.encode()) + rb"\s*\.\s*(status\(\s*200\s*\)|json\(|send\()",
            btext,
        ):
            s = body.start_byte + m.start(1)
            if m.group(1).startswith(b"status"):
                edits.append(Edit(s, body.start_byte + m.end(1), "status(201)"))
            else:
                edits.append(Edit(s, s, "status(201)."))
        return edits

    def validation_fix(self, a, h, kind, data):
        return zod_fix(a, h, kind, data)

    def middleware(self, doc, app, after, indent, path):
        require_typescript(self, doc)
        if "errorHandler" in doc.text:
            raise Unsupported("MIDDLEWARE: an errorHandler is already wired into this app.")
        off = jslang.after_imports(doc.text)
        spec = jslang.relative_import(doc.path, path)
        edits = [
            Edit(off, off, f'import {{ errorHandler, notFound, requestContext }} from "{spec}";\n'),
            Edit(after, after, f"{indent}{app}.use(requestContext);\n"),
        ]
        m = re.search(rf"^[ \t]*{re.escape(app)}\.listen\(", doc.text, re.M)
        tail = f"{app}.use(notFound);\n{app}.use(errorHandler);\n"
        if m:
            pos = len(doc.text[: m.start()].encode("utf-8"))
            edits.append(Edit(pos, pos, tail + "\n"))
        else:
            end = len(doc.data)
            edits.append(Edit(end, end, ("" if doc.text.endswith("\n") else "\n") + tail))
        return Generated(path, self.template("middleware.ts"), edits)

    def auth_system(self, doc):
        return Generated(
            "auth.ts",
            self.template("auth.ts"),
            library="jsonwebtoken (npm install jsonwebtoken @types/jsonwebtoken)",
            usage='router.get(path, requireAuth(), handler) / requireAuth("admin")',
        )


FRAMEWORK = Express()
