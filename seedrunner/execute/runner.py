"""apply: stream a Plan's batches through generate -> transforms -> the handler chain.

Datasets run in plan order; within a dataset every batch goes through all steps before the
next batch is generated, so memory holds one batch (plus the parent keys children need).
Handlers are closed with the outcome: a failed or interrupted step rolls back what the
step wrote, and nothing after it starts.
"""

from __future__ import annotations

import contextlib
import resource
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from seedrunner.db.pool import ResourcePool
from seedrunner.errors import RunError, SeedrunnerError, TransientHandlerError
from seedrunner.execute import deferred
from seedrunner.execute.contexts import handler_context
from seedrunner.execute.events import NullObserver, Observer
from seedrunner.execute.keys import KeyStore
from seedrunner.execute.parallel import batch_source
from seedrunner.execute.regenerate import Generate, Span, dataset_batches, generator
from seedrunner.execute.report import ApplyReport, StepResult
from seedrunner.generate.fakerclock import pinned_faker_clock
from seedrunner.generate.rows import Batch
from seedrunner.handlers.adapters import adapt
from seedrunner.handlers.caps import kept, stats
from seedrunner.ledger.base import open_ledger
from seedrunner.plan.guard import ProtectedTargetError, refuse_protected
from seedrunner.plan.steps import DatasetPlan, Plan, Step
from seedrunner.redact import scrub

T = TypeVar("T")


class ApplyInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during apply; ``report`` says what was committed."""

    def __init__(self, report: ApplyReport) -> None:
        super().__init__("interrupted")
        self.report = report


def peak_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


class _DatasetRun:
    """One dataset: its step results, open handlers and the batch loop."""

    def __init__(self, run: _Run, dp: DatasetPlan) -> None:
        self.run, self.dp = run, dp
        self.steps = [
            (s, StepResult(s.dataset, s.kind, s.name, dp.count.total)) for s in dp.steps()
        ]
        self.results = dict(self.steps)
        run.report.steps += [r for _, r in self.steps]
        self.handlers: list[tuple[Step, Any]] = []
        self.opened = False  # every handler opened: a failure after is mid-step

    def execute(self) -> None:
        """Run the dataset's steps; after a lost connection or a deadlock that a handler
        could not cure batch by batch (its whole transaction went), start the step over
        on fresh connections, when every handler of the chain keeps a ledger: what was
        committed is skipped, what was rolled back is written again, nothing twice."""
        attempt = 0
        while True:
            try:
                self._execute()
                return
            except TransientHandlerError as exc:
                policy = self.dp.retries
                if attempt >= policy.max or not self.opened or not self._restartable():
                    raise  # a server that cannot be reached at all: say so at once
                attempt += 1
                self.abort(exc)
                self.run.keys.forget(self.dp.name)
                for _, r in self.steps:
                    r.rows, r.batches = 0, 0
                    r.retries += 1 if r.kind == "persist" else 0
                policy.sleep(attempt)

    def _restartable(self) -> bool:
        """Can the step start over without writing a row twice?  Only if every target keeps
        a ledger and none holds the run's transaction (that lost earlier datasets too)."""
        ledgers = [t.ledger for t in self.dp.targets]
        return bool(ledgers) and all(s is not None and s.restartable for s in ledgers)

    def _execute(self) -> None:
        dp, run = self.dp, self.run
        persist_steps = [s for s, _ in self.steps if s.kind == "persist"]
        self.opened = False
        if not run.dry_run:
            self._open(persist_steps)
            deferred.attach(run.plan, dp, self.handlers, run.keys, run.written())
        self.opened = True
        generate = generator(run.plan, dp, run.keys, validate=True)
        parallel = batch_source(dp, run.workers, generate)
        with parallel or contextlib.nullcontext():  # the pool never outlives the dataset
            self._batches(generate if parallel is None else parallel.batch)
        while self.handlers:  # commit in chain order; a failed commit aborts the rest
            step, handler = self.handlers.pop(0)
            self.current = (step, -1, 0, 0)
            self._timed_once(step, handler.close, None)
            skipped, retried = stats(handler)
            self.results[step].skipped = skipped
            self.results[step].retries += retried
            self.results[step].ignored, self.results[step].updated = kept(handler)
        for _, r in self.steps:
            r.status = "dry run" if run.dry_run and r.kind == "persist" else "done"
            run.observer.step_finished(r)

    def _batches(self, source: Generate) -> None:
        """Every batch through generate, transforms and handlers, in order."""
        stages = [s for s, _ in self.steps if s.kind != "persist"]  # generate, transforms

        def stage(position: int, span: Span, fn: Callable[..., Batch], /, *args: Any) -> Batch:
            step = stages[position]
            self.current = (step, *span)
            return self._timed(step, fn, *args)

        run = self.run
        for made in dataset_batches(run.plan, self.dp, run.keys, source=source, stage=stage):
            batch = made.batch
            for step, handler in self.handlers:
                self.current = (step, *made.span)
                out = self._timed(step, handler.write, batch)
                batch = out if isinstance(out, Batch) else batch
            made.batch = batch  # the keys children read: as the chain returned them

    def _open(self, persist_steps: list[Step]) -> None:
        run = self.run
        for position, (step, target) in enumerate(zip(persist_steps, self.dp.targets, strict=True)):
            self.current = (step, -1, 0, 0)
            handler = adapt(target.handler_cls(target.options))
            if target.ledger is not None:  # a state store wraps the handler, others keep it
                handler = open_ledger(target.ledger, run.resources).wrap(handler)
            ctx = handler_context(
                run.plan, self.dp, position, run_id=run.report.run_id,
                resources=run.resources, lock_timeout=run.lock_timeout,
            )  # fmt: skip
            self._timed_once(step, handler.open, ctx)
            self.handlers.append((step, handler))

    def _timed(self, step: Step, fn: Callable[..., T], *args: Any) -> T:
        """Run one batch through ``fn``, adding its time and rows to ``step``."""
        out = self._timed_once(step, fn, *args)
        r = self.results[step]
        n = self.current[3]
        r.rows += n
        r.batches += 1
        self.run.observer.step_progress(step, n, r.total)
        return out

    def _timed_once(self, step: Step, fn: Callable[..., T], *args: Any) -> T:
        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.results[step].seconds += time.perf_counter() - t0

    def abort(self, error: BaseException) -> None:
        """Roll back every open handler; the first step still running is marked failed."""
        for _, handler in reversed(self.handlers):
            with contextlib.suppress(Exception):  # the original error is what the user needs
                handler.close(error)
        self.handlers = []


