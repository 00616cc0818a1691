"""What a row check reports, and the shape of a batch check: shared by every checker.

Rows are numbered from 0 (their index in the list passed in). Messages never include the
offending value, only what was wrong with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row; ``field`` is a dotted path ("" for the row itself)."""

    row: int
    field: str
    message: str


Columns = Mapping[str, Sequence[Any]]


@dataclass(frozen=True)
class BatchCheck:
    """One batch's check: ``check(columns, n)`` gives every problem, ordered by row."""

    fields: tuple[str, ...]  # what is checked
    check: Callable[[Columns, int], list[RowProblem]]

    def __call__(self, columns: Columns, n: int) -> list[RowProblem]:
        return self.check(columns, n)


def rows_from_columns(columns: Columns) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*columns.values(), strict=True)]
