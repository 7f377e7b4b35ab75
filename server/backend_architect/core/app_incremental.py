"""Re-analysing only the top-level definition an edit touched in application code.

A full analysis of a Python, TypeScript, JavaScript or Go file parses it and runs
every rule over every handler and SQL string: hundreds of milliseconds for a file of
a few thousand lines. After an edit inside one function (class, route
registration), the findings elsewhere stay as they were; only the edited
definition is analysed again, in a copy of the file without the other top-level
definitions (the copy's offsets are mapped back to the file's). What the edited
definition can depend on stays in the copy: imports and short
top-level statements (``router = APIRouter()``, ``var db *sql.DB``), the
definitions whose names it mentions, and those that mention its name (the Go
function that registers it as a handler).

Falls back to the full analysis (returns None) whenever the edit could change
more than the definition: it touches an import or a short top-level statement, the
edited text no longer parses as definitions inside the edited span (an unclosed
bracket running into what follows), or the file is small (a full analysis is fast).
A result made this way is marked ``approximate``: findings elsewhere that depend on
the edited definition through something other than a name (rare) are refreshed by
the full analysis the server runs once the user pauses.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from typing import Any

from .document import Document
from .findings import Edit, Finding, Fix, common_prefix_len, common_suffix_len
from .lazy_re import lazy

MIN_LINES = 400  # smaller files are analysed whole: it is fast, and always exact
SHORT_LINES = 3  # top-level statements this short are context, always kept visible
CONTEXT_TYPES = frozenset(
    {
        "import_statement",
        "import_from_statement",
        "future_import_statement",
        "import_declaration",
        "package_clause",
        "ERROR",
    }
)
_NAME_TYPES = ("identifier", "type_identifier", "field_identifier", "property_identifier")


def chunk_name(node) -> str | None:
    """The name a top-level definition introduces (function, class, variable), if any."""
    n = node
    for _ in range(4):
        name = n.child_by_field_name("name") or n.child_by_field_name("left")
        if name is not None:
            return name.text.decode("utf-8", "surrogatepass") if name.type in _NAME_TYPES else None
        nxt = n.child_by_field_name("definition") or n.child_by_field_name("declaration")
        if nxt is None:
            named = [c for c in n.named_children if c.type != "comment"]
            nxt = named[0] if named else None
        if nxt is None:
            return None
        n = nxt
    return None


def chunks_of(tree) -> tuple:
    """(start, end, maskable, name) of each top-level node of a tree-sitter tree."""
    out = []
    for node in tree.root_node.children:
        lines = node.end_point[0] - node.start_point[0] + 1
        maskable = node.type not in CONTEXT_TYPES and lines > SHORT_LINES
        out.append(
            (node.start_byte, node.end_byte, maskable, chunk_name(node) if maskable else None)
        )
    return tuple(out)


def fast_path(document: Document, previous, run_full) -> Any | None:
    """The result for ``document`` from ``previous`` plus an analysis of the edited
    definition alone, or None when the whole file has to be analysed.

    ``run_full(doc)`` lints a document (here: the copy without the other definitions)."""
    if previous is None or not previous.chunks or previous.errors or previous.skipped:
        return None
    old_doc = previous.document
    if old_doc.path != document.path or old_doc.language != document.language:
        return None
    if document.text.count("\n") < MIN_LINES:
        return None
    old, new = old_doc.data, document.data
    p = common_prefix_len(old, new)
    q = common_suffix_len(old, new, min(len(old), len(new)) - p)
    change_end = len(old) - q
    delta = len(new) - len(old)
    chunks = previous.chunks
    starts = [c[0] for c in chunks]
    # chunks the edit touches (or lies between): i .. j
    i = bisect.bisect_right(starts, p) - 1
    if i < 0 or chunks[i][1] < p:
        i += 1  # the edit starts in a gap: from the next chunk on
    j = bisect.bisect_right(starts, change_end) - 1
    # an edit at a definition's very edge (a blank line between two) may join the text with
    # the definition next to it: those are analysed again with it
    for _ in range(4):
        lo = min(p, chunks[i][0]) if i < len(chunks) else p
        hi = max(change_end, chunks[j][1]) if j >= 0 and j >= i else change_end
        before = i > 0 and chunks[i - 1][1] >= lo - 1
        after = j + 1 < len(chunks) and chunks[j + 1][0] <= hi + 1
        if not (before or after):
            break
        i -= before
        j += after
    line = _registration_line(old, new, chunks, p, change_end, delta, i, j)
    if line is not None and (
        _broken_elsewhere(previous, chunks[i])
        or _errors_outside(
            new, chunks[i][0], chunks[i][1] + delta, line[0], line[1] + delta, document.language
        )
    ):
        # a syntax error elsewhere in the definition (a bracket left open by an earlier
        # edit): the line cannot be analysed alone, and its copy would be for nothing
        line = None
    if line is not None:
        result = _attempt(document, previous, run_full, p, change_end, delta, i, j, line)
        if result is not _GROW:
            LINE_EDITS[0] += result is not None
            return result
    # an edit that leaves something open (a bracket, a string) runs into what follows: the
    # span then takes in the next definitions too, twice as many each round
    for _ in range(6):
        result = _attempt(document, previous, run_full, p, change_end, delta, i, j)
        if result is not _GROW and result is not _TO_END:
            return result
        if j + 1 >= len(chunks):
            break
        if result is _TO_END:
            j = len(chunks) - 1  # it runs to the end of the file: growing step by step is in vain
        else:
            j = min(len(chunks) - 1, max(j, i) + max(1, j + 1 - i))
    _fallback("structure")
    return None


def _broken_elsewhere(previous, chunk) -> bool:
    """Whether ``chunk`` held a syntax error in the quick result before the edit that no edit
    kept to one of its lines left there: the error may lie anywhere in it (an earlier edit
    left a bracket open and the definition swallowed the rest of the file), so its lines are
    not analysed alone, and the definition is not parsed alone to find out where the error
    is. (After the full analysis at a pause the definition is parsed alone as before.)"""
    if not previous.approximate or chunk[0] not in previous.broken_chunks:
        return False
    kept = previous.broken_line
    return kept is None or not chunk[0] <= kept[0] < chunk[1]


_GROW = object()
_TO_END = object()  # _GROW, and what the edited span parses to runs to the end of the text


REGISTRAR_NAMES = 8  # a definition naming this many others registers them (routes)


def _registration_line(old: bytes, new: bytes, chunks, p, change_end, delta, i, j):
    """(start, end) in the old text of the one line an edit stays inside, when that line is
    a whole statement of a definition that names many others (the function registering
    every route): only that line is analysed again, not everything it names."""
    if i != j or i >= len(chunks) or not chunks[i][2]:
        return None
    start, end = chunks[i][0], chunks[i][1]
    lo = old.rfind(b"\n", 0, p) + 1
    hi = old.find(b"\n", change_end)
    if hi < 0 or lo <= start or hi >= end or b"\n" in new[p : change_end + delta]:
        return None
    if not _whole_statement(old[lo:hi]) or not _whole_statement(new[lo : hi + delta]):
        return None
    names = {c[3].encode() for k, c in enumerate(chunks) if c[3] and k != i}
    words = set(_WORD.findall(old[start:end]))
    if len(words & names) < REGISTRAR_NAMES:
        return None
    return lo, hi


def _attempt(document: Document, previous, run_full, p, change_end, delta, i, j, line=None):
    """fast_path for the definitions i..j (or for one ``line`` of definition i); _GROW when
    what they parse to runs past them."""
    new = document.data
    chunks = previous.chunks
    lo = min(p, chunks[i][0]) if i < len(chunks) else p
    hi = max(change_end, chunks[j][1]) if j >= 0 and j >= i else change_end
    touched = chunks[i : j + 1] if j >= i else ()
    if any(not c[2] for c in touched):
        return _fallback(
            "context chunk"
        )  # an import or a short statement: other definitions may depend on it
    # neighbours: an edit at a chunk's very edge may join it with the next line
    if i > 0 and chunks[i - 1][1] >= lo - 1 or j + 1 < len(chunks) and chunks[j + 1][0] <= hi + 1:
        return _fallback("edge")
    names = {c[3].encode() for c in touched if c[3]}
    if line is not None:
        lo, hi = line
    new_lo, new_hi = lo, hi + delta
    edited = new[new_lo:new_hi]
    mentioned = set(re.findall(rb"[A-Za-z_]\w*", edited))
    if line is not None:
        # the definitions the line names, as they were and as they are
        words = mentioned | set(_WORD.findall(previous.document.data[lo:hi]))
        line_names = {c[3].encode() for c in chunks if c[3] and c[3].encode() in words}
        mentioned |= line_names
    # the copy: the new text without the definitions the edited one does not mention
    pieces = []
    offsets = OffsetMap()
    at = 0  # in the new text
    size = 0  # of the copy so far
    registrars = []  # kept because they mention the edited definition
    masked_names = set()
    plan = []
    for k, (start, end, maskable, name) in enumerate(chunks):
        if i <= k <= j:
            continue
        s, e = (start + delta, end + delta) if k > j else (start, end)
        if not maskable or name is not None and name.encode() in mentioned:
            continue
        if names and _mentions(new, s, e, names):
            registrars.append((s, e))  # e.g. the function that registers the edited one
            continue
        if name is not None:
            masked_names.add(name.encode())
        plan.append((s, e))
    if not plan:
        # nothing is left out (the function registering every handler, edited while a
        # syntax error elsewhere in it keeps its lines from being analysed alone): the copy
        # would be the file itself, and the whole file's analysis is exact
        return _fallback("nothing left out")
    text = new
    if line is not None and masked_names:
        # the edited definition itself: its other registration lines are left out too
        s0, e0 = chunks[i][0], chunks[i][1] + delta
        text = _quiet_registrations(text, [(s0, e0)], line_names, masked_names)
    if registrars and masked_names:
        text = _quiet_registrations(text, registrars, names, masked_names)
    for s, e in plan:
        if s < at:
            return _fallback("overlap")
        offsets.add(at, size)
        pieces.append(text[at:s])
        size += s - at
        at = e
    offsets.add(at, size)
    pieces.append(text[at:])
    try:
        copy_text = b"".join(pieces).decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return _fallback("decode")
    copy = Document(
        copy_text,
        path=document.path,
        language=document.language,
        version=document.version,
        uri=document.uri,
    )
    # known from the copy's parse alone: the copy is not analysed for nothing (the analysis
    # that follows reads the same parse)
    past = _runs_past(
        copy, document.language, offsets, chunks[i] if line else None, delta, new_lo, new_hi, line
    )
    if past is not None:
        return past
    part = run_full(copy)
    if part.errors or part.skipped or part.chunks is None:
        return _fallback("copy errors")
    # what the edited span parses to must stay inside it (an unclosed bracket running into
    # the next statement falls back). A half-typed definition may parse as an error or as
    # short statements: they take the definition's place (nothing else refers to them).
    fresh = []
    if line is not None:
        names = line_names
        s0, e0, _, name0 = chunks[i]
        same = [
            cs
            for cs, ce, m, n in part.chunks
            if offsets.start(cs) == s0 and offsets.end(ce) == e0 + delta and m and n == name0
        ]
        if not same:
            return _GROW  # the line changed what the definition parses to
        if same[0] in part.broken_chunks:
            # a syntax error inside the edited line (checked before): the other lines keep
            # their findings until the full analysis at the pause shows what it does to them
            part.broken_syntax = True
        fresh = [(s0, e0 + delta, True, name0)]
    for cs, ce, maskable, name in part.chunks if line is None else ():
        s, e = offsets.start(cs), offsets.end(ce)
        if e <= new_lo or s >= new_hi:
            continue
        if e > new_hi and s < new_hi:
            # the last node of the copy: an unclosed bracket swallowing all that follows
            return _TO_END if (cs, ce) == part.chunks[-1][:2] else _GROW
        if s < new_lo:
            # a syntax error whose recovery reaches back over what comes before: the span
            # stays one definition until it parses again (the full analysis at the pause
            # shows what the error does to the rest)
            fresh = [(new_lo, new_hi, True, None)]
            part.broken_syntax = True
            break
        fresh.append((s, e, True, name if maskable else None))
    # lines elsewhere that name the edited definition (the line registering a handler):
    # what is found there can depend on it, so the copy's findings replace theirs
    named = names | {n.encode() for _, _, _, n in fresh if n}
    lines = _lines_naming(new, named, new_lo, new_hi)
    findings: list[Finding] = []
    for f in previous.findings:
        if lo <= f.start < hi:
            continue
        moved = relocated(f, lo, hi, delta)
        if moved is None:
            return _fallback("fix into the edit")  # a fix elsewhere that rewrites the edited text
        if lines and _within(lines, moved.start):
            continue
        findings.append(moved)
    for f in part.findings:
        start = offsets.start(f.start)
        if new_lo <= start < new_hi or lines and _within(lines, start):
            findings.append(offsets.finding(f))
    findings.sort(key=Finding.sort_key)
    new_chunks = [c for c in chunks[:i]]
    new_chunks += fresh
    new_chunks += [(s + delta, e + delta, m, n) for s, e, m, n in chunks[j + 1 :]]
    fresh_broken = {
        offsets.start(cs) for cs in part.broken_chunks if new_lo <= offsets.start(cs) < new_hi
    }
    kept_broken = set(previous.broken_chunks)
    if line is not None:
        kept_broken.discard(fresh[0][0])  # the edited definition: as the copy parses it
    if part.broken_syntax:
        fresh_broken.add(fresh[0][0] if line is not None else new_lo)
        if line is not None:  # (the line parsed alone has no error outside the edited line)
            part.broken_line = (new_lo, new_hi)
    part.broken_chunks = frozenset(
        {s for s in kept_broken if s < lo}
        | fresh_broken
        | {s + delta for s in kept_broken if s >= hi}
    )
    part.document = document
    part.findings = findings
    part.chunks = tuple(new_chunks)
    # where the SQL strings are (a suppression comment goes after a multi-line one)
    part.regions = (
        [r for r in previous.regions if r.host_end <= lo]
        + [
            HostSpan(r.kind, offsets.start(r.host_start), offsets.end(r.host_end))
            for r in part.regions
            if new_lo <= offsets.start(r.host_start) < new_hi
        ]
        + [
            HostSpan(r.kind, r.host_start + delta, r.host_end + delta)
            for r in previous.regions
            if r.host_start >= hi
        ]
    )
    part.statements = []  # the copy's; only SQL documents' statements are read back
    part.approximate = True
    part.incremental = True
    return part


def _runs_past(copy: Document, language, offsets, chunk, delta, new_lo, new_hi, line):
    """_GROW (or _TO_END) when the edited span of ``copy`` parses to something that runs
    past it, None otherwise: what _attempt finds from the analysed copy's definitions,
    read from the copy's parse alone."""
    from . import languages

    try:
        tree = languages.parse(copy.data, language)
    except Exception:  # refused: the analysis says so
        return None
    parsed = chunks_of(tree)
    if line is not None:
        s0, e0, _, name0 = chunk
        same = any(
            offsets.start(cs) == s0 and offsets.end(ce) == e0 + delta and m and n == name0
            for cs, ce, m, n in parsed
        )
        return None if same else _GROW
    for cs, ce, _, _ in parsed:
        s, e = offsets.start(cs), offsets.end(ce)
        if e <= new_lo or s >= new_hi:
            continue
        if e > new_hi and s < new_hi:
            return _TO_END if (cs, ce) == parsed[-1][:2] else _GROW
        if s < new_lo:
            return None
    return None


