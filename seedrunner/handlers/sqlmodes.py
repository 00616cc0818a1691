"""One strategy per ``transaction`` mode: when a SQL step's rows commit.

``batch`` commits every batch on its own (a lost connection or a deadlock is retried on a
fresh one), ``dataset`` holds one transaction for the step, ``run`` joins the run's one
transaction per URL (``sqlrun``).  Each mode owns its connection; the step hands it the
work and never asks which mode it has.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link, connect
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.retry import RetryPolicy
from seedrunner.handlers.sqlguard import SqlGuard
from seedrunner.handlers.sqlkeys import advance_sequence
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqlrun import RunScope, run_scope
from seedrunner.handlers.sqlstepledger import StepLedger
from seedrunner.handlers.sqltable import TableTarget

T = TypeVar("T")

Keys = list[tuple[Any, ...]]
#: writes the given row ranges of the batch on the connection; the keys assigned
RowWriter = Callable[[Connection, list[tuple[int, int]]], Keys]
#: runs a named action on the mode's connection (guarded)
OnLink = Callable[[str, Callable[[Connection], Any]], Any]
#: what the step does before its transaction commits, given where to do it
Settle = Callable[[OnLink], None]


@dataclass
class StepCounts:
    """What the runner reports for the step: rows the ledger skipped, batches retried,
    rows the table held already (ignored, or updated in place)."""

    skipped: int = 0
    retried: int = 0
    ignored: int = 0
    updated: int = 0

    def add_theirs(self, how: str, rows: int) -> None:
        if how == "ignored":
            self.ignored += rows
        else:
            self.updated += rows


@dataclass(frozen=True)
class Setup:
    """What every mode is given to open its connection."""

    resources: ResourcePool
    engine: Any
    target: TableTarget
    guard: SqlGuard
    ledger: StepLedger
    create_tables: bool
    label: str  # the URL, password masked: names the run's transaction
    step: tuple[str, str]  # (dataset, target) as the run's transaction lists them
    retries: RetryPolicy
    counts: StepCounts


class TransactionMode(Protocol):
    #: what a failed write leaves in the database, said after the error
    kept: ClassVar[str]
    #: a lost connection takes the step's open transaction with it
    loses_transaction: ClassVar[bool]
    #: the step's last batch commits the step's cycles (else its close does)
    completes_with_last_batch: ClassVar[bool]

    def __init__(self, setup: Setup) -> None: ...

    @property
    def link(self) -> Link: ...

    @property
    def shared(self) -> Link | None:
        """The run's connection, where the ledger must be read (``run`` only)."""
        ...

    def begin(self) -> None: ...

    def check(self) -> None:
        """Refuse a write the mode can no longer take."""
        ...

    def write(
        self, batch: Batch, what: str, todo: list[tuple[int, int]], write: RowWriter
    ) -> Keys: ...

    def read(self, what: str, read: Callable[[Connection], T]) -> T: ...

    def close(self, error: BaseException | None, settle: Settle) -> None: ...


def create_table(conn: Connection, table: sa.Table) -> None:
    table.metadata.create_all(conn, tables=[table], checkfirst=True)


def _create_committed(link: Link, table: sa.Table) -> None:
    link.begin()
    try:
        link.run(lambda c: create_table(c, table))
        link.commit()
    except BaseException:
        link.rollback()
        raise


def _own_link(s: Setup) -> Link:
    """A connection of the step's own, its table created (and committed) when asked."""
    link = s.guard.run("connect to the database", lambda: connect(s.resources, s.engine))
    if s.create_tables:
        try:
            s.guard.run("create the table", lambda: _create_committed(link, s.target.table))
        except BaseException:
            with contextlib.suppress(exc.SQLAlchemyError):
                link.rollback()
            link.close()
            raise
    return link


def _on(guard: SqlGuard, link: Link) -> OnLink:
    return lambda what, action: guard.on(link, what, action)


class DatasetMode:
    """``transaction: dataset``: one transaction for the step, committed at its close."""

    kept: ClassVar[str] = "Nothing of this step was kept."
    loses_transaction: ClassVar[bool] = True
    completes_with_last_batch: ClassVar[bool] = False

    def __init__(self, setup: Setup) -> None:
        self.guard = setup.guard
        self.link = _own_link(setup)
        self.shared = None

    def begin(self) -> None:
        self.guard.run("begin a transaction", self.link.begin)

    def check(self) -> None:
        pass

    def write(self, batch: Batch, what: str, todo: list[tuple[int, int]], write: RowWriter) -> Keys:
        return self.guard.on(self.link, what, lambda conn: write(conn, todo))

    def read(self, what: str, read: Callable[[Connection], T]) -> T:
        return self.guard.read_apart(self.link, what, read)

    def close(self, error: BaseException | None, settle: Settle) -> None:
        link, guard = self.link, self.guard
        guard.finish(link, lambda: settle(_on(guard, link)), ok=error is None and not guard.lost)


