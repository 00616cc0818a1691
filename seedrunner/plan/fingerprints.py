"""A dataset's fingerprint as planned: its own spec, seed, model and clock, the digests of
the parents its values come from, and of what else its rows read (lookups, a ``from:`` file).

A ledger compares it with the one recorded when the rows were written, so a change
anywhere upstream of a dataset shows as that dataset changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from seedrunner.ledger.fingerprint import FingerprintParts, dataset_fingerprint
from seedrunner.manifest import schema as S
from seedrunner.models.shape import ModelShape
from seedrunner.plan.edges import Edge
from seedrunner.plan.fixedrows import FixedRows
from seedrunner.plan.lookups import Lookup, LookupKey
from seedrunner.plan.lookups import digests as lookup_digests
from seedrunner.plan.steps import DatasetPlan


class Fingerprints:
    """The fingerprints of one plan's datasets (their run-wide inputs held once)."""

    def __init__(
        self,
        spec: S.ManifestSpec,
        seed: int,
        now: dt.datetime,
        shapes: Mapping[str, ModelShape],
        lookups: Mapping[LookupKey, Lookup],
        fixed: Mapping[str, FixedRows],
    ) -> None:
        self.spec = spec
        self.seed = seed
        self.now = now
        self.shapes = shapes
        self.lookups = lookups
        self.fixed = fixed

    def fingerprint(
        self, dp: DatasetPlan, edges: list[Edge], built: dict[str, DatasetPlan]
    ) -> FingerprintParts:
        """``dp``'s fingerprint, with those of the parents its rows take values from."""
        digests = {  # a parent's lineage: its growing leaves the rows children took as they are
            e.parent: fp.lineage
            for e in edges
            if e.child == dp.name
            and e.path[-2:-1] != ("depends_on",)
            and not e.orders_only
            and (fp := built[e.parent].fingerprint) is not None
        }
        for f in dp.fields:  # a seeded pick spreads over all the parent's rows: its count
            if f.ref is not None and not f.ref.via_parent and f.ref.dataset in digests:
                digests[f.ref.dataset] += f" of {built[f.ref.dataset].count.total} rows"
            if f.tree is not None:  # the tree's levels are laid out over the dataset's count
                digests[f"{dp.name}.{f.name}"] = f"tree of {dp.count.total} rows"
        for d in dp.deferred_fields:  # keys made ahead of a parent not planned yet
            if d.mode == "deferrable":
                digests[d.parent] = self.ahead_digest(d.parent)
        ds = self.spec.datasets[dp.name]
        data = lookup_digests(self.lookups, dp.name)  # what the rows read besides the spec
        if dp.name in self.fixed and ds.from_ is not None:
            data["from"] = self.fixed[dp.name].digest
        return dataset_fingerprint(ds, dp.shape, dp.seed, self.now, dp.locale, digests, data)

    def ahead_digest(self, name: str) -> str:
        """What decides a dataset's keys before it is planned (a deferrable cycle's child
        takes them ahead, picking over all of them): its spec, seed, model and count."""
        ds = self.spec.datasets[name]
        seed = ds.seed if ds.seed is not None else self.seed
        own = dataset_fingerprint(ds, self.shapes[name], seed, self.now, [])
        count = ds.count if isinstance(ds.count, int) else ds.count.model_dump(mode="json")
        return f"{own.digest} of {count} rows (keys made ahead)"
