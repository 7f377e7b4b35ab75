"""Findings and fixes as plain data.

A fix is a list of edits plus an applicability. Edits use UTF-8 byte offsets
into the document the finding was made on; ``new_files`` create files beside
it (for example a new migration holding an index).
"""

from __future__ import annotations

from typing import Any
from dataclasses import dataclass, field
from enum import Enum


class Applicability(str, Enum):
    SAFE = "safe"  # keeps behaviour; applied by fix-all and --fix
    UNSAFE = "unsafe"  # changes behaviour or needs review; offered, never applied in bulk


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    new_text: str

    def to_json(self) -> list:
        return [self.start, self.end, self.new_text]

    @classmethod
    def from_json(cls, data) -> Edit:
        start, end, new_text = data
        return cls(int(start), int(end), str(new_text))


@dataclass(frozen=True)
class NewFile:
    """A file the fix creates (path relative to the document's folder or absolute)."""

    path: str
    text: str

    def to_json(self) -> dict:
        return {"path": self.path, "text": self.text}


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[Edit, ...] = ()
    applicability: Applicability = Applicability.SAFE
    new_files: tuple[NewFile, ...] = ()

    @property
    def is_safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    def to_json(self) -> dict:
        data: dict[str, Any] = {
            "title": self.title,
            "edits": [e.to_json() for e in self.edits],
            "applicability": self.applicability.value,
        }
        if self.new_files:
            data["new_files"] = [f.to_json() for f in self.new_files]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Fix:
        return cls(
            title=data["title"],
            edits=tuple(Edit.from_json(e) for e in data.get("edits", ())),
            applicability=Applicability(data.get("applicability", "safe")),
            new_files=tuple(NewFile(f["path"], f["text"]) for f in data.get("new_files", ())),
        )


@dataclass
class Finding:
    code: str
    message: str
    start: int
    end: int
    fix: Fix | None = None
    severity: Severity | None = None  # filled in by the engine from the rule and settings
    command: str = ""  # filled in by the engine
    name: str = ""  # filled in by the engine
    related: list = field(default_factory=list)

    def sort_key(self):
        return (self.start, self.code, self.end)


def common_prefix_len(a: bytes, b: bytes) -> int:
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:  # slice comparisons run in C; about log2(n) of them
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix_len(a: bytes, b: bytes, limit: int) -> int:
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid :] == b[len(b) - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def minimal_edit(old: str, new: str) -> Edit:
    """One edit turning ``old`` into ``new``, keeping their common prefix and suffix.

    Offsets are UTF-8 bytes of ``old``. The kept prefix and suffix end and start on
    character boundaries: two different characters can share leading or trailing
    bytes (表 and 衣 share their first byte), and an edit cutting a character in
    half would not decode.
    """
    a = old.encode("utf-8", "surrogatepass")
    b = new.encode("utf-8", "surrogatepass")
    p = common_prefix_len(a, b)
    while 0 < p < len(a) and (a[p] & 0xC0) == 0x80:  # a[p] continues a character
        p -= 1
    s = common_suffix_len(a, b, min(len(a), len(b)) - p)
    while s > 0 and (a[len(a) - s] & 0xC0) == 0x80:  # the suffix must start a character
        s -= 1
    return Edit(p, len(a) - s, b[p : len(b) - s].decode("utf-8", "surrogatepass"))
