"""Recorded keys of a large batch are split into rows that fit MariaDB's TEXT (64 KB), and
read back whole."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from seedrunner.ledger.sqlledger import (
    KEYS_TEXT_LIMIT,
    StepKey,
    keys_table,
    read_keys,
    record_keys,
)


def test_a_batch_of_20000_uuid_keys_is_recorded_in_parts_and_read_back_whole():
    engine = sa.create_engine("sqlite://")
    table = keys_table()
    step = StepKey("m", "d", "t", 0)
    keys = [(str(uuid.UUID(int=i)),) for i in range(20_000)]
    with engine.begin() as c:
        table.create(c)
        record_keys(c, table, step, "fp", [(0, 15_000), (15_000, 20_000)], keys)
        texts = c.execute(sa.select(table.c["keys"], table.c.row_start)).all()
        found = read_keys(c, table, step, ["fp"], 0, 20_000)
        middle = read_keys(c, table, step, ["fp"], 9_990, 10_010)
    assert len(texts) > 2  # 800 KB of keys: more rows than ranges
    assert max(len(t) for t, _ in texts) <= KEYS_TEXT_LIMIT
    assert [tuple(found[i]) for i in range(20_000)] == keys
    assert sorted(middle) == list(range(9_990, 10_010))
