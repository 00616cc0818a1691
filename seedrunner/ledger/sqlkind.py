"""The ledger kind of a SQL target: tables in the target's own database (``sqlledger``).

The ledger commits with the rows, so the SQL handler itself keeps it while it writes and
while destroy deletes: this kind only reads it (plan, replace) and hands destroy the handler.
"""

from __future__ import annotations

from typing import Any

from seedrunner.db.engines import connect, get_engine, resolve_url
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
from seedrunner.ledger.locks import sqlite_file
from seedrunner.ledger.spec import LedgerSpec
from seedrunner.ledger.sqlledger import Applied, ledger_table, read_applied, read_specs, specs_table


class SqlLedger:
    """The ledger tables beside a SQL target's rows."""

    needs_spec = True

    def __init__(self, spec: LedgerSpec, resources: ResourcePool) -> None:
        self.spec, self.resources = spec, resources

    def state(self, step: StepRef) -> LedgerState:
        try:
            found = self.recorded(step)
        except Exception as e:  # any failure to read is "unknown", never a crash of plan
            return LedgerState(error=unreadable(e))
        return LedgerState(applied=found.applied, specs=found.specs)

    def recorded(self, step: StepRef) -> Recorded:
        """The step's ranges, and the recorded parts of fingerprints other than the plan's.

        A SQLite file that does not exist holds no ledger, and is not created by looking."""
        spec = self.spec
        url = resolve_url(spec.url, spec.base_dir)
        if url.get_backend_name() == "sqlite":
            path = sqlite_file(url)
            if path is not None and not path.exists():
                return Recorded(Applied(), {})
        engine = get_engine(self.resources, url)
        table = ledger_table(spec.table, spec.schema)
        specs = specs_table(spec.table, spec.schema)
        link = connect(self.resources, engine)
        key = step.key
        try:
            applied = link.run(lambda conn: read_applied(conn, table, key))
            other = applied.fingerprints - {step.fingerprint}
            return Recorded(applied, link.run(lambda conn: read_specs(conn, specs, other)))
        finally:
            link.close()

    def wrap(self, handler: Any) -> Any:
        return handler  # the handler keeps the ledger, in its own transaction

    def destroy(self, step: StepRef, target: UndoTarget, run: UndoRun, timeout: float) -> Destroyed:
        return run(target.handler())
