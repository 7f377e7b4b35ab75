"""Replay a project's SQL migrations on a PostgreSQL database, the way their runner would.

The project model says which files are migrations, which folder a tool is pointed at, the
order, which way each file runs and whether the runner wraps it in a transaction. Only the
*up* direction is replayed: down files are skipped and the down section of a two-section
file (goose, dbmate, sql-migrate) is blanked out, keeping every line where it was so that
Postgres's error positions map back to the file.

The same module runs the rule fixtures and whole migration histories the way psql or their
runner sends them (``apply_sql``, ``replay_history``), for the tests that prove fixes apply.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from dataclasses import dataclass, field

from ..catalog.sources import order_key
from ..core.sql import statement_ends
from ..core.workspace import SKIP_DIRS
from ..project.model import ProjectModel
from ..project.model import model as _default_model

# the marker that opens the down section, per two-section format
_DOWN_MARK = re.compile(
    r"^[ \t]*--[ \t]*(?:\+goose[ \t]+Down|migrate:down|\+migrate[ \t]+Down)\b[^\n]*$", re.I | re.M
)
_UP_MARK = re.compile(
    r"^[ \t]*--[ \t]*(?:\+goose[ \t]+Up|migrate:up|\+migrate[ \t]+Up)\b[^\n]*$", re.I | re.M
)
_TX_CONTROL = re.compile(
    r"^\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK)\b\s*(?:TRANSACTION|WORK)?\s*$", re.I
)


@dataclass(frozen=True)
class Piece:
    """One statement of a migration file: character offsets in the file, without the ';'."""

    start: int
    end: int
    text: str

    @property
    def is_transaction_control(self) -> bool:
        return bool(_TX_CONTROL.match(self.text))


@dataclass
class MigrationFile:
    path: str
    folder: str
    runner: str | None
    in_transaction: bool | None  # None: the runner is not known (each statement on its own)
    text: str  # the up part (down sections blanked out, lines kept)
    pieces: list[Piece] = field(default_factory=list)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, col


@dataclass
class MigrationFolder:
    path: str
    runner: str | None
    files: list[MigrationFile]


@dataclass
class ReplayError:
    """A migration Postgres refused: where and why."""

    path: str
    line: int
    column: int
    message: str
    sqlstate: str | None = None
    statement: str = ""
    not_applied: list[str] = field(default_factory=list)  # later files of the folder, never run

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "sqlstate": self.sqlstate,
            "statement": self.statement,
            "not_applied": self.not_applied,
        }


def up_text(text: str) -> str:
    """``text`` with every down section replaced by blank lines (offsets of the up part kept)."""
    out = []
    pos = 0
    while True:
        down = _DOWN_MARK.search(text, pos)
        if down is None:
            out.append(text[pos:])
            break
        out.append(text[pos : down.start()])
        up = _UP_MARK.search(text, down.end())
        stop = up.start() if up else len(text)
        out.append(re.sub(r"[^\n]", " ", text[down.start() : stop]))
        pos = stop
    return "".join(out)


def split_sql(text: str) -> list[Piece]:
    """The statements of a SQL text: ``;`` outside strings, quoted names, comments, dollar
    quotes and a routine's ``BEGIN ATOMIC ... END`` body ends one. Comment-only pieces are
    dropped."""
    pieces: list[Piece] = []
    start = 0
    for semi_start, semi_end in statement_ends(text):
        _add(pieces, text, start, semi_start)
        start = semi_end
    _add(pieces, text, start, len(text))
    return pieces


_LEADING = re.compile(r"(?:\s+|--[^\n]*|/\*(?:.|\n)*?\*/)*")


def _add(pieces: list[Piece], text: str, start: int, end: int) -> None:
    lead = _LEADING.match(text, start, end)
    s = lead.end() if lead else start
    body = text[s:end].rstrip()
    if body and not _LEADING.fullmatch(body):
        pieces.append(Piece(s, s + len(body), body))


def discover(
    paths: list[str], settings=None, m: ProjectModel | None = None
) -> list[MigrationFolder]:
    """The PostgreSQL migration folders under ``paths`` (a file names its own folder), each
    with its up files in the runner's order."""
    m = m or _default_model()
    files: list[str] = []
    for given in paths:
        top = os.path.abspath(given)
        if os.path.isfile(top):
            info = m.file_info(top, settings, check_git=False)
            if info.migration_folder:
                top = info.migration_folder
            else:
                files.append(top)
                continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(
                d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")
            )
            files += [os.path.join(dirpath, n) for n in filenames if n.lower().endswith(".sql")]
    folders: dict[str, MigrationFolder] = {}
    seen = set()
    for path in files:
        if path in seen:
            continue
        seen.add(path)
        info = m.file_info(path, settings, check_git=False)
        if not info.is_migration or info.direction == "down" or not info.may_be(("postgres",)):
            continue
        if (
            info.not_own is not None
            and not info.explicit
            and info.not_own.kind not in ("generated",)
        ):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                raw = fh.read()
        except OSError:
            continue
        text = up_text(raw) if info.direction == "up+down" else raw
        folder = info.migration_folder or os.path.dirname(path)
        if "${" in text:  # the runner's placeholders (Flyway), substituted as it does (lines kept)
            from ..project.runner import placeholders, render_placeholders

            values = placeholders(m.runner(folder), folder, m.root_of(folder))
            text = render_placeholders(text, values)
        mf = MigrationFile(path, folder, info.runner, info.in_transaction, text, split_sql(text))
        folders.setdefault(folder, MigrationFolder(folder, info.runner, [])).files.append(mf)
    out = []
    for folder in sorted(folders):
        f = folders[folder]
        f.files.sort(key=lambda mf: order_key(mf.path))
        out.append(f)
    return out


