"""``apply --replace``: remove the rows an earlier spec wrote, so the current one can write.

Rows are removed the way destroy removes them: regenerated, primary keys and all, and
deleted by key.  Rows of an earlier spec need that spec, and the ledger keeps it: the
parts of every fingerprint it wrote under (``<ledger>_specs``) hold the dataset's spec as
JSON, its seed, ``now`` and locales.  Those are put back into the manifest, the plan is
rebuilt, and each rebuilt dataset must come out with exactly the fingerprint the ledger
records before anything is deleted: when it does not (the model's code or the Faker
version changed, which no manifest can put back), nothing is touched and the refusal
says so.  Ledgered files need no spec: their ledger's offsets say which bytes are
seedrunner's, so a file of another spec is simply removed.  Ledgers in a state store (HTTP,
Redis, plugins) are read like SQL ledgers, and their rows removed by the same destroy.

What holds after a failure: each step's delete commits with its ledger rows, so an
interrupted replace leaves some steps replaced and the rest as they were; apply
``--replace`` again carries on.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from seedrunner.commands.destroy import Undone, destroy, recorded_keys_cover, undo_alone
from seedrunner.commands.rekey import adopt_recorded
from seedrunner.commands.stepledgers import step_ledger, step_recorded
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import ManifestError
from seedrunner.ledger.fingerprint import LAYOUT, SPEC_EXCLUDED, FingerprintParts, picked_among
from seedrunner.manifest import schema as S
from seedrunner.manifest.loader import Manifest
from seedrunner.plan.growth import picking_as
from seedrunner.plan.planner import build_plan
from seedrunner.plan.steps import DatasetPlan, Plan

#: parts no manifest edit can put back: the rows they describe cannot be regenerated
_UNREBUILDABLE = ("model", "versions")


@dataclass(frozen=True)
class Earlier:
    """A dataset's rows on one target written under another spec, and that spec."""

    dataset: str
    target: str
    digest: str
    parts: FingerprintParts | None  # None: written before specs were recorded


def replace_changed(manifest: Manifest, plan: Plan, lock_timeout: float = 0.0) -> list[Undone]:
    """Delete every row ``plan``'s ledgers hold under another spec; returns what went.

    Raises ManifestError (exit 2, nothing deleted) when an earlier spec cannot be rebuilt.
    """
    files = [undo_alone(plan, d, position, lock_timeout) for d, position in _changed_files(plan)]
    earlier = earlier_specs(plan)
    if not earlier:
        return files
    old, by_keys = _rebuilt(manifest, plan, earlier)
    names = sorted({e.dataset for e in earlier})
    sql = destroy(old, names, lock_timeout, by_keys=by_keys)
    taken = {(r.dataset, r.target) for r in files}
    return files + [r for r in sql if (r.dataset, r.target) not in taken]


def _changed_files(plan: Plan) -> list[tuple[DatasetPlan, int]]:
    """Steps whose ledger needs no spec to remove rows (files) and holds another spec's."""
    out = []
    resources = ResourcePool()
    try:
        for d in plan.datasets:
            for position in range(len(d.targets)):
                found = step_ledger(plan, d, position, resources)
                if found is None or found[0].needs_spec:
                    continue
                ledger, step = found
                recorded = ledger.recorded(step)
                if recorded is not None and recorded.applied.fingerprints - {step.fingerprint}:
                    out.append((d, position))
    finally:
        resources.close_all()
    return out


def earlier_specs(plan: Plan) -> list[Earlier]:
    """The other fingerprints recorded on the plan's ledgers that find rows by their spec
    (SQL, state stores), with their parts."""
    out: list[Earlier] = []
    resources = ResourcePool()
    try:
        for d in plan.datasets:
            current = d.fingerprint.digest if d.fingerprint is not None else ""
            for position, t in enumerate(d.targets):
                found = step_recorded(plan, d, position, resources)
                if found is None:
                    continue
                for digest in sorted(found.applied.fingerprints - {current}):
                    text = found.specs.get(digest)
                    parts = FingerprintParts(json.loads(text)) if text else None
                    out.append(Earlier(d.name, t.name, digest, parts))
    finally:
        resources.close_all()
    return out


