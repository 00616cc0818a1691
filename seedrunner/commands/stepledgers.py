"""A plan's (dataset, target) steps as their ledgers know them: the step's reference, its
ledger, and what the ledger records for it."""

from __future__ import annotations

from seedrunner.db.pool import ResourcePool
from seedrunner.ledger.base import Ledger, Recorded, StepRef, open_ledger
from seedrunner.plan.steps import DatasetPlan, Plan


def step_ref(plan: Plan, d: DatasetPlan, position: int) -> StepRef:
    """Step ``position`` of ``d`` as its ledger records it, under the plan's fingerprint."""
    fingerprint = d.fingerprint.digest if d.fingerprint is not None else ""
    return StepRef(plan.manifest, d.name, d.targets[position].name, position, fingerprint,
                   d.count.total, d.accepted)  # fmt: skip


def step_ledger(
    plan: Plan, d: DatasetPlan, position: int, resources: ResourcePool
) -> tuple[Ledger, StepRef] | None:
    """The ledger step ``position`` of ``d`` keeps (None: none), opened on ``resources``."""
    spec = d.targets[position].ledger
    if spec is None:
        return None
    return open_ledger(spec, resources), step_ref(plan, d, position)


def step_recorded(
    plan: Plan, d: DatasetPlan, position: int, resources: ResourcePool
) -> Recorded | None:
    """What a ledger that needs a spec to find its rows (SQL, state store) records for one
    step, pending batches counted as written; None for other targets (files, none)."""
    found = step_ledger(plan, d, position, resources)
    if found is None or not found[0].needs_spec:
        return None
    ledger, step = found
    return ledger.recorded(step)