class BatchMode:
    """``transaction: batch``: each batch commits on its own; after a lost connection or
    a deadlock the batch is tried again on a fresh one, per the retry policy.

    A failure before COMMIT rolled the batch back, so writing it again is safe.  A failure
    at COMMIT leaves its outcome unknown: the ledger, committed with the rows, tells, so
    the retry re-reads it and writes only what is not there.  Without a ledger nothing
    can tell, and the step fails rather than risk a duplicate.
    """

    kept: ClassVar[str] = "Batches before this one stay committed."
    loses_transaction: ClassVar[bool] = False
    completes_with_last_batch: ClassVar[bool] = True

    def __init__(self, setup: Setup) -> None:
        self.s, self.guard = setup, setup.guard
        self._link: Link | None = _own_link(setup)
        self._at_commit = False  # did the last failure hit COMMIT (outcome unknown)
        self.shared = None

    @property
    def link(self) -> Link:
        assert self._link is not None, "handler used after its connection was dropped"
        return self._link

    def begin(self) -> None:
        pass

    def check(self) -> None:
        pass

    def read(self, what: str, read: Callable[[Connection], T]) -> T:
        return self.guard.read_apart(self.link, what, read)

    def write(self, batch: Batch, what: str, todo: list[tuple[int, int]], write: RowWriter) -> Keys:
        policy, ledger, attempt = self.s.retries, self.s.ledger, 0
        while True:
            try:
                return self._in_own_transaction(what, write, todo)
            except TransientHandlerError as e:
                attempt += 1
                unknown = self._at_commit
                if unknown and not ledger.keeps:
                    raise HandlerError(
                        f"{e} The commit's outcome is unknown: rows {batch.start}..{batch.stop - 1}"
                        " may or may not be in the database; with ledger: true seedrunner "
                        "reads its ledger to tell, and resumes"
                    ) from None
                if attempt > policy.max:
                    raise
                self.s.counts.retried += 1
                self._drop_link()
                policy.sleep(attempt)
                if unknown:  # what the ledger holds now, on a fresh connection
                    self._fresh_link()
                    ledger.reread(self.read)
                    todo = ledger.todo(batch)
                    if not todo:  # the commit had gone through
                        return []

    def _in_own_transaction(self, what: str, write: RowWriter, todo: list[tuple[int, int]]) -> Keys:
        """One transaction for the batch, on a fresh link if needed; explicit keys move
        the sequences past them before it commits."""
        link = self._fresh_link()
        target = self.s.target

        def run(conn: Connection) -> Keys:
            keys = write(conn, todo)
            if target.explicit_keys:
                advance_sequence(conn, target.table)
            return keys

        self._at_commit = False
        link.begin()
        try:
            keys = self.guard.on(link, what, run)
            self._at_commit = True
            self.guard.run("commit", link.commit)
            self._at_commit = False
        except BaseException:
            with contextlib.suppress(exc.SQLAlchemyError):
                link.rollback()
            raise
        return keys

    def _drop_link(self) -> None:
        """Forget the connection a transient failure left behind: a retry starts afresh."""
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(exc.SQLAlchemyError):
                link.close()

    def _fresh_link(self) -> Link:
        if self._link is not None and self._link.invalidated:
            self._link.close()
            self._link = None
        if self._link is None:
            s = self.s
            self._link = self.guard.run("reconnect", lambda: connect(s.resources, s.engine))
        return self._link

    def close(self, error: BaseException | None, settle: Settle) -> None:
        link, self._link = self._link, None
        if link is None:
            return
        if error is not None or self.guard.lost:
            link.close()
            return
        # sequences (and deferred columns no batch of this step set) in one of their own
        self.guard.run("begin a transaction", link.begin)
        self.guard.finish(link, lambda: settle(_on(self.guard, link)), ok=True)


class RunMode:
    """``transaction: run``: the step joins the run's transaction on its URL; the run
    commits or rolls back every step on it together."""

    kept: ClassVar[str] = "Nothing of this run was kept on this database."
    loses_transaction: ClassVar[bool] = True
    completes_with_last_batch: ClassVar[bool] = False

    def __init__(self, setup: Setup) -> None:
        self.guard, self.target = setup.guard, setup.target
        self.scope = self.guard.run("connect to the database", lambda: self._join(setup))
        self.link = self.shared = self.scope.link

    @staticmethod
    def _join(s: Setup) -> RunScope:
        scope = run_scope(s.resources, s.engine, s.label)
        if s.create_tables:
            if scope.link.dialect.name in ("mysql", "mariadb"):
                # MariaDB/MySQL commit DDL implicitly: create the table on a connection of
                # its own, so the run's transaction keeps holding every row until the end.
                own = connect(s.resources, s.engine)
                try:
                    _create_committed(own, s.target.table)
                finally:
                    own.close()
            else:
                scope.link.run(lambda c: create_table(c, s.target.table))
        scope.steps.append(s.step)
        return scope

    def begin(self) -> None:
        pass

    def check(self) -> None:
        if self.scope.failed:
            raise HandlerError(f"the run's transaction on {self.target.label} was rolled back")

    def write(self, batch: Batch, what: str, todo: list[tuple[int, int]], write: RowWriter) -> Keys:
        return self.guard.on(self.link, what, lambda conn: write(conn, todo))

    def read(self, what: str, read: Callable[[Connection], T]) -> T:
        return self.guard.read_apart(self.link, what, read)

    def close(self, error: BaseException | None, settle: Settle) -> None:
        if error is not None or self.guard.lost:
            self.scope.rollback(error)
        elif not self.scope.failed:
            settle(_on(self.guard, self.link))


MODES: dict[str, type[TransactionMode]] = {
    "batch": BatchMode,
    "dataset": DatasetMode,
    "run": RunMode,
}


def step_guard(options: SqlAlchemyOptions, target: TableTarget, url: sa.URL) -> SqlGuard:
    """The guard of a step on ``target``, in the words of the target's transaction mode."""
    mode = MODES[options.transaction]
    return SqlGuard(
        target.where, target.table, url, options.ledger_table, mode.kept, mode.loses_transaction
    )