def _rebuilt(
    manifest: Manifest, plan: Plan, earlier: list[Earlier]
) -> tuple[Plan, dict[tuple[str, str], str]]:
    """The plan of the earlier specs, checked to regenerate exactly their rows; and the
    steps whose earlier rows cannot be regenerated, to be deleted by their recorded keys
    (checked to be there for every row) instead: (dataset, target) -> fingerprint."""
    by_dataset: dict[str, Earlier] = {}
    by_keys: dict[tuple[str, str], str] = {}
    for e in earlier:
        lost = _unrebuildable(plan, e)
        if lost is not None:
            missing = recorded_keys_cover(
                plan, plan.dataset(e.dataset), _position(plan, e), e.digest
            )
            if missing is not None:
                _refuse(e, f"{lost}, and its rows cannot be found by recorded keys: {missing}")
            by_keys[(e.dataset, e.target)] = e.digest
            continue
        assert e.parts is not None
        seen = by_dataset.setdefault(e.dataset, e)
        if seen.digest != e.digest:
            _refuse(e, "its targets hold rows of two different earlier specs")
    if not by_dataset:
        return plan, by_keys
    datasets = dict(manifest.spec.datasets)
    nows = set()
    seeds = set()
    for name, e in by_dataset.items():
        assert e.parts is not None
        old = json.loads(e.parts.parts["spec"])
        if LAYOUT in e.parts.parts:  # count.per and its bounds then: which row was whose
            old["count"] = json.loads(e.parts.parts[LAYOUT])
        kept = datasets[name].model_dump(mode="json", include=set(SPEC_EXCLUDED))
        datasets[name] = S.DatasetSpec.model_validate({**kept, **old})
        nows.add(e.parts.parts["now"])
        if "seed" not in old:  # the manifest's seed was the dataset's
            seeds.add(int(e.parts.parts["seed"]))
    if len(nows) > 1 or len(seeds) > 1:
        what = "now" if len(nows) > 1 else "seed"
        _refuse(earlier[0], f"the earlier specs were written with different values of {what}")
    _parent_counts(datasets, by_dataset)
    spec = manifest.spec.model_copy(update={"datasets": datasets})
    old_plan = build_plan(
        replace(manifest, spec=spec),
        seed=seeds.pop() if seeds else None,
        now=dt.datetime.fromisoformat(nows.pop()),
    )
    rebuilt = {d.name: d.fingerprint.digest for d in old_plan.datasets if d.fingerprint}
    for name, e in by_dataset.items():
        if rebuilt.get(name) != e.digest:
            assert e.parts is not None
            dp = next(d for d in old_plan.datasets if d.name == name)
            if adopt_recorded(dp, e.parts):  # only what it read changed: same keys
                continue
            picking = picking_as(dp, e.parts)  # a parent's count changed since: as it was
            if picking is not None:
                old_plan.datasets[old_plan.datasets.index(dp)] = picking
                continue
            mine = dp.fingerprint
            assert mine is not None
            _refuse(e, "rebuilt, it does not give the same rows (differs in: "
                    + ", ".join(mine.changed(e.parts)) + ")")  # fmt: skip
    return old_plan, by_keys


def _unrebuildable(plan: Plan, e: Earlier) -> str | None:
    """Why no manifest can regenerate the earlier rows (None: one can)."""
    if e.parts is None:
        return "the ledger holds no record of that spec (written before 0.2 kept them)"
    lost = [p for p in _UNREBUILDABLE if e.parts.parts.get(p) != _current(plan, e, p)]
    if lost:
        return f"its {' and '.join(lost)} changed, which a manifest cannot put back"
    return None


def _position(plan: Plan, e: Earlier) -> int:
    targets = plan.dataset(e.dataset).targets
    return next(i for i, t in enumerate(targets) if t.name == e.target)


def _parent_counts(datasets: dict[str, S.DatasetSpec], by_dataset: dict[str, Earlier]) -> None:
    """Give each parent the earlier specs picked among (a ``ref`` without ``count.per``)
    the count it had then, where its count is a number: its first rows are the same rows
    at any count, and a distinct draw over it is only the same draw at the same count."""
    counts: dict[str, int] = {}
    for e in by_dataset.values():
        assert e.parts is not None
        for parent, n in picked_among(e.parts).items():
            if counts.setdefault(parent, n) != n:
                _refuse(e, f"the earlier specs picked among different counts of '{parent}'")
    for parent, n in counts.items():
        ds = datasets.get(parent)
        if ds is not None and isinstance(ds.count, int) and ds.count != n:
            datasets[parent] = ds.model_copy(update={"count": n})


def _current(plan: Plan, e: Earlier, part: str) -> str | None:
    d = next(d for d in plan.datasets if d.name == e.dataset)
    return d.fingerprint.parts.get(part) if d.fingerprint is not None else None


def _refuse(e: Earlier, why: str) -> None:
    raise ManifestError.single(
        f"--replace: cannot remove the rows dataset '{e.dataset}' wrote to target "
        f"'{e.target}' under an earlier spec: {why}",
        hint="restore the earlier spec and run destroy, or delete those rows by hand "
        "(and their ledger rows) and apply again",
    )


def replaced_rows(results: Iterable[Undone]) -> int:
    """Rows the replace deleted, over every step."""
    return sum(r.rows for r in results)
