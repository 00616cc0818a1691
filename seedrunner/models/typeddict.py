"""TypedDict (typing or typing_extensions) -> ModelShape.

Which keys are required is read from explicit ``Required``/``NotRequired`` wrappers first,
then from ``__required_keys__``: under ``from __future__ import annotations`` Python 3.11
computes ``__required_keys__`` without seeing the (string) wrappers.
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin

import typing_extensions

from seedrunner.models.imports import ModelReferenceError
from seedrunner.models.recursion import ROOT, Nesting, field_type
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape
from seedrunner.models.types import annotation_shape, register_nested


def supports(obj: object) -> bool:
    return isinstance(obj, type) and typing_extensions.is_typeddict(obj)


def shape(obj: Any, *, stack: Nesting = ROOT) -> ModelShape:
    """Shape a TypedDict; ``stack`` holds the enclosing models (see ``recursion``)."""
    if stack.models and not validatable_nested(obj):
        raise ModelReferenceError(
            f"{stack.models[-1].__name__} nests the typing.TypedDict {obj.__name__!r}, which "
            f"pydantic cannot validate inside another model on Python "
            f"{sys.version_info.major}.{sys.version_info.minor}",
            hint=f"define {obj.__name__} with typing_extensions.TypedDict "
            "(from typing_extensions import TypedDict)",
        )
    inner = stack.enter(obj)
    fields = []
    for name, (annotation, required) in keys(obj).items():
        type_shape, optional = field_type(name, _shaper(annotation), inner)
        fields.append(FieldShape(name=name, type=type_shape, optional=optional, required=required))
    return ModelShape(name=obj.__name__, kind="typeddict", fields=fields, model=obj)


def _shaper(annotation: Any) -> Callable[[Nesting], tuple[TypeShape, bool]]:
    return lambda n: annotation_shape(annotation, stack=n)


def validatable_nested(td: Any) -> bool:
    """pydantic refuses ``typing.TypedDict`` before Python 3.12 (the top-level model is
    copied for validation, see ``corefields.py``; one nested inside cannot be)."""
    return sys.version_info >= (3, 12) or type(td).__module__ != "typing"


def keys(td: Any) -> dict[str, tuple[Any, bool]]:
    """key -> (annotation without Required/NotRequired, required)."""
    hints = typing.get_type_hints(td, include_extras=True)
    required_keys: frozenset[str] = getattr(td, "__required_keys__", frozenset())
    result: dict[str, tuple[Any, bool]] = {}
    for name, hint in hints.items():
        required = name in required_keys
        annotation = hint
        while get_origin(annotation) in (
            typing.Required,
            typing.NotRequired,
            typing_extensions.ReadOnly,
        ):
            if get_origin(annotation) is not typing_extensions.ReadOnly:
                required = get_origin(annotation) is typing.Required
            annotation = get_args(annotation)[0]
        result[name] = (annotation, required)
    return result


register_nested("typeddict", supports, shape)
