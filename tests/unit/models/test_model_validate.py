"""RowValidator: bulk validation for every model kind, good rows pass and bad rows are named."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seedrunner.models import RowValidator, import_object, schemaless_shape, shape_of
from seedrunner.models.validate import RowProblem

FIXTURES = (Path(__file__).parents[2] / "fixtures" / "models").resolve()
UTC = dt.UTC


def validator(name) -> RowValidator:
    obj = import_object(f"app_models:{name}", base_dir=FIXTURES, python_path=[FIXTURES])
    return RowValidator(shape_of(obj, name))


def user_row(**kw):
    row = {
        "id": 1,
        "email": "ada@example.test",
        "first_name": "Ada",
        "address": {"street": "Main St", "city": "Oslo", "zip": "01234"},
        "signed_up": dt.datetime(2024, 5, 1, 12, tzinfo=UTC),
        "status": "active",
        "role": "admin",
        "balance": Decimal("10.50"),
        "tags": ["a", "b"],
        "display_name": "ada",  # attribute name, not the alias
    }
    row.update(kw)
    return row


# --- pydantic / dataclass / TypedDict --------------------------------------------------


def test_pydantic_good_rows_pass():
    assert validator("User").validate([user_row(), user_row(id=2, nickname=None, age=30)]) == []


def test_pydantic_bad_rows_are_located():
    rows = [
        user_row(),
        user_row(id=0),
        user_row(address={"street": "Main St", "city": "Oslo", "zip": "12"}),
        user_row(role="owner", balance=Decimal("1.234")),
    ]
    problems = validator("User").validate(rows)
    by_place = {(p.row, p.field): p.message for p in problems}
    assert set(by_place) == {(1, "id"), (2, "address.zip"), (3, "role"), (3, "balance")}
    assert "greater than or equal to 1" in by_place[(1, "id")]
    assert "pattern" in by_place[(2, "address.zip")]
    assert all(isinstance(p, RowProblem) for p in problems)


def test_pydantic_problems_do_not_echo_values():
    problems = validator("User").validate([user_row(email="x" * 300)])
    assert problems
    assert all("xxxx" not in p.message for p in problems)


def test_pydantic_missing_field_and_extra_field():
    row = user_row(unknown=1)
    del row["first_name"]
    problems = validator("User").validate([row])
    assert {(p.row, p.field) for p in problems} == {(0, "first_name"), (0, "unknown")}


def test_pydantic_alias_accepted_too():
    row = user_row()
    row["displayName"] = row.pop("display_name")
    assert validator("User").validate([row]) == []


def test_dataclass_rows():
    v = validator("Product")
    good = {"sku": "A1", "price": Decimal("9.99"), "tags": ["x"], "category": 2}
    bad = {"sku": "A2", "price": "not a price", "qty": "many"}
    problems = v.validate([good, bad, {"price": 1}])
    assert {(p.row, p.field) for p in problems} == {(1, "price"), (1, "qty"), (2, "sku")}


def test_typeddict_rows():
    v = validator("Event")
    good = {"id": uuid.uuid4(), "kind": "click", "at": dt.datetime(2024, 1, 1)}
    good_full = {
        **good,
        "meta": {"a": "b"},
        "where": {"street": "abc", "city": "c", "zip": "11111"},
    }
    bad = {"id": "nope", "kind": "scroll", "at": dt.datetime(2024, 1, 1)}
    problems = v.validate([good, good_full, bad, {"kind": "view", "at": dt.datetime(2024, 1, 1)}])
    assert {(p.row, p.field) for p in problems} == {(2, "id"), (2, "kind"), (3, "id")}


def test_typing_typeddict_is_validated_on_python_311():
    v = validator("LegacyEvent")
    assert v.validate([{"id": 1}, {"id": 2, "label": "x"}]) == []
    assert [(p.row, p.field) for p in v.validate([{"label": "x"}, {"id": "a"}])] == [
        (0, "id"),
        (1, "id"),
    ]


def test_schemaless_accepts_anything():
    v = RowValidator(schemaless_shape("blobs", ["a"]))
    assert v.validate([{"a": object()}, {}, {"b": 1}]) == []


# --- SQLAlchemy -----------------------------------------------------------------------


def customer_row(**kw):
    row = {
        "email": "ada@example.test",
        "name": "Ada",
        "tier": "FREE",
        "nickname": None,
        "age": 36,
    }
    row.update(kw)
    return row


def order_row(**kw):
    row = {
        "customer_id": 1,
        "number": 1,
        "total": Decimal("12345678.90"),
        "status": "paid",
        "ship_by": dt.date(2024, 2, 1),
        "window": dt.timedelta(days=2),
        "payload": {"k": [1, 2]},
        "receipt": b"\x00\x01",
        "weight": 1.5,
        "paid": True,
    }
    row.update(kw)
    return row


def test_sqlalchemy_good_rows_pass_and_insert(tmp_path):
    customers = [
        customer_row(),
        customer_row(
            email="b@example.test",
            tier=validator_tier().PRO,
            public_id=uuid.uuid4(),
            created_at=dt.datetime(2024, 1, 1, tzinfo=UTC),
        ),
    ]
    orders = [order_row(), order_row(number=2, total=5, weight=2, status="new")]
    assert validator("Customer").validate(customers) == []
    assert validator("Order").validate(orders) == []
    # What passes also goes into a real database.
    models = import_object("app_models:Base", base_dir=FIXTURES, python_path=[FIXTURES])
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    models.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(models.metadata.tables["customers"]), customers)
        conn.execute(sa.insert(models.metadata.tables["orders"]), orders)
        assert conn.execute(sa.text("select count(*) from orders")).scalar() == 2
    engine.dispose()


def validator_tier():
    return import_object("app_models:Tier", base_dir=FIXTURES, python_path=[FIXTURES])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": None}, "email", "must not be null"),
        ({"email": "x" * 121}, "email", "longer than 120"),
        ({"name": 42}, "name", "expected str, got int"),
        ({"tier": "GOLD"}, "tier", "not one of: FREE, PRO"),
        ({"age": 40000}, "age", "above maximum 32767"),
        ({"age": True}, "age", "expected int, got bool"),
        ({"public_id": str(uuid.uuid4())}, "public_id", "expected uuid, got str"),
        (
            {"created_at": dt.datetime(2024, 1, 1)},
            "created_at",
            "naive datetime for a timezone-aware column",
        ),
        ({"visits": 2**63}, "visits", "above maximum 9223372036854775807"),
    ],
)
def test_sqlalchemy_customer_problems(changes, field, message):
    problems = validator("Customer").validate([customer_row(), customer_row(**changes)])
    assert problems == [RowProblem(row=1, field=field, message=message)]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"total": Decimal("1.234")}, "total", "more than 2 decimal places"),
        ({"total": Decimal("123456789.00")}, "total", "more than 8 digits before the point"),
        ({"total": 1.005}, "total", "more than 2 decimal places"),
        ({"total": Decimal("NaN")}, "total", "not a finite number"),
        ({"status": "lost"}, "status", "not one of: new, paid, shipped"),
        ({"ship_by": dt.datetime(2024, 1, 1)}, "ship_by", "expected date, got datetime"),
        ({"window": 5}, "window", "expected timedelta, got int"),
        ({"receipt": "text"}, "receipt", "expected bytes, got str"),
        ({"weight": "heavy"}, "weight", "expected float, got str"),
        ({"paid": 1}, "paid", "expected bool, got int"),
        ({"customer_id": None}, "customer_id", "must not be null"),
    ],
)
def test_sqlalchemy_order_problems(changes, field, message):
    problems = validator("Order").validate([order_row(**changes)])
    assert problems == [RowProblem(row=0, field=field, message=message)]


def test_sqlalchemy_absent_keys():
    v = validator("Order")
    row = order_row()
    for key in ("status", "paid", "ship_by", "weight"):  # defaults and nullable columns
        del row[key]
    assert v.validate([row]) == []  # the autoincrement id is absent too
    del row["number"]
    assert v.validate([row]) == [RowProblem(0, "number", "required column missing")]


def test_sqlalchemy_primary_key_without_autoincrement_must_be_given():
    v = validator("Ticket")
    assert v.validate([{"code": 7, "reference": "T-7"}]) == []
    assert v.validate([{"reference": "T-8"}]) == [RowProblem(0, "code", "required column missing")]
    assert v.validate([{"code": None, "reference": "T-8"}]) == [
        RowProblem(0, "code", "must not be null")
    ]


def test_sqlalchemy_uuid_as_string_column():
    class Base(DeclarativeBase):
        pass

    class Token(Base):
        __tablename__ = "tokens"
        id: Mapped[str] = mapped_column(sa.Uuid(as_uuid=False), primary_key=True)

    v = RowValidator(shape_of(Token, "x:Token"))
    assert v.validate([{"id": str(uuid.uuid4())}]) == []
    assert v.validate([{"id": uuid.uuid4()}]) == [RowProblem(0, "id", "expected str, got UUID")]


def test_validator_handles_a_large_batch_in_one_call():
    rows = [user_row(id=i + 1) for i in range(2000)]
    rows[1500]["id"] = -5
    problems = validator("User").validate(rows)
    assert [(p.row, p.field) for p in problems] == [(1500, "id")]
