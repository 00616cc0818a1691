"""plan --destroy, counted the way destroy deletes: the same plan, keys and regenerated rows.

Counting ledger ranges alone said "would delete" where destroy then crashed (a child
regenerated from a parent key the database assigned).  Here each SQL step runs destroy's
own path up to the DELETE: the widened plan, the parents' keys from the ledger
(destroykeys), the batches regenerated, the keys destroy would delete by taken from
them, in a session that only reads (no lock, rolled back).  What it cannot count so (a
file, a state store, rows of another spec) keeps the count the ledger gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

from seedrunner.commands.destroy import (
    only_other_spec,
    recorded_keys_session,
    regenerated_batches,
)
from seedrunner.commands.destroykeys import ReadOnly, record_destroy_keys
from seedrunner.commands.grown import grown
from seedrunner.commands.status import TargetState
from seedrunner.db.pool import ResourcePool
from seedrunner.execute.contexts import handler_context
from seedrunner.execute.keys import KeyStore
from seedrunner.generate.rows import Batch
from seedrunner.handlers.adapters import adapt
from seedrunner.ledger.sqlledger import Applied
from seedrunner.plan.steps import DatasetPlan, Plan
from seedrunner.redact import scrub


@runtime_checkable
class CountsUndo(Protocol):
    """An undo session that names the keys it would delete by (SQL)."""

    def open_undo(self, ctx: Any, shared: bool = False, lock: bool = True) -> Applied: ...

    def undo_keys(self, batch: Batch) -> list[tuple[Any, ...]]: ...

    def close_undo(self, error: BaseException | None) -> None: ...


def destroy_counts(wide: Plan, states: Sequence[TargetState]) -> list[TargetState]:
    """``states`` with the rows destroy would delete, counted by destroy's own path on the
    plan ``wide`` (destroyall: the counts on record); a failure becomes the step's error."""
    counted = {(st.dataset, st.target) for st in states if _counted(st)}
    others = {(st.dataset, st.target) for st in states if _by_keys(st)}
    if not counted and not others:
        return list(states)
    found: dict[tuple[str, str], int | str | None] = {}
    resources = ResourcePool()
    try:
        wide = grown(wide, resources)  # as destroy regenerates them
        keys = KeyStore()
        try:
            for dp in wide.datasets:
                record_destroy_keys(wide, dp, keys, resources, 0.0)
        except Exception as e:  # destroy would fail the same way, before its first delete
            found = dict.fromkeys(counted, _why(e))
        else:
            for dp in wide.datasets:
                for position, t in enumerate(dp.targets):
                    if (dp.name, t.name) in counted:
                        found[dp.name, t.name] = _count(wide, dp, position, keys, resources)
        by_keys = {
            (dp.name, t.name): _count_by_keys(wide, dp, position, resources)
            for dp in wide.datasets
            for position, t in enumerate(dp.targets)
            if (dp.name, t.name) in others
        }
    finally:
        resources.close_all()
    out = [_with(st, found.get((st.dataset, st.target))) for st in states]
    return [replace(st, by_keys=by_keys.get((st.dataset, st.target), 0)) for st in out]


def _counted(st: TargetState) -> bool:
    return st.ledger and st.error is None and not st.other_spec and st.recorded > 0


def _count(
    plan: Plan, dp: DatasetPlan, position: int, keys: KeyStore, resources: ResourcePool
) -> int | str | None:
    """The keys destroy would delete by for one step (None: not a counting handler)."""
    target = dp.targets[position]
    handler = adapt(target.handler_cls(target.options))
    if not isinstance(handler, CountsUndo):
        return None
    ctx = handler_context(plan, dp, position, run_id="plan", resources=resources, lock_timeout=0)
    try:
        applied = handler.open_undo(ctx, lock=False)
        stop = applied.end
        return sum(len(handler.undo_keys(b)) for b in regenerated_batches(plan, dp, keys, stop))
    except Exception as e:
        return _why(e)
    finally:
        handler.close_undo(ReadOnly())


def _by_keys(st: TargetState) -> bool:
    return st.ledger and st.error is None and st.other_spec and not st.same_keys


def _count_by_keys(plan: Plan, dp: DatasetPlan, position: int, resources: ResourcePool) -> int:
    """Rows of another spec destroy would delete by their recorded keys (0: it cannot)."""
    other = only_other_spec(plan, dp, position, resources)
    target = dp.targets[position]
    if other is None:
        return 0
    handler = adapt(target.handler_cls(target.options))
    done = recorded_keys_session(plan, dp, position, resources, 0.0, handler, other, True)
    return done.rows if done.status == "nothing to undo" else 0


def _why(e: Exception) -> str:
    return scrub(f"destroy would fail: {type(e).__name__}: {e}".splitlines()[0])


def _with(st: TargetState, found: int | str | None) -> TargetState:
    if found is None:
        return st
    if isinstance(found, str):
        return replace(st, error=found)
    return replace(st, recorded=found)
