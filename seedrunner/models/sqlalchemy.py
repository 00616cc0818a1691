"""SQLAlchemy declarative class (2.x ``Mapped`` or classic ``Column``) -> ModelShape.

One field per column of ``__table__`` named by ``column.key``. ``table_shape`` and
``column_type_shape`` work on a bare ``Table`` too, which is how reflected tables are shaped.

Choices: a nullable column or one with a (server) default is ``required=False`` (leaving it
out inserts NULL or the default); a single-column primary key is ``unique=True`` and a
composite one goes to ``unique_together``, as do unique constraints and unique indexes; a
``GENERATED ALWAYS`` identity or computed column is ``generated`` (the database refuses a
value). ``CheckConstraint``s narrow bounds and choices where ``models.checks`` can read them
safely; the rest are ignored.  A PostgreSQL domain is its base type narrowed by its CHECKs;
database-specific types (ranges, ``inet``, ``bit`` ...) are shaped by ``models.dbtypes``; the
inputs of generated columns are narrowed by ``models.generated`` so the result fits.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.sql.schema import ColumnDefault

from seedrunner.models.checks import (
    Bound,
    Choices,
    Fact,
    Length,
    Pattern,
    as_number,
    parse_check,
)
from seedrunner.models.dbtypes import DOMAIN, SPANS, db_type_shape
from seedrunner.models.generated import GeneratedNote, fit_generated_inputs
from seedrunner.models.shape import FieldShape, ForeignKeyShape, ModelShape, TypeKind, TypeShape
from seedrunner.models.valuecheck import value_problem

_INT_BOUNDS: list[tuple[type[sa.types.TypeEngine[Any]], int]] = [
    (mysql.TINYINT, 8),
    (mysql.MEDIUMINT, 24),
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
    notes: list[GeneratedNote] | None = None,
) -> ModelShape:
    """A Table's columns, keys, unique constraints and readable CHECKs as a ModelShape.

    Inputs of generated columns are narrowed so the computed value fits (``models.generated``);
    what that could not do silently goes to ``notes`` when given.
    """
    auto = _autoincrement_column(table)
    unique_sets = _unique_sets(table)
    fields = [
        _column_field(c, autoincrement=c is auto, unique=(c.key,) in unique_sets)
        for c in table.columns
    ]
    _apply_checks(table, fields)
    for f in fields:
        f.type.spans = table.info.get(SPANS, {}).get(f.name, ())
    found = fit_generated_inputs(table, fields)
    if notes is not None:
        notes += found
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
    generated = is_generated(column)
    has_default = column.default is not None or column.server_default is not None or generated
    default = column.default.arg if isinstance(column.default, ColumnDefault) else None
    # SQLite reflects INTEGER PRIMARY KEY as nullable; no key column holds NULL.
    nullable = bool(column.nullable) and not column.primary_key
    return FieldShape(
        name=column.key,
        type=column_type_shape(column.type),
        optional=nullable,
        required=not (has_default or nullable or autoincrement),
        default=None if callable(default) else default,
        has_default=has_default,
        primary_key=column.primary_key,
        autoincrement=autoincrement,
        generated=generated,
        unique=unique,
        foreign_key=_foreign_key(column),
        description=column.comment or column.doc,
    )


def is_generated(column: sa.Column[Any]) -> bool:
    """Must the database fill ``column`` (``GENERATED ALWAYS`` identity, computed column)?"""
    identity = column.identity
    return column.computed is not None or (identity is not None and bool(identity.always))


def _apply_checks(table: sa.Table, fields: list[FieldShape]) -> None:
    """Narrow the fields' types by the CHECK constraints of ``table`` that can be read."""
    by_name = {c.name: f for c, f in zip(table.columns, fields, strict=True)}
    folded = {name.lower(): f for name, f in by_name.items()}
    facts: dict[str, list[Fact]] = {}
    for fact in _check_facts(table):
        field = by_name.get(fact.column) or folded.get(fact.column.lower())
        if field is not None:
            facts.setdefault(field.name, []).append(fact)
    for field in fields:
        apply_facts(field.type, facts.get(field.name, []))


def apply_facts(t: TypeShape, facts: Iterable[Fact]) -> None:
    """Narrow ``t`` by facts about its column; facts that do not fit its kind are ignored.

    Choices come last and keep only the values that meet the bounds and lengths, so
    ``x IN (1, 2, 3) AND x >= 2`` allows 2 and 3 whatever the order of the conjuncts.
    """
    for fact in sorted(facts, key=lambda f: isinstance(f, Choices)):
        if isinstance(fact, Bound):
            _apply_bound(t, fact)
        elif isinstance(fact, Length):
            _apply_length(t, fact)
        elif isinstance(fact, Choices):
            _apply_choices(t, fact.values)
        elif isinstance(fact, Pattern) and t.kind == "str" and t.pattern is None:
            t.pattern = fact.regex


def _check_facts(table: sa.Table) -> Iterator[Fact]:
    constraints = [c for c in table.constraints if isinstance(c, sa.CheckConstraint)]
    for column in table.columns:
        constraints += [c for c in column.constraints if isinstance(c, sa.CheckConstraint)]
    for constraint in constraints:
        text = _sql_text(constraint.sqltext)
        if text is not None:
            yield from parse_check(text)


