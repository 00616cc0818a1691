"""Columns for fields that have no value spec: primary keys, then by name, then by type.

``infer_column`` is the one entry point.  Whatever it returns is deterministic from the
field's stream seed, keeps the row-by-row stream contract (so batches and block boundaries
never change a value) and carries a ``capacity`` when its values are bounded, so the caller
can refuse an impossible ``unique`` demand up front.  It never produces None: optional fields
get nulls from a ``NullableColumn`` the caller wraps around it when asked, and unique fields
a ``UniqueColumn``.

Column kinds: an int primary key is ``SequenceColumn`` 1..N (children can compute their
parents' keys without reading them back); a uuid key is seeded uuids; a str key is seeded
uuid strings, or zero-padded numbers when the column is too short for a uuid.  A nested model
is a ``ModelColumn`` whose fields are columns of their own on sub-seeds
``derive_seed(seed, field_name)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from faker import Faker

from seedrunner.generate.columns import Column, SequenceColumn, UuidColumn
from seedrunner.generate.gens import Context, Gen, GenColumn
from seedrunner.generate.names import name_gen
from seedrunner.generate.pgtypes import spans_gen
from seedrunner.generate.streams import derive_seed
from seedrunner.generate.text import format_gen
from seedrunner.generate.typed import type_gen
from seedrunner.models.shape import FieldShape


class ModelColumn(Column):
    """Dicts for a nested model, one sub-column per field."""

    capacity = None

    def __init__(self, columns: dict[str, Column]) -> None:
        self.columns = columns

    def values(self, start: int, n: int) -> list[Any]:
        names = list(self.columns)
        cols = [self.columns[name].values(start, n) for name in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*cols, strict=True)]


def infer_column(
    field: FieldShape,
    *,
    seed: int,
    fakers: Sequence[Faker],
    now: dt.datetime,
    collections: tuple[int, int] = (0, 3),
    dataset: str = "",
) -> Column:
    """A column for ``field`` chosen from its key role, name, type and constraints.

    ``seed`` is the field's own stream seed; ``fakers`` are single-locale instances (their
    ``random`` is replaced while drawing, so do not share them across threads); ``now`` is the
    run clock every date is drawn relative to.
    """
    label = f"{dataset}.{field.name}" if dataset else field.name
    ctx = Context(tuple(fakers), now, collections, label, field_gen)
    if field.primary_key:
        key = _key_column(field, seed)
        if key is not None:
            return key
    nested = field.type.nested
    if field.type.kind == "model" and nested is not None:
        subs = {
            f.name: infer_column(
                f,
                seed=derive_seed(seed, f.name),
                fakers=fakers,
                now=now,
                collections=collections,
                dataset=label,
            )
            for f in nested.fields
        }
        return ModelColumn(subs)
    return GenColumn(seed, field_gen(field, ctx))


def field_gen(field: FieldShape, ctx: Context) -> Gen:
    """By format, then by name, then by type (also used for models nested in containers)."""
    t = field.type
    within = spans_gen(t, ctx) if t.spans else None  # a partitioned table's partitions
    if within is not None:
        return within
    if t.kind in ("str", "any"):
        fmt = format_gen(t, ctx)
        if fmt is not None:
            return fmt
    by_name = name_gen(field, ctx)
    if by_name is not None:
        return by_name
    return type_gen(t, ctx)


def _key_column(field: FieldShape, seed: int) -> Column | None:
    t = field.type
    if t.kind == "int":
        return SequenceColumn(None, start=1)
    if t.kind == "uuid":
        return UuidColumn(seed)
    if t.kind == "str" and not t.pattern:
        if t.max_length is None or t.max_length >= 36:
            return UuidColumn(seed, as_str=True)
        width = t.min_length or 1
        return SequenceColumn(f"{{n:0{width}d}}", start=1)
    return None
