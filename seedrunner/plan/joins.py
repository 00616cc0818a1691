"""Unique keys made of references: join tables and one-to-one children.

A unique key (primary key, unique constraint or index) whose columns are all references to
other datasets (foreign keys, or ``ref`` fields) cannot take independent picks: two rows
would soon share a tuple and the database refuses the second.  Such a key gets one distinct
draw (``generate.tuples``): rows take distinct tuples of parent rows without replacement,
or, under ``count.per`` with the per-parent column in the key, tuples distinct among one
parent's children.  A key of one reference is a one-to-one child: one row per parent by
default (``one_to_one_parent`` sets the count), distinct parents when fewer.  A key that
adds one plain integer column to the per-parent reference (order lines: order_id, line_no)
numbers each parent's children 1, 2, ... in that column.

Asking for more rows than there are tuples is a plan error naming the key and the capacity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from math import prod

from seedrunner.generate.tuples import PARENT, PositionColumn, TupleColumn, TupleDraw
from seedrunner.manifest import schema as S
from seedrunner.models.shape import ModelShape
from seedrunner.plan.context import DatasetContext
from seedrunner.plan.steps import CountPlan, FieldPlan


def unique_keys(shape: ModelShape) -> list[tuple[str, ...]]:
    """Every column set that must be unique, smallest first (the primary key first among
    equals): a smaller key drawn distinct makes every key containing it distinct."""
    keys: list[tuple[str, ...]] = []
    pk = tuple(f.name for f in shape.primary_key)
    candidates = [pk] if pk else []
    candidates += [(f.name,) for f in shape.fields if f.unique]
    candidates += list(shape.unique_together)
    for key in candidates:
        if key and key not in keys:
            keys.append(key)
    return sorted(keys, key=len)


def one_to_one_parent(
    name: str, ds: S.DatasetSpec, shape: ModelShape, tables: Mapping[str, str]
) -> str | None:
    """The dataset whose rows this one extends one-to-one: a single-column unique key (or
    the primary key) that refers to another dataset's rows.  None when the count is
    written (or fixed rows give it), or there is no such key."""
    if "count" in ds.model_fields_set or ds.rows is not None or ds.from_ is not None:
        return None
    for key in unique_keys(shape):
        if len(key) != 1:
            continue
        parent = _parent_of(name, ds, shape, key[0], tables)
        if parent is not None:
            return parent
    return None


def _parent_of(
    name: str, ds: S.DatasetSpec, shape: ModelShape, fname: str, tables: Mapping[str, str]
) -> str | None:
    if fname in ds.exclude:
        return None
    spec = ds.fields.get(fname)
    if isinstance(spec, S.RefSpec):
        ref = spec.dataset_ref
        return ref[0] if ref is not None and ref[0] != name else None
    f = shape.field(fname)
    if spec is not None or f is None or f.foreign_key is None:
        return None
    parent = tables.get(f.foreign_key.table)
    return parent if parent != name else None


def plan_joins(
    ctx: DatasetContext, fields: list[FieldPlan], count: CountPlan, totals: Mapping[str, int]
) -> None:
    """Give every unique key made of references one distinct draw (edits ``fields``)."""
    by_name = {f.name: f for f in fields}
    drawn: list[tuple[str, ...]] = []
    for key in unique_keys(ctx.shape):
        members = [by_name.get(n) for n in key]
        if any(m is None for m in members):
            continue  # a column left to the database or skipped
        plans = [m for m in members if m is not None]
        refs = [m for m in plans if m.ref is not None and m.ref.dataset != ctx.name]
        others = [m for m in plans if all(m is not r for r in refs)]
        if not refs or any(set(d) <= set(key) for d in drawn):
            continue  # no reference, or distinct already through a smaller key
        if any(r.ref is not None and r.ref.dataset not in totals for r in refs):
            continue  # a parent planned later (a cycle's deferred edge sets it: plan.deferrals)
        position = _position(ctx, refs, others)
        if others and position is None:
            continue
        if any(set(d) & set(key) for d in drawn):
            ctx.warnings.append(
                f"{ctx.name}: unique key ({', '.join(key)}) shares columns with a key drawn "
                "distinct already, so its tuples are not drawn distinct: the database may "
                "refuse a repeat"
            )
            continue
        if _draw(ctx, key, refs, position, count, totals):
            drawn.append(key)


def _position(
    ctx: DatasetContext, refs: list[FieldPlan], others: list[FieldPlan]
) -> FieldPlan | None:
    """The plain integer column that numbers a parent's children in a key (order lines)."""
    if len(others) != 1 or not any(r.ref is not None and r.ref.via_parent for r in refs):
        return None
    f = others[0]
    fshape = ctx.shape.field(f.name)
    if f.name in ctx.spec.fields or fshape is None or fshape.type.kind != "int":
        return None
    return f if f.kind == "column" else None


