"""Path prefixes a router gets where it is mounted in another file or function.

Route extraction reads one file and already applies the prefixes it can see there (an
``APIRouter(prefix=...)``, a Gin group, ``app.use("/api", router)`` of a router of the same
file). The prefixes given elsewhere are read here, once per project:

- FastAPI ``include_router(router, prefix="/api")`` and Flask
  ``register_blueprint(bp, url_prefix="/api")``, through any number of include levels
  (the including router's own ``prefix=`` counts);
- Express ``app.use("/api", usersRouter)`` / ``app.use("/api", guard, usersRouter(repo))``
  and Fastify ``app.register(routes, { prefix: "/api" })`` of a router imported from another
  file (chained when that file is itself mounted); NestJS ``app.setGlobalPrefix("api")``;
- Gin / Echo ``RegisterRoutes(r.Group("/api"))`` or ``api := r.Group("/api");
  RegisterRoutes(api)``: the routes registered in that function get the group's prefix.

:func:`prefixes_for` answers the prefixes of one route ("" when it is mounted without one or
not found mounted). Text only, nothing is imported or run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..core import languages
from .mounts import (
    JS_EXTS,
    _js_imports,
    _py_imports,
    _py_target,
    py_module,
    resolve_js,
    same_module,
)

PY_MOUNT = re.compile(rb"include_router|register_blueprint")
JS_MOUNT = re.compile(rb"\.(?:use|register|setGlobalPrefix)\(")
NEST_GLOBAL = re.compile(r"\.setGlobalPrefix\(\s*['\"`]([^'\"`$]*)['\"`]")
GO_GROUP = re.compile(rb"\.Group\(")


@dataclass
class Prefixes:
    # python: (module, router variable) -> [(includer module, includer variable, prefix)]
    py_includes: dict = field(default_factory=dict)
    # python: (module, router variable) -> the prefix given where it is constructed
    py_ctor: dict = field(default_factory=dict)
    # js: mounted file -> [(mounting file, prefix)]
    js_mounts: dict = field(default_factory=dict)
    # go: function name -> [prefix]
    go_funcs: dict = field(default_factory=dict)
    # NestJS: app.setGlobalPrefix("api")
    nest_global: str = ""


def join(*parts: str) -> str:
    path = "/" + "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return path


def collect(paths: list[str]) -> Prefixes:
    """The mounts of the project's files ``paths`` (unreadable files are skipped)."""
    root = os.path.commonpath(paths) if paths else ""
    if root and os.path.isfile(root):
        root = os.path.dirname(root)
    out = Prefixes()
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        try:
            if path.endswith(".py") and PY_MOUNT.search(data):
                _python(out, path, data, root)
            elif path.endswith(JS_EXTS) and JS_MOUNT.search(data):
                _javascript(out, path, data)
            elif path.endswith(".go") and GO_GROUP.search(data):
                _go(out, data)
        except (RecursionError, ValueError, UnicodeDecodeError):
            continue
    return out


def prefixes_for(
    p: Prefixes, path: str, language: str | None, group: str, decl_start: int, text: str, root: str
) -> list[str]:
    """The prefixes a route of the file ``path`` hanging on ``group`` gets from elsewhere."""
    if language == "python":
        return sorted(set(_py_chain(p, (py_module(path, root), group), set())))
    if language in ("typescript", "tsx", "javascript"):
        if p.nest_global and "@Controller(" in text:
            return [join(p.nest_global)]
        return sorted(set(_js_chain(p, os.path.abspath(path), set())))
    if language == "go":
        fn = None
        for m in re.finditer(r"(?m)^func\s+(?:\([^)]*\)\s*)?(\w+)\s*\(", text[:decl_start]):
            fn = m.group(1)
        return sorted(set(p.go_funcs.get(fn, [""]))) if fn else [""]
    return [""]


# -- Python -------------------------------------------------------------------------------------


def _kwarg_string(args_text: str, name: str, constants: dict[str, str]) -> str | None:
    """The string a keyword argument is given: a literal, or a module constant's."""
    m = re.search(
        r"\b" + name + r"\s*=\s*(?:[rf]?['\"]([^'\"]*)['\"]|([A-Za-z_]\w*)\b(?!\s*[.(\[]))",
        args_text,
    )
    if not m:
        return None
    return m.group(1) if m.group(1) is not None else constants.get(m.group(2))


def _python(out: Prefixes, path: str, data: bytes, root: str) -> None:
    tree = languages.parse(data, "python")
    module = py_module(path, root)
    imports = _py_imports(tree, data, module, os.path.basename(path) == "__init__.py")
    text = data.decode("utf-8", "replace")
    constants = {  # module-level string constants: user_prefix = "/users"
        m.group(1): m.group(2)
        for m in re.finditer(r"(?m)^(\w+)\s*(?::\s*str\s*)?=\s*['\"]([^'\"]*)['\"]\s*$", text)
    }
    for m in re.finditer(
        r"(?m)^\s*(\w+)\s*(?::[^=\n]+)?=\s*[\w.]*(APIRouter|Blueprint|FastAPI|Flask)\(", text
    ):
        close = _close(text, m.end() - 1)
        prefix = _kwarg_string(
            text[m.end() : close],
            "url_prefix" if m.group(2) == "Blueprint" else "prefix",
            constants,
        )
        out.py_ctor[(module, m.group(1))] = prefix or ""
    for m in re.finditer(r"([\w.]+)\.(include_router|register_blueprint)\(", text):
        close = _close(text, m.end() - 1)
        args = text[m.end() : close]
        first = re.match(r"\s*([\w.]+)", args)
        if not first:
            continue
        prefix = (
            _kwarg_string(
                args,
                "url_prefix" if m.group(2) == "register_blueprint" else "prefix",
                constants,
            )
            or ""
        )
        for target in _py_target(first.group(1), imports, module):
            out.py_includes.setdefault(target, []).append((module, m.group(1), prefix))


