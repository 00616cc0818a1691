"""Destroy on a SQL target: delete the rows the ledger records, then forget them.

Rows are found by their primary key, regenerated from the same spec, so the ledger must
hold this spec's fingerprint only.  One transaction per step; or, ``shared``, one
transaction for every step on the database with deferrable constraints checked at its
COMMIT (a cycle of NOT NULL keys can only go all at once), which the caller commits
(``resources.finish``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link, connect
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext
from seedrunner.handlers.sqlguard import SqlGuard
from seedrunner.handlers.sqlmodes import step_guard
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqlrun import RunScope, run_scope
from seedrunner.handlers.sqlstepledger import SqlLedger
from seedrunner.handlers.sqltable import TableTarget, python_type
from seedrunner.handlers.sqlupdate import delete_by_key, delete_in_order, set_constraints_deferred
from seedrunner.ledger.prune import forget_from
from seedrunner.ledger.sqlledger import Applied, read_keys
from seedrunner.redact import redact_url

T = TypeVar("T")

#: databases that check a self-referencing key, or cascade a delete, row by row
_ROW_BY_ROW = ("mysql", "mariadb", "sqlite")


class SqlUndo:
    """A connected destroy step: ``begin`` reads the ledger, ``close`` commits or not."""

    def __init__(
        self,
        options: SqlAlchemyOptions,
        ctx: HandlerContext,
        url: sa.URL,
        engine: Any,
        target: TableTarget,
        shared: bool,
        lock: bool = True,
    ) -> None:
        self.target, self.engine, self.schema = target, engine, options.schema_
        self.guard = guard = step_guard(options, target, engine.url)
        self.ledger = SqlLedger(options, ctx, url, engine, target, guard)
        if lock:  # a session that only reads (keys, plan --destroy) does not wait on apply
            self.ledger.hold()
        self.scope: RunScope | None = None
        self.prune_from: int | None = None  # apply --prune: only rows from here on go
        if shared:
            label = redact_url(options.url)
            self.scope = guard.run(
                "connect to the database", lambda: run_scope(ctx.resources, engine, label)
            )
            self.link: Link = self.scope.link
            self.scope.steps.append((ctx.dataset, ctx.target))
        else:
            self.link = guard.run("connect to the database", lambda: connect(ctx.resources, engine))

    def begin(self) -> Applied:
        """Defer the constraints (shared) or begin the step's transaction, and read the
        ledger in it."""
        if self.scope is not None:
            defer_on(self.guard, self.link, [None], self.schema)
        else:
            self.guard.run("begin a transaction", self.link.begin)  # the read is part of it
        return self.ledger.read_for_undo(self.link)

    def undo_keys(self, batch: Batch) -> list[tuple[Any, ...]]:
        """The primary keys of the rows of ``batch`` the ledger records as written here."""
        target = self.target
        ranges = self.ledger.present(batch)
        if not ranges:
            return []
        if target.returning:  # assigned by the database: as the ledger recorded them
            batch = self.ledger.with_keys(batch, [], [], self.read)
        columns = dict(zip(target.column_names(batch), batch.names, strict=True))
        fields = [columns.get(c.name) for c in target.table.primary_key.columns]
        if not fields or None in fields:
            raise HandlerError(
                f"{target.where}: destroy deletes rows by their primary key, and this table's "
                "key is neither among the dataset's fields nor assigned by the database"
            )
        values = [batch.columns[f] for f in fields if f is not None]
        return [
            tuple(col[i - batch.start] for col in values) for a, b in ranges for i in range(a, b)
        ]

    def keyed(self, batch: Batch) -> Batch:
        """``batch`` with the keys the database assigned its rows, as the ledger recorded
        them (None for a row not on record): destroy regenerates children that read their
        parent's key (``{{ parent.id }}``, a ref in a template) from these, as apply did."""
        returning = self.target.returning
        if not returning:
            return batch
        led, start, stop = self.ledger, batch.start, batch.stop
        found = self.read(
            "read the recorded keys",
            lambda c: read_keys(c, led.keys, led.step, led.facts.mine, start, stop),
        )
        added: dict[str, list[Any]] = {c.name: [None] * batch.size for c in returning}
        for j, c in enumerate(returning):
            convert, column = python_type(c), added[c.name]
            for i, values in found.items():
                v = values[j]
                column[i - start] = convert(v) if convert is not None and v is not None else v
        return batch.replace_columns({**batch.columns, **added})

    def read(self, what: str, read: Callable[[Connection], T]) -> T:
        return self.guard.read_apart(self.link, what, read)

    def recorded_row_keys(self, stop: int) -> list[tuple[Any, ...]]:
        """The primary keys the ledger recorded for this step's rows before row ``stop``
        that are seedrunner's, in row order: rows of a spec that can no longer be rebuilt
        are deleted by these.  Refused when a row's key was not recorded (written before
        seedrunner recorded them, or its table's key is none of the written columns)."""
        led = self.ledger
        keys = self.target.returning or list(self.target.table.primary_key.columns)
        found = self.read(
            "read the recorded keys",
            lambda c: read_keys(c, led.keys, led.step, led.facts.mine, 0, stop),
        )
        types = [python_type(c) for c in keys]
        out = []
        for a, b in led.applied.present(led.facts.fingerprint, 0, stop):
            for i in range(a, b):
                if i not in found:
                    raise HandlerError(
                        f"{self.target.where}: row {i} of dataset '{led.step.dataset}' has no "
                        "recorded key (written before seedrunner recorded keys): it can only be "
                        "found by regenerating it with the spec it was written with"
                    )
                out.append(tuple(
                    t(v) if t is not None and v is not None else v
                    for t, v in zip(types, found[i], strict=True)
                ))  # fmt: skip
        return out

    def delete_keys(self, picked: list[tuple[Any, ...]], what: str) -> int:
        """Delete the rows with these primary keys, in this order where it matters: on
        MariaDB/MySQL a self-referencing table checks its key row by row, and SQLite runs
        its ON DELETE CASCADE row by row (a parent met first takes its children along,
        uncounted), so each row goes by a statement of its own; elsewhere 500 a statement
        (checked and cascaded per statement)."""
        table = self.target.table
        one_by_one = self.target.self_referencing and self.engine.dialect.name in _ROW_BY_ROW
        delete = delete_in_order if one_by_one else delete_by_key
        deleted: int = self.guard.on(self.link, what, lambda c: delete(c, table, picked))
        return deleted

    def close(self, error: BaseException | None) -> None:
        """Forget the step's ledger rows and commit with the deletes; or roll back both."""
        link = self.link
        if self.scope is None:
            self.guard.finish(link, lambda: self._forget(link), ok=error is None)
        elif error is not None:
            self.scope.rollback(error)
        else:  # the caller commits every step of the shared transaction at once
            self._forget(link)

    def _forget(self, link: Link) -> None:
        """Forget the step's ledger rows: all of them, or (prune) those past the cut."""
        ledger, start = self.ledger, self.prune_from
        if start is None:
            ledger.forget(link)
            return
        fingerprint = ledger.facts.mine
        self.guard.on(
            link,
            "forget the pruned rows",
            lambda c: forget_from(c, ledger.table, ledger.keys, ledger.step, fingerprint, start),
        )


def defer_on(guard: SqlGuard, link: Link, names: list[str | None], schema: str | None) -> None:
    """Check these DEFERRABLE foreign keys at COMMIT of ``link``'s transaction."""
    guard.on(link, "defer constraints", lambda c: set_constraints_deferred(c, names, schema))
