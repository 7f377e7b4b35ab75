"""The TypeScript generators working together on a real stack (Express 4 and 5, Fastify, NestJS).

A fresh project per framework: the migration applied to a real PostgreSQL
(``scratch_postgres``), REPOSITORY and ENDPOINT on every table, then MIDDLEWARE and
AUTH_SYSTEM on the app, all through ``backend-architect generate``. The only hand-written
code is the wiring a user writes (pool, repositories, which routes need which role).
``tsc --strict`` compiles it, node runs it, and it is driven over HTTP through the shared
scenario; ``check`` finds nothing in the generated code.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from .http_scenario import REFRESH_SECRET, SECRET, Http, exercise
from .test_python_stack import SCHEMA, TABLES, check_findings, generate
from .toolchains import Server, free_port, node_modules, run

PATHS = {
    "users": "/users",
    "products": "/products",
    "orders": "/orders",
    "order_items": "/order-items",
}
PACKAGES = {
    "express4": {"express": "^4.19.0", "@types/express": "^4.17.0"},
    "express5": {"express": "^5.0.0", "@types/express": "^5.0.0"},
    "fastify": {"fastify": "^4.26.0"},
    "nestjs": {
        "@nestjs/common": "^10.4.0",
        "@nestjs/core": "^10.4.0",
        "@nestjs/platform-express": "^10.4.0",
        "class-transformer": "^0.5.1",
        "class-validator": "^0.14.0",
        "reflect-metadata": "^0.2.0",
        "rxjs": "^7.8.0",
    },
}
# the same app validating with zod: a NestJS project that has zod and not class-validator
PACKAGES["nestjs_zod"] = {
    **{
        k: v
        for k, v in PACKAGES["nestjs"].items()
        if k not in ("class-validator", "class-transformer")
    },
    "zod": "^3.22.0",
}
FRAMEWORK = {
    "express4": "express",
    "express5": "express",
    "fastify": "fastify",
    "nestjs": "nestjs",
    "nestjs_zod": "nestjs",
}
MODULES = {"nestjs_zod": "nestjs"}  # the toolchain prefix a profile compiles with
TSCONFIG = {
    "compilerOptions": {
        "target": "es2022",
        "module": "commonjs",
        "strict": True,
        "esModuleInterop": True,
        "skipLibCheck": True,
        "noEmitOnError": True,
        "rootDir": "src",
        "outDir": "dist",
    },
    "include": ["src"],
}


def pascal(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def camel(name: str) -> str:
    p = pascal(name)
    return p[0].lower() + p[1:]


def express_app() -> str:
    """The user's app: the pool, a repository per table as the store of its router, roles."""
    imports = [
        'import express from "express";',
        'import { Pool } from "pg";',
        'import { requireAuth } from "./auth";',
    ]
    mounts = []
    for t in TABLES:
        imports.append(f'import {{ {camel(t)}Router }} from "./routes/{camel(t)}";')
        imports.append(
            f'import {{ {pascal(t)}Repository }} from "./repositories/{camel(t)}Repository";'
        )
        guard = 'requireAuth("admin")' if t == "users" else "requireAuth()"
        mounts.append(
            f'app.use("{PATHS[t]}", {guard}, {camel(t)}Router(new {pascal(t)}Repository(pool)));'
        )
    return "\n".join(
        [
            *imports,
            "",
            "const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10, idleTimeoutMillis: 30000, connectionTimeoutMillis: 5000 });",
            "const app = express();",
            "app.use(express.json());",
            *mounts,
            "",
            'app.listen(Number(process.env.PORT), "127.0.0.1");',
            "",
        ]
    )


def fastify_app() -> str:
    """The user's app: each resource's plugin under its prefix, in a scope that checks tokens."""
    imports = [
        'import Fastify from "fastify";',
        'import { Pool } from "pg";',
        'import { requireAuth } from "./auth";',
    ]
    mounts = []
    for t in TABLES:
        imports.append(f'import {{ {camel(t)}Routes }} from "./routes/{camel(t)}";')
        imports.append(
            f'import {{ {pascal(t)}Repository }} from "./repositories/{camel(t)}Repository";'
        )
        guard = 'requireAuth("admin")' if t == "users" else "requireAuth()"
        mounts += [
            "app.register(async (scope) => {",
            f'  scope.addHook("onRequest", {guard});',
            f'  await scope.register({camel(t)}Routes(new {pascal(t)}Repository(pool)), {{ prefix: "{PATHS[t]}" }});',
            "});",
        ]
    return "\n".join(
        [
            *imports,
            "",
            "const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10, idleTimeoutMillis: 30000, connectionTimeoutMillis: 5000 });",
            "const app = Fastify();",
            *mounts,
            "",
            'app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });',
            "",
        ]
    )


