"""Real databases for integration tests: one fresh schema (or database) per test.

``Database`` is what a test gets: the URL to put in a manifest (sync or async driver, as the
backend says), a sync engine for checking what was written, and cleanup.  PostgreSQL tests
work in their own schema (``search_path`` set through the URL's ``options``), MariaDB tests in
their own database, SQLite tests in a file under ``tmp_path``.

Servers are found at the addresses the machine documents; override with
SEEDRUNNER_TEST_PG / SEEDRUNNER_TEST_MARIADB (host:port).  A missing server skips, or fails
under SEEDRUNNER_REQUIRE_SERVERS=1 (see ``require_server``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PG_HOSTPORT = os.environ.get("SEEDRUNNER_TEST_PG", "127.0.0.1:5432")
MARIADB_HOSTPORT = os.environ.get("SEEDRUNNER_TEST_MARIADB", "127.0.0.1:3306")

# backend id -> (family, async?)
BACKENDS: dict[str, tuple[str, bool]] = {
    "sqlite": ("sqlite", False),
    "sqlite-async": ("sqlite", True),
    "postgresql": ("postgresql", False),
    "postgresql-async": ("postgresql", True),
    "mariadb": ("mariadb", False),
    "mariadb-async": ("mariadb", True),
}
SYNC_BACKENDS = [b for b, (_, is_async) in BACKENDS.items() if not is_async]

_DRIVERS = {
    ("sqlite", False): "sqlite",
    ("sqlite", True): "sqlite+aiosqlite",
    ("postgresql", False): "postgresql+psycopg",
    ("postgresql", True): "postgresql+psycopg_async",
    ("mariadb", False): "mysql+pymysql",
    ("mariadb", True): "mysql+aiomysql",
}


def _hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port)


def server_address(family: str) -> tuple[str, int] | None:
    if family == "postgresql":
        return _hostport(PG_HOSTPORT)
    if family == "mariadb":
        return _hostport(MARIADB_HOSTPORT)
    return None


@dataclass
class Database:
    backend: str
    family: str  # sqlite | postgresql | mariadb
    is_async: bool
    url: str  # what a manifest's target writes (driver chosen by backend)
    sync_url: str  # same database through the sync driver, for checks
    name: str  # the schema (PostgreSQL), database (MariaDB) or file stem (SQLite)
    _engine: sa.Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.sync_url)
        return self._engine

    def url_with(self, driver_async: bool) -> str:
        return self.url if driver_async == self.is_async else self.sync_url

    def rows(self, table: str, order_by: str = "1") -> list[tuple[Any, ...]]:
        """Every row of ``table`` (names are test-controlled, quoted by SQLAlchemy)."""
        with self.engine.connect() as c:
            t = sa.Table(table, sa.MetaData(), autoload_with=c)
            query = sa.select(t).order_by(sa.text(order_by))
            return [tuple(r) for r in c.execute(query)]

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as c:
            return c.execute(sa.text(sql), params).scalar()

    def execute(self, *statements: str) -> None:
        """Run raw SQL (DDL for a test's schema), committed."""
        with self.engine.begin() as c:
            for s in statements:
                c.exec_driver_sql(s)

    def table_names(self) -> list[str]:
        return sorted(sa.inspect(self.engine).get_table_names())

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def open_database(backend: str, tmp_path: Path) -> Iterator[Database]:
    """Create a fresh schema/database for ``backend``; drop it afterwards."""
    family, is_async = BACKENDS[backend]
    name = f"sr_{uuid.uuid4().hex[:10]}"
    if family == "sqlite":
        path = tmp_path / f"{name}.db"
        db = Database(
            backend, family, is_async,
            f"{_DRIVERS[(family, is_async)]}:///{path}", f"sqlite:///{path}", name,
        )  # fmt: skip
        try:
            yield db
        finally:
            db.dispose()
        return
    host, port = server_address(family) or ("", 0)
    if family == "postgresql":
        admin = sa.create_engine(f"postgresql+psycopg://postgres@{host}:{port}/test")
        with admin.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        query = f"?options=-csearch_path%3D{name}"
        base = f"postgres@{host}:{port}/test{query}"
        drop = f'DROP SCHEMA "{name}" CASCADE'
    else:
        admin = sa.create_engine(f"mysql+pymysql://root@{host}:{port}/test")
        with admin.begin() as c:
            c.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        base = f"root@{host}:{port}/{name}?charset=utf8mb4"
        drop = f"DROP DATABASE IF EXISTS `{name}`"
    db = Database(
        backend, family, is_async,
        f"{_DRIVERS[(family, is_async)]}://{base}", f"{_DRIVERS[(family, False)]}://{base}", name,
    )  # fmt: skip
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as c:
            c.exec_driver_sql(drop)
        admin.dispose()
