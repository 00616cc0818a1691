"""Type-driven generators: a value for any ``TypeShape`` that satisfies its constraints.

A ``Gen`` draws one value with ``one(rng)`` or ``n`` values with ``many(rng, n)``; ``many``
consumes the rng exactly as ``n`` calls of ``one`` would, so a column built on it keeps the
row-by-row contract of ``streams.Stream`` and a gen can also be reused for the items of a
list or the fields of a nested model drawn from a shared rng.  ``GenColumn`` turns a gen
into a ``Column``.  A gen with a ``width`` also fills whole columns with numpy from
``width`` words per row (``vector``), with the very values ``one`` gives.

Numbers stay inside a pleasant window (0..10 000 unless the bounds say otherwise) clamped by
the hard bounds; bounds equal to an SQL integer type's limits count as hard bounds only.
Strings with a ``pattern`` use a small generator for simple regexes (literals, classes,
``\\d \\w \\s .``, groups, alternation, bounded or unbounded repeats); anything else
(look-arounds, back-references) falls back to letters within the length bounds, which the
model's validation may then reject -- give such fields a value spec.  Sets come out as
lists of distinct items (JSON-friendly, hashable by ``UniqueColumn``; pydantic turns them
into sets), tuples as tuples, ``dict`` as ``{}`` and ``json`` as a small dict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import math
import random
import string
import unicodedata
from abc import ABC, abstractmethod
from bisect import bisect
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import accumulate, repeat
from typing import Any

import numpy as np
from faker import Faker

from seedrunner.errors import GenerationError
from seedrunner.generate import dates, vector
from seedrunner.generate.columns import RandomColumn
from seedrunner.generate.draws import Coin, Uuids
from seedrunner.generate.fastfaker import fast_draw
from seedrunner.generate.streams import new_rng
from seedrunner.generate.vector import RowDraw, Words
from seedrunner.models.shape import FieldShape, TypeShape

Draw = Callable[[random.Random], Any]

WINDOW = 10_000  # numbers without (soft) bounds fall in 0..WINDOW
_BIG = 1 << 50  # above this span, int(random() * span) loses precision: use randrange
_TYPE_LIMITS = frozenset(
    v for bits in (8, 16, 24, 32, 64) for v in (2 ** (bits - 1), 2 ** (bits - 1) - 1, 2**bits - 1)
)
LETTERS = string.ascii_letters
ALNUM = string.ascii_letters + string.digits
FALLBACK_WORDS = ("alpha", "bravo", "delta", "echo", "gamma", "lima", "nova", "omega", "sigma")


# -- generator protocol ------------------------------------------------------------------


class Gen(ABC):
    """Draws values from an rng, one row at a time, or a column at a time when it can."""

    capacity: int | None = None
    #: words per row when ``fill`` can make a whole column with numpy; None when it cannot.
    width: int | None = None

    @abstractmethod
    def one(self, rng: random.Random) -> Any:
        """One value."""

    def fill(self, w: Words) -> list[Any]:
        """The values of ``len(w)`` rows from their words (only when ``width`` is set)."""
        raise NotImplementedError(type(self).__name__)

    def many(self, rng: random.Random, n: int) -> list[Any]:
        """``n`` values, consuming ``rng`` exactly as ``n`` calls of ``one`` would."""
        if self.width is not None:
            return self.fill(vector.words(rng, n, self.width))
        one = self.one
        return [one(rng) for _ in range(n)]


class FnGen(Gen):
    """A gen from a plain per-row ``fn(rng)``; column-wise when ``fn`` is a ``RowDraw``."""

    def __init__(self, fn: Draw, capacity: int | None = None) -> None:
        self.fn, self.capacity = fn, capacity
        if isinstance(fn, RowDraw):
            self.width = fn.width

    def one(self, rng: random.Random) -> Any:
        return self.fn(rng)

    def fill(self, w: Words) -> list[Any]:
        assert isinstance(self.fn, RowDraw)
        return self.fn.fill(w)

    def many(self, rng: random.Random, n: int) -> list[Any]:
        if self.width is not None:
            return self.fill(vector.words(rng, n, self.width))
        fn = self.fn
        return [fn(rng) for _ in range(n)]


class MapGen(Gen):
    """Another gen's values passed through ``post`` (which draws nothing)."""

    def __init__(self, inner: Gen, post: Callable[[Any], Any]) -> None:
        self.inner, self.post, self.capacity = inner, post, inner.capacity
        self.width = inner.width

    def one(self, rng: random.Random) -> Any:
        return self.post(self.inner.one(rng))

    def fill(self, w: Words) -> list[Any]:
        return list(map(self.post, self.inner.fill(w)))

    def many(self, rng: random.Random, n: int) -> list[Any]:
        return list(map(self.post, self.inner.many(rng, n)))


