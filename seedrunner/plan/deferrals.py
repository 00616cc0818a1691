"""Deferred cycle edges, applied to the dataset plans (the choice is ``plan.cycles``).

The child of a deferred edge keeps its column's compiled ``ref`` (its row picker and null
mask) in a ``DeferredRef``; for an ``update`` edge it writes NULL instead, and its parent's
step sets the column afterwards.  The keys the update needs (the child's primary key, the
parent's referenced column) are added to the plans' ``keep``.  Problems are located at
what the user wrote.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from seedrunner.generate.columns import Column, ConstantColumn
from seedrunner.generate.streams import derive_seed
from seedrunner.plan.cycles import Deferral
from seedrunner.plan.steps import DatasetPlan, DeferredRef, FieldPlan

Problem = Callable[[str, tuple[str | int, ...], str], None]


def _table_of(dp: DatasetPlan, target: str) -> tuple[str | None, str | None]:
    """The table and schema ``dp``'s target ``target`` names (None: the model's own), so the
    executor and destroy need not read a SQL target's options."""
    options = next((t.options for t in dp.targets if t.name == target), None)
    return getattr(options, "table", None), getattr(options, "schema_", None)


def defer_fields(dp: DatasetPlan, deferrals: list[Deferral], problem: Problem) -> None:
    """On the child ``dp``: take the deferred columns' refs out of its rows (``update``)."""
    pk = [f.name for f in dp.shape.primary_key]
    keys = tuple(pk) if pk and all(name in dp.output for name in pk) else ()
    for d in deferrals:
        if d.child != dp.name:
            continue
        table, schema = _table_of(dp, d.target)
        for link in d.links:
            at = next((i for i, f in enumerate(dp.fields) if f.name == link.field), None)
            ref = dp.fields[at] if at is not None else None
            if ref is None or ref.ref is None or at is None:
                continue  # skipped or excluded: nothing to write, nothing to defer
            if d.mode == "update" and not keys:
                problem(
                    f"{dp.name}.{link.field} closes the cycle through {d.parent} and is set "
                    f"after {d.parent} is written, by {dp.name}'s primary key, which "
                    f"{dp.name} does not generate",
                    link.path,
                    f"generate {dp.name}'s primary key (drop its skip/exclude), or make "
                    "another column of the cycle nullable",
                )
                continue
            deferred = DeferredRef(
                child=dp.name,
                field=link.field,
                parent=d.parent,
                column=ref.ref.field,
                mode=d.mode,
                why=f"{dp.name}.{link.field} -> {d.parent}.{ref.ref.field}",
                target=d.target,
                ref=ref,
                keys=keys,
                unique=link.unique,
                constraint=link.constraint,
                table=table,
                schema=schema,
            )
            dp.deferred_fields.append(deferred)
            if d.mode == "update":
                dp.fields[at] = FieldPlan(
                    link.field,
                    "column",
                    f"null, then set to {ref.source.removeprefix('ref ')} once {d.parent} "
                    "is written (cycle)",
                    column=ConstantColumn(None),
                )
                dp.keep |= set(keys)


def complete(plans: dict[str, DatasetPlan], problem: Problem) -> list[str]:
    """Give each parent the updates it completes; check the targets; the notes for plan."""
    notes: list[str] = []
    for child in plans.values():
        for d in child.deferred_fields:
            parent = plans[d.parent]
            parent.deferred.append(d)
            parent.keep.add(d.column)
            if d.unique:
                _distinct(child, parent, d, problem)
            if d.mode == "deferrable":
                notes += _deferrable(plans, child, parent, d, problem)
    return notes


def _distinct(child: DatasetPlan, parent: DatasetPlan, d: DeferredRef, problem: Problem) -> None:
    """A unique deferred column: a distinct parent row for each child row."""
    size = parent.count.total
    if child.count.total > size:
        problem(
            f"{d.label} is unique, so each of {child.name}'s {child.count.total} rows needs "
            f"a {d.parent} row of its own, and {d.parent} has {size}",
            ("datasets", child.name, "count"),
            f"give {child.name} at most {size} rows, or {d.parent} at least {child.count.total}",
        )
        return
    assert d.ref is not None
    d.ref = replace(d.ref, column=Permuted(child.seed, d, size))
    if d.mode == "deferrable":  # the child's rows carry the values themselves
        child.fields = [d.ref if f.name == d.field else f for f in child.fields]


class Permuted(Column):
    """Row picks ``i -> (a*i + b) mod size``, ``a`` coprime to ``size``: a distinct parent
    for every child row, computed for any row alone (chunk-addressable, no memory), as
    the uniform values a ref's picker yields (``int(u * size)`` is the pick)."""

    def __init__(self, seed: int, d: DeferredRef, size: int) -> None:
        self.size = max(size, 1)
        a = derive_seed(seed, d.child, d.field, "deferred-unique", "step") % self.size or 1
        while math.gcd(a, self.size) != 1:
            a += 1
        self.a = a
        self.b = derive_seed(seed, d.child, d.field, "deferred-unique", "offset") % self.size

    def values(self, start: int, n: int) -> list[Any]:
        size, a, b = self.size, self.a, self.b
        return [((a * i + b) % size + 0.5) / size for i in range(start, start + n)]


def _deferrable(
    plans: dict[str, DatasetPlan],
    child: DatasetPlan,
    parent: DatasetPlan,
    d: DeferredRef,
    problem: Problem,
) -> list[str]:
    """A NOT NULL deferrable key: the parent's keys are known before its rows are written
    (generated from their own column), and every dataset on the target shares the run's
    transaction, in which the constraint is checked at COMMIT."""
    key = next((f for f in parent.fields if f.name == d.column), None)
    if key is None or key.kind != "column" or key.column is None:
        problem(
            f"{d.label} is a NOT NULL deferrable foreign key closing a cycle: {child.name} "
            f"is written first, with {d.parent}'s keys, so {d.parent}.{d.column} must be "
            "generated by seedrunner, not by the database or a template",
            ("datasets", d.parent),
            f"let seedrunner generate {d.parent}.{d.column} (drop skip/exclude or its "
            f"template), or make {d.label.split(' ->')[0]} nullable",
        )
        return []
    for dp in plans.values():
        for t in dp.targets:
            if t.name == d.target and getattr(t.options, "transaction", None) != "run":
                t.options = t.options.model_copy(update={"transaction": "run"})
    return [
        f"target '{d.target}' writes in one transaction (transaction: run): {d.label} "
        f"closes a cycle and is NOT NULL, so {child.name} is written first and its "
        "DEFERRABLE foreign key is checked at COMMIT"
    ]
