"""The Python generators working together on a real stack.

For FastAPI, Flask and Django, each in a fresh project (users, products, orders with an
FK and a JSON column, order_items): the migration is applied to a real PostgreSQL
(``scratch_postgres``) or SQLite, REPOSITORY and ENDPOINT run on every table, then
MIDDLEWARE and AUTH_SYSTEM on the app, all through ``backend-architect generate``.
The only hand-written code is the wiring a user writes (connection, stores, which
routes need which role). The app then runs under its own test client and is driven
through create, list, get, partial update, delete, errors and auth; ``check`` finds
nothing in the generated code.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import sys
import time
import uuid
from pathlib import Path

import jwt
import pytest

from backend_architect.cli import main as cli_main

from .http_scenario import replace_and_clear

SECRET = "s" * 40
REFRESH_SECRET = "r" * 40

SCHEMA = {
    "postgres": """
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL DEFAULT 'member',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  price_cents integer NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  tags text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  status text NOT NULL DEFAULT 'new',
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_user_id_idx ON orders (user_id);

CREATE TABLE order_items (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id bigint NOT NULL REFERENCES products (id),
  quantity integer NOT NULL CHECK (quantity > 0),
  UNIQUE (order_id, product_id)
);

CREATE INDEX order_items_product_id_idx ON order_items (product_id);
""",
    "sqlite": """
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'member',
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE products (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  price_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
  tags JSON,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id),
  status TEXT NOT NULL DEFAULT 'new',
  details JSON NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX orders_user_id_idx ON orders (user_id);

CREATE TABLE order_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  UNIQUE (order_id, product_id)
);

CREATE INDEX order_items_product_id_idx ON order_items (product_id);
""",
}
TABLES = ("users", "products", "orders", "order_items")
DRIVER_IMPORT = {"postgres": "import psycopg", "sqlite": "import sqlite3"}
DEPENDENCIES = {
    "fastapi": ["fastapi>=0.110", "pydantic>=2", "pyjwt>=2.8"],
    "flask": ["flask>=3", "pyjwt>=2.8"],
    "django": ["django>=4.2", "pyjwt>=2.8"],
}


# -- the project, generated through the CLI ------------------------------------------------------


def generate(root: Path, name: str, file: Path, *extra: str) -> str:
    """``backend-architect generate NAME FILE ... --write``; the command's message."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_main(["generate", name, str(file), "--root", str(root), "--write", *extra])
    assert code == 0, f"generate {name} {' '.join(extra)} failed: {err.getvalue()}"
    return err.getvalue()


def make_project(root: Path, framework: str, dialect: str) -> dict[str, Path]:
    """The user's starting point, then every generator run on it."""
    root.mkdir(parents=True)
    deps = DEPENDENCIES[framework] + (["psycopg>=3.1"] if dialect == "postgres" else [])
    (root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "0.1.0"\ndependencies = ' + json.dumps(deps) + "\n"
    )
    (root / "migrations").mkdir()
    schema = root / "migrations" / "0001_init.sql"
    schema.write_text(SCHEMA[dialect].lstrip())
    (root / "db.py").write_text(f'"""The database connection."""\n\n{DRIVER_IMPORT[dialect]}\n')
    if framework == "django":
        pkg = root / "shop"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        settings = pkg / "settings.py"
        settings.write_text(
            "SECRET_KEY = 'test'\nDEBUG = False\nALLOWED_HOSTS = ['testserver']\n"
            "ROOT_URLCONF = 'shop.urls'\nMIDDLEWARE = [\n    'django.middleware.common.CommonMiddleware',\n]\n"
            "INSTALLED_APPS: list[str] = []\nDATABASES: dict = {}\nUSE_TZ = True\n"
        )
        urls = pkg / "urls.py"
        urls.write_text("from django.urls import path  # noqa: F401\n\nurlpatterns: list = []\n")
        app_file, auth_file = settings, urls
    else:
        app_file = root / "app.py"
        app_file.write_text(
            "from fastapi import FastAPI\n\napp = FastAPI()\n"
            if framework == "fastapi"
            else "from flask import Flask\n\napp = Flask(__name__)\n"
        )
        auth_file = app_file
    for table in TABLES:
        generate(root, "repository", schema, "--table", table)
        generate(root, "endpoint", schema, "--table", table, "--framework", framework)
    generate(root, "middleware", app_file)
    generate(root, "auth_system", auth_file)
    return {"schema": schema, "app": app_file}


