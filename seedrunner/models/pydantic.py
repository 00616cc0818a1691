"""pydantic v2 model -> ModelShape.

Fields are named by attribute, not alias: generated rows use attribute names and
validation passes ``by_name=True`` (see ``corefields.py``), so aliased models work whether
or not they set ``populate_by_name``. A ``default_factory`` is never called here
(it may read the clock or draw randomness): such fields get ``has_default=True`` and
``default=None``.
"""

from __future__ import annotations

from typing import Any

import pydantic
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from seedrunner.models.recursion import ROOT, Nesting, field_type
from seedrunner.models.shape import FieldShape, ModelShape
from seedrunner.models.types import annotation_shape, register_nested


def supports(obj: object) -> bool:
    """A pydantic v2 model class (RootModel excluded: it has no fields to generate)."""
    return (
        isinstance(obj, type)
        and issubclass(obj, pydantic.BaseModel)
        and not issubclass(obj, pydantic.RootModel)
    )


def shape(obj: Any, *, stack: Nesting = ROOT) -> ModelShape:
    """Shape a model class; ``stack`` holds the enclosing models (see ``recursion``)."""
    model: type[pydantic.BaseModel] = obj
    if not model.__pydantic_complete__:
        model.model_rebuild(raise_errors=False)
    inner = stack.enter(model)
    fields = [field_shape(name, info, stack=inner) for name, info in model.model_fields.items()]
    return ModelShape(name=model.__name__, kind="pydantic", fields=fields, model=model)


def field_shape(name: str, info: FieldInfo, *, stack: Nesting) -> FieldShape:
    """One pydantic ``FieldInfo`` (also used for pydantic dataclasses); ``stack`` ends with
    the model that owns it."""
    type_shape, optional = field_type(
        name, lambda n: annotation_shape(info.annotation, info.metadata, stack=n), stack
    )
    has_default = not info.is_required()
    default = None if info.default is PydanticUndefined else info.default
    return FieldShape(
        name=name,
        type=type_shape,
        optional=optional,
        required=not has_default,
        default=default,
        has_default=has_default,
        description=info.description,
    )


register_nested("pydantic", supports, shape)
