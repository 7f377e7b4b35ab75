"""SQL nested inside a statement: the body of ``DO $$ ... $$`` and ``EXECUTE '...'`` strings.

Listed in :func:`backend_architect.core.engine.nested_region_finders`. The
engine splits every nested region into statements and runs the same rules
over them, so a ``CREATE INDEX`` inside a DO block is reported like any other.

A DO body is PL/pgSQL. Its control words (``BEGIN``, ``IF ... THEN``,
``END IF``, ``DECLARE`` sections, ``RAISE``, assignments ...) are blanked with
spaces of the same byte length, so the region maps 1:1 onto the document and a
fix inside it edits the right bytes. ``EXECUTE`` strings become regions of
their own: a dollar-quoted literal maps 1:1, a single-quoted one through
``''`` unescaping, and the non-literal parts of ``'...' || name || '...'`` or
the ``%I``/``%s`` of ``format('...', ...)`` stand in as a placeholder name.
"""

from __future__ import annotations

import re

from .regions import PLACEHOLDER_SCHEMA, OffsetMap, Region, clean_sql
from .sql import Statement
from .lazy_re import lazy

MAX_DEPTH = 3

_LEX_RE = lazy(
    r"""--[^\n]*|/\*(?:.|\n)*?(?:\*/|\Z)|[eE]'(?:[^'\\]|\\.|'')*(?:'|\Z)|'(?:[^']|'')*(?:'|\Z)"""
    r"""|"(?:[^"]|"")*(?:"|\Z)|\$(?P<tag>(?:[A-Za-z_][A-Za-z0-9_]*)?)\$(?:.|\n)*?(?:\$(?P=tag)\$|\Z)"""
    r"""|(?P<semi>;)|(?P<open>\()|(?P<close>\))|(?P<word>[A-Za-z_][A-Za-z0-9_$]*)""",
)

_BLANK_WORD = {"BEGIN", "ELSE", "LOOP", "EXCEPTION"}
_TO_THEN = {"IF", "ELSIF", "ELSEIF", "WHEN"}
_TO_LOOP = {"FOR", "WHILE", "FOREACH"}
_WHOLE = {
    "RAISE",
    "RETURN",
    "PERFORM",
    "NULL",
    "EXIT",
    "CONTINUE",
    "GET",
    "OPEN",
    "FETCH",
    "CLOSE",
    "ASSERT",
    "CALL",
    "MOVE",
    "COMMIT",
    "ROLLBACK",
}
_ASSIGN_RE = lazy(r"[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*:?=(?!=)")
_LABEL_RE = lazy(r"<<\s*\w+\s*>>")


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        ch = chars[i]
        if ch != "\n":
            chars[i] = " " * len(ch.encode("utf-8", "surrogatepass"))


def plpgsql_to_sql(body: str) -> tuple[str, list[tuple[int, int]]]:
    """The body with PL/pgSQL control words blanked (same byte length) and the
    character spans of every ``EXECUTE`` expression."""
    chars = list(body)
    executes: list[tuple[int, int]] = []
    # top-level pieces between semicolons, with the words of each
    pieces: list[list[tuple[str, int, int]]] = [[]]
    piece_bounds: list[list[int]] = [[0, len(body)]]
    for m in _LEX_RE.finditer(body):
        if m.group("semi"):
            piece_bounds[-1][1] = m.start()
            pieces.append([])
            piece_bounds.append([m.end(), len(body)])
        elif m.group("word"):
            pieces[-1].append(("word", m.start(), m.end()))
        elif m.group("open"):
            pieces[-1].append(("(", m.start(), m.end()))
        elif m.group("close"):
            pieces[-1].append((")", m.start(), m.end()))
        elif not m.group(0).startswith(("--", "/*")):
            pieces[-1].append(("lit", m.start(), m.end()))
    in_declare = False
    for toks, (piece_start, pe) in zip(pieces, piece_bounds, strict=False):
        ps = piece_start  # moves past a DECLARE section
        i = 0
        while i < len(toks):
            kind, s, e = toks[i]
            # a label before the statement
            lab = _LABEL_RE.match(body, _skip_ws(body, ps if i == 0 else s, s))
            if lab and lab.end() <= s:
                _blank(chars, lab.start(), lab.end())
            word = body[s:e].upper() if kind == "word" else ""
            if in_declare:
                if word == "BEGIN":
                    _blank(chars, ps, e)
                    in_declare = False
                    i += 1
                    ps = e
                    continue
                i += 1
                if i == len(toks):
                    _blank(chars, ps, pe)
                continue
            if word == "DECLARE":
                in_declare = True
                _blank(chars, s, e)
                ps = e
                i += 1
                if i == len(toks):
                    _blank(chars, ps, pe)
                continue
            if word == "END":
                _blank(chars, s, e)
                i += 1
                if (
                    i < len(toks)
                    and toks[i][0] == "word"
                    and body[toks[i][1] : toks[i][2]].upper() in ("IF", "LOOP", "CASE")
                ):
                    _blank(chars, toks[i][1], toks[i][2])
                    i += 1
                continue
            if word in _BLANK_WORD:
                _blank(chars, s, e)
                i += 1
                continue
            if word in _TO_THEN or word in _TO_LOOP:
                stop = "THEN" if word in _TO_THEN else "LOOP"
                depth = 0
                j = i + 1
                while j < len(toks):
                    k2, s2, e2 = toks[j]
                    if k2 == "(":
                        depth += 1
                    elif k2 == ")":
                        depth -= 1
                    elif k2 == "word" and depth == 0 and body[s2:e2].upper() == stop:
                        break
                    j += 1
                if j >= len(toks):  # no THEN: not a control statement after all
                    _blank(chars, s, pe)
                    break
                _blank(chars, s, toks[j][2])
                i = j + 1
                continue
            if word == "EXECUTE":
                executes.append((e, pe))
                _blank(chars, s, pe)
                break
            if word in _WHOLE or kind == "word" and _ASSIGN_RE.match(body, s):
                _blank(chars, s, pe)
                break
            break  # an SQL statement starts here
    return "".join(chars), executes


