import re

from backend_architect.app import checks
from backend_architect.core import languages
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES, line_start, text
from ...core.lazy_re import lazy

PY_FACTORIES = lazy(
    r"^(psycopg2?\.connect|psycopg\.AsyncConnection\.connect|pymysql\.connect|MySQLdb\.connect|mysql\.connector\.connect|"
    r"asyncpg\.connect|asyncpg\.create_pool|aiomysql\.connect|aiomysql\.create_pool|(?:sqlalchemy\.)?create_engine|"
    r"(?:sqlalchemy\.ext\.asyncio\.)?create_async_engine|(?:pymongo\.)?MongoClient|(?:motor\.motor_asyncio\.)?AsyncIOMotorClient|"
    r"redis\.Redis|redis\.StrictRedis|redis\.from_url|(?:psycopg_pool\.)?(?:Async)?ConnectionPool)$"
)
JS_FACTORIES = lazy(
    r"^(new (?:pg\.)?Pool|new (?:pg\.)?Client|new PrismaClient|new MongoClient|new Sequelize|new Redis|"
    r"(?:mysql2?\.)?createConnection|(?:mysql2?\.)?createPool|createClient|knex|postgres)$"
)
GO_FACTORIES = lazy(
    r"^(sql\.Open|sqlx\.Open|sqlx\.Connect|pgx\.Connect|pgxpool\.New|pgxpool\.Connect|gorm\.Open|mongo\.Connect|redis\.NewClient)$"
)
# the callees GO_FACTORIES names, as text: a file without one of them calls none
GO_FACTORY_NAMES = (
    b"sql.Open",
    b"sqlx.Open",
    b"sqlx.Connect",
    b"pgx.Connect",
    b"pgxpool.New",
    b"pgxpool.Connect",
    b"gorm.Open",
    b"mongo.Connect",
    b"redis.NewClient",
)
RUST_FACTORIES = lazy(
    r"^(?:sqlx::)?(?:Pg|MySql|Sqlite|Any)?(?:Pool|Connection)::connect(?:_with|_lazy)?$|"
    r"^(?:sqlx::)?(?:\w+::)*(?:Pg|MySql|Sqlite|Any)?PoolOptions::new\(\)(?:\s*\.\s*\w+\([^()]*\))*\s*\.\s*connect(?:_with|_lazy)?$|"
    r"^tokio_postgres::connect$|^(?:diesel::)?(?:\w+::)*(?:Pg|Mysql|Sqlite|AsyncPg|AsyncMysql)Connection::establish$|"
    r"^(?:redis::)?Client::open$|^(?:mongodb::)?Client::with_uri_str$"
)
POOL_LIKE = lazy(
    r"create_engine|create_async_engine|create_pool|ConnectionPool|MongoClient|MotorClient|Redis|Pool|PrismaClient|Sequelize|createPool|knex|postgres"
)


