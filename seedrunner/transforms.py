"""Transforms between generation and persistence: built-in drop/rename, and your callables.

A callable transform is ``fn(batch, ctx)`` and returns a Batch, a list of row dicts, or
None (it changed ``batch`` in place).  ``ctx`` carries the dataset, its options, vars and
a seed, so transforms that draw randomness stay deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seedrunner.errors import RunError
from seedrunner.generate.rows import Batch
from seedrunner.plan.steps import TransformPlan


@dataclass
class TransformContext:
    dataset: str
    options: Mapping[str, Any]
    vars: Mapping[str, Any]
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)


def apply_transform(t: TransformPlan, batch: Batch, ctx: TransformContext) -> Batch:
    if t.kind == "drop":
        return batch.replace_columns({k: v for k, v in batch.columns.items() if k not in t.args})
    if t.kind == "rename":
        return batch.replace_columns({t.args.get(k, k): v for k, v in batch.columns.items()})
    result = t.fn(batch, ctx)
    if result is None:
        return batch
    if isinstance(result, Batch):
        return result
    if isinstance(result, list):
        return Batch.from_records(batch.dataset, batch.index, batch.start, result)
    raise RunError(
        f"transform '{t.name}' returned {type(result).__name__}; return a Batch, a list of "
        "dicts, or None"
    )
