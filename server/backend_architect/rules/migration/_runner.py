"""Fixes the migration's runner can run.

A statement that cannot run inside a transaction block (``CREATE INDEX CONCURRENTLY``, ``DROP
INDEX CONCURRENTLY``, ``REINDEX CONCURRENTLY``, ``ALTER TYPE ... ADD VALUE`` before PG 12) and a
``VALIDATE CONSTRAINT`` that must run after its ``NOT VALID`` committed are placed where the
runner runs them that way:

- a file not in a transaction: in place;
- inside the file's own ``BEGIN ... COMMIT``: after the ``COMMIT``;
- a file the runner wraps, holding nothing else that needs the transaction: the runner's opt-out
  (``-- +goose NO TRANSACTION``, dbmate ``transaction:false``, sqlx ``-- no-transaction``,
  diesel ``metadata.toml``, Flyway ``.conf``, sql-migrate ``notransaction``); golang-migrate
  and Prisma send a one-statement file as one statement, which is no transaction block;
- otherwise: a new migration right after this one, named by the folder's convention
  (:mod:`backend_architect.project.newfile`); pop, Liquibase and unknown runners that wrap
  files get no fix (pop has no opt-out).
"""

from __future__ import annotations

import os
import re

from backend_architect.core.findings import Applicability, Edit, NewFile
from backend_architect.project.newfile import plan_after

# runners that send a whole file as one query: any other statement makes it a transaction block
_BATCH = {"diesel", "dbmate", "sqlx", "golang-migrate", "prisma"}
_HARMLESS = {"VariableSetStmt", "IndexStmt", "ReindexStmt", "AlterEnumStmt"}
_TX_BEGIN = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_TX_END = {
    "TRANS_STMT_COMMIT",
    "TRANS_STMT_ROLLBACK",
    "TRANS_STMT_COMMIT_PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED",
}


def _apply_rel(stmt, rel_edits) -> str:
    data = stmt.data
    for s, e, text in sorted(rel_edits, key=lambda x: x[0], reverse=True):
        data = data[:s] + text.encode("utf-8", "surrogatepass") + data[e:]
    return data.decode("utf-8", "surrogatepass")


def _is_tx(stmt, kinds) -> bool:
    return stmt.kind == "TransactionStmt" and (stmt.node or {}).get("kind") in kinds


def _explicit_commit(stmt, ctx):
    """The COMMIT closing the file's own BEGIN around ``stmt`` (None: no explicit block)."""
    opened = False
    for other in ctx.statements[: stmt.index]:
        if _is_tx(other, _TX_BEGIN):
            opened = True
        elif _is_tx(other, _TX_END):
            opened = False
    if not opened:
        return None
    for other in ctx.statements[stmt.index + 1 :]:
        if _is_tx(other, _TX_END):
            return other if other.node.get("kind") in ("TRANS_STMT_COMMIT",) else None
        if _is_tx(other, _TX_BEGIN):
            return None
    return None


def _up_statements(ctx):
    from backend_architect.core.engine import _down_section_start

    end = _down_section_start(ctx.region, ctx.statements)
    return [s for s in ctx.statements[:end] if s.kind is not None]


def delete_statement(stmt, ctx) -> Edit:
    """Remove ``stmt`` with its ';' and the rest of its line."""
    region = stmt.region
    s = region.to_doc(stmt.start)
    e = region.to_doc(stmt.span_end, end=True)
    data = ctx.document.data
    while e < len(data) and data[e : e + 1] in (b" ", b"\t"):
        e += 1
    if data[e : e + 1] == b"\n":
        e += 1
    return Edit(s, e, "")


def _own_transaction(stmt, ctx) -> list[Edit]:
    """End the file's transaction before ``stmt`` and open a new one after it: the statement
    runs on its own, everything else keeps its order."""
    s = stmt.region.to_doc(stmt.start)
    e = stmt.region.to_doc(stmt.span_end, end=True)
    data = ctx.document.data
    nl = data.find(b"\n", e)
    if nl < 0:
        return [Edit(s, s, "COMMIT;\n"), Edit(len(data), len(data), "\nBEGIN;")]
    return [Edit(s, s, "COMMIT;\n"), Edit(nl + 1, nl + 1, "BEGIN;\n")]


