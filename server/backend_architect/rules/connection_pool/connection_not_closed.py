import re

from backend_architect.app import checks
from backend_architect.core import languages
from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.lang import go as golang
from backend_architect.lang import APP_LANGUAGES, JS_LANGUAGES, text
from ...core.lazy_re import lazy

PY_OPEN = lazy(
    r"^(psycopg2?\.connect|pymysql\.connect|MySQLdb\.connect|mysql\.connector\.connect|asyncpg\.connect|aiomysql\.connect|"
    r"\w*engine\.connect|\w*engine\.raw_connection|\w*pool\.getconn|\w*pool\.acquire|SessionLocal|\w*Session|\w*session_factory|\w*session_maker)$"
)
# A call of a function PY_OPEN names (its whole dotted name, then the parenthesis): a file
# without one has nothing to report
PY_OPEN_CALL = re.compile(
    rb"(?<![\w.])(?:psycopg2?\.connect|pymysql\.connect|MySQLdb\.connect|mysql\.connector\.connect|"
    rb"asyncpg\.connect|aiomysql\.connect|\w*engine\.(?:connect|raw_connection)|\w*pool\.(?:getconn|acquire)|"
    rb"\w*Session(?:Local)?|\w*session_factory|\w*session_maker)\s*\("
)
FUNCS = {
    "python": "[(function_definition) (lambda)] @fn",
    "go": "[(function_declaration) (method_declaration) (func_literal)] @fn",
}


def _closed_by_hand(rest: str, v: str) -> bool:
    """Whether Go ``rows`` (``v``, escaped) are closed without ``defer`` on every path: a
    ``v.Close()`` after the iteration, and one before each ``return`` in between (in the
    same block: ``_ = rows.Close(); return err`` inside the loop)."""
    closes = [m.start() for m in re.finditer(rf"\b{v}\.Close\(\)", rest)]
    if not closes:
        return False
    first_next = re.search(rf"\b{v}\.Next\(\)", rest)
    start = first_next.start() if first_next else 0
    if closes[-1] < start:
        return False  # closed before it is iterated: not after every path of it
    for ret in re.finditer(r"\breturn\b", rest[start : closes[-1]]):
        at = start + ret.start()
        block = rest[rest.rfind("{", 0, at) : at]
        if not re.search(rf"\b{v}\.Close\(\)", block):
            return False
    return True


