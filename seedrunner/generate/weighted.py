"""Faker's weighted picks without Faker's per-call cost, value for value the same.

Most of Faker's vocabulary (names, formats of names, cities, streets, companies) is an
``OrderedDict`` of word -> weight, drawn by ``random_elements(..., length=1)``.  On every
call Faker copies the weights into a tuple and ``random.choices`` sums them again: for
en_US last names that is a thousand additions per value, most of the time of a
``faker: name`` field.  The sums never change, so they are kept on the dict (as Faker keeps
its key tuple there) and the pick is made the way ``random.choices`` makes it:
``population[bisect(cum_weights, random() * total, 0, n - 1)]`` -- one ``random()`` draw,
the same float arithmetic, hence the very value and the very generator state Faker gives.
Every other kind of call (unique, several elements, plain sequences, no weighting) goes
to Faker's own method untouched.
"""

from __future__ import annotations

import math
from bisect import bisect
from collections import OrderedDict
from itertools import accumulate
from types import MethodType
from typing import Any

from faker import Faker
from faker.providers import BaseProvider

_ORIGINAL = BaseProvider.random_elements
_CACHE = "_seedrunner_cum_weights"


def speed_up(fake: Faker) -> None:
    """Give every provider of a single-locale ``fake`` the cached weighted pick, where the
    provider still uses Faker's own ``random_elements`` (one that overrides it is left)."""
    for provider in fake.providers:
        if getattr(type(provider), "random_elements", None) is _ORIGINAL:
            provider.random_elements = MethodType(_random_elements, provider)


def _random_elements(
    self: BaseProvider,
    elements: Any = ("a", "b", "c"),
    length: int | None = None,
    unique: bool = False,
    use_weighting: bool | None = None,
) -> Any:
    weighting = use_weighting if use_weighting is not None else self.__use_weighting__
    if length == 1 and not unique and weighting and type(elements) is OrderedDict:
        table = _table(elements)
        if table is not None:
            population, cum, total = table
            rng = self.generator.random
            return [population[bisect(cum, rng.random() * total, 0, len(cum) - 1)]]
    return _ORIGINAL(self, elements, length, unique, use_weighting)


def _table(elements: OrderedDict[Any, Any]) -> tuple[tuple[Any, ...], list[Any], float] | None:
    """(keys, cumulative weights, total) of ``elements``, computed once and kept on it; None
    where ``random.choices`` would refuse the weights (Faker then raises as it would)."""
    cached = getattr(elements, _CACHE, None)
    if cached is not None and cached[0] == len(elements):
        return cached[1]  # type: ignore[no-any-return]
    population = tuple(elements.keys())
    cum = list(accumulate(elements.values()))
    if not population:
        return None
    total = cum[-1] + 0.0
    if total <= 0.0 or not math.isfinite(total):
        return None
    table = (population, cum, total)
    try:
        setattr(elements, _CACHE, (len(elements), table))
    except AttributeError:  # pragma: no cover - OrderedDict instances take attributes
        return table
    return table
