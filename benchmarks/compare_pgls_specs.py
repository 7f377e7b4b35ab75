"""Run postgres-language-server's safety rule specs through our MIGRATION rules and report agreement.

Each spec file says what it expects (`-- expect_lint/safety/<rule>`, `-- expect_only_lint/safety/<rule>`
or `-- expect_no_diagnostics`).
Their rule is mapped to ours (docs/migrations.md, "Parity"); a spec agrees when we report the
mapped code exactly where they expect their rule. Specs of rules we do not have are counted apart.
The repository is read from a local clone (fetched, not part of this project):

    python benchmarks/compare_pgls_specs.py /path/to/postgres-language-server [--docs] [--list]

``--docs`` also runs the SQL examples of each rule's documentation (``expect_diagnostic``
blocks must be reported, the others not), which covers the rules that have no spec file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter, defaultdict

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "server")
)

from backend_architect.config import Settings  # noqa: E402
from backend_architect.core.document import Document  # noqa: E402
from backend_architect.core.engine import lint  # noqa: E402

SPECS = "crates/pgls_analyser/tests/specs/safety"
OURS = {
    "addSerialColumn": {"MG007"},
    "addingFieldWithDefault": {"MG007"},
    "addingForeignKeyConstraint": {"MG004"},
    "addingNotNullField": {"MG006"},
    "addingPrimaryKeyConstraint": {"MG008"},
    "addingRequiredField": {"MG003"},
    "banConcurrentIndexCreationInTransaction": {"MG002"},
    "banDropColumn": {"MG011"},
    "banDropTable": {"MG012"},
    "banTruncate": {"MG013"},
    "banTruncateCascade": {"MG013"},
    "banVacuumFull": {"MG017"},
    "changingColumnType": {"MG005"},
    "constraintMissingNotValid": {"MG004", "MG008"},
    "disallowUniqueConstraint": {"MG008"},
    "lockTimeoutWarning": {"MG015"},
    "renamingColumn": {"MG009"},
    "renamingTable": {"MG010"},
    "requireConcurrentIndexCreation": {"MG001"},
    "requireConcurrentIndexDeletion": {"MG001"},
    "requireConcurrentReindex": {"MG017"},
    "avoidWideLockWindow": {"MG016"},
    "runningStatementWhileHoldingAccessExclusive": {"MG016"},
    "transactionNesting": {"MG019", "MG025"},
    "banCharField": {"SD006"},
    "avoidAddingExclusionConstraint": {"MG027"},
    "avoidAttachingPartition": {"MG022"},
    "requireConcurrentDetachPartition": {"MG021"},
    "requireConcurrentRefreshMatview": {"MG020"},
    "multipleAlterTable": {"MG023"},
    "requireStatementTimeout": {"MG024"},
    "banDeleteWithoutWhere": {"QO002"},
    "banUpdateWithoutWhere": {"QO002", "MG018"},
    "preferBigInt": {"SD002"},
    "preferBigintOverInt": {"SD002"},
    "preferBigintOverSmallint": {"SD002"},
    "preferIdentity": {"SD002"},
    "preferJsonb": {"SD005"},
    "preferTextField": {"SD004"},
    "preferTimestamptz": {"SD003"},
    "requireSeparateConstraintValidation": {"MG004", "MG026"},
    "avoidAlterEnumAddValue": {"MG014"},
}
EXPECT = re.compile(r"--\s*expect_(?:only_)?lint/safety/(\w+)")


def _git(repo: str, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", repo, *args], capture_output=True, text=True, check=True
    ).stdout


RULES = "crates/pgls_analyser/src/lint/safety"
_DOC_BLOCK = re.compile(r"^\s*///\s*```sql([^\n]*)\n(.*?)^\s*///\s*```", re.S | re.M)


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.capitalize() for w in rest)


def doc_examples(repo: str):
    """(rule, example number, sql, expects a diagnostic) of every SQL example in the rules' docs."""
    for f in _git(repo, "ls-tree", "--name-only", "HEAD", RULES + "/").split():
        if not f.endswith(".rs") or f.endswith("/mod.rs"):
            continue
        rule = _camel(f.rsplit("/", 1)[-1][:-3])
        for i, m in enumerate(_DOC_BLOCK.finditer(_git(repo, "show", f"HEAD:{f}")), 1):
            sql = "\n".join(re.sub(r"^\s*/// ?", "", line) for line in m.group(2).splitlines())
            yield rule, f"doc example {i}", sql, "expect_diagnostic" in m.group(1)


def _judge(rule, name, text, expected, settings, tally, disagreements) -> None:
    mapped = OURS.get(rule)
    if mapped is None:
        tally[rule]["not ours"] += 1
        return
    found = {
        x.code
        for x in lint(Document(text, path="/spec/migrations/0001_spec.sql"), settings).findings
    }
    hit = bool(found & mapped)
    kind = (
        "agree"
        if hit == expected
        else ("they flag, we do not" if expected else "we flag, they do not")
    )
    tally[rule][kind] += 1
    if hit != expected:
        disagreements.append((rule, name, kind, sorted(found)))


def _table(tally, what: str) -> None:
    total: Counter = Counter()
    print(
        f"| their rule | ours | agree | they flag, we do not | we flag, they do not | {what} we have no rule for |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for rule in sorted(tally):
        c = tally[rule]
        total.update(c)
        print(
            f"| {rule} | {', '.join(sorted(OURS.get(rule, ()))) or '—'} | {c['agree']} | "
            f"{c['they flag, we do not']} | {c['we flag, they do not']} | {c['not ours']} |"
        )
    print(
        f"| **total** | | {total['agree']} | {total['they flag, we do not']} | {total['we flag, they do not']} | "
        f"{total['not ours']} |"
    )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    repo, show = argv[0], "--list" in argv
    files = [
        f
        for f in _git(repo, "ls-tree", "-r", "--name-only", "HEAD", SPECS).split()
        if f.endswith(".sql")
    ]
    settings = Settings(
        extend_select=("SD004", "SD005", "SD006", "MG012", "MG023", "MG024"), include_history=True
    )  # the mapped rules that are off by default
    tally: dict[str, Counter] = defaultdict(Counter)
    disagreements: list = []
    for f in files:
        text = _git(repo, "show", f"HEAD:{f}")
        rule = f.split("/")[-2]
        # the spec expects its folder's rule when one of its expectations names it
        expected = rule in EXPECT.findall(text) and "expect_no_diagnostics" not in text
        _judge(rule, f.rsplit("/", 1)[-1], text, expected, settings, tally, disagreements)
    _table(tally, "specs")
    if "--docs" in argv:  # the examples in each rule's documentation, every rule has some
        docs: dict[str, Counter] = defaultdict(Counter)
        for rule, name, sql, expected in doc_examples(repo):
            _judge(rule, name, sql, expected, settings, docs, disagreements)
        print()
        _table(docs, "examples")
    if show:
        for d in disagreements:
            print(*d, sep="  ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
