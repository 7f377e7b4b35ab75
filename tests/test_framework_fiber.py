"""Fiber: route extraction, and what ENDPOINT and MIDDLEWARE generate for it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from backend_architect.app.routes import extract_routes, framework_of
from backend_architect.core.document import Document
from backend_architect.core import languages

from conftest import server_env

APP = textwrap.dedent(
    """\
    package api

    import (
    \tjwtware "github.com/gofiber/contrib/jwt"
    \t"github.com/gofiber/fiber/v2"
    \t"github.com/gofiber/fiber/v2/middleware/limiter"
    )

    type loginInput struct {
    \tEmail string `json:"email" validate:"required,email"`
    }

    func Login(c *fiber.Ctx) error {
    \tvar in loginInput
    \tif err := c.BodyParser(&in); err != nil {
    \t\treturn err
    \t}
    \treturn c.Status(fiber.StatusCreated).JSON(in)
    }

    func Routes(app *fiber.App) {
    \tapi := app.Group("/api/v1")
    \tapi.Post("/sessions", limiter.New(), Login)
    \tadmin := api.Group("/admin", jwtware.New(jwtware.Config{}))
    \tadmin.Delete("/users/:id", func(c *fiber.Ctx) error {
    \t\treturn c.SendStatus(fiber.StatusNoContent)
    \t})
    \tapp.Get("/search", func(c *fiber.Ctx) error {
    \t\treturn c.JSON(fiber.Map{"q": c.Query("q"), "h": c.Get("X-Trace")})
    \t})
    }
    """
)


def test_fiber_routes():
    doc = Document(APP, path="/w/api/routes.go")
    assert framework_of(doc) == "fiber"
    routes = {(r.method, r.path): r for r in extract_routes(doc)}
    assert set(routes) == {
        ("POST", "/api/v1/sessions"),
        ("DELETE", "/api/v1/admin/users/{id}"),
        ("GET", "/search"),
    }
    login = routes[("POST", "/api/v1/sessions")]
    assert login.handler == "Login" and login.limiter and login.schema == "loginInput"
    assert login.status_codes == [201] and [r.kind for r in login.reads] == ["body"]
    delete = routes[("DELETE", "/api/v1/admin/users/{id}")]
    assert any("jwtware" in g for g in delete.guards) and delete.path_params == ["id"]
    assert delete.status_codes == [204]
    search = routes[("GET", "/search")]
    assert sorted((r.kind, r.name) for r in search.reads) == [("header", "X-Trace"), ("query", "q")]
    assert not search.guards and not search.limiter


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "backend_architect", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=server_env(),
        timeout=300,
    )


def test_fiber_endpoint_and_middleware_generate_clean_code(tmp_path):
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE orders (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  number varchar(40) NOT NULL,\n  placed_at timestamptz,\n  note text\n);\n"
    )
    (tmp_path / "main.go").write_text(
        'package main\n\nimport "github.com/gofiber/fiber/v2"\n\nfunc main() {\n'
        '\tapp := fiber.New()\n\tapp.Listen(":3000")\n}\n'
    )
    r = _run("generate", "endpoint", "schema.sql", "--line", "1", "--framework", "fiber", "--write", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = _run("generate", "middleware", "main.go", "--write", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "\tapp := fiber.New()\n\tInstallMiddleware(app)\n" in (tmp_path / "main.go").read_text()

    handlers = (tmp_path / "internal" / "handlers" / "orders.go").read_text()
    middleware = (tmp_path / "middleware.go").read_text()
    for text in (handlers, middleware):
        assert languages.error_count(text, "go") == 0
    assert "package main" in middleware
    # the store is the repository's method set; PUT replaces (every field), PATCH is partial
    assert "Update(ctx context.Context, id int64, in repository.OrderInput) (*repository.Order, error)" in handlers
    assert 'decodeOrder(bytes.NewReader(c.Body()), "replace")' in handlers
    assert 'decodeOrder(bytes.NewReader(c.Body()), "update")' in handlers
    replace = handlers[handlers.index('if mode == "replace"') :]
    assert all(f'raw["{f}"]; !given' in replace for f in ("number", "placed_at", "note"))
    routes = {(r.method, r.path) for r in extract_routes(Document(handlers, path="/w/orders.go"))}
    assert routes == {
        ("GET", "/orders"),
        ("GET", "/orders/{id}"),
        ("POST", "/orders"),
        ("PUT", "/orders/{id}"),
        ("PATCH", "/orders/{id}"),
        ("DELETE", "/orders/{id}"),
    }

    r = _run("check", "--jobs", "1", "--output-format", "json", str(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout) == []
