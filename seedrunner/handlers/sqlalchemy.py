"""The ``sqlalchemy`` handler: batches into any SQLAlchemy URL, sync or async.

``transaction`` decides when rows commit: ``dataset`` (default) once when the step ends,
``batch`` after every batch, ``run`` once at the end of the whole run (one connection per
URL shared by every dataset).  A failed step rolls back what its transaction held.

Every error message goes through ``seedrunner.redact`` and keeps only the first line of
the driver's message (duplicate keys are rewritten to name the constraint), so neither the
password nor row values reach the output.

The handler only opens, delegates and closes; the work is done by parts with one job
each: ``sqltable`` (the table and its keys), ``sqlguard`` (errors, through
``seedrunner.db.errors``), ``sqlstepledger`` (ledger and lock, or none), ``sqlmodes``
(one strategy per transaction mode), ``sqlinsert`` (the insert paths), ``sqlstep`` (a
batch, put together) and ``sqlundo`` (destroy).
"""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa

from seedrunner.db.engines import Link, get_engine, resolve_url
from seedrunner.db.errors import describe, is_transient
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.handlers.sqlguard import SqlGuard
from seedrunner.handlers.sqlinsert import naive_utc
from seedrunner.handlers.sqlmodes import StepCounts
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqlstep import SqlStep, open_step
from seedrunner.handlers.sqltable import TableTarget, table_target
from seedrunner.handlers.sqlundo import SqlUndo, defer_on
from seedrunner.handlers.sqlupdate import ColumnUpdate, apply_update
from seedrunner.handlers.sqlwrite import insert_statement
from seedrunner.ledger.sqlledger import Applied
from seedrunner.redact import redact_url

# Re-exported: tests and plugins import these from here.
__all__ = [
    "SqlAlchemyHandler",
    "SqlAlchemyOptions",
    "describe",
    "insert_statement",
    "is_transient",
    "naive_utc",
    "resolve_url",
]


