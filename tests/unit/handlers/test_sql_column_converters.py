"""Column converters write exactly what SQLAlchemy's own bind processors write."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from seedrunner.handlers.sqlwrite import column_converter

UTC = dt.UTC
NAIVE = [
    dt.datetime(2023, 1, 2, 3, 4, 5),
    dt.datetime(1, 1, 1),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
]
DATES = [dt.date(2000, 2, 29), dt.date(1, 1, 1), dt.date(9999, 12, 31)]
CASES = {
    "naive datetimes": (sa.DateTime(), NAIVE),
    "aware datetimes": (sa.DateTime(timezone=True), [v.replace(tzinfo=UTC) for v in NAIVE]),
    "mixed naive and aware": (sa.DateTime(), [NAIVE[0], NAIVE[1].replace(tzinfo=UTC)]),
    "dates in a datetime column": (sa.DateTime(), DATES),
    "dates": (sa.Date(), DATES),
    "datetimes in a date column": (sa.Date(), NAIVE),
    "with nulls": (sa.DateTime(), [NAIVE[0], None]),
    "custom storage format": (
        sqlite.DATETIME(storage_format="%(year)04d/%(month)02d/%(day)02d"),
        NAIVE,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sqlite_converters_match_sqlalchemy(case: str) -> None:
    type_, values = CASES[case]
    dialect = sqlite.dialect()
    impl = type_.dialect_impl(dialect)
    expected = list(map(impl.bind_processor(dialect), values))
    convert = column_converter(impl, dialect)
    assert convert is not None
    assert convert(list(values)) == expected


def test_a_value_of_the_wrong_type_still_raises() -> None:
    dialect = sqlite.dialect()
    convert = column_converter(sa.DateTime().dialect_impl(dialect), dialect)
    assert convert is not None
    with pytest.raises(TypeError):
        convert([NAIVE[0], "2023-01-01"])


def test_other_dialects_use_the_processor_as_is() -> None:
    dialect = postgresql.dialect()
    impl = sa.Numeric(10, 2).dialect_impl(dialect)
    proc = impl.bind_processor(dialect)
    convert = column_converter(impl, dialect)
    assert (convert is None) == (proc is None)


def test_sqlite_round_trip_reads_back_the_same_datetimes(tmp_path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    meta = sa.MetaData()
    t = sa.Table("t", meta, sa.Column("a", sa.DateTime()), sa.Column("b", sa.Date()))
    meta.create_all(engine)
    dialect = engine.dialect
    a = column_converter(t.c.a.type.dialect_impl(dialect), dialect)
    b = column_converter(t.c.b.type.dialect_impl(dialect), dialect)
    assert a is not None
    assert b is not None
    rows = list(zip(a(NAIVE), b(DATES), strict=True))
    with sqlite3.connect(tmp_path / "c.db") as raw:
        raw.executemany("INSERT INTO t (a, b) VALUES (?, ?)", rows)
    with engine.connect() as conn:
        got = conn.execute(sa.select(t.c.a, t.c.b)).all()
    assert [tuple(r) for r in got] == list(zip(NAIVE, DATES, strict=True))


UUIDS = [uuid.UUID(int=i * 0x9E3779B97F4A7C15) for i in range(5)]
PLAIN = {
    "uuids": (sa.Uuid(), UUIDS),
    "uuid text in a uuid column": (sa.Uuid(), [str(u) for u in UUIDS]),
    "decimals": (sa.Numeric(12, 4), [Decimal("1.2345"), Decimal("-0.0001"), Decimal("1E+5")]),
    "decimals and ints": (sa.Numeric(12, 4), [Decimal("1.5"), 3]),
    "floats in a numeric column": (sa.Numeric(12, 4), [1.5, 2.25]),
    "bools": (sa.Boolean(), [True, False, True]),
    "bools and none": (sa.Boolean(), [True, None]),
}


@pytest.mark.parametrize("dialect", [sqlite.dialect(), mysql.dialect()], ids=["sqlite", "mysql"])
@pytest.mark.parametrize("case", sorted(PLAIN))
def test_plain_conversions_match_sqlalchemy(dialect, case: str) -> None:
    type_, values = PLAIN[case]
    impl = type_.dialect_impl(dialect)
    proc = impl.bind_processor(dialect)
    convert = column_converter(impl, dialect)
    assert (convert is None) == (proc is None)
    if convert is not None:
        try:
            expected = list(map(proc, values))
        except Exception as e:  # SQLAlchemy refuses the column: so must the converter
            with pytest.raises(type(e)):
                convert(list(values))
            return
        got = convert(list(values))
        assert got == expected
        assert [type(v) for v in got] == [type(v) for v in expected]


def test_a_bool_column_refuses_what_sqlalchemy_refuses() -> None:
    dialect = sqlite.dialect()
    convert = column_converter(sa.Boolean().dialect_impl(dialect), dialect)
    assert convert is not None
    with pytest.raises(TypeError):
        convert([True, "yes"])
