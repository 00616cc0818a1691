"""COPY text built column-wise stores exactly what psycopg's write_row stores, on a real server."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa

from seedrunner.handlers import sqlcopy
from seedrunner.handlers.copytext import copy_text

TRICKY = [
    "plain",
    "",
    "tab\there",
    "new\nline",
    "back\\slash",
    "cr\rx",
    "\\N",
    "üñíçødé ✓",
    "a\\tb",
]
N = len(TRICKY)


def _table(meta: sa.MetaData, name: str) -> sa.Table:
    return sa.Table(
        name,
        meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("flag", sa.Boolean, nullable=True),
        sa.Column("ratio", sa.Float, nullable=True),
        sa.Column("amount", sa.Numeric(20, 6), nullable=True),
        sa.Column("uid", sa.Uuid, nullable=True),
        sa.Column("day", sa.Date, nullable=True),
        sa.Column("at", sa.DateTime, nullable=True),
        sa.Column("at_tz", sa.DateTime(timezone=True), nullable=True),
        sa.Column("big", sa.BigInteger, nullable=True),
    )


COLUMNS = {
    "id": list(range(N)),
    "text": TRICKY,
    "flag": [i % 3 == 0 if i % 4 else None for i in range(N)],
    "ratio": [0.1, 1e-5, -2.5e300, 3.0, None, 0.0, -0.0, 1 / 3, 123456789.125],
    "amount": [Decimal("1.5"), Decimal("1E+2"), Decimal("-0.000001"), None]
    + [Decimal(i) for i in range(N - 4)],
    "uid": [uuid.UUID(int=i * 7919) for i in range(N - 1)] + [None],
    "day": [dt.date(1, 1, 1), dt.date(2024, 2, 29), dt.date(9999, 12, 31)]
    + [dt.date(2000, 1, i + 1) for i in range(N - 3)],
    "at": [dt.datetime(2024, 1, 1, 12, 30, 5, i * 1000) for i in range(N)],
    "at_tz": [
        dt.datetime(2024, 6, 1, 8, tzinfo=dt.UTC) + dt.timedelta(minutes=i) for i in range(N)
    ],
    "big": [2**62, -(2**62), 0, *list(range(N - 3))],
}


@pytest.fixture
def pg(make_database):
    return make_database("postgresql")


def test_copy_text_and_write_row_store_the_same(pg, monkeypatch) -> None:
    meta = sa.MetaData()
    fast, slow = _table(meta, "fast"), _table(meta, "slow")
    engine = pg.engine
    meta.create_all(engine)
    names = list(COLUMNS)
    columns = [COLUMNS[n] for n in names]
    assert copy_text(columns) is not None  # every column here takes the column-wise path
    with engine.begin() as conn:
        sqlcopy.copy_rows(conn, fast, names, columns)
    monkeypatch.setattr(sqlcopy, "copy_text", lambda values: None)  # psycopg, row by row
    with engine.begin() as conn:
        sqlcopy.copy_rows(conn, slow, names, columns)
    with engine.connect() as conn:
        got_fast = conn.execute(sa.select(fast).order_by(fast.c.id)).all()
        got_slow = conn.execute(sa.select(slow).order_by(slow.c.id)).all()
    assert got_fast == got_slow
    assert [r.text for r in got_fast] == TRICKY


def test_types_it_does_not_write_fall_back_to_psycopg() -> None:
    assert copy_text([[1, 2], [b"x", b"y"]]) is None
    assert copy_text([[1], [float("nan")]]) is None
    assert copy_text([[1], [{"a": 1}]]) is None
    assert copy_text([[], []]) == ""
