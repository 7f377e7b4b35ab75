"""Which tool runs a migrations folder, and whether each file runs inside a transaction.

The runner decides what a migration may contain: `CREATE INDEX CONCURRENTLY` fails in a
file the runner wraps in a transaction unless the file opts out in the runner's own way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from ..core.lazy_re import lazy

IN_TRANSACTION = "each file in a transaction"
NO_TRANSACTION = "no transaction unless the file opens one"
IMPLICIT = "one multi-statement query per file (an implicit transaction)"


@dataclass(frozen=True)
class Runner:
    name: str
    evidence: str
    transaction: str  # IN_TRANSACTION, NO_TRANSACTION or IMPLICIT

    def to_json(self) -> dict:
        return {"name": self.name, "evidence": self.evidence, "transaction": self.transaction}


# per-file opt-outs: runner -> (regex over the file's text, what it says)
_OPT_OUTS = {
    "goose": lazy(r"^\s*--\s*\+goose\s+NO\s+TRANSACTION\b", re.I | re.M),
    "dbmate": lazy(r"^\s*--\s*migrate:up\b[^\n]*\btransaction:false\b", re.I | re.M),
    "sql-migrate": lazy(r"^\s*--\s*\+migrate\s+Up\b[^\n]*\bnotransaction\b", re.I | re.M),
    "sqlx": lazy(r"\A\s*--\s*no-transaction\b", re.I),
    "liquibase": lazy(r"^\s*--\s*changeset\b[^\n]*\brunInTransaction:false\b", re.I | re.M),
    "django": lazy(r"^\s+atomic\s*=\s*False\b", re.M),
    "alembic": lazy(r"\bautocommit_block\s*\(", re.M),
    "knex": lazy(r"\bconfig\s*=\s*\{[^}]*\btransaction\s*:\s*false", re.S),
    "node-pg-migrate": lazy(r"\bpgm\.noTransaction\s*\(", re.M),
    "typeorm": lazy(r"\btransaction\s*=\s*false\b", re.M),
}


def _names(folder: str, limit: int = 400) -> list[str]:
    out = []
    try:
        for dirpath, _dirnames, filenames in os.walk(folder):
            rel = os.path.relpath(dirpath, folder)
            out += [n if rel == "." else f"{rel}/{n}".replace(os.sep, "/") for n in filenames]
            if len(out) >= limit:
                break
    except OSError:
        pass
    return out


def _head(path: str, limit: int = 8192) -> str:
    from ..core.workspace import read_bytes

    try:
        return read_bytes(path, limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _manifests(root: str | None) -> str:
    if not root:
        return ""
    return "\n".join(
        _head(os.path.join(root, n), 256 * 1024)
        for n in ("go.mod", "Cargo.toml", "package.json", "pyproject.toml", "requirements.txt")
    )


def detect_runner(folder: str, model=None) -> Runner | None:
    """The migration tool of ``folder`` (None when nothing says)."""
    names = _names(folder)
    if not names:
        return None
    root = model.root_of(folder) if model is not None else None
    deps = _manifests(root)
    low = [n.lower() for n in names]
    sql = [n for n in names if n.lower().endswith(".sql")]
    sample = "\n".join(_head(os.path.join(folder, n), 2048) for n in sql[:20])
    code = [n for n in names if n.endswith((".py", ".js", ".ts", ".cjs", ".mjs"))]
    code_sample = "\n".join(_head(os.path.join(folder, n), 4096) for n in code[:10])
    has_diesel = (
        bool(root and os.path.isfile(os.path.join(root, "diesel.toml"))) or "diesel" in deps
    )
    if any(n.endswith("/up.sql") or n == "up.sql" for n in low) and has_diesel:
        return Runner("diesel", "up.sql/down.sql folders and diesel", IN_TRANSACTION)
    if any(n.endswith("/migration.sql") for n in low) and (
        "prisma" in folder.lower() or "prisma" in deps
    ):
        # Prisma Migrate sends migration.sql as one script: a transaction block unless it is one statement
        return Runner("prisma", "<timestamp>_name/migration.sql folders", IMPLICIT)
    if re.search(r"^\s*--\s*\+goose\s+Up", sample, re.I | re.M) or "pressly/goose" in deps:
        return Runner(
            "goose",
            "-- +goose Up markers" if "goose" in sample.lower() else "go.mod requires goose",
            IN_TRANSACTION,
        )
    if re.search(r"^\s*--\s*migrate:up", sample, re.M):
        return Runner("dbmate", "-- migrate:up markers", IN_TRANSACTION)
    if re.search(r"^\s*--\s*\+migrate\s+Up", sample, re.I | re.M):
        return Runner("sql-migrate", "-- +migrate Up markers", IN_TRANSACTION)
    if re.search(r"^\s*--\s*liquibase\s+formatted\s+sql", sample, re.I | re.M):
        return Runner("liquibase", "--liquibase formatted sql", IN_TRANSACTION)
    if any(re.match(r"v\d+(?:[._]\d+)*__", n.rsplit("/", 1)[-1]) for n in low):
        return Runner("flyway", "V<version>__name.sql files", IN_TRANSACTION)
    if (
        any(n.endswith(".fizz") for n in low)
        or "gobuffalo/pop" in deps
        or "ory/pop" in deps
        or "popx" in deps
    ):
        return Runner("pop", "fizz files or pop in go.mod", IN_TRANSACTION)
    if "sqlx" in deps and sql and root and os.path.isfile(os.path.join(root, "Cargo.toml")):
        return Runner("sqlx", "Cargo.toml depends on sqlx", IN_TRANSACTION)
    if any(n.endswith((".up.sql", ".down.sql")) for n in low) and "golang-migrate" in deps:
        return Runner("golang-migrate", "go.mod requires golang-migrate", IMPLICIT)
    if (
        any(n.endswith(".up.sql") for n in low)
        and root
        and os.path.isfile(os.path.join(root, "go.mod"))
    ):
        return Runner("golang-migrate", "NNN_name.up.sql / .down.sql pairs", IMPLICIT)
    if "class Migration(migrations.Migration)" in code_sample:
        return Runner("django", "Django migration classes", IN_TRANSACTION)
    if (
        re.search(r"^(?:down_)?revision\s*(?::\s*\w+\s*)?=", code_sample, re.M)
        and "alembic" in code_sample
    ):
        return Runner("alembic", "Alembic revision files", IN_TRANSACTION)
    if "MigrationInterface" in code_sample:
        return Runner("typeorm", "TypeORM MigrationInterface classes", IN_TRANSACTION)
    if re.search(r"\bpgm\.", code_sample):
        return Runner("node-pg-migrate", "pgm.* calls", IN_TRANSACTION)
    if "queryInterface" in code_sample:
        return Runner("sequelize", "queryInterface calls", NO_TRANSACTION)
    if re.search(
        r"exports\.up\s*=|export\s+(?:async\s+)?function\s+up\b", code_sample
    ) and "knex" in (code_sample + deps):
        return Runner("knex", "knex up/down functions", IN_TRANSACTION)
    return None


# runners that refuse a SQL file without their own marker: a file lacking it is not theirs
_MARKERS = {
    "goose": lazy(r"^\s*--\s*\+goose\s+Up\b", re.I | re.M),
    "dbmate": lazy(r"^\s*--\s*migrate:up\b", re.I | re.M),
    "sql-migrate": lazy(r"^\s*--\s*\+migrate\s+Up\b", re.I | re.M),
}


def file_transaction(runner: Runner | None, path: str, text: str | None) -> tuple[bool | None, str]:
    """(runs in a transaction?, why) for one migration file of ``runner``'s folder."""
    if runner is None:
        return None, "migration tool not known"
    marker = _MARKERS.get(runner.name)
    if (
        marker is not None
        and text is not None
        and path.lower().endswith(".sql")
        and not marker.search(text)
    ):
        return None, f"no {runner.name} marker in the file ({runner.name} would not run it)"
    opt_out = _OPT_OUTS.get(runner.name)
    if opt_out is not None and text and opt_out.search(text):
        return False, f"{runner.name} opt-out in the file"
    if runner.name == "diesel":
        from ..core.workspace import has_any

        folder = os.path.dirname(path)  # (most have none: the run's walk says so without a probe)
        meta = (
            _head(os.path.join(folder, "metadata.toml"), 4096)
            if has_any(folder, ("metadata.toml",))
            else ""
        )
        if meta and re.search(r"^\s*run_in_transaction\s*=\s*false", meta, re.M):
            return False, "metadata.toml run_in_transaction = false"
    if runner.name == "flyway":
        conf = _head(path + ".conf", 4096)
        if re.search(r"^\s*executeInTransaction\s*=\s*false", conf, re.M):
            return False, f"{os.path.basename(path)}.conf executeInTransaction=false"
    if runner.name == "pop" and ".autocommit." in os.path.basename(path).lower():
        return False, "popx runs .autocommit. migrations outside a transaction"
    if runner.transaction == IN_TRANSACTION:
        return True, f"{runner.name} runs each file in a transaction"
    if runner.transaction == IMPLICIT:
        return True, f"{runner.name} sends the file as one query (an implicit transaction)"
    return False, f"{runner.name} does not wrap files in a transaction"


