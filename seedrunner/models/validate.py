"""Check generated rows against their model, in bulk, before any handler sees them.

pydantic models, dataclasses and TypedDicts are validated by one pydantic ``TypeAdapter``
over the whole list (built once per model). SQLAlchemy classes and reflected tables are
checked column by column in Python against what the database would refuse: NULLs, types,
lengths, digits, integer ranges and enum membership. Schemaless rows are not checked.

Rows are numbered from 0 (their index in the list passed in). Messages never include the
offending value, only what was wrong with it.

``RowValidator.scoped(fields)`` is the per-batch check apply uses: it checks only the fields
whose generator cannot guarantee validity, column by column.  For SQL models a cheap per-kind
filter passes values that certainly fit; every other value gets the exact per-value check, so
the verdict and the messages are those of ``validate``.  pydantic-like models are checked per
field too, each column by the very validator pydantic runs for that field inside the model
(taken from the model's own core schema, so ``Annotated`` validators, ``@field_validator``
and the model's config all still apply), unless something in the model may look at several
fields at once (a model validator, a validator that receives ``info``, a custom
``__init__``/``model_post_init``/``__post_init__``): such models keep whole-row validation.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
import sys
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pydantic
import pydantic_core
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
        self._fields: _CoreFields | None = None
        self._checker: _ColumnChecker | None = None
        self._scoped: dict[frozenset[str], BatchCheck | None] = {}
        if shape.kind in _PYDANTIC_KINDS:
            core = _core_fields(shape.kind, shape.model)
            self._adapter, self._fields = core.adapter, core
        elif shape.kind in ("sqlalchemy", "table"):
            self._checker = _ColumnChecker(shape)

    @property
    def shape_is_the_check(self) -> bool:
        """True when the shape records everything checked (so a field that fits its
        TypeShape by construction needs no check); pydantic-like models may add validators."""
        return self._checker is not None

    def vouched(self, guaranteed: Iterable[str]) -> frozenset[str]:
        """The fields among ``guaranteed`` (proven at plan time to fit their TypeShape) that
        this validator may leave unchecked: those whose whole check is their shape.

        For pydantic-like models that is a field pydantic validates with a plain scalar
        schema carrying exactly the shape's constraints, in a model with nothing model-wide
        (no model validators, no custom init, a config that changes no value check).
        """
        if self.shape_is_the_check:
            return frozenset(guaranteed)
        core = self._fields
        if core is None:
            return frozenset()
        return frozenset(
            name
            for name in guaranteed
            if (f := self.shape.field(name)) is not None and core.shape_is_the_check(f)
        )

    def validate(self, records: list[dict[str, Any]]) -> list[RowProblem]:
        """Every problem in ``records``; an empty list means all rows are valid."""
        if self._adapter is not None:
            return _pydantic_problems(self._adapter, records)
        if self._checker is not None:
            return self._checker.check(records)
        return []

    def scoped(self, fields: Iterable[str]) -> BatchCheck | None:
        """A column-wise check of ``fields`` only, or None when nothing needs checking.

        Built once per field set.  A pydantic-like model whose fields cannot be validated
        one by one is still validated whole: the check covers every field whatever
        ``fields`` says.
        """
        key = frozenset(fields)
        if key not in self._scoped:
            self._scoped[key] = self._build_scoped(key)
        return self._scoped[key]

    def _build_scoped(self, wanted: frozenset[str]) -> BatchCheck | None:
        adapter, checker, core = self._adapter, self._checker, self._fields
        if adapter is not None and core is not None:
            listed = [n for n in self.shape.field_names if n in wanted]
            if core.independent and all(core.alone(n) for n in listed):
                return core.scoped(listed) if listed else None
            whole = tuple(self.shape.field_names)
            return BatchCheck(whole, lambda cols, n: _pydantic_problems(adapter, _records(cols)))
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
    """True if every one of ``values`` passes the column check of ``field`` (None included)
    and, for a pydantic-like model whose field can be validated alone, pydantic's own check.

    The planner proves generators valid with it: a value set it accepts is accepted per
    batch too.  pydantic's verdict matters for the values the shape check reads loosely (an
    enum member's name, a literal, a NaN against bounds).
    """
    values = list(values)
    checker = _ColumnChecker(shape)
    if not all(checker.problem(field, v) is None for v in values):
        return False
    if shape.kind not in _PYDANTIC_KINDS:
        return True
    core = _core_fields(shape.kind, shape.model)
    if not core.alone(field.name):
        return True  # such a field is never vouched for: the shape check is all it means
    return core.accepts(field.name, values)


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


# -- pydantic-like models, field by field ------------------------------------------------

_PYDANTIC_KINDS = frozenset({"pydantic", "dataclass", "typeddict"})

Schema = Mapping[str, Any]  # a pydantic-core schema, read as plain data

#: core-config keys that change no value check of a field generated under its own name
#: (``extra`` included: rows only ever hold the model's fields).  Anything else (strict,
#: str_max_length, str_strip_whitespace, allow_inf_nan, coerce_numbers_to_str ...) and the
#: shape no longer says everything, so no field is vouched for.
_PLAIN_CONFIG = frozenset(
    {
        "title",
        "extra_fields_behavior",
        "validate_by_alias",
        "validate_by_name",
        "populate_by_name",
        "loc_by_alias",
        "serialize_by_alias",
        "ser_json_timedelta",
        "ser_json_temporal",
        "ser_json_bytes",
        "ser_json_inf_nan",
        "from_attributes",
        "revalidate_instances",
        "hide_input_in_errors",
        "validation_error_cause",
        "cache_strings",
    }
)
_COMMON_KEYS = frozenset({"type", "ref", "metadata", "serialization"})
_DEFAULT_KEYS = _COMMON_KEYS | {"schema", "default", "default_factory", "validate_default"}
_NULLABLE_KEYS = _COMMON_KEYS | {"schema"}
_BOUNDS = frozenset({"ge", "gt", "le", "lt"})
_LENGTHS = frozenset({"min_length", "max_length"})
_PRECISION = frozenset({"microseconds_precision"})
#: core schema type -> (the TypeShape kind it must have, the keys allowed beside the common
#: ones).  For these the column check (``_ColumnChecker.problem``) passing implies pydantic
#: passing, provided the constraints are the shape's own; ``values_fit`` also asks pydantic
#: for the values whose shape check is loose (enum names, literals, NaN).
_SCALAR_SCHEMAS: dict[str, tuple[str, frozenset[str]]] = {
    "int": ("int", _BOUNDS),
    "float": ("float", _BOUNDS),
    "decimal": ("decimal", _BOUNDS | {"max_digits", "decimal_places"}),
    "str": ("str", _LENGTHS),
    "bytes": ("bytes", _LENGTHS),
    "bool": ("bool", frozenset()),
    "date": ("date", frozenset()),
    "datetime": ("datetime", _PRECISION | {"tz_constraint"}),
    "time": ("time", _PRECISION),
    "timedelta": ("timedelta", _PRECISION),
    "uuid": ("uuid", frozenset()),
    "enum": ("enum", frozenset({"cls", "members", "sub_type"})),
    "literal": ("literal", frozenset({"expected"})),
}
_CONSTRAINTS = _BOUNDS | _LENGTHS | {"max_digits", "decimal_places"}


@functools.lru_cache(maxsize=256)
def _core_fields(kind: str, model: Any) -> _CoreFields:
    """The planner's copy (``values_fit`` runs once per proof): built once per model."""
    return _CoreFields(kind, model)


