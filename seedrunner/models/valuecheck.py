"""Does one value fit a column of a given TypeShape?  What a database would refuse.

The single-value verdict every column check ends in: ``value_problem`` for the exact check,
``enum_allowed`` and ``bounds_problem`` shared with the cheap per-kind filters
(``suspects``). Messages never include the offending value, only what was wrong with it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from seedrunner.models.shape import TypeShape

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
        return _digits_problem(t, value) or bounds_problem(t, value)
    if isinstance(value, int | float | Decimal):
        return bounds_problem(t, value)
    return None


def _enum_problem(t: TypeShape, value: Any) -> str | None:
    allowed = enum_allowed(t)
    try:
        if value in allowed:
            return None
    except TypeError:  # unhashable
        pass
    names = [str(getattr(c, "name", c)) for c in t.choices[:10]]
    more = ", ..." if len(t.choices) > 10 else ""
    return f"not one of: {', '.join(names)}{more}"


def enum_allowed(t: TypeShape) -> set[Any]:
    allowed = set(t.choices)
    if t.enum_class is not None:  # SQLAlchemy also takes the member's name
        allowed |= {getattr(c, "name", c) for c in t.choices}
    return allowed


def _length_problem(t: TypeShape, length: int) -> str | None:
    if t.max_length is not None and length > t.max_length:
        return f"longer than {t.max_length}"
    if t.min_length is not None and length < t.min_length:
        return f"shorter than {t.min_length}"
    return None


def bounds_problem(t: TypeShape, value: float | Decimal) -> str | None:
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