def nest_app() -> str:
    """The user's app: a module with each controller and its repository under the store
    token, the auth guard for every route, the admin role for the users controller."""
    imports = [
        'import "reflect-metadata";',
        'import { Module } from "@nestjs/common";',
        'import { APP_GUARD, NestFactory } from "@nestjs/core";',
        'import { Pool } from "pg";',
        'import { AuthGuard, Roles } from "./auth";',
    ]
    controllers, providers = [], []
    for t in TABLES:
        folder = t.replace("_", "-")
        store = f"{t[:-1].upper()}_STORE"  # the singular: users -> USER_STORE
        imports.append(
            f'import {{ {pascal(t)}Controller, {store} }} from "./{folder}/{folder}.controller";'
        )
        imports.append(
            f'import {{ {pascal(t)}Repository }} from "./repositories/{camel(t)}Repository";'
        )
        controllers.append(f"{pascal(t)}Controller")
        providers.append(f"    {{ provide: {store}, useValue: new {pascal(t)}Repository(pool) }},")
    return "\n".join(
        [
            *imports,
            "",
            "const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10, idleTimeoutMillis: 30000, connectionTimeoutMillis: 5000 });",
            "",
            "// managing people takes the admin role",
            'Roles("admin")(UsersController);',
            "",
            "@Module({",
            f"  controllers: [{', '.join(controllers)}],",
            "  providers: [",
            "    { provide: APP_GUARD, useClass: AuthGuard },",
            *providers,
            "  ],",
            "})",
            "class AppModule {}",
            "",
            "async function main() {",
            '  const app = await NestFactory.create(AppModule, { logger: ["error", "warn"] });',
            '  await app.listen(Number(process.env.PORT), "127.0.0.1");',
            "}",
            "",
            "main().catch((err) => {",
            "  console.error(err);",
            "  process.exit(1);",
            "});",
            "",
        ]
    )


def make_project(root: Path, profile: str) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "migrations").mkdir()
    deps = {"pg": "^8.11.0", "jsonwebtoken": "^9.0.0", **PACKAGES[profile]}
    (root / "package.json").write_text(
        json.dumps({"name": "shop", "private": True, "dependencies": deps}, indent=2)
    )
    tsconfig = TSCONFIG
    if FRAMEWORK[profile] == "nestjs":
        options = {
            **TSCONFIG["compilerOptions"],
            "experimentalDecorators": True,
            "emitDecoratorMetadata": True,
        }
        tsconfig = {**TSCONFIG, "compilerOptions": options}
    (root / "tsconfig.json").write_text(json.dumps(tsconfig, indent=2))
    schema = root / "migrations" / "0001_init.sql"
    schema.write_text(SCHEMA["postgres"].lstrip())
    for t in TABLES:
        generate(root, "repository", schema, "--table", t)
        generate(root, "endpoint", schema, "--table", t, "--framework", FRAMEWORK[profile])
    app = root / "src" / "app.ts"
    app.write_text(
        {"fastify": fastify_app, "nestjs": nest_app}.get(FRAMEWORK[profile], express_app)()
    )
    generate(root, "middleware", app)
    generate(root, "auth_system", app)
    return app


