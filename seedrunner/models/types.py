"""Python annotations (pydantic, dataclass and TypedDict fields) -> TypeShape.

``annotation_shape`` understands the builtin scalar types, enums, ``Literal``, containers,
``Optional``/unions, ``Annotated`` constraints (annotated_types and pydantic ``Field``/
``constr``/``conint``/``condecimal``/``StringConstraints``), pydantic's special types
(URLs, emails, IPs, aware datetimes) and nested models.

Choices worth knowing:

* A union of several non-None types takes the first one (``int | str`` -> int).
* ``tuple[X, ...]`` and homogeneous tuples keep ``X`` as the item; mixed tuples get ``any``.
* Unknown classes map to ``any``.
* Recursion: a model is nested inside itself at most ``max_depth`` times along one path
  (``stack``, a ``recursion.Nesting``); the next occurrence is cut
  (``TypeShape("model", nested=None, cycle=...)``) and the adapter that owns the field
  closes it as ``on_cycle`` says (``recursion.close``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import pathlib
import re
import types
import typing
import uuid
from collections import abc
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from enum import Enum
from typing import Any, get_args, get_origin

import annotated_types as at
import pydantic
import typing_extensions
from pydantic.fields import FieldInfo

from seedrunner.models.recursion import ROOT, Nesting, cut
from seedrunner.models.shape import ModelShape, TypeKind, TypeShape

# Checked in order: subclasses before their bases (bool before int, datetime before date).
_SCALARS: list[tuple[type, TypeKind]] = [
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (Decimal, "decimal"),
    (str, "str"),
    (bytes, "bytes"),
    (bytearray, "bytes"),
    (dt.datetime, "datetime"),
    (dt.date, "date"),
    (dt.time, "time"),
    (dt.timedelta, "timedelta"),
    (uuid.UUID, "uuid"),
]

# Classes validated from a formatted string: (class, kind, format).
_FORMATS: list[tuple[Any, TypeKind, str | None]] = [
    (pydantic.EmailStr, "str", "email"),
    (pydantic.NameEmail, "str", "name_email"),
    (pydantic.AnyUrl, "str", "url"),
    # DSNs with several hosts (PostgresDsn, MongoDsn ...) share only this private base.
    (getattr(pydantic.networks, "_BaseMultiHostUrl", pydantic.AnyUrl), "str", "url"),
    (pydantic.SecretStr, "str", None),
    (pydantic.SecretBytes, "bytes", None),
    (pydantic.IPvAnyAddress, "str", "ip"),
    (pydantic.IPvAnyNetwork, "str", "ip_network"),
    (pydantic.IPvAnyInterface, "str", "ip_interface"),
    (ipaddress.IPv4Address, "str", "ipv4"),
    (ipaddress.IPv6Address, "str", "ipv6"),
    (ipaddress.IPv4Network, "str", "ipv4_network"),
    (ipaddress.IPv6Network, "str", "ipv6_network"),
    (ipaddress.IPv4Interface, "str", "ipv4_interface"),
    (ipaddress.IPv6Interface, "str", "ipv6_interface"),
    (pathlib.PurePath, "str", "path"),
]

# get_origin() of typing.Sequence[X] etc. is the collections.abc class.
_LIST_ORIGINS: set[Any] = {list, abc.Sequence, abc.MutableSequence, abc.Iterable, abc.Iterator}
_SET_ORIGINS: set[Any] = {set, frozenset, abc.Set, abc.MutableSet}
_DICT_ORIGINS: set[Any] = {dict, abc.Mapping, abc.MutableMapping}
_WRAPPERS: set[Any] = {
    typing.Required,
    typing.NotRequired,
    typing.Final,
    typing_extensions.ReadOnly,
}


def annotation_shape(
    annotation: Any, metadata: Sequence[Any] = (), *, stack: Nesting = ROOT
) -> tuple[TypeShape, bool]:
    """The TypeShape of ``annotation`` and whether None is accepted.

    ``metadata`` holds constraints found outside the annotation (pydantic's
    ``FieldInfo.metadata``); ``stack`` the models being shaped, for the recursion guard.
    """
    annotation, extra = _unwrap(annotation, list(metadata))
    if get_origin(annotation) in (typing.Union, types.UnionType):
        members = get_args(annotation)
        present = [m for m in members if m is not type(None)]
        if not present:
            return TypeShape("any"), True
        shape, optional = annotation_shape(present[0], extra, stack=stack)
        return shape, optional or len(present) < len(members)
    if annotation is None or annotation is type(None):
        return TypeShape("any"), True
    shape = _base_shape(annotation, stack)
    apply_constraints(shape, extra)
    return shape, False


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """Strip Annotated / Required / NotRequired / Final / NewType layers, keeping metadata."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            args = get_args(annotation)
            annotation, metadata = args[0], [*metadata, *args[1:]]
        elif origin in _WRAPPERS:
            annotation = get_args(annotation)[0]
        elif hasattr(annotation, "__supertype__"):
            annotation = annotation.__supertype__
        elif isinstance(annotation, typing_extensions.TypeAliasType):
            annotation = annotation.__value__
        else:
            return annotation, metadata


def _base_shape(annotation: Any, stack: Nesting) -> TypeShape:
    if annotation is Any or annotation is object:
        return TypeShape("any")
    origin = get_origin(annotation)
    if origin is typing.Literal:
        return TypeShape("literal", choices=get_args(annotation))
    if origin is not None:
        return _generic_shape(origin, get_args(annotation), stack)
    if not isinstance(annotation, type):
        return TypeShape("any")
    return _class_shape(annotation, stack)


