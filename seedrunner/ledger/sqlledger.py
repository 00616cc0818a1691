"""The run ledger of a SQL target: a table in the target database, one row per written batch.

Written on the same connection and in the same transaction as the rows it describes, so
the two commit or roll back together and can never disagree: after a crash, a lost
connection or a failed commit, what the ledger says is written is exactly what is.

Schema version 1 (``seedrunner_ledger`` unless the target names another table):

================  ==========================================================================
column            meaning
================  ==========================================================================
id                surrogate key, ascending in write order
schema_version    1; a later layout adds columns and bumps this, old rows stay readable
run_id            the apply that wrote the rows
manifest          the manifest's ``name``
dataset           the dataset
target            the target's name in the manifest
position          the handler's position in the dataset's chain (0 = first)
fingerprint       ``state.fingerprint`` digest of what decides the rows
row_start         first row index written (the dataset's row numbering)
row_stop          one past the last row index written
written_at        UTC time of the write (naive)
================  ==========================================================================

Beside it, ``<ledger>_specs`` keeps the parts of each fingerprint (so a refusal can say
what changed, and ``apply --replace`` can rebuild the earlier spec), and, only for
datasets whose primary keys the database assigns, ``<ledger>_keys`` keeps those keys:
one row per written range (the ledger's step columns, fingerprint, row_start, row_stop,
and ``keys``, a JSON list of each row's key values in row order).  Generated keys need
no such record: they are regenerated from the spec.  Assigned ones are needed again
when a batch is skipped (its children still take their parents' keys) and by destroy.
Targets with no transactions keep the same tables in a state store, plus
``<ledger>_pending`` (``state.stored``).

``<ledger>_theirs``, created by the first ``on_conflict: ignore / update`` step, holds the
rows of written ranges that the target did not take from seedrunner: its key was there
already, so the database ignored the row (``how`` = ``ignored``) or updated the row in
place (``updated``).  Those rows are the application's (or another manifest's): apply
does not write them again, and destroy (``Applied.present``) never deletes them.  Only
those rows get a record, so a step without conflicts writes nothing more.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.generate.streams import wall_clock

SCHEMA_VERSION = 1
DEFAULT_TABLE = "seedrunner_ledger"


def _step_columns() -> list[sa.Column[Any]]:
    """Which step and rows a row of the ledger (or of its keys) is about; new objects on
    every call, since a Column belongs to one Table."""
    return [
        sa.Column("manifest", sa.String(200), nullable=False),
        sa.Column("dataset", sa.String(200), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("row_start", sa.BigInteger, nullable=False),
        sa.Column("row_stop", sa.BigInteger, nullable=False),
    ]


def ledger_table(name: str = DEFAULT_TABLE, schema: str | None = None) -> sa.Table:
    """The ledger's table definition (on its own MetaData: it is not the user's model)."""
    return step_table(name, "written_at", schema)


def step_table(name: str, time_column: str, schema: str | None = None) -> sa.Table:
    """A table of row ranges per step, laid out as the ledger (``time_column`` last)."""
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        *_step_columns(),
        sa.Column(time_column, sa.DateTime, nullable=False),
        sa.Index(f"ix_{name}_step", "manifest", "dataset", "target", "position"),
        schema=schema,
    )


def of_step(table: sa.Table, key: StepKey) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses selecting ``key``'s rows of a ``step_table``."""
    c = table.c
    return [
        c.manifest == key.manifest,
        c.dataset == key.dataset,
        c.target == key.target,
        c.position == key.position,
    ]


def specs_table(ledger: str = DEFAULT_TABLE, schema: str | None = None) -> sa.Table:
    """``<ledger>_specs``: the parts behind each fingerprint, so a refusal can say what
    changed.  One row per fingerprint, written with the first batch it describes."""
    return sa.Table(
        f"{ledger}_specs",
        sa.MetaData(),
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("parts", sa.Text, nullable=False),
        schema=schema,
    )


def record_spec(conn: Connection, table: sa.Table, fingerprint: str, parts: str) -> None:
    """The parts of ``fingerprint``, unless already there (same transaction as the rows)."""
    there = conn.execute(sa.select(table.c.fingerprint).where(table.c.fingerprint == fingerprint))
    if there.first() is None:
        conn.execute(table.insert().values(fingerprint=fingerprint, parts=parts))


def read_specs(conn: Connection, table: sa.Table, fingerprints: Iterable[str]) -> dict[str, str]:
    """The recorded parts of ``fingerprints`` (those written before specs were kept lack one)."""
    wanted = list(fingerprints)
    if not wanted or not sa.inspect(conn).has_table(table.name, schema=table.schema):
        return {}
    rows = conn.execute(
        sa.select(table.c.fingerprint, table.c.parts).where(table.c.fingerprint.in_(wanted))
    )
    return {str(f): str(p) for f, p in rows}


