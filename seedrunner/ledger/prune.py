"""Forget the ledger's rows of a step from one row on: what ``apply --prune`` deleted.

A lowered count leaves rows past it on the target; prune deletes them, and the ledger must
then record only the rows below the count, in the deletes' transaction.  A range that
straddles the cut is shortened, and so is its list of recorded keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.ledger.sqlledger import StepKey, of_step


def forget_from(
    conn: Connection,
    table: sa.Table,
    keys: sa.Table,
    step: StepKey,
    fingerprints: Iterable[str],
    start: int,
) -> None:
    """Drop the ranges of ``step`` (under any of ``fingerprints``) from row ``start`` on,
    in the ledger ``table`` and its recorded ``keys``."""
    fingerprint = sorted(fingerprints)
    _cut(conn, table, step, fingerprint, start)
    if not sa.inspect(conn).has_table(keys.name, schema=keys.schema):
        return
    c = keys.c
    straddling = conn.execute(
        sa.select(c.id, c.row_start, c["keys"]).where(*_from(keys, step, fingerprint, start))
    ).all()
    _cut(conn, keys, step, fingerprint, start)
    for id_, row_start, text in straddling:
        kept = json.loads(text)[: start - int(row_start)]
        conn.execute(keys.update().where(c.id == id_).values(keys=json.dumps(kept)))


def _from(
    table: sa.Table, step: StepKey, fingerprint: list[str], start: int
) -> list[sa.ColumnElement[bool]]:
    """The ranges that straddle row ``start``."""
    c = table.c
    return [*of_step(table, step), c.fingerprint.in_(fingerprint), c.row_start < start,
            c.row_stop > start]  # fmt: skip


def _cut(
    conn: Connection, table: sa.Table, step: StepKey, fingerprint: list[str], start: int
) -> None:
    c = table.c
    conn.execute(
        table.delete().where(
            *of_step(table, step), c.fingerprint.in_(fingerprint), c.row_start >= start
        )
    )
    conn.execute(
        table.update().where(*_from(table, step, fingerprint, start)).values(row_stop=start)
    )
