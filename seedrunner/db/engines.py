"""Engines and connections for the ``sqlalchemy`` handler, sync or async by the URL.

The driver in the URL decides: ``postgresql+psycopg_async://``, ``mysql+aiomysql://`` or
``sqlite+aiosqlite://`` get an ``AsyncEngine``; anything else a sync ``Engine``.  Either
way the handler talks to a ``Link``: it runs plain functions of a sync ``Connection``.
For an async engine the function runs inside ``AsyncConnection.run_sync`` on the run's
event loop, so the SQL code is written once and the async driver does the I/O.

Engines are run-scoped (``ResourcePool``, keyed by URL) with ``hide_parameters=True``, so a
failing statement never echoes row values; the event loop is run-scoped too and closes
after the engines it serves (the pool closes in reverse order of creation).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Dialect, Engine, RootTransaction, make_url

from seedrunner.db.aio import LoopRunner, event_loop
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.jsonable import dumps
from seedrunner.redact import redact_url, scrub

if TYPE_CHECKING:  # imported when an async URL is used: it needs greenlet ([async] extra)
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

T = TypeVar("T")

_JSON_DIALECTS = {"sqlite", "postgresql", "mysql", "mariadb"}


def resolve_url(url: str, base_dir: Path) -> sa.URL:
    """Parse ``url``; a relative SQLite file path is taken relative to ``base_dir``."""
    try:
        parsed = make_url(url)
    except Exception:  # the message may quote the URL (sqlalchemy#12579)
        raise HandlerError(f"cannot parse database URL {redact_url(url)!r}") from None
    db = parsed.database
    is_file = bool(db) and db != ":memory:" and not str(db).startswith("file:")
    if parsed.get_backend_name() == "sqlite" and is_file and not Path(str(db)).is_absolute():
        parsed = parsed.set(database=str(base_dir / str(db)))
    return parsed


def is_async_url(url: sa.URL) -> bool:
    """Does the URL's driver do async I/O (its dialect says so)?"""
    try:
        return bool(url.get_dialect().is_async)
    except Exception:  # unknown dialect: create_engine reports it with a better message
        return False


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys on, and transactions begun by SQLAlchemy rather than the driver.

    Python's sqlite3 (and aiosqlite) begin a transaction only before DML and commit on
    their own before DDL, so ``CREATE TABLE`` under ``transaction: run`` would commit by
    itself.  With the driver's handling off and ``BEGIN`` emitted on SQLAlchemy's begin
    (SQLAlchemy's documented recipe), DDL and rows share one transaction.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
    dbapi_connection.isolation_level = None


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def _engine_kwargs(url: sa.URL, echo: bool) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"hide_parameters": True, "echo": echo}
    if url.get_backend_name() in _JSON_DIALECTS:
        kwargs["json_serializer"] = dumps
    if url.get_backend_name() in ("mysql", "mariadb"):
        # Positional parameters: batches go to the driver as tuples (see TupleInsert).
        kwargs["paramstyle"] = "format"
    timeout = _CONNECT_TIMEOUT_ARG.get(url.get_driver_name())
    if timeout is not None and timeout not in url.query:
        kwargs["connect_args"] = {timeout: CONNECT_TIMEOUT}
    return kwargs


#: seconds to give up connecting (a host that drops packets, a server that never answers)
#: unless the URL sets its own; drivers wait minutes, or for ever, by default
CONNECT_TIMEOUT = 10
_CONNECT_TIMEOUT_ARG = {
    "psycopg": "connect_timeout",
    "psycopg2": "connect_timeout",
    "psycopg_async": "connect_timeout",
    "pymysql": "connect_timeout",
    "aiomysql": "connect_timeout",
    "mysqldb": "connect_timeout",
    "asyncpg": "timeout",
}


def _async_api() -> Any:
    """``sqlalchemy.ext.asyncio``, which needs greenlet: installed by the [async] extra."""
    try:
        import sqlalchemy.ext.asyncio as api
    except ImportError:
        raise HandlerError(
            "async database URLs need greenlet and an async driver: pip install 'seedrunner[async]'"
        ) from None
    return api


