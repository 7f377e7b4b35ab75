"""Rust: SQL in sqlx / diesel / tokio-postgres strings with exact positions, the parse guards,
Axum and Actix route extraction, and the generated Rust (parsed with tree-sitter-rust: it
cannot be compiled here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_architect import frameworks
from backend_architect.app.embedded import embedded_sql
from backend_architect.app.routes import analyse
from backend_architect.catalog.model import DEFAULT_SCHEMA, Column, Table
from backend_architect.config import Settings
from backend_architect.core import languages
from backend_architect.core.document import Document
from backend_architect.core.engine import Context, lint
from backend_architect.core.findings import Edit

TEMPLATES = (
    Path(__file__).parent.parent / "server" / "backend_architect" / "frameworks" / "templates"
)


def _star(text: str):
    doc = Document(text, path="src/db.rs")
    result = lint(doc, Settings(extend_select=("QO001",)))  # off by default
    assert not result.errors, result.errors
    return doc, [f for f in result.findings if f.code == "QO001"]


def _pos(doc: Document, offset: int) -> tuple[int, int]:
    line, col = doc.offset_to_position(offset, "utf-32")
    return line + 1, col + 1


POSITIONS = [
    # (source, the host line of the `*`: the finding must land on that very character)
    ("fn f() { sqlx::query!(\"SELECT 'é\\n' AS a, * FROM t\"); }\n", 1),
    ('fn f() { sqlx::query("SELECT \\"x\\", \\u{e9} AS b, * FROM t"); }\n', 1),
    ('fn f() { sqlx::query_as!(T, r#"SELECT "a",\n   * FROM t"#); }\n', 2),
    ('fn f() { diesel::sql_query("SELECT 1 AS a, \\\n        * FROM t"); }\n', 2),
    ("fn f(c: &Client) { c.query(\"SELECT '{' AS a, * FROM t WHERE id = $1\", &[&1]); }\n", 1),
    (
        "fn f(id: i64) { sqlx::query(&format!(\"SELECT '{{x}}' AS a, {} AS b, * FROM t\", id)); }\n",
        1,
    ),
    (
        'fn f() {\n    let mut q = String::from("SELECT \'ü\' AS a, ");\n    q.push_str("* FROM t");\n    sqlx::query(&q);\n}\n',
        3,
    ),
]


@pytest.mark.parametrize("source,expected", POSITIONS, ids=[str(i) for i in range(len(POSITIONS))])
def test_finding_inside_a_rust_string_maps_to_the_host_position(source, expected):
    doc, findings = _star(source)
    assert len(findings) == 1, (source, findings)
    star = source.index("*")
    expected_col = star - (source.rfind("\n", 0, star) + 1) + 1
    assert _pos(doc, findings[0].start) == (expected, expected_col)
    assert doc.data[findings[0].start : findings[0].end] == b"*"


def test_decoded_sql_and_every_byte_of_a_multiline_raw_string():
    src = 'fn f() {\n    sqlx::query!(r#"SELECT "é",\n  id FROM users"#);\n}\n'
    sites = embedded_sql(Context(Document(src, path="a.rs"), Settings()))
    assert [s.method for s in sites] == ["query!"]
    region = sites[0].region
    assert region.sql == 'SELECT "é",\n  id FROM users'
    data = src.encode()
    for i, ch in enumerate(region.data):
        assert data[region.to_doc(i)] == ch


def test_sql_sinks_and_what_is_not_sql():
    src = """
