"""Columns over values known before apply: seeded picks from a list, and fixed rows by index.

``PickColumn`` picks uniformly among the values read from a table no dataset seeds (a
lookup, ``{ref: {table: ..., column: ...}}``); ``RowsColumn`` gives one field of rows the
manifest lists itself (``rows:`` or ``from:``), row ``i`` of the dataset being row ``i`` of
the list, so both stay addressable by row index like every other column.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from seedrunner.generate.columns import Column, RandomColumn

#: rows(start, n) -> those rows as mappings (held in memory, or read from a file in batches)
RowReader = Callable[[int, int], Sequence[dict[str, Any]]]


class PickColumn(RandomColumn):
    """A seeded uniform pick from ``pool``, one draw per row."""

    def __init__(self, seed: int, pool: Sequence[Any]) -> None:
        super().__init__(seed)
        self.pool = pool
        try:
            self.capacity = len(set(pool))
        except TypeError:  # unhashable values (JSON documents): count them all
            self.capacity = len(pool)

    def draw(self, rng: random.Random, n: int) -> list[Any]:
        pool, size, r = self.pool, len(self.pool), rng.random
        return [pool[int(r() * size)] for _ in range(n)]


class RowsColumn(Column):
    """Field ``name`` of the fixed rows ``start .. start+n`` (None where a row omits it)."""

    def __init__(self, rows: RowReader, name: str, capacity: int | None = None) -> None:
        self.rows = rows
        self.name = name
        self.capacity = capacity

    def values(self, start: int, n: int) -> list[Any]:
        name = self.name
        values = [row.get(name) for row in self.rows(start, n)]
        # past the rows (destroy regenerating keys of an earlier, longer file): keys only
        return values + [None] * (n - len(values))