def error_position(mf: MigrationFile, piece_start: int, exc) -> tuple[int, int]:
    """(line, column) in the file of a Postgres error raised by the statement starting at
    ``piece_start``: the error's position within the statement when Postgres gives one."""
    diag = getattr(exc, "diag", None)
    pos = getattr(diag, "statement_position", None) if diag is not None else None
    offset = piece_start
    if pos:
        with contextlib.suppress(ValueError):
            offset = piece_start + int(pos) - 1
    return mf.position(offset)


def error_message(exc) -> str:
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = str(exc).strip()
    msg = primary or (text.splitlines()[0] if text else type(exc).__name__)
    detail = getattr(diag, "message_detail", None) if diag is not None else None
    hint = getattr(diag, "message_hint", None) if diag is not None else None
    return msg + (f" ({detail})" if detail else "") + (f"; hint: {hint}" if hint else "")


def apply_file(conn, mf: MigrationFile, *, statement_hook=None) -> ReplayError | None:
    """Run one migration file on ``conn`` (autocommit) with its runner's transaction semantics.

    ``statement_hook(piece)``: called before each statement (tracing uses it). Returns the
    error Postgres raised, placed at the right line, or None."""
    import psycopg

    wrap = mf.in_transaction is True
    current: Piece | None = None
    try:
        if wrap:
            conn.execute("BEGIN")
        for piece in mf.pieces:
            current = piece
            if wrap and piece.is_transaction_control:
                continue  # the runner's transaction already holds the file; a nested BEGIN only warns
            if statement_hook is not None:
                statement_hook(piece)
            conn.execute(piece.text)
        if wrap:
            conn.execute("COMMIT")
    except psycopg.Error as exc:
        with contextlib.suppress(psycopg.Error):
            conn.execute("ROLLBACK")
        start = current.start if current is not None else 0
        line, col = error_position(mf, start, exc)
        return ReplayError(
            mf.path,
            line,
            col,
            error_message(exc),
            getattr(getattr(exc, "diag", None), "sqlstate", None),
            current.text if current is not None else "",
        )
    finally:
        if (
            not wrap and conn.info.transaction_status != 0
        ):  # a file that opened a transaction and failed
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
    return None


