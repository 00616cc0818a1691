"""Cycles between datasets: which edge to take out of the order, and how it is written.

A cycle (store.manager_staff_id -> staff, staff.store_id -> store) has no order in which
every row's parent is written first.  One edge of it is deferred: its child is written
first, and its column gets the parent's keys once the parent's rows are in.

- A **nullable** column is written NULL, then UPDATEd in the parent's transaction (its
  last batch's under ``transaction: batch``) (``DeferredRef.mode == "update"``).
- A NOT NULL column whose foreign key is **DEFERRABLE** on PostgreSQL is written with its
  values at once; both datasets share one transaction (``transaction: run``) in which the
  constraint is checked at COMMIT (``"deferrable"``).
- Otherwise the cycle is refused, located at what the user wrote (the ``table:`` or
  ``model:`` key, or the field), with the ways out.

The choice is deterministic: nullable before deferrable, a non-unique column before a
unique one, then the child's and the field's order in the manifest.  Only field edges can
be deferred (a ``ref`` or a foreign key): ``depends_on`` and ``count.per`` say the parent
must come first.
"""

from __future__ import annotations

import graphlib
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, Protocol

from seedrunner.manifest import schema as S
from seedrunner.models.shape import ModelShape


class EdgeLike(Protocol):
    @property
    def parent(self) -> str: ...
    @property
    def child(self) -> str: ...
    @property
    def why(self) -> str: ...
    @property
    def path(self) -> tuple[str | int, ...]: ...


@dataclass(frozen=True)
class Link:
    """A child's field whose values are the parent's keys: what deferring an edge defers."""

    child: str
    field: str
    parent: str
    column: str
    nullable: bool
    unique: bool
    deferrable: bool
    constraint: str | None
    path: tuple[str | int, ...]  # where the user wrote it (the field, or table:/model:)


@dataclass(frozen=True)
class Deferral:
    """One edge taken out of the order: every link from ``parent`` to ``child``."""

    parent: str
    child: str
    mode: Literal["update", "deferrable"]
    links: tuple[Link, ...]
    target: str  # the SQL target both datasets write to


@dataclass(frozen=True)
class Unbroken:
    """A cycle no edge of which can be deferred; why, as a located problem."""

    nodes: list[str]
    message: str
    path: tuple[str | int, ...]
    hint: str


def links(
    datasets: Mapping[str, S.DatasetSpec],
    shapes: Mapping[str, ModelShape],
    tables: Mapping[str, str],
) -> list[Link]:
    """Every field of every dataset that takes another dataset's keys (not ``count.per``)."""
    out: list[Link] = []
    for child, ds in datasets.items():
        shape = shapes[child]
        per = ds.count.per if isinstance(ds.count, S.CountPerSpec) else None
        for fname, fspec in ds.fields.items():
            ref = fspec.dataset_ref if isinstance(fspec, S.RefSpec) else None
            if ref is None or ref[0] == child or ref[0] == per or ref[0] not in datasets:
                continue
            fshape = shape.field(fname)
            nullable = fshape is None or fshape.optional
            fk = fshape.foreign_key if fshape is not None else None
            out.append(
                Link(
                    child, fname, ref[0], ref[1], nullable,
                    bool(fshape and (fshape.unique or fshape.primary_key)),
                    bool(fk and fk.deferrable), fk.constraint if fk else None,
                    ("datasets", child, "fields", fname),
                )
            )  # fmt: skip
        for f in shape.fields:
            fk = f.foreign_key
            if fk is None or f.name in ds.fields or f.name in ds.exclude:
                continue
            parent = tables.get(fk.table)
            if parent is None or parent in (child, per):
                continue
            key = "model" if ds.model else "table"
            out.append(
                Link(
                    child, f.name, parent, fk.column, f.optional, f.unique or f.primary_key,
                    fk.deferrable, fk.constraint, ("datasets", child, key),
                )
            )  # fmt: skip
    return out


