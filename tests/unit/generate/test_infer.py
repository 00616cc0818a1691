"""infer_column end to end: generated rows validate against rich pydantic models."""

from __future__ import annotations

import datetime as dt
import enum
import importlib.util
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import pytest
from faker import Faker
from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    HttpUrl,
    IPvAnyAddress,
    NaiveDatetime,
    StringConstraints,
    TypeAdapter,
)

from seedrunner.generate.columns import NullableColumn, SequenceColumn, UuidColumn
from seedrunner.generate.infer import ModelColumn, infer_column
from seedrunner.generate.streams import derive_seed
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape

NOW = dt.datetime(2026, 1, 1, 9, 30, tzinfo=dt.UTC)
EN = Faker("en_US")
DE = Faker("de_DE")
KW = {"seed": 5, "fakers": (EN,), "now": NOW}
HAS_EMAIL_VALIDATOR = importlib.util.find_spec("email_validator") is not None


class Tier(enum.Enum):
    FREE = "free"
    PRO = "pro"
    TEAM = "team"


class Address(BaseModel):
    street: Annotated[str, StringConstraints(min_length=3, max_length=40)]
    city: str
    zip: Annotated[str, StringConstraints(pattern=r"^\d{5}$")]
    lat: Annotated[float, Field(ge=-90, le=90)]


class Tag(BaseModel):
    label: Annotated[str, StringConstraints(min_length=1, max_length=8)]
    weight: Annotated[int, Field(ge=1, le=3)]


class User(BaseModel):
    id: int
    uid: uuid.UUID
    username: Annotated[str, StringConstraints(min_length=3, max_length=12)]
    first_name: Annotated[str, StringConstraints(max_length=5)]
    name: str
    email: Annotated[str, StringConstraints(pattern=r"^[a-z0-9.]+@example\.(com|org|net)$")]
    age: Annotated[int, Field(ge=21, le=30)]
    score: Annotated[int, Field(gt=-5, lt=5)]
    level: Annotated[int, Field(ge=0, le=100, multiple_of=5)]
    balance: Annotated[Decimal, Field(max_digits=5, decimal_places=2)]
    price: Annotated[Decimal, Field(gt=0, le=50, max_digits=6, decimal_places=2)]
    ratio: Annotated[float, Field(gt=0, lt=1)]
    temp: Annotated[float, Field(ge=-40.5, le=60)]
    total: Annotated[float, Field(gt=100, lt=100.5)]
    status: Literal["active", "banned", 3]
    tier: Tier
    nickname: str | None
    address: Address
    previous: Address | None
    tags: Annotated[list[str], Field(min_length=1, max_length=4)]
    codes: list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-\d{3}$")]]
    flags: set[int]
    pairs: tuple[int, ...]
    labels: list[Tag]
    created_at: AwareDatetime
    seen_at: NaiveDatetime
    birthday: dt.date
    active: bool
    sku: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}-\d{5}$")]
    bio: Annotated[str, StringConstraints(max_length=30)]
    website: HttpUrl
    ip: IPvAnyAddress
    handle: Annotated[str, StringConstraints(min_length=2, max_length=2)]
    password: Annotated[str, StringConstraints(min_length=8, max_length=10)]
    quantity: Annotated[int, Field(ge=1, le=3)]
    wake: dt.time
    span: dt.timedelta
    blob: bytes
    meta: dict[str, int]
    extra: dict[str, Any]
    anything: Any
    small: Annotated[int, Field(ge=-(2**15), le=2**15 - 1)]


def S(kind, **kw):
    return TypeShape(kind, **kw)


ADDRESS = ModelShape(
    "Address",
    "pydantic",
    [
        FieldShape("street", S("str", min_length=3, max_length=40)),
        FieldShape("city", S("str")),
        FieldShape("zip", S("str", pattern=r"^\d{5}$")),
        FieldShape("lat", S("float", ge=-90, le=90)),
    ],
    model=Address,
)
TAG = ModelShape(
    "Tag",
    "pydantic",
    [
        FieldShape("label", S("str", min_length=1, max_length=8)),
        FieldShape("weight", S("int", ge=1, le=3)),
    ],
    model=Tag,
)

