"""Regular expressions compiled when first used, not when their module is imported.

A run loads far more modules than it uses patterns of: the rules of a language hold
patterns for frameworks a project does not use, the project model patterns for layouts it
does not have. ``lazy(...)`` stands in for ``re.compile(...)`` in a module-level
definition; call sites stay as they are (``PATTERN.search(text)``): the first method call
compiles the pattern, and every later one goes straight to the compiled pattern's method.

The stand-in is not an ``re.Pattern``: do not hand it to ``re.sub``/``re.search`` or to
code that checks ``isinstance(x, re.Pattern)``; its attributes (``pattern``, ``flags``,
``groups``, ``groupindex``) are the compiled pattern's (``pattern`` is read without compiling).
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast

_METHODS = (
    "search",
    "match",
    "fullmatch",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "scanner",
)


class _LazyPattern:
    """Compiles on the first attribute asked for; then holds the compiled pattern's methods
    in its slots, so that a method call costs what it costs on the compiled pattern."""

    __slots__ = ("_source", "_flags", "_compiled", *_METHODS)

    def __init__(self, source: str | bytes, flags: int) -> None:
        self._source = source
        self._flags = flags

    def _compile(self) -> re.Pattern:
        compiled = re.compile(self._source, self._flags)
        self._compiled = compiled
        for name in _METHODS:
            setattr(self, name, getattr(compiled, name))
        return compiled

    def __getattr__(self, name: str) -> Any:
        # reached only for a slot not set yet, or an attribute of the compiled pattern
        if name.startswith("__") or name in ("_source", "_flags"):
            raise AttributeError(name)
        try:
            compiled = object.__getattribute__(self, "_compiled")
        except AttributeError:
            compiled = self._compile()
        return getattr(compiled, name)

    @property
    def pattern(self) -> str | bytes:
        return self._source  # (as the compiled pattern's, without compiling it)

    def __reduce__(self):
        return (lazy, (self._source, self._flags))  # pickled and copied as its definition

    def __repr__(self) -> str:
        return f"lazy({self._source!r}, {self._flags!r})"


def lazy(pattern: AnyStr, flags: int | re.RegexFlag = 0) -> re.Pattern[AnyStr]:
    """``re.compile(pattern, flags)``, compiled when first used."""
    return cast("re.Pattern[AnyStr]", _LazyPattern(pattern, int(flags)))
