"""What generators produce, and the template files they read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...core.findings import Edit
from ...core.lazy_re import lazy

# Placeholders in template files are written ``{{name}}`` so that the braces of the target
# language need no escaping.
_PLACEHOLDER = lazy(r"\{\{(\w+)\}\}")
# a line ``# include: _shared/<file>`` (``// include: ...`` in TypeScript) stands for that
# shared template (one copy of code several frameworks' files carry, e.g. the database
# constraint errors, the JWT token functions)
_INCLUDE = lazy(r"^(?:#|//) include: _shared/([\w.]+)$", re.M)


class Unsupported(Exception):
    """A generator cannot run on this input; the message (shown to the user) says why."""


@dataclass
class Generated:
    """What a generator produces: a new file (its name) and edits to the open file."""

    filename: str
    text: str
    edits: list[Edit] = field(default_factory=list)
    library: str = ""  # what the generated code depends on ("PyJWT (pip install pyjwt)")
    usage: str = ""  # how the user applies it ("Depends(current_user)")


def read_template(folder: str, name: str, **values: str) -> str:
    """``templates/<folder>/<name>`` with its ``{{placeholders}}`` filled (``_shared`` holds
    templates several frameworks use)."""
    from importlib import resources  # (with pathlib and more: only a generator reads a template)

    raw = (resources.files("backend_architect.frameworks") / "templates" / folder / name).read_text(
        "utf-8"
    )
    raw = _INCLUDE.sub(lambda m: read_template("_shared", m.group(1)).rstrip("\n"), raw)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], raw)
