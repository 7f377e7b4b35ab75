import re

from backend_architect.core.findings import Severity
from backend_architect.core.registry import Rule
from backend_architect.core.sql import name_list, relation_name, walk


class DropTable(Rule):
    """
    ## What it does
    Flags `DROP TABLE` of a table not created in the same migration.

    Not flagged: a table the same file recreates (an install script's
    `DROP ... CREATE`), renames, or reads from to move its rows elsewhere
    (`INSERT ... SELECT`, `UPDATE ... FROM`, a `DO` block): that drop ends a
    change the same deploy already makes.

    ## Why is this bad?
    It takes an ACCESS EXCLUSIVE lock (queries queue behind it), breaks any
    running code that still uses the table, and deletes the data for good —
    with `CASCADE`, also every view and foreign key that depends on it.

    ## Example
    ```sql
    DROP TABLE legacy_sessions;
    ```

    ## Use instead
    Contract in steps: stop using the table in a deploy, rename it (or revoke
    access) and watch for errors, then drop it in a later migration — after a
    backup — with a `SET lock_timeout` first:
    ```sql
    -- a later migration, once nothing reads or writes the table
    SET lock_timeout = '5s';
    DROP TABLE legacy_events;
    ```

    Off by default: on 16 findings drawn at random from 25 public repositories
    (November 2026) none was worth raising — 7 were deliberate drops of retired
    tables, 9 were wrong (a schema moved by a function, a derived cache
    table); precision 0%. Whether code still uses a table is not visible from
    the migration. Select `MG012` to run it.
    """

    default_enabled = False
    code = "MG012"
    name = "drop-table"
    command = "MIGRATION"
    severity = Severity.WARNING
    message = (
        "DROP TABLE {table} takes an ACCESS EXCLUSIVE lock (blocking every read and write while queued), breaks "
        "running code that still uses it and deletes its data; stop using it in a deploy first, drop it later"
    )
    statement_kinds = ("DropStmt",)
    sql_scope = "migration"

    def check_statement(self, stmt, ctx):
        if stmt.node.get("removeType") != "OBJECT_TABLE":
            return
        names = []
        handled = _replaced_or_moved(ctx)
        for obj in stmt.node.get("objects", []):
            parts = name_list(obj.get("List", {}).get("items", []))
            if not parts or ctx.is_new_table(".".join(parts), stmt) or parts[-1].lower() in handled:
                continue
            names.append(".".join(parts))
        if names:
            head = stmt.find_sequence("DROP", "TABLE")
            s, e = (head[0].start, head[-1].end) if head else stmt.head_range()
            yield ctx.finding(self, stmt, s, e, table=", ".join(names))


def _replaced_or_moved(ctx) -> set[str]:
    """Tables this file deals with on purpose: recreated (an install script's
    DROP ... CREATE), renamed to or from, or read from to move their rows elsewhere
    (INSERT ... SELECT, UPDATE ... FROM, a DO block). Dropping them finishes a
    change the same deploy already makes; it is not a table code still uses."""
    key = "mg012_handled"
    cached = ctx.__dict__.get(key)
    if cached is not None:
        return cached
    out: set[str] = set()
    for stmt in ctx.statements:
        node = stmt.node
        if node is None:
            continue
        if stmt.kind == "CreateStmt":
            out.add((relation_name(node.get("relation")) or "").rsplit(".", 1)[-1].lower())
        elif stmt.kind == "RenameStmt" and node.get("renameType") == "OBJECT_TABLE":
            out.add((relation_name(node.get("relation")) or "").rsplit(".", 1)[-1].lower())
            out.add((node.get("newname") or "").lower())
        elif stmt.kind in (
            "InsertStmt",
            "UpdateStmt",
            "DeleteStmt",
            "SelectStmt",
            "CreateTableAsStmt",
        ):
            target = (relation_name(node.get("relation")) or "").rsplit(".", 1)[-1].lower()
            for kind, body in walk(node):
                if kind == "RangeVar" and body.get("relname"):
                    name = body["relname"].lower()
                    if name != target:
                        out.add(name)
        elif stmt.kind == "DoStmt":
            out.update(w.lower() for w in _WORD_RE.findall(stmt.text))
    out.discard("")
    ctx.__dict__[key] = out
    return out


_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
