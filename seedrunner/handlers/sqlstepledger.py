"""The SQL step's ledger collaborator: every ledger and lock interaction of one step.

With ``ledger: true`` a ``SqlLedger`` takes the database's apply lock, creates and reads
the run ledger (``seedrunner.ledger.sqlledger``), says which rows of a batch are still to
write, records what was written in the same transaction, and keeps the keys the database
assigned.  With ``ledger: false`` the step gets a ``NoLedger``, which writes everything
and records nothing, so the rest of the handler never asks whether a ledger is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link, connect
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext
from seedrunner.handlers.sqlguard import SqlGuard
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqltable import TableTarget, python_type
from seedrunner.ledger import locks
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
from seedrunner.redact import redact_url

T = TypeVar("T")


class Reader(Protocol):
    """Runs ``read`` on the step's connection (in a transaction), reporting ``what``."""

    def __call__(self, what: str, read: Callable[[Connection], T]) -> T: ...


class StepLedger(Protocol):
    """What the step asks of its ledger, kept or not."""

    @property
    def keeps(self) -> bool:
        """Can it tell what a commit of unknown outcome wrote?"""
        ...

    def lock(self) -> None: ...

    def open(self, shared: Link | None) -> None:
        """Create the ledger's tables if missing and read what it holds for this step."""
        ...

    def todo(self, batch: Batch) -> list[tuple[int, int]]:
        """The row ranges of ``batch`` still to write."""
        ...

    def record(
        self,
        conn: Connection,
        ranges: list[tuple[int, int]],
        keys: list[tuple[Any, ...]],
        row_keys: list[tuple[Any, ...]] | None = None,
    ) -> None:
        """``ranges`` written, with the keys the database assigned them (``keys``) or,
        for keys seedrunner made, their primary keys (``row_keys``)."""
        ...

    def record_theirs(self, conn: Connection, ranges: list[tuple[int, int]], how: str) -> None:
        """Rows of ranges just recorded that the target held already (not seedrunner's)."""
        ...

    def reread(self, read: Reader) -> None:
        """Read the ledger again (after a commit whose outcome is unknown)."""
        ...

    def with_keys(
        self,
        batch: Batch,
        written: list[tuple[int, int]],
        keys: list[tuple[Any, ...]],
        read: Reader,
    ) -> Batch:
        """``batch`` with the keys the database assigned (see ``merge_keys``)."""
        ...


class NoLedger:
    """``ledger: false``: every row is written, nothing is recorded."""

    keeps = False

    def __init__(self, target: TableTarget) -> None:
        self.target = target

    def lock(self) -> None:
        pass

    def open(self, shared: Link | None) -> None:
        pass

    def todo(self, batch: Batch) -> list[tuple[int, int]]:
        return [(batch.start, batch.stop)]

    def record(
        self,
        conn: Connection,
        ranges: list[tuple[int, int]],
        keys: list[tuple[Any, ...]],
        row_keys: list[tuple[Any, ...]] | None = None,
    ) -> None:
        pass

    def record_theirs(self, conn: Connection, ranges: list[tuple[int, int]], how: str) -> None:
        pass

    def reread(self, read: Reader) -> None:
        pass

    def with_keys(
        self,
        batch: Batch,
        written: list[tuple[int, int]],
        keys: list[tuple[Any, ...]],
        read: Reader,
    ) -> Batch:
        return merge_keys(self.target, batch, written, keys, {})


