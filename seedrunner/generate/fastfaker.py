"""Column-wise draws for Faker providers that are one weighted pick from a word list.

``fake.first_name()`` is ``random_element(self.first_names)``: each call copies the
locale's ~7,000 names and weights into tuples and sums the weights again before drawing
one ``random()``.  For such providers the column is drawn at once from the same list and
the same cumulative weights with ``rng.choices(..., k=n)``, which consumes the generator
exactly as n single calls would: the values are identical to Faker's, only faster.  A
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
from faker.providers.person import Provider as PersonProvider

Draw = Callable[[random.Random, int], list[Any]]

# provider method -> (the base implementation it must still be, the word-list attribute)
_WORD_LISTS: dict[str, tuple[Any, str]] = {
    "first_name": (PersonProvider.first_name, "first_names"),
    "last_name": (PersonProvider.last_name, "last_names"),
}


def fast_draw(fake: Faker, provider: str, kwargs: dict[str, Any]) -> Draw | None:
    """A column-wise equivalent of ``fake.<provider>(**kwargs)``, or None."""
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
