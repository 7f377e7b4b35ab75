"""What a migration statement locks, and where its parts are (shared by the MIGRATION rules).

Not a rule module: it defines no Rule, so the registry ignores it.
"""

from __future__ import annotations

from backend_architect.core.sql import Statement, name_list, relation_name

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"

BLOCKS = {
    ACCESS_EXCLUSIVE: "every read and write",
    SHARE: "every write (INSERT, UPDATE, DELETE)",
    SHARE_ROW_EXCLUSIVE: "every write (INSERT, UPDATE, DELETE)",
    SHARE_UPDATE_EXCLUSIVE: "other schema changes and VACUUM, not reads or writes",
}

# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE
_ALTER_LOCKS = {
    "AT_ValidateConstraint": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetStatistics": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_SetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ResetRelOptions": SHARE_UPDATE_EXCLUSIVE,
    "AT_ClusterOn": SHARE_UPDATE_EXCLUSIVE,
    "AT_DropCluster": SHARE_UPDATE_EXCLUSIVE,
    "AT_AttachPartition": SHARE_UPDATE_EXCLUSIVE,
    "AT_DetachPartitionFinalize": SHARE_UPDATE_EXCLUSIVE,
    "AT_EnableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigAll": SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigUser": SHARE_ROW_EXCLUSIVE,
    "AT_ChangeOwner": ACCESS_EXCLUSIVE,
}

_CMD_START = {
    "ADD_P",
    "ALTER",
    "DROP",
    "VALIDATE",
    "RENAME",
    "SET",
    "ENABLE_P",
    "DISABLE_P",
    "OWNER",
    "ATTACH",
    "DETACH",
    "CLUSTER",
    "INHERIT",
    "NO",
    "REPLICA",
    "RESET",
    "OF",
    "NOT",
    "FORCE",
    "ENABLE",
    "DISABLE",
}

_STRONGER = [SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, ACCESS_EXCLUSIVE]


def alter_cmds(stmt: Statement) -> list[dict]:
    if stmt.kind != "AlterTableStmt" or not stmt.node:
        return []
    return [c.get("AlterTableCmd", {}) for c in stmt.node.get("cmds", [])]


def relation_span(stmt: Statement) -> tuple[int, int]:
    """Statement-relative span of the ALTER TABLE's table name (as the user wrote it)."""
    rel = stmt.node.get("relation", {}) if stmt.node else {}
    start = rel.get("location", 0)
    end = start
    for tok in stmt.tokens:
        if tok.start < start:
            continue
        if tok.name in _CMD_START:
            break
        end = tok.end
    return start, end


def existing_table_cmds(
    stmt: Statement, ctx
) -> tuple[str | None, list[tuple[dict, tuple[int, int]]]]:
    """(table, [(subcommand, its span)]) of an ALTER TABLE on a table that existed
    before this migration; (table, []) when the table is new (created earlier in it)."""
    from backend_architect.core.sql import relation_name

    table = relation_name((stmt.node or {}).get("relation"))
    if ctx.is_new_table(table, stmt):
        return table, []
    return table, list(zip(alter_cmds(stmt), cmd_spans(stmt), strict=False))


def cmd_spans(stmt: Statement) -> list[tuple[int, int]]:
    """Statement-relative span of each ALTER TABLE subcommand (aligned with ``alter_cmds``)."""
    cmds = alter_cmds(stmt)
    _, rel_end = relation_span(stmt)
    spans: list[tuple[int, int]] = []
    depth = 0
    start = None
    last = None
    for tok in stmt.tokens:
        if tok.start < rel_end:
            continue
        if start is None:
            start = tok.start
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            depth -= 1
        elif tok.name == "ASCII_44" and depth == 0:
            spans.append((start, last or tok.start))
            start = None
            continue
        last = tok.end
    if start is not None:
        spans.append((start, last or len(stmt.data)))
    if len(spans) != len(cmds):
        return [(0, len(stmt.data))] * len(cmds)
    return spans