USER_FIELDS = [
    FieldShape("id", S("int"), primary_key=True),
    FieldShape("uid", S("uuid")),
    FieldShape("username", S("str", min_length=3, max_length=12)),
    FieldShape("first_name", S("str", max_length=5)),
    FieldShape("name", S("str")),
    FieldShape("email", S("str")),
    FieldShape("age", S("int", ge=21, le=30)),
    FieldShape("score", S("int", gt=-5, lt=5)),
    FieldShape("level", S("int", ge=0, le=100, multiple_of=5)),
    FieldShape("balance", S("decimal", max_digits=5, decimal_places=2)),
    FieldShape("price", S("decimal", gt=0, le=50, max_digits=6, decimal_places=2)),
    FieldShape("ratio", S("float", gt=0, lt=1)),
    FieldShape("temp", S("float", ge=-40.5, le=60)),
    FieldShape("total", S("float", gt=100, lt=100.5)),
    FieldShape("status", S("literal", choices=("active", "banned", 3))),
    FieldShape("tier", S("enum", choices=tuple(Tier), enum_class=Tier)),
    FieldShape("nickname", S("str"), optional=True),
    FieldShape("address", S("model", nested=ADDRESS)),
    FieldShape("previous", S("model", nested=ADDRESS), optional=True),
    FieldShape("tags", S("list", item=S("str"), min_length=1, max_length=4)),
    FieldShape("codes", S("list", item=S("str", pattern=r"^[A-Z]{2}-\d{3}$"))),
    FieldShape("flags", S("set", item=S("int"))),
    FieldShape("pairs", S("tuple", item=S("int"))),
    FieldShape("labels", S("list", item=S("model", nested=TAG))),
    FieldShape("created_at", S("datetime", timezone=True)),
    FieldShape("seen_at", S("datetime")),
    FieldShape("birthday", S("date")),
    FieldShape("active", S("bool")),
    FieldShape("sku", S("str", pattern=r"^[A-Z]{3}-\d{5}$")),
    FieldShape("bio", S("str", max_length=30)),
    FieldShape("website", S("str", format="url")),
    FieldShape("ip", S("str", format="ipv4")),
    FieldShape("handle", S("str", min_length=2, max_length=2)),
    FieldShape("password", S("str", min_length=8, max_length=10)),
    FieldShape("quantity", S("int", ge=1, le=3)),
    FieldShape("wake", S("time")),
    FieldShape("span", S("timedelta")),
    FieldShape("blob", S("bytes")),
    FieldShape("meta", S("dict")),
    FieldShape("extra", S("json")),
    FieldShape("anything", S("any")),
    FieldShape("small", S("int", ge=-(2**15), le=2**15 - 1)),
]


def columns(fields, seed=99, fakers=(EN,), nulls=0.0):
    cols = {}
    for f in fields:
        col = infer_column(
            f, seed=derive_seed(seed, "users", f.name), fakers=fakers, now=NOW, dataset="users"
        )
        if f.optional and nulls:
            col = NullableColumn(derive_seed(seed, "users", f.name, "null"), col, nulls)
        cols[f.name] = col
    return cols


def rows(cols, start, n):
    data = {name: c.values(start, n) for name, c in cols.items()}
    return [dict(zip(data, vals, strict=True)) for vals in zip(*data.values(), strict=True)]


def test_user_shapes_cover_the_model():
    assert [f.name for f in USER_FIELDS] == list(User.model_fields)


@pytest.mark.parametrize(("fakers", "nulls"), [((EN,), 0.0), ((EN, DE), 0.3)], ids=["en", "en+de"])
def test_3000_rows_validate_against_the_model(fakers, nulls):
    cols = columns(USER_FIELDS, fakers=fakers, nulls=nulls)
    batch = rows(cols, 0, 1500) + rows(cols, 1500, 1500)
    users = TypeAdapter(list[User]).validate_python(batch)
    assert len(users) == 3000
    assert [u.id for u in users] == list(range(1, 3001))
    assert all(u.created_at <= NOW for u in users)
    assert len({u.uid for u in users}) == 3000
    assert {u.tier for u in users} == set(Tier)


