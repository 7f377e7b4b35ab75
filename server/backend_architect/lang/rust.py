"""Rust: string literals, ``format!`` strings, scopes, and the SQL handed to database crates.

SQL is read from the calls of sqlx (``query!`` / ``query_as!`` / ``query_scalar!`` macros and
``query`` / ``query_as`` / ``query_scalar`` / ``raw_sql`` functions), diesel (``sql_query``,
``dsl::sql`` fragments), tokio-postgres and rusqlite (``client.query`` / ``query_one`` /
``execute`` / ``prepare`` ...). The argument may be a literal (escapes and raw strings
``r#"..."#`` keep exact positions), a ``format!`` string, a local ``String`` grown with
``push_str`` / ``+=`` / ``write!``, or a concatenation; values spliced in become holes.

The sites are :class:`~backend_architect.app.embedded.SqlSite` objects like those of the other
languages, so every SQL rule runs on them.
"""

from __future__ import annotations

import re
import weakref

import tree_sitter as ts

from ..app.embedded import Hole, SqlSite, _Text, looks_like_sql
from ..core import languages
from ..core.regions import Region, clean_sql
from ..core.lazy_re import lazy

# sqlx's checked macros take one literal (query_as! a type first)
SQL_MACROS = {
    "query",
    "query_as",
    "query_scalar",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
}
# functions whose first argument is a statement: sqlx, diesel
SQL_FUNCTIONS = {
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
    "raw_sql",
    "sql_query",
}
# methods whose first argument is a statement: tokio-postgres, deadpool, rusqlite, mysql
SQL_METHODS = {
    "query",
    "query_one",
    "query_opt",
    "query_raw",
    "query_typed",
    "execute",
    "execute_raw",
    "prepare",
    "prepare_cached",
    "prepare_typed",
    "batch_execute",
    "simple_query",
    "query_row",
    "query_map",
    "execute_batch",
    "exec_drop",
    "query_first",
}
# calls that take a piece of SQL (a condition, an expression): diesel ``sql::<T>(...)``,
# sqlx ``QueryBuilder::push``; only request data spliced into them is worth raising
FRAGMENT_FUNCTIONS = {"sql"}
FRAGMENT_METHODS = {"push", "sql"}

_SCOPES = ("function_item", "closure_expression")

CALLS = f"""
(macro_invocation macro: [(identifier) @method
                          (scoped_identifier path: (_) @obj name: (identifier) @method)]
                  (token_tree) @args
  (#any-of? @method {" ".join(f'"{n}"' for n in sorted(SQL_MACROS))})) @macro
(call_expression function: [(identifier) @method
                            (scoped_identifier path: (_) @obj name: (identifier) @method)
                            (generic_function function: [(identifier) @method
                                                         (scoped_identifier path: (_) @obj name: (identifier) @method)])]
                 arguments: (arguments) @args
  (#any-of? @method {" ".join(f'"{n}"' for n in sorted(SQL_FUNCTIONS | FRAGMENT_FUNCTIONS))})) @function
(call_expression function: [(field_expression value: (_) @obj field: (field_identifier) @method)
                            (generic_function function: (field_expression value: (_) @obj field: (field_identifier) @method))]
                 arguments: (arguments) @args
  (#any-of? @method {" ".join(f'"{n}"' for n in sorted(SQL_METHODS | FRAGMENT_METHODS))})) @call
"""

_QMARK_CRATES = lazy(
    r"\b(?:rusqlite|MySql|MySqlPool|Sqlite|SqlitePool|SqliteConnection|MysqlConnection|mysql_async|mysql::)\b"
)
_ESCAPE = lazy(r"\\(?:\r?\n[ \t\r\n]*|x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,6}\}|.)", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "0": "\0", "'": "'", '"': '"'}
_FIELD = lazy(r"\{\{|\}\}|\{([^{}]*)\}")


