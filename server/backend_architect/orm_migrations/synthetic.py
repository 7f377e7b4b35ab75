"""Regions built from ORM operations: SQL the ORM would run, mapped onto the operation's call.

Every statement of a synthetic region maps (as one replace piece) to the
source span of the operation it stands for, so a finding lands on the call.
SQL fixes make no sense on Python or TypeScript source: the region's
``fix_hook`` swaps them for the ORM's own fix (or drops them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Callable

from ..core.findings import Finding
from ..core.regions import OffsetMap, Region
from ..core.lazy_re import lazy


@dataclass
class Operation:
    sql: str  # one or more statements (without the final ';')
    start: int  # document span to report on
    end: int
    fixes: dict = field(default_factory=dict)  # code -> callable() -> Fix | None
    meta: dict = field(default_factory=dict)
    label: str = ""  # the ORM operation, e.g. "AddField": prefixed to messages


def build_region(
    ops: list[Operation],
    *,
    kind: str,
    in_transaction: bool,
    host_start: int,
    host_end: int,
    meta: dict | None = None,
) -> Region | None:
    if not ops:
        return None
    parts: list[str] = []
    omap = OffsetMap()
    spans: list[tuple[int, int, Operation]] = []
    pos = 0
    for op in ops:
        for stmt in [s for s in op.sql.split(";\n") if s.strip()]:
            text = stmt.strip() + ";\n"
            n = len(text.encode())
            parts.append(text)
            omap.replace(n, op.start, op.end - op.start)
            spans.append((pos, pos + n, op))
            pos += n
    sql = "".join(parts)

    def fix_hook(finding: Finding) -> Finding:
        for _s, _e, op in spans:
            if op.start <= finding.start <= op.end:
                if op.label and not finding.message.startswith(op.label):
                    finding.message = f"{op.label}: {finding.message}"
                maker = op.fixes.get(finding.code)
                finding.fix = maker() if maker else None
                return finding
        finding.fix = None
        return finding

    region_meta = {
        "migration": True,
        "in_transaction": in_transaction,
        "synthetic": True,
        "fix_hook": fix_hook,
    }
    region_meta.update(meta or {})
    return Region(sql, omap, kind=kind, host_start=host_start, host_end=host_end, meta=region_meta)


def string_fix_hook(
    quote: str, span: tuple[int, int] | None = None
) -> Callable[[Finding], Finding]:
    """Keep only fixes whose text can go into a string with this delimiter unchanged (edits
    outside the string's ``span``, such as the migration's own opt-out, are code)."""
    triple = len(quote) == 3

    def hook(f: Finding) -> Finding:
        if f.fix is None:
            return f
        for e in f.fix.edits:
            if span is not None and (e.end < span[0] or e.start > span[1]):
                continue
            t = e.new_text
            if (
                (quote[:1] and quote[:1] in t)
                or "\\" in t
                or ("\n" in t and not triple and quote != "`")
                or "${" in t
            ):
                f.fix = None
                break
        return f

    return hook


def quote_name(name: str) -> str:
    from ..core.sql import quote_ident

    return quote_ident(name) if name else "__tmpl__"


_CREATE_RE = lazy(
    r"\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:\"[^\"]+\"|\w+)(?:\.(?:\"[^\"]+\"|\w+))?)",
    re.I,
)


def created_by_sql(sql: str) -> set[str]:
    """Tables a piece of SQL creates (lower-cased, with and without schema)."""
    out = set()
    for m in _CREATE_RE.finditer(sql):
        name = m.group(1).replace('"', "").lower()
        out.add(name)
        out.add(name.rsplit(".", 1)[-1])
    return out
