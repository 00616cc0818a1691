"""The apply use case: a manifest (or a saved plan) in, its datasets written, an outcome out.

What ``seedrunner apply`` does besides running the plan lives here, callable from Python:
a saved plan rebuilt and checked, the production guard, ``--replace`` (rows of earlier
specs deleted first), and Ctrl-C or SIGTERM turned into an outcome carrying the report of
what was committed.  A front end takes part through two hooks: ``confirm`` (may the plan's
targets be written?) and ``starting`` (the run begins: say what was replaced, give an
observer).  SIGTERM is only caught when the request asks: a notebook keeps its handlers.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from seedrunner.commands import savedplan
from seedrunner.commands.destroy import Undone, destroy
from seedrunner.commands.grown import grown
from seedrunner.commands.guard import Confirm, go_ahead, may_touch
from seedrunner.commands.load import PlanArgs, load_plan
from seedrunner.commands.preflight import preflight
from seedrunner.commands.replace import replace_changed
from seedrunner.commands.status import TargetState
from seedrunner.commands.widen import widened
from seedrunner.errors import HandlerError, ManifestError
from seedrunner.execute.events import NullObserver, Observer
from seedrunner.execute.report import ApplyReport
from seedrunner.execute.runner import ApplyInterrupted, apply
from seedrunner.manifest.loader import Manifest
from seedrunner.plan.steps import Plan

#: the run is about to start, after ``--replace``: what it deleted; returns the observer
Starting = Callable[[Plan, list[Undone]], Observer]


@dataclass(frozen=True)
class ApplyRequest(PlanArgs):
    """``manifest`` may name a saved plan (``plan -o``): it is then applied exactly, or
    refused when anything moved since; the other PlanArgs are ignored for it."""

    dry_run: bool = False  # generate and transform every batch, call no handler
    workers: int = 1
    lock_timeout: float = 0.0
    allow_protected: bool = False
    replace: bool = False  # first delete the rows ledgers hold under an earlier spec
    prune: bool = False  # first delete the rows ledgers hold past a lowered count
    catch_sigterm: bool = False  # SIGTERM interrupts the run like Ctrl-C (the CLI's)


@dataclass
class ApplyOutcome:
    plan: Plan
    report: ApplyReport | None = None  # None: ``confirm`` declined, nothing was written
    replaced: list[Undone] = field(default_factory=list)
    pruned: list[Undone] = field(default_factory=list)  # apply --prune: rows past the count
    over: list[TargetState] = field(default_factory=list)  # rows past the count left there
    interrupted_by: signal.Signals | None = None  # SIGINT or SIGTERM: report says what stayed

    @property
    def cancelled(self) -> bool:
        return self.report is None


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so `finally` blocks (rollbacks) run."""


def _silent(plan: Plan, replaced: list[Undone]) -> Observer:
    return NullObserver()


def apply_manifest(
    request: ApplyRequest, *, confirm: Confirm = go_ahead, starting: Starting = _silent
) -> ApplyOutcome:
    """Plan (or rebuild a saved plan), guard, replace, run; user errors raise
    SeedrunnerError subclasses (ManifestError: exit 2, nothing written)."""
    m, p = _planned(request)
    refusal = "apply refuses to write to"
    if not request.dry_run and not may_touch(p.datasets, request.allow_protected, refusal, confirm):
        return ApplyOutcome(p)
    states = []
    if not request.dry_run:  # every refusal before the first row: nothing written (exit 2)
        states = preflight(p, replace=request.replace)
    replaced, pruned = [], []
    if m is not None and request.replace and not request.dry_run:
        replaced = _replace(m, p, request.lock_timeout)
    over = [st for st in states if st.over and not st.other_spec]
    if request.prune and over:
        pruned = _prune(widened(request, p, over), p, over, request.lock_timeout)
    if not request.dry_run:  # rows written before a parent grew: picked as they were
        p = grown(p)
    observer = starting(p, replaced)
    left = [] if request.prune else over
    outcome = ApplyOutcome(p, replaced=replaced, pruned=pruned, over=left)
    with sigterm_interrupts() if request.catch_sigterm else nullcontext():
        try:
            outcome.report = apply(
                p,
                observer=observer,
                dry_run=request.dry_run,
                allow_protected=request.allow_protected,
                workers=request.workers,
                lock_timeout=request.lock_timeout,
            )
        except ApplyInterrupted as exc:
            outcome.report = exc.report
            by_term = isinstance(exc.__context__, Terminated)
            outcome.interrupted_by = signal.SIGTERM if by_term else signal.SIGINT
    return outcome


def _planned(request: ApplyRequest) -> tuple[Manifest | None, Plan]:
    """The request's plan, and its manifest (None for a saved plan, which --replace may
    not apply: replacing would change the state the plan saw)."""
    saved = savedplan.rebuilt(request.manifest) if request.manifest is not None else None
    if saved is None:
        return load_plan(request)
    for flag, on in (("--replace", request.replace), ("--prune", request.prune)):
        if on:
            raise ManifestError.single(
                f"{flag} cannot apply a saved plan: it would change the state the plan saw",
                hint=f"apply the manifest with {flag}, or plan -o again after it",
            )
    return None, saved


def _replace(m: Manifest, p: Plan, lock_timeout: float) -> list[Undone]:
    """apply --replace: delete rows of earlier specs first; a failed delete stops apply."""
    results = replace_changed(m, p, lock_timeout)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise HandlerError(
            "--replace: " + "; ".join(f"{r.dataset} -> {r.target}: {r.note}" for r in failed)
        )
    return results


def _prune(wide: Plan, p: Plan, over: list[TargetState], lock_timeout: float) -> list[Undone]:
    """apply --prune: delete the rows past each lowered count of ``p``, children first,
    regenerated from ``wide`` (the plan that wrote them); a failed delete stops apply
    (its step rolled back, ledger and rows as they were)."""
    counts = {d.name: d.count.total for d in p.datasets}
    cut = {(st.dataset, st.target): counts[st.dataset] for st in over}
    results = destroy(wide, None, lock_timeout, prune=cut)
    failed = [r for r in results if r.status in ("failed", "cannot undo")]
    if failed:
        raise HandlerError(
            "--prune: " + "; ".join(f"{r.dataset} -> {r.target}: {r.note}" for r in failed)
        )
    return [r for r in results if r.rows]


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block SIGTERM raises Terminated, so the step in flight rolls back as on
    Ctrl-C; the previous handler is put back after (main thread only, as signals are)."""
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()
