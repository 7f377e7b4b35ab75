"""Check out the real-code corpus of `benchmarks/corpus.tsv` outside the project.

    python benchmarks/corpus.py [--mirrors DIR] [--into DIR] [--repo OWNER/NAME ...] [--force] [--git]

Each repository is written, at the commit pinned in ``corpus.tsv``, into
``<into>/<owner>+<name>/`` (``--into``, default ``$BA_CORPUS`` or
``~/.cache/backend-architect-corpus``) from a local git directory: the first of
``<mirrors>/<owner>+<name>/repo``, ``<mirrors>/<owner>+<name>`` and
``<mirrors>/<owner>+<name>.git`` that exists (``--mirrors``, default
``$BA_MIRRORS`` or ``~/.cache/backend-architect-mirrors``). Make one with
``git clone --bare https://github.com/<owner>/<name> <mirrors>/<owner>+<name>.git``.

Snapshots may lack some blobs (large files are often left out): those files
are skipped and counted, never fatal. Submodules become empty folders, as in a
fresh clone; symbolic links are written as links. A checkout that already
exists at the same commit is left alone (``--force`` rewrites it). Nothing is
ever written inside the project.

With ``--git`` each repository becomes a real git checkout, as a user's clone
is: ``git clone --shared --no-checkout`` of the mirror (objects are borrowed,
not copied), the pinned commit checked out on a ``main`` branch, and
``origin/main`` and ``origin/HEAD`` pointing at that same commit, so the
merge-base of ``HEAD`` with the default branch is the pinned commit and every
committed migration counts as history (see ``project/history.py``). Files
whose blobs the mirror lacks are left out of the work tree (``git status``
shows them deleted) and counted.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS_TSV = HERE / "corpus.tsv"
STAMP = ".corpus-commit"


def default_dir(env: str, fallback: str) -> Path:
    return Path(os.environ.get(env) or fallback).expanduser()


def find_mirror(mirrors: Path, name: str) -> Path | None:
    stem = name.replace("/", "+")
    for cand in (mirrors / stem / "repo", mirrors / stem, mirrors / f"{stem}.git"):
        if (
            cand.is_dir()
            and subprocess.run(
                ["git", "--git-dir", str(cand), "rev-parse", "--git-dir"], capture_output=True
            ).returncode
            == 0
        ):
            return cand
    return None


def has_commit(git_dir: Path, commit: str) -> bool:
    return (
        subprocess.run(
            ["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
            capture_output=True,
        ).returncode
        == 0
    )


def list_tree(git_dir: Path, commit: str) -> list[tuple[str, str, str, str]]:
    out = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", "--full-tree", commit],
        capture_output=True,
        check=True,
    ).stdout
    entries = []
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, path = rec.split(b"\t", 1)
        mode, kind, sha = meta.decode().split()
        entries.append((mode, kind, sha, path.decode("utf-8", "surrogateescape")))
    return entries


def safe_target(dest: Path, rel: str) -> Path:
    target = (dest / rel).resolve()
    if not target.is_relative_to(dest.resolve()):
        raise ValueError(f"path leaves the checkout: {rel!r}")
    return target


def materialise(git_dir: Path, commit: str, dest: Path) -> dict[str, int]:
    """Write the tree of ``commit`` into ``dest``; return counts of written/missing/skipped entries."""
    counts = {"files": 0, "links": 0, "submodules": 0, "missing": 0}
    entries = list_tree(git_dir, commit)
    blobs = [e for e in entries if e[1] == "blob"]
    for mode, kind, _sha, rel in entries:
        if kind == "commit":
            safe_target(dest, rel).mkdir(parents=True, exist_ok=True)
            counts["submodules"] += 1
    if not blobs:
        return counts
    proc = subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin and proc.stdout
    # One request, one answer: the pipes never fill.
    for mode, _kind, sha, rel in blobs:
        proc.stdin.write(f"{sha}\n".encode())
        proc.stdin.flush()
        header = proc.stdout.readline().decode().split()
        if len(header) == 2 and header[1] == "missing":
            counts["missing"] += 1
            continue
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)  # the newline after the contents
        target = (
            safe_target(dest, rel)
            if mode != "120000"
            else safe_target(dest, os.path.dirname(rel)) / os.path.basename(rel)
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            if target.is_symlink() or target.exists():
                target.unlink()
            os.symlink(os.fsdecode(data), target)
            counts["links"] += 1
            continue
        target.write_bytes(data)
        if mode == "100755":
            target.chmod(0o755)
        counts["files"] += 1
    proc.stdin.close()
    proc.wait()
    return counts


def git_checkout(git_dir: Path, commit: str, dest: Path) -> dict[str, int]:
    """Clone ``git_dir`` into ``dest`` with ``commit`` checked out as the default branch."""

    def git(*args: str, cwd: Path | None = dest) -> None:
        subprocess.run(
            ["git", *(["-C", str(cwd)] if cwd else []), *args], check=True, capture_output=True
        )

    git("clone", "-q", "--shared", "--no-checkout", str(git_dir), str(dest), cwd=None)
    git("checkout", "-q", "-B", "main", commit)
    git("update-ref", "refs/remotes/origin/main", commit)
    git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    # The stamp must not show up as an untracked change of the user's clone.
    with (dest / ".git" / "info" / "exclude").open("a", encoding="utf-8") as fh:
        fh.write(f"/{STAMP}\n")
    files = subprocess.run(
        ["git", "-C", str(dest), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.count(b"\0")
    # git checks out the rest when a blob is missing from the mirror and leaves that file
    # out of the work tree (it shows as deleted): count those, as the plain checkout does.
    missing = subprocess.run(
        ["git", "-C", str(dest), "ls-files", "--deleted", "-z"], capture_output=True, check=True
    ).stdout.count(b"\0")
    return {"files": files - missing, "links": 0, "submodules": 0, "missing": missing}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--mirrors",
        help="folder of local git mirrors (default $BA_MIRRORS or ~/.cache/backend-architect-mirrors)",
    )
    p.add_argument(
        "--into", help="corpus folder (default $BA_CORPUS or ~/.cache/backend-architect-corpus)"
    )
    p.add_argument("--repo", action="append", help="only this owner/name (repeatable)")
    p.add_argument(
        "--list",
        help="another list of repositories than corpus.tsv (e.g. benchmarks/holdout.tsv)",
    )
    p.add_argument("--force", action="store_true", help="rewrite checkouts that already exist")
    p.add_argument(
        "--git",
        action="store_true",
        help="make real git checkouts (clone of the mirror, pinned commit on main)",
    )
    args = p.parse_args(argv)
    listing = Path(args.list).resolve() if args.list else CORPUS_TSV
    mirrors = (
        Path(args.mirrors).expanduser()
        if args.mirrors
        else default_dir("BA_MIRRORS", "~/.cache/backend-architect-mirrors")
    )
    into = (
        Path(args.into).expanduser()
        if args.into
        else default_dir("BA_CORPUS", "~/.cache/backend-architect-corpus")
    )
    if into.resolve().is_relative_to(ROOT):
        print(f"refusing to write the corpus inside the project ({into})", file=sys.stderr)
        return 2
    with listing.open(newline="", encoding="utf-8") as fh:
        rows = [
            r for r in csv.DictReader(fh, delimiter="\t") if not args.repo or r["name"] in args.repo
        ]
    unknown = set(args.repo or ()) - {r["name"] for r in rows}
    for name in sorted(unknown):
        print(f"{name}: not in {listing.name}", file=sys.stderr)
    failed = len(unknown)
    for row in rows:
        name, commit = row["name"], row["commit"]
        dest = into / name.replace("/", "+")
        stamp = dest / STAMP
        is_git = (dest / ".git").is_dir()
        if (
            not args.force
            and stamp.exists()
            and stamp.read_text().strip() == commit
            and is_git == args.git
        ):
            print(f"{name}: already at {commit[:12]}")
            continue
        git_dir = find_mirror(mirrors, name)
        if git_dir is None or not has_commit(git_dir, commit):
            why = "no mirror" if git_dir is None else f"mirror {git_dir} lacks the commit"
            print(
                f"{name}: {why}; fetch https://github.com/{name} at {commit} into "
                f"{mirrors / (name.replace('/', '+') + '.git')} (git clone --bare)",
                file=sys.stderr,
            )
            failed += 1
            continue
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        try:
            if args.git:
                dest.rmdir()
                counts = git_checkout(git_dir, commit, dest)
            else:
                counts = materialise(git_dir, commit, dest)
        except (subprocess.CalledProcessError, ValueError, OSError) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            if isinstance(detail, bytes):
                detail = detail.decode(errors="replace")
            print(
                f"{name}: could not check out {commit}: {exc} {detail.strip()[-300:]}",
                file=sys.stderr,
            )
            failed += 1
            continue
        stamp.write_text(commit + "\n")
        note = (
            f", {counts['missing']} blobs missing from the mirror (skipped)"
            if counts["missing"]
            else ""
        )
        print(
            f"{name}: {counts['files']} files, {counts['links']} links, "
            f"{counts['submodules']} submodules at {commit[:12]}{note}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
