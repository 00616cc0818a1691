"""How many rows a dataset gets: a fixed count, one per row of the parent it extends
one-to-one, the rows it gives (``rows:`` or ``from:``), or a seeded number per parent row
(``count.per``).
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Any

from seedrunner.generate.streams import BLOCK, Stream, derive_seed
from seedrunner.manifest import schema as S
from seedrunner.models.shape import ModelShape
from seedrunner.plan.fixedrows import FixedRows
from seedrunner.plan.joins import one_to_one_parent
from seedrunner.plan.steps import CountPlan


def count_plan(
    name: str,
    ds: S.DatasetSpec,
    totals: dict[str, int],
    base_seed: int,
    fixed: Mapping[str, FixedRows],
    shapes: Mapping[str, ModelShape],
    tables: Mapping[str, str],
) -> CountPlan:
    """``name``'s count; ``totals`` holds the row counts of the datasets planned before it."""
    if name in fixed:
        return CountPlan(fixed[name].count)
    if isinstance(ds.count, int):
        extended = one_to_one_parent(name, ds, shapes[name], tables)
        if extended is not None and extended in totals:  # one row per parent row
            return CountPlan(totals[extended])
        return CountPlan(ds.count)
    per = ds.count.per
    lo, hi = ds.count.bounds
    parents = totals.get(per, 0)
    stream = Stream(derive_seed(base_seed, name, "__count__"))

    def draw(rng: Any, k: int) -> list[int]:
        return [rng.randint(lo, hi) for _ in range(k)]

    # kept for the whole run: one entry per parent (an array, 8 bytes each) when the
    # number of children varies
    cumulative: Sequence[int]
    if lo != hi:
        chunks = (
            stream.take(row, min(BLOCK, parents - row), draw) for row in range(0, parents, BLOCK)
        )  # no list of every parent's count
        cumulative = array("q", accumulate(itertools.chain.from_iterable(chunks)))
    elif lo:  # a fixed number per parent: a range, no memory per parent
        cumulative = range(lo, lo * parents + 1, lo)
    else:
        cumulative = array("q", bytes(8 * parents))
    total = cumulative[-1] if parents else 0
    return CountPlan(total, per=per, cumulative=cumulative, bounds=(lo, hi))
