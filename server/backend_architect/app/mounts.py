"""Guards a route inherits from where its router is mounted, in any file of the project.

Route extraction reads one file, but a router is often guarded where it is
mounted or by hooks that apply to a whole app:

- FastAPI: ``app.include_router(router, dependencies=[Depends(auth)])``, or an
  including router built with ``APIRouter(dependencies=[...])`` (followed
  through any number of include levels);
- Flask: ``@app.before_request`` / ``@bp.before_request`` hooks that turn the
  caller away (``abort(401)``, a redirect to the login page);
- Express: ``app.use("/admin", requireAuth, adminRouter)``, or an
  ``app.use(requireAuth)`` before the mount;
- Fastify: an ``onRequest`` / ``preHandler`` hook in an ``autohooks`` file of the
  folder or a parent folder (fastify-autoload), or in the plugin that registers
  this one (directly or through autoload's ``dir``);
- NestJS: global guards (an ``APP_GUARD`` provider, ``app.useGlobalGuards``);
- Django: REST framework's ``DEFAULT_PERMISSION_CLASSES`` and Django's
  ``LoginRequiredMiddleware`` in the settings.

The project is scanned once (files that hold one of those markers are parsed)
and the index is cached for a short while, so the editor sees new mounts.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

from ..core import languages
from ..lang import text as _text
from .model import LIMITER_RE, is_guard
from ..core.lazy_re import lazy

ROOT_MARKERS = (
    "backend-architect.toml",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "manage.py",
    "package.json",
    "go.mod",
    ".git",
)
SKIP_DIRS = {
    "node_modules",
    ".git",
    "vendor",
    "dist",
    "build",
    ".venv",
    "venv",
    "env",
    "__pycache__",
    "site-packages",
    "testdata",
    "fixtures",
    "coverage",
    ".next",
    ".nuxt",
    "tests",
    "test",
    "__tests__",
    "spec",
    "e2e",
    "migrations",
    "static",
    ".tox",
    ".mypy_cache",
}
MAX_FILES = 40_000
MAX_BYTES = 400_000
JS_EXTS = (".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx")
CACHE_SECONDS = (
    120  # the editor sees a new mount within two minutes; a rescan of a large tree costs seconds
)

# A before-request hook is a guard only when it turns the caller away.
REJECTS_RE = lazy(
    r"abort\(\s*(?:40[13]|HTTPStatus\.(?:UNAUTHORIZED|FORBIDDEN))|Unauthorized|Forbidden|redirect\([^)]*login|"
    r",\s*40[13]\s*\)?\s*$|\.unauthorized\(|login_required|jwt_required|verify_jwt_in_request|PermissionDenied",
    re.M,
)
FIXTURE_WORKSPACE_RE = lazy(r"^[A-Z]{2,3}\d{3}_")


@dataclass
class Index:
    # python: (module, variable) -> guard labels given where the router is constructed
    py_router_guards: dict = field(default_factory=dict)
    # python: (target module, target variable) -> [(includer module, includer variable, guard labels)]
    py_includes: dict = field(default_factory=dict)
    # python: module -> labels of before_request hooks on its blueprints; "*" for app-wide hooks
    py_hooks: dict = field(default_factory=dict)
    # python: APIRouter subclasses whose constructor passes guard dependencies (class name -> labels)
    py_router_classes: dict = field(default_factory=dict)
    # python: (module, variable) -> the router class it was built with (``UserAPIRouter``)
    py_router_ctor: dict = field(default_factory=dict)
    drf_default: list = field(
        default_factory=list
    )  # DEFAULT_PERMISSION_CLASSES (AllowAny left out)
    django_login_middleware: bool = False
    # js: target file -> [(mounting file, guard labels)]
    js_mounts: dict = field(default_factory=dict)
    # js: target folder (autoload dir) -> [(registering file, guard labels)]
    js_dir_mounts: dict = field(default_factory=dict)
    # js: file -> guard labels of hooks it adds to its own instance (fastify addHook)
    js_hooks: dict = field(default_factory=dict)
    nest_global: list = field(default_factory=list)


# -- public API -----------------------------------------------------------------------------


def inherited_guards(path: str, language: str) -> dict[str, list[str]]:
    """Guard labels that routes of the file at ``path`` get from elsewhere in the project, by
    the router variable they hang on ("*": every route of the file)."""
    if not path or path.startswith("<"):
        return {}
    path = os.path.abspath(path)
    root = project_root(path)
    if root is None:
        return {}
    try:
        index = _index(root, int(time.time() // CACHE_SECONDS))
        if language == "python":
            return _python_guards(index, path, root)
        if language in ("javascript", "typescript", "tsx"):
            labels = _js_guards(index, path, root)
            return {"*": labels} if labels else {}
    except (OSError, RecursionError, ValueError):
        return {}
    return {}


def nest_global_guards(path: str) -> list[str]:
    """NestJS guards registered for the whole app (``APP_GUARD`` providers, ``useGlobalGuards``)."""
    if not path or path.startswith("<"):
        return []
    root = project_root(os.path.abspath(path))
    if root is None:
        return []
    try:
        return list(_index(root, int(time.time() // CACHE_SECONDS)).nest_global)
    except (OSError, RecursionError, ValueError):
        return []


def django_defaults(path: str) -> tuple[list[str], bool]:
    """(DRF DEFAULT_PERMISSION_CLASSES without AllowAny, LoginRequiredMiddleware installed)."""
    if not path or path.startswith("<"):
        return [], False
    root = project_root(os.path.abspath(path))
    if root is None:
        return [], False
    index = _index(root, int(time.time() // CACHE_SECONDS))
    return list(index.drf_default), index.django_login_middleware


def guarded_router_classes(path: str) -> dict[str, list[str]]:
    """APIRouter subclasses of the project that add guard dependencies (``UserAPIRouter``)."""
    if not path or path.startswith("<"):
        return {}
    root = project_root(os.path.abspath(path))
    if root is None:
        return {}
    return dict(_index(root, int(time.time() // CACHE_SECONDS)).py_router_classes)


def project_root(path: str) -> str | None:
    """The nearest folder holding a project marker. Our rule fixtures are their own projects:
    a one-file fixture stands alone, a fixture folder (``AU001_mounts/``) is the outermost root."""
    in_fixtures = "/tests/fixtures/" in path.replace("\\", "/")
    cur = os.path.dirname(path)
    for _ in range(12):
        if any(os.path.exists(os.path.join(cur, m)) for m in ROOT_MARKERS):
            return cur
        if in_fixtures and FIXTURE_WORKSPACE_RE.match(os.path.basename(cur)):
            return cur
        parent = os.path.dirname(cur)
        if parent == cur or in_fixtures and os.path.basename(cur) == "fixtures":
            return None
        cur = parent
    return None


# -- the index ------------------------------------------------------------------------------


def _files(root: str):
    count = 0
    in_fixture = "/tests/fixtures/" in root.replace("\\", "/") + "/"
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d for d in dirnames if in_fixture or d not in SKIP_DIRS and not d.startswith(".")
        ]
        for name in filenames:
            count += 1
            if count > MAX_FILES:
                return
            if (
                name.endswith(".py")
                or name.endswith(JS_EXTS)
                and not name.endswith((".d.ts", ".min.js"))
            ):
                yield os.path.join(dirpath, name)


def _read_within_limit(path: str) -> bytes | None:
    """The bytes of the file at ``path``; None when it is over MAX_BYTES or cannot be read
    (the descriptor's own calls: a file object costs more than the read on small files)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        if size > MAX_BYTES:
            return None
        chunks = [os.read(fd, size + 1)]
        while len(chunks[-1]) > 0 and sum(map(len, chunks)) > size:  # it grew meanwhile
            chunks.append(os.read(fd, 64 * 1024))
        return b"".join(chunks) if len(chunks) > 1 else chunks[0]
    except OSError:
        return None
    finally:
        os.close(fd)


# What makes a file worth indexing: the words (one of them is in every match of the
# pattern) and, for Python, the pattern itself
_PY_INDEX_WORDS = (
    b"include_router",
    b"before_",
    b"DEFAULT_PERMISSION_CLASSES",
    b"LoginRequiredMiddleware",
    b"(APIRouter)",
)
_PY_INDEX_RE = re.compile(
    rb"include_router|before_(?:app_)?request|DEFAULT_PERMISSION_CLASSES|LoginRequiredMiddleware|\(APIRouter\)"
)
_JS_INDEX_WORDS = (b".use(", b".register(", b"addHook", b"APP_GUARD", b"useGlobalGuards")


@lru_cache(maxsize=16)
def _index(root: str, epoch: int) -> Index:
    index = Index()
    for path in _files(root):
        data = _read_within_limit(path)
        if data is None:
            continue
        # each word is searched for alone: many times faster than the pattern of alternatives
        if path.endswith(".py"):
            if any(word in data for word in _PY_INDEX_WORDS) and _PY_INDEX_RE.search(data):
                _index_python(index, path, data, root)
        elif any(word in data for word in _JS_INDEX_WORDS):
            _index_js(index, path, data)
    return index


# -- Python ---------------------------------------------------------------------------------


def py_module(path: str, root: str) -> str:
    """The dotted name of a Python file from the project root (``src.shop.views``); an import
    names the same module with fewer leading parts (``shop.views``), see :func:`same_module`."""
    rel = os.path.splitext(os.path.relpath(path, root))[0].replace(os.sep, ".")
    return (
        rel[: -len(".__init__")] if rel.endswith(".__init__") else "" if rel == "__init__" else rel
    )


def same_module(a: str, b: str) -> bool:
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def _py_imports(
    tree, data: bytes, module: str, is_package: bool
) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, name) for ``from m import name [as alias]``; (module, None) for modules."""
    out: dict[str, tuple[str, str | None]] = {}
    package = module if is_package else module.rpartition(".")[0]
    for node in languages.captures(
        "python", "(import_from_statement) @i (import_statement) @i", tree.root_node
    ).get("i", []):
        if node.type == "import_from_statement":
            mod_node = node.child_by_field_name("module_name")
            mod = _text(mod_node, data)
            if mod.startswith("."):
                dots = len(mod) - len(mod.lstrip("."))
                base = package.split(".") if package else []
                base = base[: len(base) - (dots - 1)] if dots > 1 else base
                rest = mod.lstrip(".")
                mod = ".".join([p for p in base if p] + ([rest] if rest else []))
            for name_node in node.children_by_field_name("name"):
                if name_node.type == "aliased_import":
                    name = _text(name_node.child_by_field_name("name"), data)
                    alias = _text(name_node.child_by_field_name("alias"), data)
                else:
                    name = alias = _text(name_node, data)
                # ``from pkg import views`` imports a module, ``from pkg.views import router`` a variable
                out[alias] = (mod, name)
        else:
            for name_node in node.named_children:
                if name_node.type == "aliased_import":
                    out[_text(name_node.child_by_field_name("alias"), data)] = (
                        _text(name_node.child_by_field_name("name"), data),
                        None,
                    )
                elif name_node.type == "dotted_name":
                    out[_text(name_node, data)] = (_text(name_node, data), None)
    return out


def _py_target(expr: str, imports: dict, module: str) -> list[tuple[str, str]]:
    """(module, variable) candidates an included router expression names."""
    if "." in expr:
        head, _, var = expr.rpartition(".")
        if head in imports:
            mod, name = imports[head]
            return [(f"{mod}.{name}" if name else mod, var)]
        return [(head, var)]
    if expr in imports:
        mod, name = imports[expr]
        if name is None:
            return []
        # ``from pkg.views import router`` or ``from pkg import views`` (then the module itself)
        return [(mod, name), (f"{mod}.{name}", "router")]
    return [(module, expr)]


def _dependency_guards(node, data: bytes) -> list[str]:

    return [
        n
        for n in re.findall(r"(?:Depends|Security)\(\s*([\w.]+)", _text(node, data))
        if is_guard(n)
    ]


def _index_python(index: Index, path: str, data: bytes, root: str) -> None:
    tree = languages.parse(data, "python")
    module = py_module(path, root)
    is_package = os.path.basename(path) == "__init__.py"
    imports = _py_imports(tree, data, module, is_package)
    base = os.path.basename(path)
    if base.startswith("settings") or os.path.basename(os.path.dirname(path)) == "settings":
        m = re.search(rb"['\"]DEFAULT_PERMISSION_CLASSES['\"]\s*:\s*[\[(]([^\])]*)", data)
        if m:
            classes = re.findall(r"[\w.]+", m.group(1).decode("utf-8", "replace"))
            index.drf_default = [
                c.rsplit(".", 1)[-1] for c in classes if not c.endswith("AllowAny")
            ]
        if re.search(rb"LoginRequiredMiddleware", data):
            index.django_login_middleware = True
    for cls in languages.captures("python", "(class_definition) @c", tree.root_node).get("c", []):
        if "APIRouter" in _text(cls.child_by_field_name("superclasses"), data):
            guards = _dependency_guards(cls.child_by_field_name("body"), data)
            if guards:
                index.py_router_classes[_text(cls.child_by_field_name("name"), data)] = guards
    q = "(call function: (_) @f arguments: (argument_list) @args) @c"
    for _, m in languages.matches("python", q, tree.root_node):
        f = _text(m["f"][0], data)
        args = m["args"][0]
        call = m["c"][0]
        if f.endswith(("Router", "FastAPI")):
            parent = call.parent
            if parent is not None and parent.type == "assignment":
                var = _text(parent.child_by_field_name("left"), data)
                index.py_router_ctor[(module, var)] = f.rsplit(".", 1)[-1]
                deps = next(
                    (
                        a.child_by_field_name("value")
                        for a in args.named_children
                        if a.type == "keyword_argument"
                        and _text(a.child_by_field_name("name"), data) == "dependencies"
                    ),
                    None,
                )
                if deps is not None:
                    index.py_router_guards[(module, var)] = _dependency_guards(deps, data)
        elif f.endswith(".include_router"):
            includer = f[: -len(".include_router")]
            pos = [a for a in args.named_children if a.type not in ("keyword_argument", "comment")]
            if not pos:
                continue
            deps = next(
                (
                    a.child_by_field_name("value")
                    for a in args.named_children
                    if a.type == "keyword_argument"
                    and _text(a.child_by_field_name("name"), data) == "dependencies"
                ),
                None,
            )
            guards = _dependency_guards(deps, data) if deps is not None else []
            for target in _py_target(_text(pos[0], data), imports, module):
                index.py_includes.setdefault(target, []).append((module, includer, guards))
        elif re.search(r"\.before_(?:app_)?request$", f):  # bp.before_request(check_login)
            pos = [a for a in args.named_children if a.type != "comment"]
            if pos and re.search(r"login|auth|token|jwt", _text(pos[0], data), re.I):
                _py_hook(index, f, _text(pos[0], data), imports, module)
    for dec in languages.captures("python", "(decorator) @d", tree.root_node).get("d", []):
        dt = _text(dec, data)[1:].strip()
        if not re.match(r"[\w.]+\.before_(?:app_)?request$", dt):
            continue
        fn = dec.parent.child_by_field_name("definition") if dec.parent is not None else None
        if fn is not None and REJECTS_RE.search(_text(fn, data)):
            _py_hook(index, dt, _text(fn.child_by_field_name("name"), data), imports, module)


def _py_hook(index: Index, hook_call: str, label: str, imports: dict, module: str) -> None:
    obj = hook_call.rsplit(".", 1)[0]
    if (
        hook_call.endswith("before_app_request")
        or obj in ("app", "application")
        or obj.endswith(".app")
    ):
        index.py_hooks.setdefault("*", []).append(label)
        return
    for mod, _ in _py_target(obj, imports, module):
        index.py_hooks.setdefault(mod, []).append(label)


def _py_router_guards(index: Index, key: tuple[str, str], seen: set) -> list[str]:
    if key in seen or len(seen) > 50:
        return []
    seen.add(key)
    out: list[str] = []
    for (mod, var), guards in index.py_router_guards.items():
        if var == key[1] and same_module(mod, key[0]):
            out += guards
    for (mod, var), cls in index.py_router_ctor.items():
        if var == key[1] and same_module(mod, key[0]):
            out += index.py_router_classes.get(cls, [])
    for (mod, var), includes in index.py_includes.items():
        if var != key[1] or not same_module(mod, key[0]):
            continue
        for includer_module, includer, guards in includes:
            out += guards or _py_router_guards(index, (includer_module, includer), seen)
    return out


def _python_guards(index: Index, path: str, root: str) -> dict[str, list[str]]:
    module = py_module(path, root)
    out: dict[str, list[str]] = {}
    for (mod, var), includes in index.py_includes.items():
        if not same_module(mod, module):
            continue
        for includer_module, includer, guards in includes:
            out.setdefault(var, []).extend(
                guards or _py_router_guards(index, (includer_module, includer), {(mod, var)})
            )
    for mod, labels in index.py_hooks.items():
        if mod == "*" or same_module(mod, module):
            out.setdefault("*", []).extend(labels)
    return {k: list(dict.fromkeys(v)) for k, v in out.items() if v}


# -- JavaScript / TypeScript ------------------------------------------------------------------


def resolve_js(spec: str, from_file: str) -> str | None:
    if not spec.startswith("."):
        return None
    base = os.path.normpath(os.path.join(os.path.dirname(from_file), spec))
    stem, ext = os.path.splitext(base)
    candidates = [base] if ext in JS_EXTS else []
    if ext in (".js", ".mjs", ".cjs"):  # TypeScript sources imported with their compiled extension
        candidates += [stem + ".ts", stem + ".tsx"]
    candidates += [base + e for e in JS_EXTS] + [os.path.join(base, "index" + e) for e in JS_EXTS]
    return next((c for c in candidates if os.path.isfile(c)), None)


def _js_imports(data: bytes, path: str) -> dict[str, str]:
    """Local name -> file for relative imports and requires."""
    out: dict[str, str] = {}
    text = data.decode("utf-8", "replace")
    for m in re.finditer(
        r"import\s+([\w$]+)?\s*,?\s*(?:\{([^}]*)\})?\s*(?:\*\s+as\s+([\w$]+))?\s*from\s*['\"]([^'\"]+)['\"]",
        text,
    ):
        target = resolve_js(m.group(4), path)
        if target is None:
            continue
        for name in (m.group(1), m.group(3)):
            if name:
                out[name] = target
        for raw in (m.group(2) or "").split(","):
            part = raw.strip()
            if part:
                out[part.split(" as ")[-1].strip()] = target
    for m in re.finditer(
        r"(?:const|let|var)\s+(?:([\w$]+)|\{([^}]*)\})\s*=\s*require\(\s*['\"]([^'\"]+)['\"]\s*\)",
        text,
    ):
        target = resolve_js(m.group(3), path)
        if target is None:
            continue
        if m.group(1):
            out[m.group(1)] = target
        for raw in (m.group(2) or "").split(","):
            part = raw.strip()
            if part:
                out[part.split(":")[-1].strip()] = target
    return out


def _js_guard_label(label: str) -> bool:

    return (
        is_guard(label)
        and not LIMITER_RE.search(label)
        or bool(re.search(r"jwtVerify|authenticate\(", label))
    )


def _index_js(index: Index, path: str, data: bytes) -> None:
    lang = (
        "typescript" if path.endswith(".ts") else "tsx" if path.endswith(".tsx") else "javascript"
    )
    tree = languages.parse(data, lang)
    imports = _js_imports(data, path)
    text = data.decode("utf-8", "replace")
    # NestJS global guards
    for m in re.finditer(
        r"provide\s*:\s*APP_GUARD\s*,\s*useClass\s*:\s*([\w$]+)|useGlobalGuards\(\s*(?:new\s+)?([\w$]+)",
        text,
    ):
        name = m.group(1) or m.group(2)
        if not re.search(r"throttl|limit", name, re.I):
            index.nest_global.append(name)
    q = "(call_expression function: (member_expression object: (_) @obj property: (property_identifier) @prop) arguments: (arguments) @args) @call"
    uses: list[tuple[int, str, str | None, list[str]]] = []  # position, object, path, guard labels
    hooks: list[str] = []
    registrations: list[tuple[str, list, int]] = []  # object, args, position
    for _, m in languages.matches(lang, q, tree.root_node):
        prop = _text(m["prop"][0], data)
        obj = _text(m["obj"][0], data)
        args = [a for a in m["args"][0].named_children if a.type != "comment"]
        call = m["call"][0]
        if prop == "addHook" and len(args) >= 2:
            hook = _text(args[0], data).strip("'\"`")
            if hook in (
                "onRequest",
                "preHandler",
                "preValidation",
                "preParsing",
            ) and _js_guard_label(_text(args[1], data)):
                hooks.append(_text(args[1], data)[:60])
        elif prop in ("use", "register"):
            registrations.append((obj, args, call.start_byte))
    for obj, args, pos in registrations:
        mount_path = None
        rest = args
        if args and args[0].type in ("string", "template_string"):
            mount_path, rest = _text(args[0], data).strip("'\"`"), args[1:]
        labels = [_text(a, data)[:60] for a in rest if a.type not in ("object",)]
        guards = [lab for lab in labels if _js_guard_label(lab)]
        targets: list[str] = []
        for a in rest:
            at = _text(a, data)
            if a.type == "identifier" and at in imports:
                targets.append(imports[at])
            fn = a.child_by_field_name("function") if a.type == "call_expression" else None
            if fn is not None and fn.type == "identifier" and _text(fn, data) in imports:
                targets.append(imports[_text(fn, data)])  # a router factory: usersRouter(repo)
            req = re.match(r"(?:require|import)\(\s*['\"]([^'\"]+)['\"]\s*\)", at)
            if req:
                t = resolve_js(req.group(1), path)
                if t:
                    targets.append(t)
            if a.type == "object":  # fastify autoload: { dir: path.join(__dirname, "routes") }
                d = re.search(
                    r"dir\s*:\s*(?:path\.)?(?:join|resolve)\(\s*__dirname\s*,\s*['\"]([^'\"]+)['\"]",
                    at,
                )
                if d:
                    index.js_dir_mounts.setdefault(
                        os.path.normpath(os.path.join(os.path.dirname(path), d.group(1))), []
                    ).append((path, hooks))
        if not targets:
            if guards:
                uses.append((pos, obj, mount_path, guards))
            continue
        earlier = [
            g
            for p, o, mp, gs in uses
            if o == obj and p < pos and (mp is None or (mount_path or "").startswith(mp))
            for g in gs
        ]
        for t in targets:
            index.js_mounts.setdefault(t, []).append((path, guards + earlier + hooks))
    if hooks:
        index.js_hooks[path] = hooks


def _js_guards(index: Index, path: str, root: str, seen: set | None = None) -> list[str]:
    seen = seen if seen is not None else set()
    if path in seen or len(seen) > 30:
        return []
    seen.add(path)
    out: list[str] = []
    for mounter, guards in index.js_mounts.get(path, []):
        out += guards or _js_guards(index, mounter, root, seen)
    d = os.path.dirname(path)
    while True:
        for mounter, guards in index.js_dir_mounts.get(d, []):
            out += guards or _js_guards(index, mounter, root, seen)
        for (
            ext
        ) in JS_EXTS:  # fastify-autoload applies autohooks to the folder and (cascading) below
            hooks_file = os.path.join(d, "autohooks" + ext)
            if hooks_file != path and hooks_file in index.js_hooks:
                out += index.js_hooks[hooks_file]
        if d == root or len(d) <= len(root):
            break
        d = os.path.dirname(d)
    return list(dict.fromkeys(out))
