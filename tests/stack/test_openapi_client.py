"""DESIGN_API's document is worth generating a client from.

For generated stacks (FastAPI, Express, Gin) and one hand-written project per language
(FastAPI + Pydantic, Express + zod, NestJS + DTO classes, Gin + structs): ``backend-architect openapi`` writes the
document, openapi-spec-validator accepts it, ``openapi-typescript`` turns it into TypeScript
and a small file that uses the generated ``paths`` types compiles with ``tsc --strict``. The
usage files read model fields from responses and build request bodies, and carry
``@ts-expect-error`` lines that only compile when the types are precise (a missing required
field, a wrong field type, a field that is never returned): an untyped document fails them.

The npm packages come from ``scripts/install-stack-toolchains.sh`` (profile ``openapi``);
without them the test skips, except under ``CI=true``.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from backend_architect.cli import main as cli_main

from . import test_go_stack, test_python_stack, test_ts_stack
from .toolchains import missing, node_modules, run

PROJECTS = Path(__file__).resolve().parents[1] / "projects" / "openapi"

PRELUDE = """\
import type { paths } from "./schema";
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
"""

# one usage for every generated stack: they serve the same tables the same way
GENERATED_USAGE = """\
type User = Json<paths["/users/{id}"]["get"]["responses"][200]>["data"];
declare const user: User;
const id: number = user.id;
const email: string = user.email;
// @ts-expect-error the password hash is never returned
user.password_hash;
type NewUser = Json<paths["/users"]["post"]["requestBody"]>;
const create: NewUser = { email: "a@example.com", name: "A", password: "correct horse" };
// @ts-expect-error the role is not client input
const withRole: NewUser = { email: "a@example.com", name: "A", password: "x", role: "admin" };
// @ts-expect-error the email is required
const noEmail: NewUser = { name: "A", password: "correct horse" };
type ProductPage = Json<paths["/products"]["get"]["responses"][200]>;
declare const page: ProductPage;
const tags: string[] | null | undefined = page.data[0].tags;
const total: number | undefined = page.meta.total;
type ProductPatch = Json<paths["/products/{id}"]["patch"]["requestBody"]>;
const patch: ProductPatch = { price_cents: 0 };
// @ts-expect-error the price is a number
const badPatch: ProductPatch = { price_cents: "12" };
const clearTags: ProductPatch = { tags: null };
type ProductReplace = Json<paths["/products/{id}"]["put"]["requestBody"]>;
const replace: ProductReplace = { sku: "A-1", name: "Anvil", price_cents: 0, tags: null };
// @ts-expect-error PUT replaces: the price (which has a default on create) must be sent
const noPrice: ProductReplace = { sku: "A-1", name: "Anvil", tags: null };
// @ts-expect-error PUT replaces: a nullable field is sent too (null clears it)
const noTags: ProductReplace = { sku: "A-1", name: "Anvil", price_cents: 0 };
// @ts-expect-error the SKU is not nullable
const nullSku: ProductReplace = { sku: null, name: "Anvil", price_cents: 0, tags: null };
type UserReplace = Json<paths["/users/{id}"]["put"]["requestBody"]>;
const keepPassword: UserReplace = { email: "a@example.com", name: "A" };
type Conflict = Json<paths["/users"]["post"]["responses"][409]>;
declare const conflict: Conflict;
const code: string = conflict.error.code;
export { id, email, create, withRole, noEmail, tags, total, patch, badPatch, clearTags, code };
export { replace, noPrice, noTags, nullSku, keepPassword };
"""

FIXTURE_USAGE = {
    "fastapi_shop": """\
