"""Run squawk and backend-architect on the same migration files; compare the mapped rules.

    python benchmarks/compare_squawk.py [--squawk PATH] [--pg-version 15] DIR_OR_FILE...

Both tools see the same .sql files in one run each. Findings are matched per
statement (the statement a finding's line falls in, by our splitter) or per
file for file-level rules. Prints, per mapped rule pair, the count of each
tool, how many statements both flag, and examples of each disagreement;
then the wall-clock time of each run and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

# squawk rule(s) -> our code(s); "file" pairs compare per file, the rest per statement
PAIRS = [
    (
        ("require-concurrent-index-creation", "require-concurrent-index-deletion"),
        ("MG001",),
        "stmt",
    ),
    (("ban-concurrent-index-creation-in-transaction",), ("MG002",), "stmt"),
    (("require-concurrent-reindex",), ("MG017",), "stmt"),
    (("adding-required-field",), ("MG003",), "stmt"),
    (("adding-foreign-key-constraint", "constraint-missing-not-valid"), ("MG004",), "stmt"),
    (("changing-column-type",), ("MG005",), "stmt"),
    (("adding-not-nullable-field",), ("MG006",), "stmt"),
    (("adding-field-with-default",), ("MG007",), "stmt"),
    (("disallowed-unique-constraint", "adding-serial-primary-key-field"), ("MG008",), "stmt"),
    (("renaming-column",), ("MG009",), "stmt"),
    (("renaming-table",), ("MG010",), "stmt"),
    (("ban-drop-column",), ("MG011",), "stmt"),
    (("ban-drop-table",), ("MG012",), "stmt"),
    (("ban-truncate-cascade",), ("MG013",), "stmt"),
    (("require-lock-timeout", "require-timeout-settings"), ("MG015",), "file"),
]


def sql_files(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isfile(p):
            out.append(os.path.abspath(p))
            continue
        for dirpath, _, names in os.walk(p):
            out += [os.path.abspath(os.path.join(dirpath, n)) for n in names if n.endswith(".sql")]
    return sorted(set(out))


def run_squawk(squawk: str, files: list[str], pg: int) -> tuple[list[dict], float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [squawk, "--reporter", "json", f"--pg-version={pg}.0", *files],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    try:
        items = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        sys.exit(f"squawk output is not JSON:\n{proc.stdout[:500]}\n{proc.stderr[:500]}")
    for it in items:
        it["row"] = int(it.get("line", 0)) + 1  # squawk lines are 0-based
    return items, elapsed


def run_ours(files: list[str], pg: int) -> tuple[list[dict], float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
    started = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "backend_architect",
            "check",
            "--output-format",
            "json",
            "--exit-zero",
            "--select",
            "MG",
            *files,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd="/",
    )
    elapsed = time.perf_counter() - started
    items = json.loads(proc.stdout or "[]")
    for it in items:
        it["file"] = os.path.abspath(it["filename"])
        it["row"] = it["location"]["row"]
    return items, elapsed


def statement_lines(path: str) -> list[tuple[int, int]]:
    """1-based (first, last) line of each statement of a SQL file, by our splitter."""
    from backend_architect.core.document import Document
    from backend_architect.core.regions import region_for_sql_document
    from backend_architect.core.sql import split_statements

    text = Path(path).read_text(encoding="utf-8", errors="replace")
    doc = Document(text, path=path)
    region = region_for_sql_document(text)
    out = []
    for s in split_statements(region):
        a, b = s.doc_range()
        out.append((doc.line_of(a) + 1, doc.line_of(max(a, b - 1)) + 1))
    return out


_stmt_cache: dict[str, list[tuple[int, int]]] = {}
_parsed: dict[str, list] = {}


def parsed_statements(path: str):
    if path not in _parsed:
        from backend_architect.core.regions import region_for_sql_document
        from backend_architect.core.sql import split_statements

        text = Path(path).read_text(encoding="utf-8", errors="replace")
        _parsed[path] = split_statements(region_for_sql_document(text))
    return _parsed[path]


def target_created_earlier(path: str, index) -> bool:
    """The statement's table was created earlier in the same file (so it is new and empty)."""
    from backend_architect.core.sql import relation_name, walk

    if index is None:
        return False
    stmts = parsed_statements(path)
    if index >= len(stmts) or stmts[index].node is None:
        return False
    targets = set()
    for kind, node in walk({"x": stmts[index].node}):
        if kind == "RangeVar" or "relname" in node:
            name = relation_name(node)
            if name:
                targets.add(name.lower().rsplit(".", 1)[-1])
    node = stmts[index].node
    for key in ("relation",):
        if node.get(key):
            targets.add((relation_name(node[key]) or "").lower().rsplit(".", 1)[-1])
    for obj in node.get("objects", []) if isinstance(node.get("objects"), list) else []:
        items = obj.get("List", {}).get("items", []) if isinstance(obj, dict) else []
        if items:
            targets.add(items[-1].get("String", {}).get("sval", "").lower())
    created = set()
    for s in stmts[:index]:
        if s.kind == "CreateStmt" and s.node:
            created.add((relation_name(s.node.get("relation")) or "").lower().rsplit(".", 1)[-1])
        elif s.kind == "CreateTableAsStmt" and s.node:
            rel = (s.node.get("into") or {}).get("rel")
            created.add((relation_name(rel) or "").lower().rsplit(".", 1)[-1])
    return bool(targets & created)