def _generic_shape(origin: Any, args: tuple[Any, ...], stack: Nesting) -> TypeShape:
    if origin in _DICT_ORIGINS:
        return TypeShape("dict")
    if origin is tuple:
        return TypeShape("tuple", item=_tuple_item(args, stack))
    for origins, kind in ((_LIST_ORIGINS, "list"), (_SET_ORIGINS, "set")):
        if origin in origins:
            item = annotation_shape(args[0], stack=stack)[0] if args else TypeShape("any")
            return TypeShape(kind, item=item)  # type: ignore[arg-type]
    if isinstance(origin, type):
        return _class_shape(origin, stack)
    return TypeShape("any")


def _tuple_item(args: tuple[Any, ...], stack: Nesting) -> TypeShape:
    if len(args) == 2 and args[1] is Ellipsis:
        args = args[:1]
    if not args or any(a != args[0] for a in args):
        return TypeShape("any")
    return annotation_shape(args[0], stack=stack)[0]


def _class_shape(cls: type, stack: Nesting) -> TypeShape:
    if issubclass(cls, Enum):
        return TypeShape("enum", choices=tuple(cls), enum_class=cls)
    special = _special_shape(cls)
    if special is not None:
        return special
    for base, kind in _SCALARS:
        if issubclass(cls, base):
            return TypeShape(kind)
    if is_model_class(cls):
        if stack.cuts(cls):
            return cut(cls, stack)
        return TypeShape("model", nested=_nested_shape(cls, stack))
    if cls in _DICT_ORIGINS:
        return TypeShape("dict")
    if cls in _LIST_ORIGINS:
        return TypeShape("list", item=TypeShape("any"))
    if cls in _SET_ORIGINS:
        return TypeShape("set", item=TypeShape("any"))
    if cls is tuple:
        return TypeShape("tuple", item=TypeShape("any"))
    return TypeShape("any")


def _special_shape(cls: type) -> TypeShape | None:
    """pydantic's datetime flavours and the string-formatted classes."""
    if issubclass(cls, (pydantic.AwareDatetime, pydantic.NaiveDatetime)):
        return TypeShape("datetime", timezone=cls is pydantic.AwareDatetime)
    for when, kind in (
        (pydantic.PastDatetime, "datetime"),
        (pydantic.FutureDatetime, "datetime"),
        (pydantic.PastDate, "date"),
        (pydantic.FutureDate, "date"),
    ):
        if issubclass(cls, when):
            when_fmt = "past" if cls.__name__.startswith("Past") else "future"
            return TypeShape(kind, format=when_fmt)  # type: ignore[arg-type]
    for base, kind, fmt in _FORMATS:
        if issubclass(cls, base):
            return TypeShape(kind, format=fmt)
    return None


def is_model_class(obj: object) -> bool:
    """A class the pydantic, dataclass or TypedDict adapter can shape."""
    if not isinstance(obj, type):
        return False
    return (
        issubclass(obj, pydantic.BaseModel)
        or dataclasses.is_dataclass(obj)
        or typing_extensions.is_typeddict(obj)
    )


#: the adapters that shape a nested model class, in the order they are tried; each
#: registers itself on import (``seedrunner.models`` imports all three), so this module,
#: which they build on, does not import them back
NESTED_ORDER = ("pydantic", "dataclass", "typeddict")
_NESTED: dict[str, tuple[Callable[[Any], bool], Callable[..., ModelShape]]] = {}


def register_nested(
    name: str, supports: Callable[[Any], bool], shape: Callable[..., ModelShape]
) -> None:
    """Let ``annotation_shape`` shape a nested class of adapter ``name``."""
    _NESTED[name] = (supports, shape)


def _nested_shape(cls: type, stack: Nesting) -> ModelShape | None:
    for name in NESTED_ORDER:
        supports, shape = _NESTED[name]
        if supports(cls):
            return shape(cls, stack=stack)
    return None


def apply_constraints(shape: TypeShape, metadata: Iterable[Any]) -> None:
    """Copy length, bound, digit and pattern constraints onto ``shape``."""
    for item in _flatten(metadata):
        for cls, attr in (
            (at.MinLen, "min_length"),
            (at.MaxLen, "max_length"),
            (at.Ge, "ge"),
            (at.Gt, "gt"),
            (at.Le, "le"),
            (at.Lt, "lt"),
            (at.MultipleOf, "multiple_of"),
        ):
            if isinstance(item, cls):
                setattr(shape, attr, getattr(item, attr))
        if isinstance(item, at.Timezone) and item.tz is not None:
            shape.timezone = True
        _apply_general(shape, item)


def _apply_general(shape: TypeShape, item: Any) -> None:
    """pydantic's own metadata (``Field(pattern=..., max_digits=..., decimal_places=...)``).

    Duck-typed: pydantic keeps these in a private ``_PydanticGeneralMetadata`` class.
    """
    pattern = getattr(item, "pattern", None)
    if pattern is not None:
        shape.pattern = pattern.pattern if isinstance(pattern, re.Pattern) else str(pattern)
    for attr in ("max_digits", "decimal_places"):
        value = getattr(item, attr, None)
        if isinstance(value, int):
            setattr(shape, attr, value)


def _flatten(metadata: Iterable[Any]) -> Iterable[Any]:
    for item in metadata:
        if item is None:
            continue
        if isinstance(item, FieldInfo):
            yield from _flatten(item.metadata)
        elif isinstance(item, at.GroupedMetadata):
            yield from _flatten(item)
        else:
            yield item
