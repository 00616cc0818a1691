"""The ledger of a target with no transactions (HTTP, Redis, plugins), kept in a state store.

A Redis SET or an HTTP POST cannot commit together with a ledger row, so the ledger lives
in a database of its own choosing (``StoredLedgerOptions``): the database of a
``sqlalchemy`` target of the manifest (``state: <name>``), or by default the SQLite file
``.seedrunner/state.db`` in the manifest's folder.  Its tables are the SQL ledger's
(``sqlledger``: ``seedrunner_ledger`` and ``seedrunner_ledger_specs``, or the state
target's ``ledger_table``), so one documented schema serves every target, plus one:

``<ledger>_pending`` (schema version 1): a batch being sent, written and committed
*before* the send, deleted in the same transaction as the ledger row that records the
batch as written.  Columns: ``id``, ``schema_version``, ``run_id`` (the apply that first
tried the batch: it keys the batch's ``Idempotency-Key``, so every re-send carries the
same one), ``manifest``, ``dataset``, ``target``, ``position``, ``fingerprint``,
``row_start``, ``row_stop``, ``started_at``.

What holds after a crash: a batch recorded in the ledger was acknowledged (Redis answered,
the server said 2xx).  A batch still pending may or may not have reached the target; the
next apply sends it again.  Redis SETs of the same keys and values are idempotent, so the
result is exact; an HTTP server gets the same ``Idempotency-Key`` and stores the batch once
if it honours the header, otherwise it may store it twice (at-least-once).

One apply at a time: the store's lock (an ``flock`` beside a SQLite file, a PostgreSQL
advisory lock, MariaDB ``GET_LOCK``) is held from a step's open to the end of the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seedrunner.db.engines import Link, connect, get_engine, resolve_url
from seedrunner.db.errors import describe
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.generate.streams import wall_clock
from seedrunner.ledger import locks
from seedrunner.ledger.context import StepContext, TakesDeliveryKeys
from seedrunner.ledger.fingerprint import refusal
from seedrunner.ledger.spec import LedgerSpec
from seedrunner.ledger.sqlledger import (
    DEFAULT_TABLE,
    SCHEMA_VERSION,
    Applied,
    StepKey,
    forget,
    ledger_table,
    of_step,
    read_applied,
    read_specs,
    record,
    record_spec,
    specs_table,
    step_table,
)
from seedrunner.redact import scrub

_KEY_NAMESPACE = uuid.UUID("0b6c3f3e-7f59-4c2e-a1d8-4f0f6b1e9a27")


def pending_table(ledger: str = DEFAULT_TABLE, schema: str | None = None) -> sa.Table:
    """``<ledger>_pending``: batches sent (or about to be) whose outcome is not recorded."""
    return step_table(f"{ledger}_pending", "started_at", schema)


@dataclass(frozen=True)
class Pending:
    """One pending batch: its rows and the run that first sent it."""

    fingerprint: str
    start: int
    stop: int
    run_id: str


@dataclass(frozen=True)
class StoreSpec:
    """Where a stored ledger lives."""

    url: sa.URL
    label: str  # shown in messages (no password)
    ledger: str
    schema: str | None
    local: Path | None  # the local state file, when it is one

    @classmethod
    def of(cls, spec: LedgerSpec) -> StoreSpec:
        """The store of a ``stored`` ledger spec: its state target's database, or the
        local SQLite file (``spec.path``) when it names none."""
        if not spec.url:
            assert spec.path is not None, "a stored ledger without a state target names its file"
            url = sa.URL.create("sqlite", database=str(spec.path))
            return cls(url, spec.label, DEFAULT_TABLE, None, spec.path)
        url = resolve_url(spec.url, spec.base_dir)
        return cls(url, spec.label, spec.table, spec.schema, None)

    @property
    def tables(self) -> tuple[sa.Table, sa.Table, sa.Table]:
        return (
            ledger_table(self.ledger, self.schema),
            specs_table(self.ledger, self.schema),
            pending_table(self.ledger, self.schema),
        )


class StateStore:
    """The ledger tables of one state store, on one connection of the run."""

    def __init__(self, spec: StoreSpec, resources: ResourcePool) -> None:
        self.spec = spec
        self.resources = resources
        self.ledger, self.specs, self.pending = spec.tables
        self._engine: Any = None
        self._link: Link | None = None

    def open(self, ctx: StepContext) -> None:
        """Take the store's apply lock, connect, and create the tables if missing."""
        if self.spec.local is not None:
            self._guard("create", lambda: _local_folder(self.spec.local))  # type: ignore[arg-type]
        self._engine = self._guard("open", lambda: get_engine(self.resources, self.spec.url))
        self._guard("lock", lambda: locks.hold(
            self.resources, self.spec.url, self.spec.ledger, self.spec.schema,
            run_id=ctx.run_id, timeout=ctx.ledger_step.lock_timeout, label=self.spec.label,
            connect=lambda: connect(self.resources, self._engine),
        ))  # fmt: skip
        self._link = self._guard("connect to", lambda: connect(self.resources, self._engine))

        def create(conn: Connection) -> None:
            for table in (self.ledger, self.specs, self.pending):
                table.create(conn, checkfirst=True)

        self.transaction("create the ledger tables of", create)

    def transaction(self, what: str, fn: Callable[[Connection], Any]) -> Any:
        """``fn(conn)`` in a transaction of its own, committed before it returns."""
        link = self._link
        assert link is not None, "store used before open()"

        def run() -> Any:
            link.begin()
            try:
                value = link.run(fn)
                link.commit()
            except BaseException:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    link.rollback()
                raise
            return value

        return self._guard(what, run)

    def read(self, key: StepKey) -> tuple[Applied, list[Pending]]:
        def read(conn: Connection) -> tuple[Applied, list[Pending]]:
            return read_applied(conn, self.ledger, key), read_pending(conn, self.pending, key)

        return self.transaction("read", read)  # type: ignore[no-any-return]

    def recorded_specs(self, fingerprints: Iterable[str]) -> dict[str, str]:
        return self.transaction(  # type: ignore[no-any-return]
            "read", lambda c: read_specs(c, self.specs, fingerprints)
        )

    def close(self) -> None:
        link, self._link = self._link, None
        if link is not None:
            link.close()

    def _guard(self, what: str, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except sa.exc.DBAPIError as e:
            raise HandlerError(f"cannot {what} the {self.spec.label}: {describe(e)}") from None
        except (sa.exc.SQLAlchemyError, OSError) as e:
            cause = scrub(str(e).splitlines()[0] if str(e) else type(e).__name__)
            raise HandlerError(f"cannot {what} the {self.spec.label}: {cause}") from None


def _local_folder(state: Path) -> None:
    """``.seedrunner/`` with a ``.gitignore`` keeping it (machine-local state) out of git."""
    state.parent.mkdir(exist_ok=True)
    ignore = state.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# seedrunner's local state (ledgers of HTTP/Redis targets)\n*\n")


def read_pending(conn: Connection, table: sa.Table, key: StepKey) -> list[Pending]:
    if not sa.inspect(conn).has_table(table.name, schema=table.schema):
        return []
    c = table.c
    rows = conn.execute(
        sa.select(c.fingerprint, c.row_start, c.row_stop, c.run_id).where(*of_step(table, key))
    )
    return [Pending(str(f), int(a), int(b), str(r)) for f, a, b, r in rows]


def delivery_key(origin_run: str, key: StepKey, fingerprint: str, start: int, stop: int) -> str:
    """The ``Idempotency-Key`` of rows [start, stop): the same on every re-send of a pending
    batch (``origin_run`` is the run that first sent it), new after a destroy."""
    text = "\x1f".join(
        [
            origin_run,
            key.manifest,
            key.dataset,
            key.target,
            str(key.position),
            fingerprint,
            str(start),
            str(stop),
        ]
    )
    return str(uuid.uuid5(_KEY_NAMESPACE, text))


def cut(batch: Batch, start: int, stop: int) -> Batch:
    """Rows [start, stop) of ``batch`` (dataset row numbers), same batch index."""
    a, b = start - batch.start, stop - batch.start
    out = batch.replace_columns({k: v[a:b] for k, v in batch.columns.items()})
    out.start = start
    return out


class StoredLedger:
    """A handler with its ledger in a state store (see the module docstring).

    ``write`` drops the rows the ledger holds, records the rest as pending, has the inner
    handler write them, then records them as written; ``skipped_rows`` counts the rows
    dropped, as the SQL ledger does.
    """

    def __init__(
        self, inner: Any, spec: LedgerSpec, undo: Callable[[Batch], int] | None = None
    ) -> None:
        self.inner, self.spec, self._undo = inner, spec, undo
        self.skipped_rows = 0
        self._store: StateStore | None = None
        self._ctx: StepContext | None = None
        self._key: StepKey | None = None
        self._applied = Applied()
        self._pending: dict[tuple[int, int], str] = {}  # rows -> run that first sent them
        self._spec_recorded = False
        self._inner_open = False

    def __repr__(self) -> str:
        return repr(self.inner)

    # -- apply ----------------------------------------------------------------------------

    def open(self, ctx: StepContext) -> None:
        try:
            self._open_store(ctx)
            applied, pending = self.store.read(self.key)
            led = ctx.ledger_step
            applied = led.own(applied)
            pending = [
                dataclasses.replace(p, fingerprint=led.fingerprint) if p.fingerprint in led.accepted
                else p for p in pending
            ]  # fmt: skip
            others = (applied.fingerprints | {p.fingerprint for p in pending}) - {led.fingerprint}
            if others:
                recorded = self.store.recorded_specs(others)
                label = f"target '{ctx.target}'"
                raise HandlerError(
                    refusal(ctx.dataset, led.where, label, led.spec_parts, recorded.values())
                    + f" (its ledger is in the {self.store.spec.label})"
                )
            self._applied = applied
            self._pending = {(p.start, p.stop): p.run_id for p in pending}
            if isinstance(self.inner, TakesDeliveryKeys):
                self.inner.delivery_key = self._delivery_key
            self.inner.open(ctx)
            self._inner_open = True
        except BaseException:  # the executor only closes handlers that opened
            self._close_store()
            raise

    def write(self, batch: Batch) -> Batch | None:
        ctx = self.context
        todo = self._applied.missing(ctx.ledger_step.fingerprint, batch.start, batch.stop)
        self.skipped_rows += batch.size - sum(b - a for a, b in todo)
        whole = todo == [(batch.start, batch.stop)]
        out: Batch | None = None
        for a, b in todo:
            part = batch if whole else cut(batch, a, b)
            started = self._begin(a, b)
            out = self.inner.write(part)
            self._done(a, b, started)
        return out if whole else None

    def close(self, error: BaseException | None) -> None:
        try:
            if self._inner_open:
                self._inner_open = False
                self.inner.close(error)
        finally:
            self._close_store()

    # -- destroy ----------------------------------------------------------------------------

    def open_undo(self, ctx: StepContext) -> Applied:
        """Lock and read the store, open the inner handler; what may be on the target:
        the ranges written plus those pending (perhaps written)."""
        if self._undo is None:
            raise HandlerError(self.spec.cannot_undo or "its handler cannot delete its rows")
        self._open_store(ctx)
        applied, pending = self.store.read(self.key)
        for p in pending:
            applied.add(p.fingerprint, p.start, p.stop)
        applied = ctx.ledger_step.own(applied)
        if applied.fingerprints - {ctx.ledger_step.fingerprint}:
            raise HandlerError(
                f"dataset '{ctx.dataset}' on target '{ctx.target}' holds rows of another spec "
                "than this manifest's; destroy finds them by regenerating their keys, so "
                "restore the spec they were written with first"
            )
        self._applied = applied
        self.inner.open(ctx)
        self._inner_open = True
        return applied

    def undo(self, batch: Batch) -> int:
        """Delete the rows of ``batch`` the ledger records; how many went."""
        undo = self._undo
        assert undo is not None
        gone = 0
        fingerprint = self.context.ledger_step.fingerprint
        for a, b in self._applied.present(fingerprint, batch.start, batch.stop):
            gone += undo(cut(batch, a, b))
        return gone

    def close_undo(self, error: BaseException | None) -> None:
        """Forget the step's ledger (written and pending) once every row went."""
        try:
            if error is None and self._store is not None:
                key, ledger, pending = self.key, self.store.ledger, self.store.pending

                def drop(conn: Connection) -> None:
                    forget(conn, ledger, key)
                    conn.execute(pending.delete().where(*of_step(pending, key)))

                self.store.transaction("forget the ledger in", drop)
        finally:
            self.close(error)

    # -- helpers ----------------------------------------------------------------------------

    @property
    def store(self) -> StateStore:
        assert self._store is not None, "used before open()"
        return self._store

    @property
    def context(self) -> StepContext:
        assert self._ctx is not None, "used before open()"
        return self._ctx

    @property
    def key(self) -> StepKey:
        assert self._key is not None, "used before open()"
        return self._key

    def _open_store(self, ctx: StepContext) -> None:
        self._ctx = ctx
        led = ctx.ledger_step
        self._key = StepKey(led.manifest, ctx.dataset, ctx.target, led.position)
        self._store = StateStore(StoreSpec.of(self.spec), ctx.resources)
        self._store.open(ctx)

    def _close_store(self) -> None:
        store, self._store = self._store, None
        if store is not None:
            store.close()

    def _delivery_key(self, batch: Batch) -> str:
        ctx = self.context
        origin = self._pending.get((batch.start, batch.stop), ctx.run_id)
        fingerprint = ctx.ledger_step.fingerprint
        return delivery_key(origin, self.key, fingerprint, batch.start, batch.stop)

    def _begin(self, start: int, stop: int) -> int | None:
        """Record rows [start, stop) as pending (committed before they are sent); the id
        of the pending row, or None when an earlier run left it pending."""
        if (start, stop) in self._pending:
            return None
        ctx, key, table = self.context, self.key, self.store.pending
        fingerprint = ctx.ledger_step.fingerprint

        def insert(conn: Connection) -> int:
            result = conn.execute(
                table.insert().values(
                    schema_version=SCHEMA_VERSION, run_id=ctx.run_id, manifest=key.manifest,
                    dataset=key.dataset, target=key.target, position=key.position,
                    fingerprint=fingerprint, row_start=start, row_stop=stop,
                    started_at=wall_clock().replace(tzinfo=None),
                )
            )  # fmt: skip
            inserted = result.inserted_primary_key
            assert inserted is not None
            return int(inserted[0])

        started: int = self.store.transaction("record a pending batch in", insert)
        return started

    def _done(self, start: int, stop: int, started: int | None) -> None:
        """Record rows [start, stop) as written and drop their pending row, at once."""
        ctx, key, store = self.context, self.key, self.store
        led = ctx.ledger_step
        parts = None if self._spec_recorded else json.dumps(led.spec_parts, sort_keys=True)

        def commit(conn: Connection) -> None:
            if parts is not None:
                record_spec(conn, store.specs, led.fingerprint, parts)
            record(conn, store.ledger, key, ctx.run_id, led.fingerprint, [(start, stop)])
            pending = store.pending
            if started is not None:
                conn.execute(pending.delete().where(pending.c.id == started))
            else:  # an earlier run's pending batch, now written
                conn.execute(
                    pending.delete().where(
                        *of_step(pending, key),
                        pending.c.row_start == start,
                        pending.c.row_stop == stop,
                    )
                )

        store.transaction("record a written batch in", commit)
        self._spec_recorded = True
        self._pending.pop((start, stop), None)
        self._applied.add(led.fingerprint, start, stop)
