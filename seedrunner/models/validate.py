"""Check generated rows against their model, in bulk, before any handler sees them.

pydantic models, dataclasses and TypedDicts are validated by one pydantic ``TypeAdapter``
over the whole list (built once per validator). SQLAlchemy classes and reflected tables are
checked column by column in Python against what the database would refuse: NULLs, types,
lengths, digits, integer ranges and enum membership. Schemaless rows are not checked.

Rows are numbered from 0 (their index in the list passed in). Messages never include the
offending value, only what was wrong with it.
"""

from __future__ import annotations

import datetime as dt
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pydantic
import typing_extensions

from seedrunner.models import typeddict as typeddict_adapter
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape

_BY_NAME = tuple(int(p) for p in pydantic.VERSION.split(".")[:2]) >= (2, 11)


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong with one row; ``field`` is a dotted path ("" for the row itself)."""

    row: int
    field: str
    message: str


class RowValidator:
    """Validates batches of row dicts against one ModelShape."""

    def __init__(self, shape: ModelShape) -> None:
        self.shape = shape
        self._adapter: pydantic.TypeAdapter[Any] | None = None
        self._check: Callable[[list[dict[str, Any]]], list[RowProblem]] | None = None
        if shape.kind in ("pydantic", "dataclass"):
            row_type: Any = shape.model  # a runtime class: validated as list[row_type]
            self._adapter = pydantic.TypeAdapter(list[row_type])
        elif shape.kind == "typeddict":
            td: Any = _validatable_typeddict(shape.model)
            self._adapter = pydantic.TypeAdapter(list[td])
        elif shape.kind in ("sqlalchemy", "table"):
            self._check = _ColumnChecker(shape).check

    def validate(self, records: list[dict[str, Any]]) -> list[RowProblem]:
        """Every problem in ``records``; an empty list means all rows are valid."""
        if self._adapter is not None:
            return _pydantic_problems(self._adapter, records)
        if self._check is not None:
            return self._check(records)
        return []


def _validatable_typeddict(td: Any) -> Any:
    """``td`` itself, or on Python < 3.12 a typing_extensions copy of a ``typing.TypedDict``.

    pydantic refuses ``typing.TypedDict`` there; the copy has the same keys, annotations and
    required-ness. A ``typing.TypedDict`` nested inside is still refused.
    """
    try:
        pydantic.TypeAdapter(td)
        return td
    except pydantic.PydanticUserError:
        pass
    keys: dict[str, Any] = {
        name: typing.Required[ann] if required else typing.NotRequired[ann]
        for name, (ann, required) in typeddict_adapter.keys(td).items()
    }
    factory: Any = typing_extensions.TypedDict
    return factory(td.__name__, keys)


def _pydantic_problems(
    adapter: pydantic.TypeAdapter[Any], records: list[dict[str, Any]]
) -> list[RowProblem]:
    try:
        if _BY_NAME:
            adapter.validate_python(records, by_alias=True, by_name=True)
        else:  # pragma: no cover - pydantic < 2.11
            adapter.validate_python(records)
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False, include_context=False):
            loc = err["loc"]
            row = loc[0] if loc and isinstance(loc[0], int) else -1
            path = ".".join(str(part) for part in loc[1:])
            problems.append(RowProblem(row=row, field=path, message=err["msg"]))
        return problems
    return []


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float, Decimal),
    "decimal": (int, float, Decimal),
    "str": (str,),
    "bool": (bool,),
    "datetime": (dt.datetime,),
    "date": (dt.date,),
    "time": (dt.time,),
    "timedelta": (dt.timedelta,),
    "uuid": (uuid.UUID,),
    "bytes": (bytes, bytearray, memoryview),
    "list": (list, tuple),
}


class _ColumnChecker:
    """What a database would refuse, checked per column in Python."""

    def __init__(self, shape: ModelShape) -> None:
        self.fields = shape.fields
        self.uuid_as_str = _uuid_string_columns(shape)

    def check(self, records: list[dict[str, Any]]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        for i, row in enumerate(records):
            for f in self.fields:
                message = self._problem(f, row)
                if message:
                    problems.append(RowProblem(row=i, field=f.name, message=message))
        return problems

    def _problem(self, f: FieldShape, row: dict[str, Any]) -> str | None:
        if f.name not in row:
            filled = f.has_default or f.optional or f.autoincrement
            return None if filled else "required column missing"
        value = row[f.name]
        if value is None:
            return None if f.optional or f.autoincrement else "must not be null"
        if f.type.kind == "uuid" and f.name in self.uuid_as_str:
            return None if isinstance(value, str) else f"expected str, got {type(value).__name__}"
        return value_problem(f.type, value)


def _uuid_string_columns(shape: ModelShape) -> set[str]:
    """Uuid(as_uuid=False) columns, which take strings instead of UUID objects."""
    table = getattr(shape.model, "__table__", None)
    columns = getattr(table, "columns", ())
    return {c.key for c in columns if getattr(c.type, "as_uuid", True) is False}


def value_problem(t: TypeShape, value: Any) -> str | None:
    """Why ``value`` does not fit a column of type ``t``, or None."""
    if t.kind == "enum":
        return _enum_problem(t, value)
    expected = _PY_TYPES.get(t.kind)
    if expected is not None:
        wrong_bool = isinstance(value, bool) and bool not in expected
        date_not_datetime = t.kind == "date" and isinstance(value, dt.datetime)
        if not isinstance(value, expected) or wrong_bool or date_not_datetime:
            return f"expected {t.kind}, got {type(value).__name__}"
    if t.kind == "datetime" and t.timezone and value.tzinfo is None:
        return "naive datetime for a timezone-aware column"
    if isinstance(value, str | bytes | bytearray | list | tuple):
        return _length_problem(t, len(value))
    if t.kind == "decimal" and isinstance(value, int | float | Decimal):
        return _digits_problem(t, value) or _bounds_problem(t, value)
    if isinstance(value, int | float | Decimal):
        return _bounds_problem(t, value)
    return None


def _enum_problem(t: TypeShape, value: Any) -> str | None:
    allowed = set(t.choices)
    if t.enum_class is not None:  # SQLAlchemy also takes the member's name
        allowed |= {getattr(c, "name", c) for c in t.choices}
    try:
        if value in allowed:
            return None
    except TypeError:  # unhashable
        pass
    names = [str(getattr(c, "name", c)) for c in t.choices[:10]]
    more = ", ..." if len(t.choices) > 10 else ""
    return f"not one of: {', '.join(names)}{more}"


def _length_problem(t: TypeShape, length: int) -> str | None:
    if t.max_length is not None and length > t.max_length:
        return f"longer than {t.max_length}"
    if t.min_length is not None and length < t.min_length:
        return f"shorter than {t.min_length}"
    return None


def _bounds_problem(t: TypeShape, value: float | Decimal) -> str | None:
    if t.ge is not None and value < t.ge:
        return f"below minimum {t.ge}"
    if t.gt is not None and value <= t.gt:
        return f"not above {t.gt}"
    if t.le is not None and value > t.le:
        return f"above maximum {t.le}"
    if t.lt is not None and value >= t.lt:
        return f"not below {t.lt}"
    return None


def _digits_problem(t: TypeShape, value: float | Decimal) -> str | None:
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:  # pragma: no cover - str(float) always parses
        return "not a number"
    if not number.is_finite():
        return "not a finite number"
    if number.is_zero():
        return None
    _, digits, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)
    places = max(0, -exponent)
    whole = max(0, len(digits) + exponent)
    if t.decimal_places is not None and places > t.decimal_places:
        return f"more than {t.decimal_places} decimal places"
    if t.max_digits is not None and whole > t.max_digits - (t.decimal_places or 0):
        return f"more than {t.max_digits - (t.decimal_places or 0)} digits before the point"
    return None