def _opt_out(runner: str, ctx) -> tuple[list[Edit], list[NewFile]] | None:
    """The edits (or files) that make the runner run this file outside a transaction."""
    text = ctx.document.text
    path = os.path.abspath(ctx.document.path) if ctx.document.path else ""
    if runner in ("goose", "sqlx"):
        line = "-- +goose NO TRANSACTION\n" if runner == "goose" else "-- no-transaction\n"
        return [Edit(0, 0, line)], []
    if runner in ("dbmate", "sql-migrate"):
        marker = (
            r"^[ \t]*--[ \t]*migrate:up\b[^\n]*"
            if runner == "dbmate"
            else r"^[ \t]*--[ \t]*\+migrate[ \t]+Up\b[^\n]*"
        )
        m = re.search(marker, text, re.I | re.M)
        if m is None:
            return None
        at = len(text[: m.end()].encode("utf-8", "surrogatepass"))
        return [Edit(at, at, " transaction:false" if runner == "dbmate" else " notransaction")], []
    if runner == "diesel" and path:
        meta = os.path.join(os.path.dirname(path), "metadata.toml")
        if os.path.exists(meta):
            return None
        return [], [NewFile(meta, "run_in_transaction = false\n")]
    if runner == "flyway" and path:
        conf = path + ".conf"
        if os.path.exists(conf):
            return None
        return [], [NewFile(conf, "executeInTransaction=false\n")]
    if runner in ("golang-migrate", "prisma"):
        return [], []
    return None


def _alone(stmt, ctx, runner: str) -> bool:
    others = [s for s in _up_statements(ctx) if s.index != stmt.index]
    if runner in _BATCH:
        return not others
    return all(
        s.kind in _HARMLESS
        or (s.kind == "DropStmt" and (s.node or {}).get("removeType") == "OBJECT_INDEX")
        for s in others
    )


def _used_later(stmt, ctx, names, anywhere=()) -> bool:
    """Whether a later statement of the file's up part mentions one of ``names`` (a table, an
    index), or any other statement one of ``anywhere`` (an index dropped and built again in one
    file): moving ``stmt`` into a later migration would change their order."""
    later, both = _Mentions(names), _Mentions(anywhere)
    for s in _up_statements(ctx):
        if s.index == stmt.index:
            continue
        if s.index > stmt.index and later.found_in(s.text):
            return True
        if both.found_in(s.text):
            return True
    return False


class _Mentions:
    """Whether a text names one of ``names`` (at a word start, any case). The pattern is
    compiled only for a text that holds one of the names at all (a substring test)."""

    def __init__(self, names) -> None:
        # PostgreSQL cuts names to 63 bytes: a longer name and its cut spelling are one object
        self.short = {n.replace('"', "").lower().rsplit(".", 1)[-1][:63] for n in names if n}
        self.ascii = all(n.isascii() for n in self.short)
        self._pattern: re.Pattern[str] | None = None

    def found_in(self, text: str) -> bool:
        if not self.short:
            return False
        if self.ascii and text.isascii():  # (else case folding may match other spellings)
            low = text.lower()
            if not any(n in low for n in self.short):
                return False
        if self._pattern is None:
            self._pattern = re.compile(
                r"\b(?:" + "|".join(re.escape(n) for n in self.short) + r")", re.I
            )
        return self._pattern.search(text) is not None


def _names_of(stmt) -> list[str]:
    from backend_architect.core.sql import relation_name

    node = stmt.node or {}
    names = [relation_name(node.get("relation")), node.get("idxname")]
    for obj in node.get("objects", []) or []:
        items = (obj.get("List") or {}).get("items", [])
        names += [i.get("String", {}).get("sval") for i in items]
    return [n for n in names if n]


def _rank(stmt, ctx, kinds=None) -> int:
    """1 + the statement's place in its file: each statement moved out of one file gets its own version."""
    return 1 + stmt.index


