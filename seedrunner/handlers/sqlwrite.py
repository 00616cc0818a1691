"""How a batch becomes SQL: COPY, executemany, or INSERT ... RETURNING, per dialect.

- New rows into PostgreSQL through psycopg (sync or async) with no conflict clause and no
  key to read back go through ``COPY ... FROM STDIN``: several times faster than any INSERT.
- Rows whose primary key the database assigns go through ``INSERT ... RETURNING`` with
  SQLAlchemy's insertmanyvalues in parameter order, so key i belongs to row i.
- Everything else is one ``executemany`` of a compiled INSERT (with the dialect's own
  ON CONFLICT / ON DUPLICATE KEY clause); the drivers and SQLAlchemy split it to stay within
  SQLite's variable limit and MariaDB's ``max_allowed_packet``.

Table and column names reach SQL only through SQLAlchemy's identifier preparer (quoted),
never by string formatting of manifest text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.util import await_only

from seedrunner.errors import HandlerError
from seedrunner.handlers.jsonable import dumps
from seedrunner.handlers.sqlengine import driver_connection


def unique_keys(table: sa.Table) -> list[list[str]]:
    """Every key a row can collide on: the primary key, unique constraints and indexes."""
    keys = [[c.name for c in table.primary_key.columns]] if table.primary_key.columns else []
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            keys.append([c.name for c in constraint.columns])
    for column in table.columns:
        if column.unique:
            keys.append([column.name])
    for index in table.indexes:
        if index.unique:
            keys.append([c.name for c in index.columns if isinstance(c, sa.Column)])
    seen: list[list[str]] = []
    for k in keys:
        if k and k not in seen:
            seen.append(k)
    return seen


def check_conflict_on(table: sa.Table, conflict_on: Sequence[str]) -> None:
    """``conflict_on`` must name exactly the columns of one of the table's unique keys."""
    keys = unique_keys(table)
    if any(set(k) == set(conflict_on) for k in keys):
        return
    shown = "; ".join(f"[{', '.join(k)}]" for k in keys) or "none"
    raise HandlerError(
        f"conflict_on: [{', '.join(conflict_on)}] is not a unique key of table "
        f"'{table.fullname}' (its unique keys: {shown}); name one of them"
    )


def insert_statement(
    table: sa.Table,
    names: Sequence[str],
    dialect: str,
    on_conflict: str,
    conflict_on: Sequence[str] | None,
) -> Any:
    """An INSERT of ``names`` into ``table`` honouring ``on_conflict`` for the dialect."""
    if on_conflict == "error":
        return table.insert()
    primary = [c.name for c in table.primary_key.columns]
    keys = list(conflict_on) if conflict_on else primary
    # Never rewrite a matched row's primary key: other rows may reference it.
    updates = [n for n in names if n not in keys and n not in primary]
    if dialect in ("sqlite", "postgresql"):
        return _upsert_on_conflict(table, dialect, on_conflict, keys, updates)
    if dialect in ("mysql", "mariadb"):
        from sqlalchemy.dialects.mysql import insert as mysql_insert

        stmt = mysql_insert(table)
        if on_conflict == "ignore" or not updates:
            # A no-op update, not INSERT IGNORE: IGNORE would also turn foreign-key and
            # truncation errors into warnings and silently drop those rows.
            first = keys[0] if keys else names[0]
            return stmt.on_duplicate_key_update({first: table.c[first]})
        return stmt.on_duplicate_key_update({n: stmt.inserted[n] for n in updates})
    raise HandlerError(
        f"on_conflict: {on_conflict} is not supported for the {dialect} dialect yet "
        "(supported: sqlite, postgresql, mysql, mariadb); use on_conflict: error"
    )


def _upsert_on_conflict(
    table: sa.Table, dialect: str, on_conflict: str, keys: list[str], updates: list[str]
) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert: Any = sqlite.insert if dialect == "sqlite" else postgresql.insert
    if not keys:
        raise HandlerError(
            f"on_conflict: {on_conflict} needs conflict_on: table '{table.fullname}' "
            "has no primary key"
        )
    stmt = dialect_insert(table)
    if on_conflict == "ignore" or not updates:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={n: stmt.excluded[n] for n in updates}
    )


# -- executemany of tuples (positional paramstyles: SQLite, MySQL/MariaDB) ---------------


