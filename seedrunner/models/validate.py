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

from collections.abc import Iterable
from typing import Any

import pydantic

from seedrunner.models.columncheck import ColumnChecker
from seedrunner.models.corefields import PYDANTIC_KINDS, CoreFields, core_fields, pydantic_problems
from seedrunner.models.problems import BatchCheck, RowProblem, rows_from_columns
from seedrunner.models.shape import FieldShape, ModelShape

__all__ = ["BatchCheck", "RowProblem", "RowValidator", "values_fit"]


class RowValidator:
    """Validates batches of row dicts against one ModelShape."""

    def __init__(self, shape: ModelShape) -> None:
        self.shape = shape
        self._adapter: pydantic.TypeAdapter[Any] | None = None
        self._fields: CoreFields | None = None
        self._checker: ColumnChecker | None = None
        self._scoped: dict[frozenset[str], BatchCheck | None] = {}
        if shape.kind in PYDANTIC_KINDS:
            core = core_fields(shape.kind, shape.model)
            self._adapter, self._fields = core.adapter, core
        elif shape.kind in ("sqlalchemy", "table"):
            self._checker = ColumnChecker(shape)

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
            return pydantic_problems(self._adapter, records)
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
            return BatchCheck(
                whole, lambda cols, n: pydantic_problems(adapter, rows_from_columns(cols))
            )
        if checker is None:
            return None
        fields = enumerate(checker.fields)
        compiled = [checker.compiled(i, f) for i, f in fields if f.name in wanted]
        if not compiled:
            return None
        names = tuple(c.field.name for c in compiled)
        return BatchCheck(names, lambda cols, n: checker.check_columns(compiled, cols, n))


def values_fit(shape: ModelShape, field: FieldShape, values: Iterable[Any]) -> bool:
    """True if every one of ``values`` passes the column check of ``field`` (None included)
    and, for a pydantic-like model whose field can be validated alone, pydantic's own check.

    The planner proves generators valid with it: a value set it accepts is accepted per
    batch too.  pydantic's verdict matters for the values the shape check reads loosely (an
    enum member's name, a literal, a NaN against bounds).
    """
    values = list(values)
    checker = ColumnChecker(shape)
    if not all(checker.problem(field, v) is None for v in values):
        return False
    if shape.kind not in PYDANTIC_KINDS:
        return True
    core = core_fields(shape.kind, shape.model)
    if not core.alone(field.name):
        return True  # such a field is never vouched for: the shape check is all it means
    return core.accepts(field.name, values)
