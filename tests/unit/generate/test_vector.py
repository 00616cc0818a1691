"""Column-wise generation gives the per-row values, bit for bit, and keeps the stream contract."""

from __future__ import annotations

import datetime as dt
import random
import re
from decimal import Decimal

import pytest
from faker import Faker

from seedrunner.generate import dates, fakerformats, vector
from seedrunner.generate.composite import NumerifyGen, PerLocaleGen, numerified
from seedrunner.generate.draws import Coin, Uuids
from seedrunner.generate.typed import (
    ChoiceGen,
    Concat,
    Context,
    DecimalGen,
    FloatGen,
    FnGen,
    Gen,
    IntGen,
    MapGen,
    _MultipleFloat,
    choice_gen,
    domain_gen,
    email_gen,
    ipv4_gen,
    url_gen,
)

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
EN = Faker("en_US")


def test_unit_is_cpythons_random_bit_for_bit() -> None:
    a, b = random.Random(11), random.Random(11)
    expected = [a.random() for _ in range(50_000)]
    assert vector.unit(vector.words(b, 50_000)[:, 0]).tolist() == expected
    assert a.random() == b.random()  # and the generator is left where it would be


def test_weighted_is_what_rng_choices_picks() -> None:
    cum = [1.0, 1.5, 4.0, 4.0, 9.25]
    a, b = random.Random(3), random.Random(3)
    expected = a.choices(range(5), cum_weights=cum, k=20_000)
    got = vector.weighted(vector.words(b, 20_000)[:, 0], vector.np.asarray(cum))
    assert got.tolist() == expected


def _gens() -> dict[str, Gen]:
    ctx = Context((EN,), NOW)
    multi = Context((EN, Faker("de_DE"), Faker("ja_JP")), NOW)
    email = email_gen(ctx, None, 30)
    assert email is not None
    street = fakerformats.template(EN, "street_address")
    city = fakerformats.template(Faker("en_GB"), "city")
    assert street is not None
    assert city is not None
    phones = [numerified(Faker(loc), "phone_number") for loc in ("en_US", "en_GB", "ja_JP")]
    return {
        "int": IntGen(-5, 1000),
        "int_step": IntGen(7, 10**12, 3),
        "int_huge": IntGen(2**63, 2**40, 5),
        "float": FloatGen(-3.0, 7.5, None),
        "float_places": FloatGen(0.0, 1.0, 3),
        "float_multiple": _MultipleFloat(IntGen(0, 40), 0.25),
        "decimal": DecimalGen(IntGen(-100_000, 200_000), 2),
        "choice": choice_gen(["a", "b", ("t", 1), None]),
        "weighted": ChoiceGen([(["x", "y", "z"], [1.0, 11.0, 12.5])]),
        "per_locale_choice": ChoiceGen([(["x", "y"], None), (["p", "q", "r"], [2.0, 3.0, 9.0])]),
        "coin": FnGen(Coin()),
        "uuid": FnGen(Uuids()),
        "uuid_str": FnGen(Uuids("str")),
        "uuid_hex": FnGen(Uuids("hex", 20)),
        "dates": FnGen(dates.recent_dates(NOW)),
        "old_dates": FnGen(dates.date_between(dt.date(1, 1, 1), dt.date(1999, 12, 31))),
        "datetimes": FnGen(dates.recent_datetimes(NOW, aware=True)),
        "naive_datetimes": FnGen(dates.future_datetimes(NOW, aware=False)),
        "birth_datetimes": FnGen(dates.birth_datetimes(NOW, aware=True)),
        "mapped": MapGen(IntGen(0, 99), str),
        "concat": Concat(["<", IntGen(0, 9), "{x}", choice_gen("ab"), ">"]),
        "email": email,
        "url": url_gen(multi),
        "domain": domain_gen(ctx),
        "ipv4": ipv4_gen(),
        "street": street,
        "city_gb": city,
        "phones": PerLocaleGen([p for p in phones if p is not None]),
        "numerify_gaps": NumerifyGen(
            ChoiceGen([(["!!-@@", "??%$#", "#"], [1.0, 2.0, 2.5])]), upper=True
        ),
    }


