"""Column-wise draws for Faker providers simple enough to reproduce exactly.

``fake.first_name()`` is ``random_element(self.first_names)``: each call copies the
locale's ~7,000 names and weights into tuples and sums the weights again before drawing
one ``random()``.  For such providers the column is drawn at once from the same list and
the same cumulative weights with ``rng.choices(..., k=n)``, which consumes the generator
exactly as n single calls would: the values are identical to Faker's, only faster.
``pyint``/``random_int`` are one ``randrange`` per row, drawn the same way;
``date_time_between(_dates)`` is one ``uniform`` per row, drawn as a numpy column (``vector``); and
``pydecimal`` with fixed digits makes Faker's own draws without its argument checks.  A
locale that overrides the method, a list that is not weighted as expected, or anything
else unrecognised keeps the per-row Faker call.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from itertools import accumulate
from typing import Any

from faker import Faker
from faker.providers import BaseProvider
from faker.providers.address.en_US import Provider as UsAddressProvider
from faker.providers.date_time import Provider as DateTimeProvider
from faker.providers.misc import Provider as MiscProvider
from faker.providers.person import Provider as PersonProvider
from faker.providers.phone_number import Provider as PhoneProvider
from faker.providers.python import Provider as PythonProvider

from seedrunner.generate import vector

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
    if provider in _BOOLEANS:
        return _booleans(fake, provider, kwargs)
    if provider == "phone_number" and not kwargs:
        return _phone_numbers(fake)
    if provider in _WORD_LISTS and not kwargs:
        return _word_list(fake, provider)
    if provider == "date_time_between_dates":
        return _date_times_between(fake, kwargs)
    if provider == "pydecimal":
        return _decimals(fake, kwargs)
    if provider == "postcode" and not kwargs:
        return _us_postcodes(fake)
    return None


def _us_postcodes(fake: Faker) -> Draw | None:
    """en_US ``postcode``: ``"%05d" % randint(501, 99950)``, the locale's own code."""
    if _base_owner(fake, "postcode", UsAddressProvider.postcode) is None:
        return None
    return lambda rng, n: [f"{rng.randint(501, 99950):05d}" for _ in range(n)]


def _base_owner(fake: Faker, provider: str, base: Any) -> Any | None:
    """The provider object behind ``fake.<provider>`` while that is still Faker's ``base``
    implementation; None when the locale overrides it (its own logic, its own draws)."""
    method = getattr(fake, provider, None)
    if getattr(method, "__func__", None) is not base:
        return None
    return getattr(method, "__self__", None)


def _plain_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _word_list(fake: Faker, provider: str) -> Draw | None:
    """``random_element(<word list>)``: one weighted (or uniform) pick per row."""
    base, attribute = _WORD_LISTS[provider]
    owner = _base_owner(fake, provider, base)
    if owner is None or not getattr(owner, "__use_weighting__", True):
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
    if _base_owner(fake, provider, base) is None or set(kwargs) - set(names):
        return None
    if _base_owner(fake, "random_int", BaseProvider.random_int) is None:
        return None
    lo, hi, step = (kwargs.get(n, d) for n, d in zip(names, defaults, strict=True))
    if not all(_plain_int(v) for v in (lo, hi, step)):
        return None
    stop = hi + 1
    return lambda rng, n: [rng.randrange(lo, stop, step) for _ in range(n)]


# numerify's passes, in its order: symbol, then the digits it draws (randint bounds), and
# whether the digit may be empty (randint(0, 1) first, as random_digit_or_empty does).
_NUMERIFY = (("#", 0, False), ("%", 1, False), ("$", 2, False), ("!", 0, True), ("@", 1, True))


def _phone_numbers(fake: Faker) -> Draw | None:
    """``numerify(random_element(formats))`` per row, with each format parsed once.

    numerify replaces ``#`` everywhere, then ``%``, ``$``, ``!``, ``@``, each left to right;
    the digits are drawn in that order here too, so the values and the generator's state
    after each row are Faker's own.
    """
    owner = _base_owner(fake, "phone_number", PhoneProvider.phone_number)
    if owner is None or type(owner).numerify is not BaseProvider.numerify:
        return None
    formats = getattr(owner, "formats", None)
    if not isinstance(formats, tuple | list) or not formats:
        return None
    parsed = [_parse_numerify(f) for f in formats]

    def draw(rng: random.Random, n: int) -> list[Any]:
        out = []
        randint, choice = rng.randint, rng.choice
        for _ in range(n):
            parts, slots = choice(parsed)
            text = list(parts)
            for position, low, optional in slots:
                if optional and not randint(0, 1):
                    text[position] = ""
                else:
                    text[position] = str(randint(low, 9))
            out.append("".join(text))
        return out

    return draw