def replay(conn, files: list[MigrationFile], *, on_file=None) -> ReplayError | None:
    """Apply ``files`` in order on ``conn`` (autocommit); stops at the first that fails, as a
    migration tool does. ``on_file(mf)``: called before each file."""
    for i, mf in enumerate(files):
        if on_file is not None:
            on_file(mf)
        err = apply_file(conn, mf)
        if err is not None:
            err.not_applied = [f.path for f in files[i + 1 :]]
            return err
    return None


# -- a SQL text as psql or a runner sends it (the fixture and history proofs) ---------------------
#
# Three ways a runner sends a file: each statement on its own (psql, goose with ``NO TRANSACTION``,
# a file's own ``BEGIN``/``COMMIT`` honoured), the whole file inside one transaction (diesel,
# goose, dbmate, Flyway, ...), or the whole file as one multi-statement query (golang-migrate,
# Prisma: an implicit transaction block). Only the up part of a file with up and down sections
# runs. Templated statements (``{{ ... }}``) and psql meta-commands cannot run and are skipped.

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
        check=False,
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


def history_files(folder: str, dirs: list | None = None) -> list[str]:
    """The up migrations under ``folder`` in the order their runner applies them; ``dirs``
    collects (folder walked, its modification time)."""
    from ..catalog.sources import is_down, order_key

    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        if dirs is not None:
            dirs.append((dirpath, os.stat(dirpath).st_mtime_ns))
        for name in filenames:
            low = name.lower()
            if not low.endswith(".sql") or is_down(name):
                continue
            found.append(os.path.join(dirpath, name))
    return sorted(found, key=lambda p: (order_key(p), p))


def replay_history(conn, folder: str, files: list[str] | None = None, transform=None) -> Replay:
    """Apply every migration under ``folder`` in order on ``conn``, each the way its runner runs
    it (the project model's runner and transaction per file); stop at the first failure.
    ``transform(text)``: what the runner does to a file first (e.g. render a template); by
    default the runner's own placeholders (Flyway's ``${name}``) are substituted."""
    from ..project.model import model
    from ..project.runner import placeholders, render_placeholders

    out = Replay(files=files if files is not None else history_files(folder))
    m = model()
    if transform is None:
        values: dict[str, dict[str, str]] = {}

        def transform(text: str, path: str = "") -> str:
            unit = os.path.dirname(path)
            if unit not in values:
                values[unit] = placeholders(m.runner(unit), unit, m.root_of(unit))
            return render_placeholders(text, values[unit])

    else:
        given = transform

        def transform(text: str, path: str = "") -> str:
            return given(text)

    for path in out.files:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError as exc:
            out.failed, out.error = path, str(exc)
            break
        info = m.file_info(path, check_git=False)
        done = apply_sql(conn, transform(text, path), mode_for(info.in_transaction, info.runner))
        out.skipped_statements += done.skipped
        if not done.ok:
            out.failed, out.error = path, done.first_error
            break
        out.applied += 1
    return out


# -- code migrations: run by the project's own tool ------------------------------------------

_DJANGO_NAME = re.compile(r"^\d{4}_\w+\.py$")
_ALEMBIC_REV = re.compile(r"^revision\s*(?::\s*[\w\[\], |]+)?=\s*['\"]([^'\"]+)['\"]", re.M)
_ALEMBIC_DOWN = re.compile(
    r"^down_revision\s*(?::\s*[\w\[\], |]+)?=\s*(None|['\"]([^'\"]+)['\"])", re.M
)


def code_runner(root: str) -> str | None:
    """``django`` (a ``manage.py``), ``alembic`` (an ``alembic.ini``) or None (SQL files)."""
    if os.path.isfile(os.path.join(root, "manage.py")):
        return "django"
    if os.path.isfile(os.path.join(root, "alembic.ini")):
        return "alembic"
    return None


