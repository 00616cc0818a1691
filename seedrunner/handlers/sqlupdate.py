"""UPDATE one column of seeded rows by their key: how a cycle's deferred edge is completed.

A cycle (store.manager_staff_id -> staff, staff.store_id -> store) is written child first
with the deferred column NULL; once the parent's rows are in, the column is set, in the
transaction that wrote the parent's rows (so an interrupt undoes both).  destroy uses the
same statement with NULL values to cut the cycle before deleting.  The rows come in
chunks, so memory holds one chunk of (key, value) pairs, never a dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.models.shape import ModelShape

#: (key tuple, new value) pairs, one chunk at a time
Chunks = Callable[[], Iterator[list[tuple[tuple[Any, ...], Any]]]]


@dataclass
class ColumnUpdate:
    """Set ``column`` of the rows of ``dataset`` whose key is given, chunk by chunk."""

    dataset: str
    model: ModelShape  # the dataset's shape: its table
    table: str | None  # the target's ``table`` option
    schema: str | None  # the target's ``schema`` option
    keys: tuple[str, ...]  # the key fields, as the dataset names them
    column: str  # the field to set
    rows: Chunks
    force: bool = False  # the dataset's rows were written in this run: update even if the
    # handler wrote none of its own (its rows were in the ledger)


def run_update(
    conn: Connection,
    table: sa.Table | sa.TableClause,
    update: ColumnUpdate,
    renames: dict[str, str],
) -> int:
    """Execute the update on ``conn`` (inside the caller's transaction); rows matched."""
    keys = [table.c[renames.get(k, k)] for k in update.keys]
    target = table.c[renames.get(update.column, update.column)]
    stmt = (
        sa.update(table)
        .where(*(c == sa.bindparam(f"_sr_k{i}_", type_=c.type) for i, c in enumerate(keys)))
        .values({target.name: sa.bindparam("_sr_v_", type_=target.type)})
    )
    done = 0
    for chunk in update.rows():
        if not chunk:
            continue
        params = [
            {"_sr_v_": value, **{f"_sr_k{i}_": k for i, k in enumerate(key)}}
            for key, value in chunk
        ]
        result = conn.execute(stmt, params)
        done += max(result.rowcount or 0, 0)
    return done


def set_constraints_deferred(conn: Connection, names: Iterable[str | None]) -> None:
    """``SET CONSTRAINTS ... DEFERRED`` for the rest of the transaction (PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return
    named: Sequence[str | None] = list(dict.fromkeys(names))
    if not named or None in named:
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
        return
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"SET CONSTRAINTS {', '.join(quote(n) for n in named if n)} DEFERRED")


def light_table(update: ColumnUpdate, renames: dict[str, str]) -> sa.TableClause:
    """The table as far as the UPDATE needs it, for a dataset with no table object."""
    names = [renames.get(n, n) for n in (*update.keys, update.column)]
    shape = update.model
    name = update.table or shape.table_name or update.dataset
    return sa.table(name, *(sa.column(n) for n in names), schema=update.schema)