class Concat(Gen):
    """Literal text and other gens' values joined, drawn in order: ``f"{first}.{last}"``.

    Column-wise when every part is: each part fills its own slice of the row's words, and
    one ``"".join`` per row glues them.
    """

    def __init__(self, parts: Sequence[str | Gen]) -> None:
        self.parts = [p for p in parts if not isinstance(p, str) or p]
        self.gens = [p for p in self.parts if isinstance(p, Gen)]
        widths = [g.width for g in self.gens]
        self.width = None if None in widths else sum(w for w in widths if w is not None)

    def one(self, rng: random.Random) -> str:
        return "".join(p if isinstance(p, str) else str(p.one(rng)) for p in self.parts)

    def fill(self, w: Words) -> list[Any]:
        columns: list[Iterable[str]] = []
        at = 0
        for p in self.parts:
            if isinstance(p, str):
                columns.append(repeat(p))
                continue
            assert p.width is not None
            values = p.fill(w[:, at : at + p.width])
            at += p.width
            columns.append(values if set(map(type, values)) == {str} else map(str, values))
        if not self.gens:
            return ["".join(p for p in self.parts if isinstance(p, str))] * len(w)
        return list(map("".join, zip(*columns, strict=False)))  # literals repeat forever


class GenColumn(RandomColumn):
    """A column drawn from a ``Gen`` on the column's own stream."""

    def __init__(self, seed: int, gen: Gen) -> None:
        super().__init__(seed)
        self.gen = gen
        self.capacity = gen.capacity

    def draw(self, rng: random.Random, n: int) -> list[Any]:
        return self.gen.many(rng, n)


@dataclasses.dataclass(frozen=True)
class Context:
    """What every generator may need besides the field: locales, the clock, list sizes.

    ``field_gen`` is infer's by-name-then-type chooser, used for the fields of models nested
    inside containers (kept as a callback so this module does not import ``infer``).
    """

    fakers: tuple[Faker, ...]
    now: dt.datetime
    collections: tuple[int, int] = (0, 3)
    label: str = ""
    field_gen: Callable[[FieldShape, Context], Gen] | None = None

    def at(self, name: str) -> Context:
        return dataclasses.replace(self, label=f"{self.label}.{name}" if self.label else name)


# -- locale data (drawn directly: much faster than Faker's weighted providers) --------------


class ChoiceGen(Gen):
    """Uniform or weighted picks; per locale when there are several tables.

    ``one`` draws exactly what ``rng.choices(..., k=1)`` would (one ``random()``), inlined
    because it is called per word of every generated sentence.
    """

    def __init__(self, tables: Sequence[tuple[list[Any], list[float] | None]]) -> None:
        self.tables = list(tables)
        self.capacity = len({repr(o) for opts, _ in self.tables for o in opts})
        self._fast = [(opts, cum, cum[-1] if cum else 0.0, len(opts)) for opts, cum in tables]
        self.width = 1 if len(self.tables) == 1 else 2
        self._arrays: list[tuple[Any, Any]] | None = None

    def _vectors(self) -> list[tuple[Any, Any]]:
        """Each table's options and cumulative weights as arrays (built on first fill)."""
        if self._arrays is None:
            self._arrays = [
                (vector.objects(opts), None if cum is None else np.asarray(cum, np.float64))
                for opts, cum in self.tables
            ]
        return self._arrays

    def index(self, w: Words, table: int = 0) -> vector.Ints:
        """The picked option's position in ``table`` for each row's word (``w`` is 1-d)."""
        opts, cum = self._vectors()[table]
        return vector.below(w, len(opts)) if cum is None else vector.weighted(w, cum)

    def fill(self, w: Words) -> list[Any]:
        arrays = self._vectors()
        if len(arrays) == 1:
            picked: list[Any] = arrays[0][0][self.index(w[:, 0])].tolist()
            return picked
        which = vector.below(w[:, 0], len(arrays))
        groups = []
        for t, (opts, _) in enumerate(arrays):
            rows = np.nonzero(which == t)[0]
            groups.append((rows, opts[self.index(w[rows, 1], t)].tolist()))
        return vector.scatter(len(w), groups)

    def one(self, rng: random.Random) -> Any:
        fast = self._fast
        opts, cum, total, n = fast[int(rng.random() * len(fast))] if len(fast) > 1 else fast[0]
        if cum is None:
            return opts[int(rng.random() * n)]
        return opts[bisect(cum, rng.random() * total, 0, n - 1)]


