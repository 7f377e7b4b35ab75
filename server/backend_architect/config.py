"""Settings: a typed tree with defaults.

Read from ``[tool.backend-architect]`` in pyproject.toml or from
``backend-architect.toml`` at the project root (kebab-case keys), and from the
editor (camelCase keys in initializationOptions / didChangeConfiguration).
A bad value never stops the editor: it yields a warning and the default. The
command line treats the same messages as errors (exit 2).
"""

from __future__ import annotations

import functools
import fnmatch
import os
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any


def _tomllib():
    """The TOML parser, imported when a config file is read (most runs read none)."""
    try:  # Python 3.11+
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib
    return tomllib


def _known_dialects() -> tuple[str, ...]:
    """The ``dialect`` setting's values: the project model's dialects, ``auto`` and ``generic``."""
    from .project.dialect import DIALECTS

    return ("auto", *DIALECTS, "generic")


def _not_own_kinds() -> tuple[str, ...]:
    """The kinds of code not the project's own (``include-generated`` names them)."""
    from .project.ownership import KINDS

    return KINDS


SEVERITIES = ("error", "warning", "information", "hint")
CONFIG_FILES = ("backend-architect.toml", ".backend-architect.toml", "pyproject.toml")
DEFAULT_MODEL = "claude-sonnet-4-5"


@dataclass(frozen=True)
class MigrationSettings:
    lock_timeout: str = "5s"
    baseline: str | None = None  # without git: this migration and the ones before it are history
    pending: int = (
        1  # without git and baseline: the newest N migrations of a folder are not history
    )


@dataclass(frozen=True)
class DatabaseSettings:
    """The development database (read only). ``url`` comes from the editor's settings or
    ``DATABASE_URL``, never from a committed config file."""

    url: str | None = None
    use_env: bool = True  # DATABASE_URL counts as the opt-in; false: only database.url does
    statement_timeout_ms: int = 2000
    lock_timeout_ms: int = 500
    hypopg: bool = True  # check index advice with HypoPG when the extension is there
    explain_on_hover: bool = True
    verify_on_save: bool = False  # replay + trace a saved migration on a throwaway PostgreSQL
    postgres_bin: str | None = (
        None  # the folder of initdb/pg_ctl/postgres for verify (default: found)
    )
    size_migrations: bool = False  # MIGRATION findings on small tables (reltuples) become hints
    small_table_rows: int = 10000  # the row count below which a table is small

    def __repr__(self) -> str:  # never print the password
        url = self.url
        if url:  # (the database helpers are imported only when there is a URL to mask)
            from .db.devdb import mask_url

            url = mask_url(url)
        return (
            f"DatabaseSettings(url={url!r}, use_env={self.use_env}, statement_timeout_ms={self.statement_timeout_ms}, "
            f"lock_timeout_ms={self.lock_timeout_ms}, hypopg={self.hypopg}, explain_on_hover={self.explain_on_hover}, "
            f"verify_on_save={self.verify_on_save}, postgres_bin={self.postgres_bin!r}, "
            f"size_migrations={self.size_migrations}, small_table_rows={self.small_table_rows})"
        )


@dataclass(frozen=True)
class AISettings:
    enabled: bool = False
    model: str = DEFAULT_MODEL
    timeout: float = 60.0
    max_tokens: int = 4096


