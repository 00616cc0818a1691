"""Progress observers: a Rich bar per dataset step on a terminal, plain lines elsewhere."""

from __future__ import annotations

import time
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from seedrunner.execute.report import ApplyReport, StepResult
from seedrunner.plan.steps import Plan, Step


class RateColumn(TextColumn):
    """rows/s from the task's own speed estimate."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):  # type: ignore[no-untyped-def]
        speed = task.finished_speed or task.speed
        return f"{speed:>9,.0f} rows/s" if speed else " " * 16


class RichProgress:
    """One bar per dataset step: rows done / planned, rows/s, elapsed and ETA."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            refresh_per_second=8,
            transient=False,
        )
        self.tasks: dict[Step, TaskID] = {}

    def run_started(self, plan: Plan, dry_run: bool) -> None:
        width = max((len(s.label) for s in plan.steps), default=10)
        for step in plan.steps:
            if dry_run and step.kind == "persist":
                continue
            total = plan.dataset(step.dataset).count.total
            self.tasks[step] = self.progress.add_task(step.label.ljust(width), total=total)
        self.progress.start()

    def step_progress(self, step: Step, rows: int, total: int) -> None:
        task = self.tasks.get(step)
        if task is not None:
            self.progress.advance(task, rows)

    def step_finished(self, result: StepResult) -> None:
        pass

    def run_finished(self, report: ApplyReport) -> None:
        self.progress.stop()


class PlainProgress:
    """Log lines for pipes and CI: one per finished step, and a heartbeat every few seconds."""

    def __init__(self, stream: TextIO, every: float = 5.0) -> None:
        self.stream = stream
        self.every = every
        self.last = time.monotonic()
        self.done: dict[Step, int] = {}

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def run_started(self, plan: Plan, dry_run: bool) -> None:
        mode = " (dry run)" if dry_run else ""
        self._line(
            f"apply {plan.manifest}{mode}: {len(plan.datasets)} datasets, {plan.total_rows:,} rows"
        )

    def step_progress(self, step: Step, rows: int, total: int) -> None:
        self.done[step] = self.done.get(step, 0) + rows
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self._line(f"  {step.label}: {self.done[step]:,}/{total:,} rows")

    def step_finished(self, result: StepResult) -> None:
        name = result.dataset if result.kind == "generate" else f"{result.dataset} → {result.name}"
        self._line(f"  {name}: {result.rows:,} rows in {result.seconds:.2f} s ({result.status})")

    def run_finished(self, report: ApplyReport) -> None:
        pass