class SqlLedger:
    """The run ledger of one step, in the target database (``ledger: true``)."""

    keeps = True

    def __init__(
        self,
        options: SqlAlchemyOptions,
        ctx: HandlerContext,
        url: sa.URL,
        engine: Any,
        target: TableTarget,
        guard: SqlGuard,
    ) -> None:
        self.facts = ctx.ledger_step  # the step as the ledger records it
        self.url, self.label = url, redact_url(options.url)
        self.resources: ResourcePool = ctx.resources
        self.run_id, self.engine, self.target, self.guard = ctx.run_id, engine, target, guard
        self.name, self.schema = options.ledger_table, options.schema_
        self.table = ledger_table(self.name, self.schema)
        self.specs = specs_table(self.name, self.schema)
        self.keys = keys_table(self.name, self.schema)
        self.theirs = theirs_table(self.name, self.schema)
        self.conflicts = options.on_conflict != "error"  # rows may be the target's own
        self.step = StepKey(self.facts.manifest, ctx.dataset, ctx.target, self.facts.position)
        self.applied = Applied()
        self._spec_recorded = False

    def lock(self) -> None:
        self.guard.run("take the database's apply lock", self.hold)

    def hold(self) -> None:
        """Hold this database's apply lock for the rest of the run (once per URL)."""
        locks.hold(
            self.resources,
            self.url,
            self.name,
            self.schema,
            run_id=self.run_id,
            timeout=self.facts.lock_timeout,
            label=self.label,
            connect=lambda: connect(self.resources, self.engine),
        )

    def open(self, shared: Link | None) -> None:
        self.guard.run("read the run ledger", lambda: self._open(shared))

    def _open(self, shared: Link | None) -> None:
        """Create the ledger's tables if missing (committed on their own, like
        create_tables) and read what they record for this step; refuse rows written by
        another spec.  Under ``transaction: run`` the ledger lives in the run's
        transaction (a second connection would wait on its locks), except for MariaDB's
        auto-committing DDL."""
        assigned = self.keys if self.target.table.primary_key.columns else None
        theirs = self.theirs if self.conflicts else None

        def create(conn: Connection) -> None:
            self.table.create(conn, checkfirst=True)
            self.specs.create(conn, checkfirst=True)
            for extra in (assigned, theirs):
                if extra is not None:
                    extra.create(conn, checkfirst=True)

        def read(conn: Connection) -> Applied:
            return read_applied(conn, self.table, self.step)

        if shared is not None and self.engine.dialect.name not in ("mysql", "mariadb"):
            shared.run(create)
            applied = shared.run(read)
        else:
            own = connect(self.resources, self.engine)
            try:
                own.begin()
                own.run(create)
                own.commit()
                applied = (shared or own).run(read)
            finally:
                own.close()
        applied = self.facts.own(applied)
        other = applied.fingerprints - {self.facts.fingerprint}
        if other:
            raise HandlerError(self._changed_spec(other, shared))
        self.applied = applied

    def _changed_spec(self, other: set[str], shared: Link | None) -> str:
        """Why rows of another fingerprint are refused: which parts changed, and where."""
        reader = shared or connect(self.resources, self.engine)
        try:
            recorded = reader.run(lambda c: read_specs(c, self.specs, other))
        finally:
            if shared is None:
                reader.close()
        facts = self.facts
        return refusal(
            self.step.dataset, facts.where, self.target.label, facts.spec_parts, recorded.values()
        )

    def todo(self, batch: Batch) -> list[tuple[int, int]]:
        return self.applied.missing(self.facts.fingerprint, batch.start, batch.stop)

    def present(self, batch: Batch) -> list[tuple[int, int]]:
        """The row ranges of ``batch`` recorded as written (destroy deletes those)."""
        return self.applied.present(self.facts.fingerprint, batch.start, batch.stop)

    def record(
        self,
        conn: Connection,
        ranges: list[tuple[int, int]],
        keys: list[tuple[Any, ...]],
        row_keys: list[tuple[Any, ...]] | None = None,
    ) -> None:
        fingerprint = self.facts.fingerprint
        if not self._spec_recorded:
            parts = json.dumps(self.facts.spec_parts, sort_keys=True)
            record_spec(conn, self.specs, fingerprint, parts)
            self._spec_recorded = True
        record(conn, self.table, self.step, self.run_id, fingerprint, ranges)
        if self.target.returning:
            record_keys(conn, self.keys, self.step, fingerprint, ranges, keys)
        elif row_keys:
            record_keys(conn, self.keys, self.step, fingerprint, ranges, row_keys)
        for a, b in ranges:
            self.applied.add(fingerprint, a, b)

    def record_theirs(self, conn: Connection, ranges: list[tuple[int, int]], how: str) -> None:
        fingerprint = self.facts.fingerprint
        record_theirs(conn, self.theirs, self.step, fingerprint, ranges, how)
        for a, b in ranges:
            self.applied.add_theirs(fingerprint, a, b)

    def reread(self, read: Reader) -> None:
        applied = read("read the run ledger", lambda c: read_applied(c, self.table, self.step))
        self.applied = self.facts.own(applied)

    def with_keys(
        self,
        batch: Batch,
        written: list[tuple[int, int]],
        keys: list[tuple[Any, ...]],
        read: Reader,
    ) -> Batch:
        recorded: dict[int, tuple[Any, ...]] = {}
        if sum(b - a for a, b in written) < batch.size:
            recorded = self._recorded_keys(batch.start, batch.stop, read)
        return merge_keys(self.target, batch, written, keys, recorded)

    def _recorded_keys(self, start: int, stop: int, read: Reader) -> dict[int, tuple[Any, ...]]:
        """Assigned keys of rows ``[start, stop)`` as ``<ledger>_keys`` holds them."""
        step, fingerprint = self.step, self.facts.mine
        found = read(
            "read the recorded keys",
            lambda c: read_keys(c, self.keys, step, fingerprint, start, stop),
        )
        types = [python_type(c) for c in self.target.returning]
        return {
            i: tuple(
                t(v) if t is not None and v is not None else v
                for t, v in zip(types, vals, strict=True)
            )
            for i, vals in found.items()
        }

    # -- destroy ------------------------------------------------------------------------

    def read_for_undo(self, link: Link) -> Applied:
        """What the ledger records for this step, in the step's transaction; rows of
        another spec are refused (destroy regenerates keys from this one)."""
        applied = self.facts.own(
            self.guard.on(
                link, "read the run ledger", lambda c: read_applied(c, self.table, self.step)
            )
        )
        if applied.fingerprints - {self.facts.fingerprint}:
            raise HandlerError(
                f"dataset '{self.step.dataset}' on {self.target.label} holds rows of another "
                "spec than this manifest's; destroy finds rows by regenerating their keys, so "
                "restore the spec they were written with first"
            )
        self.applied = applied
        return applied

    def forget(self, link: Link) -> None:
        """Drop the step's ledger rows (with its record of the target's own rows) and
        recorded keys, in the deletes' transaction."""

        def drop(c: Connection) -> None:
            forget(c, self.table, self.step)
            forget_keys(c, self.keys, self.step)

        self.guard.on(link, "forget the ledger", drop)


