"""The ledger kind of a target with no transactions (HTTP, Redis, plugins): a state store.

The ledger cannot commit with the rows, so apply and destroy drive the target's handler
wrapped in ``stored.StoredLedger``, which records each batch around the handler's write
(or undo); plan reads the store without creating it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seedrunner.db.engines import connect, get_engine
from seedrunner.db.pool import ResourcePool
from seedrunner.ledger.base import (
    Destroyed,
    LedgerState,
    Recorded,
    StepRef,
    UndoRun,
    UndoTarget,
    unreadable,
)
from seedrunner.ledger.spec import LedgerSpec
from seedrunner.ledger.sqlledger import Applied, StepKey, read_applied, read_specs
from seedrunner.ledger.stored import Pending, StoredLedger, StoreSpec, read_pending


class StoredKind:
    """A target's ledger in a state store (its ``state:`` target, or the local file)."""

    needs_spec = True

    def __init__(self, spec: LedgerSpec, resources: ResourcePool) -> None:
        self.spec, self.resources = spec, resources

    def state(self, step: StepRef) -> LedgerState:
        """Written and pending ranges; pending ones are written again by apply and deleted
        by destroy (they may be on the target)."""
        undoable = self.spec.cannot_undo is None
        note = self.spec.cannot_undo or ""
        try:
            found = read_state(self.spec, step.key, step.fingerprint, self.resources)
        except Exception as e:  # any failure to read is "unknown", never a crash of plan
            return LedgerState(error=unreadable(e), undoable=undoable, undo_note=note)
        pending = Applied()
        for p in found.pending:
            pending.add(p.fingerprint, p.start, p.stop)
        return LedgerState(
            applied=found.applied, pending=pending, specs=found.specs, undoable=undoable,
            undo_note=note,
        )  # fmt: skip

    def recorded(self, step: StepRef) -> Recorded:
        found = read_state(self.spec, step.key, step.fingerprint, self.resources)
        for p in found.pending:  # perhaps written: destroy deletes them too
            found.applied.add(p.fingerprint, p.start, p.stop)
        return Recorded(found.applied, found.specs)

    def wrap(self, handler: Any) -> Any:
        return StoredLedger(handler, self.spec)

    def destroy(self, step: StepRef, target: UndoTarget, run: UndoRun, timeout: float) -> Destroyed:
        handler = target.handler()
        return run(StoredLedger(handler, self.spec, target.undo_of(handler)))


@dataclass(frozen=True)
class StoredState:
    applied: Applied
    pending: list[Pending]
    specs: dict[str, str]  # recorded parts of fingerprints other than the current one


def read_state(
    ledger: LedgerSpec, key: StepKey, current: str, resources: ResourcePool
) -> StoredState:
    """What the state store records for one step, read-only: a local state file that does
    not exist means nothing was written (and is not created)."""
    spec = StoreSpec.of(ledger)
    if spec.local is not None and not spec.local.exists():
        return StoredState(Applied(), [], {})
    engine = get_engine(resources, spec.url)
    link = connect(resources, engine)
    table, specs, pending = spec.tables
    try:
        applied = link.run(lambda c: read_applied(c, table, key))
        waiting = link.run(lambda c: read_pending(c, pending, key))
        others = (applied.fingerprints | {p.fingerprint for p in waiting}) - {current}
        recorded = link.run(lambda c: read_specs(c, specs, others))
    finally:
        link.close()
    return StoredState(applied, waiting, recorded)