@dataclasses.dataclass(frozen=True)
class HostSpan:
    """Where a SQL string sits in the document (all a region is needed for once checked)."""

    kind: str
    host_start: int
    host_end: int


class OffsetMap:
    """Offsets in the copy -> offsets in the document, one shift per kept piece."""

    def __init__(self) -> None:
        self.copy_starts: list[int] = []
        self.shifts: list[int] = []

    def add(self, doc_start: int, copy_start: int) -> None:
        self.copy_starts.append(copy_start)
        self.shifts.append(doc_start - copy_start)

    def start(self, offset: int) -> int:
        k = max(0, bisect.bisect_right(self.copy_starts, offset) - 1)
        return offset + self.shifts[k]

    def end(self, offset: int) -> int:
        k = max(0, bisect.bisect_left(self.copy_starts, offset) - 1)
        return offset + self.shifts[k]

    def finding(self, f: Finding) -> Finding:
        fix = f.fix
        if fix is not None:
            fix = dataclasses.replace(
                fix,
                edits=tuple(
                    Edit(self.start(e.start), max(self.start(e.start), self.end(e.end)), e.new_text)
                    for e in fix.edits
                ),
            )
        return dataclasses.replace(f, start=self.start(f.start), end=self.end(f.end), fix=fix)


FALLBACKS: dict[str, int] = {}  # why the whole file was analysed instead (for the benchmarks)
LINE_EDITS = [0]  # edits analysed as one registration line (for the benchmarks and tests)