@dataclass(frozen=True)
class StepKey:
    """Which handler step a ledger row belongs to."""

    manifest: str
    dataset: str
    target: str
    position: int


@dataclass
class Applied:
    """What the ledger records for one step: row ranges per fingerprint."""

    ranges: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: rows of those ranges the target held already (ignored or updated): not seedrunner's
    theirs: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def fingerprints(self) -> set[str]:
        return set(self.ranges)

    @property
    def end(self) -> int:
        """One past the last row recorded under any fingerprint (0: none)."""
        return max((b for ranges in self.ranges.values() for _, b in ranges), default=0)

    def missing(self, fingerprint: str, start: int, stop: int) -> list[tuple[int, int]]:
        """The parts of ``[start, stop)`` not yet written under ``fingerprint``."""
        out, at = [], start
        for a, b in merged(self.ranges.get(fingerprint, [])):
            if b <= at:
                continue
            if a >= stop:
                break
            if a > at:
                out.append((at, a))
            at = max(at, b)
            if at >= stop:
                break
        if at < stop:
            out.append((at, stop))
        return out

    def present(self, fingerprint: str, start: int, stop: int) -> list[tuple[int, int]]:
        """The parts of ``[start, stop)`` written under ``fingerprint`` that are
        seedrunner's (the rows the target already held left out): what destroy deletes."""
        out, at = [], start
        for a, b in self.missing(fingerprint, start, stop):
            if a > at:
                out.append((at, a))
            at = b
        if at < stop:
            out.append((at, stop))
        theirs = self.theirs.get(fingerprint)
        return _without(out, merged(theirs)) if theirs else out

    def adopted(self, fingerprint: str, accepted: Iterable[str]) -> Applied:
        """These ranges with those of ``accepted`` fingerprints (specs this one grew from,
        ledger/fingerprint.py) counted as ``fingerprint``'s: the rows are the same."""
        names = set(accepted) - {fingerprint}
        if not names & (set(self.ranges) | set(self.theirs)):
            return self
        out = Applied()
        for kept, into in ((self.ranges, out.ranges), (self.theirs, out.theirs)):
            for name, ranges in kept.items():
                into.setdefault(fingerprint if name in names else name, []).extend(ranges)
        return out

    def add(self, fingerprint: str, start: int, stop: int) -> None:
        self.ranges.setdefault(fingerprint, []).append((start, stop))

    def add_theirs(self, fingerprint: str, start: int, stop: int) -> None:
        self.theirs.setdefault(fingerprint, []).append((start, stop))


def merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """``ranges`` sorted, overlapping and touching ones joined."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _without(ranges: list[tuple[int, int]], cut: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``ranges`` less the (merged, sorted) ranges ``cut``."""
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        at = a
        for x, y in cut:
            if y <= at or x >= b:
                continue
            if x > at:
                out.append((at, x))
            at = max(at, y)
        if at < b:
            out.append((at, b))
    return out


def read_applied(conn: Connection, table: sa.Table, key: StepKey) -> Applied:
    """Every range the ledger holds for ``key`` (an empty result when there is no ledger),
    with the rows of them the target held already (``<ledger>_theirs``)."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(table.name, schema=table.schema):
        return Applied()
    c = table.c
    rows = conn.execute(
        sa.select(c.fingerprint, c.row_start, c.row_stop).where(*of_step(table, key))
    )
    applied = Applied()
    for fingerprint, start, stop in rows:
        applied.add(fingerprint, int(start), int(stop))
    theirs = theirs_table(table.name, table.schema)
    if applied.ranges and inspector.has_table(theirs.name, schema=theirs.schema):
        t = theirs.c
        found = conn.execute(
            sa.select(t.fingerprint, t.row_start, t.row_stop).where(*of_step(theirs, key))
        )
        for fingerprint, start, stop in found:
            applied.add_theirs(fingerprint, int(start), int(stop))
    return applied


def record(
    conn: Connection,
    table: sa.Table,
    key: StepKey,
    run_id: str,
    fingerprint: str,
    ranges: Iterable[tuple[int, int]],
) -> None:
    """Ledger rows for ranges just written on ``conn``, in its (still open) transaction."""
    now = wall_clock().replace(tzinfo=None)  # when it was written, not the run's pinned now
    conn.execute(
        table.insert(),
        [
            {
                "schema_version": SCHEMA_VERSION,
                "run_id": run_id,
                "manifest": key.manifest,
                "dataset": key.dataset,
                "target": key.target,
                "position": key.position,
                "fingerprint": fingerprint,
                "row_start": a,
                "row_stop": b,
                "written_at": now,
            }
            for a, b in ranges
        ],
    )


def forget(conn: Connection, table: sa.Table, key: StepKey) -> None:
    """Drop every ledger row of ``key`` (after its rows were deleted, same transaction),
    with its record of the target's own rows."""
    conn.execute(table.delete().where(*of_step(table, key)))
    theirs = theirs_table(table.name, table.schema)
    if sa.inspect(conn).has_table(theirs.name, schema=theirs.schema):
        conn.execute(theirs.delete().where(*of_step(theirs, key)))


