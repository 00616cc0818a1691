"""Type-driven generators: constraints honoured, capacity set, streams consumed row by row."""

from __future__ import annotations

import datetime as dt
import enum
import math
import random
import re
import uuid
from decimal import Decimal

import pytest
from faker import Faker

from seedrunner.errors import GenerationError
from seedrunner.generate.typed import (
    Context,
    GenColumn,
    pattern_gen,
    type_gen,
    vocab,
    window,
)
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
EN = Faker("en_US")
DE = Faker("de_DE")


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def ctx(*fakers, collections=(0, 3)):
    from seedrunner.generate.infer import field_gen

    return Context(tuple(fakers or (EN,)), NOW, collections, "t.f", field_gen)


def column(t: TypeShape, seed=7, **kw) -> GenColumn:
    return GenColumn(seed, type_gen(t, ctx(**kw) if kw else ctx()))


def assert_stream_contract(make):
    """k then m rows equal k+m rows, also across the 4096-row block boundary."""
    whole = make().values(0, 4200)
    col = make()
    assert col.values(0, 37) + col.values(37, 63) == whole[:100]
    assert make().values(4000, 200) == whole[4000:4200]
    col = make()
    assert col.values(3990, 50) + col.values(4040, 160) == whole[3990:4200]


NESTED = ModelShape(
    "Point",
    "pydantic",
    [FieldShape("x", TypeShape("int", ge=0, le=9)), FieldShape("label", TypeShape("str"))],
)

