"""A cycle's deferred edges at run time: the values of a deferred column, and the hooks.

``update`` edges: the child was written with the column NULL; when its parent's step runs,
its SQL handler gets a ``ColumnUpdate`` whose values are picked exactly as a ``ref`` picks
them (the child's own row picker and null mask over the parent's keys, from the KeyStore),
distinct for a unique column, and sets them before its commit.

``deferrable`` edges: the child is written first with the parent's keys, which are made
ahead from the parent's own key column (the same values its rows will get), and both
datasets' handlers defer the constraint to the run's COMMIT.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from seedrunner.execute.batches import BatchBuilder
from seedrunner.execute.keys import KeyStore
from seedrunner.generate.rows import Batch
from seedrunner.handlers.sqlupdate import ColumnUpdate
from seedrunner.plan.steps import CountPlan, DatasetPlan, DeferredRef, Plan, Step


def before_step(plan: Plan, dp: DatasetPlan, keys: KeyStore) -> None:
    """Make the keys a ``deferrable`` child reads before its parent is written; drop them
    again when the parent's own step starts (it records them as it writes)."""
    if any(d.mode == "deferrable" for d in dp.deferred):
        keys.forget(dp.name)
    for d in dp.deferred_fields:
        if d.mode != "deferrable" or keys.size(d.parent, d.column):
            continue
        parent = plan.dataset(d.parent)
        key = next(f for f in parent.fields if f.name == d.column)
        assert key.column is not None  # plan.deferrals checked it
        for start in range(0, parent.count.total, parent.batch_size):
            n = min(parent.batch_size, parent.count.total - start)
            batch = Batch(parent.name, 0, start, n, {d.column: key.column.values(start, n)})
            keys.record(parent.name, {d.column}, batch, batch)


def attach(
    plan: Plan,
    dp: DatasetPlan,
    handlers: Sequence[tuple[Step, Any]],
    keys: KeyStore,
    written: set[tuple[str, str]],
) -> None:
    """Give ``dp``'s SQL handlers the updates and deferred constraints of its cycles.

    ``written``: the (dataset, target) steps that wrote rows in this run."""
    by_target = {step.name: handler for step, handler in handlers}
    for d in dp.deferred:
        handler = by_target.get(d.target)
        if d.mode == "update" and handler is not None:
            child = plan.dataset(d.child)
            target = next((t for t in child.targets if t.name == d.target), None)
            if target is None:  # --only left the child out: its rows are not this run's
                continue
            handler.defer_update(
                ColumnUpdate(
                    dataset=child.name,
                    model=child.shape,
                    table=d.table,
                    schema=d.schema,
                    keys=d.keys,
                    column=d.field,
                    rows=lambda pending, d=d, child=child: update_rows(  # type: ignore[misc]
                        d, child, keys, pending=pending
                    ),
                    force=(child.name, d.target) in written,
                )
            )
    deferrable = [d for d in (*dp.deferred, *dp.deferred_fields) if d.mode == "deferrable"]
    for d in deferrable:
        handler = by_target.get(d.target)
        if handler is not None:
            handler.defer_constraints([x.constraint for x in deferrable])


def update_rows(
    d: DeferredRef,
    child: DatasetPlan,
    keys: KeyStore,
    values: bool = True,
    pending: Batch | None = None,
) -> Iterator[list[tuple[tuple[Any, ...], Any]]]:
    """(child key, value) pairs for every child row, a batch at a time; ``values`` False:
    NULL for each (destroy cuts the cycle).  ``pending``: the parent's last batch, written
    in this transaction but not yet in the KeyStore (``transaction: batch``)."""
    key_columns = [keys.column(child.name, k) for k in d.keys]
    total = min(child.count.total, *(len(c) for c in key_columns))
    if pending is not None:
        keys = _Pending(keys, d.parent, d.column, pending.columns[d.column])
    for start in range(0, total, child.batch_size):
        n = min(child.batch_size, total - start)
        ids = list(zip(*(c[start : start + n] for c in key_columns), strict=True))
        picked = _values(d, child, keys, start, n) if values else [None] * n
        yield list(zip(ids, picked, strict=True))


class _Pending(KeyStore):
    """A KeyStore whose ``(dataset, field)`` column goes on with the rows of a batch not
    recorded yet (no copy: a view of both)."""

    def __init__(self, base: KeyStore, dataset: str, field: str, tail: list[Any]) -> None:
        super().__init__()
        self.base, self.key, self.tail = base, (dataset, field), tail

    def column(self, dataset: str, name: str) -> Sequence[Any]:
        head = self.base.column(dataset, name)
        return _Chained(head, self.tail) if (dataset, name) == self.key else head

    def size(self, dataset: str, name: str) -> int:
        return len(self.column(dataset, name))


class _Chained(Sequence[Any]):
    def __init__(self, head: Sequence[Any], tail: Sequence[Any]) -> None:
        self.head, self.tail = head, tail

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return self.head[i] if i < len(self.head) else self.tail[i - len(self.head)]


def _values(d: DeferredRef, child: DatasetPlan, keys: KeyStore, start: int, n: int) -> list[Any]:
    """The column's values for child rows ``[start, start + n)``, picked by the ref's own
    generator (``BatchBuilder``; distinct for a unique column, see ``plan.deferrals``), as
    if the parent had been written first."""
    ref = d.ref
    assert ref is not None
    alone = replace(child, fields=[ref], output=[ref.name], count=CountPlan(child.count.total))
    return BatchBuilder(alone, keys, {}, None).build(0, start, n).columns[ref.name]
