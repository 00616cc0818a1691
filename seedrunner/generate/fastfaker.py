"""Column-wise draws for Faker providers simple enough to reproduce exactly.

``fake.first_name()`` is ``random_element(self.first_names)``: each call copies the
locale's ~7,000 names and weights into tuples and sums the weights again before drawing
one ``random()``.  For such providers the column is drawn at once from the same list and
the same cumulative weights with ``rng.choices(..., k=n)``, which consumes the generator
exactly as n single calls would: the values are identical to Faker's, only faster.
``pyint``/``random_int`` are one ``randrange`` per row, drawn the same way.  A
locale that overrides the method, a list that is not weighted as expected, or anything
else unrecognised keeps the per-row Faker call.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from faker import Faker
from faker.providers import BaseProvider
from faker.providers.person import Provider as PersonProvider
from faker.providers.python import Provider as PythonProvider

Draw = Callable[[random.Random, int], list[Any]]

# provider method -> (the base implementation it must still be, the word-list attribute)
_WORD_LISTS: dict[str, tuple[Any, str]] = {
    "first_name": (PersonProvider.first_name, "first_names"),
    "last_name": (PersonProvider.last_name, "last_names"),
}


def fast_draw(fake: Faker, provider: str, kwargs: dict[str, Any]) -> Draw | None:
    """A column-wise equivalent of ``fake.<provider>(**kwargs)``, or None."""
    if provider in _INTEGERS:
        return _integers(fake, provider, kwargs)
    if kwargs or provider not in _WORD_LISTS:
        return None
    base, attribute = _WORD_LISTS[provider]
    method = getattr(fake, provider, None)
    owner = getattr(method, "__self__", None)
    if getattr(method, "__func__", None) is not base or owner is None:
        return None  # the locale overrides it: its own logic, its own draws
    if not getattr(owner, "__use_weighting__", True):
        return None
    words = getattr(owner, attribute, None)
    if isinstance(words, OrderedDict):
        keys = tuple(words.keys())
        cum = list(accumulate(tuple(words.values())))
        if not keys or not cum[-1] > 0:
            return None
        return lambda rng, n: rng.choices(keys, cum_weights=cum, k=n)
    if isinstance(words, tuple | list) and words and not isinstance(words, str):
        items = tuple(words)
        return lambda rng, n: [rng.choice(items) for _ in range(n)]
    return None


# provider -> (its base implementation, argument names of (min, max, step), their defaults)
_INTEGERS: dict[str, tuple[Any, tuple[str, str, str], tuple[int, int, int]]] = {
    "pyint": (PythonProvider.pyint, ("min_value", "max_value", "step"), (0, 9999, 1)),
    "random_int": (BaseProvider.random_int, ("min", "max", "step"), (0, 9999, 1)),
}


def _integers(fake: Faker, provider: str, kwargs: dict[str, Any]) -> Draw | None:
    """``pyint``/``random_int``: ``randrange(min, max + 1, step)`` per row, as Faker does."""
    base, names, defaults = _INTEGERS[provider]
    method = getattr(fake, provider, None)
    random_int = getattr(fake, "random_int", None)
    if getattr(method, "__func__", None) is not base:
        return None
    if getattr(random_int, "__func__", None) is not BaseProvider.random_int:
        return None
    if set(kwargs) - set(names):
        return None
    lo, hi, step = (kwargs.get(n, d) for n, d in zip(names, defaults, strict=True))
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi, step)):
        return None
    stop = hi + 1
    return lambda rng, n: [rng.randrange(lo, stop, step) for _ in range(n)]
