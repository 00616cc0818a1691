"""Transforms between generation and persistence: built-ins, and your callables.

Built-ins: ``drop``, ``rename``, ``set`` (constants), ``template`` (per-row templates over
the row as it is at that step) and ``hash`` (sha256, pbkdf2_sha256, bcrypt; salts derived
from the seed, so hashes repeat across runs).

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
from seedrunner.hashing import salt_for
from seedrunner.plan.steps import TransformPlan


@dataclass
class TransformContext:
    dataset: str
    options: Mapping[str, Any]
    vars: Mapping[str, Any]
    seed: int
    extra: dict[str, Any] = field(default_factory=dict)
    now: Any = None  # the run's clock, for template transforms


def apply_transform(t: TransformPlan, batch: Batch, ctx: TransformContext) -> Batch:
    if t.kind == "drop":
        return batch.replace_columns({k: v for k, v in batch.columns.items() if k not in t.args})
    if t.kind == "rename":
        return batch.replace_columns({t.args.get(k, k): v for k, v in batch.columns.items()})
    if t.kind == "set":
        return batch.replace_columns(
            {**batch.columns, **{k: [v] * batch.size for k, v in t.args.items()}}
        )
    if t.kind == "template":
        return _templates(t, batch, ctx)
    if t.kind == "hash":
        return _hashed(t, batch, ctx)
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


def _templates(t: TransformPlan, batch: Batch, ctx: TransformContext) -> Batch:
    columns = dict(batch.columns)
    base = {"vars": ctx.vars, "now": ctx.now}
    for name, template in t.args.items():
        rows = Batch(batch.dataset, batch.index, batch.start, batch.size, columns).records()
        columns[name] = template.render(rows, batch.start, base, None)
    return batch.replace_columns(columns)


def _hashed(t: TransformPlan, batch: Batch, ctx: TransformContext) -> Batch:
    columns = dict(batch.columns)
    for name in t.args:
        values = columns.get(name)
        if values is None:
            raise RunError(f"transform '{t.name}': rows have no field '{name}' to hash")
        columns[name] = [
            None if v is None else t.fn(str(v), salt_for(ctx.seed, ctx.dataset, name, i))
            for i, v in enumerate(values, start=batch.start)
        ]
    return batch.replace_columns(columns)
