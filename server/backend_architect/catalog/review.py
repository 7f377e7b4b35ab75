"""Facts about a table's indexes that more than one place needs (the IX003 rule, the
index advice). The SCHEMA_DESIGN report is built from the rules' own findings
(``commands/schema_commands.py``), so it says what the diagnostics say."""

from __future__ import annotations

from .model import Index, Table


def redundant_indexes(table: Table, only: Index | None = None):
    """(index, why, covering index) for each index another index of the table makes unnecessary
    (``only``: for that index of ``table.indexes`` alone).

    Of two exact duplicates the later one is redundant; a non-unique index whose
    columns (and directions, or all of them reversed) lead a longer index is
    redundant; unique, partial-vs-full and non-btree indexes are never.
    """
    order = table.all_indexes()
    out = []
    for my_pos, mine in enumerate(order):
        if only is not None and mine is not only:
            continue
        if mine.constraint or mine.method != "btree":
            continue
        n = len(mine.columns)
        if not _comparable(mine, n):
            continue  # an expression we cannot render: not known to match another
        for pos, other in enumerate(order):
            if other is mine or other.method != "btree" or other.predicate != mine.predicate:
                continue
            if not _comparable(other, n):
                continue  # an expression we cannot render: two of them are not known to match
            same = other.columns == mine.columns and other.orders == mine.orders
            if same and (
                other.unique == mine.unique and pos < my_pos or other.unique and not mine.unique
            ):
                out.append((mine, "an exact duplicate of", other))
                break
            if (
                not mine.unique
                and len(other.columns) > n
                and other.columns[:n] == mine.columns
                and (
                    other.orders[:n] == mine.orders
                    or all(a != b for a, b in zip(other.orders[:n], mine.orders, strict=False))
                )
            ):
                out.append((mine, "a prefix of", other))
                break
    return out


def _comparable(ix, n: int) -> bool:
    """Whether the first ``n`` keys of ``ix`` are columns or fully rendered expressions
    (an expression form the catalog does not know renders with ``…``)."""
    exprs = ix.expressions or [False] * len(ix.columns)
    return not any(e and "…" in c for c, e in zip(ix.columns[:n], exprs[:n], strict=False))
