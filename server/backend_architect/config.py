"""Settings: a typed tree with defaults.

Read from ``[tool.backend-architect]`` in pyproject.toml or from
``backend-architect.toml`` at the project root (kebab-case keys), and from the
editor (camelCase keys in initializationOptions / didChangeConfiguration).
A bad value never stops anything: it yields a warning and the default.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib  # type: ignore

DIALECTS = ("postgres", "mysql", "sqlite", "generic")
SEVERITIES = ("error", "warning", "information", "hint")
CONFIG_FILES = ("backend-architect.toml", ".backend-architect.toml", "pyproject.toml")
DEFAULT_MODEL = "claude-sonnet-4-5"


@dataclass(frozen=True)
class MigrationSettings:
    lock_timeout: str = "5s"


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
    dialect: str = "postgres"
    postgres_version: int = 15
    severity: dict = field(default_factory=dict)
    schema: tuple[str, ...] = ()
    migration: MigrationSettings = field(default_factory=MigrationSettings)
    ai: AISettings = field(default_factory=AISettings)
    max_file_bytes: int = 5_000_000
    root: str | None = None  # the project root the config came from

    # -- rule selection -------------------------------------------------------

    def rule_enabled(self, code: str, path: str | None = None) -> bool:
        selectors = self.select + self.extend_select
        selected = _matches(code, selectors)
        if selected and "ALL" in selectors and not _default_enabled(code):
            selected = _matches(code, [s for s in selectors if s != "ALL"])
        if not selected or _matches(code, self.ignore):
            return False
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


def _default_enabled(code: str) -> bool:
    from .core.registry import rule_by_code

    rule = rule_by_code(code)
    return rule is None or rule.default_enabled


def _matches(code: str, selectors) -> bool:
    for sel in selectors:
        if sel == "ALL" or code.startswith(sel):
            return True
    return False


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


def from_mapping(data: Any, base: Settings | None = None, source: str = "settings") -> tuple[Settings, list[str]]:
    """Settings from a mapping (toml table or client JSON); returns (settings, warnings)."""
    base = base or Settings()
    warnings: list[str] = []
    if data is None:
        return base, warnings
    if not isinstance(data, dict):
        return base, [f"{source}: expected an object, got {type(data).__name__}; using defaults"]
    values: dict[str, Any] = {}
    known = {f.name for f in fields(Settings)}
    for raw_key, value in data.items():
        key = _snake(str(raw_key))
        if key == "trace" or key == "interpreter":
            continue  # client-side settings
        if key not in known or key == "root":
            warnings.append(f"{source}: unknown setting '{raw_key}' ignored")
            continue
        try:
            values[key] = _convert(key, value, getattr(base, key))
        except (TypeError, ValueError) as exc:
            warnings.append(f"{source}: invalid value for '{raw_key}': {exc}; using the default")
    return replace(base, **values), warnings


def _str_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _convert(key: str, value: Any, default: Any) -> Any:
    if key == "enable":
        if not isinstance(value, bool):
            raise TypeError("expected true or false")
        return value
    if key in ("select", "extend_select", "ignore"):
        codes = _str_list(value)
        bad = [c for c in codes if c != "ALL" and not re.fullmatch(r"[A-Z]{2,3}[0-9]{0,3}", c)]
        if bad:
            raise ValueError(f"not rule codes or prefixes: {', '.join(bad)}")
        return codes
    if key in ("exclude", "schema"):
        return _str_list(value)
    if key == "per_file_ignores":
        if not isinstance(value, dict):
            raise TypeError("expected a table of glob -> codes")
        return {str(k): _str_list(v) for k, v in value.items()}
    if key == "dialect":
        if not isinstance(value, str) or value.lower() not in DIALECTS:
            raise ValueError(f"unknown dialect {value!r} (known: {', '.join(DIALECTS)})")
        return value.lower()
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
        out = {}
        for code, sev in value.items():
            if not isinstance(sev, str) or sev.lower() not in SEVERITIES:
                raise ValueError(f"severity for {code} must be one of {', '.join(SEVERITIES)}")
            out[str(code)] = sev.lower()
        return out
    if key == "max_file_bytes":
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise TypeError("expected a positive number of bytes")
        return value
    if key == "migration":
        if not isinstance(value, dict):
            raise TypeError("expected a table")
        lock = value.get("lock-timeout", value.get("lockTimeout", value.get("lock_timeout", default.lock_timeout)))
        if not isinstance(lock, str) or not re.fullmatch(r"\d+\s*(ms|s|min)?", lock.strip()):
            raise ValueError(f"lock timeout {lock!r} is not like '5s'")
        return MigrationSettings(lock_timeout=lock.strip())
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
        return AISettings(enabled=enabled, model=model.strip(), timeout=float(timeout), max_tokens=default.max_tokens)
    raise ValueError("unsupported")  # pragma: no cover


def find_project_root(start: str) -> str | None:
    """The nearest folder at or above ``start`` holding a config file with our table."""
    return _project_root(os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or "."))


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
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(cur, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_table(candidate)):
                return cur
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


def _has_table(pyproject: str) -> bool:
    try:
        with open(pyproject, "rb") as fh:
            return "backend-architect" in tomllib.load(fh).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def load_project(root: str, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """Settings from the config file in ``root`` (if any)."""
    base = replace(base or Settings(), root=root)
    for name in CONFIG_FILES:
        path = os.path.join(root, name)
        if not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            return base, [f"{name}: cannot read it ({exc}); using defaults"]
        if name == "pyproject.toml":
            table = data.get("tool", {}).get("backend-architect")
            if table is None:
                continue
        else:
            table = data.get("tool", {}).get("backend-architect", data)
        settings, warnings = from_mapping(table, base, source=name)
        return replace(settings, root=root), warnings
    return base, []


def settings_for_path(path: str, overrides: Settings | None = None) -> tuple[Settings, list[str]]:
    root = find_project_root(path)
    if root is None:
        return overrides or Settings(), []
    return load_project(root, overrides)