def choice_gen(options: Sequence[Any]) -> ChoiceGen:
    return ChoiceGen([(list(options), None)])


def _table(faker: Faker, family: str, attr: str) -> tuple[list[Any], list[float] | None] | None:
    for provider in faker.get_providers():
        if type(provider).__module__.startswith(f"faker.providers.{family}"):
            data = getattr(provider, attr, None)
            if isinstance(data, dict) and data:
                weights = list(data.values())
                if all(isinstance(w, int | float) for w in weights):
                    return list(data), list(accumulate(float(w) for w in weights))
                return list(data), None  # e.g. colour name -> hex code
            if isinstance(data, list | tuple) and data:
                return list(data), None
    return None


def vocab(
    fakers: Sequence[Faker],
    family: str,
    attr: str,
    key: Callable[[Any], Any] | None = None,
) -> ChoiceGen | None:
    """Picks from a Faker provider's data list in each locale, or None if a locale lacks it.

    ``key`` maps each entry (e.g. a currency tuple to its code); entries it maps to "" or
    None are dropped, and a locale left with nothing counts as lacking the list.
    """
    tables = []
    for faker in fakers:
        found = _table(faker, family, attr)
        if found is None:
            return None
        opts, cum = found
        if key is not None:
            pairs = [(key(o), i) for i, o in enumerate(opts)]
            kept = [(o, i) for o, i in pairs if o]
            if not kept:
                return None
            if cum is not None:
                weights = [cum[i] - (cum[i - 1] if i else 0.0) for _, i in kept]
                cum = list(accumulate(weights))
            opts = [o for o, _ in kept]
        tables.append((opts, cum))
    return ChoiceGen(tables)


def ascii_word(text: Any) -> str:
    """Lower-case ASCII letters and digits of ``text`` (accents dropped), for emails and slugs."""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def words(ctx: Context, ascii_only: bool = False) -> ChoiceGen:
    """Lorem words of the context's locales (English placeholders when a locale has none)."""
    gen = vocab(ctx.fakers, "lorem", "word_list", ascii_word if ascii_only else None)
    return gen if gen is not None else choice_gen(FALLBACK_WORDS)


def _target(faker: Faker) -> Any:
    """The object whose ``random`` Faker's providers read: a single-locale proxy's generator.

    Setting it there skips the proxy's attribute machinery, which cost more than the
    provider call itself for cheap providers.
    """
    factories = getattr(faker, "_factories", None)
    return factories[0] if isinstance(factories, list) and len(factories) == 1 else faker


class FakerGen(Gen):
    """A Faker provider called per row with the rng installed (several locales: per-row pick).

    The rng is installed before every call because the Faker instances are shared by all
    the fields of a locale, each drawing from its own stream.
    """

    def __init__(self, fakers: Sequence[Faker], provider: str, **kwargs: Any) -> None:
        self.targets = [_target(f) for f in fakers]
        self.methods = [getattr(t, provider) for t in self.targets]
        self.kwargs = kwargs
        # Faker's own values drawn column-wise where fastfaker can (one locale only)
        self._fast = fast_draw(fakers[0], provider, kwargs) if len(fakers) == 1 else None

    def one(self, rng: random.Random) -> Any:
        n = len(self.targets)
        i = int(rng.random() * n) if n > 1 else 0
        self.targets[i].random = rng
        return self.methods[i](**self.kwargs)

    def many(self, rng: random.Random, n: int) -> list[Any]:
        if self._fast is not None:
            return self._fast(rng, n)
        if len(self.targets) > 1:
            return super().many(rng, n)
        self.targets[0].random = rng
        method, kw = self.methods[0], self.kwargs
        return [method(**kw) for _ in range(n)]


def faker_gen(fakers: Sequence[Faker], provider: str, **kwargs: Any) -> FakerGen | None:
    """A ``FakerGen`` if every locale has ``provider``, else None."""
    if all(hasattr(f, provider) for f in fakers):
        return FakerGen(fakers, provider, **kwargs)
    return None


# -- numbers ---------------------------------------------------------------------------------


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


# -- strings and bytes -----------------------------------------------------------------------


