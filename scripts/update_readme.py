"""Regenerate the rule table in README.md and docs/rules.md from the registry."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from backend_architect.cli import rules_doc, rules_table  # noqa: E402


def main() -> int:
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
