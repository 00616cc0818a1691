"""Preflight: every step of a plan checked against its target's state before anything is written.

A refusal met in the middle of a run left the datasets before it written: a manifest whose
third dataset holds rows of another spec wrote the first two, then failed.  The states are
the ones ``plan`` reads (status.py), so what plan says apply refuses is refused here, all
of it at once, located at the dataset in the manifest, before the first row goes out.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from seedrunner.commands.status import TargetState, plan_state
from seedrunner.errors import ManifestError, Problem, RunError
from seedrunner.plan.steps import Plan

CODE = "SR-E080"


def refusal(state: TargetState, replace: bool = False) -> tuple[str, str] | None:
    """Why apply would refuse this step, and the way out; None when it would not.
    ``replace``: rows of another spec are deleted first (apply --replace), so not refused."""
    where = f"dataset '{state.dataset}' on target '{state.target}'"
    if state.error is not None:
        return (
            f"{where}: state unknown: {state.error}",
            "make the ledger readable (is the server up, the file intact?); "
            "seedrunner plan shows the state of every step",
        )
    if state.other_spec and not replace:
        changed = ", ".join(state.changed)
        what = f" (changed: {changed})" if changed else ""
        since = f"changed since: {changed or 'unknown (written before specs were kept)'}. "
        return (
            f"{where}: written by another spec{what}: apply refuses",
            since + "Restore what changed, or run apply --replace to delete the earlier "
            "spec's rows and write this spec's",
        )
    return None


def refusals(plan: Plan, states: Sequence[TargetState], replace: bool = False) -> list[Problem]:
    """Every step ``states`` says apply would refuse, as a problem at its dataset."""
    located = {d.name: d.location for d in plan.datasets}
    problems = []
    for st in states:
        found = refusal(st, replace)
        if found is not None:
            message, hint = found
            problems.append(
                Problem(
                    message, location=located.get(st.dataset), path=f"datasets.{st.dataset}",
                    hint=hint, code=CODE,
                )
            )  # fmt: skip
    return problems


def preflight(plan: Plan, replace: bool = False) -> list[TargetState]:
    """Read every step's state; raise ManifestError (exit 2, nothing written) listing
    every step apply would refuse; then RunError (exit 1, nothing written) when a ledger
    could not be read (a server down is not the manifest's fault), naming the step, the
    server and the cause.  Returns the states for the caller."""
    states = plan_state(plan)
    readable = [st for st in states if st.error is None]
    problems = refusals(plan, readable, replace)
    if problems:
        raise ManifestError(problems)
    unread = next((st for st in states if st.error is not None), None)
    if unread is not None:
        raise RunError(
            f"{unread.dataset} → {unread.target}: cannot read its run ledger"
            f"{_address(plan, unread)}: {unread.error}; nothing was written "
            "(is the server up? apply again once it is)"
        )
    return states


def _address(plan: Plan, state: TargetState) -> str:
    """`` at host:port (url, password masked)`` of the step's ledger database, when it
    has one (not a file)."""
    targets = plan.dataset(state.dataset).targets
    spec = next((t.ledger for t in targets if t.name == state.target), None)
    try:
        url = make_url(spec.url) if spec is not None and spec.url else None
    except ArgumentError:
        return ""
    if url is None or not url.host or spec is None:
        return ""
    at = f"{url.host}:{url.port}" if url.port else url.host
    return f" at {at} ({spec.label})" if spec.label else f" at {at}"
