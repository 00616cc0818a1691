"""KeyStore: the only rows kept across a run, the parent columns that children read.

Children's ``ref`` fields and ``parent`` templates need parent values by row index; every
other value is dropped as soon as its batch is persisted, so memory grows with the keys
children need, never with whole datasets.  Keys that are a pure function of the row index
(ids 1..N, any arithmetic progression: the usual ``id`` of a model) are kept as a ``range``,
which takes no memory at all, so a parent dataset of any size costs O(1) unless its keys
are irregular (drawn, or assigned by the database out of order).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from seedrunner.generate.rows import Batch

_INT64 = (-(2**63), 2**63 - 1)


class KeyStore:
    """Key columns by (dataset, field).  Integer keys that step evenly from batch to batch
    are a ``range`` (constant size); other integer keys an ``array('q')``: 8 bytes a row
    instead of a list slot plus an int object (~36 bytes), so 10M irregular parent ids take
    80 MB.  A column that ever holds anything else becomes a list."""

    def __init__(self) -> None:
        self._columns: dict[tuple[str, str], list[Any] | array[int] | range] = {}

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
        if ints and (kept is None or isinstance(kept, range)):
            grown = _progression(kept, values)
            if grown is not None:
                self._columns[key] = grown
                return
        if kept is None:
            kept = self._columns[key] = array("q") if ints else []
        elif isinstance(kept, range):  # the keys stopped stepping evenly: store them
            kept = self._columns[key] = array("q", kept) if ints else list(kept)
        elif isinstance(kept, array) and not ints:
            kept = self._columns[key] = kept.tolist()
        kept.extend(values)

    def forget(self, dataset: str) -> None:
        """Drop ``dataset``'s key columns (its step starts over)."""
        for key in [k for k in self._columns if k[0] == dataset]:
            del self._columns[key]

    def column(self, dataset: str, name: str) -> Sequence[Any]:
        return self._columns.get((dataset, name), [])

    def size(self, dataset: str, name: str) -> int:
        return len(self._columns.get((dataset, name), ()))


def _progression(kept: range | None, values: list[int]) -> range | None:
    """``kept`` extended by ``values`` as one range, or None when they do not continue it
    evenly (a constant column has step 0, which a range cannot hold).  A one-row range has
    no step yet: the next value sets it."""
    first = kept.start if kept else values[0]
    known = len(kept) if kept else 0
    if known > 1:
        step = kept.step  # type: ignore[union-attr]  # known > 1 implies a range
    elif known == 1:
        step = values[0] - first
    else:
        step = values[1] - values[0] if len(values) > 1 else 1
    if step == 0:
        return None
    start = first + step * known
    if values != list(range(start, start + step * len(values), step)):
        return None
    return range(first, start + step * len(values), step)


def _int64s(values: list[Any]) -> bool:
    """Every value a plain int (not bool) that fits in 64 bits."""
    if not values or set(map(type, values)) != {int}:
        return False
    return bool(_INT64[0] <= min(values) and max(values) <= _INT64[1])
