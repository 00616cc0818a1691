"""KeyStore: the only rows kept across a run, the parent columns that children read.

Children's ``ref`` fields and ``parent`` templates need parent values by row index; every
other value is dropped as soon as its batch is persisted, so memory grows with the keys
children need, never with whole datasets.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from seedrunner.generate.rows import Batch

_INT64 = (-(2**63), 2**63 - 1)


class KeyStore:
    """Key columns by (dataset, field).  Integer keys (the usual case) are kept in an
    ``array('q')``: 8 bytes a row instead of a list slot plus an int object (~36 bytes), so
    10M parent ids take 80 MB.  A column that ever holds anything else becomes a list."""

    def __init__(self) -> None:
        self._columns: dict[tuple[str, str], list[Any] | array[int]] = {}

    def record(self, dataset: str, fields: set[str], final: Batch, generated: Batch) -> None:
        """Keep ``fields`` of a batch: as the handler chain returned them, else as generated."""
        for name in fields:
            source = final.columns.get(name)
            if source is None:
                source = generated.columns.get(name, [None] * generated.size)
            self._extend((dataset, name), source)

    def _extend(self, key: tuple[str, str], values: list[Any]) -> None:
        ints = _int64s(values)
        kept = self._columns.get(key)
        if kept is None:
            kept = self._columns[key] = array("q") if ints else []
        elif isinstance(kept, array) and not ints:
            kept = self._columns[key] = kept.tolist()
        kept.extend(values)

    def column(self, dataset: str, name: str) -> Sequence[Any]:
        return self._columns.get((dataset, name), [])

    def size(self, dataset: str, name: str) -> int:
        return len(self._columns.get((dataset, name), ()))


def _int64s(values: list[Any]) -> bool:
    """Every value a plain int (not bool) that fits in 64 bits."""
    if not values or set(map(type, values)) != {int}:
        return False
    return bool(_INT64[0] <= min(values) and max(values) <= _INT64[1])
