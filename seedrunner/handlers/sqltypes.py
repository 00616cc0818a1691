"""ModelShape -> a SQLAlchemy ``Table``, for models that carry no table of their own.

Pydantic models, dataclasses, TypedDicts and schemaless datasets written to a SQL target
get a table built from their shape: column types from ``TypeShape``, primary key, NOT NULL
from ``optional``, unique constraints and foreign keys.  Referenced tables get a stub (just
the referenced column) in the same ``MetaData`` so the DDL compiles; only the dataset's own
table is ever created.
"""

from __future__ import annotations

import uuid
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from seedrunner.db.typeerrors import BUILT
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape

_INT32 = 2**31 - 1


class EnumValue(sa.types.TypeDecorator[Any]):
    """A string column that stores an Enum member's value (members or raw values accepted)."""

    impl = sa.String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, Enum):
            value = value.value
        return None if value is None else str(value)


class LenientUuid(sa.types.TypeDecorator[uuid.UUID]):
    """``Uuid`` that also takes the string form, as string-typed generators produce."""

    impl = sa.Uuid
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, str):
            return uuid.UUID(value)
        return value


def _int_type(t: TypeShape, primary_key: bool) -> sa.types.TypeEngine[Any]:
    if primary_key:  # SQLite only autoincrements an INTEGER PRIMARY KEY
        return sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    lows = [b for b in (t.ge, t.gt) if b is not None]
    highs = [b for b in (t.le, t.lt) if b is not None]
    if lows and highs and min(lows) >= -_INT32 and max(highs) <= _INT32:
        return sa.Integer()
    return sa.BigInteger()


def _str_len(values: tuple[Any, ...]) -> int | None:
    raw = [v.value if isinstance(v, Enum) else v for v in values]
    return max((len(str(v)) for v in raw), default=None) or None


def _choice_type(t: TypeShape) -> sa.types.TypeEngine[Any]:
    if t.kind == "enum":
        return EnumValue(_str_len(t.choices))
    if t.choices and all(isinstance(c, bool) for c in t.choices):
        return sa.Boolean()
    if t.choices and all(isinstance(c, int) and not isinstance(c, bool) for c in t.choices):
        return sa.BigInteger()
    return sa.String(_str_len(t.choices))


_SIMPLE: dict[str, Any] = {
    "float": sa.Float,
    "bool": sa.Boolean,
    "date": sa.Date,
    "time": sa.Time,
    "timedelta": sa.Interval,
    "uuid": LenientUuid,
    "bytes": sa.LargeBinary,
}


def column_type(t: TypeShape, *, primary_key: bool = False) -> sa.types.TypeEngine[Any]:
    """The SQL type for a field's TypeShape; containers and ``any`` become JSON."""
    if t.kind == "str":
        return sa.String(t.max_length) if t.max_length else sa.Text()
    if t.kind == "int":
        return _int_type(t, primary_key)
    if t.kind == "decimal":
        return sa.Numeric(t.max_digits, t.decimal_places)
    if t.kind == "datetime":
        return sa.DateTime(timezone=t.timezone)
    if t.kind in ("enum", "literal"):
        return _choice_type(t)
    if t.kind in _SIMPLE:
        return _SIMPLE[t.kind]()  # type: ignore[no-any-return]
    return sa.JSON()  # list, set, tuple, dict, model, json, any


def _column(f: FieldShape, schema: str | None) -> sa.Column[Any]:
    args: list[Any] = []
    if f.foreign_key is not None:
        prefix = f"{schema}." if schema else ""
        args.append(sa.ForeignKey(f"{prefix}{f.foreign_key.table}.{f.foreign_key.column}"))
    return sa.Column(
        f.name,
        column_type(f.type, primary_key=f.primary_key),
        *args,
        primary_key=f.primary_key,
        nullable=f.optional and not f.primary_key,
        unique=f.unique and not f.primary_key,
        autoincrement=True if f.autoincrement and f.primary_key else "auto",
    )


def _stub_referenced(
    metadata: sa.MetaData, own: str, shape: ModelShape, schema: str | None
) -> None:
    """Declare referenced tables (only the referenced columns) so FK DDL can compile."""
    wanted: dict[str, dict[str, sa.types.TypeEngine[Any]]] = {}
    for f in shape.fields:
        fk = f.foreign_key
        if fk is not None and fk.table != own:
            wanted.setdefault(fk.table, {})[fk.column] = column_type(f.type)
    for name, cols in wanted.items():
        sa.Table(
            name,
            metadata,
            *(sa.Column(c, typ, primary_key=True) for c, typ in cols.items()),
            schema=schema,
        )


def build_table(
    shape: ModelShape, name: str, *, schema: str | None = None, metadata: sa.MetaData | None = None
) -> sa.Table:
    """A ``Table`` named ``name`` with one column per field of ``shape``."""
    metadata = sa.MetaData() if metadata is None else metadata
    _stub_referenced(metadata, name, shape, schema)
    columns = [_column(f, schema) for f in shape.fields]
    uniques = [sa.UniqueConstraint(*cols) for cols in shape.unique_together if cols]
    table = sa.Table(name, metadata, *columns, *uniques, schema=schema)
    table.info[BUILT] = True
    return table
