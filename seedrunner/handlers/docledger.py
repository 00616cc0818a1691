"""The run ledger of a document handler (``postgres-jsonb``), kept in the step's transaction.

Without it, applying a chain again wrote every document again (a duplicate id, or rows
ignored while the summary counted them written).  The tables are the SQL ledger's
(``seedrunner.ledger.sqlledger``) beside the documents, in the same database, written on
the handler's own connection: the ledger commits or rolls back with the documents, so
``plan``, ``destroy`` and ``apply --replace`` read it as the ``sql`` ledger kind.  Where
the database assigns the documents' ids (``sqlite-json``), ``assigned`` keeps them in
``<ledger>_keys``: destroy cannot regenerate them.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext
from seedrunner.ledger.fingerprint import refusal
from seedrunner.ledger.sqlledger import (
    Applied,
    StepKey,
    forget,
    forget_keys,
    keys_table,
    ledger_table,
    read_applied,
    read_keys,
    read_specs,
    record,
    record_keys,
    record_spec,
    record_theirs,
    specs_table,
    theirs_table,
)


class DocLedger:
    """One step's ledger on the handler's connection: what to write, what was written."""

    def __init__(
        self,
        ctx: HandlerContext,
        name: str,
        schema: str | None,
        label: str,
        assigned: bool = False,
    ) -> None:
        self.facts, self.run_id, self.label = ctx.ledger_step, ctx.run_id, label
        self.step = StepKey(self.facts.manifest, ctx.dataset, ctx.target, self.facts.position)
        self.table = ledger_table(name, schema)
        self.specs = specs_table(name, schema)
        self.theirs = theirs_table(name, schema)
        self.keys = keys_table(name, schema) if assigned else None
        self.applied = Applied()
        self._spec_recorded = False

    def open(self, conn: Connection) -> dict[str, str] | None:
        """Create the tables if missing and read this step's ranges; the recorded parts of
        other specs' fingerprints when it holds rows of one (``refuse`` says why not)."""
        for table in (self.table, self.specs, self.theirs, self.keys):
            if table is not None:
                table.create(conn, checkfirst=True)
        self.applied = self.facts.own(read_applied(conn, self.table, self.step))
        other = self.applied.fingerprints - {self.facts.fingerprint}
        return read_specs(conn, self.specs, other) if other else None

    def refuse(self, recorded: dict[str, str] | None) -> None:
        """Rows of another spec would be kept beside this spec's: refuse, saying what
        changed."""
        if recorded is not None:
            facts = self.facts
            raise HandlerError(
                refusal(self.step.dataset, facts.where, self.label, facts.spec_parts,
                        recorded.values())
            )  # fmt: skip

    def todo(self, batch: Batch) -> list[tuple[int, int]]:
        return self.applied.missing(self.facts.fingerprint, batch.start, batch.stop)

    def present(self, batch: Batch) -> list[tuple[int, int]]:
        """The ranges of ``batch`` that are seedrunner's (destroy deletes those)."""
        return self.applied.present(self.facts.fingerprint, batch.start, batch.stop)

    def record(
        self, conn: Connection, ranges: list[tuple[int, int]], theirs: list[tuple[int, int]],
        how: str, ids: list[tuple[Any, ...]] | None = None,
    ) -> None:  # fmt: skip
        """``ranges`` written (``theirs``: rows of them the table held; ``ids``: the ids
        the database gave them, in order), on ``conn``."""
        fingerprint = self.facts.fingerprint
        if not self._spec_recorded:
            parts = json.dumps(self.facts.spec_parts, sort_keys=True)
            record_spec(conn, self.specs, fingerprint, parts)
            self._spec_recorded = True
        record(conn, self.table, self.step, self.run_id, fingerprint, ranges)
        if theirs:
            record_theirs(conn, self.theirs, self.step, fingerprint, theirs, how)
        if self.keys is not None and ids is not None:
            record_keys(conn, self.keys, self.step, fingerprint, ranges, ids)
        for a, b in ranges:
            self.applied.add(fingerprint, a, b)
        for a, b in theirs:
            self.applied.add_theirs(fingerprint, a, b)

    def read_for_undo(self, conn: Connection) -> Applied:
        self.applied = self.facts.own(read_applied(conn, self.table, self.step))
        return self.applied

    def check_undo(self) -> None:
        """Destroy finds documents by regenerating their ids from this spec only."""
        if self.applied.fingerprints - {self.facts.fingerprint}:
            raise HandlerError(
                f"dataset '{self.step.dataset}' on {self.label} holds rows of another spec "
                "than this manifest's; destroy finds rows by regenerating their keys, so "
                "restore the spec they were written with first"
            )

    def assigned_ids(self, conn: Connection, batch: Batch) -> list[Any]:
        """The recorded ids of ``batch``'s rows that are ours (destroy deletes those)."""
        if self.keys is None:
            return []
        ranges = self.present(batch)
        found = read_keys(conn, self.keys, self.step, self.facts.mine, batch.start, batch.stop)
        return [found[i][0] for a, b in ranges for i in range(a, b) if i in found]

    def forget(self, conn: Connection) -> None:
        """Drop the step's ledger rows (in the deletes' transaction), if it has a ledger."""
        if not sa.inspect(conn).has_table(self.table.name, schema=self.table.schema):
            return
        forget(conn, self.table, self.step)
        if self.keys is not None:
            forget_keys(conn, self.keys, self.step)


def delete_ids(conn: Connection, table: sa.Table, ids: list[Any]) -> int:
    """Delete the rows of ``table`` with these ids, 500 a statement; how many went."""
    gone = 0
    for at in range(0, len(ids), 500):
        result = conn.execute(table.delete().where(table.c.id.in_(ids[at : at + 500])))
        gone += int(result.rowcount or 0)
    return gone