@contextlib.contextmanager
def importable(root: Path):
    """The project's modules importable by their own names, forgotten afterwards."""
    sys.path.insert(0, str(root))
    before = set(sys.modules)
    try:
        yield
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            mod = sys.modules.get(name)
            if str(getattr(mod, "__file__", "") or "").startswith(str(root)):
                del sys.modules[name]


def connect(dialect: str, root: Path, scratch_postgres):
    if dialect == "postgres":
        import psycopg

        dsn = scratch_postgres.create_database(f"shop_{uuid.uuid4().hex[:10]}")
        conn = psycopg.connect(dsn, autocommit=True)
        conn.execute(SCHEMA["postgres"])
        return conn
    conn = sqlite3.connect(root / "shop.db", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA["sqlite"])
    return conn


# -- wiring (what a user writes) and a client per framework -------------------------------------


class Client:
    """``call(method, path, body, token) -> (status, headers, json body or None)``."""

    def __init__(self, call):
        self.call = call

    def __call__(self, method: str, path: str, body=None, token: str | None = None):
        return self.call(method, path, body, token)


def repositories(conn):
    import importlib

    out = {}
    for table in TABLES:
        mod = importlib.import_module(f"repositories.{table}_repository")
        cls = getattr(mod, "".join(p.capitalize() for p in table.split("_")) + "Repository")
        out[table] = cls(conn)
    return out


def provider(repo):
    """A dependency without parameters that gives ``repo``."""

    def get():
        return repo

    return get


