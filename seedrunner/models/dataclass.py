"""Dataclass (stdlib or pydantic) -> ModelShape.

Only ``init=True`` fields are shaped: the others cannot be passed to the constructor.
A ``default_factory`` is never called; such fields get ``has_default=True``, ``default=None``.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from seedrunner.models import pydantic as pydantic_adapter
from seedrunner.models.recursion import ROOT, Nesting, field_type
from seedrunner.models.shape import FieldShape, ModelShape
from seedrunner.models.types import annotation_shape, register_nested


def supports(obj: object) -> bool:
    return isinstance(obj, type) and dataclasses.is_dataclass(obj)


def shape(obj: Any, *, stack: Nesting = ROOT) -> ModelShape:
    """Shape a dataclass; ``stack`` holds the enclosing models (see ``recursion``)."""
    cls: type = obj
    inner = stack.enter(cls)
    pydantic_fields = getattr(cls, "__pydantic_fields__", None)
    if pydantic_fields is not None:  # a pydantic dataclass: its FieldInfos carry the constraints
        fields = [
            pydantic_adapter.field_shape(name, info, stack=inner)
            for name, info in pydantic_fields.items()
            if info.init is not False
        ]
    else:
        hints = _hints(cls)
        fields = [
            _field_shape(f, hints.get(f.name, f.type), inner)
            for f in dataclasses.fields(cls)
            if f.init
        ]
    return ModelShape(name=cls.__name__, kind="dataclass", fields=fields, model=cls)


def _hints(cls: type) -> dict[str, Any]:
    """Resolved annotations; unresolvable forward references fall back to ``Any``."""
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except (NameError, TypeError):
        return {f.name: Any if isinstance(f.type, str) else f.type for f in dataclasses.fields(cls)}


def _field_shape(f: dataclasses.Field[Any], annotation: Any, stack: Nesting) -> FieldShape:
    type_shape, optional = field_type(
        f.name, lambda n: annotation_shape(annotation, stack=n), stack
    )
    has_value = f.default is not dataclasses.MISSING
    has_factory = f.default_factory is not dataclasses.MISSING
    return FieldShape(
        name=f.name,
        type=type_shape,
        optional=optional,
        required=not (has_value or has_factory),
        default=f.default if has_value else None,
        has_default=has_value or has_factory,
        description=f.metadata.get("description") if f.metadata else None,
    )


register_nested("dataclass", supports, shape)