def _fallback(why: str) -> None:
    FALLBACKS[why] = FALLBACKS.get(why, 0) + 1


_WORD = lazy(rb"[A-Za-z_]\w*")
_STRING = lazy(rb'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`\n]*`')
_OPEN, _CLOSE = b"([{", b")]}"


def _quiet_registrations(
    data: bytes, spans: list[tuple[int, int]], names: set[bytes], masked: set[bytes]
) -> bytes:
    """``data`` with the lines of ``spans`` that register masked definitions the way the
    edited one is registered blanked out (same length, so offsets do not move).

    A function that registers every handler (``r.GET("/a", listA)`` two hundred times) is
    kept in the copy because it mentions the edited handler; its other registration lines
    only make the copy's analysis as slow as the whole file's. A line is blanked when it
    is a whole statement (balanced brackets, no assignment), mentions a masked definition
    and no edited one, and has the shape of a line that registers the edited definition
    (strings and names aside): group set-up, middleware and variables stay.
    """
    out = bytearray(data)
    for start, end in spans:
        lines = []
        pos = start
        while pos < end:
            nl = data.find(b"\n", pos, end)
            stop = end if nl < 0 else nl
            lines.append((pos, stop))
            pos = stop + 1
        shapes = set()
        candidates = []
        for ls, le in lines:
            line = data[ls:le]
            if not _whole_statement(line):
                continue
            words = set(_WORD.findall(line))
            if words & names:
                shapes.add(_shape(line, names | masked))
            elif words & masked:
                candidates.append((ls, le, line))
        if not shapes:
            continue
        for ls, le, line in candidates:
            if _shape(line, names | masked) in shapes:
                out[ls:le] = b" " * (le - ls)
    return bytes(out)


