from backend_architect.core.findings import Applicability, Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import quote_ident, relation_name, walk

from ._locks import alter_cmds, existing_table_cmds, relation_span
from ._runner import split_after_commit


class SetNotNull(Rule):
    """
    ## What it does
    Flags `ALTER TABLE ... ALTER COLUMN ... SET NOT NULL` on an existing table
    unless a validated `CHECK (column IS NOT NULL)` constraint precedes it.

    ## Why is this bad?
    `SET NOT NULL` scans the whole table to prove there is no NULL while it
    holds an ACCESS EXCLUSIVE lock: every read and write waits for the scan.
    Since PostgreSQL 12 the scan is skipped when a valid CHECK constraint
    already proves the column is never NULL — and that CHECK can be validated
    under a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on.

    ## Example
    ```sql
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
    ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
    ALTER TABLE users ALTER COLUMN email SET NOT NULL;  -- PG 12+: no scan
    ALTER TABLE users DROP CONSTRAINT users_email_not_null;
    ```
    Run the `VALIDATE` in its own transaction (the next migration when the
    tool wraps each file in one): inside the transaction that added the
    constraint it still waits behind the ACCESS EXCLUSIVE lock.
    Before PostgreSQL 12 `SET NOT NULL` always scans: keep the validated CHECK
    constraint instead of `NOT NULL`.
    """

    code = "MG006"
    name = "set-not-null"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "SET NOT NULL on {table}.{column} scans the whole table under an ACCESS EXCLUSIVE lock, blocking every "
        "read and write; {advice}"
    )
    fix_title = "enforce through CHECK (... IS NOT NULL) NOT VALID + VALIDATE first"
    fix_safety = Applicability.SAFE
    statement_kinds = ("AlterTableStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        table, cmds = existing_table_cmds(stmt, ctx)
        pg = ctx.settings.postgres_version
        for c, span in cmds:
            con = (
                (c.get("def") or {}).get("Constraint", {})
                if c.get("subtype") == "AT_AddConstraint"
                else {}
            )
            if con.get("contype") == "CONSTR_NOTNULL" and not con.get("skip_validation"):
                # PG 18: ADD CONSTRAINT name NOT NULL col -- the same scan; NOT VALID + VALIDATE avoids it
                keys = [k.get("String", {}).get("sval", "?") for k in con.get("keys", [])]
                yield ctx.finding(
                    self,
                    stmt,
                    span[0],
                    span[1],
                    table=table,
                    column=", ".join(keys) or "?",
                    advice="add it NOT VALID, then VALIDATE CONSTRAINT (PG 18+)",
                )
                continue
            if c.get("subtype") != "AT_SetNotNull":
                continue
            column = c.get("name", "?")
            if pg >= 12 and self._proven_not_null(stmt, ctx, table, column):
                continue
            if pg >= 12:
                advice = "add CHECK (... IS NOT NULL) NOT VALID and VALIDATE it first (PG 12+ then skips the scan)"
                fix = self._fix(stmt, ctx, table, column) if len(cmds) == 1 else None
            else:
                advice = (
                    f"before PG 12 SET NOT NULL always scans (postgres-version {pg}): "
                    "use a CHECK (... IS NOT NULL) NOT VALID constraint + VALIDATE instead"
                )
                fix = None
            yield ctx.finding(
                self, stmt, span[0], span[1], fix=fix, table=table, column=column, advice=advice
            )

    def _fix(self, stmt, ctx, table, column):
        short = table.rsplit(".", 1)[-1]
        con = quote_ident(f"{short}_{column}_not_null"[:63])
        rel = ctx.source(stmt, *relation_span(stmt))
        col = quote_ident(column)
        head = stmt.slice(0, relation_span(stmt)[0])  # ALTER TABLE [IF EXISTS] [ONLY]
        head = " ".join(head.split())
        keep = f"{head} {rel} ADD CONSTRAINT {con} CHECK ({col} IS NOT NULL) NOT VALID"
        later = (
            f"{head} {rel} VALIDATE CONSTRAINT {con};\n"
            f"{head} {rel} ALTER COLUMN {col} SET NOT NULL;\n"
            f"{head} {rel} DROP CONSTRAINT {con}"
        )
        return split_after_commit(
            self, stmt, ctx, keep, later, self.fix_title, slug=f"{short}_{column}_not_null"
        )

    @staticmethod
    def _proven_not_null(stmt, ctx, table, column) -> bool:
        """A CHECK (column IS NOT NULL) on this table, validated before ``stmt``."""
        short = table.lower().rsplit(".", 1)[-1]
        pending: dict[str, bool] = {}  # constraint name -> validated
        earlier = _schema_as_of(ctx)
        if earlier is not None:  # the project's schema as of this migration carries them over
            if hasattr(earlier, "not_valid_not_null"):  # a VALIDATE below proves these
                pending.update(dict.fromkeys(earlier.not_valid_not_null(table, column), False))
            pending.update(dict.fromkeys(earlier.proven_not_null(table, column), True))
            statements = ctx.statements[: stmt.index]
        else:
            statements = _earlier_statements(ctx) + ctx.statements[: stmt.index]
        for other in statements:
            if other.kind != "AlterTableStmt" or other.node is None:
                continue
            if (relation_name(other.node.get("relation")) or "").lower().rsplit(".", 1)[
                -1
            ] != short:
                continue
            for c in alter_cmds(other):
                if c.get("subtype") == "AT_AddConstraint":
                    con = (c.get("def") or {}).get("Constraint", {})
                    if con.get("contype") != "CONSTR_CHECK":
                        continue
                    for kind, node in walk({"x": con.get("raw_expr")}):
                        if kind == "NullTest" and node.get("nulltesttype") == "IS_NOT_NULL":
                            fields = ((node.get("arg") or {}).get("ColumnRef") or {}).get(
                                "fields", []
                            )
                            if fields and (fields[-1].get("String") or {}).get("sval") == column:
                                pending[(con.get("conname") or "").lower()] = not con.get(
                                    "skip_validation"
                                )
                elif (
                    c.get("subtype") == "AT_ValidateConstraint"
                    and (c.get("name") or "").lower() in pending
                ):
                    pending[c["name"].lower()] = True
                elif (
                    c.get("subtype") == "AT_DropConstraint"
                    and (c.get("name") or "").lower() in pending
                ):
                    pending.pop(c["name"].lower())
        return any(pending.values())


def _schema_as_of(ctx):
    """The schema as of this migration when the project's migrations built it (SQL files);
    None otherwise (no project schema, or an ORM migration the schema is not built from)."""
    import os

    schema = ctx.ctx.schema_before
    path = os.path.abspath(ctx.document.path) if ctx.document.path else ""
    if not hasattr(schema, "proven_not_null") or not path.lower().endswith(".sql"):
        return None
    return schema


_EARLIER: dict[tuple, list] = {}


def _earlier_statements(ctx) -> list:
    """The statements of the migrations that run before this one in its folder (up parts): a CHECK
    constraint added and validated there is still there (cached per folder and file times)."""
    import os

    from backend_architect.catalog.sources import order_key
    from backend_architect.core.regions import region_for_sql_document
    from backend_architect.core.sql import split_statements
    from backend_architect.db.replay import up_part
    from backend_architect.project.history import ordered_migrations, unit_of

    info = ctx.ctx.file
    path = ctx.document.path
    if path and path.endswith(".py") and ctx.region.kind != "file":
        return _earlier_code_statements(path)
    if not path or not info.is_migration or not info.migration_folder or ctx.region.kind != "file":
        return []
    path = os.path.abspath(path)
    mine = (order_key(unit_of(path)), unit_of(path))
    try:
        folder = os.path.abspath(info.migration_folder)
        files = [  # the folder's own migrations (not those of folders nested in it)
            f
            for f in ordered_migrations(folder)
            if (order_key(unit_of(f)), unit_of(f)) < mine
            and os.path.dirname(unit_of(os.path.abspath(f))) == folder
        ]
        key = (path, tuple((f, os.path.getmtime(f)) for f in files))
    except OSError:
        return []
    if key not in _EARLIER:
        out = []
        for f in files:
            try:
                with open(f, encoding="utf-8", errors="replace") as fh:
                    text = up_part(fh.read())
            except OSError:
                continue
            if "CONSTRAINT" not in text.upper():
                continue
            out += [
                st
                for st in split_statements(region_for_sql_document(text))
                if st.kind == "AlterTableStmt"
            ]
        if len(_EARLIER) > 256:
            _EARLIER.clear()
        _EARLIER[key] = out
    return _EARLIER[key]


def _earlier_code_statements(path: str) -> list:
    """The ALTER TABLE statements Django migrations or Alembic revisions of the same folder run
    before ``path`` (Django: name order; Alembic: the down_revision chain)."""
    import os
    from types import SimpleNamespace

    from backend_architect.core.document import Document
    from backend_architect.core.sql import split_statements
    from backend_architect.db.replay import alembic_chain
    from backend_architect.orm_migrations import orm_regions

    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".py") and n != "__init__.py")
    except OSError:
        return []
    chain = [f for _, f in alembic_chain(folder)] if os.path.basename(folder) == "versions" else []
    ordered = chain or [os.path.join(folder, n) for n in names]
    if path not in ordered:
        return []
    files = ordered[: ordered.index(path)]
    try:
        stamps = tuple((f, os.path.getmtime(f)) for f in files)
    except OSError:
        return []
    key = (path, stamps)
    if key not in _EARLIER:
        out = []
        for i, f in enumerate(files):
            # a file's operations are read once while it and the files before it are unchanged
            # (its AlterField reads the state they leave), not again for every later migration
            known = _CODE_FILE_ALTERS.get(f)
            if known is None or known[0] != stamps[: i + 1]:
                found: list = []
                try:
                    with open(f, encoding="utf-8", errors="replace") as fh:
                        text = fh.read()
                except OSError:
                    text = ""
                if "onstraint" in text or "CONSTRAINT" in text.upper():
                    doc = Document(text, path=f, language="python")
                    for region in orm_regions(SimpleNamespace(document=doc)):
                        found += [
                            st for st in split_statements(region) if st.kind == "AlterTableStmt"
                        ]
                if len(_CODE_FILE_ALTERS) > 4096:
                    _CODE_FILE_ALTERS.clear()
                known = _CODE_FILE_ALTERS[f] = (stamps[: i + 1], found)
            out += known[1]
        if len(_EARLIER) > 256:
            _EARLIER.clear()
        _EARLIER[key] = out
    return _EARLIER[key]


# migration file -> ((file, mtime) of it and the files before it, its ALTER TABLE statements)
_CODE_FILE_ALTERS: dict[str, tuple[tuple, list]] = {}