class _Run:
    def __init__(
        self,
        plan: Plan,
        observer: Observer,
        dry_run: bool,
        variables: Mapping[str, Any],
        base_dir: Path,
        workers: int = 1,
        lock_timeout: float = 0.0,
    ) -> None:
        self.plan, self.observer, self.dry_run = plan, observer, dry_run
        self.workers = workers
        self.lock_timeout = lock_timeout
        self.variables = variables
        self.base_dir = base_dir
        self.keys = KeyStore()
        self.resources = ResourcePool()
        self.report = ApplyReport(plan.manifest, uuid.uuid4().hex[:12], dry_run)
        targets = [t for d in plan.datasets for t in d.targets]
        self.report.resumable = any(t.ledger is not None for t in targets)

    def written(self) -> set[tuple[str, str]]:
        """(dataset, target) steps that wrote rows so far (not all skipped by a ledger)."""
        return {
            (r.dataset, r.name)
            for r in self.report.steps
            if r.kind == "persist" and r.status == "done" and r.rows > r.skipped
        }

    def execute(self) -> ApplyReport:
        t0 = time.perf_counter()
        self.observer.run_started(self.plan, self.dry_run)
        pending = [_DatasetRun(self, dp) for dp in self.plan.datasets]
        clock = pinned_faker_clock(self.plan.now)
        clock.__enter__()
        outcome: BaseException | None = None
        try:
            for ds in pending:
                try:
                    ds.execute()
                except BaseException as exc:
                    outcome = exc
                    ds.abort(exc)
                    self._failed(ds, exc)
                    if isinstance(exc, KeyboardInterrupt):
                        raise ApplyInterrupted(self.report) from None
                    if not isinstance(exc, Exception):
                        raise
                    break
            self._finish(outcome)
        except BaseException as exc:
            # Interrupted: roll back what waits for the run's end (finishers that already
            # ran are gone, so none runs twice).
            with contextlib.suppress(Exception):
                self.resources.finish(outcome or exc)
            raise
        finally:
            clock.__exit__(None, None, None)
            self.resources.close_all()
            self.report.seconds = time.perf_counter() - t0
            self.report.peak_rss_mb = round(peak_rss_mb(), 1)
            self.observer.run_finished(self.report)
        return self.report

    def _finish(self, outcome: BaseException | None) -> None:
        """Commit (or roll back) what waits for the run's end: ``transaction: run``."""
        try:
            undone = self.resources.finish(outcome)
        except Exception as exc:  # a run-end commit failed: every step it held is lost
            undone = getattr(exc, "undone", [])
            self.report.error = scrub(f"commit at the end of the run: {exc}")
            self.report.failed_step = self.report.failed_step or "run commit"
            self.report.failure = self.report.failure or {
                "code": "SR-E101",
                "message": self.report.error,
                "step": "commit",
                "cause": type(exc).__name__,
            }
        for r in self.report.steps:
            if r.kind == "persist" and r.status == "done" and (r.dataset, r.name) in undone:
                r.status = "rolled back"

    def _failed(self, ds: _DatasetRun, exc: BaseException) -> None:
        step, index, start, n = ds.current
        if isinstance(exc, KeyboardInterrupt):
            self.report.interrupted = True
            ds.results[step].status = "interrupted"
            return
        where = f"{step.label} (step {step.kind}"
        where += f", batch {index}, rows {start}..{start + n - 1})" if index >= 0 else ")"
        cause = exc if isinstance(exc, SeedrunnerError) else f"{type(exc).__name__}: {exc}"
        self.report.error = scrub(f"{where}: {cause}")
        loc = ds.dp.location
        self.report.failure = {
            "code": "SR-E100",
            "message": self.report.error,
            "file": getattr(loc, "file", None),
            "line": getattr(loc, "line", None),
            "column": getattr(loc, "column", None),
            "dataset": step.dataset,
            "step": step.kind,
            "target": step.name if step.kind == "persist" else None,
            "batch": index if index >= 0 else None,
            "rows": [start, start + n - 1] if index >= 0 else None,
            "cause": type(exc).__name__,
            "detail": scrub(str(exc)),
        }
        self.report.failed_step = step.label
        ds.results[step].status = "failed"
        for s, r in ds.steps:
            if r.status == "not started" and r.rows and s != step:
                r.status = "failed"  # rolled back with the dataset