def _parse_numerify(fmt: str) -> tuple[tuple[str, ...], list[tuple[int, int, bool]]]:
    """The format as characters, and its placeholders in numerify's drawing order."""
    parts = tuple(fmt)
    slots = [
        (i, low, optional)
        for symbol, low, optional in _NUMERIFY
        for i, ch in enumerate(parts)
        if ch == symbol
    ]
    return parts, slots


# provider -> (its base implementation, the name of its percentage argument)
_BOOLEANS: dict[str, tuple[Any, str]] = {
    "boolean": (MiscProvider.boolean, "chance_of_getting_true"),
    "pybool": (PythonProvider.pybool, "truth_probability"),
}


def _booleans(fake: Faker, provider: str, kwargs: dict[str, Any]) -> Draw | None:
    """``boolean``/``pybool``: ``randint(1, 100) <= chance`` per row, as Faker does."""
    base, argument = _BOOLEANS[provider]
    if _base_owner(fake, provider, base) is None or set(kwargs) - {argument}:
        return None
    if provider == "pybool" and _base_owner(fake, "random_int", BaseProvider.random_int) is None:
        return None
    chance = kwargs.get(argument, 50)
    if not _plain_int(chance) or not 0 <= chance <= 100:
        return None  # Faker's own call raises its own error for a bad value
    return lambda rng, n: [rng.randint(1, 100) <= chance for _ in range(n)]


def _date_times_between(fake: Faker, kwargs: dict[str, Any]) -> Draw | None:
    """``date_time_between_dates`` (what ``faker: date_time_between`` becomes once the run's
    clock has fixed its bounds): ``uniform(start, end)`` seconds per row, drawn as a numpy
    column, then Faker's own ``datetime.fromtimestamp(ts, tzinfo)``."""
    base = DateTimeProvider.date_time_between_dates
    owner = _base_owner(fake, "date_time_between_dates", base)
    if owner is None or set(kwargs) != {"datetime_start", "datetime_end", "tzinfo"}:
        return None
    first, last, tz = kwargs["datetime_start"], kwargs["datetime_end"], kwargs["tzinfo"]
    if tz is None or not all(isinstance(v, datetime) for v in (first, last)):
        return None  # naive: Faker converts through the machine's local zone
    rand_seconds = getattr(type(owner), "_rand_seconds", None)
    if "uniform" not in getattr(getattr(rand_seconds, "__code__", None), "co_names", ()):
        return None  # Windows: Faker draws whole seconds with randint
    start = owner._parse_date_time(first, tzinfo=tz)
    end = owner._parse_date_time(last, tzinfo=tz)
    if start > end:
        return None  # Faker's own call raises its own error
    from_timestamp = datetime.fromtimestamp

    def draw(rng: random.Random, n: int) -> list[Any]:
        # random.uniform(a, b) is a + (b - a) * random(), in the same float operations
        stamps = (start + (end - start) * vector.unit(vector.words(rng, n)[:, 0])).tolist()
        return [from_timestamp(ts, tz) for ts in stamps]

    return draw


def _decimals(fake: Faker, kwargs: dict[str, Any]) -> Draw | None:
    """``pydecimal(left_digits=L, right_digits=R, positive=True|False)``: the sign is fixed,
    the integer part one ``randrange`` of L digits, each decimal one ``randint(0, 9)``."""
    owner = _base_owner(fake, "pydecimal", PythonProvider.pydecimal)
    if owner is None or set(kwargs) != {"left_digits", "right_digits", "positive"}:
        return None
    if type(owner)._random_int_of_length is not PythonProvider._random_int_of_length:
        return None
    for method, base in (
        ("pyint", PythonProvider.pyint),
        ("random_int", BaseProvider.random_int),
        ("random_digit", BaseProvider.random_digit),
    ):
        if _base_owner(fake, method, base) is None:
            return None
    left, right, positive = kwargs["left_digits"], kwargs["right_digits"], kwargs["positive"]
    if not (_plain_int(left) and _plain_int(right) and isinstance(positive, bool)):
        return None
    if left < 0 or right < 0 or left == right == 0:
        return None  # Faker's own call raises its own error
    sign = "+" if positive else "-"
    lo, stop = (10 ** (left - 1), 10**left) if left else (0, 0)

    def draw(rng: random.Random, n: int) -> list[Any]:
        randrange, randint = rng.randrange, rng.randint
        out = []
        for _ in range(n):
            whole = randrange(lo, stop) if left else 0
            digits = "".join([str(randint(0, 9)) for _ in range(right)])
            out.append(Decimal(f"{sign}{whole}.{digits}"))
        return out

    return draw