@pytest.mark.parametrize("profile", ["express4", "express5", "fastify", "nestjs", "nestjs_zod"])
def test_generated_ts_stack_runs(profile, tmp_path, request):
    mods = node_modules(MODULES.get(profile, profile))
    scratch = request.getfixturevalue("scratch_postgres")
    root = tmp_path / "shop"
    make_project(root, profile)
    (root / "node_modules").symlink_to(mods, target_is_directory=True)
    run(["node", str(mods / ".bin" / "tsc"), "--strict", "--noEmit", "-p", "."], root)
    run(["node", str(mods / ".bin" / "tsc"), "-p", "."], root)

    import psycopg

    dsn = scratch.create_database(f"shop_{uuid.uuid4().hex[:10]}")
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(SCHEMA["postgres"])
    port = free_port()
    url = f"postgres://postgres@127.0.0.1:{scratch.port}/{dsn.rsplit('dbname=', 1)[1]}"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        PORT=str(port),
        JWT_SECRET=SECRET,
        JWT_REFRESH_SECRET=REFRESH_SECRET,
    )
    server = Server(["node", "dist/app.js"], root, env, port, tmp_path / "server.log")
    try:
        exercise(Http(f"http://127.0.0.1:{port}"), conn, PATHS)
        assert server.alive(), server.output()
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- server output ---\n{server.output()}") from None
    finally:
        server.stop()
        conn.close()
    (root / "node_modules").unlink()
    findings = check_findings(root)
    assert findings == [], json.dumps(findings, indent=1)[:3000]


EXISTING_FASTIFY_APP = """\
import Fastify from "fastify";

export const app = Fastify();

app.get("/products", async () => ({ data: [] }));
"""

IN_MEMORY_WIRING = """
const rows = new Map<number, Product>();
let nextId = 1;
const memory: ProductStore = {
  async findById(id) { return rows.get(id) ?? null; },
  async findAll() { return { rows: [...rows.values()], total: rows.size }; },
  async create(input) { const now = new Date(); const row: Product = { id: nextId++, price_cents: 0, tags: null, created_at: now, updated_at: now, ...input }; rows.set(row.id, row); return row; },
  async update(id, changes) { const row = rows.get(id); if (!row) return null; const out = { ...row, ...changes }; rows.set(id, out); return out; },
  async delete(id) { return rows.delete(id); },
};
mountProductsRoutes(memory);
app.listen({ port: Number(process.env.PORT), host: "127.0.0.1" });
"""


def test_fastify_routes_added_to_an_existing_app_check_bodies_as_sent(tmp_path):
    """ENDPOINT run on a file whose Fastify instance the user made (Fastify's default Ajv
    coerces "5" to 5 and drops unknown fields): the routes it adds bring their own validator."""
    mods = node_modules("fastify")
    root = tmp_path / "shop"
    (root / "src").mkdir(parents=True)
    (root / "migrations").mkdir()
    (root / "package.json").write_text(json.dumps({"name": "shop", "private": True, "dependencies": PACKAGES["fastify"]}))
    (root / "tsconfig.json").write_text(json.dumps(TSCONFIG, indent=2))
    (root / "migrations" / "0001_init.sql").write_text(SCHEMA["postgres"].lstrip())
    app = root / "src" / "app.ts"
    app.write_text(EXISTING_FASTIFY_APP)
    message = generate(root, "endpoint", app)
    assert "create, replace, update, delete for /products" in message, message
    app.write_text(app.read_text() + IN_MEMORY_WIRING)
    (root / "node_modules").symlink_to(mods, target_is_directory=True)
    run(["node", str(mods / ".bin" / "tsc"), "--strict", "-p", "."], root)
    port = free_port()
    server = Server(["node", "dist/app.js"], root, dict(os.environ, PORT=str(port)), port, tmp_path / "server.log")
    try:
        call = Http(f"http://127.0.0.1:{port}")
        status, _, body = call("POST", "/products", {"sku": "A-1", "name": "Anvil", "price_cents": "5"})
        assert status == 400, body  # not coerced to 5
        status, _, body = call("POST", "/products", {"sku": "A-1", "name": "Anvil", "colour": "red"})
        assert status == 400 and "additional" in body["message"], body  # not dropped silently
        status, _, body = call("POST", "/products", {"sku": "A-1", "name": "Anvil", "price_cents": 5})
        assert status == 201 and body["data"]["price_cents"] == 5, body
        pid = body["data"]["id"]
        status, _, body = call("GET", f"/products/{pid}")  # path parameters still coerced from text
        assert status == 200 and body["data"]["sku"] == "A-1", body
        status, _, body = call("PUT", f"/products/{pid}", {"sku": "A-1", "name": "Anvil II"})
        assert status == 400, body  # a replacement sends every field
        full = {"sku": "A-1", "name": "Anvil II", "price_cents": 7, "tags": None}
        status, _, body = call("PUT", f"/products/{pid}", full)
        assert status == 200 and body["data"]["name"] == "Anvil II" and body["data"]["tags"] is None, body
        status, _, body = call("PATCH", f"/products/{pid}", {"price_cents": "9"})
        assert status == 400, body
        status, _, body = call("PATCH", f"/products/{pid}", {"price_cents": 9})
        assert status == 200 and body["data"]["price_cents"] == 9 and body["data"]["name"] == "Anvil II", body
        assert server.alive(), server.output()
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- server output ---\n{server.output()}") from None
    finally:
        server.stop()
        (root / "node_modules").unlink()


