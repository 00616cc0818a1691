"""The pieces behind honest counts: which rows a table held, as dataset rows, and what
destroy leaves to the table's owner."""

from __future__ import annotations

import sqlalchemy as sa

from seedrunner.handlers.sqlconflict import ConflictCheck, to_rows
from seedrunner.ledger.sqlledger import Applied


def _table() -> tuple[sa.Engine, sa.Table]:
    engine = sa.create_engine("sqlite://")
    meta = sa.MetaData()
    table = sa.Table(
        "t", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.Text)
    )
    meta.create_all(engine)
    with engine.begin() as c:
        c.execute(table.insert(), [{"id": 2, "email": "b"}, {"id": 5, "email": "e"}])
    return engine, table


def test_rows_whose_key_is_there_or_repeated_are_found():
    engine, table = _table()
    check = ConflictCheck(table, "sqlite", None)
    with engine.connect() as c:
        there = check.there(c, ("id", "email"), [[1, 2, 3, 3, 5], list("abcde")])
    assert there == [1, 3, 4]


def test_mariadb_checks_every_unique_key_and_conflict_on_names_one():
    _, table = _table()
    assert ConflictCheck(table, "mariadb", None).keys == [["id"]]
    assert ConflictCheck(table, "sqlite", ["email"]).keys == [["email"]]


def test_positions_become_dataset_rows_across_cut_ranges():
    assert to_rows([0, 1, 3, 4], [(10, 12), (20, 23)]) == [(10, 12), (21, 23)]
    assert to_rows([], [(0, 5)]) == []


def test_destroy_leaves_the_rows_the_table_held():
    applied = Applied()
    applied.add("f", 0, 10)
    applied.add_theirs("f", 2, 4)
    applied.add_theirs("f", 9, 10)
    assert applied.present("f", 0, 10) == [(0, 2), (4, 9)]
    assert applied.missing("f", 0, 12) == [(10, 12)]  # apply does not write them again
