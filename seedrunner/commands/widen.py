"""The plan that wrote rows past a lowered count: the same manifest at the counts on record.

Row ``i`` of a root dataset does not depend on its count, but a child's rows laid out per
parent do: regenerating the rows of parents 50..59 needs a plan with 60 parents.  Prune and
destroy regenerate the keys they delete by from this widened plan, and delete only what
the ledgers record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from seedrunner.commands.load import PlanArgs, load_plan
from seedrunner.commands.status import TargetState
from seedrunner.plan.steps import Plan


def widened(args: PlanArgs, plan: Plan, states: Sequence[TargetState]) -> Plan:
    """``plan`` with every root dataset's count raised to the rows its ledgers record past
    it (``plan`` itself when none is over); its ``now`` kept."""
    ends: dict[str, int] = {}
    for st in states:
        if st.over and not st.other_spec:
            ends[st.dataset] = max(ends.get(st.dataset, 0), st.end)
    roots = {d.name for d in plan.datasets if d.count.per is None}
    sets = [f"datasets.{name}.count={end}" for name, end in ends.items() if name in roots]
    if not sets:
        return plan
    return load_plan(replace(args, sets=[*args.sets, *sets], now=plan.now))[1]