def theirs_table(ledger: str = DEFAULT_TABLE, schema: str | None = None) -> sa.Table:
    """``<ledger>_theirs``: rows of written ranges the target held already (not ours)."""
    return sa.Table(
        f"{ledger}_theirs",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_step_columns(),
        sa.Column("how", sa.String(16), nullable=False),  # "ignored" or "updated"
        sa.Index(f"ix_{ledger}_theirs_step", "manifest", "dataset", "target", "position"),
        schema=schema,
    )


def record_theirs(
    conn: Connection,
    table: sa.Table,
    key: StepKey,
    fingerprint: str,
    ranges: Iterable[tuple[int, int]],
    how: str,
) -> None:
    """Rows in ``ranges`` were the target's already (``how``), in ``conn``'s transaction."""
    rows = [
        {
            "manifest": key.manifest, "dataset": key.dataset, "target": key.target,
            "position": key.position, "fingerprint": fingerprint,
            "row_start": a, "row_stop": b, "how": how,
        }
        for a, b in ranges
    ]  # fmt: skip
    if rows:
        conn.execute(table.insert(), rows)


def keys_table(ledger: str = DEFAULT_TABLE, schema: str | None = None) -> sa.Table:
    """``<ledger>_keys``: the keys a database assigned to seeded rows, per written range."""
    return sa.Table(
        f"{ledger}_keys",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_step_columns(),
        sa.Column("keys", sa.Text, nullable=False),
        sa.Index(f"ix_{ledger}_keys_step", "manifest", "dataset", "target", "position"),
        schema=schema,
    )


def record_keys(
    conn: Connection,
    table: sa.Table,
    key: StepKey,
    fingerprint: str,
    ranges: Iterable[tuple[int, int]],
    keys: list[tuple[Any, ...]],
) -> None:
    """The ``keys`` of the rows in ``ranges`` (in order), in ``conn``'s transaction; a
    range whose keys would not fit one ``keys`` value is recorded in parts."""
    at, rows = 0, []
    for a, b in ranges:
        part = [list(k) for k in keys[at : at + b - a]]
        at += b - a
        rows += [
            {
                "manifest": key.manifest, "dataset": key.dataset, "target": key.target,
                "position": key.position, "fingerprint": fingerprint,
                "row_start": start, "row_stop": stop, "keys": text,
            }
            for start, stop, text in _key_texts(a, part)
        ]  # fmt: skip
    if rows:
        conn.execute(table.insert(), rows)


#: the longest ``keys`` text in one row: MariaDB's TEXT holds 65,535 bytes (JSON here is ASCII)
KEYS_TEXT_LIMIT = 60_000


def _key_texts(start: int, part: list[list[Any]]) -> Iterator[tuple[int, int, str]]:
    """(first row, row after, JSON) for ``part``'s keys, halved until each fits."""
    text = json.dumps(part, default=str)
    if len(text) <= KEYS_TEXT_LIMIT or len(part) <= 1:
        yield start, start + len(part), text
        return
    half = len(part) // 2
    yield from _key_texts(start, part[:half])
    yield from _key_texts(start + half, part[half:])


def read_keys(
    conn: Connection,
    table: sa.Table,
    key: StepKey,
    fingerprints: Iterable[str],
    start: int,
    stop: int,
) -> dict[int, list[Any]]:
    """Row index -> recorded key values, for the rows of ``[start, stop)`` on record
    under any of ``fingerprints``."""
    if not sa.inspect(conn).has_table(table.name, schema=table.schema):
        return {}
    c = table.c
    found = conn.execute(
        sa.select(c.row_start, c["keys"]).where(
            *of_step(table, key),
            c.fingerprint.in_(sorted(fingerprints)),
            c.row_start < stop,
            c.row_stop > start,
        )
    )
    out: dict[int, list[Any]] = {}
    for row_start, text in found:
        for i, values in enumerate(json.loads(text), start=int(row_start)):
            if start <= i < stop:
                out[i] = values
    return out


def forget_keys(conn: Connection, table: sa.Table, key: StepKey) -> None:
    """Drop the recorded keys of ``key`` (with its ledger rows, same transaction)."""
    if sa.inspect(conn).has_table(table.name, schema=table.schema):
        conn.execute(table.delete().where(*of_step(table, key)))