@dataclass(frozen=True)
class Settings:
    enable: bool = True
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    dialect: str | None = None  # None: found per file (file name, folder, tool config, drivers)
    dialect_paths: tuple[tuple[str, str], ...] = ()  # (glob, dialect), from a `dialect` table
    include_generated: tuple[
        str, ...
    ] = ()  # kinds of not-own code to check anyway (project.ownership.KINDS)
    postgres_version: int = 15
    include_history: bool = (
        False  # report MIGRATION findings on migrations already on the main line
    )
    severity: dict = field(default_factory=dict)
    schema: tuple[str, ...] = ()
    migration: MigrationSettings = field(default_factory=MigrationSettings)
    ai: AISettings = field(default_factory=AISettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    max_file_bytes: int = 5_000_000
    schema_max_files: int = 20_000  # files the schema scan looks at before it stops
    cache_max_bytes: int = 64 * 1024 * 1024  # the schema cache on disk, all projects together
    root: str | None = None  # the project root the config came from

    # -- rule selection -------------------------------------------------------

    def rule_enabled(self, code: str, path: str | None = None) -> bool:
        selected = _matches(code, self.select) or _matches(code, self.extend_select)
        if not selected or _matches(code, self.ignore):
            return False
        if code in _off_by_default() and code not in self.select and code not in self.extend_select:
            return False  # a rule off by default runs only when asked for by its code
        if path and self.per_file_ignores:
            rel = self.relative(path)
            for pattern, codes in self.per_file_ignores.items():
                if _glob_match(rel, pattern) and _matches(code, codes):
                    return False
        return True

    def is_excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        rel = self.relative(path)
        return any(_glob_match(rel, p) for p in self.exclude)

    def relative(self, path: str) -> str:
        if self.root and os.path.isabs(path):
            try:
                return os.path.relpath(path, self.root).replace(os.sep, "/")
            except ValueError:
                pass
        return path.replace(os.sep, "/")

    def severity_for(self, code: str, default: str) -> str:
        best = None
        for key, value in self.severity.items():
            if code.startswith(key) and (best is None or len(key) > len(best[0])):
                best = (key, value)
        return best[1] if best else default


@functools.cache  # asked for every rule of every file: computed once
def _off_by_default() -> frozenset[str]:
    from .core.registry import off_by_default

    return off_by_default()


def _matches(code: str, selectors) -> bool:
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)


def _glob_match(rel: str, pattern: str) -> bool:
    pattern = pattern.replace(os.sep, "/")
    if fnmatch.fnmatchcase(rel, pattern):
        return True
    if pattern.endswith("/**") and (rel + "/").startswith(pattern[:-2]):
        return True
    if "/" not in pattern:  # a bare file pattern matches at any depth
        return fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pattern)
    if pattern.startswith("**/"):
        return fnmatch.fnmatchcase(rel, pattern[3:]) or _glob_match(rel, pattern[3:])
    return False


# -- reading -------------------------------------------------------------------


def _snake(key: str) -> str:
    key = key.replace("-", "_")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def from_mapping(
    data: Any, base: Settings | None = None, source: str = "settings"
) -> tuple[Settings, list[str]]:
    """Settings from a mapping (toml table or client JSON); returns (settings, warnings)."""
    base = base or Settings()
    warnings: list[str] = []
    if data is None:
        return base, warnings
    if not isinstance(data, dict):
        return base, [f"{source}: expected a table of settings, got {type(data).__name__}"]
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)}
    for raw_key, given in data.items():
        key = _snake(str(raw_key))
        value = given
        if key in {"trace", "interpreter"}:
            continue  # client-side settings
        if key not in known or key in ("root", "dialect_paths"):
            warnings.append(f"{source}: unknown setting '{raw_key}'")
            continue
        if key == "dialect" and isinstance(value, dict):  # per path glob: {"db/mysql/**" = "mysql"}
            try:
                values["dialect_paths"] = tuple(
                    (str(k), _convert(key, v, None)) for k, v in value.items()
                )
            except (TypeError, ValueError) as exc:
                warnings.append(
                    f"{source}: invalid value for '{raw_key}': {exc}; using the default"
                )
            continue
        if key == "database" and source != "editor settings" and isinstance(value, dict):
            # a committed file must not hold credentials (the URL comes from the editor or
            # DATABASE_URL), nor choose programs to run (postgres-bin: the editor or --postgres-bin)
            for name in sorted({_snake(str(k)) for k in value} & {"url", "postgres_bin"}):
                where = (
                    "set DATABASE_URL or the editor setting instead"
                    if name == "url"
                    else "use the editor setting or verify --postgres-bin instead"
                )
                warnings.append(
                    f"{source}: database.{name.replace('_', '-')} is never read from a file; {where}"
                )
            value = {
                k: v for k, v in value.items() if _snake(str(k)) not in ("url", "postgres_bin")
            }
        try:
            values[key] = _convert(key, value, getattr(base, key))
        except (TypeError, ValueError) as exc:
            warnings.append(f"{source}: invalid value for '{raw_key}': {exc}")
    return replace(base, **values), warnings


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _rule_selectors(value: Any) -> tuple[str, ...]:
    """Rule codes or prefixes; each must name at least one rule (a typo selects nothing)."""
    codes = _str_list(value)
    bad = [c for c in codes if c != "ALL" and not re.fullmatch(r"[A-Z]{2,3}[0-9]{0,3}", c)]
    if bad:
        raise ValueError(f"not rule codes or prefixes: {', '.join(bad)}")
    from .core.registry import codes as rule_codes  # the rule index: nothing imported

    known = rule_codes()
    unknown = [c for c in codes if c != "ALL" and not any(k.startswith(c) for k in known)]
    if unknown:
        raise ValueError(
            f"no rule has the code or prefix {', '.join(unknown)} (`backend-architect rules` lists them)"
        )
    return codes


