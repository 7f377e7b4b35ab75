"""Apply SQL migrations on a scratch PostgreSQL the way their runner sends them (fixture and history proofs).

Three ways a runner sends a file: each statement on its own (psql, goose with ``NO TRANSACTION``,
a file's own ``BEGIN``/``COMMIT`` honoured), the whole file inside one transaction (diesel,
goose, dbmate, Flyway, ...), or the whole file as one multi-statement query (golang-migrate,
Prisma: an implicit transaction block). Only the up part of a file with up and down sections
runs. Templated statements (``{{ ... }}``) and psql meta-commands cannot run and are skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

STATEMENTS = "statements"  # each statement on its own (autocommit)
TRANSACTION = "transaction"  # BEGIN; the file; COMMIT
IMPLICIT = "implicit"  # the file as one query

_TEMPLATE = re.compile(r"\{\{|\{%|\{#")


@dataclass
class Applied:
    ok: bool = True
    ran: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (statement, error)
    skipped: int = 0

    @property
    def first_error(self) -> str | None:
        return self.errors[0][1] if self.errors else None


def up_part(text: str) -> str:
    from ..core.regions import DOWN_MARKER_RE

    m = DOWN_MARKER_RE.search(text)
    return text[: m.start()] if m else text


def statements(text: str) -> list[str]:
    """The file's statements as written (without the terminating ';'), templated ones left out."""
    from ..core.regions import region_for_sql_document
    from ..core.sql import split_statements

    data = text.encode("utf-8", "surrogatepass")
    region = region_for_sql_document(text)
    out = []
    for stmt in split_statements(region):
        s, e = stmt.doc_range()
        sql = data[s:e].decode("utf-8", "surrogatepass").strip()
        if sql:
            out.append(sql)
    return out


def runnable(sql: str) -> bool:
    return not (_TEMPLATE.search(sql) or sql.lstrip().startswith("\\"))


def mode_for(in_transaction: bool | None, runner: str | None) -> str:
    if runner in ("golang-migrate", "prisma"):
        return IMPLICIT if in_transaction else STATEMENTS
    return TRANSACTION if in_transaction else STATEMENTS


def apply_sql(conn, text: str, mode: str = STATEMENTS) -> Applied:
    """Run ``text`` (its up part) on ``conn`` (an autocommit psycopg connection)."""
    import psycopg

    result = Applied()
    stmts = statements(up_part(text))
    keep = [s for s in stmts if runnable(s)]
    result.skipped = len(stmts) - len(keep)
    if mode == IMPLICIT:
        if not keep:
            return result
        try:
            conn.execute(";\n".join(keep).encode())  # bytes: no parameters, one simple query
            result.ran = len(keep)
        except psycopg.Error as exc:
            result.ok = False
            result.errors.append(("<file>", _msg(exc)))
        return result
    if mode == TRANSACTION:
        conn.execute("BEGIN")
    for sql in keep:
        try:
            conn.execute(sql.encode())
            result.ran += 1
        except psycopg.Error as exc:
            result.ok = False
            result.errors.append((sql, _msg(exc)))
            if mode == TRANSACTION:
                break
    if mode == TRANSACTION:
        conn.execute("ROLLBACK" if not result.ok else "COMMIT")
    # a file's own BEGIN left open by a failure: end it the way psql's end of input would
    elif conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.execute("ROLLBACK")
    return result


def _msg(exc) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def schema_dump(server, dbname: str) -> str:
    """``pg_dump --schema-only`` of ``dbname``, normalised: no comments, no SET lines, no blank lines."""
    exe = os.path.join(str(server.bin_dir), "pg_dump")
    out = subprocess.run(
        [
            exe,
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "-h",
            "127.0.0.1",
            "-p",
            str(server.port),
            "-U",
            "postgres",
            dbname,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # the return code is read below, with the output
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return normalise_dump(out.stdout)


def normalise_dump(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if (
            not line.strip()
            or line.startswith("--")
            or line.startswith("SET ")
            or line.startswith("SELECT pg_catalog.set_config")
            or line.startswith("\\")
        ):
            continue
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


@dataclass
class Replay:
    files: list[str] = field(default_factory=list)  # the migrations, in order
    applied: int = 0  # how many applied before the first failure (a runner stops there)
    failed: str | None = None  # the file that failed
    error: str | None = None
    skipped_statements: int = 0

    @property
    def complete(self) -> bool:
        return self.failed is None


def history_files(folder: str) -> list[str]:
    """The up migrations under ``folder`` in the order their runner applies them."""
    from ..catalog.sources import is_down, order_key

    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            low = name.lower()
            if not low.endswith(".sql") or is_down(name):
                continue
            found.append(os.path.join(dirpath, name))
    return sorted(found, key=lambda p: (order_key(p), p))


def replay_history(conn, folder: str, files: list[str] | None = None, transform=None) -> Replay:
    """Apply every migration under ``folder`` in order on ``conn``, each the way its runner runs
    it (the project model's runner and transaction per file); stop at the first failure.
    ``transform(text)``: what the runner does to a file first (e.g. render a template)."""
    from ..project.model import model

    out = Replay(files=files if files is not None else history_files(folder))
    m = model()
    for path in out.files:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError as exc:
            out.failed, out.error = path, str(exc)
            break
        info = m.file_info(path, check_git=False)
        done = apply_sql(
            conn, transform(text) if transform else text, mode_for(info.in_transaction, info.runner)
        )
        out.skipped_statements += done.skipped
        if not done.ok:
            out.failed, out.error = path, done.first_error
            break
        out.applied += 1
    return out
