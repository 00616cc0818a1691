"""annotation_shape: python annotations -> TypeShape, one case per supported form."""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import typing
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, Optional, Union

import annotated_types as at
import pydantic
import pytest
from pydantic import Field, StringConstraints, condecimal, confloat, conlist

from seedrunner.models.types import annotation_shape


class Color(enum.Enum):
    RED = "r"
    BLUE = "b"


UserId = NewType("UserId", int)


@pytest.mark.parametrize(
    ("annotation", "kind"),
    [
        (str, "str"),
        (int, "int"),
        (float, "float"),
        (Decimal, "decimal"),
        (bool, "bool"),
        (dt.date, "date"),
        (dt.datetime, "datetime"),
        (dt.time, "time"),
        (dt.timedelta, "timedelta"),
        (uuid.UUID, "uuid"),
        (bytes, "bytes"),
        (Any, "any"),
        (object, "any"),
        (dict[str, int], "dict"),
        (Mapping[str, int], "dict"),
        (typing.Mapping[str, int], "dict"),
        (typing.List[int], "list"),  # noqa: UP006
        (typing.Iterable[int], "list"),
        (dict, "dict"),
        (list, "list"),
        (UserId, "int"),
        (pydantic.UUID4, "uuid"),
        (pydantic.PositiveInt, "int"),
        (complex, "any"),
    ],
)
def test_scalar_kinds(annotation, kind):
    shape, optional = annotation_shape(annotation)
    assert shape.kind == kind
    assert not optional


def test_enum_and_literal():
    shape, _ = annotation_shape(Color)
    assert (shape.kind, shape.choices, shape.enum_class) == ("enum", (Color.RED, Color.BLUE), Color)
    shape, _ = annotation_shape(Literal[1, 2, 3])
    assert (shape.kind, shape.choices) == ("literal", (1, 2, 3))


@pytest.mark.parametrize(
    ("annotation", "kind", "item"),
    [
        (list[int], "list", "int"),
        (Sequence[str], "list", "str"),
        (set[uuid.UUID], "set", "uuid"),
        (frozenset[str], "set", "str"),
        (tuple[int, ...], "tuple", "int"),
        (tuple[str, str], "tuple", "str"),
        (tuple[int, str], "tuple", "any"),
        (list[Color], "list", "enum"),
    ],
)
def test_containers(annotation, kind, item):
    shape, _ = annotation_shape(annotation)
    assert (shape.kind, shape.item.kind) == (kind, item)


@pytest.mark.parametrize(
    "annotation",
    [Optional[int], int | None, Union[None, int], Annotated[int | None, at.Ge(0)]],  # noqa: UP007, UP045
)
def test_optional(annotation):
    shape, optional = annotation_shape(annotation)
    assert (shape.kind, optional) == ("int", True)


def test_union_takes_the_first_member():
    shape, optional = annotation_shape(int | str)
    assert (shape.kind, optional) == ("int", False)


def test_annotated_types_constraints():
    shape, _ = annotation_shape(Annotated[int, at.Interval(ge=1, lt=10), at.MultipleOf(3)])
    assert (shape.ge, shape.lt, shape.gt, shape.le, shape.multiple_of) == (1, 10, None, None, 3)
    shape, _ = annotation_shape(Annotated[str, at.Len(2, 9)])
    assert (shape.min_length, shape.max_length) == (2, 9)
    shape, _ = annotation_shape(Annotated[float, at.Gt(0.5), at.Le(2.5)])
    assert (shape.gt, shape.le) == (0.5, 2.5)


def test_pydantic_constraint_helpers():
    shape, _ = annotation_shape(condecimal(max_digits=6, decimal_places=2, ge=0))
    assert (shape.kind, shape.max_digits, shape.decimal_places, shape.ge) == ("decimal", 6, 2, 0)
    shape, _ = annotation_shape(confloat(gt=0, lt=1))
    assert (shape.kind, shape.gt, shape.lt) == ("float", 0, 1)
    shape, _ = annotation_shape(Annotated[str, StringConstraints(min_length=2, pattern=r"^\w+$")])
    assert (shape.min_length, shape.pattern) == (2, r"^\w+$")
    shape, _ = annotation_shape(Annotated[str, Field(max_length=7, pattern="x")])
    assert (shape.max_length, shape.pattern) == (7, "x")
    shape, _ = annotation_shape(conlist(int, min_length=1, max_length=3))
    assert (shape.kind, shape.item.kind, shape.min_length, shape.max_length) == (
        "list",
        "int",
        1,
        3,
    )


def test_constraints_passed_as_metadata_apply_to_the_field():
    shape, optional = annotation_shape(int | None, [at.Ge(5)])
    assert (shape.ge, optional) == (5, True)


@pytest.mark.parametrize(
    ("annotation", "kind", "fmt"),
    [
        (pydantic.EmailStr, "str", "email"),
        (pydantic.AnyUrl, "str", "url"),
        (pydantic.HttpUrl, "str", "url"),
        (pydantic.PostgresDsn, "str", "url"),
        (ipaddress.IPv4Address, "str", "ipv4"),
        (ipaddress.IPv6Address, "str", "ipv6"),
        (pydantic.IPvAnyAddress, "str", "ip"),
        (pydantic.SecretStr, "str", None),
        (pydantic.PastDate, "date", "past"),
        (pydantic.FutureDatetime, "datetime", "future"),
    ],
)
def test_pydantic_special_types(annotation, kind, fmt):
    shape, _ = annotation_shape(annotation)
    assert (shape.kind, shape.format) == (kind, fmt)


def test_datetime_awareness():
    assert annotation_shape(pydantic.AwareDatetime)[0].timezone
    assert not annotation_shape(pydantic.NaiveDatetime)[0].timezone
    assert annotation_shape(Annotated[dt.datetime, at.Timezone(...)])[0].timezone
