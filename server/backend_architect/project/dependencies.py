"""What a project depends on, and at which versions: read once from its manifests
(pyproject.toml, requirements*.txt, setup.cfg, Pipfile; package.json; go.mod).

Fixes and generators ask it which library the project already has (pydantic 1 or 2,
slowapi or flask-limiter, zod or joi or class-validator) so their code fits; when
something new is needed, :func:`add_dependency` gives the manifest edit.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from ..core.lazy_re import lazy

_PY_MANIFESTS = (
    "requirements.txt",
    "requirements-dev.txt",
    "requirements/base.txt",
    "requirements/production.txt",
    "requirements/prod.txt",
)
_REQ = lazy(r"\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*([^;#]*)")


@dataclass(frozen=True)
class Dependency:
    name: str  # normalised: lower case, "-" for "_" (Python); as written (npm, Go)
    spec: str  # the version constraint as written ("" when none)
    ecosystem: str  # "python" | "npm" | "go"
    manifest: str  # the file that declares it

    @property
    def major(self) -> int | None:
        """The major version the constraint allows, when it names one (``>=2``,
        ``==1.10.2``, ``^5.0.0``, ``~4.18``, ``v1.9.1``); ``<2`` alone means 1."""
        m = re.search(r"(?:==|>=|~=|\^|~|=|@|v|\s|^)\s*v?(\d+)(?:\.\d+)*", self.spec.strip())
        if m and not re.match(r"\s*<", self.spec):
            return int(m.group(1))
        m = re.match(r"\s*<\s*(\d+)(?:\.0)*\s*$", self.spec)
        if m and int(m.group(1)) > 0:
            return int(m.group(1)) - 1
        return None


@dataclass
class Dependencies:
    root: str
    items: dict[str, Dependency] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        return any(_norm(n) in self.items for n in names)

    def get(self, name: str) -> Dependency | None:
        return self.items.get(_norm(name))

    def major(self, name: str) -> int | None:
        dep = self.get(name)
        return dep.major if dep is not None else None

    def first(self, *names: str) -> str | None:
        """The first of ``names`` the project depends on."""
        return next((n for n in names if self.has(n)), None)

    @property
    def manifests(self) -> list[str]:
        return sorted({d.manifest for d in self.items.values()})

    def pydantic_major(self) -> int:
        """1 when the project pins pydantic below 2 (or to 1.x), or declares no pydantic but a
        FastAPI older than 0.100 (the first to allow pydantic 2); else 2."""
        major = self.major("pydantic")
        if major is not None:
            return 1 if major == 1 else 2
        fastapi = self.get("fastapi")
        if fastapi is not None and _below_0_100(fastapi.spec):
            return 1
        return 2


def _below_0_100(spec: str) -> bool:
    """Whether a FastAPI constraint keeps it below 0.100 (``<0.100``, ``==0.95.2``, ``~=0.99``,
    ``^0.88``)."""
    upper = re.search(r"<(=?)\s*0\.(\d+)", spec)
    if upper is not None:
        return int(upper.group(2)) < (100 if upper.group(1) else 101)
    pinned = re.search(r"(?:==|~=|\^|~)\s*0\.(\d+)", spec)
    return pinned is not None and int(pinned.group(1)) < 100


def _norm(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(512 * 1024)
    except OSError:
        return None


def _add_requirement(out: dict, line: str, manifest: str) -> None:
    line = line.strip()
    if not line or line.startswith(("#", "-", "git+", "http")):
        return
    m = _REQ.match(line)
    if m:
        name = _norm(m.group(1))
        out.setdefault(name, Dependency(name, m.group(3).strip(), "python", manifest))


def read(root: str) -> Dependencies:
    """The dependencies declared in ``root``'s manifests (none readable: empty)."""
    out: dict[str, Dependency] = {}
    path = os.path.join(root, "pyproject.toml")
    text = _read(path)
    if text:
        import tomllib  # (a project without the file never loads the parser)

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            data = {}
        project = data.get("project") or {}
        specs = list(project.get("dependencies") or [])
        for extra in (project.get("optional-dependencies") or {}).values():
            specs += list(extra or [])
        for spec in specs:
            if isinstance(spec, str):
                _add_requirement(out, spec, path)
        poetry = (data.get("tool") or {}).get("poetry") or {}
        for group in [poetry.get("dependencies") or {}] + [
            (g or {}).get("dependencies") or {} for g in (poetry.get("group") or {}).values()
        ]:
            for name, spec in group.items():
                if _norm(name) != "python":
                    version = spec.get("version", "") if isinstance(spec, dict) else str(spec)
                    out.setdefault(_norm(name), Dependency(_norm(name), version, "python", path))
    for name in _PY_MANIFESTS:
        path = os.path.join(root, name)
        for line in (_read(path) or "").splitlines():
            _add_requirement(out, line, path)
    path = os.path.join(root, "setup.cfg")
    text = _read(path)
    if text:
        m = re.search(r"^install_requires\s*=\s*\n((?:[ \t]+\S.*\n?)+)", text, re.M)
        for line in (m.group(1) if m else "").splitlines():
            _add_requirement(out, line, path)
    path = os.path.join(root, "Pipfile")
    text = _read(path)
    if text:
        import tomllib  # (a project without the file never loads the parser)

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            data = {}
        for section in ("packages", "dev-packages"):
            for name, spec in (data.get(section) or {}).items():
                version = spec.get("version", "") if isinstance(spec, dict) else str(spec)
                out.setdefault(
                    _norm(name), Dependency(_norm(name), version.strip("*"), "python", path)
                )
    path = os.path.join(root, "package.json")
    text = _read(path)
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = {}
        if isinstance(data, dict):
            for section in ("dependencies", "devDependencies", "peerDependencies"):
                for name, spec in (data.get(section) or {}).items():
                    out.setdefault(name.lower(), Dependency(name, str(spec), "npm", path))
    path = os.path.join(root, "go.mod")
    text = _read(path)
    if text:
        for m in re.finditer(
            r"^\s*(?:require\s+)?([\w.\-]+\.[\w.\-/]+)\s+(v[\w.\-+]+)", text, re.M
        ):
            out.setdefault(m.group(1).lower(), Dependency(m.group(1), m.group(2), "go", path))
    return Dependencies(root, out)


