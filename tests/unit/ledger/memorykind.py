"""A test-only ledger kind: the whole extension, in one module plus one ``register`` call.

``MemoryHandler`` writes ids to a list; its Options say it keeps a ``memory`` ledger; the
``MemoryLedger`` kind keeps row ranges in a dict, skips what it holds on apply and deletes
what it holds on destroy through the handler's ``undo``.  Nothing else in seedrunner knows
this kind exists.
"""

from __future__ import annotations

from typing import Any, ClassVar

from seedrunner.db.pool import ResourcePool
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.ledger.base import (
    Destroyed,
    LedgerState,
    Recorded,
    StepRef,
    UndoRun,
    UndoTarget,
)
from seedrunner.ledger.spec import LedgerSite, LedgerSpec
from seedrunner.ledger.sqlledger import Applied, StepKey

WRITTEN: dict[str, list[int]] = {}  # target -> ids on the "target"
LEDGER: dict[StepKey, Applied] = {}  # the memory ledger itself
CONTEXTS: list[HandlerContext] = []  # what the handler was opened with


class MemoryOptions(HandlerOptions):
    handler: str = "tests.unit.ledger.memorykind:MemoryHandler"
    ledger: bool = True

    def ledger_spec(self, site: LedgerSite) -> LedgerSpec | None:
        return LedgerSpec("memory", label=f"memory of {site.target}") if self.ledger else None


class MemoryHandler:
    name: ClassVar[str] = "memory"
    Options: ClassVar[type[HandlerOptions]] = MemoryOptions

    def __init__(self, options: MemoryOptions) -> None:
        self.options = options
        self.target = "?"

    def open(self, ctx: HandlerContext) -> None:
        CONTEXTS.append(ctx)
        self.target = ctx.target

    def write(self, batch: Batch) -> Batch | None:
        WRITTEN.setdefault(self.target, []).extend(batch.columns["id"])
        return None

    def close(self, error: BaseException | None) -> None:
        pass

    def undo(self, batch: Batch) -> int:
        ids = set(batch.columns["id"])
        kept = [i for i in WRITTEN.get(self.target, []) if i not in ids]
        gone = len(WRITTEN.get(self.target, [])) - len(kept)
        WRITTEN[self.target] = kept
        return gone


class MemoryLedger:
    """The kind: ranges per step in ``LEDGER``."""

    needs_spec = True

    def __init__(self, spec: LedgerSpec, resources: ResourcePool) -> None:
        self.spec = spec

    def state(self, step: StepRef) -> LedgerState:
        return LedgerState(applied=_copy(LEDGER.get(step.key, Applied())))

    def recorded(self, step: StepRef) -> Recorded | None:
        found = LEDGER.get(step.key)
        return None if found is None else Recorded(_copy(found))

    def wrap(self, handler: Any) -> Any:
        return _Recording(handler, None)

    def destroy(self, step: StepRef, target: UndoTarget, run: UndoRun, timeout: float) -> Destroyed:
        handler = target.handler()
        return run(_Recording(handler, target.undo_of(handler)))


class _Recording:
    """Apply: write what the ledger lacks and record it.  Destroy: delete what it holds."""

    def __init__(self, inner: Any, undo: Any) -> None:
        self.inner, self._undo = inner, undo
        self.skipped_rows = 0
        self.key: StepKey | None = None
        self.fingerprint = ""

    def open(self, ctx: HandlerContext) -> None:
        led = ctx.ledger_step
        self.key = StepKey(led.manifest, ctx.dataset, ctx.target, led.position)
        self.fingerprint = led.fingerprint
        self.inner.open(ctx)

    def write(self, batch: Batch) -> Batch | None:
        assert self.key is not None
        applied = LEDGER.setdefault(self.key, Applied())
        if not applied.missing(self.fingerprint, batch.start, batch.stop):
            self.skipped_rows += batch.size
            return None
        out = self.inner.write(batch)
        applied.add(self.fingerprint, batch.start, batch.stop)
        return out  # type: ignore[no-any-return]

    def close(self, error: BaseException | None) -> None:
        self.inner.close(error)

    def open_undo(self, ctx: HandlerContext) -> Applied:
        self.open(ctx)
        assert self.key is not None
        return _copy(LEDGER.get(self.key, Applied()))

    def undo(self, batch: Batch) -> int:
        return int(self._undo(batch))

    def close_undo(self, error: BaseException | None) -> None:
        if error is None and self.key is not None:
            LEDGER.pop(self.key, None)
        self.close(error)


def _copy(applied: Applied) -> Applied:
    return Applied({k: list(v) for k, v in applied.ranges.items()})