def find_cycle(names: Iterable[str], pairs: Iterable[tuple[str, str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a] in parent -> child order, or None when there is none."""
    graph: dict[str, set[str]] = {n: set() for n in names}
    pairs = set(pairs)
    for parent, child in pairs:
        graph[child].add(parent)
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        nodes = list(exc.args[1])
        if not all((a, b) in pairs for a, b in itertools.pairwise(nodes)):
            nodes = nodes[::-1]  # graphlib may report the cycle child-first
        return nodes
    return None


def break_cycles(
    names: list[str],
    edges: list[EdgeLike],
    found: list[Link],
    shared_target: Callable[[str, str], tuple[str, str] | None],
    describe: Callable[[EdgeLike], str] = lambda e: e.why,
) -> tuple[list[Deferral], list[Unbroken]]:
    """Defer one edge of each cycle until none is left; the cycles that cannot be broken.

    ``shared_target(child, parent)`` is the SQL target both write to and its dialect
    ("postgresql", "mysql", "sqlite", ...), or None.
    """
    rank = {n: i for i, n in enumerate(names)}
    # a dataset's edge to itself (a self-reference: a tree within its rows) orders nothing
    pairs = {(e.parent, e.child) for e in edges if e.parent != e.child}
    fixed = {(e.parent, e.child) for e in edges if _is_order_edge(e)}
    deferred: list[Deferral] = []
    unbroken: list[Unbroken] = []
    while (cycle := find_cycle(names, pairs)) is not None:
        options = []
        for parent, child in itertools.pairwise(cycle):
            choice = _deferral(parent, child, fixed, found, shared_target)
            if choice is not None:
                options.append(choice)
        if not options:
            why_not = partial(_why_not, fixed=fixed, shared_target=shared_target)
            unbroken.append(_unbroken(cycle, edges, found, rank, describe, why_not))
            pairs -= set(itertools.pairwise(cycle))  # report every other cycle too
            continue
        best = min(options, key=lambda d: _preference(d, rank))
        deferred.append(best)
        pairs.discard((best.parent, best.child))
    return deferred, unbroken


def _is_order_edge(e: EdgeLike) -> bool:
    """``depends_on`` and ``count.per``: the parent must be written first, no way round."""
    return len(e.path) > 2 and e.path[2] in ("depends_on", "count")


def _deferral(
    parent: str,
    child: str,
    fixed: set[tuple[str, str]],
    found: list[Link],
    shared_target: Callable[[str, str], tuple[str, str] | None],
) -> Deferral | None:
    if (parent, child) in fixed:
        return None
    on_edge = tuple(lk for lk in found if lk.parent == parent and lk.child == child)
    target = shared_target(child, parent)
    if not on_edge or target is None:
        return None
    if all(lk.nullable for lk in on_edge):
        return Deferral(parent, child, "update", on_edge, target[0])
    if target[1] == "postgresql" and all(lk.nullable or lk.deferrable for lk in on_edge):
        return Deferral(parent, child, "deferrable", on_edge, target[0])
    return None


def _preference(d: Deferral, rank: dict[str, int]) -> tuple[Any, ...]:
    unique = any(lk.unique for lk in d.links)
    return (d.mode != "update", unique, rank[d.child], rank[d.parent])


def _unbroken(
    cycle: list[str],
    edges: list[EdgeLike],
    found: list[Link],
    rank: dict[str, int],
    describe: Callable[[EdgeLike], str],
    why_not: Callable[[Link], str],
) -> Unbroken:
    on_cycle = list(itertools.pairwise(cycle))
    on = sorted(
        (lk for lk in found if (lk.parent, lk.child) in on_cycle), key=lambda lk: rank[lk.child]
    )
    whys = [describe(e) for e in edges if (e.parent, e.child) in on_cycle]
    message = (
        f"dependency cycle: {' -> '.join(cycle)}; edges: {'; '.join(whys)}; no edge of it "
        "can be deferred (written first, completed once the other side is in)"
    )
    if not on:
        message += ": its edges are depends_on or count.per, which order datasets strictly"
        hint = "drop a depends_on on the cycle, or a ref/count.per that closes it"
        return Unbroken(cycle, message, _order_path(edges, on_cycle), hint)
    reasons = {lk: why_not(lk) for lk in on}
    message += ": " + "; ".join(f"{lk.child}.{lk.field} {why}" for lk, why in reasons.items())
    columns = ", ".join(f"{lk.child}.{lk.field}" for lk in on)
    first = on[0]
    hint = (
        f"make one of {columns} nullable (seedrunner writes it NULL, then updates it once "
        "the other side is written), declare its foreign key DEFERRABLE on PostgreSQL, or "
        f"leave one out with exclude: [{first.field}] under datasets.{first.child} when the "
        "database has a default for it"
    )
    if any(why == _NO_TARGET for why in reasons.values()):
        hint = (
            f"persist {first.child} and {first.parent} to the same sqlalchemy target (by "
            "name, under targets:); or " + hint
        )
    return Unbroken(cycle, message, first.path, hint)


_NO_TARGET = "is not written to a sqlalchemy target both datasets share"


def _why_not(
    link: Link,
    fixed: set[tuple[str, str]],
    shared_target: Callable[[str, str], tuple[str, str] | None],
) -> str:
    """Why ``link``'s edge cannot be deferred."""
    if (link.parent, link.child) in fixed:
        return f"comes with a depends_on or count.per on {link.parent}"
    target = shared_target(link.child, link.parent)
    if target is None:
        return _NO_TARGET
    if link.deferrable:
        return "is NOT NULL, and its DEFERRABLE key is deferred on PostgreSQL only"
    return "is NOT NULL"


def _order_path(edges: list[EdgeLike], on_cycle: list[tuple[str, str]]) -> tuple[str | int, ...]:
    for e in edges:
        if (e.parent, e.child) in on_cycle:
            return e.path
    return ("datasets",)