type User = Json<paths["/api/users/{user_id}"]["get"]["responses"][200]>;
declare const user: User;
const id: number = user.id;
const email: string = user.email;
const city: string | undefined = user.address?.city;
const status: "active" | "disabled" = user.status;
const created: string = user.created_at;
type Users = Json<paths["/api/users"]["get"]["responses"][200]>;
declare const users: Users;
const first: string = users[0].name;
type NewUser = Json<paths["/api/users"]["post"]["requestBody"]>;
const create: NewUser = { email: "a@example.com", name: "A", password: "correct horse" };
// @ts-expect-error the password is required
const noPassword: NewUser = { email: "a@example.com", name: "A" };
type Changes = Json<paths["/api/users/{user_id}"]["patch"]["requestBody"]>;
const changes: Changes = { status: "disabled" };
// @ts-expect-error not a status
const badChanges: Changes = { status: "gone" };
type Missing = Json<paths["/api/users/{user_id}"]["get"]["responses"][404]>;
declare const missing: Missing;
const message: string = missing.error.message;
type Forbidden = paths["/api/users"]["post"]["responses"][403];
export type { Forbidden };
export { id, email, city, status, created, first, create, noPassword, changes, badChanges, message };
""",
    "express_shop": """\
type User = Json<paths["/api/users/{id}"]["get"]["responses"][200]>;
declare const user: User;
const id: number = user.id;
const age: number | null = user.age;
const createdAt: string = user.createdAt;
const status: "active" | "disabled" = user.status;
type NewUser = Json<paths["/api/users"]["post"]["requestBody"]>;
const create: NewUser = { email: "a@example.com", name: "A", address: { street: "S", city: "C" } };
// @ts-expect-error the age is a number
const badAge: NewUser = { email: "a@example.com", name: "A", age: "3" };
// @ts-expect-error the name is required
const noName: NewUser = { email: "a@example.com" };
type Created = Json<paths["/api/users"]["post"]["responses"][201]>;
declare const created: Created;
const tags: string[] = created.tags;
type Conflict = Json<paths["/api/users"]["post"]["responses"][409]>;
declare const conflict: Conflict;
const code: string = conflict.error.code;
export { id, age, createdAt, status, create, badAge, noName, tags, code };
""",
    "nest_shop": """\
type User = Json<paths["/api/users/{id}"]["get"]["responses"][200]>;
declare const user: User;
const id: number = user.id;
const age: number | null = user.age;
const role: "admin" | "member" = user.roles[0];
type NewUser = Json<paths["/api/users"]["post"]["requestBody"]>;
const create: NewUser = { email: "a@example.com", name: "A" };
// @ts-expect-error the name is required (no @IsOptional)
const noName: NewUser = { email: "a@example.com" };
// @ts-expect-error the age is a number
const badAge: NewUser = { email: "a@example.com", name: "A", age: "3" };
type Invalid = Json<paths["/api/users"]["post"]["responses"][400]>;
declare const invalid: Invalid;
const code: string = invalid.error.code;
export { id, age, role, create, noName, badAge, code };
""",
    "gin_shop": """\
