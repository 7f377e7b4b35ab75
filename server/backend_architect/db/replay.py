"""Replay a project's SQL migrations on a PostgreSQL database, the way their runner would.

The project model says which files are migrations, which folder a tool is pointed at, the
order, which way each file runs and whether the runner wraps it in a transaction. Only the
*up* direction is replayed: down files are skipped and the down section of a two-section
file (goose, dbmate, sql-migrate) is blanked out, keeping every line where it was so that
Postgres's error positions map back to the file.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field

from ..catalog.sources import order_key
from ..core.sql import _SPLIT_RE
from ..core.workspace import SKIP_DIRS
from ..project.model import ProjectModel, model as _default_model

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
    """The statements of a SQL text: ``;`` outside strings, quoted names, comments and
    dollar quotes ends one. Comment-only pieces are dropped."""
    pieces: list[Piece] = []
    start = 0
    for m in _SPLIT_RE.finditer(text):
        if m.group(0) == ";":
            _add(pieces, text, start, m.start())
            start = m.end()
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
        p = os.path.abspath(given)
        if os.path.isfile(p):
            info = m.file_info(p, settings, check_git=False)
            if info.migration_folder:
                p = info.migration_folder
            else:
                files.append(p)
                continue
        for dirpath, dirnames, filenames in os.walk(p):
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
