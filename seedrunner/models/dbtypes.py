"""Column types of one database family -> TypeShape: ranges, network, bit strings, xml ...

``column_type_shape`` asks here first for the types that are not SQLAlchemy's generic ones:
PostgreSQL ranges, ``inet``/``cidr``/``macaddr``, ``interval``, ``money``, ``tsvector``,
``bit``/``varbit``, ``xml`` (which SQLAlchemy does not know: reflection gives it
``NamedSqlType``), MariaDB ``SET``; a type nobody here knows becomes ``any`` with its
``sql_type`` kept, so planning can name it.  Values for these kinds come from
``generate/pgtypes.py``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.dialects.postgresql import DOMAIN
from sqlalchemy.dialects.postgresql import ranges as pgr

from seedrunner.models.shape import TypeKind, TypeShape

__all__ = ["DOMAIN", "SPANS", "NamedSqlType", "UnknownSqlType", "db_type_shape"]

#: ``Table.info`` key: column name -> the ``(lo, hi)`` spans its values must lie in
SPANS = "seedrunner_spans"


_RANGES: list[tuple[type[Any], TypeShape]] = [
    (pgr.INT4RANGE, TypeShape("int")),  # lower bounds in the plain 0..10 000 window
    (pgr.INT8RANGE, TypeShape("int")),
    (pgr.NUMRANGE, TypeShape("decimal", decimal_places=2)),
    (pgr.DATERANGE, TypeShape("date")),
    (pgr.TSTZRANGE, TypeShape("datetime", timezone=True)),
    (pgr.TSRANGE, TypeShape("datetime")),
]

_MULTIRANGES: list[tuple[type[Any], TypeShape]] = [
    (pgr.INT4MULTIRANGE, TypeShape("int")),
    (pgr.INT8MULTIRANGE, TypeShape("int")),
    (pgr.NUMMULTIRANGE, TypeShape("decimal", decimal_places=2)),
    (pgr.DATEMULTIRANGE, TypeShape("date")),
    (pgr.TSTZMULTIRANGE, TypeShape("datetime", timezone=True)),
    (pgr.TSMULTIRANGE, TypeShape("datetime")),
]

_NAMED: dict[str, TypeKind] = {"xml": "xml", "inet6": "inet", "inet4": "inet"}


class NamedSqlType(sa.types.UserDefinedType[Any]):
    """A database type SQLAlchemy does not reflect (``xml``): bound with a cast to it."""

    cache_ok = True
    render_bind_cast = True

    def __init__(self, name: str) -> None:
        self.name = name

    def get_col_spec(self, **kw: Any) -> str:
        return self.name.upper()


class UnknownSqlType(sa.types.NullType):
    """A type nobody here knows (``point``, a composite type): only a spec can fill it."""

    def __init__(self, name: str) -> None:
        self.name = name


def db_type_shape(type_: sa.types.TypeEngine[Any]) -> TypeShape | None:
    """The shape of a database-specific type, or None for the generic ones."""
    if isinstance(type_, pgr.AbstractSingleRange | pgr.AbstractMultiRange):
        multi = isinstance(type_, pgr.AbstractMultiRange)
        for cls, bound in _MULTIRANGES if multi else _RANGES:
            if isinstance(type_, cls):
                fmt = "multirange" if multi else None
                return TypeShape("range", item=_copy(bound), format=fmt, sql_type=_name(type_))
        return None
    if isinstance(type_, pg.INTERVAL):
        return TypeShape("timedelta")
    if isinstance(type_, pg.MONEY):
        return TypeShape("decimal", decimal_places=2, sql_type="money")  # 0..10 000
    simple = _simple_kind(type_)
    if simple is not None:
        return TypeShape(simple, sql_type=_name(type_))
    if isinstance(type_, pg.MACADDR8):
        return TypeShape("macaddr", format="macaddr8", sql_type="macaddr8")
    if isinstance(type_, pg.BIT):
        return _bits_shape(type_)
    if isinstance(type_, mysql.BIT):  # MariaDB's BIT(n) takes an integer
        return TypeShape("int", ge=0, le=2 ** (type_.length or 1) - 1, sql_type="bit")
    if isinstance(type_, pg.HSTORE):
        return TypeShape("dict", sql_type="hstore")
    if isinstance(type_, mysql.SET):
        return TypeShape("flags", choices=tuple(type_.values), sql_type="set")
    if isinstance(type_, NamedSqlType):
        fmt = "ipv6" if type_.name == "inet6" else None  # MariaDB's INET6 wants IPv6 text
        return TypeShape(_NAMED.get(type_.name, "any"), format=fmt, sql_type=type_.name)
    if isinstance(type_, UnknownSqlType):
        return TypeShape("any", sql_type=type_.name)
    return None


def _simple_kind(type_: sa.types.TypeEngine[Any]) -> TypeKind | None:
    if isinstance(type_, pg.INET):
        return "inet"
    if isinstance(type_, pg.CIDR):
        return "cidr"
    if isinstance(type_, pg.MACADDR):
        return "macaddr"
    if isinstance(type_, pg.TSVECTOR):
        return "tsvector"
    if isinstance(type_, pg.TSQUERY):
        return "tsquery"
    return None


def _bits_shape(type_: pg.BIT) -> TypeShape:
    """``bit(n)`` is exactly n bits; ``bit varying(n)`` 1..n (16 when unlimited)."""
    if type_.varying:
        return TypeShape("bits", min_length=1, max_length=type_.length or 16, sql_type="varbit")
    n = type_.length or 1
    return TypeShape("bits", min_length=n, max_length=n, sql_type=f"bit({n})")


def _copy(t: TypeShape) -> TypeShape:
    return TypeShape(t.kind, ge=t.ge, le=t.le, decimal_places=t.decimal_places, timezone=t.timezone)


def _name(type_: sa.types.TypeEngine[Any]) -> str:
    return type(type_).__name__.lower()
