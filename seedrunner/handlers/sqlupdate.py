"""Statements by key for cycles and trees: UPDATE one column of seeded rows (how a cycle's
deferred edge is completed), DELETE rows by key (in order, one by one, for a
self-referencing table on MariaDB/MySQL and SQLite).

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

from seedrunner.generate.rows import Batch
from seedrunner.handlers.sqltable import attribute_columns, model_table
from seedrunner.models.shape import ModelShape

#: (key tuple, new value) pairs, one chunk at a time; given the parent's batch being written
#: in the same transaction (``transaction: batch``), whose keys are not recorded yet
Chunks = Callable[[Batch | None], Iterator[list[tuple[tuple[Any, ...], Any]]]]


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
    pending: Batch | None = None,
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
    for chunk in update.rows(pending):
        if not chunk:
            continue
        params = [
            {"_sr_v_": value, **{f"_sr_k{i}_": k for i, k in enumerate(key)}}
            for key, value in chunk
        ]
        result = conn.execute(stmt, params)
        done += max(result.rowcount or 0, 0)
    return done


def apply_update(conn: Connection, update: ColumnUpdate, pending: Batch | None = None) -> int:
    """Run ``update`` against its dataset's table (the model's own, or one of names only)."""
    renames = attribute_columns(update.model)
    table = model_table(update.model)
    if table is None:  # a model with no table of its own: the UPDATE needs only names
        return run_update(conn, light_table(update, renames), update, renames, pending)
    return run_update(conn, table, update, renames, pending)


class DeferredUpdates:
    """A step's deferred columns (its cycles), set before the transaction that completes
    them commits: the step's last batch's under ``transaction: batch``
    (``with_last_batch``), else the step's or the run's."""

    def __init__(self, with_last_batch: bool, total_rows: int) -> None:
        self.with_last_batch, self.total_rows = with_last_batch, total_rows
        self.pending: list[ColumnUpdate] = []
        self.wrote = False  # the step wrote rows (not all were in the ledger)
        self.done = False  # set already, with the step's last batch

    def add(self, update: ColumnUpdate) -> None:
        self.pending.append(update)

    def final(self, batch: Batch) -> bool:
        """This batch's transaction is the one that completes the cycles."""
        return bool(self.pending) and self.with_last_batch and batch.stop >= self.total_rows

    def complete(self, conn: Connection, pending: Batch | None = None) -> None:
        """Set the columns on ``conn`` when this step wrote rows (or the child's rows were
        written in this run)."""
        for u in self.pending:
            if self.wrote or u.force:
                apply_update(conn, u, pending)
        self.done = True


def set_constraints_deferred(
    conn: Connection, names: Iterable[str | None], schema: str | None = None
) -> None:
    """``SET CONSTRAINTS ... DEFERRED`` for the rest of the transaction (PostgreSQL); names
    in ``schema`` when the target gives one (else found on the search path); ALL when a
    constraint has no name."""
    if conn.dialect.name != "postgresql":
        return
    named: Sequence[str | None] = list(dict.fromkeys(names))
    if not named or None in named:
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
        return
    quote = conn.dialect.identifier_preparer.quote
    prefix = f"{quote(schema)}." if schema else ""
    listed = ", ".join(prefix + quote(n) for n in named if n)
    conn.exec_driver_sql(f"SET CONSTRAINTS {listed} DEFERRED")


def light_table(update: ColumnUpdate, renames: dict[str, str]) -> sa.TableClause:
    """The table as far as the UPDATE needs it, for a dataset with no table object."""
    names = [renames.get(n, n) for n in (*update.keys, update.column)]
    shape = update.model
    name = update.table or shape.table_name or update.dataset
    return sa.table(name, *(sa.column(n) for n in names), schema=update.schema)


def delete_by_key(conn: Connection, table: sa.Table, picked: list[tuple[Any, ...]]) -> int:
    """Delete rows by primary key, 500 a statement (each checked as a whole)."""
    keys = list(table.primary_key.columns)
    gone = 0
    for at in range(0, len(picked), 500):
        chunk = picked[at : at + 500]
        one = len(keys) == 1
        cond = keys[0].in_([k[0] for k in chunk]) if one else sa.tuple_(*keys).in_(chunk)
        gone += conn.execute(table.delete().where(cond)).rowcount or 0
    return gone


def delete_in_order(conn: Connection, table: sa.Table, picked: list[tuple[Any, ...]]) -> int:
    """Delete rows by primary key one statement each, in ``picked``'s order (children
    first): MariaDB/MySQL check a self-referencing key row by row, even within one
    statement, and SQLite cascades row by row (so each row is counted, none taken along by
    its parent).  On MariaDB/MySQL a row that is its own parent (a tree's root pointing at
    itself) cannot be deleted with the check on at all; when no other row points at it, it
    is deleted with ``foreign_key_checks`` off for that one statement, which leaves nothing
    dangling (SQLite deletes such a row as it is)."""
    keys = list(table.primary_key.columns)
    stmt = table.delete().where(
        sa.and_(*(c == sa.bindparam(f"_sr_k{i}_", type_=c.type) for i, c in enumerate(keys)))
    )
    mysql = conn.dialect.name in ("mysql", "mariadb")
    columns = _self_columns(table) if mysql and len(keys) == 1 else []
    loops = _loops(conn, table, keys[0], columns, picked) if columns else set()
    gone = 0
    for k in picked:
        params = {f"_sr_k{i}_": v for i, v in enumerate(k)}
        if k[0] in loops and not _pointed_at(conn, table, keys[0], columns, k[0]):
            conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")
            try:
                gone += conn.execute(stmt, params).rowcount or 0
            finally:
                conn.exec_driver_sql("SET SESSION foreign_key_checks = 1")
            continue
        gone += conn.execute(stmt, params).rowcount or 0
    return gone


def _self_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The single columns of ``table``'s foreign keys to itself."""
    return [
        fk.parent
        for fk in table.foreign_keys
        if fk.references(table) and len(fk.constraint.columns) == 1  # type: ignore[union-attr]
    ]


def _loops(
    conn: Connection,
    table: sa.Table,
    key: sa.Column[Any],
    columns: list[sa.Column[Any]],
    picked: list[tuple[Any, ...]],
) -> set[Any]:
    """The keys among ``picked`` of rows that point at themselves."""
    found: set[Any] = set()
    for at in range(0, len(picked), 500):
        chunk = [k[0] for k in picked[at : at + 500]]
        query = sa.select(key).where(key.in_(chunk), sa.or_(*(c == key for c in columns)))
        found |= set(conn.execute(query).scalars())
    return found


def _pointed_at(
    conn: Connection, table: sa.Table, key: sa.Column[Any], columns: list[sa.Column[Any]], k: Any
) -> bool:
    """Another row than ``k`` points at row ``k``."""
    query = (
        sa.select(sa.func.count())
        .select_from(table)
        .where(key != k, sa.or_(*(c == k for c in columns)))
    )
    return bool(conn.execute(query).scalar())