_PLACEHOLDER = lazy(r"\$\{([A-Za-z_][\w.:-]*)\}")


def placeholders(runner: Runner | None, folder: str, root: str | None) -> dict[str, str]:
    """The values the runner substitutes for ``${name}`` in a migration before it runs it:
    Flyway's ``flyway.placeholders.<name>`` (``flyway.conf``, ``conf/flyway.conf``) and
    ``[flyway.placeholders]`` / ``[environments.*.flyway.placeholders]`` (``flyway.toml``)."""
    if runner is None or runner.name != "flyway":
        return {}
    out: dict[str, str] = {}
    bases = [folder]  # the folder and the folders above it, up to the project root (4 at most)
    while len(bases) < 5 and os.path.dirname(bases[-1]) != bases[-1]:
        if root and os.path.abspath(bases[-1]) == os.path.abspath(root):
            break
        bases.append(os.path.dirname(bases[-1]))
    for base in dict.fromkeys([*bases, *([root] if root else [])]):
        for name in ("flyway.conf", os.path.join("conf", "flyway.conf")):
            for m in re.finditer(
                r"^\s*flyway\.placeholders\.([\w.:-]+)\s*=\s*(.*?)\s*$",
                _head(os.path.join(base, name), 256 * 1024),
                re.M,
            ):
                out.setdefault(m.group(1), m.group(2))
        toml = _head(os.path.join(base, "flyway.toml"), 256 * 1024)
        if toml:
            try:
                import tomllib
            except ImportError:  # Python 3.10
                tomllib = None
            data = {}
            if tomllib is not None:
                try:
                    data = tomllib.loads(toml)
                except ValueError:
                    data = {}
            tables = [data.get("flyway", {}).get("placeholders", {})] + [
                env.get("flyway", {}).get("placeholders", {})
                for env in (data.get("environments") or {}).values()
                if isinstance(env, dict)
            ]
            for table in tables:
                for k, v in (table or {}).items():
                    out.setdefault(str(k), str(v))
    return out


def render_placeholders(text: str, values: dict[str, str]) -> str:
    """``text`` with each ``${name}`` the runner knows replaced by its value (others kept: the
    runner would refuse the file, and so does PostgreSQL)."""
    if not values or "${" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
