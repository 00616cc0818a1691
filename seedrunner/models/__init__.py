"""A model reference -> ModelShape, and bulk validation of generated rows against it.

``import_object`` resolves ``pkg.mod:Name`` / ``path/file.py:Name``; ``shape_of`` picks the
adapter for what was imported (SQLAlchemy, pydantic, dataclass, TypedDict, in that order:
a SQLAlchemy ``MappedAsDataclass`` class is both a mapped class and a dataclass).
"""

from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any

from seedrunner.models import dataclass as dataclass_adapter
from seedrunner.models import pydantic as pydantic_adapter
from seedrunner.models import sqlalchemy as sqlalchemy_adapter
from seedrunner.models import typeddict as typeddict_adapter
from seedrunner.models.imports import ModelReferenceError, import_object
from seedrunner.models.problems import RowProblem
from seedrunner.models.recursion import ROOT, Nesting, RecursiveModelError, check_row_size
from seedrunner.models.schemaless import schemaless_shape
from seedrunner.models.shape import FieldShape, ForeignKeyShape, ModelShape, TypeShape
from seedrunner.models.validate import RowValidator

__all__ = [
    "FieldShape",
    "ForeignKeyShape",
    "ModelReferenceError",
    "ModelShape",
    "Nesting",
    "RecursiveModelError",
    "RowProblem",
    "RowValidator",
    "TypeShape",
    "import_object",
    "schemaless_shape",
    "shape_of",
]

_ADAPTERS = (sqlalchemy_adapter, pydantic_adapter, dataclass_adapter, typeddict_adapter)


def shape_of(obj: Any, ref: str, *, nesting: Nesting = ROOT) -> ModelShape:
    """The ModelShape of an imported object; ``ref`` names it in the error if it is no model.

    ``nesting`` says how deep a self-containing model is shaped (``defaults.max_depth``,
    ``on_cycle``, the longest list); a field it cannot close, or rows it would make too big,
    raise ``RecursiveModelError``.
    """
    for adapter in _ADAPTERS:
        if adapter.supports(obj):
            shape: ModelShape = adapter.shape(obj, stack=nesting)
            check_row_size(shape, nesting)
            return shape
    name = ref.rpartition(":")[2] or ref
    hint = None
    if not isinstance(obj, type) and any(a.supports(type(obj)) for a in _ADAPTERS):
        hint = f"name the class {type(obj).__name__!r}, not an instance of it"
    raise ModelReferenceError(
        f"{name!r} is {_describe(obj)}, not a pydantic model, dataclass, TypedDict "
        "or SQLAlchemy class",
        hint=hint,
    )


def _describe(obj: Any) -> str:
    if isinstance(obj, ModuleType):
        return "a module"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        return "a function"
    if isinstance(obj, type):
        return f"the class {obj.__name__!r}"
    return f"an instance of {type(obj).__name__}"