def _skip_ws(text: str, start: int, limit: int) -> int:
    while start < limit and text[start].isspace():
        start += 1
    return start


# -- EXECUTE expressions ----------------------------------------------------------------

_EXPR_RE = lazy(
    r"""(?P<estr>[eE]'(?:[^'\\]|\\.|'')*')|(?P<str>'(?:[^']|'')*')"""
    r"""|(?P<dollar>\$(?P<tag>(?:[A-Za-z_][A-Za-z0-9_]*)?)\$(?:.|\n)*?\$(?P=tag)\$)|(?P<concat>\|\|)"""
    r"""|(?P<using>\bUSING\b|\bINTO\b)|(?P<open>\()|(?P<close>\))|(?P<comma>,)""",
    re.IGNORECASE,
)
_FORMAT_RE = lazy(r"\s*format\s*\(", re.IGNORECASE)
_FMT_SPEC_RE = lazy(r"%(?:\d+\$)?-?\d*[IsL]")


def execute_region_parts(text: str, start: int, end: int):
    """Parts of an EXECUTE expression in ``text[start:end]``: a list of
    ("lit", content_start, content_end, quote) and ("expr", start, end)."""
    fm = _FORMAT_RE.match(text, start, end)
    if fm:  # format('...', args): only the format string
        start = fm.end()
        depth = 0
        for m in _EXPR_RE.finditer(text, start, end):
            if m.group("open"):
                depth += 1
            elif m.group("close"):
                if depth == 0:
                    end = m.start()
                    break
                depth -= 1
            elif m.group("comma") and depth == 0:
                end = m.start()
                break
    parts: list[tuple] = []  # ("expr", start, end) or ("lit", start, end, quote)
    pos = start
    depth = 0
    for m in _EXPR_RE.finditer(text, start, end):
        if m.group("open"):
            depth += 1
            continue
        if m.group("close"):
            depth -= 1
            continue
        if depth:
            continue
        if m.group("using"):
            end = m.start()
            break
        if m.group("concat"):
            if text[pos : m.start()].strip():
                parts.append(("expr", pos, m.start()))
            pos = m.end()
        elif m.group("str") or m.group("estr") or m.group("dollar"):
            if text[pos : m.start()].strip():
                parts.append(("expr", pos, m.start()))
            if m.group("dollar"):
                tag_len = len(m.group("tag") or "") + 2
                parts.append(("lit", m.start() + tag_len, m.end() - tag_len, "$"))
            elif m.group("estr"):
                parts.append(("lit", m.start() + 2, m.end() - 1, "e"))
            else:
                parts.append(("lit", m.start() + 1, m.end() - 1, "'"))
            pos = m.end()
    if text[pos:end].strip():
        parts.append(("expr", pos, end))
    return parts, bool(fm)


def execute_region(text: str, start: int, end: int, to_bytes) -> tuple[str, OffsetMap, bool] | None:
    """SQL of an EXECUTE expression and its map to ``text``'s byte offsets."""
    parts, is_format = execute_region_parts(text, start, end)
    if not any(p[0] == "lit" for p in parts):
        return None
    out: list[str] = []
    omap = OffsetMap()
    escaped = False

    def placeholder(s: int, e: int) -> None:
        out.append(PLACEHOLDER_SCHEMA)
        omap.replace(len(PLACEHOLDER_SCHEMA), to_bytes(s), to_bytes(e) - to_bytes(s))

    for part in parts:
        if part[0] == "expr":
            placeholder(part[1], part[2])
            continue
        _, s, e, quote = part
        if quote == "e":  # backslash escapes: too irregular to map, keep as written
            quote = "'"
        i = s
        while i < e:
            if quote == "'" and text.startswith("''", i):
                out.append("'")
                omap.replace(1, to_bytes(i), 2)
                escaped = True
                i += 2
                continue
            if is_format and text[i] == "%":
                m = _FMT_SPEC_RE.match(text, i)
                if m and m.end() <= e:
                    placeholder(i, m.end())
                    i = m.end()
                    continue
                if text.startswith("%%", i):
                    out.append("%")
                    omap.replace(1, to_bytes(i), 2)
                    i += 2
                    continue
            j = i
            while (
                j < e
                and not (quote == "'" and text.startswith("''", j))
                and not (is_format and text[j] == "%")
            ):
                j += 1
            if j == i:
                j = i + 1
            out.append(text[i:j])
            omap.copy(to_bytes(j) - to_bytes(i), to_bytes(i))
            i = j
        if quote == "'":
            escaped = True
    return "".join(out), omap, escaped