def run_outside_transaction(
    rule, stmt, ctx, rel_edits, title: str, *, slug: str, down_sql: str = ""
):
    """A fix applying ``rel_edits`` (``(start, end, text)`` relative to ``stmt``) where the
    result runs outside a transaction block; None when the runner offers no way."""
    fixed = _apply_rel(stmt, rel_edits)
    edits = [ctx.edit(stmt, s, e, t) for s, e, t in rel_edits]
    if not stmt.in_transaction:
        return rule.fix(edits, title=title)
    if ctx.region.meta.get("nested"):
        return None  # a DO block or a function body: CONCURRENTLY can never run there
    info = ctx.ctx.file
    commit = _explicit_commit(stmt, ctx)
    # in a transaction the file did not open: the runner's (or its one multi-statement query)
    wrapped = (
        ctx.region.kind == "file"
        and info.is_migration
        and info.runner is not None
        and (bool(info.in_transaction) or commit is None)
    )
    opt_out = ctx.region.meta.get("opt_out")  # an ORM migration's own switch (Django atomic)
    if (
        not wrapped
        and opt_out
        and commit is None
        and all(s.index == stmt.index for s in _up_statements(ctx))
    ):
        extra, how, alone = opt_out
        return rule.fix(
            edits + list(extra),
            title=f"{title} ({how}" + (")" if alone else "; the other operations lose atomicity)"),
            safety=Applicability.SAFE if alone else Applicability.UNSAFE,
        )
    if not wrapped:
        if commit is not None and ctx.region.kind == "file":
            return rule.fix(
                edits + _own_transaction(stmt, ctx), title=f"{title}, between COMMIT and BEGIN"
            )
        return rule.fix(
            edits,
            title=f"{title} (then move it out of the transaction block)",
            safety=Applicability.UNSAFE,
        )
    runner = info.runner
    if commit is None and _alone(stmt, ctx, runner):
        opt = _opt_out(runner, ctx)
        if opt is not None:
            extra, files = opt
            how = {
                "golang-migrate": "the only statement of its file",
                "prisma": "the only statement of its migration",
            }.get(runner, f"{runner} runs this file outside a transaction")
            return rule.fix(edits + extra, title=f"{title} ({how})", new_files=files)
    node = stmt.node or {}
    index_names = (
        [node.get("idxname")]
        if stmt.kind == "IndexStmt"
        else [n for n in _names_of(stmt)]
        if stmt.kind == "DropStmt"
        else []
    )
    if _used_later(stmt, ctx, _names_of(stmt), index_names):
        return (
            None  # another statement of this file uses the table or index: it cannot move past them
        )
    planned = plan_after(
        os.path.abspath(ctx.document.path or "."),
        runner,
        slug,
        fixed,
        down_sql,
        step=_rank(stmt, ctx, (stmt.kind,)),
    )
    if planned is None:
        return None
    name = os.path.relpath(planned.name, os.path.dirname(ctx.document.path or "."))
    if planned.directly_after:
        return rule.fix(
            [delete_statement(stmt, ctx)],
            title=f"{title} in a new migration {name}",
            new_files=planned.files,
        )
    return rule.fix(
        [delete_statement(stmt, ctx)],
        title=f"{title} in a new migration {name} ({planned.order_note})",
        safety=Applicability.UNSAFE,
        new_files=planned.files,
    )


def split_after_commit(rule, stmt, ctx, keep_sql: str, later_sql: str, title: str, *, slug: str):
    """Replace ``stmt`` by ``keep_sql`` and run ``later_sql`` in a later transaction: right after
    in the same file (no transaction), after the file's COMMIT, or in a new migration."""
    keep_sql, later_sql = keep_sql.rstrip().rstrip(";"), later_sql.rstrip().rstrip(";")
    whole = ctx.edit(stmt, 0, len(stmt.data), keep_sql)
    info = ctx.ctx.file
    # a runner sending the file as one query runs the two parts in one (implicit) transaction
    one_query = ctx.region.kind == "file" and info.is_migration and info.runner in _BATCH
    if not stmt.in_transaction and not one_query:
        return rule.fix(
            [ctx.edit(stmt, 0, len(stmt.data), keep_sql + ";\n" + later_sql)], title=title
        )
    commit = _explicit_commit(stmt, ctx)
    wrapped = (
        ctx.region.kind == "file"
        and info.is_migration
        and info.runner is not None
        and (bool(info.in_transaction) or commit is None or one_query)
    )
    if not wrapped:
        if commit is not None and ctx.region.kind == "file":
            return rule.fix(
                [ctx.edit(stmt, 0, len(stmt.data), f"{keep_sql};\nCOMMIT;\nBEGIN;\n{later_sql}")],
                title=f"{title} (the second part in a transaction of its own)",
            )
        # an ORM's or a DO block's transaction: the second part has to be moved by hand
        return rule.fix(
            [ctx.edit(stmt, 0, len(stmt.data), keep_sql + ";\n" + later_sql)],
            title=f"{title} (then move the second part out of this transaction)",
            safety=Applicability.UNSAFE,
        )
    if _used_later(stmt, ctx, _names_of(stmt)):
        return None  # a later statement of this file uses the table: the second part cannot move after it
    planned = plan_after(
        os.path.abspath(ctx.document.path or "."),
        info.runner,
        slug,
        later_sql,
        "",
        step=_rank(stmt, ctx, ("AlterTableStmt",)),
    )
    if planned is None:
        return None
    name = os.path.relpath(planned.name, os.path.dirname(ctx.document.path or "."))
    safety = Applicability.SAFE if planned.directly_after else Applicability.UNSAFE
    note = f"; {planned.order_note}" if planned.order_note else ""
    return rule.fix(
        [whole],
        title=f"{title} (the second part in a new migration {name}{note})",
        safety=safety,
        new_files=planned.files,
    )