def _row_adapter(kind: str, model: Any) -> pydantic.TypeAdapter[Any]:
    row_type: Any = _validatable_typeddict(model) if kind == "typeddict" else model
    return pydantic.TypeAdapter(list[row_type])


class _CoreFields:
    """A pydantic-like model's fields, each with the validator pydantic runs for it.

    Read from the core schema of ``list[model]``: a field's schema there is exactly what the
    model validates that field with (``Annotated`` and ``@field_validator`` functions are
    wrapped around it, the config applies to it), so validating a column with it gives the
    verdict whole-row validation gives for that field, whenever no validator looks at other
    fields.  ``fields`` is None for a row schema this does not know (a model validator wraps
    the model, a custom ``__init__`` or post-init hook runs): then only whole rows will do.
    """

    def __init__(self, kind: str, model: Any) -> None:
        self.adapter = _row_adapter(kind, model)
        schema: Schema = self.adapter.core_schema
        self.defs: dict[str, Schema] = {}
        if schema["type"] == "definitions":
            self.defs = {d["ref"]: d for d in schema["definitions"] if "ref" in d}
            schema = schema["schema"]
        row = self.resolve(schema["items_schema"]) if schema["type"] == "list" else {}
        self.config: dict[str, Any] = dict(row.get("config") or {})
        self.fields = self._row_fields(row)
        self.independent = self.fields is not None and not _model_wide_decorators(model)
        self._alone: dict[str, bool] = {}
        self._validators: dict[str, pydantic_core.SchemaValidator] = {}

    def resolve(self, schema: Schema) -> Schema:
        while schema.get("type") == "definition-ref":
            schema = self.defs[schema["schema_ref"]]
        return schema

    def _row_fields(self, row: Schema) -> dict[str, Schema] | None:
        kind = row.get("type")
        if kind == "model":
            if row.get("custom_init") or row.get("post_init") or row.get("root_model"):
                return None
            inner = self.resolve(row["schema"])
            if inner.get("type") != "model-fields":
                return None
            return {name: f["schema"] for name, f in inner["fields"].items()}
        if kind == "dataclass":
            inner = self.resolve(row["schema"])
            if row.get("post_init") or inner.get("type") != "dataclass-args":
                return None
            return {f["name"]: f["schema"] for f in inner["fields"]}
        if kind == "typed-dict":
            return {name: f["schema"] for name, f in row["fields"].items()}
        return None

    def alone(self, name: str) -> bool:
        """Can ``name`` be validated without the rest of its row?  Not when a validator on
        it receives ``info`` (``info.data`` holds the other fields)."""
        if not self.independent or self.fields is None or name not in self.fields:
            return False
        if name not in self._alone:
            self._alone[name] = not self._takes_info(self.fields[name], set())
        return self._alone[name]

    def _takes_info(self, node: Any, seen: set[str]) -> bool:
        if isinstance(node, list | tuple):
            return any(self._takes_info(item, seen) for item in node)
        if not isinstance(node, Mapping):
            return False
        if node.get("type") == "with-info":
            return True
        ref = node.get("schema_ref") if node.get("type") == "definition-ref" else None
        if isinstance(ref, str):
            if ref in seen:
                return False
            seen.add(ref)
            return self._takes_info(self.defs.get(ref), seen)
        return any(
            self._takes_info(value, seen)
            for key, value in node.items()
            if key not in ("metadata", "serialization")
        )

    def validator(self, name: str) -> pydantic_core.SchemaValidator:
        """``list[field]`` validated as the model validates the field (needs ``alone``)."""
        if name not in self._validators:
            assert self.fields is not None
            schema: dict[str, Any] = {"type": "list", "items_schema": self.fields[name]}
            if self.defs:
                defs = list(self.defs.values())
                schema = {"type": "definitions", "schema": schema, "definitions": defs}
            core: Any = schema
            config: Any = self.config or None
            self._validators[name] = pydantic_core.SchemaValidator(core, config)
        return self._validators[name]

    def problems(self, name: str, values: Sequence[Any]) -> list[tuple[int, str, str]]:
        """(row, dotted path, message) for every value of ``name`` pydantic refuses."""
        column = values if isinstance(values, list) else list(values)
        try:
            if _BY_NAME:
                self.validator(name).validate_python(column, by_alias=True, by_name=True)
            else:  # pragma: no cover - pydantic < 2.11
                self.validator(name).validate_python(column)
        except pydantic_core.ValidationError as exc:
            found = []
            for err in exc.errors(include_url=False, include_input=False, include_context=False):
                loc = err["loc"]
                row = loc[0] if loc and isinstance(loc[0], int) else -1
                path = ".".join([name, *(str(part) for part in loc[1:])])
                found.append((row, path, err["msg"]))
            return found
        return []

    def accepts(self, name: str, values: list[Any]) -> bool:
        try:
            return not self.problems(name, values)
        except Exception:  # a validator failing otherwise: not proven, checked per batch
            return False

    def scoped(self, names: list[str]) -> BatchCheck:
        """Check ``names`` (all ``alone``) column by column, problems ordered by row."""
        for name in names:
            self.validator(name)  # built now: a schema pydantic refuses fails at plan time
        adapter = self.adapter

        def check(columns: Columns, n: int) -> list[RowProblem]:
            if any(name not in columns for name in names):  # defaults fill it: whole rows
                return _pydantic_problems(adapter, _records(columns))
            found = [
                (row, order, RowProblem(row=row, field=path, message=message))
                for order, name in enumerate(names)
                for row, path, message in self.problems(name, columns[name])
            ]
            found.sort(key=lambda p: (p[0], p[1]))
            return [p for _, _, p in found]

        return BatchCheck(tuple(names), check)

    def shape_is_the_check(self, f: FieldShape) -> bool:
        """Does pydantic check ``f`` with nothing but what its TypeShape records?"""
        if not self.alone(f.name) or not set(self.config) <= _PLAIN_CONFIG:
            return False
        assert self.fields is not None
        schema = self.resolve(self.fields[f.name])
        if schema["type"] == "default":
            if set(schema) - _DEFAULT_KEYS:
                return False
            schema = self.resolve(schema["schema"])
        nullable = schema["type"] == "nullable"
        if nullable:
            if set(schema) - _NULLABLE_KEYS:
                return False
            schema = self.resolve(schema["schema"])
        if f.optional and not nullable:
            return False  # the shape lets None through, pydantic would not
        return _scalar_is_shape(schema, f.type)


def _model_wide_decorators(model: Any) -> bool:
    """Model validators (and v1 root validators) see the whole row."""
    decorators = getattr(model, "__pydantic_decorators__", None)
    if decorators is None:
        return False
    return bool(decorators.model_validators or decorators.root_validators)


def _scalar_is_shape(schema: Schema, t: TypeShape) -> bool:
    """A scalar schema whose every constraint is the TypeShape's own, so that passing the
    column check of ``t`` means passing pydantic."""
    spec = _SCALAR_SCHEMAS.get(schema["type"])
    if spec is None:
        return False
    kind, keys = spec
    if t.kind != kind or set(schema) - keys - _COMMON_KEYS:
        return False
    if t.pattern is not None or t.format is not None or t.multiple_of is not None:
        return False
    if any(schema.get(k) != getattr(t, k) for k in _CONSTRAINTS & keys):
        return False
    if schema.get("microseconds_precision", "truncate") != "truncate":
        return False
    if kind == "datetime" and schema.get("tz_constraint") != ("aware" if t.timezone else None):
        return False
    if kind == "enum" and schema.get("cls") is not t.enum_class:
        return False
    return kind != "literal" or tuple(schema.get("expected", ())) == tuple(t.choices)


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
