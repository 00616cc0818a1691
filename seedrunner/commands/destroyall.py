"""The destroy use case: a manifest in, the rows its ledgers record deleted, what went out.

The plan always covers every dataset (children's keys come from their parents); ``only``
picks the datasets whose rows go.  The production guard runs before anything is opened,
and ``confirm`` (the CLI asks on a terminal) may still decline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from seedrunner.commands.destroy import Undone, destroy
from seedrunner.commands.guard import Confirm, go_ahead, may_touch
from seedrunner.commands.load import PlanArgs, load_plan
from seedrunner.commands.status import plan_state
from seedrunner.commands.widen import widened
from seedrunner.errors import ManifestError
from seedrunner.plan.steps import Plan


@dataclass(frozen=True)
class DestroyRequest(PlanArgs):
    """``only``: the datasets whose rows are deleted (all when None); not a plan filter."""

    lock_timeout: float = 0.0
    allow_protected: bool = False


@dataclass
class DestroyOutcome:
    plan: Plan
    results: list[Undone] | None = None  # None: ``confirm`` declined, nothing was deleted

    @property
    def failed(self) -> bool:
        return any(r.status == "failed" for r in self.results or ())


def destroy_manifest(request: DestroyRequest, *, confirm: Confirm = go_ahead) -> DestroyOutcome:
    p = load_plan(replace(request, only=None))[1]
    only = request.only
    unknown = sorted(set(only or ()) - {d.name for d in p.datasets})
    if unknown:
        raise ManifestError.single(
            f"--only: no dataset named {', '.join(unknown)}",
            hint="names: " + ", ".join(d.name for d in p.datasets),
        )
    undone = [d for d in p.datasets if not only or d.name in only]
    if not may_touch(undone, request.allow_protected, "destroy refuses to delete from", confirm):
        return DestroyOutcome(p)
    wide = widened(request, p, plan_state(p))  # rows past a lowered count go too
    return DestroyOutcome(p, destroy(wide, only, request.lock_timeout))
