"""REPOSITORY, ENDPOINT, SERVICE, MIDDLEWARE and AUTH_SYSTEM as pure functions (no
server): the files they create or edit, that they parse, and for Python that they
import and behave. ``test_generators_lsp.py`` runs a few of them through the server."""

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pglast
import pytest
from backend_architect.core.document import Document
from backend_architect.core.languages import error_count

from .lsp_helpers import copy_project, position_of
from .pure import created_files, run


def sql_strings(text: str) -> list[str]:
    """The SQL literals of generated code (the ones with no string interpolation)."""
    import re

    return [m.group(2) for m in re.finditer(r"(['`])((?:SELECT|INSERT|DELETE|UPDATE) [^'`$]*?)\1", text)]


def test_repository_python_dbapi_from_create_table(tmp_path):
    root = copy_project("shop", tmp_path)
    path = root / "db" / "schema.sql"
    res, edit = run(root, "REPOSITORY", path, at=position_of(path.read_text(), "orders ("))
    assert res["table"] == "orders", res
    (created,) = created_files(edit)
    assert created == str(root / "repositories" / "orders_repository.py")
    assert not os.path.exists(created)  # a pure command writes nothing
    text = edit.texts()[created]
    assert text == res["text"]
    assert error_count(text, "python") == 0
    # columns match the table; a method per unique key; the writable columns exclude serial and now() defaults
    assert "COLUMNS = ('id', 'user_id', 'number', 'total_cents', 'status', 'created_at')" in text
    assert "WRITABLE = ('user_id', 'number', 'total_cents', 'status')" in text
    assert "def find_by_user_id_and_number(self, user_id: int, number: str)" in text
    for name in ("def find_by_id(", "def find_all(", "def create(", "def update(", "def delete("):
        assert name in text
    # create writes only the columns given: the others take the table's own defaults
    assert "REQUIRED = ('user_id', 'number', 'total_cents')" in text
    for sql in sql_strings(text):
        pglast.parse_sql(sql.replace("%s", "$1"))


def test_repository_python_runs_against_sqlite(tmp_path):
    """The sqlite3 style of the Python repository, executed for real."""
    root = tmp_path / "tags"
    (root / "db").mkdir(parents=True)
    (root / "db" / "schema.sql").write_text(
        "CREATE TABLE tags (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL UNIQUE, color text, weight integer NOT NULL DEFAULT 1);\n"
    )
    (root / "app.py").write_text("import sqlite3\n\nconn = sqlite3.connect(':memory:')\n")
    uri = root / "db" / "schema.sql"
    res, edit = run(root, "REPOSITORY", uri, at={"line": 0, "character": 14})
    text = edit.texts()[res["path"]]
    namespace: dict = {}
    exec(compile(text, res["path"], "exec"), namespace)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE tags (id integer PRIMARY KEY, name text NOT NULL UNIQUE, color text, weight integer NOT NULL DEFAULT 1)")
    repo = namespace["TagsRepository"](conn)
    a = repo.create(name="red", color="#f00")
    repo.create(name="blue", weight=5)
    repo.create(name="green")
    assert a == {"id": 1, "name": "red", "color": "#f00", "weight": 1}
    assert repo.find_by_name("blue")["weight"] == 5
    rows, total = repo.find_all(page=2, limit=2, sort="name", order="desc")
    assert total == 3 and [r["name"] for r in rows] == ["blue"]
    assert repo.update(1, color="#e00")["color"] == "#e00"
    with pytest.raises(ValueError):
        repo.update(1, id=7)  # not a writable column
    with pytest.raises(ValueError):
        repo.find_all(sort="name; DROP TABLE tags")
    assert repo.delete(2) is True and repo.delete(2) is False
    assert repo.find_by_id(2) is None


@pytest.mark.parametrize(
    "marker,language,expected_file,parse_as,needles",
    [
        ("from sqlalchemy import create_engine\n", "python", "repositories/users_repository.py", "python", ["from sqlalchemy import text", "WHERE email = :email"]),
        ('import { Pool } from "pg";\nexport const pool = new Pool();\n', "typescript", "src/repositories/usersRepository.ts", "typescript", ["async findByEmail(email: string)", "LIMIT $1 OFFSET $2", "Promise<Page<User>>"]),
        ('package main\n\nimport "database/sql"\n\nvar db *sql.DB\n', "go", "internal/repository/users_repository.go", "go", ["func (r *UsersRepository) FindByEmail(ctx context.Context, email string)", "db *sql.DB", "sql.ErrNoRows"]),
        ('package main\n\nimport "github.com/jackc/pgx/v5/pgxpool"\n\nvar pool *pgxpool.Pool\n', "go", "internal/repository/users_repository.go", "go", ["db *pgxpool.Pool", "pgx.ErrNoRows", "res.RowsAffected() > 0"]),
    ],
)
def test_repository_follows_the_project_language_and_client(tmp_path, marker, language, expected_file, parse_as, needles):
    root = copy_project("shop", tmp_path)
    # make the project a TypeScript / Go / SQLAlchemy one
    for py in (root / "app").glob("*.py"):
        if language != "python":
            py.unlink()
    ext = {"python": "py", "typescript": "ts", "go": "go"}[language]
    target = root / ("src" if language == "typescript" else ".") / f"main.{ext}"
    target.parent.mkdir(exist_ok=True)
    target.write_text(marker)
    path = root / "db" / "schema.sql"
    res, edit = run(root, "REPOSITORY", path, at=position_of(path.read_text(), "users ("))
    created = created_files(edit)
    assert created == [str(root / expected_file)], res
    text = edit.texts()[created[0]]
    assert error_count(text, parse_as) == 0
    for n in needles:
        assert n in text, n


