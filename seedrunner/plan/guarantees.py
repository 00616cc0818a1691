"""Which generators cannot produce an invalid value: the proofs behind FieldPlan.guaranteed.

A proof, not a sample: each rule knows the whole set of values a generator can produce
(finite sets are listed, ranges checked at both ends, types stated by a sample of the
draw) and checks it with the validator's own per-value check (``values_fit``).  A type-driven
generator states its values itself (``Gen.bounds``); the columns are read here.  Anything
not stated (Faker calls, templates, functions, refs, whose values the handler chain may
replace) is not guaranteed and stays checked per batch.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from seedrunner.generate import columns as C
from seedrunner.generate.bounds import Lengths, OneOf, Span, TypeOf
from seedrunner.generate.gens import Gen, GenColumn
from seedrunner.models.shape import FieldShape, TypeShape
from seedrunner.models.validate import values_fit
from seedrunner.plan.steps import FieldPlan

if TYPE_CHECKING:
    from seedrunner.plan.context import DatasetContext

#: kinds whose check is the value's type only (plus awareness for datetime, bounds for bool),
#: so one value of the type stands for all of them.
_TYPE_ONLY = frozenset({"bool", "date", "datetime", "time", "timedelta", "uuid"})
#: integer presentation types: for n >= 0 the rendered length never shrinks as n grows.
_INT_FORMATS = frozenset("dnxXob")


def proven(ctx: DatasetContext, plan: FieldPlan) -> bool:
    """Can every value of this field's generator be proven to pass its check?"""
    fshape = ctx.shape.field(plan.name)
    if plan.kind != "column" or plan.column is None or fshape is None:
        return False
    if ctx.shape.kind == "schemaless" or fshape.type.pattern or fshape.type.format:
        return False  # a pattern or format is more than the column check reads
    return _column_proven(ctx, plan.column, fshape, in_range=True)


def _column_proven(ctx: DatasetContext, col: C.Column, f: FieldShape, *, in_range: bool) -> bool:
    """``in_range``: the column is only asked for rows 0 .. count-1 (UniqueColumn redraws
    from far-away rows, so a sequence under it is not bounded by the count)."""

    def fits(values: Iterable[Any]) -> bool:
        return values_fit(ctx.shape, f, values)

    if isinstance(col, C.NullableColumn):
        return fits([None]) and _column_proven(ctx, col.inner, f, in_range=in_range)
    if isinstance(col, C.UniqueColumn):
        return _column_proven(ctx, col.inner, f, in_range=False)
    if type(col) in (C.ConstantColumn, C.CopyingConstantColumn):
        return fits([getattr(col, "value", None)])
    if type(col) is C.ChoiceColumn:
        return fits(col.options)
    if type(col) is C.SequenceColumn:
        return in_range and _sequence_proven(ctx, col, f.type, fits)
    if type(col) is C.UuidColumn:
        if col.as_str:
            return f.type.kind == "str" and fits([str(uuid.UUID(int=0))])  # always 36 chars
        return f.type.kind in _TYPE_ONLY and fits([uuid.UUID(int=0)])
    if type(col) is GenColumn:
        return _gen_proven(col.gen, f.type, fits)
    return False


def _sequence_proven(
    ctx: DatasetContext, col: C.SequenceColumn, t: TypeShape, fits: Callable[..., bool]
) -> bool:
    if ctx.total == 0:
        return True
    first, last = col.start, col.start + (ctx.total - 1) * col.step
    if col.fmt is None:  # ints: the checks are bounds, so both ends decide
        return t.kind == "int" and fits([first, last])
    if t.kind != "str":
        return False
    try:
        ends = [col.fmt.format(v, n=v) for v in (first, last)]
    except (ValueError, KeyError, IndexError):
        return False
    if t.min_length is None and t.max_length is None:
        return fits(ends[:1])  # any str fits
    return min(first, last) >= 0 and _monotone_format(col.fmt) and fits(ends)


def _monotone_format(fmt: str) -> bool:
    """True if every replacement field renders n with an integer presentation type (length
    grows with n >= 0) and nothing else varies."""
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return False
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in ("n", "0", "") or conversion is not None or "{" in (spec or ""):
            return False
        last = (spec or "d")[-1]  # a width or grouping last: the integer default, "d"
        if last not in _INT_FORMATS and not last.isdigit() and last not in ",_":
            return False
    return True


def _gen_proven(gen: Gen, t: TypeShape, fits: Callable[..., bool]) -> bool:
    """The generator's own statement of its values, checked against the field's type."""
    match gen.bounds():
        case OneOf(values):
            return fits(values)
        case Lengths(lo, hi):
            return _lengths_proven(lo, hi, t, fits)
        case Span(kind, lo, hi, places):
            places_ok = places is None or t.decimal_places is None or places <= t.decimal_places
            return t.kind == kind and places_ok and fits([lo, hi])
        case TypeOf(samples):
            return t.kind in _TYPE_ONLY and fits(samples)
    return False


def _lengths_proven(lo: int, hi: int | None, t: TypeShape, fits: Callable[..., bool]) -> bool:
    """Strs of ``lo .. hi`` characters (hi None: any length from lo) all fit a str field."""
    if t.kind != "str" or (hi is None and t.max_length is not None):
        return False
    if hi is not None and hi < lo:
        return False
    return fits(["x" * lo] + ([] if hi is None else ["x" * hi]))
