"""NestJS ENDPOINT and AUTH_SYSTEM as pure functions: the controller follows the resource
model (the repository's store interface, what a client may send and read), validates the
way the project does (class-validator DTOs, or zod), and answers in the error format.
``tests/stack/test_ts_stack.py`` compiles and runs the same output against PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

from backend_architect.core.languages import error_count

from .pure import created_files, run

SCHEMA = """\
CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  nickname varchar(40),
  password_hash text NOT NULL,
  api_token text,
  role text NOT NULL DEFAULT 'member',
  tags text[],
  settings jsonb NOT NULL DEFAULT '{}',
  score integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
"""
MAIN = """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  await app.listen(3000);
}
bootstrap();
"""
NEST = {"@nestjs/common": "^10.4.0", "@nestjs/core": "^10.4.0", "pg": "^8.11.0"}
CLASS_VALIDATOR = {"class-validator": "^0.14.0", "class-transformer": "^0.5.1"}


def project(tmp_path: Path, deps: dict, main: str = "src/main.ts") -> Path:
    root = tmp_path / "shop"
    (root / "db").mkdir(parents=True)
    (root / "db" / "schema.sql").write_text(SCHEMA)
    (root / "package.json").write_text(json.dumps({"name": "shop", "dependencies": deps}))
    (root / main).parent.mkdir(parents=True, exist_ok=True)
    (root / main).write_text(MAIN)
    return root


def generate(root: Path, name: str) -> tuple[str, str]:
    """(path, text) of the file ``name`` writes from the accounts table."""
    res, edit = run(root, name, root / "db" / "schema.sql", table="accounts")
    assert edit is not None, res
    (path,) = created_files(edit)
    return path, edit.texts()[path]


def block(text: str, head: str) -> str:
    """The body of the ``{ ... }`` block that follows ``head`` (one level deep)."""
    start = text.index(head) + len(head)
    return text[start : text.index("\n}", start)]


def properties(cls_body: str) -> set[str]:
    return set(re.findall(r"^  (\w+)[?!]?: ", cls_body, re.M))


def test_controller_takes_the_repositorys_store_and_only_client_fields(tmp_path):
    root = project(tmp_path, {**NEST, **CLASS_VALIDATOR})
    path, text = generate(root, "ENDPOINT")
    assert path == str(root / "src" / "accounts" / "accounts.controller.ts")
    assert error_count(text, "typescript") == 0

    # the store interface is the repository's class, method for method
    _, repo = generate(root, "REPOSITORY")
    store = block(text, "export interface AccountStore {")
    methods = re.findall(r"^  (\w+)\((.*)\): (Promise<.*>);$", store, re.M)
    assert {m[0] for m in methods} == {"findById", "findAll", "create", "update", "delete"}
    for name, params, returns in methods:
        returns = returns.replace("{ rows: Account[]; total: number }", "Page<Account>")
        assert f"  async {name}({params}): {returns} {{" in repo or (
            name == "findAll" and f"}}: {params.split(': ', 1)[1]} = {{}}): {returns} {{" in repo
        ), name
    assert "findById(id: number): Promise<Account | null>;" in store

    # identity, server-filled and sensitive columns are never client input; the password is write-only
    create = block(text, "export class CreateAccountDto {")
    update = block(text, "export class UpdateAccountDto {")
    client_fields = {"email", "nickname", "tags", "settings", "score", "password"}
    assert properties(create) == properties(update) == client_fields
    output = re.search(r"const ACCOUNT_OUTPUT = \[(.*)\];", text).group(1)
    assert json.loads(f"[{output}]") == [
        "id",
        "email",
        "nickname",
        "tags",
        "settings",
        "score",
        "created_at",
    ]
    assert "values.password_hash = await accountHashPassword(values.password);" in text
    assert "delete values.password;" in text

    # required, optional-but-not-null, nullable, array and JSON fields
    assert "  @IsString()\n  email!: string;" in create
    assert (
        "  @ValidateIf((o: UpdateAccountDto) => o.email !== undefined)\n  @IsString()\n  email?: string;"
        in update
    )
    assert (
        "  @ValidateIf((o: CreateAccountDto) => o.score !== undefined)\n  @IsInt()\n  score?: number;"
        in create
    )
    assert "  @IsOptional()\n  @IsString()\n  @MaxLength(40)\n  nickname?: string | null;" in create
    assert (
        "  @IsOptional()\n  @IsArray()\n  @IsString({ each: true })\n  tags?: string[] | null;"
        in create
    )
    assert (
        "  @ValidateIf((o: CreateAccountDto) => o.settings !== undefined)\n  @IsDefined()\n  settings?: unknown;"
        in create
    )
    assert "  @IsString()\n  @MinLength(8)\n  @MaxLength(256)\n  password!: string;" in create
    assert (
        "  @ValidateIf((o: UpdateAccountDto) => o.password !== undefined)\n  @IsString()" in update
    )

    # validation, the error filter, the envelope and the statuses
    assert "whitelist: true,\n  forbidNonWhitelisted: true," in text
    assert (
        "@UsePipes(accountValidation)\n@UseFilters(new AccountsErrorFilter())\nexport class AccountsController {"
        in text
    )
    assert "constructor(@Inject(ACCOUNT_STORE) private readonly store: AccountStore) {}" in text
    for state, status in (("23505", 409), ("23503", 409), ("23503", 422), ("23514", 422)):
        assert f'state === "{state}"' in text and f"res.status({status})" in text
    assert "@Post()\n  @HttpCode(201)" in text and '@Delete(":id")\n  @HttpCode(204)' in text
    assert 'res.location(`${req.path.replace(/\\/$/, "")}/${row.id}`);' in text
    assert "meta: { page, limit, total }" in text and "links: { self: at(page)" in text
    assert "store.update(id, (await accountValues(body)) as AccountChanges)" in text
    assert 'from "class-validator"' in text and "zod" not in text


def test_controller_validates_with_zod_when_the_project_has_zod(tmp_path):
    root = project(tmp_path, {**NEST, "zod": "^3.22.0"})
    _, text = generate(root, "ENDPOINT")
    assert error_count(text, "typescript") == 0
    assert (
        'import { z } from "zod";' in text
        and "class-validator" not in text
        and "@UsePipes" not in text
    )
    body = text.split("export const ACCOUNT_BODY = z\n  .object({", 1)[1].split("\n  })", 1)[0]
    assert set(re.findall(r"^    (\w+): ", body, re.M)) == {
        "email",
        "nickname",
        "tags",
        "settings",
        "score",
        "password",
    }
    for line in (
        "email: z.string(),",
        "nickname: z.string().max(40).nullable().optional(),",
        "tags: z.array(z.string()).nullable().optional(),",
        'settings: z.unknown().refine((v) => v !== null, "must not be null").optional(),',
        "score: z.number().int().optional(),",
        "password: z.string().min(8).max(256),",
    ):
        assert f"\n    {line}" in body, line
    assert "  .strict();\nexport const ACCOUNT_PATCH = ACCOUNT_BODY.partial();" in text
    assert (
        '.default("id")' in text and "z.coerce.number().int().min(1).max(100).default(20)" in text
    )
    assert "@Body(new AccountsPipe(ACCOUNT_BODY, 422)) body: z.infer<typeof ACCOUNT_BODY>" in text
    assert "@Body(new AccountsPipe(ACCOUNT_PATCH, 422)) body: z.infer<typeof ACCOUNT_PATCH>" in text
    assert "@Query(new AccountsPipe(ACCOUNT_LIST_QUERY, 400))" in text
    assert 'issue.code === "unrecognized_keys"' in text  # an unknown field is named in the details


def test_controller_is_typescript_only(tmp_path):
    root = project(tmp_path, {**NEST, **CLASS_VALIDATOR}, main="src/main.js")
    res, edit = run(root, "ENDPOINT", root / "db" / "schema.sql", table="accounts")
    assert edit is None and "written in TypeScript" in res["message"], res


def test_auth_system_writes_a_guard_with_roles(tmp_path):
    root = project(tmp_path, {**NEST, **CLASS_VALIDATOR, "jsonwebtoken": "^9.0.0"})
    res, edit = run(root, "AUTH_SYSTEM", root / "src" / "main.ts")
    (path,) = created_files(edit)
    assert path == str(root / "src" / "auth.ts")
    text = edit.texts()[path]
    assert error_count(text, "typescript") == 0
    assert "APP_GUARD" in res["message"] and "JWT_SECRET" in res["message"], res
    for needle in (
        "@Injectable()\nexport class AuthGuard implements CanActivate {",
        "constructor(private readonly reflector: Reflector) {}",
        "export const Roles = (...roles: string[]) => SetMetadata(ROLES_KEY, roles);",
        "export const Public = () => SetMetadata(PUBLIC_KEY, true);",
        "export function requireAuth(...roles: string[]): CanActivate {",
        'throw new UnauthorizedException({ error: { code: "UNAUTHORIZED", message: "missing bearer token", details: [] } });',
        'throw new ForbiddenException({ error: { code: "FORBIDDEN", message: "missing role", details: [] } });',
        'jwt.verify(token, secret("JWT_SECRET"), { algorithms: [ALGORITHM] })',
        'if (claims.type !== "access" || !claims.sub || !claims.exp) {',
        "export const CurrentUser = createParamDecorator(",
    ):
        assert needle in text, needle


def test_a_required_sensitive_column_is_left_to_the_create_handler(tmp_path):
    root = project(tmp_path, {**NEST, **CLASS_VALIDATOR})
    (root / "db" / "schema.sql").write_text(
        "CREATE TABLE api_keys (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  label text NOT NULL,\n  key_hash text NOT NULL\n);\n"
    )
    res, edit = run(root, "ENDPOINT", root / "db" / "schema.sql", table="api_keys")
    assert edit is not None and len(created_files(edit)) == 1, (res, edit and edit.files)
    text = edit.texts()[created_files(edit)[0]]
    assert properties(block(text, "export class CreateApiKeyDto {")) == {"label"}
    assert "  // key_hash: required by the table but never taken from clients nor returned" in text
    output = re.search(r"const \w+_OUTPUT = \[(.*)\];", text).group(1)
    assert json.loads(f"[{output}]") == ["id", "label"]