def test_repository_on_a_selected_table_name_outside_sql(tmp_path):
    root = copy_project("shop", tmp_path)
    path = root / "app" / "db.py"
    uri = path
    res, edit = run(root, "REPOSITORY", uri, table="users")
    assert res["table"] == "users" and "find_by_email" in res["text"] and edit is not None


def test_repository_without_a_table_says_what_to_do(tmp_path):
    root = copy_project("shop", tmp_path)
    uri = root / "db" / "reports.sql"
    res, edit = run(root, "REPOSITORY", uri, at={"line": 0, "character": 0})
    assert "CREATE TABLE" in res["message"] and edit is None


def _import_generated(module_path: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=module_path.parent, capture_output=True, text=True, timeout=60)


def test_endpoint_fastapi_module_imports_and_serves_the_conventions(tmp_path):
    pytest.importorskip("fastapi")
    root = copy_project("shop", tmp_path)
    path = root / "db" / "schema.sql"
    res, edit = run(root, "ENDPOINT", path, at=position_of(path.read_text(), "users ("))
    assert res["framework"] == "fastapi"
    created = created_files(edit)
    assert created == [str(root / "routes" / "users.py")]
    text = edit.texts()[created[0]]
    assert error_count(text, "python") == 0
    out = root / "routes" / "users.py"
    out.parent.mkdir()
    out.write_text(text)
    probe = textwrap.dedent(
        """
        import json
        from fastapi import FastAPI
        import users
        routes = sorted((r.path, sorted(r.methods)[0], r.status_code) for r in users.router.routes)
        try:
            users.UserCreate(email="a@b.c", name="x" * 81)
            too_long = False
        except Exception:
            too_long = True
        try:
            users.UserCreate(name="x")
            missing = False
        except Exception:
            missing = True
        app = FastAPI()
        app.include_router(users.router)
        params = [p["name"] for p in app.openapi()["paths"]["/users"]["get"]["parameters"]]
        print(json.dumps({"routes": routes, "too_long": too_long, "missing": missing, "params": params}))
        """
    )
    proc = _import_generated(out, probe)
    assert proc.returncode == 0, proc.stderr
    import json

    info = json.loads(proc.stdout)
    assert info["routes"] == [
        ["/users", "GET", None], ["/users", "POST", 201], ["/users/{id}", "DELETE", 204],
        ["/users/{id}", "GET", None], ["/users/{id}", "PATCH", None], ["/users/{id}", "PUT", None],
    ]
    assert info["too_long"] and info["missing"]
    assert info["params"] == ["page", "limit", "sort", "order"]
    assert '"meta": {"page": page, "limit": limit, "total": total}' in text
    assert '{"error": {"code": code, "message": message, "details": details or []}}' in text


def test_endpoint_adds_only_the_missing_routes_to_an_existing_fastapi_file(tmp_path):
    pytest.importorskip("fastapi")
    root = copy_project("shop", tmp_path)
    path = root / "app" / "main.py"
    uri = path
    res, edit = run(root, "ENDPOINT", uri, at={"line": 0, "character": 0})
    assert "list, replace, update, delete for /users" in res["message"], res
    text = edit.texts()[str(path)]
    assert error_count(text, "python") == 0
    assert text.count('@app.get("/users/{id}")') == 1  # the existing one is kept, not duplicated
    assert '@app.delete("/users/{id}", status_code=204' in text
    path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-c", "import app.main as m; print(sorted((r.path, sorted(r.methods)[0]) for r in m.app.routes if hasattr(r, 'methods') and not r.path.startswith(('/docs', '/openapi', '/redoc'))))"],
        cwd=root, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(sorted([
        ("/users", "GET"), ("/users", "POST"), ("/users/{id}", "GET"), ("/users/{id}", "PUT"), ("/users/{id}", "PATCH"), ("/users/{id}", "DELETE"),
    ]))


