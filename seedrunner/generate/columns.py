"""Column generators: each produces a whole column of a batch from its own seeded stream.

A column is addressed by row index, never by batch: ``values(start, n)`` gives rows
``start .. start+n`` and the same row always gets the same value.  Generators that draw
randomness subclass ``RandomColumn`` and implement ``draw(rng, n)``, consuming the rng row
by row (see ``streams.Stream``).
"""

from __future__ import annotations

import copy
import random
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

from faker import Faker

from seedrunner.errors import GenerationError
from seedrunner.generate.fastfaker import fast_draw
from seedrunner.generate.streams import BLOCK, Stream, derive_seed, seeded_uuid


class Column(ABC):
    """A field's values for any range of rows."""

    #: how many distinct values the column can produce; None when unbounded or unknown.
    capacity: int | None = None

    @abstractmethod
    def values(self, start: int, n: int) -> list[Any]:
        """Values of rows ``start .. start+n``."""


class RandomColumn(Column):
    """A column drawn from a seeded stream, row by row."""

    def __init__(self, seed: int) -> None:
        self.stream = Stream(seed)

    @abstractmethod
    def draw(self, rng: random.Random, n: int) -> list[Any]:
        """The next ``n`` values; must consume ``rng`` row by row."""

    def values(self, start: int, n: int) -> list[Any]:
        return self.stream.take(start, n, self.draw)


class ConstantColumn(Column):
    capacity = 1

    def __init__(self, value: Any) -> None:
        self.value = value

    def values(self, start: int, n: int) -> list[Any]:
        return [self.value] * n


class CopyingConstantColumn(Column):
    """A constant mapping or list, copied per row so no two rows share one object."""

    capacity = 1

    def __init__(self, value: Any) -> None:
        self.value = value

    def values(self, start: int, n: int) -> list[Any]:
        return [copy.deepcopy(self.value) for _ in range(n)]


class SequenceColumn(Column):
    """``format.format(n=i + start)``; an int sequence when no format is given."""

    capacity = None

    def __init__(self, fmt: str | None, start: int = 0, step: int = 1) -> None:
        self.fmt, self.start, self.step = fmt, start, step

    def values(self, start: int, n: int) -> list[Any]:
        first = self.start + start * self.step
        nums = range(first, first + n * self.step, self.step)
        if self.fmt is None:
            return list(nums)
        fmt = self.fmt
        return [fmt.format(i, n=i) for i in nums]


class ChoiceColumn(RandomColumn):
    def __init__(self, seed: int, options: Sequence[Any], weights: Sequence[float] | None) -> None:
        super().__init__(seed)
        self.options = list(options)
        self.cum = list(accumulate(weights)) if weights else None
        self.capacity = len({repr(o) for o in self.options})

    def draw(self, rng: random.Random, n: int) -> list[Any]:
        return rng.choices(self.options, cum_weights=self.cum, k=n)


class UuidColumn(RandomColumn):
    """Seeded version-4 UUIDs; ``as_str`` for string columns."""

    def __init__(self, seed: int, as_str: bool = False) -> None:
        super().__init__(seed)
        self.as_str = as_str

    def draw(self, rng: random.Random, n: int) -> list[Any]:
        if self.as_str:
            return [str(seeded_uuid(rng)) for _ in range(n)]
        return [seeded_uuid(rng) for _ in range(n)]


