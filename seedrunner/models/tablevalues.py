"""Read one column of a table the application already filled: read-only, bounded, once.

A ``ref`` to a table no dataset seeds (``{ref: {table: country, column: code, where:
active}}``), and a foreign key to such a table, pick among the values the table holds when
the plan is made.  Every query of one database runs in one connection, each in a
transaction of its own that is made read-only where the database allows it (PostgreSQL and
MariaDB ``READ ONLY`` transactions, SQLite ``PRAGMA query_only``) and always rolled back,
never committed: the ``where`` clause is SQL a user wrote, and planning writes nothing.
Rows are streamed in partitions and capped (``cap`` values; one more is read to tell that
the cap was passed), NULLs left out, ordered by the column so the same table gives the same
list, and so the same picks, on every run.  The values' digest goes into the fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import Connection

from seedrunner.db.errors import READ_ERRORS, translate
from seedrunner.models.reflect import read_database
from seedrunner.redact import scrub

#: the most values one lookup may hold (they are kept for the whole run: ~100 MB at most)
LOOKUP_CAP = 1_000_000
_PARTITION = 10_000


@dataclass(frozen=True)
class ValuesQuery:
    """The non-NULL values of ``table.column`` (in ``schema``), filtered by ``where``."""

    schema: str | None
    table: str
    column: str
    where: str | None = None

    @property
    def label(self) -> str:
        name = f"{self.schema}.{self.table}" if self.schema else self.table
        return f"{name}.{self.column}" + (f" where {self.where}" if self.where else "")


@dataclass
class ValuesRead:
    """What one query gave: the values in order and their digest, or why there are none."""

    values: list[Any]
    digest: str = ""
    error: str | None = None  # safe to show (passwords masked)
    over_cap: bool = False


def read_values(
    url: str, base_dir: Path, queries: Iterable[ValuesQuery], cap: int = LOOKUP_CAP
) -> dict[ValuesQuery, ValuesRead]:
    """Run ``queries`` against the database at ``url``, read-only, in one connection.

    A query that fails (no such table or column, bad SQL in ``where``) has its ``error``
    set; ``ReflectionError`` is raised when the database itself cannot be reached.
    """
    wanted = list(dict.fromkeys(queries))
    return read_database(url, base_dir, lambda conn: _read_all(conn, wanted, cap), "read")


def _read_all(conn: Connection, queries: list[ValuesQuery], cap: int) -> dict[Any, ValuesRead]:
    if conn.dialect.name == "sqlite":  # the whole connection; it is disposed afterwards
        conn.exec_driver_sql("PRAGMA query_only = ON")
        conn.rollback()
    return {q: _read_one(conn, q, cap) for q in queries}


def _read_one(conn: Connection, q: ValuesQuery, cap: int) -> ValuesRead:
    trans = conn.begin()
    try:
        _read_only(conn)
        return _select(conn, q, cap)
    except exc.DBAPIError as e:  # the query's own failure; reaching the database is not
        return ValuesRead([], error=scrub(translate(READ_ERRORS, e, "read").message))
    finally:
        trans.rollback()  # never committed, whatever the where clause did


def _read_only(conn: Connection) -> None:
    name = conn.dialect.name
    if name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif name in ("mysql", "mariadb"):
        conn.exec_driver_sql("START TRANSACTION READ ONLY")


def _select(conn: Connection, q: ValuesQuery, cap: int) -> ValuesRead:
    table = sa.table(q.table, sa.column(q.column), schema=q.schema)
    col = table.c[q.column]
    stmt = sa.select(col).where(col.is_not(None))
    if q.where:  # the user's SQL, as written; a colon is text, not a bind parameter
        stmt = stmt.where(sa.text("(" + q.where.replace(":", "\\:") + ")"))
    stmt = stmt.order_by(col).limit(sa.bindparam("cap", cap + 1, literal_execute=False))
    result = conn.execute(stmt, execution_options={"yield_per": _PARTITION})  # this one only
    values: list[Any] = []
    digest = hashlib.sha256()
    for part in result.partitions():
        for (value,) in part:
            if len(values) == cap:
                result.close()
                return ValuesRead([], error=None, over_cap=True)
            values.append(value)
            digest.update(repr(value).encode())
            digest.update(b"\0")
    return ValuesRead(values, digest.hexdigest()[:32])
