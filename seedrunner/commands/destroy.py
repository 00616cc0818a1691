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

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from seedrunner.commands.rekey import rekeyed
from seedrunner.commands.status import step_ledger
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError
from seedrunner.execute.deferred import update_rows
from seedrunner.execute.keys import KeyStore
from seedrunner.execute.regenerate import dataset_batches, record_keys
from seedrunner.generate.rows import Batch
from seedrunner.handlers.adapters import adapt
from seedrunner.handlers.base import HandlerContext
from seedrunner.handlers.files import AppendableOptions
from seedrunner.handlers.sqlalchemy import SqlAlchemyHandler, SqlAlchemyOptions
from seedrunner.handlers.sqlupdate import ColumnUpdate
from seedrunner.ledger.fileledger import undo_file
from seedrunner.ledger.stored import StoredLedger
from seedrunner.ledger.storeoptions import keeps_stored_ledger
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
    plan: Plan, only: Sequence[str] | None = None, lock_timeout: float = 0.0
) -> list[Undone]:
    """Delete what the ledgers record for ``plan``'s datasets (all, or ``only``)."""
    wanted = set(only) if only else {d.name for d in plan.datasets}
    resources = ResourcePool()
    try:
        keys = KeyStore()
        for dp in plan.datasets:  # parents' key columns, as apply recorded them
            record_keys(plan, dp, keys)
        out: list[Undone] = []
        shared = _deferrable_targets(plan)
        for dp in reversed(plan.datasets):  # children before parents
            if dp.name in wanted:
                out += [
                    _undo(plan, dp, i, keys, resources, lock_timeout, shared)
                    for i in range(len(dp.targets))
                ]
        if shared:
            _commit_shared(resources, [r for r in out if r.target in shared])
        return out
    finally:
        resources.close_all()


def _batches(plan: Plan, dp: DatasetPlan, keys: KeyStore, stop: int) -> Iterator[Batch]:
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
) -> Undone:
    target = dp.targets[position]
    result = Undone(dp.name, target.name)
    if isinstance(target.options, AppendableOptions) and target.options.ledger:
        return _undo_file(plan, dp, target.options, result, lock_timeout)
    handler: Any
    if keeps_stored_ledger(target.options):  # HTTP, Redis, plugins: a state store
        handler = StoredLedger(adapt(target.handler_cls(target.options)), target)
    elif isinstance(target.options, SqlAlchemyOptions):
        handler = SqlAlchemyHandler(target.options)
    else:
        keeps = getattr(target.options, "ledger", False)
        why = "destroy does not remove file rows yet" if keeps else "keeps no ledger"
        result.status, result.note = "cannot undo", f"handler {target.handler}: {why}"
        return result
    fingerprint, result.note = _undo_fingerprint(plan, dp, position, resources)
    ctx = HandlerContext(
        dataset=dp.name,
        target=target.name,
        model=dp.shape,
        fields=list(dp.output),
        batch_size=dp.batch_size,
        total_rows=dp.count.total,
        run_id="destroy",
        seed=dp.seed,
        base_dir=plan.base_dir,
        resources=resources,
        retries=target.options.retry_policy(dp.retries),
        options=target.options,
        manifest=plan.manifest,
        position=position,
        fingerprint=fingerprint,
        lock_timeout=lock_timeout,
    )
    try:
        if shared and target.name in shared and isinstance(handler, SqlAlchemyHandler):
            applied = handler.open_undo(ctx, shared=True)
        else:
            applied = handler.open_undo(ctx)
    except HandlerError as e:
        handler.close_undo(e)
        result.status, result.note = "cannot undo", scrub(str(e))
        return result
    try:
        stop = max((b for ranges in applied.ranges.values() for _, b in ranges), default=0)
        if stop:
            _cut_cycles(plan, dp, target.name, handler, keys)
        result.rows += _delete(plan, dp, keys, handler, stop)
    except BaseException as e:
        handler.close_undo(e)
        result.status, result.note = "failed", scrub(str(e))
        if isinstance(e, HandlerError):
            return result
        raise
    handler.close_undo(None)
    result.status = "done" if stop else "nothing to undo"
    return result


def _undo_fingerprint(
    plan: Plan, dp: DatasetPlan, position: int, resources: ResourcePool
) -> tuple[str, str]:
    """The fingerprint whose rows go: the plan's, or the earlier spec's the ledger holds
    when only what its rows read changed and the keys read none of it; with a note."""
    current = dp.fingerprint.digest if dp.fingerprint is not None else ""
    try:
        found = step_ledger(plan, dp, position, resources)
    except Exception:  # unreadable: open_undo reports it, with the handler's words
        return current, ""
    recorded = rekeyed(dp, found[0].fingerprints, found[1]) if found is not None else None
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


def _delete(plan: Plan, dp: DatasetPlan, keys: KeyStore, handler: Any, stop: int) -> int:
    """Delete the rows the ledger records; a self-referencing table's in reverse row order
    (each row's parent is an earlier row), so no parent goes before its children."""
    if not getattr(handler, "self_referencing", False):
        return sum(int(handler.undo(batch)) for batch in _batches(plan, dp, keys, stop))
    picked = [k for batch in _batches(plan, dp, keys, stop) for k in handler.undo_keys(batch)]
    picked.reverse()
    return int(handler.delete_keys(picked, f"delete the rows of '{dp.name}'"))


def _cut_cycles(plan: Plan, dp: DatasetPlan, target: str, handler: Any, keys: KeyStore) -> None:
    """Set NULL the deferred columns that point at ``dp``'s rows (a cycle's nullable edge)
    on the seeded rows of their dataset, in ``dp``'s transaction, before its rows go."""
    for d in dp.deferred:
        if d.mode != "update" or d.target != target:
            continue
        child = plan.dataset(d.child)
        found = [t.options for t in child.targets if t.name == target]
        options = found[0] if found else None
        handler.update_now(
            ColumnUpdate(
                dataset=child.name,
                model=child.shape,
                table=getattr(options, "table", None),
                schema=getattr(options, "schema_", None),
                keys=d.keys,
                column=d.field,
                rows=lambda _, d=d, child=child: update_rows(d, child, keys, False),  # type: ignore[misc]
            )
        )


def undo_file_target(plan: Plan, dp: DatasetPlan, position: int, lock_timeout: float) -> Undone:
    """Remove what one ledgered file target of ``dp`` holds, whatever spec wrote it (its
    ledger's offsets, not the spec, say which bytes are seedrunner's)."""
    target = dp.targets[position]
    assert isinstance(target.options, AppendableOptions)
    return _undo_file(plan, dp, target.options, Undone(dp.name, target.name), lock_timeout)


def _undo_file(
    plan: Plan, dp: DatasetPlan, options: AppendableOptions, result: Undone, lock_timeout: float
) -> Undone:
    """Remove a file seedrunner wrote with a ledger; one that changed since is left alone."""
    try:
        path = options.output_path(plan.base_dir, dataset=dp.name, target=result.target)
        removed = undo_file(path, "destroy", lock_timeout)
    except HandlerError as e:
        result.status, result.note = "cannot undo", scrub(str(e))
        return result
    except OSError as e:
        result.status, result.note = "failed", scrub(f"{e.filename}: {e.strerror or e}")
        return result
    if removed is None:
        result.status = "nothing to undo"
        return result
    result.rows, result.status, result.note = removed.rows, "done", removed.how
    return result
