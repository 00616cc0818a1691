"""Read tables from a live database for ``table:`` datasets: reflection, read-only.

Planning calls this once per database URL: every table the manifest names there is read in
one connection (through an async engine inside its own event loop for async URLs), and the
engine is disposed before returning.  Nothing is written: a SQLite file that does not exist
is reported rather than created, and no transaction is committed.

Reflection misses a few things the databases do enforce, which are added to the reflected
``Table`` (never to the database):

- SQLite: a column's inline ``UNIQUE`` is only visible as an automatic index;
- MariaDB: column-level CHECK constraints (and so ``JSON``, which MariaDB stores as LONGTEXT
  with ``CHECK (json_valid(col))``) are only in ``information_schema.CHECK_CONSTRAINTS``;
  such columns get the ``JSON`` type, so rows are written as JSON documents;
- PostgreSQL: domains' base types and CHECKs, types SQLAlchemy does not know, foreign keys
  declared on the partitions of a partitioned table (``models.pgcatalog``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection

from seedrunner.db.aio import new_loop
from seedrunner.db.engines import resolve_url
from seedrunner.db.errors import READ_ERRORS, translate
from seedrunner.errors import HandlerError
from seedrunner.models.checks import JsonValid, parse_check
from seedrunner.models.dbtypes import NamedSqlType, UnknownSqlType
from seedrunner.models.generated import GeneratedNote
from seedrunner.models.pgcatalog import complete_postgresql
from seedrunner.models.shape import ModelShape
from seedrunner.models.sqlalchemy import table_shape
from seedrunner.redact import scrub

T = TypeVar("T")
TableKey = tuple[str | None, str]  # (schema or None for the default, table name)


class ReflectionError(Exception):
    """The database could not be read; ``message`` is safe to show (passwords masked)."""

    def __init__(self, message: str) -> None:
        self.message = scrub(message)
        super().__init__(self.message)


@dataclass
class Reflection:
    """What one database holds of the tables asked for."""

    tables: dict[TableKey, sa.Table] = field(default_factory=dict)  # those found
    names: dict[str | None, list[str]] = field(default_factory=dict)  # schema -> all its tables
    warnings: list[str] = field(default_factory=list)  # SQLAlchemy's, e.g. unknown types


def reflect_tables(url: str, base_dir: Path, wanted: Iterable[TableKey]) -> Reflection:
    """Reflect ``wanted`` from the database at ``url`` (relative SQLite paths: ``base_dir``).

    Tables that do not exist are left out of ``Reflection.tables``; ``names`` lists what
    each schema has, for suggestions.  Raises ``ReflectionError`` when the database cannot
    be reached or read.
    """
    keys = list(dict.fromkeys(wanted))
    return read_database(url, base_dir, lambda conn: _reflect(conn, keys), "read tables")


def read_database(
    url: str, base_dir: Path, read: Callable[[Connection], T], what: str = "read tables"
) -> T:
    """``read`` on one connection to ``url``, then the engine disposed; an async URL runs on
    an event loop of its own.  Errors are ``ReflectionError`` ("cannot WHAT from URL: ...",
    password masked); a SQLite file that does not exist is reported, never created."""
    try:
        parsed = resolve_url(url, base_dir)
    except HandlerError as e:
        raise ReflectionError(str(e)) from None
    shown = parsed.render_as_string(hide_password=True)
    _require_sqlite_file(parsed, shown)
    try:
        if parsed.get_dialect().is_async:
            return _in_event_loop(parsed, read)
        engine = sa.create_engine(parsed, hide_parameters=True)
        try:
            with engine.connect() as conn:
                return read(conn)
        finally:
            engine.dispose()
    except Exception as e:  # READ_ERRORS says which: a driver, a missing one, the file
        cause = translate(READ_ERRORS, e, "read").message
        raise ReflectionError(f"cannot {what} from {shown}: {cause}") from None


def reflected_shape(
    table: sa.Table, name: str, notes: list[GeneratedNote] | None = None
) -> ModelShape:
    """The ModelShape of a reflected table; the handler writes through ``table`` itself.

    ``notes`` gets what narrowing the inputs of generated columns could not do silently.
    """
    return table_shape(table, name=name, kind="table", model=table, notes=notes)


def _require_sqlite_file(url: sa.URL, shown: str) -> None:
    """Connecting to a missing SQLite file would create it; planning must not write."""
    db = url.database
    if url.get_backend_name() != "sqlite" or not db or db == ":memory:" or db.startswith("file:"):
        return
    if not Path(db).is_file():
        raise ReflectionError(f"cannot read tables from {shown}: the database file does not exist")


def _in_event_loop(url: sa.URL, read: Callable[[Connection], T]) -> T:
    """``read`` through an async engine on a loop of its own (a thread if one is running)."""

    async def main() -> T:
        from sqlalchemy.ext.asyncio import create_async_engine  # needs greenlet: [async]

        engine = create_async_engine(url, hide_parameters=True)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(read)
        finally:
            await engine.dispose()

    loop = new_loop()
    try:
        return loop.run(main())
    finally:
        loop.close()


def _reflect(conn: Connection, keys: list[TableKey]) -> Reflection:
    out = Reflection()
    inspector = sa.inspect(conn)
    metadata = sa.MetaData()
    by_schema: dict[str | None, list[str]] = {}
    for schema, name in keys:
        by_schema.setdefault(schema, []).append(name)
    for schema, wanted in by_schema.items():
        out.names[schema] = existing = sorted(inspector.get_table_names(schema=schema))
        present = [n for n in wanted if n in existing]
        if not present:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", exc.SAWarning)
            metadata.reflect(conn, schema=schema, only=present)
        out.warnings += [str(w.message) for w in caught if issubclass(w.category, exc.SAWarning)]
        for w in caught:  # anything else goes on as it came
            if not issubclass(w.category, exc.SAWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        for name in present:
            table = metadata.tables[f"{schema}.{name}" if schema else name]
            _complete(conn, inspector, table)
            out.tables[(schema, name)] = table
    return out


def _complete(conn: Connection, inspector: sa.Inspector, table: sa.Table) -> None:
    """Add what reflection misses but the database enforces (see the module docstring)."""
    if conn.dialect.name == "sqlite":
        for index in inspector.get_indexes(table.name, table.schema, include_auto_indexes=True):
            columns = [c for c in index["column_names"] if c is not None]
            auto = (index["name"] or "").startswith("sqlite_autoindex_")
            if index["unique"] and auto and columns:
                table.append_constraint(sa.UniqueConstraint(*columns))
    if getattr(conn.dialect, "is_mariadb", False):
        _mariadb_column_checks(conn, table)
        _mariadb_unknown_types(conn, table)
    if conn.dialect.name == "postgresql":
        complete_postgresql(conn, table)


def _mariadb_unknown_types(conn: Connection, table: sa.Table) -> None:
    """``INET6``/``INET4`` are addresses; any other type SQLAlchemy does not know keeps its
    name, so planning can say which type a column has."""
    unknown = [c for c in table.columns if isinstance(c.type, sa.types.NullType)]
    if not unknown:
        return
    query = sa.text(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = :schema AND table_name = :table"
    )
    schema = table.schema or conn.dialect.default_schema_name
    names: dict[str, Any] = dict(conn.execute(query, {"schema": schema, "table": table.name}).all())
    for column in unknown:
        name = str(names.get(column.name, "")).lower()
        if name in ("inet6", "inet4"):
            column.type = NamedSqlType(name)
        elif name:
            column.type = UnknownSqlType(name)


def _mariadb_column_checks(conn: Connection, table: sa.Table) -> None:
    query = sa.text(
        "SELECT constraint_name, check_clause FROM information_schema.check_constraints"
        " WHERE constraint_schema = :schema AND table_name = :table AND level = 'Column'"
    )
    schema = table.schema or conn.dialect.default_schema_name
    rows = conn.execute(query, {"schema": schema, "table": table.name}).all()
    for name, clause in rows:
        table.append_constraint(sa.CheckConstraint(sa.text(clause), name=name))
        for fact in parse_check(clause):
            column: Any = table.c.get(fact.column)
            is_text = column is not None and isinstance(column.type, sa.String)
            if isinstance(fact, JsonValid) and is_text:
                column.type = mysql.JSON()
