"""Which generators cannot produce an invalid value: the proofs behind FieldPlan.guaranteed.

A proof, not a sample: each rule knows the whole set of values a generator can produce
(finite sets are listed, ranges checked at both ends, types read from the code that draws
them) and checks it with the validator's own per-value check (``values_fit``).  Anything not
listed (Faker calls, templates, functions, refs, whose values the handler chain may
replace) is not guaranteed and stays checked per batch.
"""

from __future__ import annotations

import datetime as dt
import inspect
import string
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from types import CodeType
from typing import TYPE_CHECKING, Any

from seedrunner.generate import columns as C
from seedrunner.generate import dates, names, typed
from seedrunner.generate.vector import RowDraw
from seedrunner.models.shape import FieldShape, TypeShape
from seedrunner.models.validate import values_fit
from seedrunner.plan.steps import FieldPlan

if TYPE_CHECKING:
    from seedrunner.plan.fields import DatasetContext

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
    if type(col) is typed.GenColumn:
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


def _gen_proven(gen: typed.Gen, t: TypeShape, fits: Callable[..., bool]) -> bool:
    if isinstance(gen, typed.ChoiceGen):
        return fits(o for opts, _ in gen.tables for o in opts)
    if type(gen) in (typed.MapGen, names.FitGen):  # post draws nothing: a finite set maps
        assert isinstance(gen, typed.MapGen)
        if isinstance(gen.inner, typed.ChoiceGen):
            return fits(gen.post(o) for opts, _ in gen.inner.tables for o in opts)
        return _fit_proven(gen.post, t, fits)
    if type(gen) is typed.WordsGen:  # lorem words grown to lo, cut at hi: str, lo..hi long
        return _lengths_proven(gen.lo, gen.hi, t, fits)
    if type(gen) is typed.LettersGen:
        return _lengths_proven(gen.lo, gen.lo + gen.span - 1, t, fits)
    if type(gen) is typed.IntGen:
        last = gen.lo + gen.step * (gen.count - 1)
        return t.kind == "int" and fits([gen.lo, last])
    if type(gen) is typed.DecimalGen:
        units = gen.units
        ends = [units.lo, units.lo + units.step * (units.count - 1)]
        places_ok = t.decimal_places is None or gen.places <= t.decimal_places
        values = [Decimal(u).scaleb(-gen.places) for u in ends]
        return t.kind == "decimal" and places_ok and fits(values)
    if type(gen) is typed.FloatGen:
        finite = all(abs(v) < float("inf") for v in (gen.lo, gen.hi))
        return t.kind == "float" and finite and fits([float(gen.lo), float(gen.hi)])
    if type(gen) is typed.FnGen and t.kind in _TYPE_ONLY:
        samples = _fn_samples(gen.fn)
        return samples is not None and fits(samples)
    return False


def _fit_proven(post: Callable[[Any], Any], t: TypeShape, fits: Callable[..., bool]) -> bool:
    """names._fit's ``fit`` cuts and pads any value to a str of the field's own lengths."""
    if getattr(post, "__code__", None) is not _FIT_CODE:
        return False
    bound = inspect.getclosurevars(post).nonlocals
    lo, hi = bound.get("lo"), bound.get("hi")
    return isinstance(lo, int) and _lengths_proven(lo, hi, t, fits)


def _lengths_proven(lo: int, hi: int | None, t: TypeShape, fits: Callable[..., bool]) -> bool:
    """Strs of ``lo .. hi`` characters (hi None: any length from lo) all fit a str field."""
    if t.kind != "str" or (hi is None and t.max_length is not None):
        return False
    if hi is not None and hi < lo:
        return False
    return fits(["x" * lo] + ([] if hi is None else ["x" * hi]))


def _fn_samples(fn: Callable[..., Any]) -> list[Any] | None:
    """Values that stand for everything ``fn`` can return (same type and awareness)."""
    if isinstance(fn, RowDraw):  # dates, datetimes, coins, UUIDs: each states its sample
        return list(fn.sample) or None
    if fn is dates.times_of_day:
        return [dt.time()]
    if fn is dates.durations:
        return [dt.timedelta()]
    return None


def _code(fn: Any) -> CodeType | None:
    return getattr(fn, "__code__", None)


def _post_of(gen: typed.Gen) -> Any:
    return getattr(gen, "post", None)


_FIT_CODE = _code(_post_of(names._fit(typed.choice_gen(["x"]), TypeShape("str", max_length=1))))