KINDS = {
    "str": TypeShape("str"),
    "str_short": TypeShape("str", min_length=2, max_length=4),
    "str_long": TypeShape("str", min_length=40, max_length=60),
    "str_pattern": TypeShape("str", pattern=r"^[A-Z]{2}\d{3}(-[a-f]+)?$"),
    "str_bad_pattern": TypeShape("str", pattern=r"^(?=a)\w+$", min_length=3, max_length=5),
    "str_email": TypeShape("str", format="email"),
    "str_url": TypeShape("str", format="url"),
    "str_ipv4": TypeShape("str", format="ipv4"),
    "str_ipv6": TypeShape("str", format="ipv6"),
    "str_uuid": TypeShape("str", format="uuid"),
    "int": TypeShape("int"),
    "int_bounded": TypeShape("int", gt=-3, lt=3),
    "int_multiple": TypeShape("int", ge=1, le=100, multiple_of=7),
    "int_huge": TypeShape("int", ge=0, le=2**70),
    "float": TypeShape("float"),
    "float_multiple": TypeShape("float", ge=0, le=10, multiple_of=0.5),
    "decimal": TypeShape("decimal", max_digits=5, decimal_places=2),
    "bool": TypeShape("bool"),
    "date": TypeShape("date"),
    "datetime": TypeShape("datetime"),
    "datetime_tz": TypeShape("datetime", timezone=True),
    "time": TypeShape("time"),
    "timedelta": TypeShape("timedelta"),
    "uuid": TypeShape("uuid"),
    "bytes": TypeShape("bytes"),
    "enum": TypeShape("enum", choices=tuple(Color), enum_class=Color),
    "literal": TypeShape("literal", choices=("a", "b", 3)),
    "list": TypeShape("list", item=TypeShape("int")),
    "set": TypeShape("set", item=TypeShape("int", ge=0, le=5), min_length=2, max_length=4),
    "tuple": TypeShape("tuple", item=TypeShape("str")),
    "list_models": TypeShape("list", item=TypeShape("model", nested=NESTED), min_length=1),
    "dict": TypeShape("dict"),
    "json": TypeShape("json"),
    "model": TypeShape("model", nested=NESTED),
    "any": TypeShape("any"),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_keeps_the_stream_contract(kind):
    assert_stream_contract(lambda: column(KINDS[kind]))


@pytest.mark.parametrize("kind", ["str", "any", "str_email", "list_models"])
def test_stream_contract_with_several_locales(kind):
    assert_stream_contract(lambda: GenColumn(3, type_gen(KINDS[kind], ctx(EN, DE))))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_same_seed_same_values_other_seed_differs(kind):
    a = column(KINDS[kind], seed=1).values(0, 50)
    assert a == column(KINDS[kind], seed=1).values(0, 50)
    if kind != "dict":
        assert a != column(KINDS[kind], seed=2).values(0, 50)


def test_capacities():
    assert column(KINDS["bool"]).capacity == 2
    assert column(KINDS["enum"]).capacity == 2
    assert column(KINDS["literal"]).capacity == 3
    assert column(KINDS["int_bounded"]).capacity == 5
    assert column(KINDS["int_multiple"]).capacity == 14
    assert column(KINDS["float"]).capacity is None
    assert column(TypeShape("decimal", ge=0, le=1, decimal_places=2)).capacity == 101
    assert column(KINDS["str"]).capacity is None
    assert column(TypeShape("str", max_length=1, min_length=1)).capacity == 52


def test_int_bounds_and_multiples():
    vals = column(KINDS["int_bounded"]).values(0, 2000)
    assert set(vals) == {-2, -1, 0, 1, 2}
    mult = column(KINDS["int_multiple"]).values(0, 2000)
    assert set(mult) == set(range(7, 99, 7))
    huge = column(KINDS["int_huge"]).values(0, 100)
    assert all(0 <= v <= 2**70 for v in huge)


def test_int_window_defaults():
    assert window(None, None, 10_000) == (0, 10_000)
    assert window(5, None, 10_000) == (5, 10_005)
    assert window(None, 100, 10_000) == (0, 100)
    assert window(None, -5, 10_000) == (-10_005, -5)
    # SQL type limits are hard bounds only, never a preference for huge values
    assert window(-(2**31), 2**31 - 1, 10_000) == (0, 10_000)
    assert window(0, 255, 10_000) == (0, 255)
    assert window(-128, 127, 10_000) == (0, 127)
    assert window(None, None, 10_000, prefer=(18, 90)) == (18, 90)
    assert window(21, 30, 10_000, prefer=(18, 90)) == (21, 30)
    assert window(200, 300, 10_000, prefer=(18, 90)) == (200, 300)


def test_int_impossible_bounds_raise():
    with pytest.raises(GenerationError, match=r"t\.f"):
        type_gen(TypeShape("int", gt=1, lt=2), ctx())


def test_float_exclusive_bounds():
    vals = column(TypeShape("float", gt=0, lt=1)).values(0, 3000)
    assert all(0 < v < 1 for v in vals)
    tight = column(TypeShape("float", gt=1.0, lt=math.nextafter(math.nextafter(1.0, 2), 2)))
    assert all(1.0 < v < 1.0000000000000005 for v in tight.values(0, 100))
    halves = column(KINDS["float_multiple"]).values(0, 500)
    assert all(0 <= v <= 10 and (v * 2).is_integer() for v in halves)


def test_decimals_have_exact_places_and_digits():
    t = TypeShape("decimal", max_digits=5, decimal_places=2, gt=-10)
    for v in column(t).values(0, 3000):
        assert isinstance(v, Decimal)
        assert v.as_tuple().exponent == -2
        assert -10 < v <= Decimal("999.99")
    neg = column(TypeShape("decimal", le=Decimal("-1.5"), ge=-3, decimal_places=1)).values(0, 500)
    assert set(neg) == {Decimal("-3.0") + Decimal("0.1") * i for i in range(16)}


def test_decimal_without_places_stays_within_digits():
    vals = column(TypeShape("decimal", max_digits=3)).values(0, 1000)
    for v in vals:
        _sign, digits, exp = v.as_tuple()
        assert len(digits) <= 3
        assert exp == -2


def test_str_lengths():
    for v in column(KINDS["str_short"]).values(0, 1000):
        assert 2 <= len(v) <= 4
        assert v.isalpha()
    for v in column(KINDS["str_long"]).values(0, 1000):
        assert 40 <= len(v) <= 60
    for v in column(TypeShape("str", max_length=10)).values(0, 1000):
        assert 1 <= len(v) <= 10


@pytest.mark.parametrize(
    "pattern",
    [
        r"^[A-Z]{3}-\d{4}$",
        r"^\w+@\w+\.(com|org)$",
        r"^[^aeiou\s]{2,5}x?$",
        r"ab+c*",
        r"^\d{5}(-\d{4})?$",
        r"^[a-z0-9_.-]{3,16}$",
        r"^#[0-9A-Fa-f]{6}$",
        r"^\+?[1-9]\d{1,14}$",
        r"^.{3}$",
        r"^(?:foo|bar)+$",
    ],
)
def test_patterns_generate_matching_strings(pattern):
    gen = pattern_gen(pattern, None, None)
    assert gen is not None
    rng = random.Random(3)
    for _ in range(500):
        assert re.search(pattern, gen.one(rng))


def test_pattern_with_length_bounds():
    gen = pattern_gen(r"^[a-z]+$", 4, 6)
    assert gen is not None
    rng = random.Random(3)
    assert all(4 <= len(gen.one(rng)) <= 6 for _ in range(500))


@pytest.mark.parametrize("pattern", [r"^(?=a)\w+$", r"(a)\1", r"[", r"^\d{2}$(?<!00)"])
def test_unsupported_patterns_fall_back(pattern):
    assert pattern_gen(pattern, None, None) is None


def test_unsupported_pattern_falls_back_to_letters_in_length():
    for v in column(KINDS["str_bad_pattern"]).values(0, 200):
        assert 3 <= len(v) <= 5
        assert v.isalpha()


def test_formats():
    assert all("@" in v for v in column(KINDS["str_email"]).values(0, 100))
    assert all(v.startswith("https://") for v in column(KINDS["str_url"]).values(0, 100))
    for v in column(KINDS["str_ipv4"]).values(0, 100):
        assert len(v.split(".")) == 4
        assert all(0 <= int(p) <= 255 for p in v.split("."))
    for v in column(KINDS["str_uuid"]).values(0, 10):
        assert uuid.UUID(v).version == 4
    for v in column(KINDS["str_ipv6"]).values(0, 10):
        assert len(v.split(":")) == 8


def test_containers():
    lists = column(KINDS["list"]).values(0, 1000)
    assert {len(v) for v in lists} == {0, 1, 2, 3}
    sets = column(KINDS["set"]).values(0, 1000)
    assert all(2 <= len(v) <= 4 and len(set(v)) == len(v) for v in sets)
    assert all(isinstance(v, tuple) for v in column(KINDS["tuple"]).values(0, 10))
    wide = column(KINDS["list"], collections=(5, 5)).values(0, 10)
    assert {len(v) for v in wide} == {5}
    models = column(KINDS["list_models"]).values(0, 200)
    assert all(1 <= len(v) <= 3 for v in models)
    assert all(0 <= m["x"] <= 9 and isinstance(m["label"], str) for v in models for m in v)


def test_set_of_few_values_is_capped_by_item_capacity():
    t = TypeShape("set", item=TypeShape("bool"), min_length=0, max_length=5)
    assert all(len(v) <= 2 for v in column(t).values(0, 200))


def test_scalars_have_their_types():
    assert all(isinstance(v, bool) for v in column(KINDS["bool"]).values(0, 10))
    assert all(type(v) is dt.date for v in column(KINDS["date"]).values(0, 10))
    assert all(v.tzinfo is None for v in column(KINDS["datetime"]).values(0, 10))
    assert all(v.tzinfo == dt.UTC for v in column(KINDS["datetime_tz"]).values(0, 10))
    assert all(isinstance(v, uuid.UUID) for v in column(KINDS["uuid"]).values(0, 10))
    assert all(isinstance(v, bytes) for v in column(KINDS["bytes"]).values(0, 10))
    assert set(column(KINDS["enum"]).values(0, 100)) == set(Color)
    assert column(KINDS["dict"]).values(0, 2) == [{}, {}]


def test_empty_enum_is_an_error():
    with pytest.raises(GenerationError, match="no values"):
        type_gen(TypeShape("enum"), ctx())


def test_vocab_reads_locale_lists_and_weights():
    en = vocab([EN], "person", "first_names")
    assert en is not None
    assert en.capacity is not None
    assert en.capacity > 100
    assert en.tables[0][1] is not None  # en_US first names are weighted
    mixed = vocab([EN, DE], "person", "last_names")
    assert mixed is not None
    assert len(mixed.tables) == 2
    assert vocab([EN], "person", "no_such_list") is None