class FakerColumn(RandomColumn):
    """A Faker provider called once per row with the block's rng installed.

    With several locales each row first draws its locale, so the per-locale
    vocabularies mix as Faker's multi-locale proxy would, but deterministically.
    """

    def __init__(
        self,
        seed: int,
        fakers: Sequence[Faker],
        provider: str,
        kwargs: dict[str, Any] | None = None,
        post: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(seed)
        self.fakers = list(fakers)
        self.provider = provider
        self.kwargs = kwargs or {}
        self.post = post
        self._methods = [getattr(f, provider) for f in self.fakers]
        # one weighted pick from a word list (first_name, ...): drawn column-wise, same values
        single = len(self.fakers) == 1
        self._fast = fast_draw(self.fakers[0], provider, self.kwargs) if single else None

    def draw(self, rng: random.Random, n: int) -> list[Any]:
        kw = self.kwargs
        if self._fast is not None:
            out = self._fast(rng, n)
        elif len(self.fakers) == 1:
            _install(self.fakers[0], rng)
            method = self._methods[0]
            out = [method(**kw) for _ in range(n)]
        else:
            out = []
            for _ in range(n):
                i = rng.randrange(len(self.fakers))
                _install(self.fakers[i], rng)
                out.append(self._methods[i](**kw))
        if self.post is not None:
            post = self.post
            out = [post(v) for v in out]
        return out


def _install(fake: Faker, rng: random.Random) -> None:
    """Point a (single-locale) Faker at a block's generator; Faker's stubs omit the setter."""
    fake.random = rng  # type: ignore[attr-defined]


class FunctionColumn(RandomColumn):
    """A column from a plain ``fn(rng) -> value`` called once per row."""

    def __init__(self, seed: int, fn: Callable[[random.Random], Any], capacity: int | None = None):
        super().__init__(seed)
        self.fn = fn
        self.capacity = capacity

    def draw(self, rng: random.Random, n: int) -> list[Any]:
        fn = self.fn
        return [fn(rng) for _ in range(n)]


class NullableColumn(Column):
    """Replaces a share of the inner column's values with None, from a stream of its own.

    The inner column is still drawn for every row so that changing the probability
    never shifts the non-null values.
    """

    def __init__(self, seed: int, inner: Column, probability: float) -> None:
        self.inner = inner
        self.p = probability
        self.mask = Stream(seed)
        self.capacity = None if inner.capacity is None else inner.capacity + 1

    def _draw_mask(self, rng: random.Random, n: int) -> list[bool]:
        p, r = self.p, rng.random
        return [r() < p for _ in range(n)]

    def values(self, start: int, n: int) -> list[Any]:
        vals = self.inner.values(start, n)
        nulls = self.mask.take(start, n, self._draw_mask)
        return [None if z else v for v, z in zip(vals, nulls, strict=True)]


class UniqueColumn(Column):
    """No repeats within the dataset: a repeated value is redrawn from a side stream.

    Keeps a set of every value issued (the one O(rows) structure in a run, documented in
    the README), so rows must be requested in order.  Gives up with a clear error after
    ``budget`` consecutive repeats instead of hanging.
    """

    def __init__(self, seed: int, inner: Column, label: str, budget: int = 1000) -> None:
        self.inner = inner
        self.label = label
        self.budget = budget
        self.seen: set[Any] = set()
        self.next_row = 0
        self.retry_seed = seed
        self.capacity = inner.capacity

    def values(self, start: int, n: int) -> list[Any]:
        if start == 0:  # a new pass over the dataset (preview, then apply)
            self.seen.clear()
            self.next_row = 0
        if start != self.next_row:
            raise GenerationError(
                f"{self.label}: unique values must be generated in row order "
                f"(asked for row {start}, next is {self.next_row})"
            )
        vals = self.inner.values(start, n)
        seen = self.seen
        for i, v in enumerate(vals):
            if v is None:  # NULLs never collide in SQL
                continue
            key = _hashable(v)
            tries = 0
            while key in seen:
                tries += 1
                if tries > self.budget:
                    raise GenerationError(
                        f"{self.label}: could not find a unique value for row {start + i} "
                        f"after {self.budget} tries ({len(seen)} distinct values so far); "
                        "drop `unique`, lower `count`, or widen the generator"
                    )
                side = derive_seed(self.retry_seed, start + i, tries)
                v = self.inner.values(((side % (1 << 30)) + (1 << 31)) * BLOCK, 1)[0]
                if v is None:
                    break
                key = _hashable(v)
            vals[i] = v
            if v is not None:
                seen.add(key)
        self.next_row = start + n
        return vals


def _hashable(v: Any) -> Any:
    if isinstance(v, dict):
        return tuple(sorted((k, _hashable(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    return v