def _byte_index(text: str):
    if text.isascii():
        return lambda i: i
    table = [0]
    for ch in text:
        table.append(table[-1] + len(ch.encode("utf-8", "surrogatepass")))
    return table.__getitem__


# -- the finder ------------------------------------------------------------------------


def nested_regions(stmt: Statement) -> list[Region]:
    """Regions nested in ``stmt``: a DO block's body and its EXECUTE strings."""
    if stmt.kind != "DoStmt" or stmt.node is None:
        return []
    depth = stmt.region.meta.get("depth", 0)
    if depth >= MAX_DEPTH:
        return []
    lang = "plpgsql"
    for arg in stmt.node.get("args", []):
        d = arg.get("DefElem", {})
        if d.get("defname") == "language":
            lang = ((d.get("arg") or {}).get("String") or {}).get("sval", "plpgsql")
    if lang.lower() != "plpgsql":
        return []
    tok = stmt.find_token("SCONST")
    if tok is None:
        return []
    literal = stmt.slice(tok.start, tok.end)
    m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", literal)
    if m:
        body = literal[m.end() : len(literal) - m.end()]
        body_start = tok.start + len(m.group(0).encode())
        parts = None
    else:  # DO '...': single-quoted body
        parts = ("lit", 1, len(literal) - 1, "'")
        body = literal[1:-1].replace("''", "'")
        body_start = tok.start + 1
    region = stmt.region
    meta_base = {"depth": depth + 1, "in_transaction": True, "nested": "do"}
    out: list[Region] = []
    if parts is None:
        # Go / Jinja templates inside the body (``{{ .Schema }}``) stand in as a placeholder
        # name, as they do outside string literals; tmap maps the cleaned body to the region
        if "{{" in body or "{%" in body or "{#" in body:
            body, tmap = clean_sql(body, stmt.start + body_start, placeholders=False)
        else:
            tmap = OffsetMap.identity(
                len(body.encode("utf-8", "surrogatepass")), stmt.start + body_start
            )
        to_region = tmap.compose(region.map)
        to_b = _byte_index(body)
        sql, executes = plpgsql_to_sql(body)
        n = len(sql.encode("utf-8", "surrogatepass"))
        s_doc, e_doc = to_region(0), to_region(n, end=True)
        out.append(
            Region(
                sql, to_region, kind="do", host_start=s_doc, host_end=e_doc, meta=dict(meta_base)
            )
        )
        for es, ee in executes:
            found = execute_region(body, es, ee, to_b)
            if found is None:
                continue
            text, emap, escaped = found
            if "{{" in text or "{%" in text or "{#" in text:  # a template inside the EXECUTE string
                text, inner = clean_sql(text, 0, placeholders=False)
                emap = inner.compose(emap)
            # emap's sources are byte offsets in the (cleaned) body: through tmap to the region, then the document
            meta = dict(meta_base, nested="execute", escape_quotes=escaped)
            s_doc, e_doc = to_region(to_b(es)), to_region(to_b(ee), end=True)
            out.append(
                Region(
                    text,
                    emap.compose(to_region),
                    kind="execute",
                    host_start=s_doc,
                    host_end=e_doc,
                    meta=meta,
                )
            )
    else:
        # single-quoted DO body: unescape '' with replace pieces, then blank control words
        found = execute_region(literal, 0, len(literal), _byte_index(literal))
        if found is None:
            return []
        text, emap, _ = found
        sql, _executes = plpgsql_to_sql(text)
        shifted = OffsetMap()
        shifted._dst, shifted._pieces, shifted._len = (
            emap._dst,
            [(dl, ss + stmt.start + tok.start, sl, c) for dl, ss, sl, c in emap._pieces],
            emap._len,
        )
        s_doc, e_doc = stmt.doc_range(tok.start, tok.end)
        out.append(
            Region(
                sql,
                shifted.compose(region.map),
                kind="do",
                host_start=s_doc,
                host_end=e_doc,
                meta=dict(meta_base, escape_quotes=True),
            )
        )
    return out