def _lengths(t: TypeShape, default_lo: int, default_hi: int) -> tuple[int, int]:
    lo = t.min_length if t.min_length is not None else min(default_lo, t.max_length or default_lo)
    hi = t.max_length if t.max_length is not None else max(default_hi, lo)
    return lo, max(lo, hi)


class LettersGen(Gen):
    """Strings of ``lo .. hi`` characters from ``alphabet``."""

    def __init__(self, lo: int, hi: int, alphabet: str = LETTERS) -> None:
        self.lo, self.span, self.alphabet = lo, hi - lo + 1, alphabet
        if hi <= 4:
            self.capacity = sum(len(alphabet) ** n for n in range(lo, hi + 1))

    def one(self, rng: random.Random) -> str:
        k = self.lo + int(rng.random() * self.span)
        return "".join(rng.choices(self.alphabet, k=k))


class WordsGen(Gen):
    """One to three words, extended to ``lo`` characters and cut at ``hi``."""

    def __init__(self, vocab_: ChoiceGen, lo: int, hi: int | None) -> None:
        self.vocab, self.lo, self.hi = vocab_, lo, hi

    def one(self, rng: random.Random) -> str:
        word = self.vocab.one
        text = " ".join(word(rng) for _ in range(1 + int(rng.random() * 3)))
        while len(text) < self.lo:
            text += " " + word(rng)
        if self.hi is not None and len(text) > self.hi:
            text = text[: self.hi]
            stripped = text.rstrip()
            text = stripped if len(stripped) >= self.lo else text
        return text


class BytesGen(Gen):
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.span = lo, hi - lo + 1

    def one(self, rng: random.Random) -> bytes:
        k = self.lo + int(rng.random() * self.span)
        return rng.getrandbits(8 * k).to_bytes(k, "big") if k else b""


def str_gen(t: TypeShape, ctx: Context) -> Gen:
    fmt = format_gen(t, ctx)
    if fmt is not None:
        return fmt
    if t.pattern:
        pat = pattern_gen(t.pattern, t.min_length, t.max_length)
        if pat is not None:
            return pat
        lo, hi = _lengths(t, 8, 16)
        return LettersGen(lo, hi)
    if t.max_length is not None and t.max_length <= 8:
        lo, hi = _lengths(t, 1, t.max_length)
        return LettersGen(max(lo, min(1, hi)), hi)
    return WordsGen(words(ctx), t.min_length or 0, t.max_length)


# -- string formats pydantic validates (EmailStr, HttpUrl, IPv4Address as str ...) ------------

SAFE_DOMAINS = ("example.com", "example.org", "example.net")
TLDS = ("com", "net", "org", "io")


def email_gen(ctx: Context, lo: int | None, hi: int | None) -> Gen | None:
    """``first.last123@example.com``: readable, rarely repeated, and never a real mailbox."""
    first = vocab(ctx.fakers, "person", "first_names", ascii_word)
    last = vocab(ctx.fakers, "person", "last_names", ascii_word)
    if first is None or last is None:
        first = last = words(ctx, ascii_only=True)
    domains = SAFE_DOMAINS
    room = 64 if hi is None else min(64, hi - 1 - max(len(d) for d in domains))
    if room < 1:
        return None
    need = 0 if lo is None else lo - 1 - min(len(d) for d in domains)

    def shape(local: str) -> str:
        local = local[:room].strip(".")
        return local + "0" * (need - len(local)) if len(local) < need else local

    local = MapGen(Concat([first, ".", last, IntGen(0, 10_000)]), shape)
    return Concat([local, "@", choice_gen(domains)])


def url_gen(ctx: Context) -> Gen:
    w = words(ctx, ascii_only=True)
    return Concat(["https://www.", w, w, ".", choice_gen(TLDS), "/", w])


def domain_gen(ctx: Context) -> Gen:
    w = words(ctx, ascii_only=True)
    return Concat([w, w, ".", choice_gen(TLDS)])


def ipv4_gen() -> Gen:
    octet = IntGen(0, 256)
    return Concat([IntGen(1, 223), ".", octet, ".", octet, ".", IntGen(1, 254)])


def ipv6(rng: random.Random) -> str:
    return ":".join(f"{rng.getrandbits(16):x}" for _ in range(8))


