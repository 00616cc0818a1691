"""The inserter: one batch's rows into the step's table, by the fastest path that fits.

The paths themselves live next door (``sqlcopy`` COPY, ``sqlkeys`` INSERT ... RETURNING,
``sqlwrite`` the tuple executemany and the dialect's INSERT); the inserter picks one per
batch and caches the statements per set of columns, so a step compiles each once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.handlers.sqlconflict import ConflictCheck
from seedrunner.handlers.sqlcopy import can_copy, copy_rows
from seedrunner.handlers.sqlkeys import insert_returning
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqltable import TableTarget
from seedrunner.handlers.sqlwrite import TupleInsert, insert_statement


@dataclass(frozen=True)
class Inserted:
    """What one insert did: the keys the database assigned (``returning``), and the
    positions of the rows it did not add (ignored, or updated in place: the table's own)."""

    keys: list[tuple[Any, ...]] = field(default_factory=list)
    there: list[int] = field(default_factory=list)


class Inserter:
    """Writes rows of one table; says what the database assigned and what it did not take."""

    def __init__(self, target: TableTarget, options: SqlAlchemyOptions) -> None:
        self.table = target.table
        self.returning = target.returning
        self.on_conflict, self.conflict_on = options.on_conflict, options.conflict_on
        #: what became of a row whose key the table held: ignored, or updated in place
        self.how = "ignored" if self.on_conflict == "ignore" else "updated"
        self.copy = options.copy_ and not self.returning and self.on_conflict == "error"
        self._statements: dict[tuple[str, ...], Any] = {}
        self._tuple_inserts: dict[tuple[str, ...], TupleInsert | None] = {}
        self._check: ConflictCheck | None = None

    def insert(
        self, conn: Connection, names: tuple[str, ...], columns: list[list[Any]]
    ) -> Inserted:
        """Write one batch on ``conn`` by the fastest path its dialect and options allow;
        with ``on_conflict`` ignore/update, first look up which rows the table holds."""
        columns = naive_utc(self.table, names, columns)
        if self.on_conflict == "error":
            return Inserted(self._insert(conn, names, columns))
        if self._check is None:
            self._check = ConflictCheck(self.table, conn.dialect.name, self.conflict_on)
        there = self._check.there(conn, names, columns)
        return Inserted(self._insert(conn, names, columns), there)

    def _insert(
        self, conn: Connection, names: tuple[str, ...], columns: list[list[Any]]
    ) -> list[tuple[Any, ...]]:
        if self.copy and can_copy(conn.dialect, self.table, names):
            copy_rows(conn, self.table, names, columns)
            return []
        stmt = self._statement(names, conn)
        if not self.returning:
            if names not in self._tuple_inserts:
                self._tuple_inserts[names] = TupleInsert.compile(
                    stmt, self.table, names, conn.dialect
                )
            fast = self._tuple_inserts[names]
            if fast is not None:
                fast.execute(conn, columns)
                return []
        records = [dict(zip(names, vals, strict=True)) for vals in zip(*columns, strict=True)]
        if self.returning:
            return insert_returning(conn, stmt, self.returning, records)
        conn.execute(stmt, records)
        return []

    def _statement(self, names: tuple[str, ...], conn: Connection) -> Any:
        if names not in self._statements:
            self._statements[names] = insert_statement(
                self.table, names, conn.dialect.name, self.on_conflict, self.conflict_on
            )
        return self._statements[names]


def cut_rows(
    columns: list[list[Any]], start: int, ranges: list[tuple[int, int]]
) -> list[list[Any]]:
    """The batch's columns cut to the rows in ``ranges`` (dataset row numbers)."""
    return [[v for a, b in ranges for v in col[a - start : b - start]] for col in columns]


def naive_utc(table: sa.Table, names: tuple[str, ...], columns: list[list[Any]]) -> list[list[Any]]:
    """Aware datetimes bound for a column without time zone become naive UTC.

    Left to each path, COPY would drop the offset, INSERT on PostgreSQL would convert by the
    session's TimeZone, and MariaDB/SQLite would drop it: the same manifest would store
    different times.  One rule for every path and database: UTC.
    """
    out = columns
    for i, name in enumerate(names):
        col_type = table.c[name].type
        if isinstance(col_type, sa.DateTime) and not col_type.timezone:
            values = columns[i]
            if any(getattr(v, "tzinfo", None) is not None for v in values):
                if out is columns:
                    out = list(columns)
                out[i] = [_to_naive_utc(v) for v in values]
    return out


def _to_naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value
