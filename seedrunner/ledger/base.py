"""The ledger interface: what status, destroy, replace and the runner ask of any ledger.

Three kinds implement it (``sqlkind``: a table beside a SQL target, ``filekind``: a file
beside a file target, ``storedkind``: a state store for HTTP, Redis and plugins); each is
registered under its ``LedgerSpec.kind`` and opened with ``open_ledger``.  Everything that
crosses the interface is a value (ranges, specs, errors as text), so a caller never needs
to know which kind it holds.  A new kind is one module plus one ``register`` call.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.exc import DBAPIError

from seedrunner.db.errors import describe
from seedrunner.db.pool import ResourcePool
from seedrunner.generate.rows import Batch
from seedrunner.ledger.spec import LedgerSpec
from seedrunner.ledger.sqlledger import Applied, StepKey
from seedrunner.redact import scrub


@dataclass(frozen=True)
class StepRef:
    """One (dataset, target) step of a plan, as a ledger records it."""

    manifest: str
    dataset: str
    target: str
    position: int
    fingerprint: str  # the plan's digest of what decides the dataset's rows
    total: int  # rows the plan asks for
    # fingerprints whose rows count as this one's: specs it grew from (plan/growth.py)
    accepted: frozenset[str] = frozenset()

    @property
    def key(self) -> StepKey:
        return StepKey(self.manifest, self.dataset, self.target, self.position)


@dataclass(frozen=True)
class Recorded:
    """What a ledger holds for a step: row ranges per fingerprint (those perhaps written
    included) and the recorded parts of the fingerprints other than the plan's."""

    applied: Applied
    specs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LedgerState:
    """A step's ledger as plan shows it; ``error`` set when it could not be read."""

    applied: Applied = field(default_factory=Applied)  # ranges recorded as written
    pending: Applied = field(default_factory=Applied)  # sent, outcome unknown
    specs: dict[str, str] = field(default_factory=dict)  # parts of other fingerprints
    undoable: bool = True  # can destroy remove these rows
    undo_note: str = ""  # what destroy would do, or why it cannot
    error: str | None = None

    @property
    def written(self) -> Applied:
        """The ranges that may be on the target: written plus pending."""
        out = Applied({k: list(v) for k, v in self.applied.ranges.items()})
        for fingerprint, ranges in self.pending.ranges.items():
            for a, b in ranges:
                out.add(fingerprint, a, b)
        return out


@dataclass(frozen=True)
class Destroyed:
    """What destroy did to one step: rows deleted, a status and a note."""

    rows: int = 0
    status: str = "not started"  # "done", "nothing to undo", "cannot undo", "failed"
    note: str = ""


@dataclass(frozen=True)
class UndoTarget:
    """What destroy gives a ledger: how to make the target's handler (not opened), and
    how a handler made so deletes one batch (None: it cannot)."""

    handler: Callable[[], Any]
    undo_of: Callable[[Any], Callable[[Batch], int] | None]


#: destroy's part of a step: open ``session`` for undo, delete the regenerated rows its
#: ledger records through it, close it
UndoRun = Callable[[Any], Destroyed]


class Ledger(Protocol):
    """A target's ledger, opened on a run's resources."""

    spec: LedgerSpec

    @property
    def needs_spec(self) -> bool:
        """Are rows of an earlier spec found only by regenerating that spec (so
        ``apply --replace`` rebuilds it)?  False: the ledger alone says what to remove."""
        ...

    def state(self, step: StepRef) -> LedgerState:
        """What the ledger records for ``step``, read-only; never raises."""
        ...

    def recorded(self, step: StepRef) -> Recorded | None:
        """The ranges and other specs on record (None: nothing); raises when unreadable."""
        ...

    def wrap(self, handler: Any) -> Any:
        """What apply and destroy drive: ``handler`` itself when its ledger lives beside
        its rows, else the handler wrapped with the ledger (a state store)."""
        ...

    def destroy(self, step: StepRef, target: UndoTarget, run: UndoRun, timeout: float) -> Destroyed:
        """Remove what the ledger records for ``step``: by itself (a file), or through
        ``run(session)`` with ``session`` the target's handler as this ledger keeps it."""
        ...


LedgerFactory = Callable[[LedgerSpec, ResourcePool], Ledger]

#: kind -> "module:attribute" of its factory, imported on first use
_BUILTIN = {
    "sql": "seedrunner.ledger.sqlkind:SqlLedger",
    "file": "seedrunner.ledger.filekind:FileTargetLedger",
    "stored": "seedrunner.ledger.storedkind:StoredKind",
}
_KINDS: dict[str, LedgerFactory] = {}


def register(kind: str, factory: LedgerFactory) -> None:
    """Make ``open_ledger`` open specs of ``kind`` with ``factory``."""
    _KINDS[kind] = factory


def open_ledger(spec: LedgerSpec, resources: ResourcePool) -> Ledger:
    """The ledger ``spec`` describes, on ``resources`` (nothing is read yet)."""
    factory = _KINDS.get(spec.kind)
    if factory is None:
        where = _BUILTIN.get(spec.kind)
        if where is None:
            raise KeyError(f"no ledger of kind {spec.kind!r} (known: {', '.join(kinds())})")
        module, name = where.split(":")
        factory = getattr(importlib.import_module(module), name)
        _KINDS[spec.kind] = factory
    return factory(spec, resources)


def kinds() -> list[str]:
    return sorted({*_BUILTIN, *_KINDS})


def unreadable(e: Exception) -> str:
    """A ledger read's failure as plan shows it: one line, passwords masked."""
    cause = describe(e) if isinstance(e, DBAPIError) else f"{type(e).__name__}: {e}"
    return scrub(cause.splitlines()[0])
