"""A review of the whole schema (the SCHEMA_DESIGN report): the catalog-level
view of what the SD and IX rules flag statement by statement."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Catalog, Table

SMALL_KEY_TYPES = {"integer", "smallint", "serial", "smallserial", "serial4", "serial2"}


@dataclass
class Remark:
    code: str
    table: str
    text: str
    path: str | None = None
    line: int | None = None


def redundant_indexes(table: Table):
    """(index, why, covering index) for each index another index of the table makes unnecessary.

    Of two exact duplicates the later one is redundant; a non-unique index whose
    columns (and directions, or all of them reversed) lead a longer index is
    redundant; unique, partial-vs-full and non-btree indexes are never.
    """
    order = table.all_indexes()
    out = []
    for my_pos, mine in enumerate(order):
        if mine.constraint or mine.method != "btree":
            continue
        for pos, other in enumerate(order):
            if other is mine or other.method != "btree" or other.predicate != mine.predicate:
                continue
            same = other.columns == mine.columns and other.orders == mine.orders
            if same and (
                other.unique == mine.unique and pos < my_pos or other.unique and not mine.unique
            ):
                out.append((mine, "an exact duplicate of", other))
                break
            n = len(mine.columns)
            if (
                not mine.unique
                and len(other.columns) > n
                and other.columns[:n] == mine.columns
                and (
                    other.orders[:n] == mine.orders
                    or all(a != b for a, b in zip(other.orders[:n], mine.orders))
                )
            ):
                out.append((mine, "a prefix of", other))
                break
    return out


def review(catalog: Catalog) -> list[Remark]:
    remarks: list[Remark] = []
    for t in catalog.tables():
        if t.kind != "table":
            continue
        if not t.primary_key:
            remarks.append(Remark("SD001", t.qualified, "no primary key", t.source_path, t.line))
        elif len(t.primary_key) == 1:
            col = t.column(t.primary_key[0])
            if col is not None and col.type in SMALL_KEY_TYPES:
                remarks.append(
                    Remark(
                        "SD002",
                        t.qualified,
                        f"primary key {col.name} is {col.type} (32-bit or less); use bigint identity",
                        col.source_path,
                        col.line,
                    )
                )
        for col in t.columns:
            if col.type.startswith("timestamp") and not col.type.startswith("timestamptz"):
                remarks.append(
                    Remark(
                        "SD003",
                        t.qualified,
                        f"{col.name} is {col.type} without time zone; use timestamptz",
                        col.source_path,
                        col.line,
                    )
                )
            if col.type.startswith("varchar("):
                remarks.append(
                    Remark(
                        "SD004",
                        t.qualified,
                        f"{col.name} is {col.type}; use text with a CHECK",
                        col.source_path,
                        col.line,
                    )
                )
        indexes = t.all_indexes()
        for fk in t.foreign_keys:
            n = len(fk.columns)
            if not any(
                sorted(ix.columns[:n]) == sorted(fk.columns) and not ix.predicate for ix in indexes
            ):
                remarks.append(
                    Remark(
                        "IX002",
                        t.qualified,
                        f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} has no index",
                        fk.source_path,
                        fk.line,
                    )
                )
        for ix, why, other in redundant_indexes(t):
            remarks.append(
                Remark(
                    "IX003",
                    t.qualified,
                    f"index {ix.name} is {why} {other.name}",
                    ix.source_path,
                    ix.line,
                )
            )
    return remarks
