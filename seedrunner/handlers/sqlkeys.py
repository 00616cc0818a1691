"""Keys the database assigns (RETURNING) and sequences moved past keys seedrunner chose.

Children need their parents' keys.  When the database assigns them, ``insert_returning``
reads them back in row order; when seedrunner chose them (the default), PostgreSQL's
sequence must be moved past them or the application's next insert collides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.errors import HandlerError

# INSERT ... RETURNING of many rows is one statement per page; on MySQL/MariaDB a page
# must fit max_allowed_packet, so it is sized from the rows (with this headroom).
_PACKET_SHARE = 0.5
_DEFAULT_PAGE = 1000


def insert_returning(
    conn: Connection, stmt: Any, keys: Sequence[sa.Column[Any]], records: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Insert ``records``; the database-assigned ``keys`` of each, in the order given."""
    dialect = conn.dialect
    if dialect.insert_returning and dialect.use_insertmanyvalues:
        returning = stmt.returning(*keys, sort_by_parameter_order=True)
        if dialect.name in ("mysql", "mariadb"):
            page = _page_for_packet(conn, records)
            returning = returning.execution_options(insertmanyvalues_page_size=page)
        result = conn.execute(returning, records)
        return [tuple(r) for r in result]
    out: list[tuple[Any, ...]] = []  # MySQL 8, MariaDB < 10.5: no RETURNING; row by row
    for record in records:
        pk = conn.execute(stmt, record).inserted_primary_key
        if pk is None:
            raise HandlerError(f"table '{stmt.table.fullname}' returned no key for a row")
        out.append(tuple(pk._mapping[c.key] for c in keys))
    return out


def _page_for_packet(conn: Connection, records: list[dict[str, Any]]) -> int:
    """Rows per INSERT so that one statement stays well inside max_allowed_packet."""
    if "max_allowed_packet" not in conn.info:  # read once per connection, not per batch
        value = conn.exec_driver_sql("SELECT @@max_allowed_packet").scalar()
        conn.info["max_allowed_packet"] = int(value or 4 * 1024 * 1024)
    packet = conn.info["max_allowed_packet"]
    sample = records[: min(len(records), 200)]
    widest = max((sum(len(str(v)) + 4 for v in r.values()) for r in sample), default=1)
    return max(1, min(_DEFAULT_PAGE, int(packet * _PACKET_SHARE) // (widest * 2)))


_ADVANCE = sa.text(
    "SELECT setval(r.seq, :top) FROM (SELECT CAST(:seq AS regclass) AS seq) AS r "
    "WHERE :top >= COALESCE(pg_sequence_last_value(r.seq) + 1, "
    "(SELECT seqstart FROM pg_sequence WHERE seqrelid = r.seq))"
)
_SERIAL = sa.text("SELECT pg_get_serial_sequence(quote_ident(:name), :column)")
_SERIAL_IN = sa.text(
    "SELECT pg_get_serial_sequence(quote_ident(:schema) || '.' || quote_ident(:name), :column)"
)


def advance_sequence(conn: Connection, table: sa.Table) -> None:
    """Move a PostgreSQL serial/identity sequence past the highest key in the table.

    After seedrunner writes explicit keys 1..N the sequence still says 1, and the
    application's next insert would collide.  MariaDB's AUTO_INCREMENT and SQLite's rowid
    already move past explicit values by themselves; PostgreSQL's sequences do not.  A
    sequence whose next value is already past the keys (used, or ``START WITH`` higher)
    is left alone: it is never moved backwards.  Names are quoted by the server
    (``quote_ident``), so any table or column name works.
    """
    column = table.autoincrement_column
    if conn.dialect.name != "postgresql" or column is None:
        return
    cache = conn.info.setdefault("serial_sequences", {})  # per connection: once per table
    key = (table.schema, table.name, column.name)
    if key not in cache:
        params = {"name": table.name, "column": column.name}
        if table.schema:
            cache[key] = conn.execute(_SERIAL_IN, {**params, "schema": table.schema}).scalar()
        else:
            cache[key] = conn.execute(_SERIAL, params).scalar()
    seq = cache[key]
    if seq is None:
        return
    top = conn.execute(sa.select(sa.func.max(column))).scalar()
    if top is not None:
        conn.execute(_ADVANCE, {"seq": seq, "top": int(top)})
