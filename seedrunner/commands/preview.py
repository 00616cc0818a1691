"""preview_rows: the first rows of each dataset, generated exactly as apply would make them."""

from __future__ import annotations

from typing import Any

from seedrunner.execute.batches import BatchBuilder
from seedrunner.execute.keys import KeyStore
from seedrunner.generate.fakerclock import pinned_faker_clock
from seedrunner.plan.steps import Plan


def preview_rows(plan: Plan, n: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Rows 0..n-1 of every dataset (after transforms are not applied: as generated).

    Parents are generated in full only as far as children need their keys, so a preview
    of a large plan stays cheap; a ``ref`` shows the very value apply would write.
    """
    with pinned_faker_clock(plan.now):
        return _preview(plan, n)


def _preview(plan: Plan, n: int) -> dict[str, list[dict[str, Any]]]:
    keys = KeyStore()
    out: dict[str, list[dict[str, Any]]] = {}
    needed = {name for d in plan.datasets for name in ([d.count.per] if d.count.per else [])}
    needed |= {  # a tree's parents are earlier rows: generated on the way anyway
        f.ref.dataset for d in plan.datasets for f in d.fields if f.ref and f.tree is None
    }
    for dp in plan.datasets:
        builder = BatchBuilder(dp, keys, plan.variables, plan.now)
        total = dp.count.total if dp.name in needed else min(n, dp.count.total)
        start = 0
        while start < total:
            size = min(dp.batch_size, total - start)
            batch = builder.build(start // dp.batch_size, start, size)
            if start < n:
                out.setdefault(dp.name, []).extend(batch.records()[: n - start])
            if dp.keep:
                keys.record(dp.name, dp.keep, batch, batch)
            start += size
        out.setdefault(dp.name, [])
    return out