def django_migrations(root: str) -> dict[str, list[str]]:
    """{app label: its migration files in name order} of the Django project at ``root``."""
    out: dict[str, list[str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        if os.path.basename(dirpath) != "migrations":
            continue
        names = sorted(n for n in filenames if _DJANGO_NAME.match(n))
        if names:
            app = os.path.basename(os.path.dirname(dirpath))
            out[app] = [os.path.join(dirpath, n) for n in names]
    return out


def alembic_chain(root: str) -> list[tuple[str, str]]:
    """[(revision, file)] of the Alembic project at ``root`` from the base revision to the head
    (one line of ``down_revision`` links; a branch point follows its first child)."""
    revs: dict[str, tuple[str | None, str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith((".", "__"))]
        if os.path.basename(dirpath) != "versions":
            continue
        for n in sorted(filenames):
            if not n.endswith(".py"):
                continue
            path = os.path.join(dirpath, n)
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            rev, down = _ALEMBIC_REV.search(text), _ALEMBIC_DOWN.search(text)
            if rev:
                revs[rev.group(1)] = (down.group(2) if down else None, path)
    children: dict[str | None, list[str]] = {}
    for revision, (parent, _) in sorted(revs.items(), key=lambda kv: kv[1][1]):
        children.setdefault(parent, []).append(revision)
    chain, current = [], None
    while children.get(current):
        current = children[current][0]
        chain.append((current, revs[current][1]))
    return chain


def replay_code_migrations(server, dbname: str, root: str, timeout: int = 600) -> Replay:
    """Apply the Django or Alembic project at ``root`` to database ``dbname`` of ``server`` with
    the project's own tool (``manage.py migrate``; ``alembic upgrade head``), which runs each
    migration the way it always does (Django: one transaction per migration unless ``atomic =
    False``; Alembic: as ``env.py`` configures it, ``autocommit_block()`` honoured). The
    database is passed in the environment: ``PGHOST``/``PGPORT``/``PGUSER``/``PGDATABASE`` and
    ``DATABASE_URL`` (a SQLAlchemy URL for psycopg). Counts the migrations recorded as applied."""
    import sys

    import psycopg

    kind = code_runner(root)
    env = dict(
        os.environ,
        PGHOST="127.0.0.1",
        PGPORT=str(server.port),
        PGUSER="postgres",
        PGDATABASE=dbname,
        DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{server.port}/{dbname}",
        PYTHONPATH=root,
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)  # manage.py names the project's own settings
    if kind == "django":
        apps = django_migrations(root)
        files = [f for app in sorted(apps) for f in apps[app]]
        argv = [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"]
    elif kind == "alembic":
        chain = alembic_chain(root)
        files = [f for _, f in chain]
        argv = [sys.executable, "-m", "alembic", "upgrade", "head"]
    else:
        raise ValueError(
            f"{root}: neither a Django project (manage.py) nor an Alembic one (alembic.ini)"
        )
    out = Replay(files=files)
    done = subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    with psycopg.connect(server.dsn(dbname), autocommit=True) as conn:
        if kind == "django":
            try:
                rows = conn.execute("SELECT app, name FROM django_migrations").fetchall()
            except psycopg.Error:
                rows = []
            applied = {(a, n) for a, n in rows}
            out.applied = sum(
                1
                for f in files
                if (os.path.basename(os.path.dirname(os.path.dirname(f))), os.path.basename(f)[:-3])
                in applied
            )
        else:
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            except psycopg.Error:
                row = None
            revs = [r for r, _ in chain]
            out.applied = revs.index(row[0]) + 1 if row and row[0] in revs else 0
    if done.returncode != 0 or out.applied < len(files):
        out.failed = files[out.applied] if out.applied < len(files) else root
        lines = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()]
        out.error = lines[-1] if lines else f"exit status {done.returncode}"
    return out
