"""Numbers: ints, floats and decimals inside a pleasant window clamped by the hard bounds.

Numbers stay inside 0..WINDOW unless the bounds say otherwise; bounds equal to an SQL
integer type's limits count as hard bounds only.  Each number gen states the two ends it
can reach (``bounds``), which is all the planner needs to prove a column within its bounds.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from typing import Any

import numpy as np

from seedrunner.errors import GenerationError
from seedrunner.generate import vector
from seedrunner.generate.bounds import Bounds, Span
from seedrunner.generate.gens import Gen
from seedrunner.generate.vector import Words
from seedrunner.models.shape import TypeShape

WINDOW = 10_000  # numbers without (soft) bounds fall in 0..WINDOW
_BIG = 1 << 50  # above this span, int(random() * span) loses precision: use randrange
_TYPE_LIMITS = frozenset(
    v for bits in (8, 16, 24, 32, 64) for v in (2 ** (bits - 1), 2 ** (bits - 1) - 1, 2**bits - 1)
)


def _soft(v: Any) -> Any:
    """A bound that merely restates an SQL integer type's range counts as no preference."""
    if v is None or (
        isinstance(v, int | float | Decimal) and v == int(v) and abs(v) in _TYPE_LIMITS
    ):
        return None
    return v


def window(lo: Any, hi: Any, width: Any, prefer: tuple[Any, Any] | None = None) -> tuple[Any, Any]:
    """A pleasant sub-range of the hard bounds ``lo .. hi`` (either may be None).

    ``prefer`` (e.g. 18..90 for ages) replaces the default ``0 .. width`` window.
    """
    if lo is not None and hi is not None and lo > hi:
        return lo, hi  # empty: the caller reports it
    slo, shi = _soft(lo), _soft(hi)
    if prefer is not None:
        wlo, whi = prefer
    elif slo is not None and shi is not None:
        wlo, whi = slo, shi
    elif slo is not None:
        wlo, whi = slo, max(slo, 0) + width
    elif shi is not None:
        wlo, whi = (0, shi) if shi > 0 else (shi - width, shi)
    else:
        wlo, whi = 0, width
    if lo is not None:
        wlo, whi = max(wlo, lo), max(whi, lo)
    if hi is not None:
        wlo, whi = min(wlo, hi), min(whi, hi)
    if prefer is not None and (
        (lo is not None and lo > prefer[1]) or (hi is not None and hi < prefer[0])
    ):
        return window(lo, hi, width)  # the preference lies outside the bounds: ignore it
    return wlo, whi


class IntGen(Gen):
    """``lo + step * k`` for a uniform ``k`` in ``0 .. count-1``."""

    def __init__(self, lo: int, count: int, step: int = 1) -> None:
        self.lo, self.count, self.step = lo, count, step
        self.capacity = count
        self.width = 1 if count <= _BIG else None
        self._small = abs(lo) + abs(step) * count < 1 << 62  # no int64 overflow in numpy

    def one(self, rng: random.Random) -> int:
        if self.count > _BIG:
            return self.lo + self.step * rng.randrange(self.count)
        return self.lo + self.step * int(rng.random() * self.count)

    def fill(self, w: Words) -> list[Any]:
        k = vector.below(w[:, 0], self.count)
        lo, step = self.lo, self.step
        if self._small:
            out: list[Any] = (k * step + lo).tolist() if step != 1 else (k + lo).tolist()
            return out
        return [lo + step * v for v in k.tolist()]

    def bounds(self) -> Bounds | None:
        return Span("int", self.lo, self.lo + self.step * (self.count - 1))


def _int_bounds(t: TypeShape) -> tuple[int | None, int | None]:
    lo = hi = None
    if t.ge is not None:
        lo = math.ceil(t.ge)
    if t.gt is not None:
        lo = max(lo, math.floor(t.gt) + 1) if lo is not None else math.floor(t.gt) + 1
    if t.le is not None:
        hi = math.floor(t.le)
    if t.lt is not None:
        hi = min(hi, math.ceil(t.lt) - 1) if hi is not None else math.ceil(t.lt) - 1
    return lo, hi


def int_gen(t: TypeShape, label: str, prefer: tuple[int, int] | None = None) -> IntGen:
    lo, hi = window(*_int_bounds(t), WINDOW, prefer)
    step = int(t.multiple_of) if t.multiple_of else 1
    klo, khi = math.ceil(lo / step), math.floor(hi / step)
    if khi < klo:
        raise GenerationError(f"{label}: no integer satisfies the field's bounds")
    return IntGen(klo * step, khi - klo + 1, step)


