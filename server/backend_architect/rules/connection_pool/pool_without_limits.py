import re

from backend_architect.app import checks
from backend_architect.core import languages
from backend_architect.core.findings import Applicability, Edit, Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES, named_args, text
from ...core.lazy_re import lazy

# Pools whose defaults leave the size or the wait unbounded. SQLAlchemy's engine (5 + 10
# overflow, 30 s timeout), psycopg_pool (4, 30 s) and pgxpool (max(4, CPUs)) are bounded.
PY_POOLS = {
    "create_pool": (
        "min_size",
        "max_size",
        "timeout",
        "command_timeout",
        "max_inactive_connection_lifetime",
    ),
}
PY_FIX = {
    "create_pool": "min_size=1, max_size=10, timeout=30, command_timeout=30",
}
# the calls that make a pool are written with one of these (a substring search per word
# scans a file faster than a pattern of alternatives does)
_POOL_WORDS = (b"create_pool", b"Pool(", b"createPool", b"sql.Open", b"sqlx.", b"gorm.Open")
JS_KEYS = lazy(
    r"\b(max|min|idleTimeoutMillis|connectionTimeoutMillis|connectionLimit|acquireTimeout|pool|waitForConnections)\s*:"
)
# test support packages (sqltest, testfixtures, testutil, internal/testing, e2e-tests): their
# databases live for one test. A word of the folder's name, not any name holding "test"
# (`attestation/`, `latest/`), and the same wherever the run started.
TEST_SUPPORT = lazy(
    r"(?:^|/)(?:[a-z0-9]+[-_.])*(?:tests?|testing|testutils?|testhelpers?|testsupport|testenv|testdb"
    r"|sqltest|dbtest|testfixtures|testcontainers|e2e)(?:[-_.][a-z0-9]+)*/",
    re.I,
)
GO_SETTINGS = lazy(
    rb"SetMaxOpenConns|SetMaxIdleConns|SetConnMaxLifetime|SetConnMaxIdleTime|MaxConns|pool_max_conns"
)


class PoolWithoutLimits(Rule):
    """
    ## What it does
    Flags a connection pool created without size or timeout settings where the
    driver's defaults leave the size or the wait unbounded: asyncpg
    `create_pool(dsn)` (acquire waits forever), node-postgres `new Pool()` (no
    connection timeout) / mysql2 `createPool()` (unbounded queue) without
    `max`/timeouts, Go `sql.Open`/`sqlx`/`gorm.Open` with no
    `SetMaxOpenConns`/`SetConnMaxLifetime` in the package (an opener that
    returns the `*sql.DB` counts as sized when any package of the module sizes
    pools: its caller does). SQLite is not flagged, nor are pools whose defaults are bounded (SQLAlchemy's engine:
    5 + 10 overflow and a 30 s timeout; psycopg_pool; pgxpool).

    ## Why is this bad?
    Defaults are sized for a laptop. Multiply the pool size by the number of
    processes and replicas and you exceed `max_connections`; with no acquire
    timeout, requests queue forever when the pool is exhausted instead of
    failing fast. Go's `database/sql` has no limit on open connections at all.

    ## Example
    ```python
    pool = await asyncpg.create_pool(DATABASE_URL)
    ```

    ## Use instead
    ```python
    pool = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=10, timeout=30, command_timeout=30)
    ```
    The fix adds explicit settings (Python and node-postgres); tune them to
    `max_connections / (processes x replicas)`.
    """

    code = "CP002"
    name = "pool-without-limits"
    command = "CONNECTION_POOL"
    languages = APP_LANGUAGES
    severity = Severity.WARNING
    message = "`{call}` sets no pool size or timeout; size the pool and bound the wait"
    fix_title = "add explicit pool size and timeout settings"
    fix_safety = Applicability.UNSAFE

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        lang = ctx.document.language
        if not any(word in data for word in _POOL_WORDS):
            return
        tree = checks.tree(ctx)
        if lang == "python":
            yield from self._python(tree, data)
        elif lang in JS_LANGUAGES:
            yield from self._js(tree, data, lang)
        elif lang == "go":
            yield from self._go(tree, data, ctx.path)

    def _python(self, tree, data):
        for _, m in languages.matches(
            "python", "(call function: (_) @f arguments: (argument_list) @a) @c", tree.root_node
        ):
            fname = text(m["f"][0], data).rsplit(".", 1)[-1]
            if fname not in PY_POOLS:
                continue
            args = m["a"][0]
            atext = text(args, data)
            if "sqlite" in atext.lower() or "**" in atext:
                continue
            if fname == "create_pool" and not re.search(rb"asyncpg|aiomysql|aiopg", data):
                continue
            kws = {
                text(a.child_by_field_name("name"), data)
                for a in named_args(args)
                if a.type == "keyword_argument"
            }
            if kws & set(PY_POOLS[fname]):
                continue
            call = m["c"][0]
            close = args.children[-1]
            prefix = ", " if named_args(args) else ""
            fix = self.fix([Edit(close.start_byte, close.start_byte, prefix + PY_FIX[fname])])
            yield self.finding(
                call.start_byte, call.end_byte, fix=fix, call=text(m["f"][0], data) + "(...)"
            )

    def _js(self, tree, data, lang):
        if not re.search(rb"['\"](pg|mysql2?|mysql2/promise|pg-pool)['\"]", data):
            return
        q = "[(new_expression constructor: (_) @f arguments: (arguments) @a) (call_expression function: (_) @f arguments: (arguments) @a)] @c"
        for _, m in languages.matches(lang, q, tree.root_node):
            fname = text(m["f"][0], data)
            call = m["c"][0]
            is_new = call.type == "new_expression"
            if not (
                is_new
                and fname.split(".")[-1] == "Pool"
                or not is_new
                and fname.split(".")[-1] == "createPool"
            ):
                continue
            if not is_new and fname.split(".")[0] in ("this", "super"):
                continue  # the class's own pool factory: it sizes the pool itself
            args = named_args(m["a"][0])
            if args and args[0].type != "object":
                if args[0].type == "string" and "sqlite" in text(args[0], data):
                    continue
                continue  # a config built elsewhere: cannot tell
            if args and JS_KEYS.search(text(args[0], data)):
                continue
            settings = (
                "connectionLimit: 10, waitForConnections: true, queueLimit: 100"
                if "createPool" in fname
                else "max: 10, idleTimeoutMillis: 30000, connectionTimeoutMillis: 5000"
            )
            if args:
                obj = args[0]
                inner = text(obj, data)[1:-1].strip()
                raw = data[obj.start_byte + 1 : obj.end_byte - 1]
                at = obj.start_byte + 1 + len(raw.rstrip())
                edit = Edit(at, at, (", " if inner and not inner.endswith(",") else " ") + settings)
                if not inner:
                    edit = Edit(obj.start_byte, obj.end_byte, "{ " + settings + " }")
            else:
                a = m["a"][0]
                edit = Edit(a.start_byte + 1, a.start_byte + 1, "{ " + settings + " }")
            yield self.finding(
                call.start_byte,
                call.end_byte,
                fix=self.fix([edit]),
                call=("new " if is_new else "") + fname + "(...)",
            )

    def _go(self, tree, data, path):
        if (
            GO_SETTINGS.search(data)
            or _package_sets_limits(path)
            or TEST_SUPPORT.search(path.replace("\\", "/"))
            and not checks.is_fixture_path(path)
        ):
            return
        for _, m in languages.matches(
            "go",
            "(call_expression function: (selector_expression) @f arguments: (argument_list) @a) @c",
            tree.root_node,
        ):
            fname = text(m["f"][0], data)
            if fname not in ("sql.Open", "sqlx.Open", "sqlx.Connect", "gorm.Open"):
                continue
            if re.search(r"sqlite", text(m["a"][0], data), re.I):
                continue
            call = m["c"][0]
            if _closed_in_same_function(call, data):
                continue  # opened and closed by one function: a one-shot connection, not the app's pool
            if _returns_handle(call, data) and _module_sets_limits(path):
                continue  # handed to the caller, and the module sizes its pools where it gets them
            yield self.finding(call.start_byte, call.end_byte, call=fname + "(...)")