class ConnectionNotClosed(Rule):
    """
    ## What it does
    Flags connections and sessions that are not released on every path:
    a Python `connect()` / `Session()` assigned to a variable outside `with`
    and never closed in a `finally`, a node-postgres `pool.connect()` client not
    released in a `finally`, and Go `rows` from `Query` without
    `defer rows.Close()` (or a deferred helper or closure that is handed `rows`,
    or a `rows.Close()` written by hand after the loop and before each return
    inside it) or iterated without checking `rows.Err()`.

    Not flagged: `sqlite3.connect()` (a local file, no pool slot to run out
    of), a `Session(bind=connection)` on the caller's connection, HTTP client
    sessions (`from requests import Session` included), a `...Session` class
    the file defines as plain data (no base class, no `close`), command-line
    commands (the process ends with them), and migrations (they run once, on
    the migration's own connection).

    ## Why is this bad?
    The first exception between open and close leaks the connection; after a few
    hundred errors the pool is empty and every request hangs. In Go, unclosed
    rows pin their connection, and an unchecked `rows.Err()` silently turns a
    network error halfway through the result into a short, "successful" list.

    ## Example
    ```go
    rows, err := db.QueryContext(ctx, "SELECT id FROM users")
    if err != nil {
        return err
    }
    for rows.Next() { ... }
    ```

    ## Use instead
    ```go
    rows, err := db.QueryContext(ctx, "SELECT id FROM users")
    if err != nil {
        return err
    }
    defer rows.Close()
    for rows.Next() { ... }
    return rows.Err()
    ```
    """

    code = "CP003"
    name = "connection-not-closed"
    command = "CONNECTION_POOL"
    languages = APP_LANGUAGES
    severity = Severity.WARNING
    message = "{what}"

    def check_document(self, ctx):
        if checks.skip_tests(ctx.path):
            return
        data = ctx.document.data
        lang = ctx.document.language
        if lang == "python":
            if not any(word in data for word in (b"connect(", b"Session", b"getconn", b"acquire(")):
                return
            if not PY_OPEN_CALL.search(data):
                return  # no call PY_OPEN names (e.g. only a signal's .connect(): not parsed)
            if _is_migration(ctx.path, data):
                return  # runs once, on the migration's own connection
            yield from self._python(checks.tree(ctx), data)
        elif lang == "go":
            if not any(
                word in data
                for word in (b".Query(", b".QueryContext(", b".Queryx(", b".QueryxContext(")
            ):
                return
            if ctx.file.is_migration:
                return  # runs once, inside the migration's own transaction
            yield from self._go(ctx.document, checks.tree(ctx), data)
        elif lang in JS_LANGUAGES:
            if b".connect()" not in data:
                return
            yield from self._js(checks.tree(ctx), data, lang)

    def _python(self, tree, data):
        q = "(assignment left: (identifier) @v right: [(call function: (_) @f) (await (call function: (_) @f))] @rhs) @a"
        for _, m in languages.matches("python", q, tree.root_node):
            fname = text(m["f"][0], data)
            if not PY_OPEN.match(fname):
                continue
            if fname.endswith("Session") and not re.search(r"Session(Local)?$", fname):
                continue
            if re.search(r"API|Api|Http|HTTP|Client|requests\.|aiohttp", fname):
                continue  # an HTTP client session, not a database connection
            if _http_import(fname, data) or _plain_class(fname, data):
                continue  # `from requests import Session`, or a `...Session` record class of this file
            if fname.endswith("Session") and re.search(
                r"\bbind\s*=\s*\w*(conn|connection)\b", text(m["rhs"][0], data)
            ):
                continue  # bound to a connection the caller holds: nothing is checked out of the pool
            assign = m["a"][0]
            fn = _enclosing(assign, ("function_definition",))
            if fn is None:
                continue  # module level: lives as long as the process
            if _is_cli_command(fn, data):
                continue  # a command-line command: the process ends with it
            var = text(m["v"][0], data)
            body = text(fn, data)
            v = re.escape(var)
            if re.search(
                rf"\b(return|yield)\s+{v}\b|with\s+{v}\b|closing\(\s*{v}\s*\)|self\.\w+\s*=\s*{v}\b|\b{v}\s*,\s*\w+\s*=|return\s+\w+\({v}\b",
                body,
            ):
                continue
            if (
                re.search(
                    rf"finally\s*:(?:(?!\n\S)[\s\S])*?\b{v}\.(close|putconn|release|dispose)\(|putconn\(\s*{v}\b[^)]*\)",
                    body,
                )
                and "finally" in body
            ):
                continue
            if re.search(rf"\bputconn\(\s*{v}\b", body) and "finally" in body:
                continue
            yield self.finding(
                assign.start_byte,
                assign.end_byte,
                what=f"`{var}` from `{fname}()` is not closed if an exception is raised; use `with` or close it in `finally`",
            )

    def _go(self, document, tree, data):
        # (a literal each pattern below needs is looked for first: a function left unclosed
        # by a syntax error can run to the end of the file, and is searched once per query)
        for decl, var_node in _go_query_assignments(document, tree):
            var = text(var_node, data)
            if var == "_":
                continue
            fn = _enclosing(decl, ("function_declaration", "method_declaration", "func_literal"))
            if fn is None:
                continue
            rest = data[decl.end_byte : fn.end_byte].decode("utf-8", "replace")
            v = re.escape(var)
            if not re.search(rf"\b{v}\.(Next|NextResultSet)\(\)", rest):
                continue  # not a rows cursor (url.Values, a DAO's list, ...)
            if "return" in rest and re.search(rf"\breturn\s+(&?\w+\{{[^}}]*)?\b{v}\b", rest):
                continue  # handed to the caller
            if not (
                "defer" in rest  # (each way of closing by defer below starts with it)
                and re.search(
                    rf"defer\s+(func\s*\(\)\s*\{{[^}}]*)?\b{v}\.Close\(\)"
                    # handed to a deferred helper that closes it: `defer closeRows(rows)`,
                    # `defer util.CloseAndLog(ctx, rows, "...")`
                    rf"|defer\s+[\w.]+\((?:[^()\n]*,)?\s*{v}\s*[,)]"
                    # handed to a deferred closure that closes its parameter:
                    # `defer func(r *sql.Rows) { if err := r.Close(); ... }(rows)`
                    rf"|defer\s+func\s*\(\s*(?P<param>\w+)\s[^)]*\)\s*\{{[^}}]*\b(?P=param)\.Close\(\)"
                    rf"(?s:[^}}]*\}})*?\s*\}}\s*\(\s*{v}\s*\)",
                    rest,
                )
            ) and not (f"{var}.Close()" in rest and _closed_by_hand(rest, v)):
                yield self.finding(
                    decl.start_byte,
                    decl.end_byte,
                    what=f"`{var}` is not closed on every path; add `defer {var}.Close()` after the error check",
                )
            elif re.search(rf"\b{v}\.Next\(\)", rest) and not (
                f"{var}.Err()" in rest and re.search(rf"\b{v}\.Err\(\)", rest)
            ):
                yield self.finding(
                    decl.start_byte,
                    decl.end_byte,
                    what=f"`{var}.Err()` is never checked after iterating; an error mid-result looks like a short list",
                )

    def _js(self, tree, data, lang):
        q = "(variable_declarator name: (identifier) @v value: (await_expression (call_expression function: (member_expression property: (property_identifier) @p)))) @d"
        for _, m in languages.matches(lang, q, tree.root_node):
            if text(m["p"][0], data) != "connect":
                continue
            decl = m["d"][0]
            if not re.search(r"pool|db", text(decl, data), re.I):
                continue
            var = text(m["v"][0], data)
            fn = _enclosing(
                decl,
                (
                    "function_declaration",
                    "arrow_function",
                    "function_expression",
                    "method_definition",
                ),
            )
            if fn is None:
                continue
            body = text(fn, data)
            v = re.escape(var)
            if re.search(rf"finally\s*\{{[^}}]*\b{v}\.release\(", body) or re.search(
                rf"\breturn\s+{v}\b", body
            ):
                continue
            stmt = decl.parent if decl.parent is not None else decl
            if re.match(
                rb"\s*;?\s*" + re.escape(var.encode()) + rb"\.release\(", data[stmt.end_byte :]
            ):
                continue  # released by the very next statement: nothing in between can throw
            yield self.finding(
                decl.start_byte,
                decl.end_byte,
                what=f"`{var}` is not released if a query throws; call `{var}.release()` in `finally`",
            )