def format_gen(t: TypeShape, ctx: Context) -> Gen | None:
    """Generators for the string formats an adapter records in ``TypeShape.format``."""
    fmt = (t.format or "").lower().replace("-", "_")
    if fmt in ("email", "email_str", "name_email"):
        return email_gen(ctx, t.min_length, t.max_length)
    if fmt in ("url", "uri", "http_url", "any_url", "any_http_url", "https_url"):
        return url_gen(ctx)
    if fmt in ("ipv4", "ip", "ipvanyaddress", "ipv4address"):
        return ipv4_gen()
    if fmt in ("ipv6", "ipv6address"):
        return FnGen(ipv6)
    if fmt in ("uuid", "uuid4"):
        return FnGen(Uuids("str"))
    if fmt in ("hostname", "domain"):
        return domain_gen(ctx)
    return None


# -- regular expressions -------------------------------------------------------------------

_PRINTABLE = [chr(c) for c in range(32, 127)]
_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": LETTERS,
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": ALNUM,
    "CATEGORY_WORD": ALNUM + "_",
    "CATEGORY_NOT_WORD": "-",
}
_OPEN_REPEAT = 8  # extra repeats drawn for `*`, `+` and `{n,}`


class _Unsupported(Exception):
    pass


def _name(op: Any) -> str:
    return str(getattr(op, "name", op))


