"""Column-wise word-list draws give exactly Faker's own values, in every locale."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from faker import Faker

from seedrunner.generate.columns import FakerColumn
from seedrunner.generate.fakercalls import pinned_call
from seedrunner.generate.fastfaker import fast_draw

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LOCALES = ["en_US", "de_DE", "fr_FR", "ja_JP", "ru_RU", "pt_BR", "es_ES", "zh_CN", "hi_IN"]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("provider", ["first_name", "last_name"])
def test_same_values_as_faker(locale, provider):
    fake = Faker(locale)
    slow = FakerColumn(7, [fake], provider)
    slow._fast = None  # force the per-row Faker call
    fast = FakerColumn(7, [fake], provider)
    for start, n in [(0, 5000), (5000, 300), (12000, 10)]:  # across blocks, mid-block jumps
        assert fast.values(start, n) == slow.values(start, n)


def test_fast_path_is_used_where_faker_is_plain_and_not_otherwise():
    en = Faker("en_US")
    assert fast_draw(en, "first_name", {}) is not None
    assert fast_draw(en, "first_name", {"x": 1}) is None  # arguments: Faker's own call
    assert fast_draw(en, "email", {}) is None  # not a single word-list pick

    custom = Faker("en_US")
    custom.first_name = lambda: "Fixed"  # an override is respected
    assert fast_draw(custom, "first_name", {}) is None


def test_one_draw_per_row_like_faker():
    """The rng is left exactly where n single Faker calls leave it."""
    fake = Faker("en_US")
    draw = fast_draw(fake, "last_name", {})
    assert draw is not None
    a, b = random.Random(3), random.Random(3)
    draw(a, 100)
    fake.random = b
    for _ in range(100):
        fake.last_name()
    assert a.random() == b.random()


@pytest.mark.parametrize(
    ("provider", "kwargs"),
    [
        ("pyint", {}),
        ("pyint", {"min_value": 1, "max_value": 5}),
        ("pyint", {"min_value": -50, "max_value": 50, "step": 5}),
        ("random_int", {"min": 10, "max": 10**12}),
    ],
)
def test_integers_are_fakers_own(provider, kwargs):
    fake = Faker("en_US")
    slow = FakerColumn(9, [fake], provider, kwargs)
    slow._fast = None
    fast = FakerColumn(9, [fake], provider, kwargs)
    assert fast._fast is not None
    assert fast.values(0, 6000) == slow.values(0, 6000)
    assert fast.values(9000, 50) == slow.values(9000, 50)


@pytest.mark.parametrize("locale", ["en_US", "en_GB", "de_DE", "ja_JP", "pt_BR", "fr_FR"])
def test_phone_numbers_are_fakers_own(locale):
    fake = Faker(locale)
    slow = FakerColumn(5, [fake], "phone_number")
    slow._fast = None
    fast = FakerColumn(5, [fake], "phone_number")
    assert fast.values(0, 5000) == slow.values(0, 5000)
    assert fast.values(8000, 40) == slow.values(8000, 40)


def test_phone_fast_path_steps_aside_for_locales_with_their_own_logic():
    assert fast_draw(Faker("en_US"), "phone_number", {}) is not None
    assert fast_draw(Faker("fr_FR"), "phone_number", {}) is None  # fr_FR overrides it


@pytest.mark.parametrize(
    ("provider", "kwargs"),
    [
        ("boolean", {}),
        ("boolean", {"chance_of_getting_true": 20}),
        ("pybool", {}),
        ("pybool", {"truth_probability": 90}),
    ],
)
def test_booleans_are_fakers_own(provider, kwargs):
    fake = Faker("en_US")
    slow = FakerColumn(2, [fake], provider, kwargs)
    slow._fast = None
    fast = FakerColumn(2, [fake], provider, kwargs)
    assert fast._fast is not None
    assert fast.values(0, 5000) == slow.values(0, 5000)
    assert fast.values(7000, 30) == slow.values(7000, 30)


@pytest.mark.parametrize(
    ("start", "end"),
    [("-3y", "now"), ("-30y", "now"), ("-1d", "+30d"), ("2020-01-01", "2020-01-01T00:00:01")],
)
def test_date_time_between_is_fakers_own(start, end):
    fake = Faker("en_US")
    provider, kwargs, post = pinned_call(
        "date_time_between", {"start_date": start, "end_date": end}, NOW
    )
    assert provider == "date_time_between_dates"
    slow = FakerColumn(5, [fake], provider, kwargs, post)
    slow._fast = None
    fast = FakerColumn(5, [fake], provider, kwargs, post)
    assert fast._fast is not None
    assert fast.values(0, 6000) == slow.values(0, 6000)
    assert fast.values(9000, 50) == slow.values(9000, 50)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"left_digits": 4, "right_digits": 2, "positive": True},
        {"left_digits": 0, "right_digits": 3, "positive": False},
        {"left_digits": 7, "right_digits": 0, "positive": True},
    ],
)
def test_pydecimal_with_fixed_digits_is_fakers_own(kwargs):
    fake = Faker("en_US")
    slow = FakerColumn(3, [fake], "pydecimal", kwargs)
    slow._fast = None
    fast = FakerColumn(3, [fake], "pydecimal", kwargs)
    assert fast._fast is not None
    got = fast.values(0, 5000)
    assert got == slow.values(0, 5000)
    assert [str(v) for v in got[:200]] == [str(v) for v in slow.values(0, 200)]  # same digits
    assert fast.values(8000, 30) == slow.values(8000, 30)


def test_pydecimal_without_fixed_digits_keeps_fakers_call():
    en = Faker("en_US")
    assert fast_draw(en, "pydecimal", {"left_digits": 3, "right_digits": 2}) is None
    assert fast_draw(en, "pydecimal", {"min_value": 1, "max_value": 9}) is None


def test_us_postcodes_are_fakers_own():
    fake = Faker("en_US")
    slow = FakerColumn(4, [fake], "postcode")
    slow._fast = None
    fast = FakerColumn(4, [fake], "postcode")
    assert fast._fast is not None
    assert fast.values(0, 5000) == slow.values(0, 5000)
    assert fast_draw(Faker("en_GB"), "postcode", {}) is None  # its own logic, Faker's call