def text(node, data: bytes) -> str:
    return data[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def scope_of(node):
    """The function or closure around ``node`` (the file's root when there is none)."""
    n = node.parent
    last = node
    while n is not None:
        if n.type in _SCOPES:
            return n
        last = n
        n = n.parent
    return last


# -- string literals --------------------------------------------------------------------------


def _decode(esc: str) -> str | None:
    body = esc[1:]
    if body[:1] in ("\n", "\r"):
        return ""  # a line continuation also drops the next line's leading blanks
    if body in _SIMPLE:
        return _SIMPLE[body]
    try:
        if body[0] == "x":
            return chr(int(body[1:], 16))
        if body[0] == "u":
            return chr(int(body[2:-1].replace("_", ""), 16))
    except (ValueError, OverflowError):
        return None
    return None


def literal_segments(node, data: bytes) -> list | None:
    """Segments of a ``"..."`` or ``r#"..."#`` literal's content (None for byte and C strings)."""
    raw = text(node, data)
    quote = raw.find('"')
    prefix = raw[:quote]
    if quote < 0 or "b" in prefix or "c" in prefix:
        return None
    if node.type == "raw_string_literal":
        hashes = len(prefix) - 1
        content = raw[quote + 1 : len(raw) - 1 - hashes]
    elif node.type == "string_literal":
        content = raw[quote + 1 : -1]
    else:
        return None
    start = node.start_byte + len(raw[: quote + 1].encode("utf-8", "surrogatepass"))
    out: list = []
    pos = start
    last = 0
    if node.type == "string_literal" and "\\" in content:
        for m in _ESCAPE.finditer(content):
            chunk = content[last : m.start()]
            if chunk:
                n = len(chunk.encode("utf-8", "surrogatepass"))
                out.append(_Text(chunk, pos, n, True))
                pos += n
            esc = m.group(0)
            n = len(esc.encode("utf-8", "surrogatepass"))
            decoded = _decode(esc)
            out.append(
                _Text(esc, pos, n, True) if decoded is None else _Text(decoded, pos, n, False)
            )
            pos += n
            last = m.end()
    chunk = content[last:]
    if chunk:
        out.append(_Text(chunk, pos, len(chunk.encode("utf-8", "surrogatepass")), True))
    return out


def is_string(node) -> bool:
    return node is not None and node.type in ("string_literal", "raw_string_literal")


# -- macro arguments ------------------------------------------------------------------------------


class MacroArg:
    """One comma-separated argument of a macro's token tree (tokens are not expressions)."""

    __slots__ = ("tokens", "name", "start_byte", "end_byte")

    def __init__(self, tokens: list, name: str | None = None):
        self.tokens = tokens
        self.name = name  # `name = value` arguments of format!
        self.start_byte = tokens[0].start_byte
        self.end_byte = tokens[-1].end_byte


def macro_args(tree_node, data: bytes) -> list[MacroArg]:
    """The top-level arguments of ``name!(a, b = c, ...)``."""
    children = list(tree_node.children)
    if len(children) >= 2 and children[0].type in ("(", "[", "{"):
        children = children[1:-1]
    groups: list[list] = [[]]
    for c in children:
        if c.type in {",", ";"}:
            groups.append([])
        elif c.type not in ("line_comment", "block_comment"):
            groups[-1].append(c)
    out = []
    for g in groups:
        if not g:
            continue
        if len(g) >= 3 and g[0].type == "identifier" and g[1].type == "=":
            out.append(MacroArg(g[2:], text(g[0], data)))
        else:
            out.append(MacroArg(g))
    return out


def arg_text(arg, data: bytes) -> str:
    return data[arg.start_byte : arg.end_byte].decode("utf-8", "surrogatepass")


def format_segments(macro, data: bytes) -> list | None:
    """``format!("... {} {name} {0:?}", a, name = b)``: literal text and holes."""
    tt = next((c for c in macro.named_children if c.type == "token_tree"), None)
    if tt is None:
        return None
    args = macro_args(tt, data)
    if not args or len(args[0].tokens) != 1 or not is_string(args[0].tokens[0]):
        return None
    return fields(args[0].tokens[0], args[1:], data)


def fields(fmt_node, args: list[MacroArg], data: bytes) -> list | None:
    """The segments of a format string, its ``{...}`` fields turned into holes."""
    segs = literal_segments(fmt_node, data)
    if segs is None:
        return None
    positional = [a for a in args if a.name is None]
    named = {a.name: a for a in args if a.name is not None}
    out: list = []
    index = 0
    for s in segs:
        if not s.copy or "{" not in s.text and "}" not in s.text:
            out.append(s)
            continue
        i = 0
        b = s.host_start
        for m in _FIELD.finditer(s.text):
            before = s.text[i : m.start()]
            if before:
                n = len(before.encode("utf-8", "surrogatepass"))
                out.append(_Text(before, b, n, True))
                b += n
            n = len(m.group(0).encode("utf-8", "surrogatepass"))
            if m.group(0) in ("{{", "}}"):
                out.append(_Text(m.group(0)[0], b, 2, False))
            else:
                inner = m.group(1)
                name, _, spec = inner.partition(":")
                name = name.strip()
                arg = None
                if not name:
                    arg = positional[index] if index < len(positional) else None
                    index += 1
                elif name.isdigit():
                    k = int(name)
                    arg = positional[k] if k < len(positional) else None
                else:
                    arg = named.get(name)
                hole = Hole(arg.tokens[0] if arg is not None else None, b, b + n, spec=spec)
                hole.rust_arg = (  # type: ignore[attr-defined]
                    arg_text(arg, data) if arg is not None else name,
                    arg.tokens if arg is not None else [],
                )
                out.append(hole)
            b += n
            i = m.end()
        rest = s.text[i:]
        if rest:
            out.append(_Text(rest, b, len(rest.encode("utf-8", "surrogatepass")), True))
    return out


# -- SQL sites --------------------------------------------------------------------------------


def _macro_name(node, data: bytes) -> str:
    m = node.child_by_field_name("macro")
    return text(m, data).rsplit("::", 1)[-1] if m is not None else ""


_PASS_THROUGH = ("as_str", "to_string", "to_owned", "into", "as_ref", "clone")


def _unwrap(node, data: bytes):
    """``&x``, ``x.as_str()``, ``&*x``, ``x.to_string()``, ``String::from(x)``: the ``x``."""
    while node is not None:
        t = node.type
        if t in ("reference_expression", "parenthesized_expression", "unary_expression"):
            inner = [c for c in node.named_children if c.type not in ("mutable_specifier",)]
            node = inner[-1] if inner else None
            continue
        if t == "call_expression":
            fn = node.child_by_field_name("function")
            args = [c for c in node.child_by_field_name("arguments").named_children]
            if (
                fn is not None
                and fn.type == "field_expression"
                and not args
                and text(fn.child_by_field_name("field"), data) in _PASS_THROUGH
            ):
                node = fn.child_by_field_name("value")
                continue
            if (
                fn is not None
                and text(fn, data) in ("String::from", "Cow::from", "Cow::Owned")
                and len(args) == 1
            ):
                node = args[0]
                continue
        return node
    return None


class RustSql:
    """The SQL sites of one Rust document."""

    def __init__(self, ctx, tree):
        self.ctx = ctx
        self.data = ctx.document.data
        self.tree = tree
        self.qmark = bool(_QMARK_CRATES.search(ctx.document.text))

    # ---- string expressions ----------------------------------------------------------------

    def segments(self, node, formatting: list, before: int, depth: int = 0) -> list | None:
        if node is None or depth > 8:
            return None
        node = _unwrap(node, self.data)
        if node is None:
            return None
        t = node.type
        if is_string(node):
            return literal_segments(node, self.data)
        if t == "macro_invocation" and _macro_name(node, self.data) == "format":
            segs = format_segments(node, self.data)
            if segs is not None and any(isinstance(s, Hole) for s in segs):
                formatting.append("format")
            return segs
        if t == "binary_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type == "+":
                out = []
                literal = False
                for side in (node.child_by_field_name("left"), node.child_by_field_name("right")):
                    segs = self.segments(side, formatting, before, depth + 1)
                    if segs is None:
                        out.append(self._hole(side))
                        formatting.append("concat")
                    else:
                        literal = True
                        out += segs
                return out if literal else None
        if t == "identifier":
            return self.variable(node, formatting, before, depth)
        if t == "scoped_identifier":  # Self::QUERY, queries::LIST_USERS
            name = node.child_by_field_name("name")
            return self.constant(text(name, self.data), formatting, depth) if name else None
        return None

    def constant(self, name: str, formatting: list, depth: int) -> list | None:
        """A ``const`` / ``static`` string of the file."""
        for _, caps in languages.matches("rust", _CONST_Q, self.tree.root_node):
            if text(caps["name"][0], self.data) == name:
                return self.segments(
                    caps["value"][0], formatting, caps["item"][0].end_byte, depth + 1
                )
        return None

    def _hole(self, node) -> Hole:
        target = _unwrap(node, self.data) or node
        hole = Hole(target, node.start_byte, node.end_byte)
        hole.rust_arg = (text(target, self.data), [target])  # type: ignore[attr-defined]
        return hole

    def variable(self, ident, formatting: list, before: int, depth: int) -> list | None:
        """A local ``let sql = ...`` and what is appended to it before ``before``."""
        name = text(ident, self.data)
        scope = scope_of(ident)
        lets = [
            c
            for _, c in _lets(scope, name, self.data)
            if c.end_byte <= before and scope_of(c) == scope
        ]
        if not lets:
            return self.constant(name, formatting, depth)
        decl = lets[-1]
        value = decl.child_by_field_name("value")
        if value is None:
            return None
        if value.type == "call_expression" and text(
            value.child_by_field_name("function"), self.data
        ) in (
            "String::new",
            "String::with_capacity",
        ):
            out: list = []
        else:
            segs = self.segments(value, formatting, decl.start_byte, depth + 1)
            if segs is None:
                return None
            out = list(segs)
        for kind, arg in _appends(scope, name, decl.end_byte, before, self.data):
            if kind == "write":
                segs = (
                    fields(arg[0].tokens[0], arg[1:], self.data)
                    if arg and is_string(arg[0].tokens[0])
                    else None
                )
                if segs is None:
                    return None
                if any(isinstance(s, Hole) for s in segs):
                    formatting.append("format")
            else:
                segs = self.segments(arg, formatting, before, depth + 1)
                if segs is None:
                    segs = [self._hole(arg)]
                    formatting.append("push_str" if kind == "push_str" else "concat")
            out += segs
        if not any(isinstance(s, _Text) and s.text.strip() for s in out):
            return None
        return out

    # ---- sites ----------------------------------------------------------------------------

    def sites(self, fragments: bool = False) -> list[SqlSite]:
        out: list[SqlSite] = []
        seen: set[tuple[int, int]] = set()
        for _, caps in languages.matches("rust", CALLS, self.tree.root_node):
            try:
                site = self._site(caps, fragments)
            except RecursionError:
                site = None
            if site is None:
                continue
            expr: ts.Node = site.expr
            key = (expr.start_byte, expr.end_byte)
            if key in seen:
                continue
            seen.add(key)
            out.append(site)
        out.sort(key=lambda s: s.expr.start_byte)
        return out

    def _site(self, caps, fragments: bool) -> SqlSite | None:
        data = self.data
        method = text(caps["method"][0], data)
        obj = caps.get("obj", [None])[0]
        receiver = text(obj, data) if obj is not None else ""
        args = caps["args"][0]
        formatting: list[str] = []
        params: list = []
        if "macro" in caps:
            call = caps["macro"][0]
            if receiver not in ("", "sqlx"):
                return None
            margs = macro_args(args, data)
            first = 1 if method.startswith("query_as") else 0
            if (
                len(margs) <= first
                or len(margs[first].tokens) != 1
                or not is_string(margs[first].tokens[0])
            ):
                return None
            arg = expr = margs[first].tokens[0]
            segs = literal_segments(arg, data)
            params = margs[first + 1 :]
            kind_method = method + "!"
            statement_call, fragment_call = True, False
        else:
            call = caps.get("function", caps.get("call", [None]))[0]
            positional = [
                a for a in args.named_children if a.type not in ("line_comment", "block_comment")
            ]
            if not positional:
                return None
            arg = positional[0]
            params = positional[1:]
            function = "function" in caps
            fragment_call = method in (FRAGMENT_FUNCTIONS if function else FRAGMENT_METHODS)
            statement_call = method in (SQL_FUNCTIONS if function else SQL_METHODS)
            if fragment_call and method == "push" and "QueryBuilder" not in self.ctx.document.text:
                return None
            kind_method = method
            segs = self.segments(arg, formatting, call.start_byte)
            expr = _unwrap(arg, data) or arg
            if expr.type == "identifier":
                expr = arg  # the SQL was built in a variable: the finding points at its use
        if segs is None:
            return None
        probe = "".join(s.text if isinstance(s, _Text) else " 0 " for s in segs)
        fragment = False
        if not statement_call or not looks_like_sql(probe):
            if (
                not fragments
                or not fragment_call
                or not any(isinstance(s, Hole) for s in segs)
                or not any(isinstance(s, _Text) and s.text.strip() for s in segs)
            ):
                return None
            fragment = True
        elif fragments:
            return None
        style = "?" if self.qmark and "$1" not in probe else "$"
        from ..app.embedded import _Finder

        decoded, dmap, holes = _Finder._materialise(segs, False)
        clean, cmap = clean_sql(decoded, 0, qmark=(style == "?"))
        region_map = cmap.compose(dmap)
        host_start, host_end = expr.start_byte, expr.end_byte
        kind = (
            f"{receiver.rsplit('::', 1)[-1].rsplit('.', 1)[-1]}.{kind_method}"
            if receiver
            else kind_method
        )
        region = Region(
            clean,
            region_map,
            kind=kind,
            host_start=host_start,
            host_end=host_end,
            meta={"language": "rust", "method": kind_method},
        )
        site = SqlSite(
            "rust",
            call,
            kind_method,
            receiver,
            arg,
            expr,
            formatting[0] if formatting else None,
            holes,
            decoded,
            dmap,
            region,
            style,
            None,
            params,
            {"arg_index": 0, "args": chain_top(call)},
        )
        if fragment:
            site.extra["fragment"] = True
        region.meta["site"] = weakref.ref(site)  # weak: see app.embedded (no cycle)
        region.meta["fix_hook"] = self._escape_fix
        return site

    def _escape_fix(self, finding):
        """SQL a fix writes into a ``"..."`` literal gets its ``"`` and ``\\`` escaped (a quoted
        identifier would otherwise end the Rust string); a raw string that cannot hold the text
        loses the fix."""
        fix = finding.fix
        if fix is None:
            return finding
        from dataclasses import replace

        from ..core.findings import Edit

        edits = []
        for e in fix.edits:
            node = self.tree.root_node.descendant_for_byte_range(e.start, e.end)
            while node is not None and node.type not in ("string_literal", "raw_string_literal"):
                node = node.parent
            if node is None or not node.start_byte < e.start <= e.end < node.end_byte:
                edits.append(e)
            elif node.type == "string_literal":
                edits.append(
                    Edit(e.start, e.end, e.new_text.replace("\\", "\\\\").replace('"', '\\"'))
                )
            else:
                hashes = text(node, self.data).split('"', 1)[0].count("#")
                if '"' + "#" * hashes in e.new_text:
                    finding.fix = None
                    return finding
                edits.append(e)
        finding.fix = replace(fix, edits=tuple(edits))
        return finding


def chain_top(call):
    """The whole method chain a query call starts: ``query(..).bind(x).fetch_one(&p).await?``."""
    node = call
    while node.parent is not None and node.parent.type in (
        "field_expression",
        "call_expression",
        "await_expression",
        "try_expression",
        "generic_function",
    ):
        parent = node.parent
        if parent.type == "call_expression" and parent.child_by_field_name("function") != node:
            break  # the query is an argument, not the head of the chain
        node = parent
    return node


_CONST_Q = """
(const_item name: (identifier) @name value: (_) @value) @item
(static_item name: (identifier) @name value: (_) @value) @item
"""
_LET_Q = "(let_declaration pattern: [(identifier) @name (mut_pattern (identifier) @name)]) @let"
_APPEND_Q = """
(call_expression function: (field_expression value: (identifier) @name field: (field_identifier) @m)
                 arguments: (arguments . (_) @arg .)
  (#any-of? @m "push_str" "push")) @push
(compound_assignment_expr left: (identifier) @name operator: "+=" right: (_) @arg) @augment
(macro_invocation macro: (identifier) @mac (token_tree) @tt (#any-of? @mac "write" "writeln")) @write
"""


def _lets(scope, name: str, data: bytes):
    for _, caps in languages.matches("rust", _LET_Q, scope):
        if text(caps["name"][0], data) == name:
            yield name, caps["let"][0]


def _appends(scope, name: str, after: int, before: int, data: bytes):
    """(push_str | augment | write, argument) appended to ``name`` between two offsets, in order."""
    found = []
    for _, caps in languages.matches("rust", _APPEND_Q, scope):
        if "write" in caps:
            node = caps["write"][0]
            if not after <= node.start_byte < before:
                continue
            margs = macro_args(caps["tt"][0], data)
            if (
                len(margs) < 2
                or arg_text(margs[0], data).lstrip("&").removeprefix("mut ").strip() != name
            ):
                continue
            found.append((node.start_byte, "write", margs[1:]))
            continue
        if text(caps["name"][0], data) != name:
            continue
        kind = "push_str" if "push" in caps else "augment"
        node = caps["push" if "push" in caps else "augment"][0]
        if kind == "push_str" and text(caps["m"][0], data) == "push":
            continue  # String::push takes one char
        if after <= node.start_byte < before and scope_of(node) == scope:
            found.append((node.start_byte, kind, caps["arg"][0]))
    found.sort(key=lambda t: t[0])
    return [(k, a) for _, k, a in found]


def sql_sites(ctx, tree, fragments: bool = False) -> list[SqlSite]:
    return RustSql(ctx, tree).sites(fragments)


# -- parameters and where values come from ----------------------------------------------------------

# extractors that hand a handler what the client sent (Axum, Actix)
REQUEST_EXTRACTORS = {
    "Query",
    "Json",
    "Path",
    "Form",
    "Multipart",
    "RawQuery",
    "TypedHeader",
    "HeaderMap",
    "HttpRequest",
    "Request",
    "Bytes",
    "RawForm",
}
# types that cannot carry SQL text
SAFE_TYPE_RE = lazy(
    r"^&?(?:'\w+\s+)?(?:mut\s+)?(?:Option<\s*)?(?:(?:\w+::)*(?:[iu](?:8|16|32|64|128|size)|f32|f64|bool|char|"
    r"Uuid|\w*Id|\w*ID|NaiveDate\w*|DateTime<[^>]*>|Date|Time|OffsetDateTime|Duration|Decimal))(?:\s*>)?$"
)


def type_head(type_text: str) -> str:
    """``web::Json<Body>`` -> ``Json``."""
    return type_text.lstrip("&").split("<", 1)[0].strip().removeprefix("mut ").rsplit("::", 1)[-1]


def type_inner(type_text: str) -> str:
    """``Path<(i32, String)>`` -> ``(i32, String)``."""
    if "<" not in type_text:
        return ""
    return type_text.split("<", 1)[1].rsplit(">", 1)[0].strip()


def parameters(fn, data: bytes) -> dict[str, str]:
    """name -> declared type of a function's parameters (every name of a destructuring pattern;
    a tuple pattern's names get the tuple's element types)."""
    params = fn.child_by_field_name("parameters") if fn is not None else None
    out: dict[str, str] = {}
    if params is None:
        return out
    for p in params.named_children:
        if p.type == "closure_parameters" or p.type not in ("parameter", "identifier"):
            continue
        if p.type == "identifier":  # a closure's untyped parameter
            out[text(p, data)] = ""
            continue
        pattern = p.child_by_field_name("pattern")
        ptype = p.child_by_field_name("type")
        type_text = text(ptype, data) if ptype is not None else ""
        if pattern is None:
            continue
        if pattern.type == "identifier":
            out[text(pattern, data)] = type_text
            continue
        # Query(params): Query<T>, Path((a, b)): Path<(i32, String)>
        inner = type_inner(type_text)
        elements = (
            [e.strip() for e in inner[1:-1].split(",")]
            if inner.startswith("(") and inner.endswith(")")
            else []
        )
        names = [n for n in _pattern_names(pattern, data)]
        for i, n in enumerate(names):
            element = elements[i] if i < len(elements) and len(names) == len(elements) else inner
            out[n] = f"{type_head(type_text)}<{element}>" if element else type_text
    if fn.type == "closure_expression":
        for p in params.named_children:
            if p.type == "identifier":
                out[text(p, data)] = ""
    return out


def _pattern_names(pattern, data: bytes) -> list[str]:
    names = []
    for c in pattern.named_children:
        if c.type == "identifier" and pattern.child_by_field_name("type") != c:
            names.append(text(c, data))
        elif c.type in (
            "tuple_pattern",
            "tuple_struct_pattern",
            "struct_pattern",
            "mut_pattern",
            "ref_pattern",
        ):
            names += _pattern_names(c, data)
        elif c.type == "field_pattern":
            name = c.child_by_field_name("pattern") or c.child_by_field_name("name")
            if name is not None and name.type in ("identifier", "shorthand_field_identifier"):
                names.append(text(name, data))
    return names


def is_request_type(type_text: str) -> bool:
    """An extractor of client data whose value can hold text (``Path<i64>`` cannot)."""
    if type_head(type_text) not in REQUEST_EXTRACTORS:
        return False
    inner = type_inner(type_text)
    return not (inner and SAFE_TYPE_RE.match(inner))


# -- test code ------------------------------------------------------------------------------------

_TEST_ATTR = lazy(r"^#\[\s*(?:cfg\(\s*test\s*\)|(?:\w+::)*test\b)")
# cargo's integration tests, benchmarks and examples (judged by the file's own folder: a
# project checked out under a tests/ folder is still a project)
TEST_PATH = lazy(r"(?:^|/)(?:tests|benches|examples)/[^/]*$|(?:^|/)[^/]*_tests?\.rs$")


def _attributes(node, data: bytes):
    """The ``#[...]`` attribute items right before ``node``."""
    prev = node.prev_named_sibling
    while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
        if prev.type == "attribute_item":
            yield text(prev, data)
        prev = prev.prev_named_sibling


def in_test_code(node, data: bytes) -> bool:
    """Inside a ``#[cfg(test)]`` module or a ``#[test]`` / ``#[tokio::test]`` function."""
    n = node
    while n is not None:
        if n.type in ("mod_item", "function_item") and any(
            _TEST_ATTR.match(a) for a in _attributes(n, data)
        ):
            return True
        n = n.parent
    return False


# -- values the callers pass ------------------------------------------------------------------------

_CONST_VALUE = lazy(
    r'^&?(?:(?:\w+::)*_?[A-Z][A-Z0-9_]*|-?\d[\d_.]*\w*|true|false|"[^"\\]*"|\((?:\s*"[^"\\]*"\s*,?)+\))$'
)
_CALLS_Q = "(call_expression function: [(identifier) @f (scoped_identifier name: (identifier) @f)] arguments: (arguments) @a) @c"


def parameter_index(fn, name: str, data: bytes) -> int | None:
    params = fn.child_by_field_name("parameters")
    if params is None:
        return None
    i = 0
    for p in params.named_children:
        if p.type == "self_parameter":
            return None  # a method: its callers are harder to tell apart
        if p.type != "parameter":
            continue
        pattern = p.child_by_field_name("pattern")
        if pattern is not None and text(pattern, data).removeprefix("mut ").strip() == name:
            return i
        i += 1
    return None


def fed_constants(fn, index: int, tree, data: bytes, depth: int = 0) -> bool:
    """Is parameter ``index`` of the private function ``fn`` given only constants by the calls
    in this file (literals, ``ALL_CAPS`` constants, loop variables over them, or the same
    parameter of a caller that is itself fed constants)?"""
    if depth > 3 or fn is None or fn.type != "function_item":
        return False
    if any(c.type == "visibility_modifier" for c in fn.children):
        return False  # pub: callers elsewhere
    name = text(fn.child_by_field_name("name"), data)
    calls = [
        caps
        for _, caps in languages.matches("rust", _CALLS_Q, tree.root_node)
        if text(caps["f"][0], data) == name
    ]
    if not calls:
        return False
    for caps in calls:
        args = [a for a in caps["a"][0].named_children if "comment" not in a.type]
        if index >= len(args):
            return False
        arg = args[index]
        value = text(arg, data).strip()
        if _CONST_VALUE.match(value):
            continue
        bare = value.lstrip("&").removeprefix("mut ").strip()
        if not re.fullmatch(r"[a-z_]\w*", bare):
            return False
        caller = scope_of(caps["c"][0])
        k = parameter_index(caller, bare, data) if caller.type == "function_item" else None
        if k is not None:
            if fed_constants(caller, k, tree, data, depth + 1):
                continue
            return False
        if not _loop_over_constant(caps["c"][0], bare, data):
            return False
    return True


def _loop_over_constant(node, name: str, data: bytes) -> bool:
    n = node.parent
    while n is not None and n.type not in _SCOPES:
        if n.type == "for_expression":
            pattern = n.child_by_field_name("pattern")
            value = n.child_by_field_name("value")
            if pattern is not None and text(pattern, data) == name and value is not None:
                return bool(_CONST_VALUE.match(text(value, data).strip()))
        n = n.parent
    return False
