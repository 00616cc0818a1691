"""CHECK constraints as databases give them back -> bounds and choices; generated columns;
MySQL integer widths. No server: bare ``Table`` objects and declarative classes."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seedrunner.models.checks import Bound, Choices, JsonValid, Length, parse_check
from seedrunner.models.sqlalchemy import table_shape


@pytest.mark.parametrize(
    ("sql", "facts"),
    [
        # SQLite keeps the text as written
        ("score >= 0", [Bound("score", ">=", 0)]),
        ("stars BETWEEN 1 AND 5", [Bound("stars", ">=", 1), Bound("stars", "<=", 5)]),
        ("kind IN ('staff', 'guest')", [Choices("kind", ("staff", "guest"))]),
        ("0 < price", [Bound("price", ">", 0)]),
        ("x IN ('it''s', 'b')", [Choices("x", ("it's", "b"))]),
        ("x = 'only'", [Choices("x", ("only",))]),
        ("x >= -2.5", [Bound("x", ">=", Decimal("-2.5"))]),
        # PostgreSQL adds casts and rewrites IN / BETWEEN
        ("score >= 0::numeric", [Bound("score", ">=", 0)]),
        ("score >= (0)::numeric", [Bound("score", ">=", 0)]),
        ("x >= '-5'::integer", [Bound("x", ">=", -5)]),
        ("stars >= 1 AND stars <= 5", [Bound("stars", ">=", 1), Bound("stars", "<=", 5)]),
        (
            "ratio > 0::double precision AND ratio <= 1.5::double precision",
            [Bound("ratio", ">", 0), Bound("ratio", "<=", Decimal("1.5"))],
        ),
        (
            "status::text = ANY (ARRAY['draft'::character varying, 'live'::character varying]"
            "::text[])",
            [Choices("status", ("draft", "live"))],
        ),
        (
            "((status)::text = ANY ((ARRAY['a'::character varying])::text[]))",
            [Choices("status", ("a",))],
        ),
        ("n = ANY (ARRAY[1, 2, 3])", [Choices("n", (1, 2, 3))]),
        ("char_length((name)::text) <= 20", [Length("name", "<=", 20)]),
        ('"Odd ""name""" >= 1', [Bound('Odd "name"', ">=", 1)]),
        # MariaDB: backticks, lowercase keywords
        ("`status` in ('draft','live')", [Choices("status", ("draft", "live"))]),
        (
            "`stars` between 1 and 5 and `x` < 3",
            [Bound("stars", ">=", 1), Bound("stars", "<=", 5), Bound("x", "<", 3)],
        ),
        ("json_valid(`meta`)", [JsonValid("meta")]),
        ("length(`code`) = 4", [Length("code", "=", 4)]),
        # conjuncts: the readable ones are kept
        ("(a > 0 OR b > 0) AND c >= 1", [Bound("c", ">=", 1)]),
        ("x IS NOT NULL AND y > 1", [Bound("y", ">", 1)]),
        ("((a >= 0) AND (b <= 10))", [Bound("a", ">=", 0), Bound("b", "<=", 10)]),
        ("lower(x) = 'a' AND y < 2", [Bound("y", "<", 2)]),
    ],
)
def test_parse_check_reads_simple_conjuncts(sql, facts):
    assert parse_check(sql) == facts


@pytest.mark.parametrize(
    "sql",
    [
        "a > 0 OR b > 0",  # a top-level OR: nothing is safe to take
        "x <> 3",
        "x NOT IN ('a')",
        "lower(x) = 'a'",
        "(x)::integer > 0",  # a cast column rounds: its bound would not be the column's
        "created_at::date >= '2020-01-01'::date",
        "x > y",
        "x >= 1 + 2",
        "weird $$ thing",
        "a > 0 AND",
        "((a > 0)",
        "x IN ()",
        "",
    ],
)
def test_parse_check_ignores_what_it_cannot_read(sql):
    assert parse_check(sql) == []


def test_parse_check_never_raises_on_any_prefix():
    texts = [
        "status::text = ANY (ARRAY['draft'::character varying, 'live'::character varying])",
        "((a >= (0)::numeric) AND (b BETWEEN '-1' AND 2)) AND json_valid(`m`)",
        "char_length((name)::text) <= 20 AND x IN ('a''b', 'c')",
    ]
    for text in texts:
        for end in range(len(text) + 1):
            parse_check(text[:end])  # no exception, whatever is cut off


def table(*items: sa.Column | sa.Constraint) -> sa.Table:
    return sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), *items)


def test_checks_narrow_numeric_bounds_keeping_the_stricter():
    shape = table_shape(
        table(
            sa.Column("qty", sa.SmallInteger, nullable=False),
            sa.Column("price", sa.Numeric(8, 2)),
            sa.CheckConstraint("qty >= 0 AND qty <= 99999"),
            sa.CheckConstraint("price > 0 AND price < 1000"),
            sa.CheckConstraint("qty > -5"),
        )
    )
    qty = shape.field("qty").type
    assert (qty.ge, qty.le, qty.gt) == (0, 32767, -5)
    price = shape.field("price").type
    assert (price.gt, price.lt, price.max_digits, price.decimal_places) == (0, 1000, 8, 2)