use sqlx::PgPool;
async fn f(pool: &PgPool, client: &Client, http: &reqwest::Client) {
    sqlx::query_scalar!("SELECT count(*) FROM users");
    sqlx::query_as::<_, User>("SELECT id FROM users WHERE id = $1");
    client.execute("UPDATE users SET seen = now() WHERE id = $1", &[&1]);
    diesel::sql_query("DELETE FROM sessions");
    http.get("https://example.com").query(&[("q", "select")]);
    client.query("hello world", &[]);
    let b = b"SELECT id FROM users";
    println!("SELECT id FROM users");
}
"""
    sites = embedded_sql(Context(Document(src, path="a.rs"), Settings()))
    assert [(s.method, s.receiver) for s in sites] == [
        ("query_scalar!", "sqlx"),
        ("query_as", "sqlx"),
        ("execute", "client"),
        ("sql_query", "diesel"),
    ]
    assert all(s.style == "$" for s in sites)


def test_rusqlite_placeholders_are_question_marks():
    src = 'use rusqlite::Connection;\nfn f(c: &Connection) { c.execute("DELETE FROM t WHERE id = ?", [1]); }\n'
    (site,) = embedded_sql(Context(Document(src, path="a.rs"), Settings()))
    assert site.style == "?" and site.region.sql == "DELETE FROM t WHERE id = $1"


def test_deeply_nested_rust_is_skipped_not_parsed():
    inner = "(" * 3000 + "1" + ")" * 3000
    doc = Document(
        f'fn f() {{ sqlx::query("SELECT * FROM t"); let x = {inner}; }}\n', path="deep.rs"
    )
    result = lint(doc)
    assert result.findings == [] and result.errors == []
    assert result.skipped.startswith("brackets nested 300")
    assert "the limit for parsing is 500" in result.skipped
    with pytest.raises(languages.ParseRefused):
        languages.parse(doc.text, "rust")


# -- routes ---------------------------------------------------------------------------------------

AXUM = """
use axum::{middleware, routing::{delete, get, post}, extract::{Path, Query, State}, Json, Router};

fn users() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/:id", delete(remove_user))
        .route_layer(middleware::from_fn(require_auth))
        .route("/login", post(login).layer(GovernorLayer { config: conf() }))
}

pub fn app(state: AppState) -> Router {
    let admin = Router::new().route("/stats", get(stats));
    Router::new()
        .nest("/api/v1", users())
        .nest("/admin", admin)
        .route("/health", get(|| async { "ok" }))
        .with_state(state)
}

async fn list_users(Query(p): Query<Page>) -> Json<Vec<User>> { todo!() }
async fn create_user(Json(body): Json<NewUser>) -> (StatusCode, Json<User>) { (StatusCode::CREATED, todo!()) }
async fn remove_user(Path(id): Path<i64>, claims: Claims) -> StatusCode { StatusCode::NO_CONTENT }
async fn login(Json(body): Json<Login>) -> Json<Token> { todo!() }
async fn stats(Extension(user): Extension<AdminUser>) -> Json<Stats> { todo!() }
"""

ACTIX = """
use actix_web::{get, post, web, App, HttpResponse, HttpServer};

#[get("/posts")]
async fn list_posts(q: web::Query<Page>) -> HttpResponse { HttpResponse::Ok().json(()) }

#[post("/posts", wrap = "HttpAuthentication::bearer(validator)")]
async fn create_post(body: web::Json<NewPost>) -> HttpResponse { HttpResponse::Created().json(()) }

#[actix_web::route("/feed", method = "GET", method = "HEAD")]
async fn feed() -> HttpResponse { HttpResponse::Ok().finish() }

async fn remove_post(path: web::Path<i64>, user: Identity) -> HttpResponse { HttpResponse::NoContent().finish() }
async fn login(form: web::Form<Login>) -> HttpResponse { HttpResponse::Ok().finish() }

