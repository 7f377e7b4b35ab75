"""Measure `check` on the real-code corpus: crashes, volume, and precision by hand.

    python benchmarks/precision.py run [--jobs1] [--repo NAME ...]
    python benchmarks/precision.py sample [--seed 10] [--per-rule 6] [--uniform 200] [--size 250]
    python benchmarks/precision.py show [--limit N] [--code CODE] [--context 4]
    python benchmarks/precision.py report

``run`` runs this worktree's ``backend-architect check`` (default mode, or
``--jobs 1`` with ``--jobs1``) in every repository of ``benchmarks/corpus.tsv``
checked out under the corpus folder (``--corpus``, default ``$BA_CORPUS`` or
``~/.cache/backend-architect-corpus``; see ``benchmarks/corpus.py``). Raw
findings, stderr and a per-repository summary (exit code, seconds, findings,
the traceback's last line) go to the results folder (``--results``, default
``$BA_RESULTS`` or ``<corpus>/.results``), never into the project.

``sample`` draws a seeded random sample from the saved findings: at least
``--per-rule`` findings of every rule that fired (all of them when fewer), then
at least ``--uniform`` more drawn uniformly from the rest, and enough to reach
``--size`` in all. It rewrites
``benchmarks/precision/judgments.tsv`` keeping every verdict already given (a
finding's id is its repository, path, code and a hash of the flagged line's
text and the message, so a judgment survives lines moving). Judged findings
that no longer occur move to ``benchmarks/precision/gone.tsv``: kept for the
history, not counted.

``show`` prints each unjudged finding of the table with the lines around it,
for the person judging. ``report`` prints precision per rule and overall
(true / (true + false)), the noise share of the judged sample, n and the
unjudged count, and flags rules under 70%; with the run's ``runs.json`` at
hand it also weighs each rule's verdicts by the rule's volume.
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS_TSV = HERE / "corpus.tsv"
TABLE = HERE / "precision" / "judgments.tsv"
GONE = HERE / "precision" / "gone.tsv"


def use_table(name: str | None) -> None:
    """Point the sample at another table (``--table NAME``: ``precision/NAME.tsv``, gone rows in
    ``precision/NAME.gone.tsv``), e.g. a second measurement with other ``check`` options."""
    global TABLE, GONE  # noqa: PLW0603 - the module's table paths, as the tests patch them
    if name:
        TABLE = HERE / "precision" / f"{name}.tsv"
        GONE = HERE / "precision" / f"{name}.gone.tsv"


COLUMNS = ["id", "repo", "path", "line", "code", "message", "verdict", "reason"]
VERDICTS = ("true", "false", "noise")
FLOOR = 0.70


def use_list(path: str | None) -> None:
    """Measure another list of repositories than ``corpus.tsv`` (``--list``, e.g. the
    held-out ``holdout.tsv``: repositories the rules were never tuned on)."""
    global CORPUS_TSV  # noqa: PLW0603 - the module's corpus list, as the tests patch it
    if path:
        CORPUS_TSV = Path(path).resolve()


def corpus_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg).expanduser()
    return Path(os.environ.get("BA_CORPUS") or "~/.cache/backend-architect-corpus").expanduser()


def results_dir(arg: str | None, corpus: Path) -> Path:
    if arg:
        return Path(arg).expanduser()
    env = os.environ.get("BA_RESULTS")
    return Path(env).expanduser() if env else corpus / ".results"


def read_corpus() -> list[dict[str, str]]:
    with CORPUS_TSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def checkout(corpus: Path, name: str) -> Path:
    return corpus / name.replace("/", "+")


# ---------------------------------------------------------------- run


def run_one(path: Path, jobs1: bool, timeout: int, extra: list[str] | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "server"))
    cmd = [
        sys.executable,
        "-m",
        "backend_architect",
        "check",
        "--output-format",
        "json",
        "--exit-zero",
    ]
    if jobs1:
        cmd += ["--jobs", "1"]
    cmd += extra or []
    cmd.append(".")
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=path, timeout=timeout
        )
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        partial = (
            exc.stderr.decode(errors="replace")
            if isinstance(exc.stderr, bytes)
            else exc.stderr or ""
        )
        code, out, err = "timeout", "", f"{partial}\ntimed out after {timeout}s"
    seconds = time.perf_counter() - started
    try:
        findings = json.loads(out) if out.strip() else []
        parsed = True
    except json.JSONDecodeError:
        findings, parsed = [], False
    tracebacks = err.count("Traceback (most recent call last)")
    last = next((ln for ln in reversed(err.strip().splitlines()) if ln.strip()), "")
    return {
        "exit": code,
        "seconds": round(seconds, 1),
        "findings": findings,
        "json_ok": parsed,
        "tracebacks": tracebacks,
        "stderr": err,
        "last_error": last if (code != 0 or tracebacks) else "",
    }


def cmd_run(args: argparse.Namespace) -> int:
    corpus = corpus_dir(args.corpus)
    results = results_dir(args.results, corpus)
    (results / "findings").mkdir(parents=True, exist_ok=True)
    summary_path = results / "runs.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    rows = [r for r in read_corpus() if not args.repo or r["name"] in args.repo]
    for row in rows:
        path = checkout(corpus, row["name"])
        if not path.is_dir():
            print(
                f"{row['name']}: no checkout at {path}; run benchmarks/corpus.py first",
                file=sys.stderr,
            )
            continue
        res = run_one(path, args.jobs1, args.timeout, args.check_args.split())
        stem = row["name"].replace("/", "+")
        (results / "findings" / f"{stem}.json").write_text(json.dumps(res["findings"]))
        (results / "findings" / f"{stem}.stderr").write_text(res["stderr"])
        # internal errors come as entries without a code (`check` reports them per file and goes on)
        internal = [f for f in res["findings"] if f.get("code") is None]
        res["findings"] = [f for f in res["findings"] if f.get("code") is not None]
        per_rule = collections.Counter(f["code"] for f in res["findings"])
        summary[row["name"]] = {
            "commit": row["commit"],
            "mode": " ".join(["--jobs 1" if args.jobs1 else "default", *args.check_args.split()]),
            "exit": res["exit"],
            "seconds": res["seconds"],
            "json_ok": res["json_ok"],
            "tracebacks": res["tracebacks"],
            "last_error": res["last_error"],
            "findings": len(res["findings"]),
            "internal_errors": [f"{f['filename']}: {f['message']}" for f in internal],
            "per_rule": dict(per_rule),
        }
        summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True))
        state = (
            "ok"
            if res["exit"] == 0 and not res["tracebacks"]
            else f"FAIL ({res['last_error'][:100]})"
        )
        if internal:
            state += f"; {len(internal)} internal errors ({internal[0]['message'][:80]})"
        print(
            f"{row['name']:<50} exit {res['exit']!s:<7} {res['seconds']:7.1f}s {len(res['findings']):6d} findings  {state}",
            flush=True,
        )
    print_summary(summary)
    return 0


def print_summary(summary: dict) -> None:
    crashed = [
        n
        for n, s in summary.items()
        if s["exit"] != 0 or s["tracebacks"] or not s["json_ok"] or s.get("internal_errors")
    ]
    total = sum(s["findings"] for s in summary.values())
    per_rule: collections.Counter = collections.Counter()
    for s in summary.values():
        per_rule.update(s["per_rule"])
    print(
        f"\n{len(summary)} repositories, {len(crashed)} crashed, {total} findings, "
        f"{sum(s['seconds'] for s in summary.values()):.0f}s"
    )
    for name in crashed:
        print(f"  crashed: {name}: exit {summary[name]['exit']}: {summary[name]['last_error']}")
    print(
        "findings per rule: "
        + ", ".join(f"{c} {n}" for c, n in sorted(per_rule.items(), key=lambda x: -x[1]))
    )


# ---------------------------------------------------------------- sample


def line_text(path: Path, line: int) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def finding_id(repo: str, path: str, code: str, text: str, message: str) -> str:
    digest = hashlib.sha1(f"{text}\0{message}".encode()).hexdigest()[:10]
    return f"{repo}:{path}:{code}:{digest}"


def load_findings(corpus: Path, results: Path) -> dict[str, dict]:
    """Every saved finding by id; identical ids (same line text and message) collapse."""
    found: dict[str, dict] = {}
    for row in read_corpus():
        stem = row["name"].replace("/", "+")
        raw = results / "findings" / f"{stem}.json"
        if not raw.exists():
            continue
        for f in json.loads(raw.read_text()):
            line = f["location"]["row"]
            rel = os.path.normpath(f["filename"])
            text = line_text(checkout(corpus, row["name"]) / rel, line)
            key = finding_id(row["name"], rel, f["code"], text, f["message"])
            found.setdefault(
                key,
                {
                    "id": key,
                    "repo": row["name"],
                    "path": rel,
                    "line": str(line),
                    "code": f["code"],
                    "message": f["message"],
                    "verdict": "",
                    "reason": "",
                },
            )
    return found


def read_table(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        return [{c: r.get(c) or "" for c in COLUMNS} for r in csv.DictReader(fh, delimiter="\t")]


def write_table(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: " ".join(str(r.get(c, "")).split()) for c in COLUMNS})


def draw(
    ids_by_rule: dict[str, list[str]], size: int, per_rule: int, seed: int, uniform: int = 0
) -> list[str]:
    """The ``per_rule`` lowest-ranked findings of each rule, then the lowest-ranked of the rest.

    The rest fills the sample up to ``size`` and adds at least ``uniform``
    findings, so that part of the sample follows the volume of each rule.

    A finding's rank is a seeded hash of its id: a uniform random order that does
    not depend on which other findings exist, so a redraw after findings come or
    go keeps the rest of the sample (and the verdicts given to it) in place.
    """

    def rank(key: str) -> str:
        return hashlib.sha1(f"{seed}:{key}".encode()).hexdigest()

    chosen: list[str] = []
    for code in sorted(ids_by_rule):
        chosen += sorted(ids_by_rule[code], key=rank)[:per_rule]
    taken = set(chosen)
    rest = sorted((k for ids in ids_by_rule.values() for k in ids if k not in taken), key=rank)
    return chosen + rest[: max(size - len(chosen), uniform)]


def cmd_sample(args: argparse.Namespace) -> int:
    corpus = corpus_dir(args.corpus)
    found = load_findings(corpus, results_dir(args.results, corpus))
    if not found:
        print("no saved findings: run `precision.py run` first", file=sys.stderr)
        return 1
    gone_rows = {r["id"]: r for r in read_table(GONE)}
    # a judged finding that went and came back (a rule changed, then changed back) keeps its verdict
    table_rows = {r["id"]: r for r in read_table(TABLE)}
    old = {k: r for k, r in gone_rows.items() if r["verdict"]}
    old.update(table_rows)
    by_rule: dict[str, list[str]] = collections.defaultdict(list)
    for key, f in found.items():
        by_rule[f["code"]].append(key)
    chosen = set(draw(by_rule, args.size, args.per_rule, args.seed, args.uniform))
    # A verdict already given stays in the sample while its finding still occurs.
    chosen |= {k for k, r in old.items() if r["verdict"] and k in found}
    rows = []
    for key in sorted(chosen, key=lambda k: hashlib.sha1(f"{args.seed}{k}".encode()).hexdigest()):
        row = dict(found[key])
        if key in old:
            row["verdict"], row["reason"] = old[key]["verdict"], old[key]["reason"]
        rows.append(row)
    newly_gone = [r for k, r in table_rows.items() if k not in found and r["verdict"]]
    for r in newly_gone:
        gone_rows[r["id"]] = r
    for k in list(gone_rows):
        if k in found:  # came back: its verdict is live again in the table if drawn
            del gone_rows[k]
    write_table(TABLE, rows)
    write_table(GONE, sorted(gone_rows.values(), key=lambda r: r["id"]))
    kept = sum(1 for r in rows if r["verdict"])
    print(
        f"{len(rows)} findings sampled from {len(found)} ({len(by_rule)} rules); "
        f"{kept} verdicts kept, {len(newly_gone)} judged findings gone (see {GONE.relative_to(ROOT)})"
    )
    return 0


# ---------------------------------------------------------------- show / report


def cmd_show(args: argparse.Namespace) -> int:
    corpus = corpus_dir(args.corpus)
    shown = 0
    for r in read_table(TABLE):
        if r["verdict"] or (args.code and r["code"] != args.code):
            continue
        path = checkout(corpus, r["repo"]) / r["path"]
        line = int(r["line"])
        print(f"=== {r['id']}\n{r['repo']} {r['path']}:{line} {r['code']}: {r['message']}")
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as exc:
            print(f"   (cannot read: {exc})")
            lines = []
        for n in range(max(1, line - args.context), min(len(lines), line + args.context) + 1):
            print(f"{'>' if n == line else ' '}{n:6d}  {lines[n - 1]}")
        shown += 1
        if args.limit and shown >= args.limit:
            break
    return 0


def rule_volume(args: argparse.Namespace) -> dict[str, int]:
    corpus = corpus_dir(args.corpus)
    runs = results_dir(args.results, corpus) / "runs.json"
    if not runs.exists():
        return {}
    volume: collections.Counter = collections.Counter()
    for summary in json.loads(runs.read_text()).values():
        volume.update(summary["per_rule"])
    return dict(volume)


def precision(t: int, f: int) -> float | None:
    return t / (t + f) if t + f else None


def cmd_report(args: argparse.Namespace) -> int:
    rows = read_table(TABLE)
    stats: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in rows:
        v = r["verdict"] if r["verdict"] in VERDICTS else "unjudged"
        stats[r["code"]][v] += 1
        stats["ALL"][v] += 1
    print(
        f"{'rule':<8} {'precision':>9} {'true':>5} {'false':>5} {'noise':>5} {'n':>4} {'unjudged':>8}"
    )
    for code in sorted(stats, key=lambda c: (c == "ALL", c)):
        c = stats[code]
        p = precision(c["true"], c["false"])
        n = c["true"] + c["false"] + c["noise"]
        flag = "  < 70%" if p is not None and p < FLOOR and code != "ALL" else ""
        ps = f"{p:9.0%}" if p is not None else f"{'-':>9}"
        print(
            f"{code:<8} {ps} {c['true']:5d} {c['false']:5d} {c['noise']:5d} {n:4d} {c['unjudged']:8d}{flag}"
        )
    a = stats["ALL"]
    n = a["true"] + a["false"] + a["noise"]
    if n:
        p = precision(a["true"], a["false"])
        print(
            f"\noverall precision {p:.0%} (true/(true+false)), noise {a['noise'] / n:.0%} of {n} judged, "
            f"true {a['true'] / n:.0%} of all judged; {a['unjudged']} unjudged"
        )
    volume = rule_volume(args)
    if volume:
        # Each rule's verdict shares, weighted by how many findings it raised in the last run.
        judged = {
            c: v for c, v in stats.items() if c != "ALL" and v["true"] + v["false"] + v["noise"]
        }
        total = sum(volume.get(c, 0) for c in judged)
        if total:
            share = {c: volume.get(c, 0) / total for c in judged}

            def part(c: str, key: str) -> float:
                v = judged[c]
                return v[key] / (v["true"] + v["false"] + v["noise"])

            t = sum(share[c] * part(c, "true") for c in judged)
            f = sum(share[c] * part(c, "false") for c in judged)
            print(
                f"weighted by volume ({total} findings): precision {t / (t + f):.0%}, "
                f"worth raising {t:.0%}, noise {1 - t - f:.0%}"
            )
    gone = read_table(GONE)
    if gone:
        print(
            f"{len(gone)} judged findings no longer occur ({GONE.relative_to(ROOT)}); not counted"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--corpus", help="corpus folder (default $BA_CORPUS or ~/.cache/backend-architect-corpus)"
    )
    p.add_argument(
        "--results", help="raw results folder (default $BA_RESULTS or <corpus>/.results)"
    )
    p.add_argument(
        "--table",
        help="judgments table name under benchmarks/precision/ (default judgments); "
        "e.g. history-mg for the run with --include-history --select MG",
    )
    p.add_argument(
        "--list", help="another list of repositories than benchmarks/corpus.tsv (e.g. holdout.tsv)"
    )
    sub = p.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run", help="run check over the corpus and save raw findings")
    r.add_argument(
        "--jobs1", action="store_true", help="run check with --jobs 1 (no worker processes)"
    )
    r.add_argument("--repo", action="append", help="only this owner/repo (repeatable)")
    r.add_argument(
        "--check-args",
        default="",
        help="more options for check, e.g. '--include-history --select MG'",
    )
    r.add_argument(
        "--timeout",
        type=int,
        default=900,
        help="seconds per repository; a run that takes longer counts as a hang",
    )
    s = sub.add_parser("sample", help="draw the sample and update judgments.tsv")
    s.add_argument("--seed", type=int, default=10)
    s.add_argument("--size", type=int, default=250)
    s.add_argument("--per-rule", type=int, default=10)
    s.add_argument(
        "--uniform",
        type=int,
        default=200,
        help="at least this many findings drawn across all rules",
    )
    sh = sub.add_parser("show", help="print unjudged findings with the lines around them")
    sh.add_argument("--limit", type=int, default=0)
    sh.add_argument("--code")
    sh.add_argument("--context", type=int, default=4)
    sub.add_parser("report", help="precision per rule and overall from judgments.tsv")
    args = p.parse_args(argv)
    use_table(args.table)
    use_list(args.list)
    return {"run": cmd_run, "sample": cmd_sample, "show": cmd_show, "report": cmd_report}[
        args.mode
    ](args)


if __name__ == "__main__":
    sys.exit(main())
