"""preview_rows: the first rows of each dataset, generated exactly as apply would make them."""

from __future__ import annotations

from typing import Any

from seedrunner.execute.keys import KeyStore
from seedrunner.execute.regenerate import dataset_batches
from seedrunner.plan.steps import Plan


def preview_rows(plan: Plan, n: int = 5) -> dict[str, list[dict[str, Any]]]:
    """Rows 0..n-1 of every dataset (after transforms are not applied: as generated).

    Parents are generated in full only as far as children need their keys, so a preview
    of a large plan stays cheap; a ``ref`` shows the very value apply would write.
    """
    keys = KeyStore()
    out: dict[str, list[dict[str, Any]]] = {}
    needed = {name for d in plan.datasets for name in ([d.count.per] if d.count.per else [])}
    needed |= {  # a tree's parents are earlier rows: generated on the way anyway
        f.ref.dataset for d in plan.datasets for f in d.fields if f.ref and f.tree is None
    }
    for dp in plan.datasets:
        stop = dp.count.total if dp.name in needed else min(n, dp.count.total)
        rows = out.setdefault(dp.name, [])
        for made in dataset_batches(plan, dp, keys, stop, transform=False):
            start = made.span.start
            if start < n:
                rows.extend(made.generated.records()[: n - start])
    return out