def _convert(key: str, value: Any, default: Any) -> Any:
    if key in ("enable", "include_history"):
        if not isinstance(value, bool):
            raise TypeError("expected true or false")
        return value
    if key in ("select", "extend_select", "ignore"):
        return _rule_selectors(value)
    if key in ("exclude", "schema"):
        return _str_list(value)
    if key == "per_file_ignores":
        if not isinstance(value, dict):
            raise TypeError("expected a table of glob -> codes")
        return {str(k): _rule_selectors(v) for k, v in value.items()}
    if key == "dialect":
        aliases = {
            "postgresql": "postgres",
            "pg": "postgres",
            "mariadb": "mysql",
            "sqlite3": "sqlite",
            "cockroachdb": "cockroach",
            "mssql": "sqlserver",
            "generic": "unknown",
        }
        low = value.lower() if isinstance(value, str) else value
        low = aliases.get(low, low) if isinstance(low, str) else low
        known = _known_dialects()
        if not isinstance(low, str) or low not in known:
            raise ValueError(f"unknown dialect {value!r} (known: {', '.join(known)})")
        return None if low == "auto" else low
    if key == "include_generated":
        if value is True:
            return _not_own_kinds()
        if value is False:
            return ()
        kinds = tuple(k.replace("-", " ").replace("_", " ").lower() for k in _str_list(value))
        kinds = tuple(
            "gitignored"
            if k in ("git ignored", "ignored")
            else "test data"
            if k == "testdata"
            else "build output"
            if k == "build"
            else k
            for k in kinds
        )
        known_kinds = _not_own_kinds()
        bad = [k for k in kinds if k not in known_kinds]
        if bad:
            raise ValueError(
                f"unknown kinds {', '.join(bad)} (known: true, or {', '.join(known_kinds)})"
            )
        return kinds
    if key == "postgres_version":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise TypeError("expected a number such as 15")
        version = int(float(value))
        if not 9 <= version <= 30:
            raise ValueError(f"unsupported Postgres version {value!r}")
        return version
    if key == "severity":
        if not isinstance(value, dict):
            raise TypeError("expected a table of code -> severity")
        severities: dict[str, str] = {}
        for code, sev in value.items():
            if not isinstance(sev, str) or sev.lower() not in SEVERITIES:
                raise ValueError(f"severity for {code} must be one of {', '.join(SEVERITIES)}")
            severities[str(code)] = sev.lower()
        return severities
    if key in ("max_file_bytes", "cache_max_bytes"):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TypeError("expected a positive number of bytes")
        return value
    if key == "schema_max_files":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TypeError("expected a positive number of files")
        return value
    if key == "migration":
        if not isinstance(value, dict):
            raise TypeError("expected a table")
        lock = value.get(
            "lock-timeout",
            value.get("lockTimeout", value.get("lock_timeout", default.lock_timeout)),
        )
        if not isinstance(lock, str) or not re.fullmatch(r"\d+\s*(ms|s|min)?", lock.strip()):
            raise ValueError(f"lock timeout {lock!r} is not like '5s'")
        baseline = value.get("baseline", default.baseline)
        if baseline is not None and (not isinstance(baseline, str) or not baseline.strip()):
            raise TypeError("migration.baseline must be a migration's file name or version")
        pending = value.get("pending", default.pending)
        if isinstance(pending, bool) or not isinstance(pending, int) or pending < 0:
            raise TypeError("migration.pending must be a number of migrations (0 or more)")
        return MigrationSettings(
            lock_timeout=lock.strip(),
            baseline=baseline.strip() if baseline else None,
            pending=pending,
        )
    if key == "database":
        if not isinstance(value, dict):
            raise TypeError("expected a table")
        v = {_snake(str(k)): x for k, x in value.items()}
        url = v.get("url", default.url)
        if url is not None and not isinstance(url, str):
            raise TypeError("database.url: expected a string")
        out: dict[str, Any] = {}  # milliseconds (int) and switches (bool), checked here
        for name in ("statement_timeout_ms", "lock_timeout_ms"):
            x = v.get(name, getattr(default, name))
            if isinstance(x, bool) or not isinstance(x, int) or x <= 0:
                raise TypeError(f"database.{name}: expected a positive number of milliseconds")
            out[name] = x
        x = v.get("small_table_rows", default.small_table_rows)
        if isinstance(x, bool) or not isinstance(x, int) or x < 0:
            raise TypeError("database.small-table-rows: expected a number of rows (0 or more)")
        out["small_table_rows"] = x
        for name in ("use_env", "hypopg", "explain_on_hover", "verify_on_save", "size_migrations"):
            x = v.get(name, getattr(default, name))
            if not isinstance(x, bool):
                raise TypeError(f"database.{name}: expected true or false")
            out[name] = x
        bin_dir = v.get("postgres_bin", default.postgres_bin)
        if bin_dir is not None and not isinstance(bin_dir, str):
            raise TypeError("database.postgres-bin: expected a folder")
        return DatabaseSettings(url=url or None, postgres_bin=bin_dir or None, **out)
    if key == "ai":
        if not isinstance(value, dict):
            raise TypeError("expected a table")
        enabled = value.get("enabled", default.enabled)
        model = value.get("model", default.model)
        timeout = value.get("timeout", default.timeout)
        if not isinstance(enabled, bool):
            raise TypeError("ai.enabled must be true or false")
        if not isinstance(model, str) or not model.strip():
            raise TypeError("ai.model must be a model name")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise TypeError("ai.timeout must be a positive number of seconds")
        return AISettings(
            enabled=enabled,
            model=model.strip(),
            timeout=float(timeout),
            max_tokens=default.max_tokens,
        )
    raise ValueError("unsupported")  # pragma: no cover