def test_in_checks_become_choices_that_respect_bounds_and_lengths():
    shape = table_shape(
        table(
            sa.Column("status", sa.String(5)),
            sa.Column("level", sa.Integer),
            sa.Column("rate", sa.Numeric(4, 1)),
            sa.Column("day", sa.Date),
            sa.CheckConstraint("status IN ('new', 'ok', 'toolong')"),
            sa.CheckConstraint("level IN (1, 2, 3) AND level >= 2"),
            sa.CheckConstraint("rate IN (0.5, 1.5)"),
            sa.CheckConstraint("day IN ('2020-01-01')"),  # not applied to a date
        )
    )
    status = shape.field("status").type
    assert (status.kind, status.choices) == ("enum", ("new", "ok"))
    level = shape.field("level").type
    assert (level.kind, level.choices) == ("enum", (2, 3))
    rate = shape.field("rate").type
    assert (rate.kind, rate.choices) == ("enum", (Decimal("0.5"), Decimal("1.5")))
    assert shape.field("day").type.kind == "date"


def test_in_check_on_an_enum_intersects_its_members():
    shape = table_shape(
        table(
            sa.Column("kind", sa.Enum("a", "b", "c", name="kind")),
            sa.CheckConstraint("kind::text = ANY (ARRAY['a'::text, 'c'::text])"),
        )
    )
    assert shape.field("kind").type.choices == ("a", "c")


def test_length_checks_and_case_folded_column_names():
    shape = table_shape(
        table(
            sa.Column("Code", sa.String(10)),
            sa.CheckConstraint("char_length(code) >= 3 AND length(code) < 8"),
        )
    )
    code = shape.field("Code").type
    assert (code.min_length, code.max_length) == (3, 7)


def test_unreadable_checks_change_nothing():
    shape = table_shape(
        table(
            sa.Column("a", sa.Integer),
            sa.CheckConstraint("a > 0 OR a IS NULL"),
            sa.CheckConstraint("nonsense((("),
            sa.CheckConstraint("missing_column > 3"),
        )
    )
    a = shape.field("a").type
    assert (a.ge, a.gt, a.le) == (-(2**31), None, 2**31 - 1)


class Base(DeclarativeBase):
    pass


class Sensor(Base):
    __tablename__ = "sensors"
    id: Mapped[int] = mapped_column(sa.Identity(always=True), primary_key=True)
    serial: Mapped[int] = mapped_column(sa.Identity(), unique=True)
    reading: Mapped[int] = mapped_column(sa.CheckConstraint("reading BETWEEN 0 AND 1023"))
    doubled: Mapped[int] = mapped_column(sa.Computed("reading * 2"))
    level: Mapped[int] = mapped_column()
    __table_args__ = (sa.CheckConstraint(sa.column("level") <= 9),)


def test_declarative_generated_columns_and_checks():
    shape = table_shape(Sensor.__table__, kind="sqlalchemy", model=Sensor)
    generated = {f.name: (f.generated, f.required, f.has_default) for f in shape.fields}
    assert generated == {
        "id": (True, False, True),
        "serial": (False, False, True),  # BY DEFAULT: a value may be given
        "reading": (False, True, False),
        "doubled": (True, False, True),
        "level": (False, True, False),
    }
    reading = shape.field("reading").type
    assert (reading.ge, reading.le) == (0, 1023)  # a column-level CheckConstraint
    assert shape.field("level").type.le == 9  # an expression, compiled with literals


def test_mysql_integer_widths_bool_year_and_set():
    shape = table_shape(
        table(
            sa.Column("flag", mysql.TINYINT(1)),
            sa.Column("tiny", mysql.TINYINT(unsigned=True)),
            sa.Column("signed_tiny", mysql.TINYINT()),
            sa.Column("medium", mysql.MEDIUMINT()),
            sa.Column("big", mysql.BIGINT(unsigned=True)),
            sa.Column("yr", mysql.YEAR()),
            sa.Column("tags", mysql.SET("a", "b")),
        )
    )
    kinds = {f.name: (f.type.kind, f.type.ge, f.type.le) for f in shape.fields}
    assert kinds["flag"] == ("bool", None, None)
    assert kinds["tiny"] == ("int", 0, 255)
    assert kinds["signed_tiny"] == ("int", -128, 127)
    assert kinds["medium"] == ("int", -(2**23), 2**23 - 1)
    assert kinds["big"] == ("int", 0, 2**64 - 1)
    assert kinds["yr"] == ("int", 1901, 2155)
    assert shape.field("tags").type.choices == ("a", "b")


def test_sqlite_style_nullable_primary_key_is_not_optional():
    t = sa.Table("k", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True, nullable=True))
    assert not table_shape(t).field("id").optional