_GO_QUERIES = frozenset(("Query", "QueryContext", "Queryx", "QueryxContext"))


def _go_query_assignments(document, tree):
    """(statement, first variable) of each ``v, ... := x.Query(args)`` or ``v, ... = x.Query(args)``
    (QueryContext, Queryx, QueryxContext too), in document order: read off the file's method
    calls (found once per tree for every reader) instead of querying the tree again."""
    calls, names = golang.selector_calls(document, tree)
    for (_, m), name in zip(calls, names, strict=True):
        if name not in _GO_QUERIES or m["args"][0].named_child_count == 0:
            continue
        values = m["call"][0].parent
        if values is None or values.type != "expression_list":
            continue  # (most calls: a statement of their own, an argument)
        stmt = values.parent
        if (
            stmt is None
            or stmt.type not in ("short_var_declaration", "assignment_statement")
            or stmt.child_by_field_name("right") != values
        ):
            continue
        left = stmt.child_by_field_name("left")
        if left is None or left.type != "expression_list" or left.named_child_count == 0:
            continue
        first = left.named_children[0]
        if first.type == "identifier":
            yield stmt, first


def _http_import(name: str, data: bytes) -> bool:
    """``name`` imported from an HTTP client library (``from requests import Session``)."""
    return bool(
        re.search(
            rb"from\s+(?:requests|aiohttp|httpx|urllib3|niquests)[\w.]*\s+import\s+[^\n]*\b"
            + re.escape(name.encode())
            + rb"\b",
            data,
        )
    )


def _plain_class(name: str, data: bytes) -> bool:
    """``name`` is a class this file defines, with no base class to inherit a ``close`` from
    and none of its own (a record of session data: an attrs class, a dataclass)."""
    m = re.search(
        rb"^([ \t]*)class\s+" + re.escape(name.encode()) + rb"\s*(?:\(\s*(?:object)?\s*\))?\s*:",
        data,
        re.M,
    )
    if m is None:
        return False
    indent = len(m.group(1))
    end = re.compile(rb"^[ \t]{0,%d}\S" % indent, re.M).search(data, m.end() + 1)
    body = data[m.end() : end.start() if end else len(data)]
    return not re.search(rb"def\s+(?:close|release|dispose|__exit__|__aexit__)\b", body)


def _enclosing(node, types):
    n = node.parent
    while n is not None and n.type not in types:
        n = n.parent
    return n


def _is_migration(path: str, data: bytes) -> bool:
    p = (path or "").replace("\\", "/")
    return bool(
        re.search(r"/(migrations|versions|revisions)/", p)
        or re.search(rb"^from alembic import op|^\s*op\.get_bind\(\)", data, re.M)
    )


def _is_cli_command(fn, data: bytes) -> bool:
    if text(fn.child_by_field_name("name"), data) == "handle" and re.search(rb"BaseCommand", data):
        return True  # a Django management command
    parent = fn.parent
    if parent is None or parent.type != "decorated_definition":
        return False
    decorators = " ".join(text(c, data) for c in parent.children if c.type == "decorator")
    return bool(
        re.search(r"@(?:click|typer)\.|@\w+\.command\b|@\w+\.group\b|@manager\.|@cli\.", decorators)
    )