class ConnectionPerRequest(Rule):
    """
    ## What it does
    Flags a database connection, client, pool or engine created inside a request
    handler (`psycopg.connect`, `create_engine`, `new Pool`, `new PrismaClient`,
    `sql.Open`, `gorm.Open`, sqlx `PgPool::connect` / `PgConnection::connect`, diesel
    `PgConnection::establish`, `tokio_postgres::connect` ...).

    ## Why is this bad?
    Every request pays a TCP and TLS handshake plus authentication (often more
    than the query itself), and under load the database runs out of
    connections. An engine or pool created per request defeats pooling
    entirely and leaks connections when it is not disposed.

    ## Example
    ```python
    @app.get("/users")
    def list_users():
        engine = create_engine(DATABASE_URL)
        with engine.connect() as conn:
            return conn.execute(text("SELECT id, email FROM users LIMIT 50")).all()
    ```

    ## Use instead
    ```python
    engine = create_engine(DATABASE_URL, pool_size=10, max_overflow=5, pool_timeout=30)

    @app.get("/users")
    def list_users():
        with engine.connect() as conn:
            return conn.execute(text("SELECT id, email FROM users LIMIT 50")).all()
    ```
    The fix moves a pool, engine or client created with module-level arguments
    to module level, where it is created once and shared.
    """

    code = "CP001"
    name = "connection-per-request"
    command = "CONNECTION_POOL"
    languages = (*APP_LANGUAGES, "rust")
    severity = Severity.WARNING
    message = "`{call}` runs on every request; create the pool/client once at startup and share it"
    fix_title = "move `{name}` to module level (created once)"
    fix_safety = Applicability.UNSAFE

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        lang = ctx.document.language
        if lang == "go" and not any(name in data for name in GO_FACTORY_NAMES):
            return  # (its handlers' calls are not read)
        a = checks.analysis(ctx)
        for h in checks.handlers(ctx):
            if h.node is None:
                continue
            if lang == "python":
                q, factories = "(call function: (_) @f) @c", PY_FACTORIES
            elif lang == "go":
                q, factories = "(call_expression function: (_) @f) @c", GO_FACTORIES
            elif lang == "rust":
                q, factories = "(call_expression function: (_) @f) @c", RUST_FACTORIES
            else:
                q, factories = (
                    "[(call_expression function: (_) @f) (new_expression constructor: (_) @f)] @c",
                    JS_FACTORIES,
                )
            for _, m in languages.matches(lang, q, h.node):
                call = m["c"][0]
                name = text(m["f"][0], data)
                if call.type == "new_expression":
                    name = "new " + name
                if not factories.match(name):
                    continue
                if (
                    lang in JS_LANGUAGES
                    and name in ("new Client", "createClient", "postgres", "knex")
                    and not re.search(rb"['\"](pg|redis|postgres|knex|@redis/client)['\"]", data)
                ):
                    continue
                fix = self._hoist(a, h, call, name, data, lang) if POOL_LIKE.search(name) else None
                yield self.finding(call.start_byte, call.end_byte, fix=fix, call=name)

    def _hoist(self, a, h, call, name, data, lang):
        if lang in ("go", "rust"):
            return None
        stmt, var = _assignment_of(call, data, lang)
        if stmt is None:
            return None
        body = h.node.child_by_field_name("body")
        btext = data[body.start_byte : body.end_byte]
        if re.search(
            rb"\b"
            + re.escape(var.encode())
            + rb"\.(close|dispose|end|\$disconnect|quit|disconnect)\(",
            btext,
        ):
            return None
        if re.search(
            rb"^\s*(?:const|let|var)?\s*" + re.escape(var.encode()) + rb"\s*=",
            data[: h.node.start_byte],
            re.M,
        ):
            return None
        locals_ = _local_names(h.node, data, lang) - {var}
        used = set(re.findall(r"[A-Za-z_$][\w$]*", text(call, data)))
        if used & locals_:
            return None  # built from request data: cannot move
        top = h.node
        while top.parent is not None and top.parent.type not in ("module", "program"):
            top = top.parent
        start = line_start(data, top.start_byte)
        line_s = line_start(data, stmt.start_byte)
        line_e = data.find(b"\n", stmt.end_byte)
        line_e = len(data) if line_e < 0 else line_e + 1
        trailing = data[stmt.end_byte : line_e].strip(b" \t\r\n;")
        if (
            data[line_s : stmt.start_byte].strip()
            or trailing
            and not trailing.startswith((b"#", b"//"))
        ):
            return None
        stmt_text = text(stmt, data)
        if lang in JS_LANGUAGES and not stmt_text.rstrip().endswith(";"):
            stmt_text += ";"
        if trailing:
            stmt_text += "  " + trailing.decode("utf-8", "replace")
        gap = "\n\n\n" if lang == "python" else "\n\n"
        return self.fix(
            [Edit(start, start, stmt_text.strip() + gap), Edit(line_s, line_e, "")],
            title=self.fix_title.format(name=var),
        )


def _assignment_of(call, data, lang):
    node = call
    if node.parent is not None and node.parent.type in ("await", "await_expression"):
        node = node.parent
    p = node.parent
    if lang == "python":
        if (
            p is not None
            and p.type == "assignment"
            and p.child_by_field_name("left").type == "identifier"
            and p.parent.type == "expression_statement"
        ):
            return p.parent, text(p.child_by_field_name("left"), data)
        return None, None
    if (
        p is not None
        and p.type == "variable_declarator"
        and p.child_by_field_name("name").type == "identifier"
    ):
        decl = p.parent
        if (
            decl is not None
            and decl.type in ("lexical_declaration", "variable_declaration")
            and len(decl.named_children) == 1
        ):
            return decl, text(p.child_by_field_name("name"), data)
    return None, None


def _local_names(fn, data, lang) -> set[str]:
    names = set()
    if lang == "python":
        q = "(parameters (_) @p) (assignment left: (identifier) @p) (for_statement left: (identifier) @p)"
    else:
        q = "(formal_parameters (_) @p) (variable_declarator name: (_) @p)"
    for nodes in languages.captures(lang, q, fn).values():
        for n in nodes:
            names.update(re.findall(r"[A-Za-z_$][\w$]*", text(n, data).split(":")[0].split("=")[0]))
    if lang in JS_LANGUAGES:
        p = fn.child_by_field_name("parameter")
        if p is not None:
            names.add(text(p, data))
    return names
