"""pydantic-like models (pydantic, dataclasses, TypedDicts) validated the way pydantic does.

Whole rows go through one ``TypeAdapter`` over the list (built once per model). Field by
field, each column is checked by the very validator pydantic runs for that field inside the
model (taken from the model's own core schema, so ``Annotated`` validators,
``@field_validator`` and the model's config all still apply), unless something in the model
may look at several fields at once (a model validator, a validator that receives ``info``, a
custom ``__init__``/``model_post_init``/``__post_init__``).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import pydantic
import pydantic_core
import typing_extensions

from seedrunner.models import typeddict as typeddict_adapter
from seedrunner.models.problems import BatchCheck, Columns, RowProblem, rows_from_columns
from seedrunner.models.shape import FieldShape, TypeShape

_BY_NAME = tuple(int(p) for p in pydantic.VERSION.split(".")[:2]) >= (2, 11)


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


def pydantic_problems(
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


PYDANTIC_KINDS = frozenset({"pydantic", "dataclass", "typeddict"})

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
#: ones).  For these the column check (``ColumnChecker.problem``) passing implies pydantic
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
def core_fields(kind: str, model: Any) -> CoreFields:
    """The planner's copy (``values_fit`` runs once per proof): built once per model."""
    return CoreFields(kind, model)


def _row_adapter(kind: str, model: Any) -> pydantic.TypeAdapter[Any]:
    row_type: Any = _validatable_typeddict(model) if kind == "typeddict" else model
    return pydantic.TypeAdapter(list[row_type])


class CoreFields:
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
                return pydantic_problems(adapter, rows_from_columns(columns))
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
