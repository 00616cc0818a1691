"""Observer protocol: the runner reports progress here; only the CLI knows how to show it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from seedrunner.execute.report import ApplyReport, StepResult
    from seedrunner.plan.steps import Plan, Step


class Observer(Protocol):
    def run_started(self, plan: Plan, dry_run: bool) -> None: ...

    def step_progress(self, step: Step, rows: int, total: int) -> None:
        """``rows`` more rows went through ``step`` (of ``total`` for the step)."""
        ...

    def step_finished(self, result: StepResult) -> None: ...

    def run_finished(self, report: ApplyReport) -> None: ...


class NullObserver:
    """The default: reports nothing."""

    def run_started(self, plan: Plan, dry_run: bool) -> None:
        pass

    def step_progress(self, step: Step, rows: int, total: int) -> None:
        pass

    def step_finished(self, result: StepResult) -> None:
        pass

    def run_finished(self, report: ApplyReport) -> None:
        pass
