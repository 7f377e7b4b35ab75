"""The rule harness: expectations inline in fixtures, fixes applied until nothing changes."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

from backend_architect.config import Settings, from_mapping
from backend_architect.core.document import Document
from backend_architect.core.engine import fix_document, lint
from backend_architect.core.registry import all_rules

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOTS = Path(__file__).parent / "snapshots"
EXPECT_RE = re.compile(r"(?:--|#|//)\s*expect:\s*([A-Z]{2,3}[0-9]{3}(?:\s*,\s*[A-Z]{2,3}[0-9]{3})*)")
SETTINGS_RE = re.compile(r"(?:--|#|//)\s*settings:\s*(\{.*\})")


CODE_RE = re.compile(r"([A-Z]{2,3}[0-9]{3})_")
MIGRATION_CODE_RE = re.compile(r"[Vv]?\d+_+([A-Z]{2,3}[0-9]{3})_")


@dataclass
class Fixture:
    path: Path
    code: str
    workspace: Path | None = None  # a fixture folder (migrations + queries) the catalog is built from

    @property
    def id(self) -> str:
        if self.workspace is not None:
            return f"{self.workspace.parent.name}/{self.workspace.name}/{self.path.relative_to(self.workspace)}"
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def snapshot_name(self) -> str:
        prefix = f"{self.workspace.name}__" if self.workspace is not None else ""
        return prefix + self.path.name + ".snap"

    def catalog(self, root: Path | None = None):
        """The catalog of the fixture's workspace (``root``: a copy of it); None for a plain fixture."""
        if self.workspace is None:
            return None
        from backend_architect.catalog import build_for_paths

        return build_for_paths([str(root or self.workspace)], Settings(), use_disk_cache=False)

    def catalog_before(self, root: Path, path: Path | None = None):
        """The schema as of the fixture's migration (the workspace's earlier migrations only),
        as ``check`` hands it to the rules of a migration; None for a plain fixture. ``root``: a
        copy of the workspace (the project schema leaves test data under tests/ out), or a
        folder to copy it into."""
        if self.workspace is None:
            return None
        import shutil

        from backend_architect.project.schema import catalog_before, forget_histories

        if path is None:
            root = root / self.workspace.name
            if not root.exists():
                shutil.copytree(self.workspace, root)
            path = root / self.path.relative_to(self.workspace)
        forget_histories()
        return catalog_before(str(root), str(path), Settings())


def _workspace_of(path: Path) -> Path | None:
    for parent in path.parents:
        if parent == FIXTURES:
            return None
        if CODE_RE.match(parent.name):
            return parent
    return None


def fixtures() -> list[Fixture]:
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or ".fixed" in path.name or path.name.endswith(".down.sql"):
            continue
        m = CODE_RE.match(path.name)
        workspace = _workspace_of(path)
        if m is None and workspace is not None:
            # a migration inside a fixture workspace keeps its sequence prefix: 0002_IX002_x.sql, V2__IX003_x.sql
            m = MIGRATION_CODE_RE.match(path.name)
        if m:
            out.append(Fixture(path, m.group(1), workspace))
    return out


def settings_for(text: str, code: str | None = None) -> Settings:
    """The fixture's settings (a ``settings:`` comment); ``code`` is selected by name, so
    a rule that is off by default still runs over its own fixtures."""
    m = SETTINGS_RE.search(text)
    base = Settings()
    if m:
        base, warnings = from_mapping(json.loads(m.group(1)), base)
        assert not warnings, warnings
    if code is not None and code not in base.extend_select:
        base = dataclasses.replace(base, extend_select=base.extend_select + (code,))
    return base


def expected_lines(doc: Document, code: str) -> list[int]:
    lines = []
    for i, line in enumerate(doc.text.splitlines()):
        for m in EXPECT_RE.finditer(line):
            lines += [i + 1] * [c.strip() for c in m.group(1).split(",")].count(code)
    return sorted(lines)


def sql_parse_errors(text: str) -> int:
    """Statements that libpg_query rejects (templates and placeholders cleaned first)."""
    from backend_architect.core.regions import region_for_sql_document
    from backend_architect.core.sql import split_statements

    return sum(1 for s in split_statements(region_for_sql_document(text)) if s.error)


def tree_errors(text: str, language: str) -> int:
    from backend_architect.core import languages

    return languages.error_count(text, language)


def parse_errors(text: str, language: str) -> int:
    if language == "sql":
        return sql_parse_errors(text)
    return tree_errors(text, language)


def render(doc: Document, findings) -> str:
    out = []
    for f in findings:
        line, col = doc.offset_to_position(f.start, "utf-32")
        fix = f" [fix: {f.fix.title} ({f.fix.applicability.value})]" if f.fix else ""
        out.append(f"{line + 1}:{col + 1} {f.code} {f.message}{fix}")
    return "\n".join(out)