def merge_keys(
    target: TableTarget,
    batch: Batch,
    written: list[tuple[int, int]],
    keys: list[tuple[Any, ...]],
    recorded: dict[int, tuple[Any, ...]],
) -> Batch:
    """``batch`` with the keys the database assigned: just returned for the rows in
    ``written``, and for the rest (written by an earlier apply) as the ledger recorded
    them, so children of skipped rows still get their parents' keys."""
    by_row: dict[int, Any] = {}
    returned = iter(keys)
    for a, b in written:
        for i in range(a, b):
            by_row[i] = next(returned)
    if len(by_row) < batch.size:
        by_row.update(recorded)
    lost = [i for i in range(batch.start, batch.stop) if i not in by_row]
    if lost:
        raise HandlerError(
            f"{target.where}: rows {lost[0]}..{lost[-1]} are written, but the keys the "
            "database gave them are not on record (written before seedrunner kept them), "
            "so their children cannot be given them: destroy or delete those rows and "
            "apply again"
        )
    rows = [by_row[i] for i in range(batch.start, batch.stop)]
    added = {c.name: [k[j] for k in rows] for j, c in enumerate(target.returning)}
    return batch.replace_columns({**batch.columns, **added})


def step_ledger(
    options: SqlAlchemyOptions,
    ctx: HandlerContext,
    url: sa.URL,
    engine: Any,
    target: TableTarget,
    guard: SqlGuard,
) -> SqlLedger | NoLedger:
    """The step's ledger collaborator, by the target's ``ledger`` option."""
    if options.ledger:
        return SqlLedger(options, ctx, url, engine, target, guard)
    return NoLedger(target)
