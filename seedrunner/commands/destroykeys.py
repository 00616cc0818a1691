"""The parents' keys destroy regenerates children from: as apply recorded them.

Apply hands each batch through its targets, and a target whose database assigns the keys
returns the batch with them; children read those (a ref, ``{{ parent.id }}``).  Destroy
cannot insert to learn them again: it asks each such target for the keys its ledger
recorded, in a session opened only to read them and rolled back.  Without this a child
that computes with ``parent.id`` regenerated from ``None`` and destroy crashed, while
``plan --destroy`` (which only counts ledger ranges) said it would work.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.execute.contexts import handler_context
from seedrunner.execute.keys import KeyStore
from seedrunner.execute.regenerate import dataset_batches, record_keys
from seedrunner.generate.rows import Batch
from seedrunner.handlers.adapters import adapt
from seedrunner.plan.steps import DatasetPlan, Plan


@runtime_checkable
class KeysOnRecord(Protocol):
    """An undo session that can give a batch the keys its database assigned (SQL)."""

    def open_undo(self, ctx: Any, shared: bool = False, lock: bool = True) -> Any: ...

    def recorded_keys(self, batch: Batch) -> Batch: ...

    def close_undo(self, error: BaseException | None) -> None: ...


class ReadOnly(Exception):
    """Ends a session opened only to read: closing with an error rolls it back."""


def record_destroy_keys(
    plan: Plan, dp: DatasetPlan, keys: KeyStore, resources: ResourcePool, lock_timeout: float
) -> None:
    """``dp``'s kept keys recorded as apply recorded them: regenerated, then given the keys
    its targets' databases assigned (in chain order, as apply passes a batch along)."""
    if not dp.keep:
        record_keys(plan, dp, keys)
        return
    sessions = _sessions(plan, dp, resources, lock_timeout)
    try:
        for made in dataset_batches(plan, dp, keys):
            for session in sessions:
                made.batch = session.recorded_keys(made.batch)
    finally:
        for session in sessions:
            session.close_undo(ReadOnly())


def _sessions(
    plan: Plan, dp: DatasetPlan, resources: ResourcePool, lock_timeout: float
) -> list[KeysOnRecord]:
    """Open a read session on every target of ``dp`` that records assigned keys; a target
    whose ledger cannot be read gives none (its own undo step reports why)."""
    out: list[KeysOnRecord] = []
    for position, target in enumerate(dp.targets):
        if target.ledger is None:
            continue
        handler = adapt(target.handler_cls(target.options))
        if not isinstance(handler, KeysOnRecord):
            continue
        ctx = handler_context(
            plan, dp, position, run_id="destroy", resources=resources, lock_timeout=lock_timeout
        )
        try:
            handler.open_undo(ctx, lock=False)
        except HandlerError as e:
            handler.close_undo(e)
            continue
        out.append(handler)
    return out
