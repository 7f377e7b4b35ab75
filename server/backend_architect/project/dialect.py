"""Which SQL dialect a file is written for, and the evidence.

File-level evidence (its name, its folders, its own syntax) beats project-level
evidence (the migration tool's config, the database drivers the project
depends on): a project with a Postgres driver may still keep MySQL migrations
for its MySQL users, and such a file says so in its name, folder or syntax.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from ..core.lazy_re import lazy


def _tomllib():
    """The TOML parser, imported when a pyproject.toml or Cargo.toml is read."""
    try:  # Python 3.11+
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    return tomllib


POSTGRES = "postgres"
UNKNOWN = "unknown"
CASSANDRA = "cassandra"
DIALECTS = (
    "postgres",
    "mysql",
    "sqlite",
    "cockroach",
    "clickhouse",
    "sqlserver",
    CASSANDRA,
    UNKNOWN,
)
# query languages that look like SQL and are not: no SQL rule reads their strings or files
NOT_SQL = (CASSANDRA,)

# a name token or a folder name -> dialect
_TOKENS = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "pgsql": "postgres",
    "psql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "cockroach": "cockroach",
    "cockroachdb": "cockroach",
    "crdb": "cockroach",
    "clickhouse": "clickhouse",
    "mssql": "sqlserver",
    "sqlserver": "sqlserver",
    "tsql": "sqlserver",
    "cassandra": CASSANDRA,  # CQL: Cassandra's and ScyllaDB's query language
    "scylla": CASSANDRA,
    "scylladb": CASSANDRA,
    "cql": CASSANDRA,
}
# file-name tokens: "pg" and "psql" are too short to trust inside a file name
_NAME_TOKENS = {k: v for k, v in _TOKENS.items() if k not in ("pg", "psql")}
_SPLIT = re.compile(r"[._\-]+")


@dataclass(frozen=True)
class Evidence:
    dialect: str
    source: str  # what said so, e.g. "go.mod requires github.com/lib/pq"

    def __str__(self) -> str:
        return f"{self.dialect} ({self.source})"


def from_name(name: str) -> Evidence | None:
    """``x.mysql.up.sql``, ``0001_init.sqlite3.sql``, ``clickhouse_schema.sql``..."""
    low = name.lower()
    for token in _SPLIT.split(low)[:-1] if "." in low else _SPLIT.split(low):
        dialect = _NAME_TOKENS.get(token)
        if dialect:
            return Evidence(dialect, f"file name {name}")
    if "clickhouse" in low:
        return Evidence("clickhouse", f"file name {name}")
    return None


_VARIANT_TAIL = lazy(r"(?:\.autocommit)?(?:\.(?:up|down))?\.sql$", re.I)


def has_postgres_variant(path: str) -> bool:
    """A generic migration next to its Postgres variant (``x.up.sql`` and ``x.postgres.up.sql``,
    ``x.autocommit.up.sql`` and ``x.postgres.autocommit.up.sql``): the runner gives Postgres the
    variant, so the generic file serves the other databases."""
    folder, name = os.path.split(path)
    if from_name(name) is not None:
        return False
    m = _VARIANT_TAIL.search(name)
    if m is None or m.start() == 0:
        return False
    from ..core.workspace import has_any

    stem, tail = name[: m.start()], name[m.start() :]
    return has_any(folder, tuple(f"{stem}.{token}{tail}" for token in ("postgres", "postgresql")))


def from_folders(rel_parts: list[str]) -> Evidence | None:
    """The nearest folder named after a dialect (``store/migration/mysql/0.1/x.sql``), or whose
    name holds a dialect's full name (``riversqlite/``, ``mysqlstore/``)."""
    for part in reversed(rel_parts):
        low = part.lower()
        dialect = _TOKENS.get(low)
        if dialect is None:
            dialect = next((d for word, d in _FOLDER_WORDS if word in low), None)
        if dialect:
            return Evidence(dialect, f"folder {part}/")
    return None


