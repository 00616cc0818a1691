"""Which ledger a target keeps, as plain values resolved once at plan time.

A handler's ``Options`` say it through ``KeepsLedger.ledger_spec``; ``plan/targets.py``
asks once per target and stores the answer on ``TargetPlan.ledger``.  Everything above the
plan (status, destroy, replace, the runner) works from that value and ``open_ledger``,
never from the Options' classes, so a new kind of ledger touches its own module only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from seedrunner.ledger.sqlledger import DEFAULT_TABLE


@dataclass(frozen=True)
class LedgerSpec:
    """A target's ledger: its ``kind`` (a key of the ledger registry) and what it needs.

    A kind needing other values subclasses this (it stays a frozen dataclass)."""

    kind: str  # "sql", "file", "stored", or a plugin's
    restartable: bool = True  # a lost step may start over (not under `transaction: run`)
    url: str = ""  # sql: the target's database; stored: its state target's ("": local)
    base_dir: Path = Path()  # what a relative SQLite path resolves against
    table: str = DEFAULT_TABLE  # the ledger table's name
    schema: str | None = None
    path: Path | None = None  # file: the file written; stored: the local state file
    label: str = ""  # where the ledger is, for messages (no password)
    cannot_undo: str | None = None  # why destroy cannot delete the rows; None: it can


@dataclass(frozen=True)
class LedgerSite:
    """What ``ledger_spec`` is told: where the target writes, for which dataset."""

    base_dir: Path
    dataset: str
    target: str
    state: LedgerSpec | None = None  # a `state:` target's database, for a stored ledger
    cannot_undo: str | None = None  # why the handler cannot delete its rows (None: it can)


@runtime_checkable
class KeepsLedger(Protocol):
    """Options of a handler that can keep a ledger; None when this target keeps none."""

    def ledger_spec(self, site: LedgerSite) -> LedgerSpec | None: ...


@runtime_checkable
class HoldsLedgerTables(Protocol):
    """Options of a target whose database can hold other targets' ledgers (``state:``)."""

    def ledger_place(self, base_dir: Path) -> LedgerSpec: ...