def _errors_outside(data: bytes, start: int, end: int, lo: int, hi: int, language) -> bool:
    """Whether the definition ``data[start:end]``, parsed alone, has a syntax error
    outside ``lo``..``hi`` (offsets in ``data``)."""
    from . import languages

    try:
        tree = languages.parse(data[start:end], language)
    except Exception:  # refused (too deep): as if broken
        return True
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if not node.has_error:
            continue
        if node.is_error or node.is_missing:
            if node.start_byte + start < lo or node.end_byte + start > hi:
                return True
            continue
        stack.extend(node.children)
    return False


def _whole_statement(line: bytes) -> bool:
    bare = _STRING.sub(b'""', line)
    if b"=" in bare.replace(b"==", b"").replace(b"=>", b""):
        return False  # an assignment (or a default): it may define what others use
    depth = 0
    for ch in bare:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and bare.strip() not in (b"", b"}", b")")


def _shape(line: bytes, names: set[bytes]) -> bytes:
    bare = _STRING.sub(b"S", line.strip())
    return _WORD.sub(lambda m: b"N" if m.group(0) in names else m.group(0), bare)


def _lines_naming(data: bytes, names: set[bytes], lo: int, hi: int) -> list[tuple[int, int]]:
    """The (start, end) of each line outside [lo, hi) where one of ``names`` is a word."""
    spans = set()
    for name in names:
        for k in _word_hits(data, name, 0, len(data)):
            if not (lo <= k < hi):
                end = k + len(name)
                spans.add((data.rfind(b"\n", 0, k) + 1, (data.find(b"\n", end) + 1) or len(data)))
    return sorted(spans)