class TupleInsert:
    """A compiled INSERT fed plain tuples straight to the driver's ``executemany``.

    SQLAlchemy's own executemany builds and processes a dict per row; for a batch of new
    rows that is most of the write time.  Compiling once and converting each column with
    the very bind processors SQLAlchemy would use gives the same stored values 2-4x faster.
    Only for statements whose parameters are exactly the batch's columns (no Python-side
    column defaults to compute), on a positional paramstyle.
    """

    def __init__(self, sql: str, order: list[int], processors: list[Any]) -> None:
        self.sql, self.order, self.processors = sql, order, processors

    @classmethod
    def compile(
        cls, stmt: Any, table: sa.Table, names: Sequence[str], dialect: Dialect
    ) -> TupleInsert | None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(names))
        params = getattr(compiled, "positiontup", None)
        if not params or compiled.insert_prefetch or sorted(params) != sorted(names):
            return None
        index = {n: i for i, n in enumerate(names)}
        processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in params]
        return cls(compiled.string, [index[n] for n in params], processors)

    def execute(self, conn: Connection, columns: Sequence[list[Any]]) -> None:
        converted: list[Iterable[Any]] = []
        for i, proc in zip(self.order, self.processors, strict=True):
            converted.append(columns[i] if proc is None else map(proc, columns[i]))
        conn.exec_driver_sql(self.sql, list(zip(*converted, strict=True)))


# -- COPY (PostgreSQL through psycopg) ---------------------------------------------------


def can_copy(dialect: Dialect) -> bool:
    return dialect.name == "postgresql" and dialect.driver == "psycopg"


def _copy_processor(column: sa.Column[Any], dialect: Dialect) -> Any:
    """What turns a Python value into what COPY's text format takes for ``column``."""
    impl = column.type.dialect_impl(dialect)
    if isinstance(impl, sa.JSON):
        null = None if impl.none_as_null else "null"
        return lambda v: null if v is None else dumps(v)
    return impl.bind_processor(dialect)


def copy_rows(
    conn: Connection, table: sa.Table, names: Sequence[str], columns: Sequence[list[Any]]
) -> None:
    """``COPY table (names) FROM STDIN`` of the batch, in the connection's transaction."""
    prep = conn.dialect.identifier_preparer
    sql = f"COPY {prep.format_table(table)} ({', '.join(prep.quote(n) for n in names)}) FROM STDIN"
    converted: list[Iterable[Any]] = []
    for name, values in zip(names, columns, strict=True):
        proc = _copy_processor(table.c[name], conn.dialect)
        converted.append(values if proc is None else map(proc, values))
    rows = zip(*converted, strict=True)
    driver = driver_connection(conn)
    dbapi = conn.dialect.loaded_dbapi
    try:
        if conn.dialect.is_async:
            await_only(_copy_async(driver, sql, rows))
            return
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as e:  # as SQLAlchemy would raise it, so it is handled the same way
        raise sa.exc.DBAPIError.instance(
            sql, None, e, dbapi.Error, hide_parameters=True, dialect=conn.dialect
        ) from e


async def _copy_async(driver: Any, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
    async with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            await copy.write_row(row)


# -- keys the database assigns -----------------------------------------------------------


def insert_returning(
    conn: Connection, stmt: Any, keys: Sequence[sa.Column[Any]], records: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Insert ``records``; the database-assigned ``keys`` of each, in the order given."""
    if conn.dialect.insert_returning and conn.dialect.use_insertmanyvalues:
        result = conn.execute(stmt.returning(*keys, sort_by_parameter_order=True), records)
        return [tuple(r) for r in result]
    out: list[tuple[Any, ...]] = []  # MySQL: no RETURNING; one row at a time
    for record in records:
        pk = conn.execute(stmt, record).inserted_primary_key
        if pk is None:
            raise HandlerError(f"table '{stmt.table.fullname}' returned no key for a row")
        out.append(tuple(pk[c.name] for c in keys))
    return out


def advance_sequence(conn: Connection, table: sa.Table) -> None:
    """Move a PostgreSQL serial/identity sequence past the highest key in the table.

    After seedrunner writes explicit keys 1..N the sequence still says 1, and the
    application's next insert would collide.  MariaDB's AUTO_INCREMENT and SQLite's rowid
    already move past explicit values by themselves; PostgreSQL's sequences do not.  The
    sequence is never moved backwards.
    """
    column = table.autoincrement_column
    if conn.dialect.name != "postgresql" or column is None:
        return
    prep = conn.dialect.identifier_preparer
    seq = conn.execute(
        sa.select(sa.func.pg_get_serial_sequence(prep.format_table(table), column.name))
    ).scalar()
    if seq is None:
        return
    top = conn.execute(sa.select(sa.func.max(table.c[column.name]))).scalar()
    if top is None:
        return
    conn.execute(
        sa.text(
            "SELECT setval(CAST(:seq AS regclass), :top) "
            "WHERE :top > COALESCE(pg_sequence_last_value(CAST(:seq AS regclass)), 0)"
        ),
        {"seq": seq, "top": int(top)},
    )
