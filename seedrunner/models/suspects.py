"""Cheap per-kind filters: the rows of a column whose value may not fit its TypeShape.

A batch check runs the exact ``value_problem`` only on the rows these return, so a column of
values that certainly fit costs one pass of class and range tests.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import sys
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from seedrunner.models.shape import TypeShape
from seedrunner.models.valuecheck import bounds_problem, enum_allowed

Suspects = Callable[[Sequence[Any]], list[int]]


def suspects_of(t: TypeShape, uuid_as_str: bool) -> Suspects | None:
    """A filter giving the rows whose value may not fit ``t``, or None (check every row).

    Sufficient, never exact: a row it leaves out certainly passes ``value_problem``; the rows
    it returns (None included) get the full check.  Exact types only (``v.__class__ is``), so
    subclasses (bool for int, datetime for date) always get the full check.
    """
    kind = t.kind
    if kind == "str" or (kind == "uuid" and uuid_as_str):
        lo, hi = t.min_length or 0, sys.maxsize if t.max_length is None else t.max_length
        if kind == "uuid":
            lo, hi = 0, sys.maxsize
        return lambda col: [
            i for i, v in enumerate(col) if v.__class__ is not str or not lo <= len(v) <= hi
        ]
    if kind == "int":
        bounds = _int_range(t)
        if bounds is None:
            return None
        ilo, ihi = bounds
        return lambda col: [
            i for i, v in enumerate(col) if v.__class__ is not int or not ilo <= v <= ihi
        ]
    if kind == "decimal":
        return _decimal_suspects(t)
    if kind == "enum":
        return _enum_suspects(t)
    exact = _EXACT.get(kind)
    if exact is None or (kind == "bool" and _has_bounds(t)):
        return None
    if kind == "datetime" and t.timezone:
        return lambda col: [
            i for i, v in enumerate(col) if v.__class__ is not dt.datetime or v.tzinfo is None
        ]
    return lambda col: [i for i, v in enumerate(col) if v.__class__ is not exact]


# Kinds whose check is the type alone (plus awareness for datetime, bounds for bool).
_EXACT: dict[str, type] = {
    "bool": bool,
    "date": dt.date,
    "datetime": dt.datetime,
    "time": dt.time,
    "timedelta": dt.timedelta,
    "uuid": uuid.UUID,
}


def _has_bounds(t: TypeShape) -> bool:
    return any(b is not None for b in (t.ge, t.gt, t.le, t.lt))


def _int_range(t: TypeShape) -> tuple[int | float, int | float] | None:
    """The inclusive integer range the bounds allow, or None for bounds ints can't express."""
    lo: int | float = -math.inf
    hi: int | float = math.inf
    try:
        if t.ge is not None:
            lo = max(lo, math.ceil(t.ge))
        if t.gt is not None:
            lo = max(lo, math.floor(t.gt) + 1)
        if t.le is not None:
            hi = min(hi, math.floor(t.le))
        if t.lt is not None:
            hi = min(hi, math.ceil(t.lt) - 1)
    except (OverflowError, ValueError, TypeError):  # inf / nan bounds: check every row
        return None
    return lo, hi


def _decimal_suspects(t: TypeShape) -> Suspects | None:
    """Decimals whose raw digits already fit.

    Normalizing (what ``_digits_problem`` does) strips trailing zeros: places only drop and
    the digits before the point stay, unless the context's precision rounds (long numbers,
    left to the full check).
    """
    places = t.decimal_places
    most_places = sys.maxsize if places is None else places
    whole = sys.maxsize if t.max_digits is None else t.max_digits - (places or 0)
    if whole < 0:
        return None
    bounded = _has_bounds(t)

    def suspects(col: Sequence[Any]) -> list[int]:
        prec = decimal.getcontext().prec
        out = []
        for i, v in enumerate(col):
            if v.__class__ is not Decimal:
                out.append(i)
                continue
            _, digits, exp = v.as_tuple()
            if (
                not isinstance(exp, int)
                or len(digits) >= prec
                or -exp > most_places
                or len(digits) + exp > whole
                or (bounded and bounds_problem(t, v) is not None)
            ):
                out.append(i)
        return out

    return suspects


def _enum_suspects(t: TypeShape) -> Suspects:
    allowed = enum_allowed(t)

    def suspects(col: Sequence[Any]) -> list[int]:
        try:
            return [i for i, v in enumerate(col) if v is None or v not in allowed]
        except TypeError:  # an unhashable value: check every row
            return list(range(len(col)))

    return suspects
