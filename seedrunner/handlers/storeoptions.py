"""Options of a ledger kept in a state store, for targets with no transactions of their own.

HTTP and Redis (and any plugin handler whose ``Options`` extend ``StoredLedgerOptions``)
cannot hold a ledger beside their rows, so ``ledger: true`` keeps it in a state store
(``seedrunner.ledger.stored``): the database of a ``sqlalchemy`` target named by ``state``,
or by default the SQLite file ``.seedrunner/state.db`` in the manifest's folder.  This
module stays light (pydantic only): the planner checks these options and resolves their
``LedgerSpec`` (kind ``stored``) without importing the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field, model_validator

from seedrunner.handlers.base import HandlerOptions
from seedrunner.ledger.spec import LedgerSite, LedgerSpec
from seedrunner.ledger.storeoptions import LOCAL_DIR, LOCAL_FILE


class StoredLedgerOptions(HandlerOptions):
    """Extend this in a handler's ``Options`` to give its targets ``ledger`` and ``state``."""

    ledger: bool = Field(
        default=False,
        description="Keep a run ledger in a state store: apply skips rows already written "
        "by the same dataset spec (a second apply writes nothing, an interrupted one "
        "finishes the job), plan shows the state, destroy can undo.",
    )
    state: str | None = Field(
        default=None,
        description="Where the ledger lives: the name of a sqlalchemy target of this "
        "manifest (its database holds the ledger tables), or omitted for the SQLite file "
        f"{LOCAL_DIR}/{LOCAL_FILE} in the manifest's folder.",
    )

    @model_validator(mode="after")
    def _state_needs_ledger(self) -> StoredLedgerOptions:
        if self.state is not None and not self.ledger:
            raise ValueError("'state' is where a ledger is kept: set ledger: true too")
        return self

    def ledger_problem(self, fields: Sequence[str]) -> str | None:
        """What keeps this target's ledger from working with a dataset of ``fields``
        (None: nothing); handlers add their own checks."""
        return None

    def ledger_spec(self, site: LedgerSite) -> LedgerSpec | None:
        """A ``stored`` ledger in the ``state`` target's database, or the local file."""
        if not self.ledger:
            return None
        if site.state is None:
            path = site.base_dir / LOCAL_DIR / LOCAL_FILE
            return LedgerSpec(
                "stored", path=path, label=f"local state {path}", cannot_undo=site.cannot_undo
            )
        state = site.state
        return LedgerSpec(
            "stored", url=state.url, base_dir=state.base_dir, table=state.table,
            schema=state.schema, label=f"state target '{self.state}' ({state.label})",
            cannot_undo=site.cannot_undo,
        )  # fmt: skip


def state_problem(
    options: StoredLedgerOptions, targets: Mapping[str, Mapping[str, Any]]
) -> tuple[str, str] | None:
    """(message, hint) when ``state`` names no sqlalchemy target of the manifest."""
    name = options.state
    if name is None:
        return None
    sql = sorted(n for n, t in targets.items() if t.get("handler") == "sqlalchemy")
    if name not in targets:
        known = ", ".join(sql) or "none"
        return (
            f"state: no target named '{name}' (sqlalchemy targets: {known})",
            f"name a sqlalchemy target, or drop 'state' to keep the ledger in "
            f"{LOCAL_DIR}/{LOCAL_FILE}",
        )
    if name not in sql:
        return (
            f"state: target '{name}' is not a sqlalchemy target (handler "
            f"{targets[name].get('handler')}); the ledger needs a database",
            f"name a sqlalchemy target, or drop 'state' to keep the ledger in "
            f"{LOCAL_DIR}/{LOCAL_FILE}",
        )
    return None


def sqlite_state_conflict(
    options: StoredLedgerOptions, chain: Sequence[str], targets: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """Why a SQLite ``state`` cannot be written during this dataset's step: SQLite has one
    writer, and a target writing the same file holds it for a whole step (``transaction:
    dataset`` in this chain) or the whole run (``transaction: run``), so every ledger write
    would wait until "database is locked"."""
    state = targets.get(options.state or "")
    url = str((state or {}).get("url", ""))
    if not url.startswith("sqlite"):
        return None
    for name, target in targets.items():
        if target.get("handler") != "sqlalchemy" or str(target.get("url")) != url:
            continue
        mode = target.get("transaction", "dataset")
        if mode == "run" or (mode == "dataset" and name in chain):
            return (
                f"state '{options.state}' is a SQLite file that target '{name}' keeps a "
                f"write transaction open on (transaction: {mode}), and SQLite has one "
                f"writer: set transaction: batch on '{name}', or keep the ledger elsewhere "
                f"(another state target, or none for {LOCAL_DIR}/{LOCAL_FILE})"
            )
    return None
