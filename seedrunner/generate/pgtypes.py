"""Values for database types of their own: ranges, network addresses, bit strings, xml ...

``db_type_gen`` is the hook ``typed.type_gen`` calls for the kinds ``models/dbtypes.py``
reads from a table (PostgreSQL ``int4range``/``daterange``/``tsrange``, ``inet``, ``cidr``,
``macaddr``, ``xml``, ``tsvector``, ``bit``/``varbit``; MariaDB ``SET``).  Every value is
one the database accepts as written: a range is a non-empty ``Range`` with ``[)`` bounds
inside its bound type, a ``cidr`` has its host bits zero, a SET value lists members in
their declared order.  Each draw is a plain ``fn(rng)``, so columns keep the row-by-row
stream contract.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import Range

from seedrunner.generate import dates
from seedrunner.generate.choices import words
from seedrunner.generate.gens import Context, FnGen, Gen
from seedrunner.generate.numbers import WINDOW, decimal_gen, int_gen
from seedrunner.models.shape import TypeShape

Draw = Callable[[random.Random], Any]

#: how wide a drawn range is, at most, in units of its bound type (ints, days, hours)
RANGE_WIDTH = 30


def db_type_gen(t: TypeShape, ctx: Context) -> Gen | None:
    """The generator for a database-specific kind, or None for the other kinds."""
    kind = t.kind
    if kind == "range":
        ranges = _range_draw(t.item or TypeShape("int"), ctx)
        if t.format == "multirange":  # one range: always a valid multirange
            return FnGen(lambda rng: [ranges(rng)])
        return FnGen(ranges)
    if kind == "inet":
        return FnGen(_host6 if t.format == "ipv6" else _host)
    if kind == "cidr":
        return FnGen(_network)
    if kind == "macaddr":
        return FnGen(_mac(8 if t.format == "macaddr8" else 6))
    if kind == "bits":
        return FnGen(_bits(t.min_length or 1, t.max_length or t.min_length or 8))
    if kind == "xml":
        return FnGen(_xml(words(ctx, ascii_only=True)))
    if kind == "tsvector":
        return FnGen(_tsvector(words(ctx, ascii_only=True)))
    if kind == "tsquery":
        return FnGen(_tsvector(words(ctx, ascii_only=True), " & "))
    if kind == "flags":
        return FnGen(_flags(tuple(str(c) for c in t.choices)), capacity=2 ** len(t.choices))
    return None


def spans_gen(t: TypeShape, ctx: Context) -> Gen | None:
    """Values inside ``t.spans`` (a partitioned table's partitions): uniform over their union,
    kept to the usual window (recent dates, 0..10 000) where that overlaps them."""
    if not t.spans or t.kind not in ("int", "date", "datetime"):
        return None
    to_num, from_num = _scale(t)
    window = _window(t, ctx, to_num)
    spans = [_numeric_span(lo, hi, to_num, window) for lo, hi in t.spans]
    inside = [(max(a, window[0]), min(b, window[1])) for a, b in spans]
    inside = [(a, b) for a, b in inside if b > a]
    chosen = inside or [(a, b) for a, b in spans if b > a]
    if not chosen:
        return None
    total = sum(b - a for a, b in chosen)

    def draw(rng: random.Random) -> Any:
        x = rng.random() * total
        for a, b in chosen:
            if x < b - a:
                return from_num(min(a + int(x), b - 1))
            x -= b - a
        a, b = chosen[-1]
        return from_num(b - 1)

    return FnGen(draw)


def _scale(t: TypeShape) -> tuple[Callable[[Any], int], Callable[[int], Any]]:
    """Values <-> integers (days for dates, seconds for datetimes)."""
    if t.kind == "date":
        return (lambda d: d.toordinal()), dt.date.fromordinal
    if t.kind == "datetime":
        aware = t.timezone

        def to_num(v: Any) -> int:
            if isinstance(v, dt.datetime):
                return int(dates.utc(v).timestamp())
            return int(dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC).timestamp())

        def from_num(n: int) -> dt.datetime:
            moment = dt.datetime.fromtimestamp(n, dt.UTC)
            return moment if aware else moment.replace(tzinfo=None)

        return to_num, from_num
    return int, int


def _window(t: TypeShape, ctx: Context, to_num: Callable[[Any], int]) -> tuple[int, int]:
    """The usual values' range, as integers: the last years for dates, 0..10 000 for ints."""
    if t.kind == "int":
        return 0, WINDOW + 1
    now = dates.utc(ctx.now)
    first = dates.years_before(now.date(), dates.RECENT_YEARS)
    if t.kind == "date":
        return to_num(first), to_num(now.date()) + 1
    return to_num(first), to_num(now) + 1


def _numeric_span(
    lo: Any, hi: Any, to_num: Callable[[Any], int], window: tuple[int, int]
) -> tuple[int, int]:
    """A span as integers; an open side reaches the window's far end (or as far again)."""
    a = None if lo is None else to_num(lo)
    b = None if hi is None else to_num(hi)
    width = window[1] - window[0]
    if a is None:
        a = min(window[0], (b if b is not None else window[1]) - width)
    if b is None:
        b = max(window[1], a + width)
    return a, b


def _range_draw(item: TypeShape, ctx: Context) -> Draw:
    """``[lower, upper)`` with ``lower`` drawn like a plain value of the bound type."""
    if item.kind == "int":
        lows = int_gen(item, ctx.label)
        return lambda rng: _span(lows.one(rng), 1 + int(rng.random() * RANGE_WIDTH))
    if item.kind == "decimal":
        dlows = decimal_gen(item, ctx.label)

        def decimals(rng: random.Random) -> Range[Any]:
            lower = dlows.one(rng)
            return _span(lower, Decimal(1 + int(rng.random() * RANGE_WIDTH)))

        return decimals
    if item.kind == "date":
        days = dates.recent_dates(ctx.now)
        return lambda rng: _span(days(rng), dt.timedelta(days=1 + int(rng.random() * 30)))
    moments = dates.recent_datetimes(ctx.now, item.timezone)

    def datetimes(rng: random.Random) -> Range[Any]:
        lower = moments(rng).replace(microsecond=0)
        return _span(lower, dt.timedelta(hours=1 + int(rng.random() * RANGE_WIDTH)))

    return datetimes


def _span(lower: Any, width: Any) -> Range[Any]:
    return Range(lower, lower + width, bounds="[)")


def _host(rng: random.Random) -> str:
    """A host address in the private 10.0.0.0/8 network (never .0 or .255)."""
    return f"10.{int(rng.random() * 256)}.{int(rng.random() * 256)}.{1 + int(rng.random() * 254)}"


def _host6(rng: random.Random) -> str:
    """A host address in the unique-local fd00::/8 network."""
    groups = [int(rng.random() * 0x10000) for _ in range(4)]
    return "fd00:" + ":".join(f"{g:x}" for g in groups[:3]) + f"::{1 + groups[3] % 0xFFFE:x}"


def _network(rng: random.Random) -> str:
    """A network inside 10.0.0.0/8, /8 .. /30, its host bits zero."""
    prefix = 8 + int(rng.random() * 23)
    address = (10 << 24) | int(rng.random() * (1 << 24))
    address &= ~((1 << (32 - prefix)) - 1) & 0xFFFFFFFF
    octets = ".".join(str((address >> s) & 0xFF) for s in (24, 16, 8, 0))
    return f"{octets}/{prefix}"


def _mac(n: int) -> Draw:
    def draw(rng: random.Random) -> str:
        first = (int(rng.random() * 256) | 0x02) & 0xFE  # locally administered, unicast
        rest = [int(rng.random() * 256) for _ in range(n - 1)]
        return ":".join(f"{b:02x}" for b in [first, *rest])

    return draw


def _bits(lo: int, hi: int) -> Draw:
    span = max(hi, lo) - lo + 1

    def draw(rng: random.Random) -> str:
        n = lo + int(rng.random() * span)
        return "".join("1" if rng.random() < 0.5 else "0" for _ in range(n))

    return draw


def _xml(vocab: Gen) -> Draw:
    def draw(rng: random.Random) -> str:
        return f"<item><name>{vocab.one(rng)}</name><note>{vocab.one(rng)}</note></item>"

    return draw


def _tsvector(vocab: Gen, sep: str = " ") -> Draw:
    def draw(rng: random.Random) -> str:
        return sep.join(str(vocab.one(rng)) for _ in range(1 + int(rng.random() * 5)))

    return draw


def _flags(members: tuple[str, ...]) -> Draw:
    """Usually one member, sometimes two or three ("a,b"), in the declared order."""

    def draw(rng: random.Random) -> str:
        if not members:
            return ""
        k = min(len(members), (1, 1, 2, 3)[int(rng.random() * 4)])
        picked = sorted(rng.sample(range(len(members)), k))
        return ",".join(members[i] for i in picked)

    return draw