type Got = Json<paths["/api/users/{id}"]["get"]["responses"][200]>;
declare const got: Got;
const name: string = got.data.name;
const createdAt: string = got.data.created_at;
const street: string | undefined = got.data.address?.street;
// @ts-expect-error the password is never serialised (json:"-")
got.data.Password;
type NewUser = Json<paths["/api/users"]["post"]["requestBody"]>;
const create: NewUser = { email: "a@example.com", name: "A", password: "correct horse" };
// @ts-expect-error the password is required (binding:"required")
const noPassword: NewUser = { email: "a@example.com", name: "A" };
type Created = Json<paths["/api/users"]["post"]["responses"][201]>;
declare const created: Created;
const id: number = created.data.id;
type Invalid = Json<paths["/api/users"]["post"]["responses"][422]>;
declare const invalid: Invalid;
const code: string = invalid.error.code;
export { name, createdAt, street, create, noPassword, id, code };
""",
}


def openapi_of(root: Path) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli_main(["openapi", str(root), "--format", "json"]) == 0
    spec = json.loads(out.getvalue())
    validate(spec)
    return spec


def compiles_as_client(spec: dict, usage: str, work: Path) -> None:
    """openapi-typescript makes ``schema.d.ts`` of ``spec``; ``usage`` compiles against it."""
    mods = node_modules("openapi")
    generator = mods / ".bin" / "openapi-typescript"
    if not generator.exists():
        missing(f"openapi-typescript is not installed in {mods}")
    work.mkdir(parents=True, exist_ok=True)
    (work / "openapi.json").write_text(json.dumps(spec, indent=1))
    run([str(generator), "openapi.json", "-o", "schema.d.ts"], cwd=work)
    (work / "usage.ts").write_text(PRELUDE + usage)
    run(
        [
            str(mods / ".bin" / "tsc"),
            "--strict",
            "--noEmit",
            "--target",
            "es2022",
            "--module",
            "commonjs",
            "usage.ts",
        ],
        cwd=work,
    )


def make_generated(kind: str, root: Path) -> None:
    if kind == "fastapi":
        test_python_stack.make_project(root, "fastapi", "postgres")
        # the user's wiring: the generated routers included in the app
        app = root / "app.py"
        app.write_text(
            app.read_text()
            + "".join(
                f"from routes.{t} import router as {t}_router\napp.include_router({t}_router)\n"
                for t in test_python_stack.TABLES
            )
        )
    else:
        root.mkdir(parents=True)
        if kind == "express":
            test_ts_stack.make_project(root, "express4")
        else:
            test_go_stack.make_project(root, "gin")


@pytest.mark.parametrize("kind", ["fastapi", "express", "gin"])
def test_client_from_a_generated_stack_compiles(kind, tmp_path):
    root = tmp_path / "shop"
    make_generated(kind, root)
    spec = openapi_of(root)
    ops = {(m, p) for p, item in spec["paths"].items() for m in item}
    assert {("get", "/users"), ("post", "/users"), ("get", "/order-items/{id}")} <= ops, ops
    for path, item in spec["paths"].items():
        for method, op in item.items():
            success = [c for c in op["responses"] if c.startswith("2")]
            assert success, f"{method} {path} has no success response"
            for code, resp in op["responses"].items():
                if code >= "400":
                    assert resp["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }
    if kind == "express":  # the generated app mounts every router behind a guard
        assert {"401", "403"} <= set(spec["paths"]["/users/{id}"]["get"]["responses"])
    compiles_as_client(spec, GENERATED_USAGE, tmp_path / "client")


@pytest.mark.parametrize("project", sorted(FIXTURE_USAGE))
def test_client_from_a_hand_written_project_compiles(project, tmp_path):
    spec = openapi_of(PROJECTS / project)
    paths = spec["paths"]
    # mounted in another file or function under /api
    assert all(p.startswith("/api/users") for p in paths), sorted(paths)
    create = paths["/api/users"]["post"]
    invalid = "400" if project == "nest_shop" else "422"  # NestJS's ValidationPipe: 400
    assert {"201", "409", invalid} <= set(create["responses"])
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[-1] in spec["components"]["schemas"]
    item = next(v for k, v in paths.items() if k.startswith("/api/users/{"))
    assert "404" in item["get"]["responses"] and "204" in item["delete"]["responses"]
    compiles_as_client(spec, FIXTURE_USAGE[project], tmp_path / "client")


def test_the_usage_checks_fail_on_an_untyped_document(tmp_path):
    """The @ts-expect-error lines make the check real: bodies typed as any object fail it."""
    from backend_architect.commands.openapi import ANY_OBJECT

    spec = openapi_of(PROJECTS / "express_shop")
    for item in spec["paths"].values():
        for op in item.values():
            if "requestBody" in op:
                op["requestBody"]["content"]["application/json"]["schema"] = ANY_OBJECT
    with pytest.raises(AssertionError, match="Unused '@ts-expect-error'"):
        compiles_as_client(spec, FIXTURE_USAGE["express_shop"], tmp_path / "client")


def test_the_put_checks_fail_when_put_takes_the_create_schema(tmp_path):
    """The PUT lines are real: a PUT documented with the create schema (only the fields
    without a default required) leaves their @ts-expect-error unused."""
    root = tmp_path / "shop"
    make_generated("gin", root)
    spec = openapi_of(root)
    for path, item in spec["paths"].items():
        if "put" in item:
            body = item["put"]["requestBody"]["content"]["application/json"]
            body["schema"] = {"$ref": body["schema"]["$ref"].replace("Replace", "Input")}
    with pytest.raises(AssertionError, match="Unused '@ts-expect-error'"):
        compiles_as_client(spec, GENERATED_USAGE, tmp_path / "client")
