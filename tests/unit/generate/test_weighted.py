"""The cached weighted pick gives exactly Faker's values and leaves the generator exactly
where Faker leaves it, for every provider tried, in several locales."""

from __future__ import annotations

import random

import pytest
from faker import Faker

from seedrunner.generate.weighted import speed_up

PROVIDERS = [
    "name", "first_name", "last_name", "name_female", "prefix", "suffix", "email",
    "user_name", "city", "street_address", "address", "country", "company", "job",
    "phone_number", "color_name", "word", "sentence", "date_of_birth", "currency_code",
    "license_plate", "postcode", "state", "ipv4", "url", "file_name",
]  # fmt: skip
LOCALES = ["en_US", "de_DE", "ja_JP", "fr_FR", "pt_BR", "zh_CN", "hi_IN"]


def _draw(fake: Faker, provider: str, seed: int) -> tuple[list[str], object]:
    rng = random.Random(seed)
    fake.random = rng
    method = getattr(fake, provider)
    values = [str(method()) for _ in range(300)]
    return values, rng.getstate()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_same_values_and_the_same_generator_state(locale):
    plain, fast = Faker(locale, use_weighting=True), Faker(locale, use_weighting=True)
    speed_up(fast)
    tried = 0
    for provider in PROVIDERS:
        if not hasattr(plain, provider):
            continue
        tried += 1
        assert _draw(fast, provider, 7) == _draw(plain, provider, 7), provider
    assert tried >= 20


def test_it_is_used_where_faker_weights_its_picks():
    """The cache is filled by a weighted pick (so the test above exercises the fast path)."""
    fake = Faker("en_US", use_weighting=True)
    speed_up(fake)
    fake.random = random.Random(1)
    fake.last_name()
    person = next(p for p in fake.providers if hasattr(p, "last_names"))
    assert hasattr(person.last_names, "_seedrunner_cum_weights")


def test_other_calls_go_to_faker_unchanged():
    plain, fast = Faker("en_US"), Faker("en_US")
    speed_up(fast)
    for fake in (plain, fast):
        fake.random = random.Random(3)
    from collections import OrderedDict

    weights = OrderedDict([("a", 0.5), ("b", 0.3), ("c", 0.2)])
    for kwargs in (
        {"length": 4},
        {"unique": True, "length": 2},
        {"use_weighting": False, "length": 1},
    ):
        assert fast.random_elements(weights, **kwargs) == plain.random_elements(weights, **kwargs)
    assert fast.random_elements(["x", "y"], length=1) == plain.random_elements(["x", "y"], length=1)