def _py_chain(p: Prefixes, key: tuple[str, str], seen: set) -> list[str]:
    if key in seen or len(seen) > 30:
        return [""]
    seen = seen | {key}
    found: list[str] = []
    for (mod, var), includes in p.py_includes.items():
        if var != key[1] or not same_module(mod, key[0]):
            continue
        for includer_mod, includer, prefix in includes:
            own = next(
                (
                    v
                    for (m, n), v in p.py_ctor.items()
                    if n == includer and same_module(m, includer_mod)
                ),
                "",
            )
            for outer in _py_chain(p, (includer_mod, includer), seen):
                found.append(join(outer, own, prefix))
    return found or [""]


# -- JavaScript / TypeScript ---------------------------------------------------------------------


def _close(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _javascript(out: Prefixes, path: str, data: bytes) -> None:
    from .declared_models import split_top

    text = data.decode("utf-8", "replace")
    nest = NEST_GLOBAL.search(text)
    if nest:
        out.nest_global = nest.group(1)
    imports = _js_imports(data, path)
    local: dict[str, str] = {}  # a router of this file mounted in this file: its prefix
    mounts: list[tuple[str, str, list[str]]] = []  # (object, prefix, argument texts)
    for m in re.finditer(r"\.(use|register)\(", text):
        close = _close(text, m.end() - 1)
        args = split_top(text[m.end() : close])
        if not args:
            continue
        prefix = ""
        if m.group(1) == "use":
            s = re.fullmatch(r"['\"`]([^'\"`$]*)['\"`]", args[0])
            if s:
                prefix, args = s.group(1), args[1:]
            elif not re.match(r"[\w$]", args[0]):
                continue
        else:
            opt = next((a for a in args[1:] if a.startswith("{")), "")
            s = re.search(r"prefix\s*:\s*['\"`]([^'\"`$]*)['\"`]", opt)
            prefix = s.group(1) if s else ""
        mounts.append((_js_object(text, m.start()), prefix, args))
        for a in args:
            if re.fullmatch(r"[\w$]+", a) and a not in imports:
                local[a] = prefix
    for obj, prefix, args in mounts:
        full = join(local.get(obj, ""), prefix)
        for a in args:
            head = re.match(r"(?:await\s+)?([\w$]+)", a)
            req = re.match(r"(?:require|import)\(\s*['\"]([^'\"]+)['\"]\s*\)", a)
            target = (
                resolve_js(req.group(1), path)
                if req
                else imports.get(head.group(1))
                if head
                else None
            )
            if target:
                out.js_mounts.setdefault(os.path.abspath(target), []).append(
                    (os.path.abspath(path), full)
                )


def _js_object(text: str, at: int) -> str:
    """The router a ``.use(`` at ``at`` is called on: the name before it (``app.use``), or the
    variable a chain is assigned to (``const api = Router()\n  .use(a)\n  .use(b)``)."""
    m = re.search(r"([\w$]+)\s*$", text[max(0, at - 100) : at])
    before = text[max(0, at - 100) : at]
    if m and not before.rstrip().endswith(")"):
        return m.group(1)
    start = text.rfind(";", 0, at) + 1
    found = re.findall(
        r"(?:^|\n)\s*(?:export\s+)?(?:const|let|var)\s+([\w$]+)\s*(?::[^=]+)?=", text[start:at]
    )
    return found[-1] if found else ""


def _js_chain(p: Prefixes, path: str, seen: set) -> list[str]:
    if path in seen or len(seen) > 30:
        return [""]
    seen = seen | {path}
    found = [
        join(outer, prefix)
        for mounter, prefix in p.js_mounts.get(path, [])
        for outer in _js_chain(p, mounter, seen)
    ]
    return found or [""]


# -- Go -----------------------------------------------------------------------------------------


def _go(out: Prefixes, data: bytes) -> None:
    from .declared_models import split_top

    text = data.decode("utf-8", "replace")
    groups: dict[str, str] = {}
    for m in re.finditer(r"(\w+)\s*:?=\s*(\w+)\.Group\(\s*\"([^\"]*)\"", text):
        groups[m.group(1)] = join(groups.get(m.group(2), ""), m.group(3))
    for m in re.finditer(r"(?<![\w.])(?:\w+\.)?([A-Z]\w*|[a-z]\w*)\(", text):
        name = m.group(1)
        if name in ("Group", "func") or text[max(0, m.start() - 5) : m.start()].endswith("func "):
            continue
        close = _close(text, m.end() - 1)
        for a in split_top(text[m.end() : close]):
            g = re.fullmatch(r"(\w+)\.Group\(\s*\"([^\"]*)\"[^()]*(?:\([^()]*\)[^()]*)*\)", a)
            prefix = (
                join(groups.get(g.group(1), ""), g.group(2))
                if g
                else groups.get(a)
                if a in groups
                else None
            )
            if prefix is not None:
                out.go_funcs.setdefault(name, []).append(prefix)
