"""DESIGN_API (OpenAPI), AUTHZ_DESIGN, MICROSERVICE and EVENT_SYSTEM.

The route-based parts run on routes from the real route extraction when it is
installed (backend_architect.app.routes) and are skipped otherwise; without it
the commands must say so. The OpenAPI builder is also checked on a Route list
shaped like the agreed Route API, and its output validated."""

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import server_env

from backend_architect.commands.openapi import build_openapi, dump
from backend_architect.core.document import Document
from backend_architect.core.languages import error_count

from . import pure
from .lsp_helpers import copy_project, position_of, run, start



@dataclass
class RequestRead:
    kind: str
    name: str
    start: int = 0
    end: int = 0


@dataclass
class Route:  # the fields of backend_architect.app.routes.Route the commands use
    framework: str
    language: str
    method: str
    path: str
    handler: str
    start: int = 0
    end: int = 0
    decl_start: int = 0
    decl_end: int = 0
    reads: list = field(default_factory=list)
    schema: str | None = None
    guards: list = field(default_factory=list)
    limiter: str | None = None
    status_codes: list = field(default_factory=list)
    response_model: str | None = None
    returns_body: bool = True


def test_openapi_of_a_route_list_validates():
    validator = pytest.importorskip("openapi_spec_validator")
    doc = Document("x\n" * 10, path="/w/app/users.py")
    routes = [
        (doc, Route("fastapi", "python", "GET", "/users", "list_users", reads=[RequestRead("query", "page"), RequestRead("query", "limit")])),
        (doc, Route("fastapi", "python", "POST", "/users", "create_user", schema="UserCreate", status_codes=[201, 422], response_model="User")),
        (doc, Route("fastapi", "python", "GET", "/users/{id}", "get_user", guards=["Depends(current_user)"], status_codes=[200, 404])),
        (doc, Route("express", "typescript", "DELETE", "/users/:id", "deleteUser", status_codes=[204])),
        (doc, Route("gin", "go", "PATCH", "/users/{id}", "list_users", reads=[RequestRead("body", "email")])),
    ]
    spec = build_openapi(routes, title="shop", root="/w")
    validator.validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert [p["name"] for p in spec["paths"]["/users"]["get"]["parameters"]] == ["page", "limit"]
    post = spec["paths"]["/users"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/UserCreate"}
    assert set(post["responses"]) == {"201", "422"}
    assert post["responses"]["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    item = spec["paths"]["/users/{id}"]
    assert item["get"]["parameters"] == [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    assert item["get"]["security"] == [{"bearerAuth": []}]
    # the error format's answers where they apply: an item's 404, a guard's 401 and 403
    assert set(item["delete"]["responses"]) == {"204", "404"} and "content" not in item["delete"]["responses"]["204"]
    assert set(item["get"]["responses"]) == {"200", "401", "403", "404"}
    assert set(item["patch"]["responses"]) == {"200", "404"}  # every operation has its success
    assert item["patch"]["operationId"] == "list_users_2"  # operation ids stay unique
    yaml = pytest.importorskip("yaml")
    validator.validate(yaml.safe_load(dump(spec)))


def _route_project(tmp_path: Path) -> Path:
    root = copy_project("shop", tmp_path)
    (root / "app" / "admin.py").write_text(
        textwrap.dedent(
            '''
            from fastapi import APIRouter, Depends

            from app.auth import require_roles

            router = APIRouter()


            @router.get("/admin/users/{id}", dependencies=[Depends(require_roles("admin"))])
            def admin_get_user(id: int):
                return {"data": id}


            @router.delete("/orders/{id}", status_code=204)
            def delete_order(id: int):
                return None


            @router.get("/health")
            def health():
                return {"ok": True}
            '''
        )
    )
    return root


async def test_design_api_writes_a_valid_openapi_document(client, tmp_path):
    validator = pytest.importorskip("openapi_spec_validator")
    yaml = pytest.importorskip("yaml")
    root = _route_project(tmp_path)
    await start(client, root)
    res = await run(client, "DESIGN_API")
    spec = yaml.safe_load(Path(res["openapi"]).read_text())
    validator.validate(spec)
    assert {"/users", "/users/{id}", "/orders/{id}"} <= set(spec["paths"])
    assert "post" in spec["paths"]["/users"] and "201" in spec["paths"]["/users"]["post"]["responses"]
    assert client.shown_documents[-1].uri.endswith("design-api.md")
    proc = subprocess.run([sys.executable, "-m", "backend_architect", "openapi", str(root), "--format", "json"], capture_output=True, text=True, timeout=60, env=server_env())
    assert proc.returncode == 0, proc.stderr
    validator.validate(json.loads(proc.stdout))


def test_authz_design_flags_unprotected_routes_and_scaffolds_a_permission_map(tmp_path):
    root = _route_project(tmp_path)
    out = pure.result(root, "AUTHZ_DESIGN")
    res = out.data
    assert "DELETE /orders/{id}" in res["unprotected"]
    assert "GET /health" not in res["unprotected"]
    assert not any(u.startswith("GET /admin") for u in res["unprotected"])
    md = pure.report_text(out, "authz-design.md")
    assert res["report"].endswith("authz-design.md") and not Path(res["report"]).exists()
    assert "object access by id without a guard" in md
    files = out.edit.texts()
    (perm,) = [t for p, t in files.items() if p.endswith("permissions.py")]
    assert error_count(perm, "python") == 0 and "'orders': {" in perm


def test_microservice_boundaries_from_table_usage(tmp_path):
    root = copy_project("shop", tmp_path)
    for mod, text in {
        "accounts/users_repo.py": 'SQL_CREATE = "INSERT INTO users (email) VALUES (%s)"\nSQL_GET = "SELECT id, email FROM users WHERE id = %s"\n',
        "billing/orders_repo.py": 'SQL_NEW = "INSERT INTO orders (user_id, number, total_cents) VALUES (%s, %s, %s)"\nSQL_OWNER = "SELECT email FROM users WHERE id = %s"\n',
    }.items():
        (root / mod).parent.mkdir(exist_ok=True)
        (root / mod).write_text(text)
    out = pure.result(root, "MICROSERVICE")
    res = out.data
    assert res["services"] == {"accounts": ["users"], "billing": ["orders"]}
    assert res["crossing"] == 1 and res["crossing_fks"] == 1
    md = pure.report_text(out, "/.backend-architect/microservice.md")
    assert "| billing | read | `users` | accounts | 1 |" in md
    assert "`orders(user_id)` in billing → `users(id)` in accounts" in md


def test_event_system_moves_the_selected_slow_call_to_a_job_queue(tmp_path):
    root = copy_project("shop", tmp_path)
    path = root / "app" / "signup.py"
    path.write_text(
        textwrap.dedent(
            '''
            from fastapi import APIRouter

            from app.mail import send_email

            router = APIRouter()


            @router.post("/signups", status_code=201)
            def signup(body: dict):
                send_email(body["email"], subject="Welcome")
                return {"data": body}
            '''
        ).lstrip()
    )
    (root / "app" / "mail.py").write_text("SENT = []\n\n\ndef send_email(to, subject):\n    SENT.append((to, subject))\n")
    res, edit = pure.run(root, "EVENT_SYSTEM", path, at=position_of(path.read_text(), "send_email(body"))
    assert res["moved"] == "send_email", res
    assert edit.needs_confirmation  # it rewrites the handler: the editor asks first
    files = edit.texts()
    handler = files[str(path)]
    assert 'enqueue(send_email, body["email"], subject="Welcome")' in handler
    assert "from app.jobs import enqueue" in handler
    for p, text in files.items():
        assert error_count(text, "python") == 0
        Path(p).write_text(text)
    probe = "import app.signup as s, app.mail as m, app.jobs as j; s.signup({'email': 'a@b.c'}); j._jobs.join(); print(m.SENT)"
    proc = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[('a@b.c', 'Welcome')]"