def fastapi_client(root: Path, repos) -> Client:
    import importlib

    from fastapi import Depends
    from fastapi.testclient import TestClient

    app_mod = importlib.import_module("app")
    auth = importlib.import_module("auth")
    for table in TABLES:
        routes = importlib.import_module(f"routes.{table}")
        getter = getattr(routes, f"get_{table}_store")
        app_mod.app.dependency_overrides[getter] = provider(repos[table])
        guard = auth.require_roles("admin") if table == "users" else auth.current_user
        app_mod.app.include_router(routes.router, dependencies=[Depends(guard)])
    client = TestClient(app_mod.app, raise_server_exceptions=False)

    def call(method, path, body, token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = client.request(method, path, json=body, headers=headers)
        return r.status_code, r.headers, (r.json() if r.content else None)

    return Client(call)


def flask_client(root: Path, repos) -> Client:
    import importlib

    app_mod = importlib.import_module("app")
    auth = importlib.import_module("auth")
    app = app_mod.app
    for table in TABLES:
        routes = importlib.import_module(f"routes.{table}")
        setattr(routes, f"get_{table}_store", lambda repo=repos[table]: repo)
        app.register_blueprint(getattr(routes, f"{table}_bp"))
    for endpoint, view in list(app.view_functions.items()):
        table = endpoint.split(".")[0]
        if table in TABLES:
            roles = ("admin",) if table == "users" else ()
            app.view_functions[endpoint] = auth.login_required(*roles)(view)
    client = app.test_client()

    def call(method, path, body, token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = client.open(path, method=method, json=body, headers=headers)
        return r.status_code, r.headers, r.get_json(silent=True)

    return Client(call)


def django_client(root: Path, repos) -> Client:
    import importlib

    import django
    from django.conf import settings
    from django.urls import clear_url_caches, include, path

    shop_settings = importlib.import_module("shop.settings")
    values = {k: getattr(shop_settings, k) for k in dir(shop_settings) if k.isupper()}
    if not settings.configured:
        settings.configure(**values)
        django.setup()
    else:  # another project of this session: its settings replace the last one's
        for k, v in values.items():
            setattr(settings, k, v)
    clear_url_caches()
    auth = importlib.import_module("shop.auth")
    urls = importlib.import_module("shop.urls")
    patterns = []
    for table in TABLES:
        views = importlib.import_module(f"shop.{table}_views")
        setattr(views, f"get_{table}_store", lambda repo=repos[table]: repo)
        roles = ("admin",) if table == "users" else ()
        for p in views.urlpatterns:
            patterns.append(path(str(p.pattern), auth.login_required(*roles)(p.callback), name=p.name))
    urls.urlpatterns = [path("", include(patterns))]
    from django.test import Client as DjangoClient

    client = DjangoClient(raise_request_exception=False)

    def call(method, path_, body, token):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        url = path_ if "?" in path_ or path_.endswith("/") else path_ + "/"
        if "?" in path_:
            base, query = path_.split("?", 1)
            url = (base if base.endswith("/") else base + "/") + "?" + query
        data = json.dumps(body) if body is not None else None
        kwargs = {"data": data, "content_type": "application/json"} if data is not None else {}
        r = getattr(client, method.lower())(url, **kwargs, **headers)
        try:
            parsed = json.loads(r.content) if r.content else None
        except ValueError:
            parsed = None
        return r.status_code, r, parsed

    return Client(call)


CLIENTS = {"fastapi": fastapi_client, "flask": flask_client, "django": django_client}


def header(headers, name: str) -> str | None:
    try:
        return headers.get(name)
    except AttributeError:
        return None


# -- the scenario ----------------------------------------------------------------------------------


def token(auth, sub, email, roles, *, secret: str | None = None, expired: bool = False) -> str:
    if secret is None and not expired:
        return auth.issue_tokens(str(sub), email, roles)["access_token"]
    now = int(time.time()) - (7200 if expired else 0)
    claims = {"sub": str(sub), "email": email, "roles": roles, "iat": now, "exp": now + 60, "type": "access"}
    return jwt.encode(claims, secret or SECRET, algorithm="HS256")


def fields_of(body) -> set[str]:
    return {d.get("field", "").split(".")[-1] for d in body["error"]["details"]}


def exercise(call: Client, repos, auth) -> None:
    # people come from a registration flow (not an endpoint): through the repository
    admin = repos["users"].create(email="admin@example.com", name="Ada", password_hash="x" * 20, role="admin")
    member = repos["users"].create(email="m@example.com", name="Max", password_hash="y" * 20)
    assert member["role"] == "member" and member["id"] != admin["id"]
    admin_t = token(auth, admin["id"], admin["email"], ["admin"])
    member_t = token(auth, member["id"], member["email"], ["member"])

    # auth: missing, expired and forged tokens are 401; a member on an admin route is 403
    status, _, body = call("GET", "/products")
    assert status == 401 and body["error"]["code"] == "UNAUTHORIZED", body
    assert call("GET", "/products", token=token(auth, 1, "a@b.c", ["admin"], expired=True))[0] == 401
    assert call("GET", "/products", token=token(auth, 1, "a@b.c", ["admin"], secret="f" * 40))[0] == 401
    status, _, body = call("GET", "/users", token=member_t)
    assert status == 403 and body["error"]["code"] == "FORBIDDEN", body

    # sensitive columns: never returned, never accepted; role is not client input either
    status, _, body = call("GET", f"/users/{member['id']}", token=admin_t)
    assert status == 200, body
    assert body["data"]["email"] == "m@example.com"
    assert "password_hash" not in body["data"] and "role" not in body["data"]
    status, _, body = call("GET", "/users", token=admin_t)
    assert status == 200 and all("password_hash" not in u for u in body["data"]), body
    status, _, body = call(
        "PATCH", f"/users/{member['id']}", {"role": "admin", "password_hash": "z"}, token=admin_t
    )
    assert status == 422 and {"role", "password_hash"} <= fields_of(body), body
    assert repos["users"].find_by_id(member["id"])["role"] == "member"
    # a user created over HTTP: the password is write-only and stored hashed
    status, _, body = call(
        "POST", "/users", {"email": "new@example.com", "name": "Nia", "password": "correct horse"}, token=admin_t
    )
    assert status == 201, body
    assert set(body["data"]) == {"id", "email", "name", "created_at"}
    stored = repos["users"].find_by_id(body["data"]["id"])
    assert stored["password_hash"].startswith("scrypt$") and "correct horse" not in stored["password_hash"]
    assert stored["role"] == "member"
    status, _, body = call("POST", "/users", {"email": "x@example.com", "name": "X"}, token=admin_t)
    assert status == 422 and "password" in fields_of(body), body
    # the write-only password may be left out of PATCH and PUT (the hash is kept); a null is
    # a validation error in every framework, never ignored
    uid = stored["id"]
    status, _, body = call("PATCH", f"/users/{uid}", {"password": None}, token=admin_t)
    assert status == 422 and "password" in fields_of(body), body
    status, _, body = call(
        "PUT", f"/users/{uid}", {"email": "new@example.com", "name": "Nia", "password": None}, token=admin_t
    )
    assert status == 422 and "password" in fields_of(body), body
    status, _, body = call("PUT", f"/users/{uid}", {"email": "new@example.com", "name": "Nia B"}, token=admin_t)
    assert status == 200 and body["data"]["name"] == "Nia B", body
    assert repos["users"].find_by_id(uid)["password_hash"] == stored["password_hash"]

    # create: 201, Location, database defaults for what was left out; the id is not input
    status, headers, body = call(
        "POST", "/products", {"sku": "A-1", "name": "Anvil", "price_cents": 0, "tags": ["iron", "heavy"]}, token=member_t
    )
    assert status == 201, body
    anvil = body["data"]
    assert anvil["price_cents"] == 0 and anvil["tags"] == ["iron", "heavy"]
    location = header(headers, "Location")
    assert location and location.rstrip("/").endswith(f"/products/{anvil['id']}"), location
    status, _, body = call("POST", "/products", {"sku": "B-2", "name": "Bell"}, token=member_t)
    assert status == 201 and body["data"]["price_cents"] == 0, body
    bell = body["data"]
    status, _, body = call("POST", "/products", {"id": 99, "sku": "C-3", "name": "Cog"}, token=member_t)
    assert status == 422 and "id" in fields_of(body), body

    # validation: 422 with field details
    status, _, body = call("POST", "/products", {"name": 5}, token=member_t)
    assert status == 422 and body["error"]["code"] == "VALIDATION_ERROR", body
    assert {"sku", "name"} <= fields_of(body), body

    # duplicate unique key: 409
    status, _, body = call("POST", "/products", {"sku": "A-1", "name": "Again"}, token=member_t)
    assert status == 409 and body["error"]["code"] == "CONFLICT", body

    # list: envelope, pagination, links
    status, _, body = call("GET", "/products?page=1&limit=1&sort=sku&order=desc", token=member_t)
    assert status == 200, body
    assert [p["sku"] for p in body["data"]] == ["B-2"]
    assert body["meta"] == {"page": 1, "limit": 1, "total": 2}
    assert body["links"]["next"] and "page=2" in body["links"]["next"] and body["links"]["prev"] is None
    status, _, body = call("GET", "/products?page=2&limit=1&sort=sku&order=desc", token=member_t)
    assert [p["sku"] for p in body["data"]] == ["A-1"] and body["links"]["next"] is None
    assert body["links"]["prev"] and "page=1" in body["links"]["prev"]

    # get and 404
    status, _, body = call("GET", f"/products/{bell['id']}", token=member_t)
    assert status == 200 and body["data"]["name"] == "Bell", body
    status, _, body = call("GET", "/products/987654", token=member_t)
    assert status == 404 and body["error"]["code"] == "NOT_FOUND", body

    # partial update: only what was sent changes
    status, _, body = call("PATCH", f"/products/{anvil['id']}", {"price_cents": 250}, token=member_t)
    assert status == 200, body
    assert body["data"]["price_cents"] == 250 and body["data"]["name"] == "Anvil"
    assert body["data"]["tags"] == ["iron", "heavy"]
    status, _, body = call("PATCH", "/products/987654", {"price_cents": 1}, token=member_t)
    assert status == 404, body
    status, _, body = call("PATCH", f"/products/{anvil['id']}", {"price_cents": -1}, token=member_t)
    assert status == 422, body
    replace_and_clear(call, "/products", anvil["id"], member_t)

    # JSON column round-trips; an FK to a missing user is 422
    details = {"gift": True, "note": "ring twice", "lines": [1, 2, 3]}
    status, _, body = call("POST", "/orders", {"user_id": member["id"], "details": details}, token=member_t)
    assert status == 201, body
    order = body["data"]
    assert order["details"] == details and order["status"] == "new"
    status, _, body = call("GET", f"/orders/{order['id']}", token=member_t)
    assert body["data"]["details"] == details
    status, _, body = call("PATCH", f"/orders/{order['id']}", {"details": [1, "two"]}, token=member_t)
    assert status == 200 and body["data"]["details"] == [1, "two"], body
    status, _, body = call("POST", "/orders", {"user_id": 987654}, token=member_t)
    assert status == 422 and body["error"]["code"] == "VALIDATION_ERROR", body

    # order items: a duplicate (order, product) is 409; a product still ordered cannot go (409)
    item = {"order_id": order["id"], "product_id": anvil["id"], "quantity": 2}
    status, _, body = call("POST", "/order-items", item, token=member_t)
    assert status == 201, body
    item_id = body["data"]["id"]
    status, _, body = call("POST", "/order-items", item, token=member_t)
    assert status == 409, body
    status, _, body = call("DELETE", f"/products/{anvil['id']}", token=member_t)
    assert status == 409, body

    # delete: 204, then 404
    status, _, body = call("DELETE", f"/order-items/{item_id}", token=member_t)
    assert status == 204 and body is None
    status, _, body = call("DELETE", f"/order-items/{item_id}", token=member_t)
    assert status == 404 and body["error"]["code"] == "NOT_FOUND"
    assert call("DELETE", f"/products/{anvil['id']}", token=member_t)[0] == 204


def check_findings(root: Path) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        cli_main(["check", "--jobs", "1", "--output-format", "json", str(root)])
    data = json.loads(out.getvalue() or "[]")
    return data if isinstance(data, list) else data.get("findings", data)


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
@pytest.mark.parametrize("framework", ["fastapi", "flask", "django"])
def test_generated_stack_runs(framework, dialect, tmp_path, monkeypatch, request):
    scratch = request.getfixturevalue("scratch_postgres") if dialect == "postgres" else None
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("JWT_REFRESH_SECRET", REFRESH_SECRET)
    root = tmp_path / "shop"
    make_project(root, framework, dialect)
    conn = connect(dialect, root, scratch)
    try:
        with importable(root):
            repos = repositories(conn)
            client = CLIENTS[framework](root, repos)
            auth = sys.modules["shop.auth" if framework == "django" else "auth"]
            exercise(client, repos, auth)
    finally:
        conn.close()
    findings = check_findings(root)
    assert findings == [], json.dumps(findings, indent=1)[:3000]


@pytest.mark.parametrize("framework", ["fastapi", "flask"])
def test_openapi_of_the_generated_project_types_its_bodies(framework, tmp_path):
    """DESIGN_API reads the same resource model: bodies typed from the table, sensitive and
    database-filled columns absent from input, the error answers documented; the document
    validates."""
    from openapi_spec_validator import validate

    root = tmp_path / "shop"
    make_project(root, framework, "postgres")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert cli_main(["openapi", str(root), "--format", "json"]) == 0
    spec = json.loads(out.getvalue())
    validate(spec)
    schemas = spec["components"]["schemas"]
    assert set(schemas["ProductInput"]["properties"]) == {"sku", "name", "price_cents", "tags"}
    assert schemas["ProductInput"]["required"] == ["sku", "name"]
    assert schemas["Product"]["properties"]["tags"] == {"type": ["array", "null"], "items": {"type": "string"}}
    assert schemas["Order"]["properties"]["details"] == {"type": ["object", "array"]}
    assert "password_hash" not in schemas["User"]["properties"] and "role" not in schemas["UserInput"]["properties"]
    create = spec["paths"]["/products"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ProductInput"}
    assert {"201", "409", "422"} <= set(create["responses"])
    patch = next(v["patch"] for k, v in spec["paths"].items() if k.startswith("/products/{"))
    assert patch["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ProductPatch"}
    assert "required" not in schemas["ProductPatch"]
    # PUT replaces: every writable field required (the generated endpoints answer 422 without one)
    put = next(v["put"] for k, v in spec["paths"].items() if k.startswith("/products/{"))
    assert put["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ProductReplace"}
    assert schemas["ProductReplace"]["required"] == ["sku", "name", "price_cents", "tags"]
    assert "password" not in schemas["UserReplace"]["required"]  # write-only: kept unless sent
    listing = spec["paths"]["/products"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing["properties"]["data"]["items"] == {"$ref": "#/components/schemas/Product"}