def _sql_text(clause: Any) -> str | None:
    """A CHECK's SQL: text as written, or an expression compiled with its literals inline."""
    if isinstance(clause, sa.TextClause):
        return clause.text
    with contextlib.suppress(Exception):  # an expression SQLAlchemy cannot inline
        return str(clause.compile(compile_kwargs={"literal_binds": True}))
    return None


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
        constraint = fk.constraint
        return ForeignKeyShape(
            table=table.rpartition(".")[2],
            column=col,
            deferrable=bool(constraint is not None and constraint.deferrable),
            constraint=str(constraint.name) if constraint is not None and constraint.name else None,
        )
    return None


def _impl(type_: sa.types.TypeEngine[Any]) -> sa.types.TypeEngine[Any]:
    """The underlying type of a TypeDecorator (Interval is kept: it has its own kind)."""
    while isinstance(type_, sa.TypeDecorator) and not isinstance(type_, sa.Interval):
        type_ = type_.impl_instance
    return type_


def column_type_shape(type_: sa.types.TypeEngine[Any]) -> TypeShape:
    """A column type with the bounds the database enforces."""
    type_ = _impl(type_)
    if isinstance(type_, DOMAIN):
        return _domain_shape(type_)
    if isinstance(type_, sa.Interval):
        return TypeShape("timedelta")
    special = db_type_shape(type_)
    if special is not None:
        return special
    if isinstance(type_, sa.Enum):
        return _enum_shape(type_)
    if isinstance(type_, mysql.TINYINT) and type_.display_width == 1:
        return TypeShape("bool")  # MySQL's BOOL is TINYINT(1), and that is what it means
    if isinstance(type_, mysql.YEAR):
        return TypeShape("int", ge=1901, le=2155)
    for cls, bits in _INT_BOUNDS:
        if isinstance(type_, cls):
            return _int_shape(bits, unsigned=bool(getattr(type_, "unsigned", False)))
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
    if isinstance(type_, sa.types.NullType):
        return TypeShape("any")
    return TypeShape("any", sql_type=type(type_).__name__.lower())  # e.g. oid, regclass


def _domain_shape(domain: DOMAIN) -> TypeShape:
    """A PostgreSQL domain: its base type narrowed by its CHECKs (``VALUE`` is the column)."""
    t = column_type_shape(domain.data_type)
    if domain.check is not None:
        text = _sql_text(domain.check) if not isinstance(domain.check, str) else domain.check
        apply_facts(t, [f for f in parse_check(text or "") if f.column.upper() == "VALUE"])
    t.sql_type = domain.name
    return t


def _int_shape(bits: int, *, unsigned: bool) -> TypeShape:
    if unsigned:
        return TypeShape("int", ge=0, le=2**bits - 1)
    return TypeShape("int", ge=-(2 ** (bits - 1)), le=2 ** (bits - 1) - 1)


def _enum_shape(type_: sa.Enum) -> TypeShape:
    enum_class = type_.enum_class
    if enum_class is not None and issubclass(enum_class, enum.Enum):
        return TypeShape("enum", choices=tuple(enum_class), enum_class=enum_class)
    return TypeShape("enum", choices=tuple(type_.enums))


def _plain(value: int | Decimal) -> int | float:
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


def _apply_bound(t: TypeShape, fact: Bound) -> None:
    if t.kind not in ("int", "float", "decimal"):
        return
    v = _plain(fact.value)
    if fact.op == ">=":
        t.ge = v if t.ge is None else max(t.ge, v)
    elif fact.op == ">":
        t.gt = v if t.gt is None else max(t.gt, v)
    elif fact.op == "<=":
        t.le = v if t.le is None else min(t.le, v)
    elif fact.op == "<":
        t.lt = v if t.lt is None else min(t.lt, v)


def _apply_length(t: TypeShape, fact: Length) -> None:
    if t.kind != "str":
        return
    lo = {">=": fact.value, ">": fact.value + 1, "=": fact.value}.get(fact.op)
    hi = {"<=": fact.value, "<": fact.value - 1, "=": fact.value}.get(fact.op)
    if lo is not None:
        t.min_length = lo if t.min_length is None else max(t.min_length, lo)
    if hi is not None:
        t.max_length = hi if t.max_length is None else min(t.max_length, hi)


def _apply_choices(t: TypeShape, values: tuple[Any, ...]) -> None:
    if t.kind == "enum":
        kept = tuple(c for c in t.choices if _raw(c) in values)
        if kept:
            t.choices = kept
        return
    if t.kind == "str" and all(isinstance(v, str) for v in values):
        typed: tuple[Any, ...] = values
    elif t.kind in ("int", "float", "decimal"):
        numbers = [as_number(v) for v in values]
        if any(n is None for n in numbers) or (
            t.kind == "int" and not all(isinstance(n, int) for n in numbers)
        ):
            return
        typed = tuple(_typed(n, t.kind) for n in numbers if n is not None)
    else:
        return
    allowed = tuple(v for v in typed if value_problem(t, v) is None)
    if allowed:  # none allowed: a contradiction the database will report, not us
        t.kind, t.choices = "enum", tuple(dict.fromkeys(allowed))


def _typed(n: int | Decimal, kind: str) -> Any:
    if kind == "decimal":
        return Decimal(n)
    if kind == "float":
        return float(n)
    return n


def _raw(choice: Any) -> Any:
    return choice.value if isinstance(choice, enum.Enum) else choice
