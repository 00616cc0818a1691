"""One apply step of the ``sqlalchemy`` handler, put together from its parts.

``open_step`` builds, in the order the database sees them: the guard (errors), the ledger
collaborator (lock, what is written), the transaction mode (connection, table, commit)
and the inserter; ``SqlStep`` then writes a batch as: the rows the ledger lacks, inserted
and recorded in one transaction, with the keys the database assigned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext
from seedrunner.handlers.sqlconflict import to_rows
from seedrunner.handlers.sqlguard import SqlGuard
from seedrunner.handlers.sqlinsert import Inserter, cut_rows
from seedrunner.handlers.sqlkeys import advance_sequence
from seedrunner.handlers.sqlmodes import (
    MODES,
    Keys,
    OnLink,
    Setup,
    StepCounts,
    TransactionMode,
    step_guard,
)
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqlstepledger import StepLedger, step_ledger
from seedrunner.handlers.sqltable import TableTarget
from seedrunner.handlers.sqlupdate import DeferredUpdates
from seedrunner.redact import redact_url


class SqlStep:
    """An open step: writes batches, and commits or rolls back at ``close``."""

    def __init__(
        self,
        target: TableTarget,
        guard: SqlGuard,
        ledger: StepLedger,
        mode: TransactionMode,
        updates: DeferredUpdates,
        inserter: Inserter,
        counts: StepCounts,
    ) -> None:
        self.target, self.guard, self.ledger, self.mode = target, guard, ledger, mode
        self.updates, self.inserter, self.counts = updates, inserter, counts

    @property
    def link(self) -> Link:
        return self.mode.link

    def write(self, batch: Batch) -> Batch | None:
        target, ledger, updates, read = self.target, self.ledger, self.updates, self.mode.read
        if self.guard.lost:
            raise HandlerError(
                f"the transaction of dataset '{target.dataset}' on {target.label} was lost "
                "with its connection; the whole step must be retried"
            )
        self.mode.check()
        if batch.size == 0:  # executemany with no rows would insert one row of defaults
            return None
        names = target.column_names(batch)
        todo = ledger.todo(batch)
        self.counts.skipped += batch.size - sum(b - a for a, b in todo)
        if not todo:  # every row of this batch is already in the database
            return ledger.with_keys(batch, [], [], read) if target.returning else None
        updates.wrote = True
        written: list[tuple[int, int]] = []
        there = 0

        def write(conn: Connection, todo: list[tuple[int, int]]) -> Keys:
            nonlocal written, there
            columns = [batch.columns[n] for n in batch.names]
            if todo != [(batch.start, batch.stop)]:
                columns = cut_rows(columns, batch.start, todo)
            inserted = self.inserter.insert(conn, names, columns)
            keys = inserted.keys
            ledger.record(conn, todo, keys, row_keys(target, names, columns))
            if inserted.there:
                ledger.record_theirs(conn, to_rows(inserted.there, todo), self.inserter.how)
            there = len(inserted.there)
            if updates.final(batch):  # the parent's last batch completes a cycle, with it
                done = ledger.with_keys(batch, todo, keys, read) if target.returning else batch
                updates.complete(conn, done)
            written = todo
            return keys

        keys = self.mode.write(batch, f"write batch {batch.index}", todo, write)
        self.counts.add_theirs(self.inserter.how, there)
        if not target.returning:
            return None
        return ledger.with_keys(batch, written if keys else [], keys, read)

    def settle(self, on: OnLink) -> None:
        """Before the commit: sequences past explicit keys, and the deferred columns no
        batch of this step set."""
        table = self.target.table
        on("advance the key sequences", lambda c: advance_sequence(c, table))
        if not self.updates.done:
            on("update deferred columns", self.updates.complete)

    def close(self, error: BaseException | None) -> None:
        self.mode.close(error, self.settle)


def open_step(
    options: SqlAlchemyOptions,
    ctx: HandlerContext,
    url: sa.URL,
    engine: Any,
    target: TableTarget,
    counts: StepCounts,
) -> SqlStep:
    """Lock, connect (creating the table when asked), read the ledger and begin; what was
    opened is closed again when a later part fails."""
    mode_cls = MODES[options.transaction]
    guard = step_guard(options, target, engine.url)
    ledger = step_ledger(options, ctx, url, engine, target, guard)
    ledger.lock()  # before anything is written, tables included
    setup = Setup(
        ctx.resources,
        engine,
        target,
        guard,
        ledger,
        options.create_tables,
        redact_url(options.url),
        (ctx.dataset, ctx.target),
        ctx.retries,
        counts,
    )
    mode = mode_cls(setup)
    try:
        ledger.open(mode.shared)
        mode.begin()
    except BaseException as e:
        mode.close(e, lambda on: None)
        raise
    updates = DeferredUpdates(mode_cls.completes_with_last_batch, ctx.total_rows)
    return SqlStep(target, guard, ledger, mode, updates, Inserter(target, options), counts)


def row_keys(target: TableTarget, names: Sequence[str], columns: list[list[Any]]) -> list[Any]:
    """The primary key of each row written, for the ledger: rows whose spec can no longer
    be rebuilt (the model's code or Faker changed) are then still found by these.  Empty
    when the database assigns the key (recorded as it returns them) or no key is written."""
    if target.returning:
        return []
    at = {n: i for i, n in enumerate(names)}
    pk = [at.get(c.name) for c in target.table.primary_key.columns]
    if not pk or None in pk:
        return []
    return list(zip(*(columns[i] for i in pk if i is not None), strict=True))
