"""Domains, regex CHECKs, database-specific types and generated columns' inputs -> shapes.
No server: bare ``Table`` objects with the types PostgreSQL/MariaDB reflection gives."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql as pg

from seedrunner.models.checks import Bound, Pattern, parse_check, python_regex
from seedrunner.models.dbtypes import NamedSqlType, UnknownSqlType
from seedrunner.models.generated import MODEST, GeneratedNote
from seedrunner.models.sqlalchemy import column_type_shape, table_shape


@pytest.mark.parametrize(
    ("sql", "facts"),
    [
        (
            "VALUE >= 1901 AND VALUE <= 2155",
            [Bound("VALUE", ">=", 1901), Bound("VALUE", "<=", 2155)],
        ),
        ("VALUE ~ '^[^@]+@[^@]+$'::text", [Pattern("VALUE", "^[^@]+@[^@]+$")]),
        ("(code ~* '^[a-z]{3}$'::text)", [Pattern("code", "(?i)^[a-z]{3}$")]),
        ("code ~ '^[[:upper:]][[:digit:]]+$'", [Pattern("code", "^[A-Z][0-9]+$")]),
        ("code !~ 'x'", []),  # a negated match says nothing we can generate
        ("code ~ 'a' OR code ~ 'b'", []),
        ("n > 0 AND code ~ '^x'", [Bound("n", ">", 0), Pattern("code", "^x")]),
    ],
)
def test_domain_and_regex_checks_are_read(sql, facts):
    assert parse_check(sql) == facts


def test_python_regex_spells_out_posix_classes():
    regex = python_regex("^[[:alpha:]][[:alnum:]_]*$")
    assert re.fullmatch(regex, "abc_9")
    assert not re.fullmatch(regex, "9abc")


def test_a_domain_is_its_base_type_with_its_checks():
    year = pg.DOMAIN("year", sa.Integer(), check="(VALUE >= 1901) AND (VALUE <= 2155)")
    t = column_type_shape(year)
    assert (t.kind, t.ge, t.le, t.sql_type) == ("int", 1901, 2155, "year")
    email = pg.DOMAIN("email", sa.Text(), check="VALUE ~ '^[^@]+@[^@]+$'::text")
    t = column_type_shape(email)
    assert (t.kind, t.pattern, t.sql_type) == ("str", "^[^@]+@[^@]+$", "email")
    code = pg.DOMAIN("code", sa.String(5))
    assert (column_type_shape(code).kind, column_type_shape(code).max_length) == ("str", 5)


@pytest.mark.parametrize(
    ("type_", "kind", "item"),
    [
        (pg.INT4RANGE(), "range", "int"),
        (pg.DATERANGE(), "range", "date"),
        (pg.TSTZRANGE(), "range", "datetime"),
        (pg.NUMRANGE(), "range", "decimal"),
        (pg.INET(), "inet", None),
        (pg.CIDR(), "cidr", None),
        (pg.MACADDR(), "macaddr", None),
        (pg.INTERVAL(), "timedelta", None),
        (pg.MONEY(), "decimal", None),
        (pg.TSVECTOR(), "tsvector", None),
        (NamedSqlType("xml"), "xml", None),
        (pg.ARRAY(pg.INET()), "list", "inet"),
    ],
)
def test_database_types_have_kinds_of_their_own(type_, kind, item):
    t = column_type_shape(type_)
    assert t.kind == kind
    assert (t.item.kind if t.item is not None else None) == item


def test_bits_sets_and_unknown_types():
    fixed, varying = column_type_shape(pg.BIT(4)), column_type_shape(pg.BIT(8, varying=True))
    assert (fixed.kind, fixed.min_length, fixed.max_length) == ("bits", 4, 4)
    assert (varying.kind, varying.min_length, varying.max_length) == ("bits", 1, 8)
    flags = column_type_shape(mysql.SET("a", "b", "c"))
    assert (flags.kind, flags.choices) == ("flags", ("a", "b", "c"))
    point = column_type_shape(UnknownSqlType("point"))
    assert (point.kind, point.sql_type) == ("any", "point")


def _orders(expression: str) -> sa.Table:
    return sa.Table(
        "orders",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("quantity", sa.SmallInteger, nullable=False),
        sa.Column("price", sa.SmallInteger, nullable=False),
        sa.Column("label", sa.String(20)),
        sa.Column("total", sa.SmallInteger, sa.Computed(sa.text(expression), persisted=True)),
    )


@pytest.mark.parametrize(
    ("expression", "quantity", "price"),
    [
        ("(quantity * 100)", (0, 327), None),
        ("100 * quantity", (0, 327), None),
        ("quantity::integer * 100", (0, 327), None),
        ("(quantity + 30000)", (0, 2767), None),
        ("(quantity - 100)", (0, 32767), None),
        ("quantity * price", (0, 181), (0, 181)),
        ("`quantity` + `price`", (0, 16383), (0, 16383)),
    ],
)
def test_inputs_of_a_generated_column_fit_its_type(expression, quantity, price):
    notes: list[GeneratedNote] = []
    shape = table_shape(_orders(expression), notes=notes)
    assert notes == []
    q = shape.field("quantity").type
    assert (q.ge, q.le) == quantity
    if price is not None:
        p = shape.field("price").type
        assert (p.ge, p.le) == price


def test_an_expression_that_cannot_be_read_keeps_inputs_modest_with_a_warning():
    notes: list[GeneratedNote] = []
    shape = table_shape(_orders("abs(quantity) * price % 7"), notes=notes)
    for name in ("quantity", "price"):
        t = shape.field(name).type
        assert (t.ge, t.le) == (0, MODEST)
    assert len(notes) == 1
    assert not notes[0].problem
    assert "generated column 'orders.total'" in notes[0].message
    assert "quantity, price" in notes[0].message or "price, quantity" in notes[0].message


def test_a_generated_column_that_no_input_can_fit_is_a_problem():
    table = _orders("(quantity + 100000)")  # a smallint plus 100000 never fits a smallint
    notes: list[GeneratedNote] = []
    table_shape(table, notes=notes)
    assert [n.problem for n in notes] == [True]
    assert "no value of quantity" in notes[0].message


def test_text_inputs_are_left_alone():
    notes: list[GeneratedNote] = []
    table = sa.Table(
        "t",
        sa.MetaData(),
        sa.Column("label", sa.String(20)),
        sa.Column("n", sa.Integer, sa.Computed(sa.text("length(label)"))),
    )
    shape = table_shape(table, notes=notes)
    assert notes == []
    assert shape.field("label").type.max_length == 20


def test_range_partition_bounds_are_read_as_values():
    import datetime as dt

    from seedrunner.models.pgcatalog import _bound

    assert _bound("'2022-01-01'") == dt.date(2022, 1, 1)
    assert _bound("'2022-01-01 00:00:00+00'") == dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    assert _bound("MINVALUE") is None
    assert _bound("42") == 42
    with pytest.raises(ValueError, match="now"):
        _bound("now()")


def test_a_domain_base_type_gets_its_length_and_precision_back():
    from seedrunner.models.pgcatalog import _with_modifiers

    assert _with_modifiers(pg.VARCHAR(), "character varying(5)").length == 5
    numeric = _with_modifiers(pg.NUMERIC(), "numeric(6,2)")
    assert (numeric.precision, numeric.scale) == (6, 2)
    bits = _with_modifiers(pg.BIT(), "bit(4)")
    assert (type(bits), bits.length) == (pg.BIT, 4)
    assert _with_modifiers(pg.INTEGER(), "integer").__class__ is pg.INTEGER
    assert column_type_shape(pg.DOMAIN("flags", bits)).max_length == 4


def test_decimal_inputs_of_a_generated_total_fit_its_digits():
    table = sa.Table(
        "line",
        sa.MetaData(),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_price", sa.Numeric(6, 2), nullable=False),
        sa.Column("total", sa.Numeric(8, 2), sa.Computed("quantity * unit_price", persisted=True)),
    )
    shape = table_shape(table)
    q, p = shape.field("quantity").type, shape.field("unit_price").type
    assert (q.ge, q.le) == (0, 999)
    assert (p.ge, p.le) == (0, 999)
    assert q.le * p.le <= 999_999
