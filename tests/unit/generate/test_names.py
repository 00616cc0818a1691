"""The by-name table: matching rules and plausible values for every builder."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from decimal import Decimal

import pytest
from faker import Faker

from seedrunner.generate import dates
from seedrunner.generate.infer import field_gen
from seedrunner.generate.names import BUILDERS, RULES, match_rule, name_gen, normalize
from seedrunner.generate.typed import Context, GenColumn
from seedrunner.models.shape import FieldShape, TypeShape

NOW = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
EN = Faker("en_US")
DE = Faker("de_DE")
JA = Faker("ja_JP")


def ctx(*fakers):
    return Context(tuple(fakers or (EN,)), NOW, (0, 3), "ds.f", field_gen)


def col(name, kind="str", seed=11, fakers=(), **constraints):
    field = FieldShape(name, TypeShape(kind, **constraints))
    gen = name_gen(field, ctx(*fakers))
    assert gen is not None, f"no by-name generator for {name}: {kind}"
    return GenColumn(seed, gen)


def assert_stream_contract(make):
    whole = make().values(0, 4200)
    c = make()
    assert c.values(0, 37) + c.values(37, 63) == whole[:100]
    assert make().values(4000, 200) == whole[4000:4200]


#: one field per builder, of a kind the builder accepts
SAMPLES = {
    "email": ("email", "str"),
    "first_name": ("first_name", "str"),
    "last_name": ("last_name", "str"),
    "full_name": ("full_name", "str"),
    "username": ("username", "str"),
    "phone": ("phone_number", "str"),
    "city": ("city", "str"),
    "country": ("country", "str"),
    "country_code": ("country_code", "str"),
    "state": ("state", "str"),
    "street": ("street_address", "str"),
    "address": ("address", "str"),
    "postcode": ("zip", "str"),
    "company": ("company", "str"),
    "job": ("job_title", "str"),
    "title": ("title", "str"),
    "text": ("description", "str"),
    "url": ("website", "str"),
    "domain": ("domain", "str"),
    "ip": ("ip_address", "str"),
    "slug": ("slug", "str"),
    "color": ("color", "str"),
    "currency": ("currency", "str"),
    "iban": ("iban", "str"),
    "isbn": ("isbn", "str"),
    "sku": ("sku", "str"),
    "password": ("password", "str"),
    "uuid": ("guid", "str"),
    "latitude": ("lat", "float"),
    "longitude": ("lng", "decimal"),
    "age": ("age", "int"),
    "quantity": ("qty", "int"),
    "price": ("price", "decimal"),
    "birth_date": ("dob", "date"),
    "recent": ("created_at", "datetime"),
}


def test_every_builder_has_a_sample_and_a_rule():
    assert set(SAMPLES) == set(BUILDERS)
    assert {r.builder for r in RULES} == set(BUILDERS)


@pytest.mark.parametrize("builder", sorted(SAMPLES))
def test_sample_matches_its_builder(builder):
    name, kind = SAMPLES[builder]
    rule = match_rule(name, kind)
    assert rule is not None
    assert rule.builder == builder


@pytest.mark.parametrize("builder", sorted(SAMPLES))
@pytest.mark.parametrize("fakers", [(EN,), (EN, DE)], ids=["en", "en+de"])
def test_every_builder_keeps_the_stream_contract(builder, fakers):
    name, kind = SAMPLES[builder]
    assert_stream_contract(lambda: col(name, kind, fakers=fakers))


@pytest.mark.parametrize("builder", sorted(SAMPLES))
def test_every_builder_is_seeded(builder):
    name, kind = SAMPLES[builder]
    a = col(name, kind, seed=1).values(0, 30)
    assert a == col(name, kind, seed=1).values(0, 30)
    assert a != col(name, kind, seed=2).values(0, 30)


def test_normalize_and_matching():
    assert normalize("firstName") == "first_name"
    assert normalize("First-Name") == "first_name"
    assert normalize("EMAIL") == "email"
    assert match_rule("userEmail", "str").builder == "email"
    assert match_rule("billing_email_address", "str").builder == "email"
    assert match_rule("server_ip_address", "str").builder == "ip"
    assert match_rule("home_address", "str").builder == "address"
    assert match_rule("company_name", "str").builder == "company"
    assert match_rule("user_name", "str").builder == "username"
    assert match_rule("pet_name", "str").builder == "full_name"
    assert match_rule("deleted_at", "datetime").builder == "recent"
    assert match_rule("shipped_on", "date").builder == "recent"
    assert match_rule("email", "any").builder == "email"


def test_kind_must_fit_the_name():
    assert match_rule("age", "str") is None
    assert match_rule("created_at", "int") is None
    assert match_rule("email", "int") is None
    assert match_rule("latitude", "int") is None
    assert match_rule("status", "str") is None


def test_pattern_and_format_leave_the_name_to_the_type():
    assert name_gen(FieldShape("email", TypeShape("str", pattern="^x+$")), ctx()) is None
    assert name_gen(FieldShape("zip", TypeShape("str", format="uuid")), ctx()) is None


def test_emails_are_plausible_and_mostly_unique():
    values = col("email").values(0, 3000)
    pattern = re.compile(r"^[a-z0-9]+\.[a-z0-9]+\d*@example\.(com|org|net)$")
    assert all(pattern.match(v) for v in values), [v for v in values if not pattern.match(v)][:3]
    assert len(set(values)) > 2990


def test_emails_honour_max_length_and_non_latin_locales():
    for v in col("email", max_length=20).values(0, 500):
        assert len(v) <= 20
        assert re.match(r"^[a-z0-9][a-z0-9.]*@example\.(com|org|net)$", v), v
    for v in col("email", fakers=(JA,)).values(0, 200):
        local, _, domain = v.partition("@")
        assert local.isascii()
        assert local
        assert domain.startswith("example.")


def test_email_too_short_for_any_address_falls_back_to_type():
    assert name_gen(FieldShape("email", TypeShape("str", max_length=10)), ctx()) is None


def test_person_names():
    assert all(v.isalpha() for v in col("first_name").values(0, 1000))
    assert all(
        v.replace("'", "").replace("-", "").isalpha() for v in col("last_name").values(0, 1000)
    )
    assert all(len(v.split(" ")) >= 2 for v in col("name").values(0, 100))
    assert all(re.match(r"^[a-z0-9]+$", v) for v in col("username").values(0, 500))


def test_max_length_truncates_and_min_length_pads():
    assert all(len(v) <= 5 for v in col("full_name", max_length=5).values(0, 300))
    assert all(len(v) >= 30 for v in col("city", min_length=30).values(0, 100))
    texts = col("description", min_length=200, max_length=300).values(0, 200)
    assert all(200 <= len(t) <= 300 for t in texts)
    assert all(len(t) <= 20 for t in col("bio", max_length=20).values(0, 200))


def test_addresses_are_single_line():
    assert all("\n" not in v for v in col("address").values(0, 300))


def test_web_and_codes():
    assert all(v.startswith("https://www.") for v in col("url").values(0, 100))
    for v in col("ip").values(0, 300):
        assert isinstance(ipaddress.ip_address(v), ipaddress.IPv4Address)
    assert all(re.match(r"^[a-z0-9]+(-[a-z0-9]+)+$", v) for v in col("slug").values(0, 300))
    assert all(re.match(r"^[A-Z]{3}-\d{5}$", v) for v in col("sku").values(0, 300))
    assert all(re.match(r"^[A-Z]{3}$", v) for v in col("currency").values(0, 300))
    assert all(re.match(r"^[A-Z]{2}$", v) for v in col("country_code").values(0, 300))
    for v in col("uuid").values(0, 20):
        uuid.UUID(v)
    assert all(len(v) == 12 for v in col("external_id", max_length=12).values(0, 20))
    passwords = col("password").values(0, 300)
    assert all(12 <= len(v) <= 16 for v in passwords)
    assert all(8 <= len(v) <= 9 for v in col("password", min_length=8, max_length=9).values(0, 99))


def test_numbers_by_name():
    assert set(col("age", "int").values(0, 3000)) == set(range(18, 91))
    assert set(col("quantity", "int").values(0, 1000)) == set(range(1, 11))
    assert set(col("age", "int", ge=21, le=25).values(0, 500)) == set(range(21, 26))
    # bounds that exclude the preferred window win over it
    assert all(v >= 200 for v in col("age", "int", ge=200, le=300).values(0, 200))
    prices = col("price", "decimal", max_digits=6, decimal_places=2).values(0, 2000)
    assert all(Decimal(1) <= p <= Decimal(1000) and p.as_tuple().exponent == -2 for p in prices)
    floats = col("total", "float").values(0, 500)
    assert all(v > 0 and round(v, 2) == v for v in floats)
    assert all(-90 <= v <= 90 for v in col("latitude", "float").values(0, 1000))
    assert all(-180 <= v <= 180 for v in col("lon", "float").values(0, 1000))


def test_dates_by_name():
    today = NOW.date()
    created = col("created_at", "datetime", timezone=True).values(0, 3000)
    assert all(v <= NOW and v.tzinfo is not None for v in created)
    assert all(NOW - v < dt.timedelta(days=3 * 366) for v in created)
    naive = col("updated_at", "datetime").values(0, 100)
    assert all(v.tzinfo is None and v <= NOW.replace(tzinfo=None) for v in naive)
    assert all(v <= today for v in col("shipped_on", "date").values(0, 500))
    births = col("birth_date", "date").values(0, 3000)
    assert {dates.age_on(b, today) for b in births} <= set(range(18, 91))
    dob_dt = col("dob", "datetime").values(0, 300)
    assert all(18 <= dates.age_on(b.date(), today) <= 90 for b in dob_dt)


def test_vocab_builders_report_capacity():
    assert col("first_name").capacity > 100
    assert col("color").capacity > 10
    assert col("age", "int").capacity == 73
    assert col("email").capacity is None


def test_several_locales_mix():
    values = set(col("first_name", fakers=(EN, DE)).values(0, 3000))
    en = set(col("first_name", fakers=(EN,)).values(0, 3000))
    de = set(col("first_name", fakers=(DE,)).values(0, 3000))
    assert values & (en - de)
    assert values & (de - en)


@pytest.mark.parametrize("locale", ["en_US", "en_GB", "fr_FR", "ja_JP", "es_ES"])
@pytest.mark.parametrize("name", ["city", "street", "address", "company"])
def test_formatted_providers_give_single_line_text_in_every_locale(locale, name):
    faker = Faker(locale)
    values = col(name, fakers=(faker,)).values(0, 300)
    assert all(isinstance(v, str) and v.strip() for v in values)
    assert all("\n" not in v and "{{" not in v for v in values)
    assert len(set(values)) > 30
    assert_stream_contract(lambda: col(name, fakers=(faker, EN)))


def test_shared_faker_interleaved_between_columns_stays_deterministic():
    shared = Faker("en_US")
    alone = col("phone", fakers=(shared,)).values(0, 200)
    a, b = col("phone", fakers=(shared,)), col("company", seed=3, fakers=(shared,))
    mixed = []
    for start in range(0, 200, 20):
        mixed += a.values(start, 20)
        b.values(start, 20)
    assert mixed == alone
