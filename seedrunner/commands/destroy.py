"""destroy: delete exactly the rows the ledgers record, children before parents.

Rows are found by regenerating them: row i of a dataset is the same on every run, so its
primary key is known from the spec, and the ledger says which row ranges were written.
``DELETE ... WHERE key IN (...)`` removes those and nothing else: rows the application
added meanwhile stay.  Each dataset step is one transaction with the deletion of its
ledger rows, so a failure leaves both as they were.  Parent keys children need (refs) are
regenerated first, in dependency order, as apply makes them.  A file target's ledger
says which bytes are seedrunner's: the file is removed with its ledger (fileledger.undo_file).
Rows of an earlier spec that differs only in what its rows read (a lookup table the
application changed, an edited ``from:`` file) are found by this spec's keys when those read
none of it (state/rekey.py): they are deleted under the fingerprint the ledger records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from seedrunner.commands.destroykeys import ReadOnly, record_destroy_keys
from seedrunner.commands.grown import grown
from seedrunner.commands.rekey import rekeyed
from seedrunner.commands.stepledgers import step_recorded, step_ref
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.execute.contexts import handler_context
from seedrunner.execute.deferred import update_rows
from seedrunner.execute.keys import KeyStore
from seedrunner.execute.regenerate import dataset_batches
from seedrunner.generate.rows import Batch
from seedrunner.handlers.adapters import adapt
from seedrunner.handlers.caps import DeletesByKeys, DeletesRecordedKeys, UndoSession, undo_of
from seedrunner.handlers.sqlupdate import ColumnUpdate
from seedrunner.ledger.base import Destroyed, UndoTarget, open_ledger
from seedrunner.ledger.sqlledger import Applied
from seedrunner.ledger.stored import cut
from seedrunner.plan.steps import DatasetPlan, Plan
from seedrunner.redact import scrub


@dataclass
class Undone:
    """What destroy did for one dataset on one target."""

    dataset: str
    target: str
    rows: int = 0  # rows deleted
    status: str = "not started"  # "done", "nothing to undo", "cannot undo", "failed"
    note: str = ""


def destroy(
    plan: Plan,
    only: Sequence[str] | None = None,
    lock_timeout: float = 0.0,
    prune: Mapping[tuple[str, str], int] | None = None,
    by_keys: Mapping[tuple[str, str], str] | None = None,
) -> list[Undone]:
    """Delete what the ledgers record for ``plan``'s datasets (all, or ``only``).

    ``prune``: (dataset, target) -> the row from which its rows go (apply --prune: the
    lowered count), children first as for destroy; nothing else is touched.
    ``by_keys``: (dataset, target) -> the fingerprint of rows that cannot be regenerated
    (their model or Faker changed): deleted by the keys the ledger recorded instead."""
    wanted = set(only) if only else {d.name for d in plan.datasets}
    resources = ResourcePool()
    try:
        plan = grown(plan, resources)  # rows written before a parent grew: as they were
        keys = KeyStore()
        for dp in plan.datasets:  # parents' key columns, as apply recorded them
            record_destroy_keys(plan, dp, keys, resources, lock_timeout)
        out: list[Undone] = []
        shared = _deferrable_targets(plan)
        for dp in reversed(plan.datasets):  # children before parents
            if dp.name in wanted:
                out += [
                    _undo(plan, dp, i, keys, resources, lock_timeout, shared, prune, by_keys)
                    for i, t in enumerate(dp.targets)
                    if prune is None or (dp.name, t.name) in prune
                ]
        if shared:
            _commit_shared(resources, [r for r in out if r.target in shared])
        return out
    finally:
        resources.close_all()


def regenerated_batches(plan: Plan, dp: DatasetPlan, keys: KeyStore, stop: int) -> Iterator[Batch]:
    """The dataset's batches (after its transforms) up to row ``stop``; its keys are
    recorded already."""
    return (made.batch for made in dataset_batches(plan, dp, keys, stop, record=False))


def _undo(
    plan: Plan,
    dp: DatasetPlan,
    position: int,
    keys: KeyStore,
    resources: ResourcePool,
    lock_timeout: float,
    shared: set[str] | None = None,
    prune: Mapping[tuple[str, str], int] | None = None,
    by_keys: Mapping[tuple[str, str], str] | None = None,
) -> Undone:
    target = dp.targets[position]
    result = Undone(dp.name, target.name)
    recorded = (by_keys or {}).get((dp.name, target.name))

    def run(session: Any) -> Destroyed:
        if prune is not None:
            start = prune[dp.name, target.name]
            return prune_session(plan, dp, position, keys, resources, lock_timeout, session, start)
        other = recorded or only_other_spec(plan, dp, position, resources)
        if other is not None and isinstance(session, DeletesRecordedKeys):
            return recorded_keys_session(plan, dp, position, resources, lock_timeout, session,
                                          other)  # fmt: skip
        return _undo_session(plan, dp, position, keys, resources, lock_timeout, session, shared)

    def handler() -> Any:
        return adapt(target.handler_cls(target.options))

    if prune is not None and (
        target.ledger is None or not open_ledger(target.ledger, resources).needs_spec
    ):
        done = Destroyed(status="cannot undo", note=PRUNE_ONLY)
    elif target.ledger is not None:
        through = UndoTarget(handler, lambda made: undo_of(made, target.options))
        ledger = open_ledger(target.ledger, resources)
        done = ledger.destroy(step_ref(plan, dp, position), through, run, lock_timeout)
    elif issubclass(target.handler_cls, UndoSession):  # it says why it cannot, itself
        done = run(handler())
    else:
        done = Destroyed(status="cannot undo", note=f"handler {target.handler}: keeps no ledger")
    result.rows, result.status, result.note = done.rows, done.status, done.note
    return result


def _undo_session(
    plan: Plan,
    dp: DatasetPlan,
    position: int,
    keys: KeyStore,
    resources: ResourcePool,
    lock_timeout: float,
    handler: Any,
    shared: set[str] | None,
) -> Destroyed:
    """Open ``handler`` for undo, delete the regenerated rows its ledger records, close."""
    target = dp.targets[position]
    fingerprint, note = _undo_fingerprint(plan, dp, position, resources)
    ctx = handler_context(
        plan, dp, position, run_id="destroy", resources=resources, lock_timeout=lock_timeout,
        fingerprint=fingerprint,
    )  # fmt: skip
    try:
        if shared and target.name in shared:  # a SQL target holding a deferrable cycle
            applied = handler.open_undo(ctx, shared=True)
        else:
            applied = handler.open_undo(ctx)
    except HandlerError as e:
        handler.close_undo(e)
        return Destroyed(status="cannot undo", note=scrub(str(e)))
    stop = applied.end

    def delete() -> int:
        if stop:
            _cut_cycles(plan, dp, target.name, handler, keys)
        return _delete(plan, dp, keys, handler, stop)

    return _closing(handler, delete, lambda rows: "done" if stop else "nothing to undo", note)


BY_KEYS = (
    "written by a spec that can no longer be rebuilt (its model or Faker changed); "
    "deleted by the keys the ledger recorded"
)


def recorded_keys_session(
    plan: Plan,
    dp: DatasetPlan,
    position: int,
    resources: ResourcePool,
    lock_timeout: float,
    handler: Any,
    fingerprint: str,
    read_only: bool = False,
) -> Destroyed:
    """Delete a step's rows of ``fingerprint`` by the keys its ledger recorded, last row
    first (a self-referencing row's parent is an earlier row), and forget them.
    ``read_only``: only check that every row's key is there (rolled back, no lock)."""
    if not isinstance(handler, DeletesRecordedKeys):
        return Destroyed(status="cannot undo", note="its handler records no keys")
    ctx = handler_context(
        plan, dp, position, run_id="destroy", resources=resources, lock_timeout=lock_timeout,
        fingerprint=fingerprint,
    )  # fmt: skip
    try:
        applied = handler.open_undo(ctx, lock=not read_only)
    except HandlerError as e:
        handler.close_undo(e)
        return Destroyed(status="cannot undo", note=scrub(str(e)))

    def delete() -> int:
        picked = handler.recorded_row_keys(applied.end)
        if read_only:
            raise ReadOnly(len(picked))
        picked.reverse()
        return int(handler.delete_keys(picked, f"delete the rows of '{dp.name}'"))

    try:
        return _closing(
            handler, delete, lambda rows: "done" if rows else "nothing to undo", BY_KEYS
        )
    except ReadOnly as counted:
        return Destroyed(int(counted.args[0]), "nothing to undo", BY_KEYS)


def recorded_keys_cover(plan: Plan, dp: DatasetPlan, position: int, fingerprint: str) -> str | None:
    """Why the rows of ``fingerprint`` on step ``position`` of ``dp`` cannot be deleted by
    their recorded keys (None: they can), read without deleting or locking."""
    target = dp.targets[position]
    resources = ResourcePool()
    try:
        handler = adapt(target.handler_cls(target.options))
        done = recorded_keys_session(plan, dp, position, resources, 0.0, handler, fingerprint,
                                      read_only=True)  # fmt: skip
    finally:
        resources.close_all()
    return done.note if done.status != "nothing to undo" else None


PRUNE_ONLY = "apply --prune removes rows of SQL targets only: destroy, then apply again"


@runtime_checkable
class Prunes(Protocol):
    """An undo session that can delete and forget only the rows from one row on (SQL)."""

    def open_undo(self, ctx: Any) -> Applied: ...

    def prune_from(self, start: int) -> None: ...

    def close_undo(self, error: BaseException | None) -> None: ...


def prune_session(
    plan: Plan,
    dp: DatasetPlan,
    position: int,
    keys: KeyStore,
    resources: ResourcePool,
    lock_timeout: float,
    handler: Any,
    start: int,
) -> Destroyed:
    """apply --prune for one step: delete the rows the ledger records from row ``start``
    (regenerated, by their keys, as destroy does) and forget just those."""
    if not isinstance(handler, Prunes):
        return Destroyed(status="cannot undo", note=PRUNE_ONLY)
    ctx = handler_context(
        plan, dp, position, run_id="prune", resources=resources, lock_timeout=lock_timeout
    )
    try:
        applied = handler.open_undo(ctx)
        handler.prune_from(start)
    except HandlerError as e:
        handler.close_undo(e)
        return Destroyed(status="cannot undo", note=scrub(str(e)))
    stop = applied.end

    def delete() -> int:
        return _delete(plan, dp, keys, handler, stop, start) if stop > start else 0

    return _closing(handler, delete, lambda rows: "done" if rows else "nothing to undo")


def _closing(
    handler: Any, delete: Callable[[], int], status: Callable[[int], str], note: str = ""
) -> Destroyed:
    """Run an opened undo session's ``delete`` and close it with the outcome: committed
    when it went through, rolled back on any error (a handler's is reported, not raised)."""
    try:
        rows = delete()
    except BaseException as e:
        handler.close_undo(e)
        if isinstance(e, HandlerError):
            return Destroyed(status="failed", note=scrub(str(e)))
        raise
    handler.close_undo(None)
    return Destroyed(rows, status(rows), note)


def only_other_spec(
    plan: Plan, dp: DatasetPlan, position: int, resources: ResourcePool
) -> str | None:
    """The one other spec a step's ledger holds rows of, when this spec cannot find them
    (not grown from, nor found by this spec's keys): destroy deletes them by the keys the
    ledger recorded (an earlier seed, model or Faker: whatever changed)."""
    current = dp.fingerprint.digest if dp.fingerprint is not None else ""
    try:
        found = step_recorded(plan, dp, position, resources)
    except Exception:  # unreadable: open_undo reports it, with the handler's words
        return None
    if found is None:
        return None
    others = found.applied.fingerprints - dp.accepted - {current}
    if len(others) != 1 or current in found.applied.fingerprints:
        return None
    if rekeyed(dp, others, found.specs) is not None:
        return None
    return next(iter(others))


def _undo_fingerprint(
    plan: Plan, dp: DatasetPlan, position: int, resources: ResourcePool
) -> tuple[str, str]:
    """The fingerprint whose rows go: the plan's, or the earlier spec's the ledger holds
    when only what its rows read changed and the keys read none of it; with a note."""
    current = dp.fingerprint.digest if dp.fingerprint is not None else ""
    try:
        found = step_recorded(plan, dp, position, resources)
    except Exception:  # unreadable: open_undo reports it, with the handler's words
        return current, ""
    recorded = rekeyed(dp, found.applied.fingerprints - dp.accepted, found.specs) if found else None
    if recorded is None or dp.fingerprint is None:
        return current, ""
    changed = ", ".join(dp.fingerprint.changed(recorded))
    return recorded.digest, (
        f"written by an earlier spec (changed: {changed}); deleted by this spec's keys, "
        "which read nothing that changed"
    )


def _deferrable_targets(plan: Plan) -> set[str]:
    """Targets holding a cycle of NOT NULL deferrable keys: their steps are destroyed in one
    transaction, the keys checked at its COMMIT (no order deletes such a cycle otherwise)."""
    return {d.target for dp in plan.datasets for d in dp.deferred if d.mode == "deferrable"}


def _commit_shared(resources: ResourcePool, results: list[Undone]) -> None:
    """Commit the shared transaction; when it fails, none of its steps was undone."""
    try:
        undone = set(resources.finish(None))
    except Exception as e:
        undone, why = {(r.dataset, r.target) for r in results}, scrub(str(e))
    else:
        why = "rolled back with another step of the same transaction"
    for r in results:
        if r.status == "done" and (r.dataset, r.target) in undone:
            r.status, r.note, r.rows = "failed", why, 0


def _delete(
    plan: Plan, dp: DatasetPlan, keys: KeyStore, handler: Any, stop: int, start: int = 0
) -> int:
    """Delete the rows the ledger records (from row ``start`` on); a self-referencing
    table's in reverse row order (each row's parent is an earlier row), so no parent goes
    before its children."""
    batches = list(_from_row(regenerated_batches(plan, dp, keys, stop), start))
    if not (isinstance(handler, DeletesByKeys) and handler.self_referencing):
        return sum(int(handler.undo(batch)) for batch in batches)
    picked = [k for batch in batches for k in handler.undo_keys(batch)]
    picked.reverse()
    return int(handler.delete_keys(picked, f"delete the rows of '{dp.name}'"))


def _from_row(batches: Iterator[Batch], start: int) -> Iterator[Batch]:
    """The rows of ``batches`` from row ``start`` on (all of them for 0)."""
    for batch in batches:
        if batch.stop <= start:
            continue
        yield batch if batch.start >= start else cut(batch, start, batch.stop)


def _cut_cycles(plan: Plan, dp: DatasetPlan, target: str, handler: Any, keys: KeyStore) -> None:
    """Set NULL the deferred columns that point at ``dp``'s rows (a cycle's nullable edge)
    on the seeded rows of their dataset, in ``dp``'s transaction, before its rows go."""
    for d in dp.deferred:
        if d.mode != "update" or d.target != target:
            continue
        child = plan.dataset(d.child)
        handler.update_now(
            ColumnUpdate(
                dataset=child.name,
                model=child.shape,
                table=d.table,  # resolved at plan, also when --only left the child out
                schema=d.schema,
                keys=d.keys,
                column=d.field,
                rows=lambda _, d=d, child=child: update_rows(d, child, keys, False),  # type: ignore[misc]
            )
        )


def undo_alone(plan: Plan, dp: DatasetPlan, position: int, lock_timeout: float) -> Undone:
    """Remove what the ledger of target ``position`` of ``dp`` holds when it needs no spec
    to find it (a file: its offsets say which bytes are seedrunner's), whatever spec wrote it."""
    resources = ResourcePool()
    try:
        return _undo(plan, dp, position, KeyStore(), resources, lock_timeout)
    finally:
        resources.close_all()
