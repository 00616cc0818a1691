"""A plan regrown from its ledgers: rows written before a parent grew pick as they did.

``plan/growth.py`` says the rule; this reads what each target's ledger records and hands
it over.  Every command that reads or writes seeded rows (plan's state, apply, destroy,
``--prune``, ``--replace``) works on the regrown plan, so all of them agree on which rows
are the manifest's and how to regenerate them.  A ledger that cannot be read is left for
the state reader to report (status.py): its dataset is taken as it is.
"""

from __future__ import annotations

from dataclasses import replace

from seedrunner.commands.stepledgers import step_recorded
from seedrunner.db.pool import ResourcePool
from seedrunner.ledger.base import Recorded
from seedrunner.plan.growth import known, regrow
from seedrunner.plan.steps import DatasetPlan, Plan


def grown(plan: Plan, resources: ResourcePool | None = None) -> Plan:
    """``plan`` with each dataset regrown from what its targets' ledgers record."""
    pool = resources if resources is not None else ResourcePool()
    try:
        datasets: list[DatasetPlan] = []
        mine: dict[str, frozenset[str]] = {}  # in plan order: parents are regrown first
        for d in plan.datasets:
            datasets.append(regrow(d, _recorded(plan, d, pool), mine))
            mine[d.name] = known(datasets[-1])
        return replace(plan, datasets=datasets)
    finally:
        if resources is None:
            pool.close_all()


def _recorded(plan: Plan, d: DatasetPlan, resources: ResourcePool) -> list[Recorded]:
    out = []
    for position in range(len(d.targets)):
        try:
            found = step_recorded(plan, d, position, resources)
        except Exception:  # unreadable: plan's state and apply's preflight report it
            return []
        if found is not None:
            out.append(found)
    return out
