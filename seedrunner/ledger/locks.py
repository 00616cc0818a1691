"""One apply at a time per database: a lock that dies with the process holding it.

PostgreSQL takes a session advisory lock, MariaDB/MySQL ``GET_LOCK``, both on a connection
of their own kept open for the whole run; SQLite an exclusive ``flock`` on a file beside the
database.  A killed process loses its connection or its file descriptor, so its lock goes
with it: nothing to clean up by hand.  Who holds a lock (run id, pid, host, since) is written
where a second apply can read it -- a small table for the servers, the lock file for SQLite
-- so "locked" always names the holder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.errors import HandlerError
from seedrunner.generate.streams import wall_clock

if TYPE_CHECKING:
    from seedrunner.db.pool import ResourcePool

POLL = 0.2  # seconds between tries while waiting for a lock


@dataclass(frozen=True)
class Holder:
    run_id: str
    pid: int
    host: str
    since: str

    def describe(self) -> str:
        return f"run {self.run_id} (pid {self.pid} on {self.host}, since {self.since})"


def me(run_id: str) -> Holder:
    now = wall_clock().isoformat(timespec="seconds")
    return Holder(run_id, os.getpid(), socket.gethostname(), now)


def _key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def lock_name(url: sa.URL, ledger: str, schema: str | None) -> str:
    """The lock of one ledger: per database, schema (search_path included) and table, so
    seeding two schemas of one PostgreSQL database never waits on each other."""
    where = f"{url.render_as_string(hide_password=True)}|{schema or ''}|{ledger}"
    return "seedrunner:" + hashlib.blake2b(where.encode(), digest_size=12).hexdigest()


def holders_table(name: str, schema: str | None) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("holder", sa.Text, nullable=False),
        schema=schema,
    )


class ServerLock:
    """An advisory lock (PostgreSQL) or GET_LOCK (MariaDB) held on ``link`` until release."""

    def __init__(self, link: Any, name: str, holders: sa.Table) -> None:
        self.link, self.name, self.holders = link, name, holders
        self.postgres = link.dialect.name == "postgresql"

    def _in_transaction(self, fn: Any) -> Any:
        """``fn(conn)`` in a transaction of its own, committed (the lock outlives it)."""
        self.link.begin()
        try:
            value = self.link.run(fn)
            self.link.commit()
        except BaseException:
            self.link.rollback()
            raise
        return value

    def _scalar(self, sql: Any) -> Any:
        return self._in_transaction(lambda c: c.execute(sql).scalar())

    def try_acquire(self) -> bool:
        if self.postgres:
            sql = sa.text("SELECT pg_try_advisory_lock(:k)").bindparams(k=_key(self.name))
        else:
            sql = sa.text("SELECT GET_LOCK(:n, 0)").bindparams(n=self.name[:64])
        return bool(self._scalar(sql))

    def write_holder(self, holder: Holder) -> None:
        table, name = self.holders, self.name

        def write(conn: Connection) -> None:
            table.create(conn, checkfirst=True)
            conn.execute(table.delete().where(table.c.name == name))
            conn.execute(table.insert().values(name=name, holder=json.dumps(holder.__dict__)))

        self._in_transaction(write)

    def read_holder(self) -> Holder | None:
        table, name = self.holders, self.name

        def read(conn: Connection) -> Any:
            if not sa.inspect(conn).has_table(table.name, schema=table.schema):
                return None
            return conn.execute(sa.select(table.c.holder).where(table.c.name == name)).scalar()

        text = self._in_transaction(read)
        return Holder(**json.loads(text)) if text else None

    def release(self) -> None:
        """Forget the holder, unlock and close; a connection the server already dropped
        held no lock any more, so a failure to unlock is no failure of the run.  (A killed
        process leaves its holder row: the next holder replaces it.)"""
        table, name = self.holders, self.name
        try:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._in_transaction(
                    lambda c: c.execute(table.delete().where(table.c.name == name))
                )
            if self.postgres:
                sql = sa.text("SELECT pg_advisory_unlock(:k)").bindparams(k=_key(self.name))
            else:
                sql = sa.text("SELECT RELEASE_LOCK(:n)").bindparams(n=self.name[:64])
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._scalar(sql)
        finally:
            self.link.close()  # closing alone releases it too


class FileLock:
    """An exclusive ``flock`` on ``path`` (SQLite); the file holds the holder's details."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def write_holder(self, holder: Holder) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps(holder.__dict__).encode(), 0)

    def read_holder(self) -> Holder | None:
        try:
            text = self.path.read_text()
            return Holder(**json.loads(text)) if text else None
        except (OSError, ValueError, TypeError):
            return None

    def release(self) -> None:
        os.close(self.fd)  # drops the flock


def acquire(lock: Any, label: str, holder: Holder, timeout: float) -> None:
    """Take ``lock`` (waiting up to ``timeout`` seconds) or fail naming who holds it."""
    deadline = time.monotonic() + timeout
    while not lock.try_acquire():
        if time.monotonic() >= deadline:
            other = lock.read_holder()
            lock.release()
            who = other.describe() if other is not None else "another apply"
            raise HandlerError(
                f"{label} is locked by {who}: one apply at a time writes to a target; "
                "wait for it to finish, or pass --lock-timeout SECONDS to wait here"
            )
        time.sleep(POLL)
    lock.write_holder(holder)


def sqlite_file(url: sa.URL) -> Path | None:
    """The file of a SQLite database (None in memory); ``file:`` URIs (``?uri=true``, as
    for ``mode=ro``) name it after the scheme and before the query."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
        if database.startswith("//"):  # file:///abs/path
            database = database[2:]
        if not database or database == ":memory:":
            return None
    return Path(database)


def sqlite_lock_path(url: sa.URL) -> Path | None:
    """The lock file beside a SQLite database file (None for an in-memory database)."""
    database = sqlite_file(url)
    return None if database is None else database.with_name(database.name + ".seedrunner-lock")


def hold(
    resources: ResourcePool,
    url: sa.URL,
    ledger: str,
    schema: str | None,
    *,
    run_id: str,
    timeout: float,
    label: str,
    connect: Callable[[], Any],
) -> None:
    """Hold the apply lock of the ledger ``ledger`` (in ``schema``) of the database at
    ``url`` for the rest of the run: once per run, however many steps ask (``resources``
    keeps it, and releases it when the run ends).  ``connect`` opens the connection a
    server lock lives on."""
    name = lock_name(url, ledger, schema)
    holder = me(run_id)

    def take() -> Any:
        lock: Any
        if url.get_backend_name() == "sqlite":
            path = sqlite_lock_path(url)
            if path is None:
                return None  # an in-memory database is this process's alone
            lock = FileLock(path)
        else:
            lock = ServerLock(connect(), name, holders_table(f"{ledger}_lock", schema))
        acquire(lock, label, holder, timeout)
        return lock

    key = f"seedrunner-lock:{url.render_as_string(hide_password=False)}:{name}"
    resources.get(key, take, lambda lock: lock.release() if lock is not None else None)
