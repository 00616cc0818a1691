"""What a field template's output becomes in its column: NULL, a native value, or converted text.

The rule, documented in the README ("Templates: NULL and typed values"):

* A template whose whole output is one ``{{ ... }}`` value (nothing around it; the value
  may come from an ``{% if %}`` branch) gives that value with its Python type: ``{{ none }}``
  is NULL, ``{{ fake.date_object() }}`` a date, ``{{ index * 2 }}`` an int.
* Any other output is text, as Jinja renders it.
* A typed column gets its type: text is converted (ISO 8601 dates and datetimes, numbers,
  ``true``/``false``, UUIDs), native values are kept or converted when nothing is lost
  (an int for a Decimal column, a date for a datetime column, a datetime's date for a
  date column); empty text is NULL there, since no number or date is empty.
* A text column (and a field with no type: schemaless datasets, transforms) gets text, as
  before: a native value becomes its ``str()``; only None stays NULL.

What does not convert raises ``NotConvertible``; the caller names the field, row and value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from seedrunner.models.cells import text_bool
from seedrunner.models.shape import TypeShape
from seedrunner.redact import scrub

#: kinds whose values are not text: converted from text, and empty text is NULL for them
TYPED_KINDS = frozenset({"int", "float", "decimal", "bool", "date", "datetime", "time", "uuid"})
#: kinds that keep a native value as it is (the model or the database validates it)
KEEP_KINDS = frozenset({"enum", "literal", "list", "set", "tuple", "dict", "model", "json"})
#: native values a template may hand to a column; anything else (a Faker object, a
#: function) is written as its text, like Jinja would
PLAIN = (bool, int, float, Decimal, str, dt.date, dt.time, dt.timedelta, uuid.UUID)
CONTAINERS = (list, dict, tuple)


class NotConvertible(ValueError):
    """A template value that is not of its column's type (``expected`` says what is)."""

    def __init__(self, expected: str, hint: str) -> None:
        super().__init__(expected)
        self.expected = expected
        self.hint = hint


def column_value(value: Any, shape: TypeShape | None) -> Any:
    """``value`` (a template's output) as its column wants it; raise NotConvertible."""
    if value is None:
        return None
    kind = shape.kind if shape is not None else None
    if kind in TYPED_KINDS:
        assert shape is not None
        if isinstance(value, str):
            return None if not value.strip() else _from_text(value.strip(), shape)
        return _from_native(value, shape)
    if kind in KEEP_KINDS and isinstance(value, PLAIN + CONTAINERS):
        return value
    return value if isinstance(value, str) else str(value)


def show(value: Any, limit: int = 60) -> str:
    """A value for an error message: its repr, cut short, with known secrets masked."""
    text = "NULL" if value is None else repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return scrub(text)


# -- text -> type ------------------------------------------------------------------------


def _int(text: str) -> int:
    return int(text)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.datetime.fromisoformat(text).date()  # "2024-05-31 10:00" -> its date


_PARSERS: dict[str, Callable[[str], Any]] = {
    "int": _int,
    "float": float,
    "decimal": Decimal,
    "bool": text_bool,
    "date": _date,
    "datetime": dt.datetime.fromisoformat,
    "time": dt.time.fromisoformat,
    "uuid": uuid.UUID,
}

_EXPECTED: dict[str, tuple[str, str]] = {
    "int": ("an integer", "render digits ({{ index * 10 }}, {{ price | int }})"),
    "float": ("a number", "render a number ({{ 9.5 }}, {{ amount | float }})"),
    "decimal": ("a decimal number", "render a number ({{ '12.50' }}, {{ price | round(2) }})"),
    "bool": ("a boolean", "render true or false ({{ index % 2 == 0 }})"),
    "date": ("a date", "render an ISO date (2024-05-31) or a date ({{ fake.date_object() }})"),
    "datetime": (
        "a datetime",
        "render an ISO datetime (2024-05-31T10:00:00) or a datetime ({{ fake.date_time() }})",
    ),
    "time": ("a time of day", "render an ISO time (10:30:00) or a time ({{ fake.time_object() }})"),
    "uuid": ("a UUID", "render a UUID ({{ fake.uuid4() }})"),
}


def _refuse(kind: str) -> NotConvertible:
    expected, hint = _EXPECTED[kind]
    return NotConvertible(expected, f"{hint}; {{{{ none }}}} gives NULL")


def _from_text(text: str, shape: TypeShape) -> Any:
    try:
        return _PARSERS[shape.kind](text)
    except (ValueError, InvalidOperation, TypeError):
        raise _refuse(shape.kind) from None


# -- native -> type ----------------------------------------------------------------------


def _from_native(value: Any, shape: TypeShape) -> Any:
    kind = shape.kind
    try:
        converted = _CONVERTERS[kind](value)
    except (ArithmeticError, ValueError):  # Decimal('Infinity') % 1 and the like
        converted = _NO
    if converted is _NO:
        raise _refuse(kind)
    return converted


_NO = object()


def _to_int(v: Any) -> Any:
    if isinstance(v, int):
        return int(v)  # True -> 1, as pydantic and the drivers read it
    if isinstance(v, float | Decimal) and v == v and v % 1 == 0:
        return int(v)
    return _NO


def _to_float(v: Any) -> Any:
    return float(v) if isinstance(v, int | float | Decimal) and not isinstance(v, bool) else _NO


def _to_decimal(v: Any) -> Any:
    if isinstance(v, bool):
        return _NO
    if isinstance(v, int | Decimal):
        return Decimal(v)
    return Decimal(repr(v)) if isinstance(v, float) else _NO


def _to_bool(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    return bool(v) if isinstance(v, int) and v in (0, 1) else _NO


def _to_date(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.date()
    return v if isinstance(v, dt.date) else _NO


def _to_datetime(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime.combine(v, dt.time()) if isinstance(v, dt.date) else _NO


def _instance_of(cls: type) -> Callable[[Any], Any]:
    return lambda v: v if isinstance(v, cls) else _NO


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "int": _to_int,
    "float": _to_float,
    "decimal": _to_decimal,
    "bool": _to_bool,
    "date": _to_date,
    "datetime": _to_datetime,
    "time": _instance_of(dt.time),
    "uuid": _instance_of(uuid.UUID),
}
