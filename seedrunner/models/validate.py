"""Check generated rows against their model, in bulk, before any handler sees them.

pydantic models, dataclasses and TypedDicts are validated by one pydantic ``TypeAdapter``
over the whole list (built once per validator). SQLAlchemy classes and reflected tables are
checked column by column in Python against what the database would refuse: NULLs, types,
lengths, digits, integer ranges and enum membership. Schemaless rows are not checked.

Rows are numbered from 0 (their index in the list passed in). Messages never include the
offending value, only what was wrong with it.

``RowValidator.scoped(fields)`` is the per-batch check apply uses: it checks only the fields
whose generator cannot guarantee validity, column by column.  A cheap per-kind filter passes
values that certainly fit; every other value gets the exact per-value check, so the verdict
and the messages are those of ``validate``.  pydantic-like models keep whole-row validation:
their validators may look at more than the shape records.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import sys
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
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


Columns = Mapping[str, Sequence[Any]]


class RowValidator:
    """Validates batches of row dicts against one ModelShape."""

    def __init__(self, shape: ModelShape) -> None:
        self.shape = shape
        self._adapter: pydantic.TypeAdapter[Any] | None = None
        self._checker: _ColumnChecker | None = None
        self._scoped: dict[frozenset[str], BatchCheck | None] = {}
        if shape.kind in ("pydantic", "dataclass"):
            row_type: Any = shape.model  # a runtime class: validated as list[row_type]
            self._adapter = pydantic.TypeAdapter(list[row_type])
        elif shape.kind == "typeddict":
            td: Any = _validatable_typeddict(shape.model)
            self._adapter = pydantic.TypeAdapter(list[td])
        elif shape.kind in ("sqlalchemy", "table"):
            self._checker = _ColumnChecker(shape)

    @property
    def shape_is_the_check(self) -> bool:
        """True when the shape records everything checked (so a field that fits its
        TypeShape by construction needs no check); pydantic-like models may add validators."""
        return self._checker is not None

    def vouched(self, guaranteed: Iterable[str]) -> frozenset[str]:
        """The fields among ``guaranteed`` (proven at plan time to fit their TypeShape) that
        this validator may leave unchecked: those whose whole check is their shape."""
        return frozenset(guaranteed) if self.shape_is_the_check else frozenset()

    def validate(self, records: list[dict[str, Any]]) -> list[RowProblem]:
        """Every problem in ``records``; an empty list means all rows are valid."""
        if self._adapter is not None:
            return _pydantic_problems(self._adapter, records)
        if self._checker is not None:
            return self._checker.check(records)
        return []

    def scoped(self, fields: Iterable[str]) -> BatchCheck | None:
        """A column-wise check of ``fields`` only, or None when nothing needs checking.

        Built once per field set.  Models with an adapter are still validated whole: the
        check covers every field whatever ``fields`` says.
        """
        key = frozenset(fields)
        if key not in self._scoped:
            self._scoped[key] = self._build_scoped(key)
        return self._scoped[key]

    def _build_scoped(self, wanted: frozenset[str]) -> BatchCheck | None:
        adapter, checker = self._adapter, self._checker
        if adapter is not None:
            names = tuple(self.shape.field_names)
            return BatchCheck(names, lambda cols, n: _pydantic_problems(adapter, _records(cols)))
        if checker is None:
            return None
        fields = enumerate(checker.fields)
        compiled = [checker.compiled(i, f) for i, f in fields if f.name in wanted]
        if not compiled:
            return None
        names = tuple(c.field.name for c in compiled)
        return BatchCheck(names, lambda cols, n: checker.check_columns(compiled, cols, n))


@dataclass(frozen=True)
class BatchCheck:
    """One batch's check: ``check(columns, n)`` gives every problem, ordered by row."""

    fields: tuple[str, ...]  # what is checked
    check: Callable[[Columns, int], list[RowProblem]]

    def __call__(self, columns: Columns, n: int) -> list[RowProblem]:
        return self.check(columns, n)


def _records(columns: Columns) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, vals, strict=True)) for vals in zip(*columns.values(), strict=True)]


def values_fit(shape: ModelShape, field: FieldShape, values: Iterable[Any]) -> bool:
    """True if every one of ``values`` passes the column check of ``field`` (None included).

    The planner proves generators valid with it: a value set it accepts is accepted per
    batch too.
    """
    checker = _ColumnChecker(shape)
    return all(checker.problem(field, v) is None for v in values)


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

    def compiled(self, order: int, f: FieldShape) -> _FieldCheck:
        return _FieldCheck(order, f, _suspects(f.type, f.name in self.uuid_as_str))

    def check_columns(
        self, checks: list[_FieldCheck], columns: Columns, n: int
    ) -> list[RowProblem]:
        """What ``check`` would say about these fields, one column at a time."""
        found: list[tuple[int, int, RowProblem]] = []
        for c in checks:
            f = c.field
            col = columns.get(f.name)
            if col is None:
                if not (f.has_default or f.optional or f.autoincrement):
                    msg = "required column missing"
                    found += [(i, c.order, RowProblem(i, f.name, msg)) for i in range(n)]
                continue
            rows = range(len(col)) if c.suspects is None else c.suspects(col)
            for i in rows:
                message = self.problem(f, col[i])
                if message:
                    found.append((i, c.order, RowProblem(row=i, field=f.name, message=message)))
        found.sort(key=lambda p: (p[0], p[1]))
        return [p for _, _, p in found]

    def _problem(self, f: FieldShape, row: dict[str, Any]) -> str | None:
        if f.name not in row:
            filled = f.has_default or f.optional or f.autoincrement
            return None if filled else "required column missing"
        return self.problem(f, row[f.name])

    def problem(self, f: FieldShape, value: Any) -> str | None:
        """Why a present ``value`` does not fit column ``f``, or None."""
        if value is None:
            return None if f.optional or f.autoincrement else "must not be null"
        if f.type.kind == "uuid" and f.name in self.uuid_as_str:
            return None if isinstance(value, str) else f"expected str, got {type(value).__name__}"
        return value_problem(f.type, value)


Suspects = Callable[[Sequence[Any]], list[int]]


@dataclass(frozen=True)
class _FieldCheck:
    order: int  # the field's position in the shape: problems are reported in that order
    field: FieldShape
    suspects: Suspects | None  # rows that may be invalid; None: every row


def _suspects(t: TypeShape, uuid_as_str: bool) -> Suspects | None:
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
                or (bounded and _bounds_problem(t, v) is not None)
            ):
                out.append(i)
        return out

    return suspects


def _enum_suspects(t: TypeShape) -> Suspects:
    allowed = _enum_allowed(t)

    def suspects(col: Sequence[Any]) -> list[int]:
        try:
            return [i for i, v in enumerate(col) if v is None or v not in allowed]
        except TypeError:  # an unhashable value: check every row
            return list(range(len(col)))

    return suspects


def _enum_allowed(t: TypeShape) -> set[Any]:
    allowed = set(t.choices)
    if t.enum_class is not None:  # SQLAlchemy also takes the member's name
        allowed |= {getattr(c, "name", c) for c in t.choices}
    return allowed


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
    allowed = _enum_allowed(t)
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