class SqlAlchemyHandler:
    """Write batches with COPY, executemany or INSERT ... RETURNING (see ``sqlinsert``).

    Keys: when the batch lacks the table's autoincrement primary key (``{skip: true}`` or an
    identity column), the database assigns it, ``write`` returns the batch with the
    assigned keys, and children read those.  Explicit integer keys move PostgreSQL's
    sequence past them before the commit, so the application's next insert does not
    collide.  In ``dataset`` and ``run`` modes a lost connection loses the transaction: the
    error is transient, but only a retry of the step can cure it, so further writes are
    refused.
    """

    name: ClassVar[str] = "sqlalchemy"
    Options: ClassVar[type[HandlerOptions]] = SqlAlchemyOptions

    def __init__(self, options: SqlAlchemyOptions) -> None:
        self.options = options
        self._target: TableTarget | None = None  # the table of the last open step
        self.counts = StepCounts()
        self._engine: Any = None
        self._step: SqlStep | None = None  # between open and close
        self._undo: SqlUndo | None = None  # between open_undo and close_undo

    def __repr__(self) -> str:
        return f"SqlAlchemyHandler({redact_url(self.options.url)!r})"

    @property
    def table(self) -> sa.Table | None:
        """The table the last step opened writes (None before ``open``)."""
        return self._target.table if self._target is not None else None

    @property
    def retried(self) -> int:
        """Batches tried again after a lost connection or a deadlock."""
        return self.counts.retried

    @property
    def skipped_rows(self) -> int:
        """Rows the ledger showed as already written (not written again)."""
        return self.counts.skipped

    @property
    def kept_rows(self) -> tuple[int, int]:
        """Rows the table held already: (ignored, updated in place); not written by us."""
        return self.counts.ignored, self.counts.updated

    # -- protocol ---------------------------------------------------------------------

    def open(self, ctx: HandlerContext) -> None:
        url = resolve_url(self.options.url, ctx.base_dir)
        self._engine = get_engine(ctx.resources, url, self.options.echo)
        target = table_target(ctx.model, ctx.dataset, ctx.fields, self.options)
        self._target = target
        self._step = open_step(self.options, ctx, url, self._engine, target, self.counts)

    def write(self, batch: Batch) -> Batch | None:
        return self._open_step().write(batch)

    def close(self, error: BaseException | None) -> None:
        step, self._step = self._step, None
        if step is not None:
            step.close(error)

    # -- cycles: deferred columns (handlers/sqlupdate) ------------------------------------

    def defer_update(self, update: ColumnUpdate) -> None:
        """Set ``update``'s column in this step's transaction, before it commits, when this
        step wrote rows (or ``update.force``): a complete re-apply updates nothing."""
        self._open_step().updates.add(update)

    def defer_constraints(self, names: list[str | None]) -> None:
        """Check these DEFERRABLE foreign keys at COMMIT (the run's transaction)."""
        guard, link = self._on()
        defer_on(guard, link, names, self.options.schema_)

    def update_now(self, update: ColumnUpdate) -> int:
        """Run ``update`` in the open transaction (destroy: cut a cycle before deleting)."""
        guard, link = self._on()
        done: int = guard.on(
            link, f"update {update.dataset}.{update.column}", lambda c: apply_update(c, update)
        )
        return done

    # -- undo (destroy, handlers/sqlundo) -------------------------------------------------

    def open_undo(self, ctx: HandlerContext, shared: bool = False, lock: bool = True) -> Applied:
        """For destroy: connect, read the ledger and begin one transaction for the step
        (``shared``: join one for every step on this database; see ``sqlundo``; ``lock``
        False: a session that only reads, closed with an error to roll back)."""
        if not self.options.ledger:
            raise HandlerError(
                f"dataset '{ctx.dataset}' -> target '{ctx.target}' keeps no ledger: seedrunner "
                "cannot tell its rows from the application's; set ledger: true before applying"
            )
        url = resolve_url(self.options.url, ctx.base_dir)
        self._engine = get_engine(ctx.resources, url)
        target = table_target(ctx.model, ctx.dataset, ctx.fields, self.options, False)
        self._target = target
        self._undo = SqlUndo(self.options, ctx, url, self._engine, target, shared, lock)
        return self._undo.begin()  # a failure here is closed by close_undo

    def undo(self, batch: Batch) -> int:
        """Delete the rows of ``batch`` the ledger records as written here; how many went."""
        return self.delete_keys(self.undo_keys(batch), f"delete batch {batch.index}")

    @property
    def self_referencing(self) -> bool:
        """The table has a foreign key to itself: its rows must go children first."""
        return self._target is not None and self._target.self_referencing

    def undo_keys(self, batch: Batch) -> list[tuple[Any, ...]]:
        """The primary keys of the rows of ``batch`` the ledger records as written here."""
        return self._opened_undo().undo_keys(batch)

    def prune_from(self, start: int) -> None:
        """apply --prune: this undo session deletes (and forgets) rows from ``start`` on."""
        self._opened_undo().prune_from = start

    def recorded_keys(self, batch: Batch) -> Batch:
        """``batch`` with the keys the database assigned, as the ledger recorded them."""
        return self._opened_undo().keyed(batch)

    def recorded_row_keys(self, stop: int) -> list[tuple[Any, ...]]:
        """The primary keys the ledger recorded for the rows before ``stop`` (sqlundo)."""
        return self._opened_undo().recorded_row_keys(stop)

    def delete_keys(self, picked: list[tuple[Any, ...]], what: str) -> int:
        """Delete the rows with these primary keys (in this order where it matters)."""
        return self._opened_undo().delete_keys(picked, what)

    def close_undo(self, error: BaseException | None) -> None:
        """Forget the step's ledger rows and commit with the deletes; or roll back both."""
        undo, self._undo = self._undo, None
        if undo is not None:
            undo.close(error)

    # -- the open part ------------------------------------------------------------------

    def _open_step(self) -> SqlStep:
        if self._step is None:
            raise HandlerError(f"{self!r} used before open() or after close()")
        return self._step

    def _opened_undo(self) -> SqlUndo:
        if self._undo is None:
            raise HandlerError(f"{self!r} used before open_undo() or after close_undo()")
        return self._undo

    def _on(self) -> tuple[SqlGuard, Link]:
        """The guard and connection of whichever is open: destroy's step or apply's."""
        if self._undo is not None:
            return self._undo.guard, self._undo.link
        step = self._open_step()
        return step.guard, step.link