def stronger(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if _STRONGER.index(a) >= _STRONGER.index(b) else b


# the statement kinds that take a lock reported here: any other statement's tree is not even decoded
LOCK_KINDS = frozenset(
    {
        "AlterTableStmt",
        "CreateStmt",
        "RenameStmt",
        "DropStmt",
        "ViewStmt",
        "TruncateStmt",
        "IndexStmt",
        "VacuumStmt",
        "ClusterStmt",
        "ReindexStmt",
        "LockStmt",
        "CreateTrigStmt",
    }
)


def statement_locks(stmt: Statement) -> list[tuple[str, str]]:
    """(table, lock) pairs a statement takes on existing relations (strongest per table)."""
    if stmt.kind not in LOCK_KINDS:
        return []
    node = stmt.node
    if node is None:
        return []
    kind = stmt.kind
    out: list[tuple[str, str]] = []
    if kind == "AlterTableStmt":
        if node.get("objtype") not in (None, "OBJECT_TABLE", "OBJECT_MATVIEW"):
            return []
        table = relation_name(node.get("relation"))
        lock = None
        for c in alter_cmds(stmt):
            sub = c.get("subtype")
            if sub == "AT_AddConstraint":
                con = (c.get("def") or {}).get("Constraint", {})
                sub_lock = (
                    SHARE_ROW_EXCLUSIVE
                    if con.get("contype") == "CONSTR_FOREIGN"
                    else ACCESS_EXCLUSIVE
                )
            elif sub == "AT_DetachPartition" and c.get("def", {}).get("PartitionCmd", {}).get(
                "concurrent"
            ):
                sub_lock = SHARE_UPDATE_EXCLUSIVE
            else:
                sub_lock = _ALTER_LOCKS.get(sub or "", ACCESS_EXCLUSIVE)
            lock = stronger(lock, sub_lock)
        if table and lock:
            out.append((table, lock))
        for c in alter_cmds(stmt):  # a foreign key also locks the table it references
            con = (
                (c.get("def") or {}).get("Constraint", {})
                if c.get("subtype") == "AT_AddConstraint"
                else {}
            )
            if con.get("contype") == "CONSTR_FOREIGN" and (
                referenced := relation_name(con.get("pktable"))
            ):
                out.append((referenced, SHARE_ROW_EXCLUSIVE))
    elif kind == "CreateStmt":
        # CREATE TABLE ... REFERENCES existing_table locks the referenced table against writes
        for _, con in _constraints_of_create(node):
            if con.get("contype") == "CONSTR_FOREIGN" and (
                referenced := relation_name(con.get("pktable"))
            ):
                out.append((referenced, SHARE_ROW_EXCLUSIVE))
    elif kind == "RenameStmt":
        if node.get("renameType") in (
            "OBJECT_TABLE",
            "OBJECT_COLUMN",
            "OBJECT_TABCONSTRAINT",
            "OBJECT_VIEW",
            "OBJECT_MATVIEW",
            "OBJECT_INDEX",
        ):
            table = relation_name(node.get("relation"))
            if table:
                lock = (
                    SHARE_UPDATE_EXCLUSIVE
                    if node.get("renameType") == "OBJECT_INDEX"
                    else ACCESS_EXCLUSIVE
                )
                out.append((table, lock))
    elif kind == "DropStmt" and node.get("removeType") == "OBJECT_TRIGGER":
        for obj in node.get("objects", []):
            names = name_list(obj.get("List", {}).get("items", []))
            if len(names) > 1:  # [schema.]table.trigger
                out.append((".".join(names[:-1]), ACCESS_EXCLUSIVE))
    elif (
        kind == "DropStmt"
        and node.get("removeType") == "OBJECT_SCHEMA"
        and node.get("behavior") == "DROP_CASCADE"
    ):
        for obj in node.get("objects", []):
            name = (obj.get("String") or {}).get("sval")
            if name:  # every table in the schema goes, each under ACCESS EXCLUSIVE
                out.append((f"every table of schema {name}", ACCESS_EXCLUSIVE))
    elif kind == "ViewStmt" and node.get("replace"):
        name = relation_name(node.get("view"))
        if name:  # CREATE OR REPLACE VIEW locks the existing view
            out.append((name, ACCESS_EXCLUSIVE))
    elif kind == "DropStmt" and node.get("removeType") in (
        "OBJECT_TABLE",
        "OBJECT_MATVIEW",
        "OBJECT_VIEW",
    ):
        for obj in node.get("objects", []):
            names = name_list(obj.get("List", {}).get("items", []))
            if names:
                out.append((".".join(names), ACCESS_EXCLUSIVE))
    elif (
        kind == "DropStmt"
        and node.get("removeType") == "OBJECT_INDEX"
        and not node.get("concurrent")
    ):
        for obj in node.get("objects", []):
            names = name_list(obj.get("List", {}).get("items", []))
            if names:
                out.append(("index " + ".".join(names), ACCESS_EXCLUSIVE))
    elif kind == "TruncateStmt":
        for rel in node.get("relations", []):
            name = relation_name(rel)
            if name:
                out.append((name, ACCESS_EXCLUSIVE))
    elif kind == "IndexStmt" and not node.get("concurrent"):
        table = relation_name(node.get("relation"))
        if table:
            out.append((table, SHARE))
    elif kind == "VacuumStmt":
        if is_vacuum_full(node):
            for rel in node.get("rels", []):
                name = relation_name((rel.get("VacuumRelation") or {}).get("relation"))
                if name:
                    out.append((name, ACCESS_EXCLUSIVE))
    elif kind == "ClusterStmt":
        name = relation_name(node.get("relation"))
        if name:
            out.append((name, ACCESS_EXCLUSIVE))
    elif kind == "ReindexStmt" and not is_concurrent_reindex(node):
        name = relation_name(node.get("relation"))
        if name:
            out.append(
                (name, SHARE if node.get("kind") == "REINDEX_OBJECT_TABLE" else ACCESS_EXCLUSIVE)
            )
    elif kind == "LockStmt":
        mode = node.get("mode", 8)
        lock = ACCESS_EXCLUSIVE if mode >= 8 else (SHARE_ROW_EXCLUSIVE if mode >= 5 else None)
        if lock:
            for rel in node.get("relations", []):
                name = relation_name(rel)
                if name:
                    out.append((name, lock))
    elif kind == "CreateTrigStmt":
        name = relation_name(node.get("relation"))
        if name:
            out.append((name, SHARE_ROW_EXCLUSIVE))
    return out


def _constraints_of_create(node: dict):
    for elt in node.get("tableElts", []):
        if "Constraint" in elt:
            yield None, elt["Constraint"]
        col = elt.get("ColumnDef")
        if col:
            for k in col.get("constraints", []):
                if "Constraint" in k:
                    yield col.get("colname"), k["Constraint"]


def heavy_locks(stmt: Statement, ctx) -> list[tuple[str, str]]:
    """Locks that block reads or writes, on tables not created in this migration."""
    return [
        (t, lock)
        for t, lock in statement_locks(stmt)
        if lock != SHARE_UPDATE_EXCLUSIVE and not ctx.is_new_table(t.removeprefix("index "), stmt)
    ]


def _option_on(defelem: dict) -> bool:
    """Whether a boolean option is on: ``FULL``, ``FULL true``; not ``FULL false`` / ``off`` / ``0``."""
    arg = defelem.get("arg")
    if not arg:
        return True
    if "String" in arg:
        return (arg["String"].get("sval") or "").lower() not in ("false", "off", "no", "0")
    if "Integer" in arg:
        return bool(arg["Integer"].get("ival", 0))
    if "Boolean" in arg:
        return bool(arg["Boolean"].get("boolval", False))
    return True


def is_vacuum_full(node: dict) -> bool:
    return node.get("is_vacuumcmd", True) and any(
        (o.get("DefElem") or {}).get("defname") == "full" and _option_on(o["DefElem"])
        for o in node.get("options", [])
    )


def is_concurrent_reindex(node: dict) -> bool:
    return any(
        (p.get("DefElem") or {}).get("defname") == "concurrently" and _option_on(p["DefElem"])
        for p in node.get("params") or []
    )


def type_names(type_name: dict | None) -> tuple[str, list]:
    """(base type name lower-cased without pg_catalog, typmods as ints or None)."""
    if not type_name:
        return "", []
    names = [n for n in name_list(type_name.get("names")) if n != "pg_catalog"]
    mods = []
    for m in type_name.get("typmods") or []:
        ival = (m.get("A_Const") or {}).get("ival") or {}
        mods.append(ival.get("ival", 0) if isinstance(ival, dict) else None)
    name = (names[-1] if names else "").lower()
    if type_name.get("arrayBounds"):
        name += "[]"
    return name, mods


def lock_sentence(lock: str, table: str) -> str:
    return f"takes an {lock} lock on {table}, blocking {BLOCKS[lock]}"