def statement_at(path: str, row: int):
    k = stmt_key(path, row)
    stmts = parsed_statements(path)
    return stmts[k[1]] if k[1] is not None and k[1] < len(stmts) else None


def explain(side: str, item: dict, level: str, sq_error_files: set[str]) -> str | None:
    """Known reasons for a one-sided finding (None: look at it)."""
    if side == "ours" and item["file"] in sq_error_files:
        return "squawk could not parse the file (syntax-error)"
    if side == "ours" and level == "stmt":
        stmt = statement_at(item["file"], item["row"])
        if stmt is not None and stmt.kind == "DoStmt":
            return "inside a DO block (squawk does not read DO bodies)"
        if item["code"] == "MG006" and stmt is not None and "ADD CONSTRAINT" in stmt.text.upper():
            return "named NOT NULL constraint (PG 18): squawk reports it as constraint-missing-not-valid"
        if item["code"] == "MG007" and any(t in item["message"] for t in ("serial", "IDENTITY")):
            return "serial/identity column: squawk reports it only with PRIMARY KEY (adding-serial-primary-key-field)"
    if side == "squawk":
        line = (
            Path(item["file"])
            .read_text(errors="replace")
            .splitlines()[item["row"] - 1 : item["row"]]
        )
        if line and "noqa" in line[0]:
            return "suppressed here with -- noqa"
    if side == "squawk" and level == "file":
        stmt = statement_at(item["file"], item["row"])
        if stmt is not None and stmt.kind in (
            "CreateFunctionStmt",
            "CreateExtensionStmt",
            "CreateSchemaStmt",
            "CompositeTypeStmt",
            "CreateEnumStmt",
            "AlterEnumStmt",
            "CommentStmt",
        ):
            return f"first flagged statement is {stmt.kind}: takes no lock on a table"
        return "no statement locks a table or view that exists before the file (per our analysis)"
    if side == "squawk" and level == "stmt":
        k = stmt_key(item["file"], item["row"])
        if target_created_earlier(item["file"], k[1]):
            return "table created earlier in the same file (new, empty)"
        stmt = statement_at(item["file"], item["row"])
        text = (stmt.text if stmt is not None else "").upper()
        rule = item.get("rule_name")
        if (
            rule == "constraint-missing-not-valid"
            and ("UNIQUE" in text or "PRIMARY KEY" in text)
            and "FOREIGN KEY" not in text
            and "CHECK" not in text
        ):
            return "UNIQUE/PRIMARY KEY cannot be NOT VALID in Postgres (ours: MG008)"
        if (
            rule == "constraint-missing-not-valid"
            and " NOT NULL" in text
            and "FOREIGN KEY" not in text
        ):
            return "named NOT NULL constraint (PG 18): ours reports it as MG006"
        if (
            rule == "changing-column-type"
            and " USING " not in text
            and any(
                t in text.split(" TYPE ", 1)[-1][:40]
                for t in ("VARCHAR", "TEXT", "NUMERIC", "CHARACTER VARYING")
            )
        ):
            return "change to text/varchar/numeric assumed a no-rewrite widening (no catalog)"
        if rule == "adding-required-field" and ("SERIAL" in text or "IDENTITY" in text):
            return (
                "serial/identity column has a default: cannot fail (ours: MG007 rewrite, MG008 PK)"
            )
    return None