def apply(
    plan: Plan,
    *,
    observer: Observer | None = None,
    dry_run: bool = False,
    allow_protected: bool = False,
    workers: int = 1,
    lock_timeout: float = 0.0,
) -> ApplyReport:
    """Run a plan; returns the report (``report.ok`` False when a step failed).

    ``dry_run`` generates, validates and transforms every batch but calls no handler.
    ``workers`` > 1 generates each dataset's rows in that many forked processes (the same
    rows; datasets whose rows depend on order, e.g. ``unique`` fields, stay in-process);
    transforms and handlers still run in this process, in batch order.  ``lock_timeout`` is
    how long to wait for another apply's lock on a ledger-keeping target (0: fail at once).
    Ctrl-C rolls back the step in flight and raises ``ApplyInterrupted`` carrying the
    report.  Protected targets (``protected: true``, or listed in pyproject.toml /
    SEEDRUNNER_PROTECTED: see ``seedrunner.plan.guard``) raise ProtectedTargetError
    (exit 2) before anything is opened, unless ``allow_protected``.
    """
    if not dry_run and not allow_protected:
        refuse_protected(plan.datasets)  # before any handler opens: nothing is written
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    run = _Run(
        plan, observer or NullObserver(), dry_run, plan.variables, plan.base_dir, workers,
        lock_timeout,
    )  # fmt: skip
    return run.execute()


__all__ = ["ApplyInterrupted", "ProtectedTargetError", "RunError", "apply"]