def _class(items: list[tuple[Any, Any]]) -> list[str]:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        name = _name(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.add(chr(av))
        elif name == "RANGE":
            chars.update(chr(c) for c in range(av[0], min(av[1], av[0] + 5000) + 1))
        elif name == "CATEGORY":
            chars.update(_CATEGORIES.get(_name(av), ""))
        else:
            raise _Unsupported(name)
    if negate:
        chars = set(_PRINTABLE) - chars
    if not chars:
        raise _Unsupported("empty class")
    return sorted(chars)


def _chars(op: Any, av: Any) -> list[str] | None:
    """The alphabet of a single-character node, or None for anything longer."""
    name = _name(op)
    if name == "LITERAL":
        return [chr(av)]
    if name == "NOT_LITERAL":
        return [c for c in ALNUM if ord(c) != av]
    if name == "ANY":
        return list(ALNUM)
    if name == "IN":
        return _class(av)
    return None


def _pick(chars: Sequence[str]) -> Draw:
    k = len(chars)
    return lambda rng: chars[int(rng.random() * k)]


def _node(op: Any, av: Any) -> Draw:
    name = _name(op)
    if name == "LITERAL":
        c = chr(av)
        return lambda rng: c
    chars = _chars(op, av)
    if chars is not None:
        return _pick(chars)
    if name == "AT":
        return lambda rng: ""
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, sub = av
        hi = lo + _OPEN_REPEAT if hi > lo + 64 else hi  # MAXREPEAT is 2**32 - 1
        span = hi - lo + 1
        chars = _chars(*sub[0]) if len(sub) == 1 else None
        if chars is not None:  # one character class repeated: draw the run at once
            return lambda rng: "".join(rng.choices(chars, k=lo + int(rng.random() * span)))
        body = _seq(sub)
        return lambda rng: "".join(body(rng) for _ in range(lo + int(rng.random() * span)))
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        return _seq(av[-1])
    if name == "BRANCH":
        alts = [_seq(b) for b in av[1]]
        k = len(alts)
        return lambda rng: alts[int(rng.random() * k)](rng)
    raise _Unsupported(name)


def _seq(items: Any) -> Draw:
    parts = [_node(op, av) for op, av in items]
    return lambda rng: "".join(p(rng) for p in parts)


def pattern_gen(pattern: str, lo: int | None, hi: int | None) -> Gen | None:
    """A generator for a simple regex, or None when it is unsupported or misses the lengths.

    Samples are checked against the pattern (with ``re.search``, as pydantic does) so a
    construct this parser reads differently from ``re`` is caught here, not by validation.
    """
    parser = importlib.import_module("re._parser")
    try:
        body = _seq(parser.parse(pattern))
        compiled = importlib.import_module("re").compile(pattern)
    except Exception:  # _Unsupported, or re's own error for a pattern it rejects
        return None
    lo_, hi_ = lo or 0, hi if hi is not None else 1 << 30

    def draw(rng: random.Random) -> str:
        for _ in range(20):  # redraw (deterministically) until the length fits
            s: str = body(rng)
            if lo_ <= len(s) <= hi_:
                return s
        return s

    probe = new_rng(0)
    for _ in range(50):
        s = draw(probe)
        if not (lo_ <= len(s) <= hi_) or compiled.search(s) is None:
            return None
    return FnGen(draw)


# -- containers and the rest -----------------------------------------------------------------


class ListGen(Gen):
    """Lists of ``lo .. hi`` items; ``distinct`` for sets (fewer if the items run out)."""

    def __init__(self, item: Gen, lo: int, hi: int, distinct: bool, as_tuple: bool) -> None:
        if distinct and item.capacity is not None:
            hi = min(hi, item.capacity)
            lo = min(lo, hi)
        self.item, self.lo, self.span = item, lo, hi - lo + 1
        self.distinct, self.as_tuple = distinct, as_tuple

    def one(self, rng: random.Random) -> Any:
        k = self.lo + int(rng.random() * self.span)
        one = self.item.one
        if not self.distinct:
            items = [one(rng) for _ in range(k)]
        else:
            items, seen = [], set()
            for _ in range(10 * k + 10):
                if len(items) >= k:
                    break
                v = one(rng)
                key = repr(v)
                if key not in seen:
                    seen.add(key)
                    items.append(v)
        return tuple(items) if self.as_tuple else items


class ModelGen(Gen):
    """Dicts of a nested model's fields, all drawn from one rng (items of a list of models)."""

    def __init__(self, fields: list[tuple[str, Gen]]) -> None:
        self.fields = fields

    def one(self, rng: random.Random) -> dict[str, Any]:
        return {name: gen.one(rng) for name, gen in self.fields}


def list_gen(t: TypeShape, ctx: Context) -> ListGen:
    item = type_gen(t.item or TypeShape("any"), ctx.at("[]"))
    cmin, cmax = ctx.collections
    lo = t.min_length if t.min_length is not None else min(cmin, t.max_length or cmin)
    hi = t.max_length if t.max_length is not None else max(cmax, lo)
    if hi < lo:
        raise GenerationError(f"{ctx.label}: min_length is above max_length")
    return ListGen(item, lo, hi, distinct=t.kind == "set", as_tuple=t.kind == "tuple")


def model_gen(t: TypeShape, ctx: Context) -> Gen:
    if t.nested is None or ctx.field_gen is None:
        return FnGen(lambda rng: {}, capacity=1)
    pick = ctx.field_gen
    return ModelGen([(f.name, pick(f, ctx.at(f.name))) for f in t.nested.fields])


def json_gen(ctx: Context) -> Gen:
    w = words(ctx)

    def draw(rng: random.Random) -> dict[str, Any]:
        return {"key": w.one(rng), "value": int(rng.random() * 1000)}

    return FnGen(draw)


def _choices(t: TypeShape, ctx: Context) -> Gen:
    if not t.choices:
        raise GenerationError(f"{ctx.label}: the {t.kind} has no values to choose from")
    return choice_gen(t.choices)


def date_gen(t: TypeShape, ctx: Context) -> Gen:
    fmt = (t.format or "").lower()
    if t.kind == "date":
        pick = {"future": dates.future_dates, "past": dates.past_dates}.get(fmt, dates.recent_dates)
        return FnGen(pick(ctx.now))
    if fmt == "future":
        return FnGen(dates.future_datetimes(ctx.now, t.timezone))
    return FnGen(dates.recent_datetimes(ctx.now, t.timezone))


def type_gen(t: TypeShape, ctx: Context) -> Gen:
    """The generator for a type and its constraints (no field name involved)."""
    kind = t.kind
    if kind == "str":
        return str_gen(t, ctx)
    if kind == "int":
        return int_gen(t, ctx.label)
    if kind == "float":
        return float_gen(t, ctx.label)
    if kind == "decimal":
        return decimal_gen(t, ctx.label)
    if kind == "bool":
        return FnGen(Coin(), capacity=2)
    if kind in ("date", "datetime"):
        return date_gen(t, ctx)
    if kind == "time":
        return FnGen(dates.times_of_day)
    if kind == "timedelta":
        return FnGen(dates.durations)
    if kind == "uuid":
        return FnGen(Uuids())
    if kind == "bytes":
        return BytesGen(*_lengths(t, 8, 16))
    if kind in ("enum", "literal"):
        return _choices(t, ctx)
    if kind in ("list", "set", "tuple"):
        return list_gen(t, ctx)
    if kind == "dict":
        return FnGen(lambda rng: {}, capacity=1)
    if kind == "json":
        return json_gen(ctx)
    if kind == "model":
        return model_gen(t, ctx)
    from seedrunner.generate.pgtypes import db_type_gen  # it builds on this module

    special = db_type_gen(t, ctx)
    return special if special is not None else words(ctx)  # "any"