async fn run() -> std::io::Result<()> {
    HttpServer::new(|| {
        App::new()
            .service(
                web::scope("/api")
                    .wrap(RateLimiter::default())
                    .service(list_posts)
                    .service(create_post)
                    .service(web::resource("/posts/{id}").route(web::delete().to(remove_post))),
            )
            .service(feed)
            .route("/login", web::post().to(login))
    })
    .bind(("127.0.0.1", 8080))?
    .run()
    .await
}
"""


def _routes(src: str):
    a = analyse(Document(src, path="src/routes.rs"))
    return a.framework, {(h.route.method, h.route.path): h.route for h in a.handlers}


def test_axum_routes_prefixes_layers_and_extractors():
    fw, routes = _routes(AXUM)
    assert fw == "axum"
    assert sorted(routes) == [
        ("DELETE", "/api/v1/users/{id}"),
        ("GET", "/admin/stats"),
        ("GET", "/api/v1/users"),
        ("GET", "/health"),
        ("POST", "/api/v1/login"),
        ("POST", "/api/v1/users"),
    ]
    create = routes["POST", "/api/v1/users"]
    assert create.handler == "create_user" and create.guards == ["require_auth"]
    assert [r.kind for r in create.reads] == ["body"] and create.status_codes == [201]
    assert set(routes["DELETE", "/api/v1/users/{id}"].guards) == {"require_auth", "Claims"}
    login = routes["POST", "/api/v1/login"]
    assert login.guards == [] and login.limiter  # the layer is added after the auth layer
    assert routes["GET", "/admin/stats"].guards == ["AdminUser"]
    assert routes["GET", "/health"].handler == "<closure>"
    assert [r.kind for r in routes["GET", "/api/v1/users"].reads] == ["query"]


def test_actix_routes_attributes_scopes_resources_and_wrap():
    fw, routes = _routes(ACTIX)
    assert fw == "actix"
    assert sorted(routes) == [
        ("DELETE", "/api/posts/{id}"),
        ("GET", "/api/posts"),
        ("GET", "/feed"),
        ("HEAD", "/feed"),
        ("POST", "/api/posts"),
        ("POST", "/login"),
    ]
    assert all(routes[k].limiter for k in routes if k[1].startswith("/api"))
    assert not routes["POST", "/login"].limiter
    assert routes["POST", "/api/posts"].guards == ["HttpAuthentication::bearer"]
    assert routes["DELETE", "/api/posts/{id}"].guards == ["Identity"]
    assert routes["POST", "/api/posts"].status_codes == [201]
    assert [r.kind for r in routes["POST", "/login"].reads] == ["form"]


def test_detection_needs_the_framework():
    assert frameworks.detect("rust", b"use axum::Router;\n").name == "axum"
    assert frameworks.detect("rust", b"use actix_web::{web, App};\n").name == "actix"
    assert frameworks.detect("rust", b"use std::io;\nfn main() {}\n") is None


# -- generated Rust ---------------------------------------------------------------------------------

TABLE = Table(
    "blog_posts",
    DEFAULT_SCHEMA,
    columns=[
        Column("id", "bigint", nullable=False, auto=True),
        Column("title", "varchar(200)", nullable=False),
        Column("author_email", "text", nullable=False),
        Column("views", "integer", nullable=True, default="0"),
        Column("published", "boolean", nullable=False, default="false"),
        Column("meta", "jsonb"),
    ],
    primary_key=["id"],
)


@pytest.mark.parametrize("name", ["axum", "actix"])
def test_generated_endpoint_parses_with_tree_sitter_rust(name):
    fw = frameworks.by_name(name)
    code = fw.endpoint_file(
        TABLE, {"list", "get", "create", "replace", "update", "delete"}, "/blog-posts", "rust", ""
    )
    assert languages.error_count(code, "rust") == 0, code
    assert "pub struct BlogPostBody" in code
    assert "#[validate(length(min = 1, max = 200))]\n    pub title: String," in code
    assert "#[validate(email)]\n    pub author_email: String," in code
    assert "pub views: Option<i32>," in code and "{{" not in code
    assert fw.endpoint_location("/w", "blog_posts", "blogPosts", "rust") == (
        "src/handlers",
        "blog_posts.rs",
    )


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.glob("*/*.rs")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_every_rust_template_parses_once_filled(path):
    from backend_architect.frameworks.kit import rust_app

    raw = path.read_text(encoding="utf-8")
    filled = frameworks.by_name(path.parent.name).template(
        path.name, **rust_app.endpoint_values(TABLE, set())
    )
    assert languages.error_count(filled, "rust") == 0
    assert raw == filled or "{{" in raw


def _apply(text: str, edits: list[Edit]) -> str:
    data = text.encode()
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        data = data[: e.start] + e.new_text.encode() + data[e.end :]
    return data.decode()


def test_middleware_wiring_keeps_the_app_parsing():
    axum_main = 'use axum::Router;\n\nasync fn main() {\n    let app = Router::new().route("/", get(root));\n    serve(app).await;\n}\n'
    fw = frameworks.by_name("axum")
    m = fw.app_creation.search(axum_main)
    after = axum_main.index(";", m.end()) + 1
    gen = fw.middleware(
        Document(axum_main, path="src/main.rs"), m.group(2), after, m.group(1), "src/middleware.rs"
    )
    wired = _apply(axum_main, gen.edits)
    assert "let app = middleware::apply(app);" in wired
    assert languages.error_count(wired, "rust") == 0

    actix_main = "use actix_web::{App, HttpServer};\n\nasync fn main() {\n    HttpServer::new(|| App::new().service(index)).run().await;\n}\n"
    fw = frameworks.by_name("actix")
    m = fw.app_creation.search(actix_main)
    gen = fw.middleware(
        Document(actix_main, path="src/main.rs"), m.group(2), 0, m.group(1), "src/middleware.rs"
    )
    wired = _apply(actix_main, gen.edits)
    assert ".wrap(middleware::cors())" in wired
    assert languages.error_count(wired, "rust") == 0


# -- the generate command -------------------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "demo"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE blog_posts (\n  id bigserial PRIMARY KEY,\n  title varchar(200) NOT NULL\n);\n"
    )
    return tmp_path


@pytest.mark.parametrize("name", ["axum", "actix"])
def test_generate_endpoint_writes_a_parsing_rust_module(tmp_path, capsys, name):
    from backend_architect.cli import main

    root = _project(tmp_path)
    code = main(
        [
            "generate",
            "endpoint",
            "--framework",
            name,
            "--line",
            "1",
            "--root",
            str(root),
            "--write",
            str(root / "schema.sql"),
        ]
    )
    assert code == 0, capsys.readouterr()
    written = root / "src" / "handlers" / "blog_posts.rs"
    assert languages.error_count(written.read_text(), "rust") == 0
    assert "pub struct BlogPostBody" in written.read_text()


@pytest.mark.parametrize(
    "main_rs,wired",
    [
        (
            'use axum::Router;\n\nasync fn main() {\n    let app = Router::new().route("/", get(root));\n    serve(app).await;\n}\n',
            "let app = middleware::apply(app);",
        ),
        (
            "use actix_web::{App, HttpServer};\n\nasync fn main() {\n    HttpServer::new(|| {\n        App::new()\n            .service(index)\n    });\n}\n",
            ".wrap(middleware::cors())",
        ),
    ],
    ids=["axum", "actix"],
)
def test_generate_middleware_writes_the_module_beside_main_and_wires_it(
    tmp_path, capsys, main_rs, wired
):
    from backend_architect.cli import main

    root = _project(tmp_path)
    app = root / "src" / "main.rs"
    app.write_text(main_rs)
    assert main(["generate", "middleware", "--root", str(root), "--write", str(app)]) == 0, (
        capsys.readouterr()
    )
    assert wired in app.read_text() and languages.error_count(app.read_text(), "rust") == 0
    assert languages.error_count((root / "src" / "middleware.rs").read_text(), "rust") == 0


def test_a_fix_inside_a_rust_string_escapes_its_quotes(tmp_path, capsys):
    from backend_architect.cli import main

    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        'CREATE TABLE accounts (id bigint PRIMARY KEY, "Full Name" text, email text);\n'
    )
    src = tmp_path / "db.rs"
    src.write_text(
        'fn f() {\n    sqlx::query!("SELECT * FROM accounts");\n    sqlx::query!(r#"SELECT * FROM accounts"#);\n}\n'
    )
    main(["check", "--select", "QO001", "--fix", "--no-cache", str(tmp_path)])
    capsys.readouterr()
    fixed = src.read_text()
    assert 'sqlx::query!("SELECT id, \\"Full Name\\", email FROM accounts");' in fixed
    assert 'sqlx::query!(r#"SELECT id, "Full Name", email FROM accounts"#);' in fixed
    assert languages.error_count(fixed, "rust") == 0


def test_routers_built_in_tests_are_not_routes():
    src = (
        AXUM
        + '\n#[cfg(test)]\nmod tests {\n    #[tokio::test]\n    async fn login_works() {\n        let app = Router::new().route("/test-login", post(login));\n    }\n}\n'
    )
    _, routes = _routes(src)
    assert ("POST", "/test-login") not in routes and ("POST", "/api/v1/login") in routes
