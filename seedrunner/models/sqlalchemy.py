"""SQLAlchemy declarative class (2.x ``Mapped`` or classic ``Column``) -> ModelShape.

One field per column of ``__table__`` named by ``column.key``. ``table_shape`` and
``column_type_shape`` work on a bare ``Table`` too, so a reflected table can reuse them.

Choices: a nullable column is ``required=False`` (leaving it out inserts NULL); a
single-column primary key is ``unique=True`` and a composite one goes to
``unique_together``; ``CheckConstraint``s are not read.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.sql.schema import ColumnDefault

from seedrunner.models.shape import FieldShape, ForeignKeyShape, ModelShape, TypeKind, TypeShape

_INT_BOUNDS: list[tuple[type[sa.types.TypeEngine[Any]], int]] = [
    (sa.SmallInteger, 16),
    (sa.BigInteger, 64),
    (sa.Integer, 32),
]

# Checked in order; the first isinstance match wins (Enum before String, DateTime before Date).
_SIMPLE: list[tuple[type[sa.types.TypeEngine[Any]], TypeKind]] = [
    (sa.Boolean, "bool"),
    (sa.Float, "float"),
    (sa.DateTime, "datetime"),
    (sa.Date, "date"),
    (sa.Time, "time"),
    (sa.Uuid, "uuid"),
    (sa.JSON, "json"),
    (sa.LargeBinary, "bytes"),
    (sa.types._Binary, "bytes"),
]


def supports(obj: object) -> bool:
    """A mapped class with a ``Table`` (not a ``__table__`` built from a select)."""
    return isinstance(obj, type) and isinstance(getattr(obj, "__table__", None), sa.Table)


def shape(obj: Any, *, stack: tuple[type, ...] = ()) -> ModelShape:
    """Shape a declarative class; ``stack`` is accepted for adapter symmetry and unused."""
    return table_shape(obj.__table__, name=obj.__name__, kind="sqlalchemy", model=obj)


def table_shape(
    table: sa.Table,
    *,
    name: str | None = None,
    kind: Literal["sqlalchemy", "table"] = "table",
    model: Any = None,
) -> ModelShape:
    """A Table's columns, keys and unique constraints as a ModelShape."""
    auto = _autoincrement_column(table)
    unique_sets = _unique_sets(table)
    fields = [
        _column_field(c, autoincrement=c is auto, unique=(c.key,) in unique_sets)
        for c in table.columns
    ]
    together = [cols for cols in unique_sets if len(cols) > 1]
    return ModelShape(
        name=name or table.name,
        kind=kind,
        fields=fields,
        model=model,
        table_name=table.name,
        unique_together=together,
    )


def _column_field(column: sa.Column[Any], *, autoincrement: bool, unique: bool) -> FieldShape:
    has_default = column.default is not None or column.server_default is not None
    default = column.default.arg if isinstance(column.default, ColumnDefault) else None
    nullable = bool(column.nullable)
    return FieldShape(
        name=column.key,
        type=column_type_shape(column.type),
        optional=nullable,
        required=not (has_default or nullable or autoincrement),
        default=None if callable(default) else default,
        has_default=has_default,
        primary_key=column.primary_key,
        autoincrement=autoincrement,
        unique=unique,
        foreign_key=_foreign_key(column),
        description=column.comment or column.doc,
    )


def _autoincrement_column(table: sa.Table) -> sa.Column[Any] | None:
    """The single integer primary key the database fills in, if any."""
    pk = list(table.primary_key.columns)
    if len(pk) != 1:
        return None
    column = pk[0]
    if column.autoincrement is False or not isinstance(_impl(column.type), sa.Integer):
        return None
    return column


def _unique_sets(table: sa.Table) -> list[tuple[str, ...]]:
    """Column-key tuples that must be unique, in table order, without duplicates."""
    found: list[tuple[str, ...]] = []
    candidates: list[tuple[str, ...]] = [tuple(c.key for c in table.primary_key.columns)]
    candidates += [(c.key,) for c in table.columns if c.unique]
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint):
            candidates.append(tuple(c.key for c in constraint.columns))
    for index in table.indexes:
        if index.unique and all(isinstance(e, sa.Column) for e in index.expressions):
            candidates.append(tuple(c.key for c in index.columns))
    for cols in candidates:
        if cols and cols not in found:
            found.append(cols)
    return found


def _foreign_key(column: sa.Column[Any]) -> ForeignKeyShape | None:
    for fk in column.foreign_keys:
        # target_fullname is "table.column" or "schema.table.column"; resolving fk.column
        # would fail when the referenced table is not in this MetaData.
        table, _, col = fk.target_fullname.rpartition(".")
        return ForeignKeyShape(table=table.rpartition(".")[2], column=col)
    return None


def _impl(type_: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """The underlying type of a TypeDecorator (Interval is kept: it has its own kind)."""
    while isinstance(type_, sa.TypeDecorator) and not isinstance(type_, sa.Interval):
        type_ = type_.impl_instance
    return type_


def column_type_shape(type_: sa.types.TypeEngine[Any]) -> TypeShape:
    """A column type with the bounds the database enforces."""
    type_ = _impl(type_)
    if isinstance(type_, sa.Interval):
        return TypeShape("timedelta")
    if isinstance(type_, sa.Enum):
        return _enum_shape(type_)
    for cls, bits in _INT_BOUNDS:
        if isinstance(type_, cls):
            return TypeShape("int", ge=-(2 ** (bits - 1)), le=2 ** (bits - 1) - 1)
    if isinstance(type_, sa.String):
        return TypeShape("str", max_length=type_.length)
    if isinstance(type_, sa.Numeric):
        kind: TypeKind = "decimal" if type_.asdecimal else "float"
        return TypeShape(kind, max_digits=type_.precision, decimal_places=type_.scale)
    if isinstance(type_, sa.ARRAY):
        return TypeShape("list", item=column_type_shape(type_.item_type))
    for cls, kind in _SIMPLE:
        if isinstance(type_, cls):
            return TypeShape(kind, timezone=bool(getattr(type_, "timezone", False)))
    return TypeShape("any")


def _enum_shape(type_: sa.Enum) -> TypeShape:
    enum_class = type_.enum_class
    if enum_class is not None and issubclass(enum_class, enum.Enum):
        return TypeShape("enum", choices=tuple(enum_class), enum_class=enum_class)
    return TypeShape("enum", choices=tuple(type_.enums))
