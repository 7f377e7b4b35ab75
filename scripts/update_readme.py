"""Regenerate the rule index (rules/_index.py), the rule table in README.md and docs/rules.md
from the rule classes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from backend_architect.cli import rules_doc, rules_table  # noqa: E402
from backend_architect.core import registry  # noqa: E402


def update_index() -> None:
    """rules/_index.py from the rule classes (what a run reads before importing any rule)."""
    index = ROOT / "server" / "backend_architect" / "rules" / "_index.py"
    text = registry.render_index()
    if not index.exists() or index.read_text(encoding="utf-8") != text:
        index.write_text(text, encoding="utf-8")
        print("rules/_index.py updated")
        registry.rule_infos.cache_clear()
        registry._infos_by_key.cache_clear()
        registry.off_by_default.cache_clear()
        sys.modules.pop(registry.INDEX_MODULE, None)


def main() -> int:
    update_index()
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = re.sub(
        r"<!-- rules:start -->.*?<!-- rules:end -->",
        lambda _: "<!-- rules:start -->\n" + rules_table() + "\n<!-- rules:end -->",
        text,
        flags=re.S,
    )
    if new != text:
        readme.write_text(new, encoding="utf-8")
        print("README.md rule table updated")
    docs = ROOT / "docs" / "rules.md"
    docs.parent.mkdir(exist_ok=True)
    if not docs.exists() or docs.read_text(encoding="utf-8") != rules_doc():
        docs.write_text(rules_doc(), encoding="utf-8")
        print("docs/rules.md updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
