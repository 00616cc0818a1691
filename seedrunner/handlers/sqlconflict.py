"""Which rows of a batch the table already holds, for ``on_conflict: ignore / update``.

A row the database ignored (or updated in place) is the application's, not seedrunner's:
counting it as written made the summary lie, and destroy deleted the application's row
with the same key.  Before such a batch is inserted, one key lookup per key (in the same
transaction, pages of ``_PAGE``) finds the rows whose key is there already; a later row
of the batch repeating an earlier one's key is one too.  The default ``on_conflict:
error`` never comes here, so its path costs nothing more.

The keys looked up are the ones the statement resolves conflicts on: ``conflict_on`` or
the primary key on SQLite and PostgreSQL (``ON CONFLICT (...)``), every unique key on
MariaDB/MySQL (``ON DUPLICATE KEY`` fires on any of them).  A key with a column the
database fills (an identity) cannot collide on values the batch does not hold: skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.handlers.sqlwrite import unique_keys

_PAGE = 500  # keys per lookup: inside SQLite's variable limit and any packet size


class ConflictCheck:
    """The lookups of one step's table, by the keys its INSERT resolves conflicts on."""

    def __init__(self, table: sa.Table, dialect: str, conflict_on: Sequence[str] | None) -> None:
        self.table = table
        if dialect in ("mysql", "mariadb"):
            self.keys = unique_keys(table)
        else:
            primary = [c.name for c in table.primary_key.columns]
            self.keys = [list(conflict_on)] if conflict_on else [primary] if primary else []

    def there(
        self, conn: Connection, names: Sequence[str], columns: Sequence[list[Any]]
    ) -> list[int]:
        """Positions (in ``columns``) of rows the INSERT will not add: their key is in the
        table, or repeats an earlier row's."""
        size = len(columns[0]) if columns else 0
        found: set[int] = set()
        index = {n: i for i, n in enumerate(names)}
        for key in self.keys:
            if not key or any(k not in index for k in key):
                continue
            values = list(zip(*(columns[index[k]] for k in key), strict=True))
            held = self._held(conn, key, values)
            seen: set[tuple[Any, ...]] = set()
            for i, value in enumerate(values):
                if value in held or value in seen:
                    found.add(i)
                seen.add(value)
        return sorted(i for i in found if i < size)

    def _held(
        self, conn: Connection, key: list[str], values: list[tuple[Any, ...]]
    ) -> set[tuple[Any, ...]]:
        """The values of ``key`` among ``values`` that the table holds."""
        cols = [self.table.c[k] for k in key]
        wanted = sorted({v for v in values if None not in v}, key=repr)
        held: set[tuple[Any, ...]] = set()
        for at in range(0, len(wanted), _PAGE):
            page = wanted[at : at + _PAGE]
            if len(cols) == 1:
                where = cols[0].in_([v[0] for v in page])
            else:
                where = sa.tuple_(*cols).in_(page)
            held.update(tuple(r) for r in conn.execute(sa.select(*cols).where(where)))
        return held


def to_rows(positions: list[int], ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``positions`` in the rows cut from ``ranges`` as dataset row ranges (runs merged)."""
    rows: list[int] = []
    want = iter(positions)
    nxt = next(want, None)
    at = 0
    for a, b in ranges:
        while nxt is not None and nxt < at + (b - a):
            rows.append(a + nxt - at)
            nxt = next(want, None)
        at += b - a
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r:
            out[-1] = (out[-1][0], r + 1)
        else:
            out.append((r, r + 1))
    return out