def add_dependency(
    deps: Dependencies, name: str, spec: str = "", ecosystem: str = "python"
) -> tuple[str, str] | None:
    """(manifest path, its new text) declaring ``name`` — in the manifest that already lists
    the project's dependencies of that ecosystem; None when it is declared already or the
    project has no manifest to add it to."""
    if deps.has(name):
        return None
    python = ecosystem == "python"
    pyproject = os.path.join(deps.root, "pyproject.toml")
    requirements = os.path.join(deps.root, "requirements.txt")
    package = os.path.join(deps.root, "package.json")
    if python and os.path.isfile(requirements):
        text = _read(requirements) or ""
        sep = "" if not text or text.endswith("\n") else "\n"
        return requirements, f"{text}{sep}{name}{spec}\n"
    if python and os.path.isfile(pyproject):
        text = _read(pyproject) or ""
        m = re.search(r"^dependencies\s*=\s*\[", text, re.M)
        if m is None:
            return None
        close = text.find("]", m.end())
        if close < 0:
            return None
        inner = text[m.end() : close]
        entry = json.dumps(name + spec)
        if "\n" in inner:  # one per line
            indent = re.search(r"\n([ \t]+)\S", inner)
            pad = indent.group(1) if indent else "  "
            body = inner.rstrip()
            comma = "" if body.endswith((",", "[")) or not body.strip() else ","
            new_inner = f"{body}{comma}\n{pad}{entry},\n"
        else:
            new_inner = f"{inner.rstrip().rstrip(',')}, {entry}" if inner.strip() else entry
        return pyproject, text[: m.end()] + new_inner + text[close:]
    if ecosystem == "npm":
        manifest = _read(package)
        if manifest is None:
            return None
        try:
            data = json.loads(manifest)
        except ValueError:
            return None
        data.setdefault("dependencies", {})[name] = spec or "*"
        indent = re.search(r'\n([ \t]+)"', manifest)
        return package, json.dumps(data, indent=indent.group(1) if indent else 2) + "\n"
    return None


_MANIFEST_NAMES = (
    "pyproject.toml",
    "requirements.txt",
    "setup.cfg",
    "Pipfile",
    "package.json",
    "go.mod",
)
_CACHE: dict[str, tuple[tuple, Dependencies]] = {}


def project_root(path: str) -> str | None:
    """The nearest folder at or above ``path`` holding a dependency manifest."""
    cur = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    for _ in range(12):
        if any(os.path.isfile(os.path.join(cur, n)) for n in _MANIFEST_NAMES):
            return cur
        if os.path.exists(os.path.join(cur, ".git")):
            return None
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent
    return None


def for_path(path: str) -> Dependencies | None:
    """The dependencies of the project holding ``path`` (re-read when a manifest changes);
    None when no manifest is found."""
    if not path or path.startswith("<"):
        return None
    root = project_root(path)
    if root is None:
        return None
    stamp = []
    for n in _MANIFEST_NAMES + _PY_MANIFESTS:
        try:
            stamp.append(os.stat(os.path.join(root, n)).st_mtime_ns)
        except OSError:
            stamp.append(0)
    key = tuple(stamp)
    hit = _CACHE.get(root)
    if hit is not None and hit[0] == key:
        return hit[1]
    deps = read(root)
    _CACHE[root] = (key, deps)
    return deps


def pydantic_major(path: str | None) -> int:
    """The pydantic major version of the project holding ``path`` (2 when unknown)."""
    deps = for_path(path or "")
    return deps.pydantic_major() if deps is not None else 2
