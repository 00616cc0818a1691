"""The ledger kind of a file target: ``<file>.seedrunner-ledger.json`` (``fileledger``).

Its offsets, not a spec, say which bytes are seedrunner's, so destroy removes the file
by itself, whatever spec wrote it, and ``apply --replace`` needs no earlier spec.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.ledger.base import (
    Destroyed,
    LedgerState,
    Recorded,
    StepRef,
    UndoRun,
    UndoTarget,
)
from seedrunner.ledger.fileledger import FileChanged, FileLedger, undo_file
from seedrunner.ledger.spec import LedgerSpec
from seedrunner.ledger.sqlledger import Applied
from seedrunner.redact import scrub


class FileTargetLedger:
    """The ledger beside one file."""

    needs_spec = False

    def __init__(self, spec: LedgerSpec, resources: ResourcePool) -> None:
        self.spec, self.resources = spec, resources

    @property
    def path(self) -> Path:
        assert self.spec.path is not None, "a file ledger's spec names its file"
        return self.spec.path

    def state(self, step: StepRef) -> LedgerState:
        """The rows the ledger records, under the fingerprint that wrote them.  Destroy
        removes the file whatever spec wrote it, the ledger saying which bytes are ours."""
        path = self.path
        try:
            ledger = FileLedger.read(path)
            size = ledger.check(path) if ledger is not None else None
        except HandlerError as e:
            why = scrub(e.short if isinstance(e, FileChanged) else str(e))
            return LedgerState(error=why, undoable=False, undo_note=why)
        if ledger is None or size is None:
            return LedgerState()
        note = f"delete {ledger.rows:,} rows: remove {path.name} and its ledger"
        if ledger.offset <= ledger.start:  # an interrupted destroy: no rows, the file to remove
            return LedgerState(undo_note=note)
        return LedgerState(applied=_rows(ledger), undo_note=note)

    def recorded(self, step: StepRef) -> Recorded | None:
        ledger = FileLedger.read(self.path)
        return None if ledger is None else Recorded(_rows(ledger))

    def wrap(self, handler: Any) -> Any:
        return handler  # the file handler keeps the ledger beside its file

    def destroy(self, step: StepRef, target: UndoTarget, run: UndoRun, timeout: float) -> Destroyed:
        """Remove a file seedrunner wrote with a ledger; one that changed since is left."""
        try:
            removed = undo_file(self.path, "destroy", timeout)
        except HandlerError as e:
            return Destroyed(status="cannot undo", note=scrub(str(e)))
        except OSError as e:
            return Destroyed(status="failed", note=scrub(f"{e.filename}: {e.strerror or e}"))
        if removed is None:
            return Destroyed(status="nothing to undo")
        return Destroyed(removed.rows, "done", removed.how)


def _rows(ledger: FileLedger) -> Applied:
    """Rows 0 .. rows-1, under the fingerprint that wrote them."""
    return Applied({ledger.fingerprint: [(0, ledger.rows)]})
