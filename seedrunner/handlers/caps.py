"""Optional handler capabilities, each a small protocol checked where it is used.

A handler needs only ``open``/``write``/``close``; these say what else it can do, so the
runner, destroy and the ledgers ask ``isinstance(handler, Undoes)`` instead of probing
attributes by name: stats for the report, deleting its rows for destroy, being driven
by destroy through its own ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol, runtime_checkable

from seedrunner.generate.rows import Batch
from seedrunner.handlers.adapters import AsyncHandlerAdapter
from seedrunner.ledger.sqlledger import Applied


@runtime_checkable
class SkipsRows(Protocol):
    """Counts rows its ledger showed as written already (the report's "skipped")."""

    skipped_rows: int


@runtime_checkable
class RetriesBatches(Protocol):
    """Counts batches it tried again itself (the report's retries)."""

    retried: int


@runtime_checkable
class KeepsTheirs(Protocol):
    """Counts rows the target held already: (ignored, updated in place), not its own."""

    kept_rows: tuple[int, int]


@runtime_checkable
class Undoes(Protocol):
    """Deletes the rows of a regenerated batch; returns how many went (for destroy)."""

    def undo(self, batch: Batch) -> int: ...


@runtime_checkable
class ChecksUndo(Protocol):
    """Can undo only with some options (HTTP: with a ``delete`` request)."""

    @staticmethod
    def undoable(options: Any) -> bool: ...


@runtime_checkable
class ExplainsUndo(Protocol):
    """Says why it cannot undo with these options, for plan and destroy."""

    cannot_undo: ClassVar[str]


@runtime_checkable
class UndoSession(Protocol):
    """Opened by destroy for one step: reads its ledger, deletes, forgets (SQL, stored)."""

    def open_undo(self, ctx: Any) -> Applied: ...

    def undo(self, batch: Batch) -> int: ...

    def close_undo(self, error: BaseException | None) -> None: ...


@runtime_checkable
class DeletesByKeys(Protocol):
    """A table whose rows point at each other: destroy deletes them children first."""

    self_referencing: bool

    def undo_keys(self, batch: Batch) -> list[tuple[Any, ...]]: ...

    def delete_keys(self, keys: list[tuple[Any, ...]], what: str) -> int: ...


@runtime_checkable
class DeletesRecordedKeys(Protocol):
    """An undo session that can delete rows by the keys its ledger recorded, without
    regenerating them (their spec can no longer be rebuilt): SQL."""

    def open_undo(self, ctx: Any, shared: bool = False, lock: bool = True) -> Applied: ...

    def recorded_row_keys(self, stop: int) -> list[tuple[Any, ...]]: ...

    def delete_keys(self, keys: list[tuple[Any, ...]], what: str) -> int: ...

    def close_undo(self, error: BaseException | None) -> None: ...


@runtime_checkable
class ExplainsNoLedger(Protocol):
    """A handler for which applying again without a ledger is not "every row written
    again" (a file written anew, the terminal): ``plan`` says what it is instead."""

    @classmethod
    def without_ledger(cls) -> str: ...


#: what plan says of a target that keeps no ledger, unless its handler says otherwise
WRITES_AGAIN = (
    "every apply writes all {rows:,} rows again (re-applying duplicates them, or meets "
    "their keys); set ledger: true to write only what is missing"
)


def without_ledger(handler_cls: type[Any], rows: int) -> str:
    """What applying again does to a target of ``handler_cls`` that keeps no ledger."""
    if issubclass(handler_cls, ExplainsNoLedger):
        return handler_cls.without_ledger()
    return WRITES_AGAIN.format(rows=rows)


def stats(handler: Any) -> tuple[int, int]:
    """(rows skipped, batches retried) as the handler counted them (0 when it does not)."""
    skipped = int(handler.skipped_rows or 0) if isinstance(handler, SkipsRows) else 0
    retried = int(handler.retried or 0) if isinstance(handler, RetriesBatches) else 0
    return skipped, retried


def kept(handler: Any) -> tuple[int, int]:
    """(rows ignored, rows updated in place) as the handler counted them (0, 0: none)."""
    return handler.kept_rows if isinstance(handler, KeepsTheirs) else (0, 0)


def can_undo(cls: type[Any], options: Any) -> bool:
    """Can handlers of ``cls`` delete their rows (an ``undo`` method, and the handler's
    ``undoable(options)`` says yes, e.g. HTTP only with a ``delete`` option)?"""
    if not issubclass(cls, Undoes):
        return False
    return bool(cls.undoable(options)) if issubclass(cls, ChecksUndo) else True


def undo_problem(cls: type[Any], handler: str, options: Any) -> str | None:
    """Why destroy cannot delete the rows of a ``handler`` target (None: it can)."""
    if can_undo(cls, options):
        return None
    why = cls.cannot_undo if isinstance(cls, ExplainsUndo) else None
    if not issubclass(cls, Undoes) or not isinstance(why, str):
        why = "it has no undo(batch) method, so destroy cannot delete its rows"
    return f"handler {handler}: {why}"


def undo_of(handler: Any, options: Any) -> Callable[[Batch], int] | None:
    """``handler``'s ``undo(batch) -> rows deleted`` when it can undo these options (an
    async handler's run on the run's loop)."""
    inner = handler.inner if isinstance(handler, AsyncHandlerAdapter) else handler
    if not isinstance(inner, Undoes) or not can_undo(type(inner), options):
        return None
    undo: Callable[[Batch], int] = inner.undo
    if inner is handler:
        return undo
    return lambda batch: int(handler._call(undo, batch))
