"""Values drawn from a locale's data: picks from Faker's own lists, or its providers.

Picking from a provider's data list directly (``vocab``) is much faster than calling
Faker's weighted providers; ``FakerGen`` calls a provider when there is no list to pick
from.  A pick knows every value it can give, so it states them (``ChoiceGen.bounds``).
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

import numpy as np
from faker import Faker

from seedrunner.generate import vector
from seedrunner.generate.bounds import Bounds, OneOf
from seedrunner.generate.fastfaker import fast_draw
from seedrunner.generate.gens import Context, Gen
from seedrunner.generate.vector import Words

FALLBACK_WORDS = ("alpha", "bravo", "delta", "echo", "gamma", "lima", "nova", "omega", "sigma")


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

    def options(self) -> list[Any]:
        return [o for opts, _ in self.tables for o in opts]

    def bounds(self) -> Bounds | None:
        return OneOf(tuple(self.options()))


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
