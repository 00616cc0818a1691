"""Batch: a slice of a dataset's rows, held column-wise.

Columns are what generators produce and what bulk writers want; ``records()`` and
``tuples()`` give handlers the row shapes they prefer without copying per step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Batch:
    dataset: str
    index: int  # batch number within the dataset, from 0
    start: int  # row index of the first row in the dataset
    size: int
    columns: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    @property
    def stop(self) -> int:
        return self.start + self.size

    def records(self) -> list[dict[str, Any]]:
        """One dict per row (built on demand, not kept)."""
        names = list(self.columns)
        cols = [self.columns[n] for n in names]
        return [dict(zip(names, vals, strict=True)) for vals in zip(*cols, strict=True)]

    def tuples(self, names: Sequence[str] | None = None) -> list[tuple[Any, ...]]:
        names = list(self.columns) if names is None else names
        return list(zip(*(self.columns[n] for n in names), strict=True))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records())

    def __len__(self) -> int:
        return self.size

    def replace_columns(self, columns: dict[str, list[Any]]) -> Batch:
        sizes = {len(v) for v in columns.values()}
        size = sizes.pop() if sizes else 0
        return Batch(self.dataset, self.index, self.start, size, columns)

    @classmethod
    def from_records(
        cls, dataset: str, index: int, start: int, records: Sequence[dict[str, Any]]
    ) -> Batch:
        names: list[str] = []
        for r in records[:1]:
            names = list(r)
        columns = {n: [r.get(n) for r in records] for n in names}
        return cls(dataset, index, start, len(records), columns)
