"""KeyStore: the only rows kept across a run, the parent columns that children read.

Children's ``ref`` fields and ``parent`` templates need parent values by row index; every
other value is dropped as soon as its batch is persisted, so memory grows with the keys
children need, never with whole datasets.
"""

from __future__ import annotations

from typing import Any

from seedrunner.generate.rows import Batch


class KeyStore:
    def __init__(self) -> None:
        self._columns: dict[tuple[str, str], list[Any]] = {}

    def record(self, dataset: str, fields: set[str], final: Batch, generated: Batch) -> None:
        """Keep ``fields`` of a batch: as the handler chain returned them, else as generated."""
        for name in fields:
            source = final.columns.get(name)
            if source is None:
                source = generated.columns.get(name, [None] * generated.size)
            self._columns.setdefault((dataset, name), []).extend(source)

    def column(self, dataset: str, name: str) -> list[Any]:
        return self._columns.get((dataset, name), [])

    def size(self, dataset: str, name: str) -> int:
        return len(self._columns.get((dataset, name), ()))
