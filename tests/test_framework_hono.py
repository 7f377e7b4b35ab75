"""Hono: route extraction, and what ENDPOINT and MIDDLEWARE generate for it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from backend_architect.app.routes import extract_routes, framework_of
from backend_architect.core import languages
from backend_architect.core.document import Document

from conftest import server_env

APP = textwrap.dedent(
    """\
    import { Hono } from "hono";
    import { jwt } from "hono/jwt";
    import { zValidator } from "@hono/zod-validator";
    import { rateLimiter } from "hono-rate-limiter";

    const app = new Hono().basePath("/api");
    const auth = new Hono();
    const posts = new Hono();
    const limiter = rateLimiter({ windowMs: 60_000, limit: 5, keyGenerator: () => "" });

    auth.post("/login", limiter, async (c) => {
      const { email, password } = await c.req.json();
      return c.json({ token: await signIn(email, password) });
    });

    posts.use("/drafts/*", jwt({ secret: "s" }));
    posts
      .get("/", (c) => c.json({ data: [], q: c.req.query("q") }))
      .post("/", zValidator("json", postSchema), async (c) => c.json({ data: c.req.valid("json") }, 201));
    posts.get("/drafts/:id", (c) => c.json({ data: draft(c.req.param("id")), trace: c.req.header("X-Trace") }));
    posts.on(["PUT", "PATCH"], "/:id", async (c) => c.json({ data: await save(c.req.param("id")) }));
    posts.delete("/:id", (c) => c.body(null, 204));

    app.route("/auth", auth);
    app.route("/posts", posts);
    export default app;
    """
)


def test_hono_routes():
    doc = Document(APP, path="/w/src/index.ts")
    assert framework_of(doc) == "hono"
    routes = {(r.method, r.path): r for r in extract_routes(doc)}
    assert set(routes) == {
        ("POST", "/api/auth/login"),
        ("GET", "/api/posts"),
        ("POST", "/api/posts"),
        ("GET", "/api/posts/drafts/{id}"),
        ("PUT", "/api/posts/{id}"),
        ("PATCH", "/api/posts/{id}"),
        ("DELETE", "/api/posts/{id}"),
    }
    login = routes[("POST", "/api/auth/login")]
    assert login.limiter and login.schema is None and not login.guards
    assert sorted((r.kind, r.name) for r in login.reads) == [("body", "email"), ("body", "password")]
    listing = routes[("GET", "/api/posts")]
    assert [(r.kind, r.name) for r in listing.reads] == [("query", "q")] and listing.returns_body
    assert not listing.guards  # jwt() guards /drafts/* only
    create = routes[("POST", "/api/posts")]
    assert create.schema.startswith("zValidator(") and create.status_codes == [201]
    draft = routes[("GET", "/api/posts/drafts/{id}")]
    assert draft.guards == ['jwt({ secret: "s" })'] and draft.path_params == ["id"]
    assert sorted((r.kind, r.name) for r in draft.reads) == [("header", "X-Trace"), ("path", "id")]
    assert routes[("DELETE", "/api/posts/{id}")].status_codes == [204]
    assert not routes[("DELETE", "/api/posts/{id}")].returns_body


def test_koa_is_not_hono():
    doc = Document('import Koa from "koa";\nconst app = new Koa();\n', path="/w/app.ts")
    assert framework_of(doc) is None


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "backend_architect", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=server_env(),
        timeout=300,
    )


def test_hono_endpoint_and_middleware_generate_clean_code(tmp_path):
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE orders (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  number varchar(40) NOT NULL,\n  paid boolean NOT NULL DEFAULT false,\n  note text\n);\n"
    )
    (tmp_path / "index.ts").write_text(
        'import { Hono } from "hono";\n\nconst app = new Hono();\n\n'
        'app.get("/health", (c) => c.json({ ok: true }));\n\nexport default app;\n'
    )
    r = _run("generate", "endpoint", "schema.sql", "--line", "1", "--framework", "hono", "--write", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _run("generate", "middleware", "index.ts", "--write", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    app = (tmp_path / "index.ts").read_text()
    assert 'import { installMiddleware } from "./middleware";\n' in app
    assert "const app = new Hono();\ninstallMiddleware(app);\n" in app

    handlers = (tmp_path / "routes" / "orders.ts").read_text()
    middleware = (tmp_path / "middleware.ts").read_text()
    for text in (handlers, middleware):
        assert languages.error_count(text, "typescript") == 0
    assert "number: z.string().max(40)," in handlers and "note: z.string().nullable().optional()," in handlers
    assert "app.onError(" in middleware and 'code, message, details' in middleware
    routes = {(r.method, r.path, bool(r.schema)) for r in extract_routes(Document(handlers, path="/w/orders.ts"))}
    assert routes == {
        ("GET", "/orders", True),
        ("GET", "/orders/{id}", True),
        ("POST", "/orders", True),
        ("PUT", "/orders/{id}", True),
        ("PATCH", "/orders/{id}", True),
        ("DELETE", "/orders/{id}", True),
    }

    r = _run("check", "--jobs", "1", "--output-format", "json", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout) == []