def _within(spans: list[tuple[int, int]], offset: int) -> bool:
    k = bisect.bisect_right(spans, (offset, 1 << 62)) - 1
    return k >= 0 and spans[k][0] <= offset < spans[k][1]


def _mentions(data: bytes, start: int, end: int, names: set[bytes]) -> bool:
    return any(next(_word_hits(data, name, start, end), None) is not None for name in names)


def _word_hits(data: bytes, name: bytes, start: int, end: int):
    """Offsets in [start, end) where ``name`` stands as a whole word of data[start:end]."""
    k = data.find(name, start, end)
    while k >= 0:
        stop = k + len(name)
        before = data[k - 1 : k] if k > start else b""
        after = data[stop : stop + 1] if stop < end else b""
        if not (before.isalnum() or before == b"_") and not (after.isalnum() or after == b"_"):
            yield k
        k = data.find(name, k + 1, end)


def relocated(f: Finding, lo: int, hi: int, delta: int) -> Finding | None:
    """``f`` (outside the edited span [lo, hi)) with its offsets and its fix's moved by the
    edit: those after the span by ``delta``; None when its fix edits text inside the span."""
    fix = f.fix
    if fix is not None and fix.edits:
        edits = fix.edits
        if any(lo <= e.end and e.start < hi or e.start == lo == hi for e in edits):
            moved = []
            for e in edits:
                s, t = _move(e.start, lo, hi, delta), _move(e.end, lo, hi, delta)
                if s is None or t is None:
                    return None
                moved.append(Edit(s, t, e.new_text))
            edits = tuple(moved)
        elif any(e.start >= hi for e in edits):
            edits = tuple(
                Edit(e.start + delta, e.end + delta, e.new_text) if e.start >= hi else e
                for e in edits
            )
        if edits is not fix.edits:
            fix = Fix(fix.title, edits, fix.applicability, fix.new_files)
    if f.start >= hi and not f.start == lo == hi:
        start, end = f.start + delta, f.end + delta
    elif f.end < lo:
        start, end = f.start, f.end
    else:
        moved_start, moved_end = _move(f.start, lo, hi, delta), _move(f.end, lo, hi, delta)
        if moved_start is None or moved_end is None:
            return None
        start, end = moved_start, moved_end
    if start == f.start and end == f.end and fix is f.fix:
        return f  # the same object: its diagnostic JSON is reused
    g = Finding(f.code, f.message, start, end, fix, f.severity, f.command, f.name, list(f.related))
    published = f.__dict__.get("_lsp")  # its diagnostic JSON: the server moves it along
    if published is not None:
        g.__dict__["_lsp_moved"] = published
    return g


def _move(o: int, lo: int, hi: int, delta: int) -> int | None:
    if o < lo:
        return o
    if o >= hi:  # (an insertion, lo == hi: what starts at it moves)
        return o + delta
    return None