@pytest.mark.parametrize(
    "framework,marker,ext,parse_as,expected,needles",
    [
        ("flask", "from flask import Flask\napp = Flask(__name__)\n", "py", "python", "routes/users.py", ['@users_bp.post("")', 'return "", 204', "validate_user("]),
        ("express", 'import express from "express";\nconst app = express();\n', "ts", "typescript", "src/routes/users.ts", ["res.status(201)", "res.status(204).end()", "links: { self: at(page)"]),
        ("gin", 'package main\n\nimport "github.com/gin-gonic/gin"\n\nfunc main() { gin.Default() }\n', "go", "go", "internal/handlers/users.go", ["http.StatusCreated", "http.StatusNoContent", '"is required"', "repository.UserInput"]),
        ("echo", 'package main\n\nimport "github.com/labstack/echo/v4"\n\nfunc main() { echo.New() }\n', "go", "go", "internal/handlers/users.go", [
            'g := e.Group("/users")', 'g.GET("", func(c echo.Context) error {', 'g.GET("/:id"', 'g.POST(""', 'g.PUT("/:id"', 'g.PATCH("/:id"', 'g.DELETE("/:id"',
            'return c.JSON(http.StatusCreated, map[string]any{"data": row})', "return c.NoContent(http.StatusNoContent)",
            'bad("email", "is required")', "repository.UserInput", "limit > 100",
            '"meta": map[string]any{"page": page, "limit": limit, "total": total}', '"links": map[string]any{"self": at(page), "next": next, "prev": prev}',
            'map[string]any{"error": map[string]any{"code": code, "message": message, "details": details}}', 'http.StatusNotFound, userProblem("NOT_FOUND"',
            'http.StatusUnprocessableEntity, userProblem("VALIDATION_ERROR"', "http.StatusConflict",
        ]),
        ("fastify", 'import Fastify from "fastify";\nconst app = Fastify({ logger: true });\n', "ts", "typescript", "src/routes/users.ts", [
            'app.get<{ Querystring: UserListQuery }>("/", { schema: { querystring: USER_LIST_QUERY } }', 'app.post<{ Body: NewUser }>("/", { schema: { body: USER_BODY } }',
            'app.put<', 'app.patch<', 'app.delete<', "reply.code(201).send(", "reply.code(204).send()", 'required: ["email"]',
            'name: { type: ["string", "null"], maxLength: 80 }', "limit: { type: \"integer\", minimum: 1, maximum: 100, default: 20 }",
            "meta: { page, limit, total }", "return reply.code(status).send({ error: { code, message, details } });", '"VALIDATION_ERROR"', '404, "NOT_FOUND"',
        ]),
        ("fastify", 'const fastify = require("fastify");\nconst app = fastify();\n', "js", "javascript", "src/routes/users.js", [
            'app.get("/", { schema: { querystring: USER_LIST_QUERY } }', "reply.code(201).send(", "reply.code(204).send()", "module.exports = { usersRoutes };",
        ]),
        ("hono", 'import { Hono } from "hono";\nconst app = new Hono();\n', "ts", "typescript", "src/routes/users.ts", [
            'app.post("/users", zValidator("json", userSchema, invalid)', "return c.json({ data: row }, 201);", "  email: z.string(),",
            "  name: z.string().max(80).nullable().optional(),", "\n}).strict();", 'i.code === "unrecognized_keys"', "limit: z.coerce.number().int().min(1).max(100).default(20)",
            "meta: { page, limit, total }", "return { error: { code, message, details } };", '"VALIDATION_ERROR"', '"NOT_FOUND"',
        ]),
        ("fiber", 'package main\n\nimport "github.com/gofiber/fiber/v2"\n\nfunc main() { fiber.New() }\n', "go", "go", "internal/handlers/users.go", [
            "func RegisterUsersRoutes(r fiber.Router, store UserStore)", "repository.UserInput", 'bad("email", "is required")',
            'return c.Status(http.StatusCreated).JSON(map[string]any{"data": row})', "return c.SendStatus(http.StatusNoContent)",
            'c.Set("Location", ', 'decodeUser(bytes.NewReader(c.Body()), "replace")', 'decodeUser(bytes.NewReader(c.Body()), "update")',
        ]),
        ("nestjs", 'import { Module } from "@nestjs/common";\n\n@Module({})\nexport class AppModule {}\n', "ts", "typescript", "src/users/users.controller.ts", [
            '@Controller("users")', "@Get()\n  async list(@Query() query: ListUsersQuery, @Req() req: Request)", '@Get(":id")', "@Post()\n  @HttpCode(201)", '@Put(":id")', '@Patch(":id")',
            '@Delete(":id")\n  @HttpCode(204)', "@IsOptional()\n  @IsString()\n  @MaxLength(80)\n  name?: string | null;", "@IsString()\n  email!: string;",
            "@Max(100)\n  limit: number = 20;", '@IsIn(["asc", "desc"])', "meta: { page, limit, total }", "links: { self: at(page)",
            "return { error: { code, message, details } };", 'throw new NotFoundException(userError("NOT_FOUND"', "forbidNonWhitelisted: true",
            "findById(id: number): Promise<User | null>;", "@UseFilters(new UsersErrorFilter())", "res.location(",
        ]),
    ],
)
def test_endpoint_in_other_frameworks(tmp_path, framework, marker, ext, parse_as, expected, needles):
    root = copy_project("shop", tmp_path)
    for py in (root / "app").glob("*.py"):
        py.unlink()
    target = root / ("src" if ext in ("ts", "js") else ".") / f"server.{ext}"
    target.parent.mkdir(exist_ok=True)
    target.write_text(marker)
    path = root / "db" / "schema.sql"
    res, edit = run(root, "ENDPOINT", path, at=position_of(path.read_text(), "users ("))
    assert res["framework"] == framework, res
    created = created_files(edit)
    assert created == [str(root / expected)]
    text = edit.texts()[created[0]]
    assert error_count(text, parse_as) == 0
    for n in needles:
        assert n in text, n
    if framework == "flask":
        pytest.importorskip("flask")
        out = root / "routes" / "users.py"
        out.parent.mkdir()
        out.write_text(text)
        probe = (
            "import users, flask\n"
            "app = flask.Flask(__name__); app.register_blueprint(users.users_bp)\n"
            "c = app.test_client()\n"
            "r = c.post('/users', json={'name': 'x' * 81, 'nope': 1})\n"
            "print(r.status_code, sorted(d['field'] for d in r.get_json()['error']['details']))\n"
        )
        proc = _import_generated(out, probe)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "422 ['email', 'name', 'nope']"