def find_project_root(start: str) -> str | None:
    """The nearest folder at or above ``start`` holding a config file with our table."""
    return _project_root(
        os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    )


_ROOTS: dict[str, str | None] = {}


def _project_root(cur: str) -> str | None:
    # cached per folder for the life of one run: a tree of migrations shares its ancestors
    if cur in _ROOTS:
        return _ROOTS[cur]
    found = _project_root_uncached(cur)
    if len(_ROOTS) > 10_000:
        _ROOTS.clear()
    _ROOTS[cur] = found
    return found


def _project_root_uncached(cur: str) -> str | None:
    for name in CONFIG_FILES:
        candidate = os.path.join(cur, name)
        if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_table(candidate)):
            return cur
    parent = os.path.dirname(cur)
    if parent == cur:
        return None
    return _project_root(parent)  # each folder above is asked once too


def _has_table(pyproject: str) -> bool:
    tomllib = _tomllib()
    try:
        with open(pyproject, "rb") as fh:
            raw = fh.read()
        return "backend-architect" in tomllib.loads(raw.decode("utf-8")).get("tool", {})
    except OSError:
        return False
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        # a broken file that meant to configure us is reported by load_project, not passed over
        return b"[tool.backend-architect" in raw


def load_project(root: str, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from the config file in ``root`` (if any)."""
    base = replace(base or Settings(), root=root)
    for name in CONFIG_FILES:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        tomllib = _tomllib()
        try:
            with open(path, "rb") as fh:
                data = tomllib.loads(fh.read().decode("utf-8"))
        except OSError as exc:
            return base, [f"{path}: cannot read it: {exc.strerror or exc}"]
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            return base, [f"{path}: invalid TOML: {exc}"]
        if name == "pyproject.toml":
            table = data.get("tool", {}).get("backend-architect")
            if table is None:
                continue
        else:
            table = data.get("tool", {}).get("backend-architect", data)
        settings, warnings = from_mapping(table, base, source=path)
        return replace(settings, root=root), warnings
    return base, []


def settings_for_path(path: str, overrides: Settings | None = None) -> tuple[Settings, list[str]]:
    root = find_project_root(path)
    if root is None:
        return overrides or Settings(), []
    return load_project(root, overrides)
