"""Every database action of the SQL handler runs here, so every failure reads the same.

The guard turns a SQLAlchemy error into the handler's message through the one mapping
table (``seedrunner.db.errors.SQL_ERRORS``): which dataset and table, where the database is
(its file, or its host while connecting), what was being done, the driver's first line
(no row value, no password), the table's hint, and what of the step is kept.  It also
notes a lost transaction: after that, only a retry of the whole step can help.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link
from seedrunner.db.errors import SQL_ERRORS, Facts, phase_of, translate
from seedrunner.errors import TransientHandlerError
from seedrunner.ledger import locks

T = TypeVar("T")

#: the phases whose failure says what of the step is kept
_KEEPING = ("write", "commit", "advance")


class SqlGuard:
    """Runs actions for one step: ``where`` names it, ``kept`` says what a failed write
    keeps (the transaction mode's words), ``loses_transaction``: a lost connection takes
    the step's open transaction with it (every mode but ``batch``)."""

    def __init__(
        self,
        where: str,
        table: sa.Table,
        url: sa.URL,
        ledger_table: str,
        kept: str,
        loses_transaction: bool,
    ) -> None:
        self.where, self.url, self.kept = where, url, kept
        self.facts = Facts(table=table, ledger_table=ledger_table)
        self.loses_transaction = loses_transaction
        self.lost = False  # the step's transaction went with its connection

    def run(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except Exception as e:  # SQL_ERRORS says which are the database's, and how to say it
            error = self.error(what, e)
            if isinstance(error, TransientHandlerError) and self.loses_transaction:
                self.lost = True
            raise error from None

    def on(self, link: Link, what: str, action: Callable[[Connection], T]) -> T:
        """``action`` on ``link``'s connection, guarded."""
        return self.run(what, lambda: link.run(action))

    def error(self, what: str, e: BaseException) -> Exception:
        phase = phase_of(what)
        mapped = translate(SQL_ERRORS, e, phase, self.facts)
        kept = f" {self.kept}" if phase in _KEEPING else ""
        cause = mapped.message
        if kept and not cause.endswith("."):
            cause += "."
        return mapped.error(f"{self._located(phase)}: cannot {what}: {cause}{mapped.hint}{kept}")

    def _located(self, phase: str) -> str:
        """The step, and where its database is: the SQLite file, or the server's address
        when connecting to it failed."""
        url, where = self.url, self.where
        if url.get_backend_name() == "sqlite":
            file = locks.sqlite_file(url)
            if file is not None:
                where += f" in {file}"
        elif phase in ("lock", "connect") and url.host:
            where += f" at {url.host}:{url.port or 'default port'}"
        return where

    def finish(self, link: Link, before_commit: Callable[[], None], ok: bool) -> None:
        """Commit after ``before_commit`` when ``ok``, else roll back; a failure on the way
        rolls back too; the link is closed in every case."""
        try:
            if ok:
                before_commit()
                self.run("commit", link.commit)
            else:
                with contextlib.suppress(exc.SQLAlchemyError):
                    link.rollback()
        except BaseException:
            with contextlib.suppress(exc.SQLAlchemyError):
                link.rollback()
            raise
        finally:
            link.close()

    def read_apart(self, link: Link, what: str, read: Callable[[Connection], T]) -> T:
        """``read`` in the open transaction, or (between batches' transactions) in a
        read-only one of its own, so the next batch can begin its own."""
        if link.in_transaction:
            return self.on(link, what, read)
        link.begin()
        try:
            return self.on(link, what, read)
        finally:
            with contextlib.suppress(exc.SQLAlchemyError):
                link.rollback()