def _create(url: sa.URL, echo: bool) -> Engine | AsyncEngine:
    try:
        if is_async_url(url):
            engine: Engine | AsyncEngine = _async_api().create_async_engine(
                url, **_engine_kwargs(url, echo)
            )
        else:
            engine = sa.create_engine(url, **_engine_kwargs(url, echo))
    except Exception as e:  # missing driver, unknown dialect, bad query arguments
        shown = url.render_as_string(hide_password=True)
        raise HandlerError(f"cannot create an engine for {shown}: {scrub(str(e))}") from None
    sync = engine if isinstance(engine, Engine) else engine.sync_engine
    if sync.dialect.name == "sqlite":
        event.listen(sync, "connect", _sqlite_connect)
        event.listen(sync, "begin", _sqlite_begin)
    return engine


def get_engine(resources: ResourcePool, url: sa.URL, echo: bool = False) -> Engine | AsyncEngine:
    """The run's engine for ``url`` (one per URL and echo setting), disposed at run end."""
    key = f"sqlalchemy:{echo}:{url.render_as_string(hide_password=False)}"
    if is_async_url(url):
        loop = event_loop(resources)  # created first, so it is closed after the engine
        return resources.get(key, lambda: _create(url, echo), lambda e: loop.run(_dispose_async(e)))
    return resources.get(key, lambda: _create(url, echo), _dispose_sync)


async def _dispose_async(engine: Engine | AsyncEngine) -> None:
    assert not isinstance(engine, Engine)
    await engine.dispose()


def _dispose_sync(engine: Engine | AsyncEngine) -> None:
    assert isinstance(engine, Engine)
    engine.dispose()


class Link(Protocol):
    """One connection, sync or async underneath, driven by sync calls."""

    dialect: Dialect

    @property
    def invalidated(self) -> bool: ...

    @property
    def in_transaction(self) -> bool:
        """Was ``begin`` called, and neither ``commit`` nor ``rollback`` since?"""
        ...

    def run(self, fn: Callable[[Connection], T]) -> T: ...

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


class SyncLink:
    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        self._conn: Connection = engine.connect()
        self._trans: RootTransaction | None = None

    @property
    def invalidated(self) -> bool:
        return self._conn.invalidated

    @property
    def in_transaction(self) -> bool:
        return self._trans is not None

    def run(self, fn: Callable[[Connection], T]) -> T:
        return fn(self._conn)

    def begin(self) -> None:
        self._trans = self._conn.begin()

    def commit(self) -> None:
        if self._trans is not None:
            trans, self._trans = self._trans, None
            trans.commit()

    def rollback(self) -> None:
        if self._trans is not None:
            trans, self._trans = self._trans, None
            if trans.is_active:
                trans.rollback()

    def close(self) -> None:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            self._conn.close()


class AsyncLink:
    """An ``AsyncConnection`` driven from the sync executor through the run's event loop."""

    def __init__(self, engine: AsyncEngine, loop: LoopRunner) -> None:
        self.dialect = engine.sync_engine.dialect
        self._loop = loop
        self._conn: AsyncConnection = loop.run(engine.connect().start())
        self._trans: AsyncTransaction | None = None

    @property
    def invalidated(self) -> bool:
        return self._conn.invalidated

    @property
    def in_transaction(self) -> bool:
        return self._trans is not None

    def run(self, fn: Callable[[Connection], T]) -> T:
        return self._loop.run(self._conn.run_sync(fn))

    def begin(self) -> None:
        self._trans = self._loop.run(self._conn.begin().start())

    def commit(self) -> None:
        if self._trans is not None:
            trans, self._trans = self._trans, None
            self._loop.run(trans.commit())

    def rollback(self) -> None:
        if self._trans is not None:
            trans, self._trans = self._trans, None
            if trans.is_active:
                self._loop.run(trans.rollback())

    def close(self) -> None:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            self._loop.run(self._conn.close())


def connect(resources: ResourcePool, engine: Engine | AsyncEngine) -> Link:
    """A new connection to ``engine`` (async engines through the run's event loop)."""
    if not isinstance(engine, Engine):
        return AsyncLink(engine, event_loop(resources))
    return SyncLink(engine)


def driver_connection(conn: Connection) -> Any:
    """The DBAPI driver's own connection under ``conn`` (psycopg's, for COPY)."""
    return conn.connection.driver_connection