def stmt_key(path: str, row: int):
    lines = _stmt_cache.get(path)
    if lines is None:
        lines = _stmt_cache[path] = statement_lines(path)
    for i, (a, b) in enumerate(lines):
        if a <= row <= b:
            return (path, i)
    best = min(range(len(lines)), key=lambda i: abs(lines[i][0] - row), default=None)
    return (path, best)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--squawk", default=shutil.which("squawk") or "/tmp/peers/bin/squawk")
    ap.add_argument("--pg-version", type=int, default=15)
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--json", help="also write the comparison as JSON here")
    ap.add_argument("--relative-to", default=None, help="print paths relative to this folder")
    args = ap.parse_args(argv)

    files = sql_files(args.paths)
    if not files:
        sys.exit("no .sql files")
    sq, sq_time = run_squawk(args.squawk, files, args.pg_version)
    ours, our_time = run_ours(files, args.pg_version)
    statements = sum(len(statement_lines(f)) for f in files)

    print(f"{len(files)} files, {statements} statements\n")
    sq_error_files = {i["file"] for i in sq if i.get("rule_name") == "syntax-error"}
    for i in sq:
        i["file"] = os.path.abspath(i["file"])
    sq_error_files = {os.path.abspath(f) for f in sq_error_files}
    header = (
        f"{'squawk rule(s)':58} {'ours':7} {'squawk':>6} {'ours':>5} {'both':>5} {'sq only':>7} {'ours only':>9} "
        f"{'unexplained':>11}"
    )
    print(header)
    print("-" * len(header))
    report = []
    for sq_rules, our_codes, level in PAIRS:

        def key(item):
            return item["file"] if level == "file" else stmt_key(item["file"], item["row"])

        s_items = [i for i in sq if i.get("rule_name") in sq_rules]
        o_items = [i for i in ours if i["code"] in our_codes]
        s_keys = defaultdict(list)
        o_keys = defaultdict(list)
        for i in s_items:
            s_keys[key(i)].append(i)
        for i in o_items:
            o_keys[key(i)].append(i)
        both = set(s_keys) & set(o_keys)
        s_only = sorted(set(s_keys) - both, key=str)
        o_only = sorted(set(o_keys) - both, key=str)
        reasons: dict[str, int] = defaultdict(int)
        entry = {
            "squawk": sq_rules,
            "ours": our_codes,
            "squawk_count": len(s_items),
            "our_count": len(o_items),
            "both": len(both),
            "squawk_only_n": len(s_only),
            "ours_only_n": len(o_only),
            "squawk_only": [],
            "ours_only": [],
            "explained": reasons,
        }
        for side, keys, table, out in (
            ("squawk", s_only, s_keys, entry["squawk_only"]),
            ("ours", o_only, o_keys, entry["ours_only"]),
        ):
            for k in keys:
                i = table[k][0]
                why = explain(side, i, level, sq_error_files)
                if why:
                    reasons[f"{side} only: {why}"] += 1
                    continue
                rel = (
                    os.path.relpath(i["file"], args.relative_to) if args.relative_to else i["file"]
                )
                out.append(f"{rel}:{i['row']} {i['message'][:100]}")
        unexplained = len(entry["squawk_only"]) + len(entry["ours_only"])
        print(
            f"{' + '.join(sq_rules)[:58]:58} {','.join(our_codes):7} {len(s_items):>6} {len(o_items):>5} "
            f"{len(both):>5} {len(s_only):>7} {len(o_only):>9} {unexplained:>11}"
        )
        report.append(entry)
    print()
    for e in report:
        if e["squawk_only"] or e["ours_only"] or e["explained"]:
            print(f"== {' + '.join(e['squawk'])} <-> {','.join(e['ours'])}")
            for why, n in sorted(e["explained"].items()):
                print(f"   {n:4} {why}")
            for line in e["squawk_only"][: args.examples]:
                print("   squawk only:", line)
            for line in e["ours_only"][: args.examples]:
                print("   ours only:  ", line)
    print(f"\nsquawk could not parse {len(sq_error_files)} of {len(files)} files (syntax-error)")
    unmapped = defaultdict(int)
    mapped = {r for p in PAIRS for r in p[0]}
    for i in sq:
        if i.get("rule_name") not in mapped:
            unmapped[i.get("rule_name")] += 1
    ours_unmapped = defaultdict(int)
    mapped_ours = {c for p in PAIRS for c in p[1]}
    for i in ours:
        if i["code"] not in mapped_ours:
            ours_unmapped[i["code"]] += 1
    print(
        "\nsquawk rules without a pair here:", dict(sorted(unmapped.items(), key=lambda kv: -kv[1]))
    )
    print("our MG rules without a squawk pair:", dict(sorted(ours_unmapped.items())))
    print(
        f"\ntime: squawk {sq_time:.2f}s, backend-architect {our_time:.2f}s, ratio {our_time / sq_time:.1f}x"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "files": len(files),
                    "statements": statements,
                    "pairs": report,
                    "squawk_time": sq_time,
                    "our_time": our_time,
                },
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
