"""INSERT statements per dialect (ON CONFLICT / ON DUPLICATE KEY) and the tuple fast path.

A batch is written by one of: ``COPY`` (``sqlcopy``, PostgreSQL new rows), ``INSERT ...
RETURNING`` (``sqlkeys``, keys the database assigns), a ``TupleInsert`` (SQLite, MariaDB:
the driver's executemany of plain tuples), or SQLAlchemy's executemany of the statement
built here.  The drivers and SQLAlchemy split executemany to stay within SQLite's variable
limit and MariaDB's ``max_allowed_packet``.

Table and column names reach SQL only through SQLAlchemy's identifier preparer (quoted),
never by string formatting of manifest text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import repeat
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from seedrunner.errors import HandlerError


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
        processors = [
            column_converter(table.c[n].type.dialect_impl(dialect), dialect) for n in params
        ]
        return cls(compiled.string, [index[n] for n in params], processors)

    def execute(self, conn: Connection, columns: Sequence[list[Any]]) -> None:
        ordered = [columns[i] for i in self.order]
        rows = converted_rows(self.processors, ordered, self.sql)
        conn.exec_driver_sql(self.sql, rows)


Converter = Callable[[list[Any]], list[Any]]

# SQLite's DATETIME/DATE bind processors build a dict and %-format it per value (1.4 us a
# datetime); for the default storage format ``isoformat`` writes the very same text.
_SQLITE_DATETIME = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)
_SQLITE_DATE = "%(year)04d-%(month)02d-%(day)02d"


def column_converter(impl: Any, dialect: Dialect) -> Converter | None:
    """A whole column's driver values, by the type's own bind processor (None: as is).

    Naive datetimes and plain dates bound for SQLite's default storage formats take
    ``isoformat``, checked per column to be exactly those types; any other column (aware
    datetimes, mixed types, a custom storage format) goes through SQLAlchemy's processor.
    """
    proc = impl.bind_processor(dialect)
    if proc is None:
        return None

    def convert(values: list[Any]) -> list[Any]:
        return list(map(proc, values))

    for kind, plain, samples in _PLAIN:
        if _computes(proc, plain, samples):

            def column(values: list[Any], kind: type = kind, plain: Any = plain) -> list[Any]:
                if set(map(type, values)) == {kind}:
                    return list(map(plain, values))
                return convert(values)

            return column
    fmt = getattr(impl, "_storage_format", None)
    if dialect.name != "sqlite" or getattr(impl, "_reg", None) is not None:
        return convert
    if isinstance(impl, sa.DateTime) and fmt == _SQLITE_DATETIME:

        def datetimes(values: list[Any]) -> list[Any]:
            if set(map(type, values)) == {dt.datetime} and not any(map(_tz, values)):
                return list(map(dt.datetime.isoformat, values, repeat(" "), repeat("microseconds")))
            return convert(values)

        return datetimes
    if isinstance(impl, sa.Date) and fmt == _SQLITE_DATE:

        def dates(values: list[Any]) -> list[Any]:
            if set(map(type, values)) == {dt.date}:
                return list(map(dt.date.isoformat, values))
            return convert(values)

        return dates
    return convert


_tz = attrgetter("tzinfo")

# Conversions SQLAlchemy's processors make one call at a time (UUID -> 32 hex chars for
# SQLite and MySQL, Decimal -> float for SQLite, bool -> 0/1), made per column in C when the
# column is exactly that type and the processor is shown, on samples, to compute the same.
_PLAIN: list[tuple[type, Callable[[Any], Any], tuple[Any, ...]]] = [
    (
        uuid.UUID,
        attrgetter("hex"),
        (uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID(int=0x1234 << 64 | 0xABC)),
    ),
    (Decimal, float, (Decimal("1.25"), Decimal("-0.001"), Decimal("1E+3"), Decimal("0.1"))),
    (bool, int, (True, False)),
]


def _computes(proc: Callable[[Any], Any], plain: Callable[[Any], Any], samples: Any) -> bool:
    try:
        return all(type(proc(s)) is type(plain(s)) and proc(s) == plain(s) for s in samples)
    except Exception:  # the processor refuses that type: not this conversion
        return False


def converted_columns(
    processors: Sequence[Converter | None], columns: Sequence[list[Any]], sql: str
) -> list[list[Any]]:
    """Columns of driver values; a value a processor refuses is a StatementError (as
    SQLAlchemy raises it), whose message names no value."""
    converted: list[list[Any]] = []
    try:
        for proc, values in zip(processors, columns, strict=True):
            converted.append(values if proc is None else proc(values))
    except Exception as e:
        raise sa.exc.StatementError(
            "a value does not convert to its column's type", sql, None, e, hide_parameters=True
        ) from e
    return converted


def converted_rows(
    processors: Sequence[Converter | None], columns: Sequence[list[Any]], sql: str
) -> list[tuple[Any, ...]]:
    """Rows as tuples of driver values (see ``converted_columns``)."""
    return list(zip(*converted_columns(processors, columns, sql), strict=True))
