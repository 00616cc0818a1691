"""Keys the database assigns (RETURNING) and sequences moved past keys seedrunner chose.

Children need their parents' keys.  When the database assigns them, ``insert_returning``
reads them back in row order; when seedrunner chose them (the default), PostgreSQL's
sequence must be moved past them or the application's next insert collides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import DOMAIN
from sqlalchemy.engine import Connection

from seedrunner.errors import HandlerError
from seedrunner.models.pgcatalog import quoted_relation

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
# Every (column, sequence) of a table: sequences its column defaults call (nextval('s'),
# owned by the column or not: the default depends on the sequence) and identity columns'.
_SEQUENCES = sa.text(
    "SELECT a.attname, quote_ident(n.nspname) || '.' || quote_ident(s.relname)"
    " FROM pg_attrdef d"
    " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
    " JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid"
    "  AND dep.refclassid = 'pg_class'::regclass"
    " JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'"
    " JOIN pg_namespace n ON n.oid = s.relnamespace"
    " WHERE d.adrelid = CAST(:rel AS regclass)"
    " UNION"
    " SELECT a.attname, pg_get_serial_sequence(CAST(:rel AS text), a.attname::text)"
    " FROM pg_attribute a"
    " WHERE a.attrelid = CAST(:rel AS regclass) AND a.attidentity <> '' AND a.attnum > 0"
    " ORDER BY 1, 2"
)
# MariaDB: a column DEFAULT NEXTVAL(s) (AUTO_INCREMENT moves by itself, sequences do not)
_MARIADB_SEQUENCES = sa.text(
    "SELECT column_name, column_default FROM information_schema.columns"
    " WHERE table_schema = DATABASE() AND table_name = :name"
    " AND lower(column_default) LIKE 'nextval(%'"
)
_MARIADB_SEQ_NAME = re.compile(r"nextval\((.+)\)\s*$", re.IGNORECASE)


def advance_sequence(conn: Connection, table: sa.Table) -> None:
    """Move every sequence a column of ``table`` draws its default from past that column's
    highest value.

    After seedrunner writes explicit keys 1..N a sequence still says 1, and the
    application's next insert would collide.  That holds for serial and identity columns
    and for any ``DEFAULT nextval('s')``, owned by the column or not (PostgreSQL), and for
    ``DEFAULT NEXTVAL(s)`` on MariaDB.  MariaDB's AUTO_INCREMENT and SQLite's rowid (and
    ``AUTOINCREMENT``) already move past explicit values by themselves.  A sequence whose
    next value is already past the values (used, or ``START WITH`` higher) is left alone:
    it is never moved backwards.  Names are quoted by the server, so any name works.
    """
    name = conn.dialect.name
    if name == "postgresql":
        _advance_postgresql(conn, table)
    elif getattr(conn.dialect, "is_mariadb", False):
        _advance_mariadb(conn, table)


def table_sequences(conn: Connection, table: sa.Table) -> list[tuple[str, str]]:
    """(column, quoted sequence name) for each sequence that a default of ``table`` uses."""
    cache = conn.info.setdefault("table_sequences", {})  # per connection: once per table
    key = (table.schema, table.name)
    if key not in cache:
        rel = quoted_relation(table)
        rows = conn.execute(_SEQUENCES, {"rel": rel}).all()
        cache[key] = [(c, s) for c, s in rows if s is not None and c in table.c]
    found: list[tuple[str, str]] = cache[key]
    return found


def _advance_postgresql(conn: Connection, table: sa.Table) -> None:
    for column, seq in table_sequences(conn, table):
        top = _top(conn, table, column)
        if top is not None:
            conn.execute(_ADVANCE, {"seq": seq, "top": top})


def _advance_mariadb(conn: Connection, table: sa.Table) -> None:
    rows = conn.execute(_MARIADB_SEQUENCES, {"name": table.name}).all()
    for column, default in rows:
        m = _MARIADB_SEQ_NAME.match(default.strip())
        top = _top(conn, table, column) if m is not None and column in table.c else None
        if m is not None and top is not None:  # SETVAL never moves a sequence backwards
            conn.execute(sa.text(f"SELECT SETVAL({m.group(1)}, {int(top)})"))


def _top(conn: Connection, table: sa.Table, column: str) -> int | None:
    """The column's highest value, when it is an integer column (else None)."""
    col = table.c[column]
    type_: Any = col.type
    while isinstance(type_, DOMAIN):
        type_ = type_.data_type
    try:
        if type_.python_type is not int:
            return None
    except NotImplementedError:
        return None
    top = conn.execute(sa.select(sa.func.max(col))).scalar()
    return None if top is None else int(top)
