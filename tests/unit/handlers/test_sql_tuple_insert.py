"""TupleInsert: the driver-level executemany stores what SQLAlchemy's own path stores, and
steps aside where SQLAlchemy must compute something per row."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from seedrunner.handlers.sqlwrite import TupleInsert, insert_statement


class Tier(enum.Enum):
    gold = "G"
    silver = "S"


md = sa.MetaData()
table = sa.Table(
    "things",
    md,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("tier", sa.Enum(Tier)),
    sa.Column("price", sa.Numeric(10, 2)),
    sa.Column("at", sa.DateTime),
    sa.Column("meta", sa.JSON),
    sa.Column("flag", sa.Boolean),
    sa.Column("stamp", sa.String(10), default="python-side"),
)
NAMES = ["id", "tier", "price", "at", "meta", "flag", "stamp"]
ROWS = [
    (1, Tier.gold, Decimal("1.50"), dt.datetime(2026, 1, 2, 3, 4, 5), {"a": [1]}, True, "x"),
    (2, Tier.silver, Decimal("0.01"), dt.datetime(2026, 2, 3, 4, 5, 6), None, False, "y"),
]


def _columns():
    return [list(c) for c in zip(*ROWS, strict=True)]


def test_same_rows_as_sqlalchemys_executemany(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    md.create_all(engine)
    stmt = insert_statement(table, NAMES, "sqlite", "error", None)
    with engine.begin() as c:
        fast = TupleInsert.compile(stmt, table, NAMES, c.dialect)
        assert fast is not None
        fast.execute(c, _columns())
        via_fast = c.execute(sa.text("SELECT * FROM things ORDER BY id")).all()
        c.execute(table.delete())
        c.execute(stmt, [dict(zip(NAMES, r, strict=True)) for r in ROWS])
        via_sqlalchemy = c.execute(sa.text("SELECT * FROM things ORDER BY id")).all()
    engine.dispose()
    assert via_fast == via_sqlalchemy
    assert via_fast[0][1] == "gold"  # the enum's name, as SQLAlchemy stores it


def test_python_side_defaults_keep_sqlalchemys_path():
    names = ["id", "tier"]  # 'stamp' has a Python default SQLAlchemy computes per row
    stmt = insert_statement(table, names, "sqlite", "error", None)
    assert TupleInsert.compile(stmt, table, names, sa.create_engine("sqlite://").dialect) is None


def test_named_paramstyles_keep_sqlalchemys_path():
    stmt = insert_statement(table, NAMES, "postgresql", "error", None)
    assert TupleInsert.compile(stmt, table, NAMES, postgresql.dialect()) is None


def test_mysql_upserts_compile_to_positional_tuples():
    dialect = mysql.dialect(paramstyle="format")
    names = NAMES
    for mode in ("ignore", "update"):
        fast = TupleInsert.compile(
            insert_statement(table, names, "mysql", mode, None), table, names, dialect
        )
        assert fast is not None
        assert "ON DUPLICATE KEY UPDATE" in fast.sql
        assert fast.sql.count("%s") == len(names)