def _draw(
    ctx: DatasetContext,
    key: tuple[str, ...],
    refs: list[FieldPlan],
    position: FieldPlan | None,
    count: CountPlan,
    totals: Mapping[str, int],
) -> bool:
    label = f"({', '.join(key)})"
    per = next((r for r in refs if r.ref is not None and r.ref.via_parent), None)
    axes = [r for r in refs if r is not per]
    if per is not None and position is not None:
        return _number_children(ctx, label, position, count)
    targets = [(r.ref.dataset, r.ref.field) for r in axes if r.ref is not None]
    avoid = _avoid(targets, per)
    sizes = tuple(totals.get(d, 0) - (k in avoid) for k, (d, _) in enumerate(targets))
    space = prod(max(s, 0) for s in sizes)
    names = [d for d, _ in targets]
    shown = " x ".join(map(str, sizes)) + (f" = {space}" if len(sizes) > 1 else "")
    shown += " (no row paired with itself)" if avoid else ""
    seed = ctx.seed(",".join(key), "distinct")
    raw = tuple(totals.get(d, 0) for d, _ in targets)
    if per is not None:
        assert count.cumulative is not None
        assert count.bounds is not None
        most = count.bounds[1]
        if most > space:
            _too_many_per(ctx, label, most, names, shown, space)
            return False
        if not axes:  # one child at most per parent: the per column alone is the key
            per.source += f", {label} distinct (at most one per {ctx.per} row)"
            return True
        draw = TupleDraw(seed, raw, cumulative=count.cumulative, avoid=avoid)
        what = f"distinct {label} per {ctx.per} row, of {shown}"
    else:
        if count.total > space:
            _too_many(ctx, label, count.total, names, shown, space)
            return False
        identity = len(axes) == 1 and "count" not in ctx.spec.model_fields_set
        draw = TupleDraw(seed, raw, identity=identity, avoid=avoid)
        what = (
            f"one per {names[0]} row, in order (one-to-one)"
            if identity
            else f"distinct {label} of {shown}"
        )
    for axis, r in enumerate(axes):
        assert r.ref is not None
        r.ref = replace(r.ref, via_parent=False, indexed=True)
        r.column = TupleColumn(draw, axis)
        r.source = f"ref {r.ref.dataset}.{r.ref.field}, {what}"
    return True


def _number_children(
    ctx: DatasetContext, label: str, position: FieldPlan, count: CountPlan
) -> bool:
    """Number each parent's children 1, 2, ... in ``position`` (order lines)."""
    assert count.cumulative is not None
    assert count.bounds is not None
    fshape = ctx.shape.field(position.name)
    t = fshape.type if fshape is not None else None
    top = None
    if t is not None:
        top = t.le if t.le is not None else (t.lt - 1 if t.lt is not None else None)
    if top is not None and count.bounds[1] > top:
        ctx.problem(
            f"{ctx.name}: up to {count.bounds[1]} rows per {ctx.per} row are numbered "
            f"1, 2, ... in {position.name} for a distinct {label}, but {position.name} "
            f"stops at {top:g}",
            "count",
            hint=f"lower count.max (or exactly) to at most {top:g}, or give {position.name} a spec",
            code="SR-E042",
        )
        return False
    position.column = PositionColumn(count.cumulative)
    position.source = f"position among the {ctx.per} row's children, from 1: {label} distinct"
    position.guaranteed = False
    return True


def _avoid(targets: list[tuple[str, str]], per: FieldPlan | None) -> dict[int, int]:
    """Axes that point at the same rows as an earlier axis (or as the per-parent column)
    never take that row: a user does not follow themself, a city is no route to itself."""
    avoid: dict[int, int] = {}
    for k, target in enumerate(targets):
        if per is not None and per.ref is not None and target == (per.ref.dataset, per.ref.field):
            avoid[k] = PARENT
        elif target in targets[:k]:
            avoid[k] = targets.index(target)
    return avoid


def _too_many(
    ctx: DatasetContext,
    label: str,
    total: int,
    names: list[str],
    shown: str,
    space: int,
) -> None:
    parents = " x ".join(names)
    ctx.problem(
        f"{ctx.name}: {total} rows need distinct {label}, but {parents} give only {shown}",
        "count",
        hint=(f"leave count out (one row per {names[0]} row), " if len(names) == 1 else "")
        + f"lower count to at most {space}, or seed more rows in "
        + " or ".join(dict.fromkeys(names)),
        code="SR-E042",
    )


def _too_many_per(
    ctx: DatasetContext,
    label: str,
    most: int,
    names: list[str],
    shown: str,
    space: int,
) -> None:
    others = " x ".join(names) or "nothing else"
    ctx.problem(
        f"{ctx.name}: up to {most} rows per {ctx.per} row need distinct {label}, but for "
        f"one {ctx.per} row {others} give only {shown or 1}",
        "count",
        hint=f"lower count.max (or exactly) to at most {space}"
        + (f", or seed more rows in {' or '.join(dict.fromkeys(names))}" if names else ""),
        code="SR-E042",
    )