@pytest.mark.skipif(not HAS_EMAIL_VALIDATOR, reason="email-validator is not installed")
def test_emails_validate_as_email_str():
    from pydantic import EmailStr

    fields = [FieldShape("email", S("str")), FieldShape("contact", S("str", format="email"))]
    cols = columns(fields)
    TypeAdapter(list[dict[str, EmailStr]]).validate_python(rows(cols, 0, 3000))


def test_primary_keys():
    assert isinstance(
        infer_column(FieldShape("id", S("int"), primary_key=True), **KW), SequenceColumn
    )
    ids = infer_column(FieldShape("id", S("int"), primary_key=True), **KW).values(5, 3)
    assert ids == [6, 7, 8]
    u = infer_column(FieldShape("key", S("uuid"), primary_key=True), **KW)
    assert isinstance(u, UuidColumn)
    assert all(isinstance(v, uuid.UUID) for v in u.values(0, 3))
    s = infer_column(FieldShape("key", S("str"), primary_key=True), **KW).values(0, 3)
    assert all(uuid.UUID(v) for v in s)
    short = infer_column(
        FieldShape("code", S("str", max_length=10, min_length=4), primary_key=True), **KW
    )
    assert short.values(0, 3) == ["0001", "0002", "0003"]
    # a primary key of another kind is generated like any other field
    d = infer_column(FieldShape("day", S("date"), primary_key=True), **KW).values(0, 3)
    assert all(isinstance(v, dt.date) for v in d)


def test_nested_model_uses_sub_seeds():
    field = FieldShape("address", S("model", nested=ADDRESS))
    col = infer_column(field, seed=5, fakers=(EN,), now=NOW)
    assert isinstance(col, ModelColumn)
    city = infer_column(ADDRESS.fields[1], seed=derive_seed(5, "city"), fakers=(EN,), now=NOW)
    assert [r["city"] for r in col.values(0, 20)] == city.values(0, 20)


def test_by_name_beats_type_and_type_is_the_fallback():
    email = infer_column(FieldShape("email", S("str")), **KW).values(0, 50)
    assert all("@" in v for v in email)
    first = infer_column(FieldShape("firstName", S("str")), **KW).values(0, 50)
    assert all(v.isalpha() for v in first)
    when = infer_column(FieldShape("created_at", S("datetime", timezone=True)), **KW)
    assert all(v <= NOW for v in when.values(0, 1000))
    plain = infer_column(FieldShape("status_code", S("int")), **KW).values(0, 50)
    assert all(0 <= v <= 10_000 for v in plain)


ALL_FIELDS = [*USER_FIELDS, FieldShape("contact", S("str", format="email"))]


@pytest.mark.parametrize("field", ALL_FIELDS, ids=[f.name for f in ALL_FIELDS])
def test_inferred_columns_keep_the_stream_contract(field):
    def make():
        return infer_column(field, seed=17, fakers=(EN, DE), now=NOW, dataset="users")

    whole = make().values(0, 4200)
    col = make()
    assert col.values(0, 37) + col.values(37, 63) == whole[:100]
    assert make().values(4000, 200) == whole[4000:4200]


@pytest.mark.parametrize("field", ALL_FIELDS, ids=[f.name for f in ALL_FIELDS])
def test_same_seed_same_values_other_seed_other_values(field):
    def make(seed):
        return infer_column(field, seed=seed, fakers=(EN,), now=NOW).values(0, 40)

    assert make(1) == make(1)
    if field.type.kind != "dict" and not field.primary_key:
        assert make(1) != make(2)


def test_values_do_not_depend_on_the_wall_clock_only_on_now():
    field = FieldShape("created_at", S("datetime", timezone=True))
    a = infer_column(field, **KW).values(0, 20)
    later = infer_column(field, seed=5, fakers=(EN,), now=NOW + dt.timedelta(days=1)).values(0, 20)
    assert a == infer_column(field, **KW).values(0, 20)
    assert all(y - x == dt.timedelta(days=1) for x, y in zip(a, later, strict=True))


def test_capacity_is_reported():
    assert infer_column(FieldShape("active", S("bool")), **KW).capacity == 2
    assert infer_column(FieldShape("tier", S("enum", choices=tuple(Tier))), **KW).capacity == 3
    assert infer_column(FieldShape("n", S("int", ge=1, le=10)), **KW).capacity == 10
    assert infer_column(FieldShape("name", S("str")), **KW).capacity is None
