"""``COPY ... FROM STDIN`` for new rows into PostgreSQL through psycopg, sync or async.

COPY is several times faster than any INSERT, but it bypasses SQLAlchemy: column defaults
set in the model are not applied (``can_copy`` says when that matters), values must be
converted here with the same bind processors SQLAlchemy would use, and driver errors must
be wrapped as SQLAlchemy wraps them (disconnects included) so they are reported the same
way.  Identifiers are composed by psycopg's ``sql.Identifier``, never by string formatting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.util import await_only

from seedrunner.db.engines import driver_connection
from seedrunner.handlers.copytext import copy_text
from seedrunner.handlers.sqlwrite import column_converter, converted_columns
from seedrunner.jsonable import dumps


def can_copy(dialect: Dialect, table: sa.Table, names: Sequence[str]) -> bool:
    """psycopg on PostgreSQL, and no column left out that has a Python-side default."""
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return False
    given = set(names)
    return not any(c.default is not None for c in table.columns if c.key not in given)


def _copy_processor(column: sa.Column[Any], dialect: Dialect) -> Any:
    """What turns a Python value into what COPY's text format takes for ``column``."""
    impl = column.type.dialect_impl(dialect)
    if isinstance(impl, sa.JSON):
        null = None if impl.none_as_null else "null"

        def json_text(v: Any) -> Any:
            if v is None:
                return null
            return "null" if v is sa.JSON.NULL else dumps(v)

        return lambda values: list(map(json_text, values))
    return column_converter(impl, dialect)


def copy_rows(
    conn: Connection, table: sa.Table, names: Sequence[str], columns: Sequence[list[Any]]
) -> None:
    """``COPY table (columns) FROM STDIN`` of the batch, in the connection's transaction."""
    from psycopg import sql as pgsql

    target = (
        pgsql.Identifier(table.schema, table.name) if table.schema else pgsql.Identifier(table.name)
    )
    statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
        target, pgsql.SQL(", ").join(pgsql.Identifier(table.c[n].name) for n in names)
    )
    shown = f"COPY {table.fullname}"
    processors = [_copy_processor(table.c[n], conn.dialect) for n in names]
    values = converted_columns(processors, columns, shown)
    text = copy_text(values)  # the whole batch as COPY text, when its types allow
    rows = [] if text is not None else list(zip(*values, strict=True))
    driver = driver_connection(conn)
    dbapi = conn.dialect.loaded_dbapi
    try:
        if conn.dialect.is_async:
            await_only(_copy_async(driver, statement, text, rows))
            return
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            if text is not None:
                copy.write(text)
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as e:  # as SQLAlchemy would raise it, so it is handled the same way
        lost = conn.dialect.is_disconnect(e, conn.connection.dbapi_connection, None)
        if lost:
            conn.invalidate(e)
        raise sa.exc.DBAPIError.instance(
            shown, None, e, dbapi.Error,
            hide_parameters=True, connection_invalidated=lost, dialect=conn.dialect,
        ) from e  # fmt: skip


async def _copy_async(
    driver: Any, statement: Any, text: str | None, rows: Iterable[tuple[Any, ...]]
) -> None:
    async with driver.cursor() as cursor, cursor.copy(statement) as copy:
        if text is not None:
            await copy.write(text)
        for row in rows:
            await copy.write_row(row)