# names long enough to trust inside a folder name (not "pg": "pkg", "upgrade")
_FOLDER_WORDS = (
    ("sqlite", "sqlite"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
    ("cockroach", "cockroach"),
    ("clickhouse", "clickhouse"),
    ("postgres", "postgres"),
    ("cassandra", CASSANDRA),
    ("scylla", CASSANDRA),
)


_CLICKHOUSE_ENGINE = lazy(
    r"\bENGINE\s*=?\s*(?:Replicated)?\w*(?:MergeTree|Log|Kafka|Distributed)\b", re.I
)
_MYSQL_ENGINE = lazy(r"\bENGINE\s*=\s*(?:InnoDB|MyISAM|Aria|MEMORY|ARCHIVE|NDB\w*)\b", re.I)
_MYSQL_AUTO = lazy(r"\bAUTO_INCREMENT\b", re.I)
_MYSQL_CHARSET = lazy(r"\bDEFAULT\s+(?:CHARSET|CHARACTER\s+SET)\s*=", re.I)
_BACKTICK_DDL = lazy(r"\b(?:CREATE|ALTER)\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`", re.I)
_SQLITE_AUTO = lazy(r"\bAUTOINCREMENT\b", re.I)
# [^\S\n]: blanks within the line (a \s* at a line start can run over every blank line after it)
_SQLITE_PRAGMA = lazy(r"^[^\S\n]*PRAGMA\s+\w+", re.I | re.M)
_SQLSERVER = lazy(
    r"^[^\S\n]*GO[^\S\n]*$|\bIDENTITY\s*\(\s*\d+\s*,\s*\d+\s*\)|\bNVARCHAR\s*\(\s*MAX\s*\)",
    re.I | re.M,
)
# what _SQLSERVER needs besides a word, in lower case (a case-sensitive search is much faster):
# "identity" is in every IDENTITY column, only SQL Server's takes numbers in parentheses
_SQLSERVER_HINT = lazy(r"^[^\S\n]*go[^\S\n]*$|identity\s*\(\s*\d|nvarchar", re.M)
_CONTENT_SCAN = 64 * 1024


def from_content(text: str) -> Evidence | None:
    """Syntax only one dialect accepts (a SQL file's own words)."""
    head = text[:_CONTENT_SCAN]
    low = head.lower()  # a pattern runs only when its word is there: most files have none of them
    m = _CLICKHOUSE_ENGINE.search(head) if "engine" in low else None
    if m:
        return Evidence("clickhouse", f"syntax {m.group(0).strip()!r}")
    for rx, dialect, words in _CONTENT_PATTERNS:
        if not any(w in low for w in words):
            continue
        if rx is _SQLSERVER and not _SQLSERVER_HINT.search(low):
            continue
        m = rx.search(head)
        if m:
            return Evidence(dialect, f"syntax {m.group(0).strip()!r}")
    return None


# (pattern, dialect, words of which the pattern needs one), in the order they are tried
_CONTENT_PATTERNS = (
    (_MYSQL_ENGINE, "mysql", ("engine",)),
    (_MYSQL_AUTO, "mysql", ("auto_increment",)),
    (_MYSQL_CHARSET, "mysql", ("charset", "character")),
    (_SQLITE_AUTO, "sqlite", ("autoincrement",)),
    (_SQLITE_PRAGMA, "sqlite", ("pragma",)),
    (_BACKTICK_DDL, "mysql", ("`",)),
    (_SQLSERVER, "sqlserver", ("go", "identity", "nvarchar")),
)


# -- project level: the migration tool's config and the database drivers ---------------------

_GO_DRIVERS = (
    ("github.com/lib/pq", POSTGRES),
    ("github.com/jackc/pgx", POSTGRES),
    ("gorm.io/driver/postgres", POSTGRES),
    ("github.com/go-pg/pg", POSTGRES),
    ("github.com/uptrace/bun/driver/pgdriver", POSTGRES),
    ("github.com/go-sql-driver/mysql", "mysql"),
    ("gorm.io/driver/mysql", "mysql"),
    ("github.com/mattn/go-sqlite3", "sqlite"),
    ("modernc.org/sqlite", "sqlite"),
    ("gorm.io/driver/sqlite", "sqlite"),
    ("github.com/glebarez/sqlite", "sqlite"),
    ("github.com/ncruces/go-sqlite3", "sqlite"),
    ("github.com/ClickHouse/clickhouse-go", "clickhouse"),
    ("github.com/denisenkom/go-mssqldb", "sqlserver"),
    ("github.com/microsoft/go-mssqldb", "sqlserver"),
)
_JS_DRIVERS = {
    "pg": POSTGRES,
    "postgres": POSTGRES,
    "pg-promise": POSTGRES,
    "@neondatabase/serverless": POSTGRES,
    "@vercel/postgres": POSTGRES,
    "slonik": POSTGRES,
    "mysql": "mysql",
    "mysql2": "mysql",
    "mariadb": "mysql",
    "sqlite3": "sqlite",
    "better-sqlite3": "sqlite",
    "@libsql/client": "sqlite",
    "sqlite": "sqlite",
    "mssql": "sqlserver",
    "tedious": "sqlserver",
    "@clickhouse/client": "clickhouse",
}
_PY_DRIVERS = {
    "psycopg": POSTGRES,
    "psycopg2": POSTGRES,
    "psycopg2-binary": POSTGRES,
    "psycopg-binary": POSTGRES,
    "asyncpg": POSTGRES,
    "pg8000": POSTGRES,
    "psycopg-pool": POSTGRES,
    "pymysql": "mysql",
    "mysqlclient": "mysql",
    "aiomysql": "mysql",
    "mysql-connector-python": "mysql",
    "asyncmy": "mysql",
    "aiosqlite": "sqlite",
    "clickhouse-driver": "clickhouse",
    "clickhouse-connect": "clickhouse",
    "pymssql": "sqlserver",
    "pyodbc": "sqlserver",
}
_RUST_FEATURES = {"postgres": POSTGRES, "mysql": "mysql", "sqlite": "sqlite"}
_RUST_CRATES = {
    "tokio-postgres": POSTGRES,
    "postgres": POSTGRES,
    "rusqlite": "sqlite",
    "mysql_async": "mysql",
    "mysql": "mysql",
    "clickhouse": "clickhouse",
    "tiberius": "sqlserver",
}
_URL_SCHEMES = (
    ("postgres", POSTGRES),
    ("cockroach", "cockroach"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
    ("sqlite", "sqlite"),
    ("file:", "sqlite"),
    ("clickhouse", "clickhouse"),
    ("mssql", "sqlserver"),
    ("sqlserver", "sqlserver"),
)
_PROVIDERS = {
    "postgresql": POSTGRES,
    "postgres": POSTGRES,
    "mysql": "mysql",
    "sqlite": "sqlite",
    "sqlserver": "sqlserver",
    "cockroachdb": "cockroach",
}
_KNEX_CLIENTS = {
    "pg": POSTGRES,
    "postgres": POSTGRES,
    "postgresql": POSTGRES,
    "pg-native": POSTGRES,
    "mysql": "mysql",
    "mysql2": "mysql",
    "sqlite3": "sqlite",
    "better-sqlite3": "sqlite",
    "mssql": "sqlserver",
    "cockroachdb": "cockroach",
}


def _read(path: str, limit: int = 512 * 1024) -> str | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _url_dialect(url: str) -> str | None:
    low = url.strip().strip("'\"").lower()
    for scheme, dialect in _URL_SCHEMES:
        if low.startswith(scheme):
            return dialect
    return None


def tool_evidence(root: str) -> list[Evidence]:
    """What the migration tool's or query generator's config says (strong)."""
    out: list[Evidence] = []
    for name in ("sqlc.yaml", "sqlc.yml", "sqlc.json"):
        text = _read(os.path.join(root, name))
        if text:
            for m in re.finditer(
                r"""["']?engine["']?\s*:\s*["']?(postgresql|mysql|sqlite)""", text
            ):
                out.append(Evidence(_PROVIDERS[m.group(1)], f"{name} engine {m.group(1)}"))
    for rel in ("prisma/schema.prisma", "schema.prisma", "db/schema.prisma"):
        text = _read(os.path.join(root, rel))
        if text:
            found = re.search(r"datasource\s+\w+\s*\{[^}]*?provider\s*=\s*\"(\w+)\"", text, re.S)
            if found and found.group(1).lower() in _PROVIDERS:
                provider = found.group(1)
                out.append(Evidence(_PROVIDERS[provider.lower()], f"{rel} provider {provider}"))
    text = _read(os.path.join(root, "alembic.ini"))
    if text:
        url = re.search(r"^\s*sqlalchemy\.url\s*=\s*(\S+)", text, re.M)
        url_dialect = _url_dialect(url.group(1)) if url else None
        if url and url_dialect:
            out.append(
                Evidence(
                    url_dialect,
                    f"alembic.ini sqlalchemy.url {url.group(1).split(':')[0]}",
                )
            )
    for name in ("knexfile.js", "knexfile.ts", "knexfile.cjs", "knexfile.mjs"):
        text = _read(os.path.join(root, name))
        if text:
            for m in re.finditer(r"""client\s*:\s*["']([\w-]+)["']""", text):
                dialect = _KNEX_CLIENTS.get(m.group(1).lower())
                if dialect:
                    out.append(Evidence(dialect, f"{name} client {m.group(1)}"))
    text = _read(os.path.join(root, "atlas.hcl"))
    if text:
        for m in re.finditer(r"""(?:url|dev)\s*=\s*"([a-z0-9+]+)://""", text):
            dialect = _url_dialect(m.group(1)) or ("postgres" if "postgres" in m.group(1) else None)
            if m.group(1) == "docker":
                continue
            if dialect:
                out.append(Evidence(dialect, f"atlas.hcl {m.group(1)}://"))
        for m in re.finditer(r'"docker://(postgres|mysql|mariadb|sqlite)', text):
            out.append(
                Evidence(_url_dialect(m.group(1)) or POSTGRES, f"atlas.hcl docker://{m.group(1)}")
            )
    if os.path.isfile(os.path.join(root, "diesel.toml")):
        features = _cargo_dialects(root, only="diesel")
        if not features:
            out.append(Evidence(POSTGRES, "diesel.toml"))
    for name in (".env", ".env.example", ".env.sample"):  # dbmate and friends read DATABASE_URL
        text = _read(os.path.join(root, name), 64 * 1024)
        if text:
            env = re.search(r"^\s*DATABASE_URL\s*=\s*[\"']?([a-z0-9+]+):", text, re.M)
            env_dialect = _url_dialect(env.group(1)) if env else None
            if env and env_dialect:
                out.append(Evidence(env_dialect, f"{name} DATABASE_URL {env.group(1)}://"))
    return _dedupe(out)


def driver_evidence(root: str) -> list[Evidence]:
    """The database drivers the project depends on."""
    out: list[Evidence] = []
    text = _read(os.path.join(root, "go.mod"))
    if text:
        for line in text.splitlines():
            if "// indirect" in line:
                continue
            for module, dialect in _GO_DRIVERS:
                if re.search(r"(^|\s)" + re.escape(module) + r"(/v\d+)?(\s|$)", line):
                    out.append(Evidence(dialect, f"go.mod requires {module}"))
    text = _read(os.path.join(root, "package.json"))
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        deps = data.get("dependencies") if isinstance(data, dict) else None
        for name in deps or {}:
            js_dialect = _JS_DRIVERS.get(name)
            if js_dialect:
                out.append(Evidence(js_dialect, f"package.json depends on {name}"))
    for name in _python_requirements(root):
        py_dialect = _PY_DRIVERS.get(name)
        if py_dialect:
            out.append(Evidence(py_dialect, f"depends on {name}"))
    out += [Evidence(d, s) for d, s in _cargo_dialects(root)]
    return _dedupe(out)


def _dedupe(items: list[Evidence]) -> list[Evidence]:
    seen: set[str] = set()
    out = []
    for e in items:
        if e.source not in seen:
            seen.add(e.source)
            out.append(e)
    return out


def _req_name(spec: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)", spec)
    return m.group(1).lower().replace("_", "-") if m else ""


def _python_requirements(root: str) -> list[str]:
    names: list[str] = []
    path = os.path.join(root, "pyproject.toml")
    if os.path.isfile(path):
        tomllib = _tomllib()
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        for spec in (data.get("project") or {}).get("dependencies") or []:
            if isinstance(spec, str):
                names.append(_req_name(spec))
        poetry = ((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
        names += [str(k).lower() for k in poetry]
    for name in (
        "requirements.txt",
        "requirements/base.txt",
        "requirements/production.txt",
        "requirements/prod.txt",
    ):
        text = _read(os.path.join(root, name), 64 * 1024)
        if text:
            names += [
                _req_name(line)
                for line in text.splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "-"))
            ]
    text = _read(os.path.join(root, "setup.py"), 64 * 1024)
    if text:
        names += [
            _req_name(m.group(1))
            for m in re.finditer(r"""["']([A-Za-z0-9_.\-]+)\s*(?:[<>=!~\[;][^"']*)?["']""", text)
        ]
    # psycopg[binary] and friends
    return [n.split("[")[0] for n in names if n]


def _cargo_dialects(root: str, only: str | None = None) -> list[tuple[str, str]]:
    path = os.path.join(root, "Cargo.toml")
    if not os.path.isfile(path):
        return []
    tomllib = _tomllib()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return []
    out: list[tuple[str, str]] = []
    tables = [
        data.get("dependencies") or {},
        (data.get("workspace") or {}).get("dependencies") or {},
    ]
    for deps in tables:
        for name, spec in deps.items():
            crate = str(name)
            if only and crate != only:
                continue
            if crate in (
                "sqlx",
                "diesel",
                "diesel-async",
                "sea-orm",
                "diesel_migrations",
            ) and isinstance(spec, dict):
                for feature in spec.get("features") or []:
                    base = str(feature).split("-")[0].replace("sqlx", "")
                    for key, dialect in _RUST_FEATURES.items():
                        if (
                            str(feature) == key
                            or base == key
                            or str(feature).startswith(f"sqlx-{key}")
                        ):
                            out.append((dialect, f"Cargo.toml {crate} feature {feature}"))
            elif not only and crate in _RUST_CRATES:
                out.append((_RUST_CRATES[crate], f"Cargo.toml depends on {crate}"))
    return list(dict.fromkeys(out))


def resolve(evidence: list[Evidence]) -> tuple[str, tuple[str, ...]]:
    """(dialect, candidates): one dialect when the evidence agrees, else unknown with the candidates."""
    found = tuple(dict.fromkeys(e.dialect for e in evidence))
    if len(found) == 1:
        return found[0], found
    return UNKNOWN, found