def test_service_extracts_handler_logic_across_two_files(tmp_path):
    root = copy_project("shop", tmp_path)
    path = root / "app" / "main.py"
    uri = path
    res, edit = run(root, "SERVICE", uri, at=position_of(path.read_text(), "digest ="))
    files = edit.texts()
    services = root / "app" / "services" / "main_service.py"
    assert set(files) == {str(path), str(services)}
    handler, service = files[str(path)], files[str(services)]
    assert "import app.services.main_service as main_service" in handler
    assert 'return {"data": main_service.create_user(body=body)}' in handler
    assert "hashlib" not in handler.split("def create_user")[1]
    assert "def create_user(body):" in service and "import hashlib" in service and "return user" in service
    assert "HTTPException" in res["message"]  # said honestly: the moved code still raises an HTTP error
    for text in files.values():
        assert error_count(text, "python") == 0
    # the result runs: the handler calls the service, which does the work
    pytest.importorskip("fastapi")
    path.write_text(handler)
    (root / "app" / "services").mkdir()
    (root / "app" / "services" / "__init__.py").write_text("")
    services.write_text(service)
    probe = "import app.main as m; print(m.create_user({'email': ' A@B.C ', 'password': 'pw'})['data']['email'])"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "a@b.c"


def test_middleware_is_written_and_wired_into_the_fastapi_app(tmp_path):
    pytest.importorskip("fastapi")
    root = copy_project("shop", tmp_path)
    path = root / "app" / "main.py"
    uri = path
    _, edit = run(root, "MIDDLEWARE", uri)
    files = edit.texts()
    app_text = files[str(path)]
    mw = files[str(root / "app" / "middleware.py")]
    assert "from app.middleware import install_middleware" in app_text
    assert 'app = FastAPI(title="shop")\ninstall_middleware(app)\n' in app_text
    assert 'allow_origins=["*"]' not in mw and "allow_credentials=True" in mw
    for p, text in files.items():
        Path(p).write_text(text)
    probe = textwrap.dedent(
        """
        import asyncio, json, os
        os.environ["CORS_ORIGINS"] = "https://shop.example, *"
        import app.main as m
        from app.middleware import allowed_origins

        async def call(path, headers=()):
            sent = []
            scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
                     "headers": [(k.encode(), v.encode()) for k, v in headers], "http_version": "1.1", "scheme": "http",
                     "server": ("t", 80), "client": ("c", 1), "root_path": ""}
            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}
            async def send(msg):
                sent.append(msg)
            await m.app(scope, receive, send)
            start = next(x for x in sent if x["type"] == "http.response.start")
            body = b"".join(x.get("body", b"") for x in sent if x["type"] == "http.response.body")
            return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, json.loads(body)

        status, headers, body = asyncio.run(call("/users/99", [("x-request-id", "req-1"), ("origin", "https://evil.example")]))
        print(json.dumps({"status": status, "rid": headers.get("x-request-id"), "acao": headers.get("access-control-allow-origin"), "body": body, "origins": allowed_origins()}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    import json

    info = json.loads(proc.stdout.strip().splitlines()[-1])
    assert info["status"] == 404 and info["rid"] == "req-1" and info["acao"] is None
    assert info["body"] == {"error": {"code": "NOT_FOUND", "message": "Not Found", "details": []}}
    assert info["origins"] == ["https://shop.example"]
    assert '"request_id": "req-1"' in proc.stderr  # the structured log line carries the request id


def test_auth_system_issues_and_verifies_tokens(tmp_path):
    jwt = pytest.importorskip("jwt")
    root = copy_project("shop", tmp_path)
    path = root / "app" / "main.py"
    uri = path
    res, edit = run(root, "AUTH_SYSTEM", uri)
    assert "JWT_SECRET" in res["message"]
    files = edit.texts()
    text = files[str(root / "app" / "auth.py")]
    assert error_count(text, "python") == 0
    ns: dict = {}
    os.environ["JWT_SECRET"] = "a" * 40
    os.environ["JWT_REFRESH_SECRET"] = "b" * 40
    try:
        exec(compile(text, "auth.py", "exec"), ns)
        tokens = ns["issue_tokens"]("42", "ann@example.com", ["admin"])
        claims = ns["verify_access"](tokens["access_token"])
        assert {k: claims[k] for k in ("sub", "email", "roles")} == {"sub": "42", "email": "ann@example.com", "roles": ["admin"]}
        assert claims["exp"] > claims["iat"]
        with pytest.raises(ns["AuthError"]):
            ns["verify_access"](tokens["refresh_token"])  # a refresh token is not an access token
        with pytest.raises(ns["AuthError"]):
            ns["verify_access"](jwt.encode({"sub": "1", "iat": 0, "exp": 9999999999, "type": "access"}, "", algorithm="none"))
        again = ns["refresh_access"](tokens["refresh_token"], lambda sub: ("ann@example.com", ["member"]))
        assert ns["verify_access"](again["access_token"])["roles"] == ["member"]
    finally:
        del os.environ["JWT_SECRET"], os.environ["JWT_REFRESH_SECRET"]


def test_endpoint_on_an_existing_nestjs_controller_says_it_cannot_add_routes(tmp_path):
    root = copy_project("shop", tmp_path)
    path = root / "src" / "users.controller.ts"
    path.parent.mkdir()
    path.write_text('import { Controller, Get } from "@nestjs/common";\n\n@Controller("users")\nexport class UsersController {\n  @Get()\n  list() {\n    return [];\n  }\n}\n')
    uri = path
    res, edit = run(root, "ENDPOINT", uri, at={"line": 0, "character": 0})
    assert "existing NestJS controller is not supported" in res["message"] and "CREATE TABLE" in res["message"], res
    assert edit is None


@pytest.mark.parametrize(
    "framework,app_file,language,app_text,mw_file,wired,needles",
    [
        (
            "fastify", "src/server.ts", "typescript",
            'import Fastify from "fastify";\n\nconst app = Fastify({\n  logger: false,\n});\n\napp.listen({ port: 3000 });\n',
            "src/middleware.ts",
            ['import { installMiddleware } from "./middleware";\n', "const app = Fastify({\n  logger: false,\n});\ninstallMiddleware(app);\n"],
            ['app.addHook("onRequest"', 'reply.header("X-Request-ID", requestId)', 'app.setErrorHandler(', 'code: "VALIDATION_ERROR"',
             '{ error: { code: ERROR_CODES[status] ?? (status >= 500 ? "INTERNAL" : "BAD_REQUEST"), message, details: [] } }',
             'filter((o) => o && o !== "*")', '"Access-Control-Allow-Credentials", "true"', 'log("info", "request", { request_id:', "app.setNotFoundHandler("],
        ),
        (
            "nestjs", "src/main.ts", "typescript",
            'import { NestFactory } from "@nestjs/core";\nimport { AppModule } from "./app.module";\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  await app.listen(3000);\n}\nbootstrap();\n',
            "src/middleware.ts",
            ['import { AppModule } from "./app.module";\nimport { installMiddleware } from "./middleware";\n', "  const app = await NestFactory.create(AppModule);\n  installMiddleware(app);\n  await app.listen(3000);"],
            ["@Catch()\nexport class ErrorFormatFilter implements ExceptionFilter", "app.useGlobalFilters(new ErrorFormatFilter());", "app.use(requestContext);",
             'res.status(500).json({ error: { code: "INTERNAL", message: "an unexpected error occurred", details: [] } });', '"VALIDATION_ERROR"',
             'res.setHeader("X-Request-ID", requestId);', 'filter((o) => o && o !== "*")', '"Access-Control-Allow-Credentials", "true"', 'log("info", "request", { request_id: requestId'],
        ),
        (
            "hono", "src/index.ts", "typescript",
            'import { Hono } from "hono";\n\nconst app = new Hono();\n\napp.get("/health", (c) => c.json({ ok: true }));\n\nexport default app;\n',
            "src/middleware.ts",
            ['import { Hono } from "hono";\nimport { installMiddleware } from "./middleware";\n', "const app = new Hono();\ninstallMiddleware(app);\n"],
            ['requestId({ headerName: "X-Request-ID" })', "app.onError((err, c) => {", "return { error: { code, message, details } };",
             'filter((o) => o !== "" && o !== "*")', "cors({ origin: allowed, credentials: true })", 'log("info", "request", {'],
        ),
        (
            "fiber", "main.go", "go",
            'package main\n\nimport "github.com/gofiber/fiber/v2"\n\nfunc main() {\n\tapp := fiber.New()\n\tapp.Listen(":3000")\n}\n',
            "middleware.go",
            ["\tapp := fiber.New()\n\tInstallMiddleware(app)\n"],
            ["package main", "func InstallMiddleware(app *fiber.App)", 'requestid.New(requestid.Config{Header: "X-Request-ID"})',
             'origins != "" && origins != "*"', "AllowCredentials: true", "slog.NewJSONHandler",
             'fiber.Map{"error": fiber.Map{"code": code, "message": message, "details": []fiber.Map{}}}'],
        ),
        (
            "echo", "main.go", "go",
            'package main\n\nimport "github.com/labstack/echo/v4"\n\nfunc main() {\n\te := echo.New()\n\te.Logger.Fatal(e.Start(":8080"))\n}\n',
            "middleware.go",
            ["\te := echo.New()\n\tInstallMiddleware(e)\n"],
            ["package main", "e.HTTPErrorHandler = func(err error, c echo.Context)", 'echo.Map{"error": echo.Map{"code": code, "message": message, "details": []echo.Map{}}}',
             "res.Header().Set(echo.HeaderXRequestID, id)", 'o != "" && o != "*"', '"Access-Control-Allow-Credentials", "true"',
             'logger.Info("request", "request_id", id', "e.Use(middleware.Recover())", "slog.NewJSONHandler"],
        ),
    ],
)
def test_middleware_is_written_and_wired_in_other_frameworks(tmp_path, framework, app_file, language, app_text, mw_file, wired, needles):
    root = tmp_path / "svc"
    path = root / app_file
    path.parent.mkdir(parents=True)
    path.write_text(app_text)
    uri = path
    res, edit = run(root, "MIDDLEWARE", uri)
    assert res["framework"] == framework, res
    files = edit.texts()
    assert set(files) == {str(path), str(root / mw_file)}
    app, mw = files[str(path)], files[str(root / mw_file)]
    for w in wired:
        assert w in app, w
    for n in needles:
        assert n in mw, n
    assert error_count(app, language) == 0 and error_count(mw, language) == 0


DJANGO_PROBE = textwrap.dedent(
    """
    import json, os
    os.environ["CORS_ORIGINS"] = "https://shop.example, *"
    os.environ["DJANGO_SETTINGS_MODULE"] = "djshop.settings"
    import django
    django.setup()
    from django.test import Client
    from djshop.middleware import allowed_origins
    c = Client(raise_request_exception=False)
    out = {"origins": allowed_origins()}
    for name, method, path, headers in [
        ("found", "get", "/users/1", {"HTTP_X_REQUEST_ID": "req-1", "HTTP_ORIGIN": "https://shop.example"}),
        ("missing", "get", "/users/2", {"HTTP_ORIGIN": "https://evil.example"}),
        ("invalid", "post", "/users", {}),
        ("crash", "get", "/crash", {}),
        ("no_route", "get", "/nowhere", {}),
        ("preflight", "options", "/users", {"HTTP_ORIGIN": "https://shop.example"}),
    ]:
        r = getattr(c, method)(path, **headers)
        out[name] = {"status": r.status_code, "rid": r.get("X-Request-ID"), "acao": r.get("Access-Control-Allow-Origin"),
                     "body": json.loads(r.content) if r.content else None}
    print(json.dumps(out))
    """
)


def test_middleware_is_written_and_listed_in_django_settings(tmp_path):
    root = copy_project("djshop", tmp_path)
    path = root / "djshop" / "settings.py"
    uri = path
    res, edit = run(root, "MIDDLEWARE", uri)
    assert res["framework"] == "django", res
    files = edit.texts()
    settings, mw = files[str(path)], files[str(root / "djshop" / "middleware.py")]
    assert 'MIDDLEWARE = [\n    "djshop.middleware.RequestContextMiddleware",\n    "django.middleware.common.CommonMiddleware",\n]' in settings
    assert error_count(settings, "python") == 0 and error_count(mw, "python") == 0
    assert "def process_exception(self, request, exc):" in mw and '"VALIDATION_ERROR"' in mw
    for p, text in files.items():
        Path(p).write_text(text)
    pytest.importorskip("django")
    proc = subprocess.run([sys.executable, "-c", DJANGO_PROBE], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    import json

    info = json.loads(proc.stdout.strip().splitlines()[-1])
    assert info["origins"] == ["https://shop.example"]
    assert info["found"] == {"status": 200, "rid": "req-1", "acao": "https://shop.example", "body": {"data": {"id": 1}}}
    assert info["missing"]["status"] == 404 and info["missing"]["acao"] is None
    assert info["missing"]["body"] == {"error": {"code": "NOT_FOUND", "message": "user 2 not found", "details": []}}
    assert info["invalid"]["status"] == 422
    assert info["invalid"]["body"]["error"]["details"] == [{"field": "email", "message": "is required"}]
    assert info["crash"]["status"] == 500 and info["crash"]["body"]["error"]["code"] == "INTERNAL"
    assert info["no_route"]["status"] == 404 and info["no_route"]["body"]["error"]["code"] == "NOT_FOUND"
    assert info["preflight"]["status"] == 204 and info["preflight"]["acao"] == "https://shop.example"
    assert '"request_id": "req-1"' in proc.stderr


def test_endpoint_adds_only_the_missing_routes_to_an_existing_fastify_file(tmp_path):
    root = copy_project("shop", tmp_path)
    for py in (root / "app").glob("*.py"):
        py.unlink()
    path = root / "src" / "server.ts"
    path.parent.mkdir()
    path.write_text(
        'import Fastify from "fastify";\n\nconst app = Fastify();\n\n'
        'app.get("/users/:id", async (request, reply) => {\n  return { data: null };\n});\n\napp.listen({ port: 3000 });\n'
    )
    uri = path
    res, edit = run(root, "ENDPOINT", uri, at={"line": 0, "character": 0})
    assert "list, create, replace, update, delete for /users (fastify)" in res["message"], res
    text = edit.texts()[str(path)]
    assert error_count(text, "typescript") == 0
    assert text.count('app.get("/users/:id"') == 1 and 'app.get<{ Params: UserParams }>("/users/:id"' not in text  # kept, not duplicated
    assert 'import Fastify from "fastify";\nimport type { FastifyReply } from "fastify";\n' in text
    # the app's Ajv coerces and strips unknown fields: the added routes validate with their own
    assert 'import Ajv from "ajv";\n' in text and text.count("validatorCompiler:") == text.count("schema: {")
    for needle in ('app.get<{ Querystring: UserListQuery }>("/users", { schema: { querystring: USER_LIST_QUERY }, validatorCompiler: ',
                   'app.post<{ Body: NewUser }>("/users", { schema: { body: USER_BODY }, validatorCompiler: ',
                   'app.put<', 'app.patch<', 'app.delete<{ Params: UserParams }>("/users/:id"', "reply.code(201)", "reply.code(204)",
                   "export function mountUsersRoutes(store: UserStore) {"):
        assert needle in text, needle
    assert "setErrorHandler" not in text  # the app's own error handler (see MIDDLEWARE) answers validation errors


DJANGO_ENDPOINT_PROBE = textwrap.dedent(
    """
    import json
    from django.conf import settings
    settings.configure(DEBUG=False, ALLOWED_HOSTS=["*"], ROOT_URLCONF="users_views", SECRET_KEY="test", DATABASES={}, INSTALLED_APPS=[])
    import django
    django.setup()
    from django.test import Client
    import users_views

    class Store:
        def __init__(self):
            self.rows = {}
        def find_by_id(self, id):
            return self.rows.get(id)
        def find_all(self, page, limit, sort, order):
            rows = sorted(self.rows.values(), key=lambda r: r[sort] or "", reverse=order == "desc")
            return rows[(page - 1) * limit : page * limit], len(rows)
        def create(self, **values):
            row = {"id": len(self.rows) + 1, "name": None, "role": "member", **values}
            self.rows[row["id"]] = row
            return row
        def update(self, id, **changes):
            if id not in self.rows:
                return None
            self.rows[id].update(changes)
            return self.rows[id]
        def delete(self, id):
            return self.rows.pop(id, None) is not None

    store = Store()
    users_views.get_users_store = lambda: store
    c = Client()
    out = {}
    def call(name, method, path, body=None):
        kw = {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
        r = getattr(c, method)(path, **kw)
        out[name] = {"status": r.status_code, "body": json.loads(r.content) if r.content else None}
    call("create", "post", "/users/", {"email": "a@b.c", "name": "Ann"})
    call("create2", "post", "/users/", {"email": "b@b.c"})
    call("invalid", "post", "/users/", {"name": "x" * 81, "nope": 1})
    call("list", "get", "/users/?page=1&limit=1&sort=email&order=desc")
    call("bad_list", "get", "/users/?limit=500&sort=password")
    call("get", "get", "/users/1/")
    call("patch", "patch", "/users/1/", {"name": "Anna"})
    call("put_invalid", "put", "/users/1/", {"name": "Anna"})
    call("delete", "delete", "/users/2/")
    call("missing", "get", "/users/2/")
    call("delete_missing", "delete", "/users/2/")
    print(json.dumps(out))
    """
)


def test_endpoint_django_views_serve_the_conventions(tmp_path):
    root = copy_project("djshop", tmp_path)
    (root / "db").mkdir()
    (root / "db" / "schema.sql").write_text((Path(__file__).parent.parent / "projects" / "shop" / "db" / "schema.sql").read_text())
    path = root / "db" / "schema.sql"
    res, edit = run(root, "ENDPOINT", path, at=position_of(path.read_text(), "users ("))
    assert res["framework"] == "django", res
    created = created_files(edit)
    out = root / "djshop" / "users_views.py"
    assert created == [str(out)]
    text = edit.texts()[created[0]]
    assert error_count(text, "python") == 0
    assert 'path("users/", users_collection, name="users")' in text
    assert 'path("users/<int:id>/", user_item, name="user")' in text
    assert "rest_framework" not in text and "SELECT" not in text
    assert 'path("", include("djshop.users_views"))' in text  # how to mount it, with the real module
    pytest.importorskip("django")
    out.write_text(text)
    proc = _import_generated(out, DJANGO_ENDPOINT_PROBE)
    assert proc.returncode == 0, proc.stderr
    import json

    info = json.loads(proc.stdout.strip().splitlines()[-1])
    # role is a sensitive column: filled by the table's default, never sent back
    assert info["create"] == {"status": 201, "body": {"data": {"id": 1, "email": "a@b.c", "name": "Ann"}}}
    assert info["invalid"]["status"] == 422
    err = info["invalid"]["body"]["error"]
    assert err["code"] == "VALIDATION_ERROR"
    assert sorted(d["field"] for d in err["details"]) == ["email", "name", "nope"]
    lst = info["list"]
    assert lst["status"] == 200
    assert [r["email"] for r in lst["body"]["data"]] == ["b@b.c"]
    assert lst["body"]["meta"] == {"page": 1, "limit": 1, "total": 2}
    links = lst["body"]["links"]
    assert links["prev"] is None and "page=2" in links["next"] and "page=1" in links["self"] and "sort=email" in links["self"]
    assert info["bad_list"]["status"] == 400
    assert sorted(d["field"] for d in info["bad_list"]["body"]["error"]["details"]) == ["limit", "sort"]
    assert info["get"]["body"]["data"]["email"] == "a@b.c"
    assert info["patch"]["status"] == 200 and info["patch"]["body"]["data"]["name"] == "Anna"
    assert info["put_invalid"]["status"] == 422  # PUT is a full replace: email is required
    assert info["delete"] == {"status": 204, "body": None}
    assert info["missing"] == {"status": 404, "body": {"error": {"code": "NOT_FOUND", "message": "user 2 not found", "details": []}}}
    assert info["delete_missing"]["status"] == 404


EXPRESS_TS_ROUTES = """\
import { Router, type Request, type Response } from "express";
import { db } from "../db";
import { hash } from "./crypto";

export const router = Router();

router.post("/users", async (req: Request, res: Response) => {
  const { email, password } = req.body;
  const normalized = String(email).trim().toLowerCase();
  const existing = await db.findByEmail(normalized);
  if (existing) {
    throw new Error("email taken");
  }
  const user = await db.create({ email: normalized, passwordHash: hash(password) });
  return res.status(201).json({ data: user });
});
"""

EXPRESS_JS_ROUTES = """\
const express = require("express");
const db = require("../db");

const router = express.Router();

router.delete("/users/:id", (req, res) => {
  const id = Number(req.params.id);
  const user = db.find(id);
  db.remove(id);
  db.log.push(`deleted ${user.email}`);
  res.status(204).end();
});

module.exports = router;
"""


def test_service_extracts_an_express_typescript_handler(tmp_path):
    root = tmp_path / "api"
    (root / "src" / "routes").mkdir(parents=True)
    path = root / "src" / "routes" / "users.ts"
    path.write_text(EXPRESS_TS_ROUTES)
    uri = path
    res, edit = run(root, "SERVICE", uri, at=position_of(EXPRESS_TS_ROUTES, "existing ="))
    files = edit.texts()
    services = root / "src" / "services" / "usersService.ts"
    assert set(files) == {str(path), str(services)}, res
    handler, service = files[str(path)], files[str(services)]
    assert error_count(handler, "typescript") == 0 and error_count(service, "typescript") == 0
    assert 'import * as usersService from "../services/usersService";' in handler
    assert "const { email, password } = req.body;" in handler  # reading the request stays
    assert "return res.status(201).json({ data: await usersService.createUser(email, password) });" in handler
    assert "db.findByEmail" not in handler and "hash(" not in handler
    assert "export async function createUser(email: any, password: any) {" in service
    assert 'import { db } from "../db";' in service and 'import { hash } from "../routes/crypto";' in service
    assert "  const existing = await db.findByEmail(normalized);" in service and "  return user;\n}" in service
    assert "req" not in service and "res." not in service
    assert res["services_text"] == service and res["handler_text"] == handler


def test_service_extracts_an_express_javascript_handler_and_it_runs(tmp_path):
    root = tmp_path / "api"
    (root / "routes").mkdir(parents=True)
    path = root / "routes" / "users.js"
    path.write_text(EXPRESS_JS_ROUTES)
    services = root / "services" / "usersService.js"
    services.parent.mkdir()
    existing = 'const db = require("../db");\n\nasync function ping() {\n  return db.log.length;\n}\n\nmodule.exports.ping = ping;\n'
    services.write_text(existing)
    uri = path
    res, edit = run(root, "SERVICE", uri, at=position_of(EXPRESS_JS_ROUTES, "db.remove"))
    files = edit.texts()
    assert set(files) == {str(path), str(services)}, res
    handler, service = files[str(path)], files[str(services)]
    assert error_count(handler, "javascript") == 0 and error_count(service, "javascript") == 0
    assert service.startswith(existing)  # appended to, the require not duplicated
    assert service.count('require("../db")') == 1
    assert "async function deleteUser(id) {" in service and "module.exports.deleteUser = deleteUser;" in service
    assert 'const usersService = require("../services/usersService");' in handler
    assert 'router.delete("/users/:id", async (req, res) => {' in handler
    assert "  await usersService.deleteUser(id);\n  res.status(204).end();" in handler
    for p, text in files.items():
        Path(p).write_text(text)
    # run it with node: a stand-in express records the route; the handler calls the service
    (root / "node_modules" / "express").mkdir(parents=True)
    (root / "node_modules" / "express" / "index.js").write_text(
        "function Router() { const routes = {}; const r = { routes };\n"
        "  for (const m of ['get', 'post', 'put', 'patch', 'delete']) r[m] = (p, h) => { routes[m + ' ' + p] = h; };\n"
        "  return r; }\nmodule.exports = Object.assign(() => ({}), { Router });\n"
    )
    (root / "db.js").write_text(
        "const rows = new Map([[7, { id: 7, email: 'a@b.c' }]]);\n"
        "module.exports = { log: [], find: (id) => rows.get(id), remove: (id) => rows.delete(id), rows };\n"
    )
    probe = (
        "const router = require('./routes/users'); const db = require('./db');\n"
        "const res = { code: 0, status(c) { this.code = c; return this; }, end() { this.ended = true; } };\n"
        "router.routes['delete /users/:id']({ params: { id: '7' } }, res).then(() => {\n"
        "  console.log(JSON.stringify({ code: res.code, ended: res.ended, log: db.log, left: db.rows.size }));\n"
        "});\n"
    )
    import json
    import shutil

    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    proc = subprocess.run(["node", "-e", probe], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"code": 204, "ended": True, "log": ["deleted a@b.c"], "left": 0}


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_service_follows_the_documents_own_line_breaks(tmp_path, newline):
    """Tree-sitter counts rows by \\n only; the moved lines are found by the document's
    own line breaks, so a file with lone \\r (or CRLF) gives the same result as with \\n."""
    results = {}
    for i, nl in enumerate(("\n", newline)):
        root = tmp_path / f"api{i}"
        (root / "routes").mkdir(parents=True)
        path = root / "routes" / "users.js"
        text = EXPRESS_JS_ROUTES.replace("\n", nl)
        path.write_bytes(text.encode())
        doc = Document(text)
        line, col = doc.offset_to_position(doc.offset_of_char(text.index("db.remove")))
        res, edit = run(root, "SERVICE", path, at={"line": line, "character": col})
        assert edit is not None, res
        texts = edit.texts()
        assert error_count(texts[str(path)], "javascript") == 0
        results[nl] = {
            os.path.relpath(p, root): t.replace("\r\n", "\n").replace("\r", "\n")
            for p, t in texts.items()
        }
    assert results["\n"] == results[newline]
    assert "  await usersService.deleteUser(id);\n  res.status(204).end();" in results[newline][
        os.path.join("routes", "users.js")
    ]
