"""Generators state their own bounds, and every value they draw lies within them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from faker import Faker

from seedrunner.generate.bounds import Lengths, OneOf, Span, TypeOf
from seedrunner.generate.choices import choice_gen
from seedrunner.generate.draws import Coin
from seedrunner.generate.gens import Concat, Context, FnGen, MapGen
from seedrunner.generate.names import FitGen
from seedrunner.generate.numbers import DecimalGen, FloatGen, IntGen, float_gen
from seedrunner.generate.streams import new_rng
from seedrunner.generate.text import LettersGen, WordsGen
from seedrunner.generate.typed import type_gen
from seedrunner.models.shape import TypeShape

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CTX = Context((Faker("en_US"),), NOW)


def test_a_pick_states_its_options_and_a_map_maps_them() -> None:
    pick = choice_gen(["ab", "cde"])
    assert pick.bounds() == OneOf(("ab", "cde"))
    assert MapGen(pick, str.upper).bounds() == OneOf(("AB", "CDE"))
    assert MapGen(MapGen(pick, str.upper), str.lower).bounds() is None  # one level only
    assert MapGen(IntGen(0, 5), str).bounds() is None  # not a pick: unknown


def test_fit_states_its_lengths_unless_it_fits_a_pick() -> None:
    assert FitGen(IntGen(0, 5), 2, 4).bounds() == Lengths(2, 4)
    assert FitGen(choice_gen(["a", "abcdef"]), 2, 4).bounds() == OneOf(("a0", "abcd"))


def test_numbers_state_both_ends() -> None:
    ints = IntGen(10, 5, step=3)
    assert ints.bounds() == Span("int", 10, 22)
    assert DecimalGen(IntGen(-150, 301), 2).bounds() == Span(
        "decimal", Decimal("-1.50"), Decimal("1.50"), 2
    )
    assert FloatGen(-1, 2).bounds() == Span("float", -1.0, 2.0)
    assert FloatGen(0, float("inf")).bounds() is None
    multiples = float_gen(TypeShape("float", ge=0, le=10, multiple_of=0.5), "t.f")
    assert multiples.bounds() is None  # multiples are not proven


def test_strings_state_their_lengths() -> None:
    assert LettersGen(2, 5).bounds() == Lengths(2, 5)
    assert type_gen(TypeShape("str", max_length=30), CTX).bounds() == Lengths(0, 30)
    assert isinstance(type_gen(TypeShape("str"), CTX), WordsGen)
    assert Concat([LettersGen(1, 2), "x"]).bounds() is None


def test_functions_state_a_type_only_through_a_sample() -> None:
    assert FnGen(Coin()).bounds() == TypeOf((True, False))
    assert FnGen(lambda rng: 1).bounds() is None
    assert type_gen(TypeShape("time"), CTX).bounds() == TypeOf((dt.time(),))
    assert type_gen(TypeShape("timedelta"), CTX).bounds() == TypeOf((dt.timedelta(),))
    assert type_gen(TypeShape("date"), CTX).bounds() is not None


def test_drawn_values_lie_within_the_stated_bounds() -> None:
    gens = [
        IntGen(-7, 40, step=2),
        DecimalGen(IntGen(-150, 301), 2),
        FloatGen(-1.5, 2.5),
        LettersGen(0, 3),
        WordsGen(choice_gen(["lorem", "ipsum"]), 4, 9),
        FitGen(IntGen(0, 1_000_000), 3, 5),
        MapGen(choice_gen([1, 2, 3]), str),
    ]
    for gen in gens:
        bounds = gen.bounds()
        for v in gen.many(new_rng(3), 300):
            match bounds:
                case OneOf(values):
                    assert v in values
                case Lengths(lo, hi):
                    assert isinstance(v, str)
                    assert lo <= len(v) <= (hi if hi is not None else len(v))
                case Span(_, lo, hi, _):
                    assert lo <= v <= hi
                case _:
                    raise AssertionError(f"{gen!r} states no bounds")
