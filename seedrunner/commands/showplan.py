"""The plan use case: what apply (or destroy) would do, without touching any target.

Ledgers are only read.  The outcome holds what the CLI renders: the plan, each target's
state, whether anything would change, the preview rows asked for; ``save_to`` also saves
the plan for ``apply FILE`` (savedplan.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seedrunner.commands import savedplan
from seedrunner.commands.destroycount import destroy_counts
from seedrunner.commands.load import PlanArgs, load_plan
from seedrunner.commands.preview import preview_rows
from seedrunner.commands.status import TargetState, plan_state
from seedrunner.commands.widen import widened
from seedrunner.plan.steps import Plan


@dataclass(frozen=True)
class PlanRequest(PlanArgs):
    preview: int = 0  # rows per dataset to show, generated as apply makes them
    destroy: bool = False  # "changes" means: destroy would delete something
    save_to: Path | None = None


@dataclass
class PlanOutcome:
    plan: Plan
    states: list[TargetState]
    changes: bool  # apply (destroy, when asked) would change something
    preview: dict[str, list[dict[str, Any]]] | None = None


def plan_manifest(request: PlanRequest) -> PlanOutcome:
    m, p = load_plan(request)
    states = plan_state(p)
    if request.destroy:  # counted as destroy deletes, on the plan destroy runs
        states = destroy_counts(widened(request, p, states), states)
    if request.save_to is not None:
        savedplan.save_plan(request.save_to, m, p, states, request)
    changes = any(st.undoes if request.destroy else st.changes for st in states)
    rows = preview_rows(p, request.preview) if request.preview else None
    return PlanOutcome(p, states, changes, rows)