HONO_CHECKS = """
const ctx: Context = { json: (body: unknown, status: number) => ({ body, status }) };
const answer = (schema: z.ZodTypeAny, body: unknown) => invalid(schema.safeParse(body), ctx) ?? "ok";
console.log(JSON.stringify({
  createExtra: answer(productSchema, { sku: "A-1", name: "Anvil", colour: "red" }),
  createId: answer(productSchema, { id: 5, sku: "A-1", name: "Anvil" }),
  create: answer(productSchema, { sku: "A-1", name: "Anvil" }),
  replaceExtra: answer(productSchema.required(), { sku: "A-1", name: "Anvil", price_cents: 1, tags: null, colour: "red" }),
  replacePartial: answer(productSchema.required(), { sku: "A-1", name: "Anvil" }),
  replace: answer(productSchema.required(), { sku: "A-1", name: "Anvil", price_cents: 1, tags: null }),
  patchExtra: answer(productSchema.partial(), { colour: "red" }),
  patch: answer(productSchema.partial(), { tags: null }),
}));
"""


def test_hono_body_schemas_refuse_unknown_fields(tmp_path):
    """Hono's generated zod schemas are strict (an unknown or server-filled field is a 422
    naming it, as in the other frameworks), also as PUT's ``.required()`` and PATCH's
    ``.partial()``. Hono itself is not installed: the schemas and the 422 answer are compiled
    with ``tsc --strict`` and run against zod."""
    mods = node_modules("express4")  # zod is in every profile
    root = tmp_path / "shop"
    (root / "src").mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"name": "shop", "private": True, "dependencies": {"hono": "^4", "zod": "^3"}}))
    (root / "src" / "index.ts").write_text('import { Hono } from "hono";\n\nconst app = new Hono();\n\nexport default app;\n')
    (root / "schema.sql").write_text(SCHEMA["postgres"].lstrip())
    text = SCHEMA["postgres"].lstrip()
    line = text[: text.index("CREATE TABLE products")].count("\n") + 1
    generate(root, "endpoint", root / "schema.sql", "--line", str(line), "--framework", "hono")
    routes = (root / "src" / "routes" / "products.ts").read_text()
    start = routes.index("export const productSchema")
    end = routes.index("export function productsRoutes")
    (root / "check.ts").write_text(
        'import { z } from "zod";\n'
        "type Context = { json(body: unknown, status: number): unknown };\n"
        + routes[start:end]
        + HONO_CHECKS
    )
    (root / "node_modules").symlink_to(mods, target_is_directory=True)
    try:
        run(["node", str(mods / ".bin" / "tsc"), "--strict", "--target", "es2022", "--module", "commonjs", "check.ts"], root)
        got = json.loads(run(["node", "check.js"], root))
    finally:
        (root / "node_modules").unlink()
    unknown = {"field": "colour", "message": "is not a field that can be set"}
    for case in ("createExtra", "replaceExtra", "patchExtra"):
        assert got[case]["status"] == 422 and unknown in got[case]["body"]["error"]["details"], (case, got[case])
    assert {"field": "id", "message": "is not a field that can be set"} in got["createId"]["body"]["error"]["details"]
    fields = {d["field"] for d in got["replacePartial"]["body"]["error"]["details"]}
    assert got["replacePartial"]["status"] == 422 and fields == {"price_cents", "tags"}, got["replacePartial"]
    assert got["create"] == got["replace"] == got["patch"] == "ok", got