def _package_sets_limits(path: str) -> bool:
    """The pool is often sized where it is returned to: another file of the same Go package."""
    import os

    if not path or path.startswith("<"):
        return False
    folder = os.path.dirname(os.path.abspath(path))
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".go") and not n.endswith("_test.go")]
    except OSError:
        return False
    for name in names[:200]:
        try:
            with open(os.path.join(folder, name), "rb") as f:
                if GO_SETTINGS.search(f.read(500_000)):
                    return True
        except OSError:
            continue
    return False


def _returns_handle(call, data: bytes) -> bool:
    """The call's function returns the database handle (``func open() (*sql.DB, error)``)."""
    fn = call.parent
    while fn is not None and fn.type not in ("function_declaration", "method_declaration"):
        fn = fn.parent
    result = fn.child_by_field_name("result") if fn is not None else None
    return result is not None and bool(re.search(r"\*(?:sql|sqlx|gorm)\.DB\b", text(result, data)))


_MODULE_LIMITS: dict[str, bool] = {}


def _module_sets_limits(path: str) -> bool:
    """Some package of the file's Go module sizes a pool (``SetMaxOpenConns`` ...): a handle
    returned by an opener is sized by its caller, often in another package."""
    import os

    if not path or path.startswith("<"):
        return False
    root = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(os.path.join(root, "go.mod")):
        parent = os.path.dirname(root)
        if parent == root:
            return False
        root = parent
    if root in _MODULE_LIMITS:
        return _MODULE_LIMITS[root]
    found, seen = False, 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d
            for d in dirnames
            if not d.startswith(".") and d not in ("vendor", "node_modules", "testdata")
        ]
        for name in filenames:
            if not name.endswith(".go") or name.endswith("_test.go"):
                continue
            seen += 1
            try:
                with open(os.path.join(dirpath, name), "rb") as f:
                    if GO_SETTINGS.search(f.read(500_000)):
                        found = True
                        break
            except OSError:
                continue
        if found or seen > 20_000:
            break
    _MODULE_LIMITS[root] = found
    return found


def _closed_in_same_function(call, data: bytes) -> bool:
    fn = call.parent
    while fn is not None and fn.type not in (
        "function_declaration",
        "method_declaration",
        "func_literal",
    ):
        fn = fn.parent
    if fn is None:
        return False
    decl = call.parent
    while decl is not None and decl.type not in ("short_var_declaration", "assignment_statement"):
        decl = decl.parent
    if decl is None:
        return False
    left = decl.child_by_field_name("left")
    var = text(left.named_children[0], data) if left is not None and left.named_children else ""
    return (
        bool(var)
        and re.search(
            rb"defer\s+" + re.escape(var.encode()) + rb"\.Close\(\)",
            data[fn.start_byte : fn.end_byte],
        )
        is not None
    )
