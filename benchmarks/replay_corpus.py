"""Replay the real corpus' SQL migration histories on a scratch PostgreSQL, before and after fixes.

For each history: the migrations folder and the manifests that tell its runner are copied to a
temp dir; the original is replayed in order the way the runner runs each file (one transaction
per file, one query per file, or statement by statement); then `check --fix` (safe fixes) and
`check --fix --unsafe-fixes` run on copies in which every migration counts as new
(`migration.pending` is large: the worst case, a whole history rewritten) and the copies are
replayed too. Reported: how many migrations applied before the first failure, out of how many.

    python benchmarks/replay_corpus.py [--corpus /work/corpus] [--only lemmy,harbor] [--json out.json]
                                       [--own]   # also the histories under tests/histories/
                                       (--only own: those only)

With ``--own`` the project's own test histories (goose, golang-migrate, diesel, dbmate, Prisma,
Flyway with placeholders, Django, Alembic) are measured the same way; Django and Alembic ones
are run by their own tool (``manage.py migrate``, ``alembic upgrade head``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "server")
)

from backend_architect.cli import check_paths, write_fixes  # noqa: E402
from backend_architect.db.replay import (  # noqa: E402
    alembic_chain,
    code_runner,
    django_migrations,
    history_files,
    replay_code_migrations,
    replay_history,
)
from backend_architect.db.scratch import ScratchPostgres  # noqa: E402
from backend_architect.project import forget  # noqa: E402

GOLANG_MIGRATE = "module bench\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n"
NAMESPACE = '{{ index .Options "Namespace" }}'

# name, corpus folder, migrations folder, manifests ({name: None to copy it, or its text}),
# a file filter, a template rendering, SQL run before the first migration
HISTORIES = [
    (
        "lemmy (diesel)",
        "LemmyNet+lemmy",
        "migrations",
        {"Cargo.toml": None, "diesel.toml": None},
        None,
        None,
        None,
    ),
    (
        "harbor (golang-migrate)",
        "goharbor+harbor",
        "make/migrations/postgresql",
        {"go.mod": GOLANG_MIGRATE},
        None,
        None,
        "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)",
    ),
    (
        "supabase auth (pop)",
        "supabase+auth",
        "migrations",
        {"go.mod": None},
        None,
        lambda t: t.replace(NAMESPACE, "auth"),
        "CREATE SCHEMA IF NOT EXISTS auth",
    ),
    (
        "river (own runner, one transaction per file)",
        "riverqueue+river",
        "riverdriver/riverpgxv5/migration/main",
        {"go.mod": GOLANG_MIGRATE},
        None,
        lambda t: t.replace("/* TEMPLATE: schema */", ""),
        None,
    ),
    (
        "openfga (goose)",
        "openfga+openfga",
        "assets/migrations/postgres",
        {"go.mod": None},
        None,
        None,
        None,
    ),
    (
        "kratos (pop)",
        "ory+kratos",
        "persistence/sql/migrations/sql",
        {"go.mod": None},
        lambda name: (
            ".postgres." in name
            or not any(d in name for d in (".mysql.", ".sqlite3.", ".cockroach.", ".sqlite."))
        ),
        None,
        None,
    ),
]


def _copy(
    corpus: str, repo: str, folder: str, manifests: dict, keep, dest: str, all_new: bool
) -> str:
    src = os.path.join(corpus, repo)
    os.makedirs(dest, exist_ok=True)
    for name, text in manifests.items():
        if text is None:
            shutil.copyfile(os.path.join(src, name), os.path.join(dest, name))
        else:
            with open(os.path.join(dest, name), "w") as fh:
                fh.write(text)
    target = os.path.join(dest, folder)
    ignore = None
    if keep is not None:

        def ignore(_dir, names):
            return [n for n in names if n.endswith(".sql") and not keep(n)]

    shutil.copytree(os.path.join(src, folder), target, ignore=ignore)
    if all_new:
        with open(os.path.join(dest, "backend-architect.toml"), "w") as fh:
            fh.write("[migration]\npending = 1000000\n")
    return target


def _replay(server, folder: str, transform, prelude: str | None):
    import psycopg

    forget()
    with psycopg.connect(
        server.create_database("r_" + uuid.uuid4().hex[:10]), autocommit=True
    ) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        if prelude:
            conn.execute(prelude)
        return replay_history(conn, folder, transform=transform)


def _fix(root: str, unsafe: bool) -> tuple[int, int]:
    forget()
    reports = check_paths([root], {}, fix=True, unsafe_fixes=unsafe, jobs=1)
    write_fixes(reports)
    return sum(1 for r in reports if r.fixed is not None), sum(len(r.new_files) for r in reports)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="/work/corpus")
    ap.add_argument("--only", default="")
    ap.add_argument("--json")
    ap.add_argument("--own", action="store_true", help="also the histories under tests/histories/")
    args = ap.parse_args(argv)
    only = [o.strip().lower() for o in args.only.split(",") if o.strip()]
    rows = []
    with ScratchPostgres() as server, tempfile.TemporaryDirectory(prefix="ba-replay-") as tmp:
        for name, repo, folder, manifests, keep, transform, prelude in HISTORIES:
            if (only and not any(o in name.lower() for o in only)) or only == ["own"]:
                continue
            if not os.path.isdir(os.path.join(args.corpus, repo, folder)):
                print(f"{name}: not in the corpus, skipped", file=sys.stderr)
                continue
            started = time.time()
            row = {"history": name}
            base = _copy(
                args.corpus,
                repo,
                folder,
                manifests,
                keep,
                os.path.join(tmp, repo, "original"),
                False,
            )
            row["files"] = len(history_files(base))
            before = _replay(server, base, transform, prelude)
            row["original"] = before.applied
            row["original_error"] = (
                None
                if before.complete
                else f"{os.path.relpath(before.failed, base)}: {before.error}"
            )
            for label, unsafe in (("safe", False), ("unsafe", True)):
                dest = os.path.join(tmp, repo, label)
                fixed_folder = _copy(args.corpus, repo, folder, manifests, keep, dest, True)
                changed, created = _fix(dest, unsafe)
                after = _replay(server, fixed_folder, transform, prelude)
                row[f"{label}_changed_files"] = changed
                row[f"{label}_new_files"] = len(history_files(fixed_folder)) - row["files"]
                row[f"{label}_total"] = len(history_files(fixed_folder))
                row[label] = after.applied
                row[f"{label}_error"] = (
                    None
                    if after.complete
                    else f"{os.path.relpath(after.failed, fixed_folder)}: {after.error}"
                )
            row["seconds"] = round(time.time() - started, 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
        if args.own or only == ["own"]:
            rows += _own_histories(server, tmp, [] if only == ["own"] else only)
    print()
    print("| history | migrations | original applies | after --fix | after --fix --unsafe-fixes |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['history']} | {r['files']} | {r['original']}/{r['files']} | "
            f"{r['safe']}/{r['safe_total']} ({r['safe_changed_files']} changed, {r['safe_new_files']} new) | "
            f"{r['unsafe']}/{r['unsafe_total']} ({r['unsafe_changed_files']} changed, {r['unsafe_new_files']} new) |"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0


OWN = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "histories"
)


def _own_files(root: str) -> list[str]:
    kind = code_runner(root)
    if kind == "django":
        return [f for files in django_migrations(root).values() for f in files]
    if kind == "alembic":
        return [f for _, f in alembic_chain(root)]
    return history_files(root)


def _own_replay(server, root: str):
    import psycopg

    forget()
    db = "o_" + uuid.uuid4().hex[:10]
    dsn = server.create_database(db)
    if code_runner(root):
        return replay_code_migrations(server, db, root)
    with psycopg.connect(dsn, autocommit=True) as conn:
        return replay_history(conn, root)


def _own_histories(server, tmp: str, only: list[str]) -> list[dict]:
    """The project's own histories (tests/histories/<runner>), measured like the corpus."""
    rows = []
    for runner in sorted(os.listdir(OWN)):
        src = os.path.join(OWN, runner)
        if not os.path.isdir(src) or (only and not any(o in runner for o in only)):
            continue
        started = time.time()
        row = {"history": f"tests/histories/{runner}"}
        base = os.path.join(tmp, "own", runner, "original")
        shutil.copytree(src, base)
        row["files"] = len(_own_files(base))
        before = _own_replay(server, base)
        row["original"] = before.applied
        row["original_error"] = None if before.complete else f"{before.failed}: {before.error}"
        for label, unsafe in (("safe", False), ("unsafe", True)):
            dest = os.path.join(tmp, "own", runner, label)
            shutil.copytree(src, dest)
            with open(os.path.join(dest, "backend-architect.toml"), "w") as fh:
                fh.write("[migration]\npending = 1000000\n")
            changed, _ = _fix(dest, unsafe)
            after = _own_replay(server, dest)
            total = len(_own_files(dest))
            row[f"{label}_changed_files"] = changed
            row[f"{label}_new_files"] = total - row["files"]
            row[f"{label}_total"] = total
            row[label] = after.applied
            row[f"{label}_error"] = None if after.complete else f"{after.failed}: {after.error}"
        row["seconds"] = round(time.time() - started, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


if __name__ == "__main__":
    sys.exit(main())