GENS = _gens()


@pytest.mark.parametrize("name", sorted(GENS))
def test_fill_equals_one_per_row_and_consumes_the_same(name: str) -> None:
    gen = GENS[name]
    assert gen.width is not None, f"{name} should be column-wise"
    a, b = random.Random(5), random.Random(5)
    per_row = [gen.one(a) for _ in range(3000)]
    column = gen.many(b, 3000)
    assert column == per_row
    assert [type(v) for v in column] == [type(v) for v in per_row]
    assert a.random() == b.random()


@pytest.mark.parametrize("name", sorted(GENS))
def test_columns_split_anywhere_give_the_same_rows(name: str) -> None:
    gen = GENS[name]
    whole = gen.many(random.Random(9), 1000)
    rng = random.Random(9)
    parts = gen.many(rng, 1) + gen.many(rng, 376) + gen.many(rng, 623)
    assert parts == whole


def test_uuids_are_version_4_and_equal_to_the_stdlib_ones() -> None:
    import uuid

    for u in FnGen(Uuids()).many(random.Random(1), 500):
        assert u == uuid.UUID(str(u))
        assert u.version == 4
        assert u.variant == uuid.RFC_4122
        assert hash(u) == hash(uuid.UUID(str(u)))


def test_decimal_column_has_exact_places() -> None:
    values = DecimalGen(IntGen(0, 10_000), 2).many(random.Random(2), 1000)
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -2 for v in values)


def _format_regex(formats: list[str]) -> re.Pattern[str]:
    def one(fmt: str) -> str:
        out = []
        for c in fmt:
            out.append(
                {"#": "[0-9]", "%": "[1-9]", "$": "[2-9]", "!": "[0-9]?", "@": "[1-9]?"}.get(
                    c, "[A-Za-z]" if c == "?" else re.escape(c)
                )
            )
        return "".join(out)

    return re.compile("|".join(f"(?:{one(f)})" for f in formats))


NUMERIFIED = [
    (locale, method)
    for locale in ("en_US", "en_GB", "de_DE", "ja_JP", "nl_NL", "pt_BR")
    for method in ("phone_number", "building_number")
] + [("de_DE", "postcode"), ("nl_NL", "postcode")]


@pytest.mark.parametrize(("locale", "method"), NUMERIFIED)
def test_numerified_values_follow_the_locales_own_formats(locale: str, method: str) -> None:
    fake = Faker(locale)
    gen = numerified(fake, method)
    assert gen is not None
    formats = gen.formats.tables[0][0]
    pattern = _format_regex(formats)
    values = gen.many(random.Random(4), 2000)
    upper = gen.upper
    assert all(pattern.fullmatch(v.lower() if upper else v) or pattern.fullmatch(v) for v in values)
    assert len(set(values)) > 100  # random, not constant


def test_numerified_refuses_what_it_cannot_reproduce() -> None:
    assert numerified(EN, "postcode") is None  # en_US draws a number range
    assert numerified(EN, "first_name") is None
    assert numerified(EN, "no_such_method") is None


def test_street_and_city_use_the_locales_vocabularies() -> None:
    street = fakerformats.template(EN, "street_address")
    assert street is not None
    provider = next(p for p in EN.get_providers() if hasattr(p, "street_suffixes"))
    suffixes = {s.lower() for s in provider.street_suffixes}
    for value in street.many(random.Random(8), 500):
        words = value.split()
        assert words[0].isdigit()
        assert any(w.lower() in suffixes for w in words[1:])


def test_inferred_us_postcodes_are_the_locales_range_column_wise() -> None:
    from seedrunner.generate.names import _postcode

    gen = _postcode(Context((EN,), NOW))
    assert gen is not None
    assert gen.width == 1
    values = gen.many(random.Random(6), 5000)
    assert all(len(v) == 5 and v.isdigit() and 501 <= int(v) <= 99950 for v in values)
    assert len(set(values)) > 4000
