"""The generator protocol and the combinators every value family builds on.

A ``Gen`` draws one value with ``one(rng)`` or ``n`` values with ``many(rng, n)``; ``many``
consumes the rng exactly as ``n`` calls of ``one`` would, so a column built on it keeps the
row-by-row contract of ``streams.Stream`` and a gen can also be reused for the items of a
list or the fields of a nested model drawn from a shared rng.  ``GenColumn`` turns a gen
into a ``Column``.  A gen with a ``width`` also fills whole columns with numpy from
``width`` words per row (``vector``), with the very values ``one`` gives.  A gen that knows
every value it can draw says so with ``bounds`` (see ``bounds.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any

from faker import Faker

from seedrunner.generate import vector
from seedrunner.generate.bounds import Bounds, OneOf, TypeOf
from seedrunner.generate.columns import RandomColumn
from seedrunner.generate.vector import RowDraw, Words
from seedrunner.models.shape import FieldShape

Draw = Callable[[random.Random], Any]

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

    def bounds(self) -> Bounds | None:
        """What every value drawn lies within, for the planner's proofs; None when this
        gen cannot say (then its values are checked per batch)."""
        return None

    def options(self) -> Sequence[Any] | None:
        """The listed values this gen picks among, when it is a plain pick (a ``MapGen``
        over it maps them); None for anything else."""
        return None


class FnGen(Gen):
    """A gen from a plain per-row ``fn(rng)``; column-wise when ``fn`` is a ``RowDraw``.

    ``sample`` stands for every value ``fn`` returns (same type, same awareness); a
    ``RowDraw`` states its own.  A plain function's values are unknown without one.
    """

    def __init__(self, fn: Draw, capacity: int | None = None, sample: Sequence[Any] = ()) -> None:
        self.fn, self.capacity = fn, capacity
        self.sample = tuple(sample)
        if isinstance(fn, RowDraw):
            self.width = fn.width
            self.sample = self.sample or tuple(fn.sample)

    def bounds(self) -> Bounds | None:
        return TypeOf(self.sample) if self.sample else None

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

    def bounds(self) -> Bounds | None:
        """A pick's options mapped: ``post`` draws nothing, so they are all it can give."""
        options = self.inner.options()
        return None if options is None else OneOf(tuple(map(self.post, options)))


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
