"""Run squawk's own per-rule test cases through our MIGRATION rules and report agreement.

squawk keeps each rule's tests next to the rule (``crates/squawk_linter/src/rules/<rule>.rs``,
a ``mod test`` of ``#[test]`` functions): a SQL string, then ``lint_errors(sql, ...)`` (the rule
must report) or ``lint_ok(sql, ...)`` (it must not), sometimes with settings
(``pg_version``, ``assume_in_transaction``), and ``fix(...)`` cases (which report too).
Each case is linted as a new migration file; ``assume_in_transaction`` becomes a goose
migration in a temporary goose project (goose wraps each file in a transaction) and
``pg_version`` our ``postgres-version``.
Their rule is mapped to our codes (docs/migrations.md, "Parity"); a case agrees when one of
the mapped codes is reported exactly when they expect their rule. Cases of rules we have no
code for are counted apart. The repository is read from a local clone or bare mirror
(fetched, not part of this project):

    python benchmarks/compare_squawk_specs.py /path/to/squawk [--list]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import replace

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "server")
)

from backend_architect.config import Settings  # noqa: E402
from backend_architect.core.document import Document  # noqa: E402
from backend_architect.core.engine import lint  # noqa: E402

RULES = "crates/squawk_linter/src/rules"
# their rule (file name) -> our codes; absent: no rule of ours (see docs/migrations.md for why)
OURS = {
    "adding_field_with_default": {"MG007"},
    "ban_alter_domain_with_add_constraint": {"MG028"},
    "adding_foreign_key_constraint": {"MG004"},
    "adding_not_null_field": {"MG006"},
    "adding_primary_key_constraint": {"MG008"},
    "adding_required_field": {"MG003"},
    "ban_char_field": {"SD006"},
    "ban_concurrent_index_creation_in_transaction": {"MG002"},
    "ban_drop_column": {"MG011"},
    "ban_drop_table": {"MG012"},
    "ban_truncate_cascade": {"MG013"},
    "ban_uncommitted_transaction": {"MG019", "MG025"},
    "changing_column_type": {"MG005"},
    "constraint_missing_not_valid": {"MG004", "MG006", "MG008", "MG026"},
    "disallow_unique_constraint": {"MG008"},
    "prefer_bigint_over_int": {"SD002"},
    "prefer_bigint_over_smallint": {"SD002"},
    "prefer_identity": {"SD002"},
    "prefer_repack": {"MG017"},
    "prefer_text_field": {"SD004"},
    "prefer_timestamptz": {"SD003"},
    "renaming_column": {"MG009"},
    "renaming_table": {"MG010"},
    "require_concurrent_index_creation": {"MG001"},
    "require_concurrent_index_deletion": {"MG001"},
    "require_concurrent_partition_detach": {"MG021"},
    "require_concurrent_reindex": {"MG017"},
    "require_timeout_settings": {"MG015", "MG024"},
    "transaction_nesting": {"MG019", "MG025"},
}
# rules of ours that are off by default, turned on for the comparison
OFF_BY_DEFAULT = ("SD004", "SD006", "MG012", "MG023", "MG024")

_STRING = r'(?:r(#*)"(?P<raw>.*?)"\1|"(?P<plain>(?:[^"\\]|\\.)*)")'
_LET = re.compile(r"let\s+(\w+)\s*=\s*" + _STRING.replace("\\1", "\\2") + r"\s*;", re.S)
_CALL = re.compile(
    r"\b(?P<fn>lint_errors_with|lint_ok_with|lint_errors|lint_ok|fix_sql_with|fix_sql|fix)\(\s*"
    r"(?:(?P<var>[a-z_]\w*)\b|" + _STRING.replace("\\1", "\\3") + r")",
    re.S,
)
_PG = re.compile(r'pg_version:\s*"(\d+)"')


def _unescape(s: str) -> str:
    return s.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def _body_end(text: str, i: int) -> int:
    """Index after the block whose ``{`` is at ``i`` (Rust strings and comments skipped)."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        raw = re.match(r'r(#*)"', text[i : i + 40]) if c == "r" else None
        if raw and not (text[i - 1].isalnum() or text[i - 1] == "_"):
            close = '"' + raw.group(1)
            j = text.find(close, i + raw.end())
            i = n if j < 0 else j + len(close)
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("//", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


_HELPER = re.compile(r"fn\s+(\w+)\s*\(\s*\)\s*->\s*LinterSettings\s*\{")


def cases(text: str):
    """(test name, sql, expects errors, settings dict) of a rule file's tests."""
    start = text.find("mod test")
    if start < 0:
        return
    body = text[start:]
    helpers: dict[str, dict] = {}  # fn pg19() -> LinterSettings { pg_version: "19", .. }
    for hm in _HELPER.finditer(body):
        block = body[hm.end() - 1 : _body_end(body, hm.end() - 1)]
        pg = _PG.search(block)
        helpers[hm.group(1)] = {"pg": int(pg.group(1))} if pg else {}
        if re.search(r"assume_in_transaction:\s*true", block):
            helpers[hm.group(1)]["tx"] = True
    for tm in re.finditer(r"#\[test\]\s*fn\s+(\w+)\s*\(\s*\)\s*\{", body):
        name = tm.group(1)
        chunk = body[tm.end() - 1 : _body_end(body, tm.end() - 1)]
        lets = {}
        for lm in _LET.finditer(chunk):
            raw = lm.group("raw")
            lets[lm.group(1)] = raw if raw is not None else _unescape(lm.group("plain"))
        opts: dict = {}
        for helper, hopts in helpers.items():
            if re.search(r"\b" + helper + r"\(\s*\)", chunk):
                opts.update(hopts)
        pg = _PG.search(chunk)
        if pg:
            opts["pg"] = int(pg.group(1))
        if re.search(r"assume_in_transaction:\s*true", chunk):
            opts["tx"] = True
        for cm in _CALL.finditer(chunk):
            if cm.group("var"):
                sql = lets.get(cm.group("var"))
            elif cm.group("raw") is not None:
                sql = cm.group("raw")
            else:
                sql = _unescape(cm.group("plain") or "")
            if sql is None:
                continue
            yield name, sql, not cm.group("fn").startswith("lint_ok"), opts


def _read(repo: str, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", _git_dir(repo), "show", f"HEAD:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _git_dir(repo: str) -> str:
    return repo if os.path.isdir(os.path.join(repo, "refs")) else os.path.join(repo, ".git")


def _files(repo: str) -> list[str]:
    out = subprocess.run(
        ["git", "--git-dir", _git_dir(repo), "ls-tree", "--name-only", "HEAD", RULES + "/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [f for f in out if f.endswith(".rs") and not f.endswith("/mod.rs")]


_GOOSE_DIR: list[str] = []


def _goose_file(text: str) -> str:
    """A goose migration on disk (goose wraps each file in a transaction): squawk's
    ``assume_in_transaction``."""
    if not _GOOSE_DIR:
        root = tempfile.mkdtemp(prefix="squawk_specs_")
        os.makedirs(os.path.join(root, "migrations"))
        with open(os.path.join(root, "go.mod"), "w") as fh:
            fh.write(
                "module example.com/spec\n\ngo 1.22\n\nrequire github.com/pressly/goose/v3 v3.20.0\n"
            )
        _GOOSE_DIR.append(root)
    path = os.path.join(_GOOSE_DIR[0], "migrations", "00001_spec.sql")
    with open(path, "w") as fh:
        fh.write(text)
    return path


def our_codes(sql: str, opts: dict, base: Settings) -> set[str]:
    settings = replace(base, postgres_version=opts.get("pg", 15))
    if opts.get("tx") and "squawk-disable-assume-in-transaction" not in sql:
        # squawk's assume-in-transaction (unless the file opts out): a runner that wraps the file
        text = "-- +goose Up\n" + sql
        doc = Document(text, path=_goose_file(text))
    else:
        doc = Document(sql, path="/spec/migrations/20260101000000_spec.sql")
    return {f.code for f in lint(doc, settings).findings}


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    repo, show = argv[0], "--list" in argv
    base = Settings(extend_select=OFF_BY_DEFAULT, include_history=True)
    tally: dict[str, Counter] = defaultdict(Counter)
    disagreements = []
    for f in _files(repo):
        rule = f.rsplit("/", 1)[-1][:-3]
        mapped = OURS.get(rule)
        for name, sql, expected, opts in cases(_read(repo, f)):
            if mapped is None:
                tally[rule]["not ours"] += 1
                continue
            found = our_codes(sql, opts, base)
            hit = bool(found & mapped)
            kind = (
                "agree"
                if hit == expected
                else ("they flag, we do not" if expected else "we flag, they do not")
            )
            tally[rule][kind] += 1
            if hit != expected:
                disagreements.append((rule, name, kind, sorted(found)))
    total = Counter()
    print(
        "| their rule | ours | agree | they flag, we do not | we flag, they do not | cases we have no rule for |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for rule in sorted(tally):
        c = tally[rule]
        total.update(c)
        print(
            f"| {rule.replace('_', '-')} | {', '.join(sorted(OURS.get(rule, ()))) or '—'} | {c['agree']} | "
            f"{c['they flag, we do not']} | {c['we flag, they do not']} | {c['not ours']} |"
        )
    print(
        f"| **total** | | {total['agree']} | {total['they flag, we do not']} | "
        f"{total['we flag, they do not']} | {total['not ours']} |"
    )
    if show:
        for d in disagreements:
            print(*d, sep="  ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