class FloatGen(Gen):
    def __init__(self, lo: float, hi: float, places: int | None = None) -> None:
        self.lo, self.hi, self.places = lo, hi, places
        self.width = 1

    def fill(self, w: Words) -> list[Any]:
        lo, hi, places = self.lo, self.hi, self.places
        raw = np.minimum(np.maximum(lo + vector.unit(w[:, 0]) * (hi - lo), lo), hi)
        values: list[float] = raw.tolist()
        if places is None:
            return values
        out = []
        for v in values:  # Python's round, correctly rounded (numpy's is not)
            rounded = round(v, places)
            out.append(rounded if lo <= rounded <= hi else v)
        return out

    def one(self, rng: random.Random) -> float:
        lo, hi = self.lo, self.hi
        v = min(max(lo + rng.random() * (hi - lo), lo), hi)
        if self.places is not None:
            rounded = round(v, self.places)
            if lo <= rounded <= hi:
                return rounded
        return v

    def bounds(self) -> Bounds | None:
        if not all(abs(v) < float("inf") for v in (self.lo, self.hi)):
            return None
        return Span("float", float(self.lo), float(self.hi))


def float_gen(
    t: TypeShape, label: str, prefer: tuple[float, float] | None = None, places: int | None = None
) -> FloatGen:
    lo = hi = None
    if t.ge is not None:
        lo = float(t.ge)
    if t.gt is not None:
        lo = max(lo if lo is not None else -math.inf, math.nextafter(float(t.gt), math.inf))
    if t.le is not None:
        hi = float(t.le)
    if t.lt is not None:
        hi = min(hi if hi is not None else math.inf, math.nextafter(float(t.lt), -math.inf))
    wlo, whi = window(lo, hi, float(WINDOW), prefer)
    if whi < wlo:
        raise GenerationError(f"{label}: no float satisfies the field's bounds")
    if t.multiple_of:
        m = float(t.multiple_of)
        count = math.floor(whi / m) - math.ceil(wlo / m) + 1
        if count < 1:
            raise GenerationError(f"{label}: no multiple of {m} lies within the bounds")
        ints = IntGen(math.ceil(wlo / m), count)
        return _MultipleFloat(ints, m)
    return FloatGen(float(wlo), float(whi), places)


class _MultipleFloat(FloatGen):
    def __init__(self, ints: IntGen, m: float) -> None:
        super().__init__(0.0, 0.0)
        self.ints, self.m = ints, m
        self.width = ints.width

    def fill(self, w: Words) -> list[Any]:
        m = self.m
        return [k * m for k in self.ints.fill(w)]

    def one(self, rng: random.Random) -> float:
        return self.ints.one(rng) * self.m

    def bounds(self) -> Bounds | None:
        return None  # multiples are not proven (yet): checked per batch


class DecimalGen(Gen):
    """Decimals with exactly ``places`` decimal places: ``units * 10**-places``."""

    def __init__(self, units: IntGen, places: int) -> None:
        self.units, self.places = units, places
        self.capacity = units.capacity
        self.width = units.width

    def fill(self, w: Words) -> list[Any]:
        p = -self.places
        return [Decimal(u).scaleb(p) for u in self.units.fill(w)]

    def one(self, rng: random.Random) -> Decimal:
        return Decimal(self.units.one(rng)).scaleb(-self.places)

    def bounds(self) -> Bounds | None:
        units = self.units
        lo, hi = units.lo, units.lo + units.step * (units.count - 1)
        p = -self.places
        return Span("decimal", Decimal(lo).scaleb(p), Decimal(hi).scaleb(p), self.places)


def _dec(v: Any) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


def decimal_gen(t: TypeShape, label: str, prefer: tuple[Any, Any] | None = None) -> DecimalGen:
    """Decimals honouring ``max_digits``, ``decimal_places``, bounds and ``multiple_of``."""
    places = t.decimal_places
    if places is None:
        places = 2 if t.max_digits is None else max(0, min(2, t.max_digits - 1))
    scale = Decimal(10) ** places
    lo = hi = None  # in units of 10**-places
    if t.ge is not None:
        lo = math.ceil(_dec(t.ge) * scale)
    if t.gt is not None:
        g = math.floor(_dec(t.gt) * scale) + 1
        lo = g if lo is None else max(lo, g)
    if t.le is not None:
        hi = math.floor(_dec(t.le) * scale)
    if t.lt is not None:
        g = math.ceil(_dec(t.lt) * scale) - 1
        hi = g if hi is None else min(hi, g)
    soft = window(lo, hi, WINDOW * int(scale), _scaled(prefer, scale))
    slo, shi = soft
    if t.max_digits is not None:  # a hard limit that is no preference
        most = 10**t.max_digits - 1
        slo, shi = max(slo, -most), min(shi, most)
    step = int(_dec(t.multiple_of) * scale) if t.multiple_of else 1
    if step < 1:
        raise GenerationError(f"{label}: multiple_of is finer than decimal_places")
    klo, khi = math.ceil(slo / step), math.floor(shi / step)
    if khi < klo:
        raise GenerationError(f"{label}: no decimal satisfies the field's digits and bounds")
    return DecimalGen(IntGen(klo * step, khi - klo + 1, step), places)


def _scaled(prefer: tuple[Any, Any] | None, scale: Decimal) -> tuple[int, int] | None:
    if prefer is None:
        return None
    return math.ceil(_dec(prefer[0]) * scale), math.floor(_dec(prefer[1]) * scale)
