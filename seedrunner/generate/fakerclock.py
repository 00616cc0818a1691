"""Pin the clock Faker's date providers read to the run's ``now``, while a run generates.

Faker's date provider module calls ``datetime.now()`` and ``date.today()`` for ``'now'``,
``'-30y'``, ``iso8601()``, ``year()``, ``date_time()`` and many more.  ``fakercalls``
rewrites the common date providers into absolute calls, but templates (``fake.x()``) and
the rest of Faker's providers would still read the wall clock; during generation the
module's ``datetime``/``date`` names are swapped for subclasses whose ``now()``/``today()``
return the run's ``now`` (and whose isinstance checks accept ordinary values).  The swap is
undone when the run ends.  Providers outside Faker's date module that read the clock
(a few ``ssn``/``passport`` locales) are not covered.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from faker.providers import date_time as _faker_dates

_lock = threading.RLock()  # re-entrant: a nested pin restores the outer one


class _Accepting(type):
    """isinstance(x, Pinned) is isinstance(x, the real class), so Faker's checks still work."""

    real: type

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, cls.real)


@functools.lru_cache(maxsize=8)  # a pin per batch (execute/regenerate.py) stays cheap
def _pinned_types(now: dt.datetime) -> tuple[type, type]:
    utc = now.astimezone(dt.UTC)

    class PinnedDatetime(dt.datetime, metaclass=_Accepting):
        real = dt.datetime
        seedrunner_pinned = True

        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Any:
            return utc.astimezone(tz) if tz is not None else utc.replace(tzinfo=None)

        @classmethod
        def utcnow(cls) -> Any:
            return utc.replace(tzinfo=None)

        @classmethod
        def today(cls) -> Any:
            return utc.replace(tzinfo=None)

    class PinnedDate(dt.date, metaclass=_Accepting):
        real = dt.date
        seedrunner_pinned = True

        @classmethod
        def today(cls) -> Any:
            return utc.date()

    return PinnedDatetime, PinnedDate


@contextmanager
def pinned_faker_clock(now: dt.datetime) -> Iterator[None]:
    """Within the block, Faker's date providers see ``now`` as the current time."""
    pinned_dt, pinned_date = _pinned_types(now)
    module: Any = _faker_dates  # Faker ships no stubs for these module globals
    with _lock:
        saved = module.datetime, module.dtdate
        module.datetime, module.dtdate = pinned_dt, pinned_date
        try:
            yield
        finally:
            module.datetime, module.dtdate = saved


def unpin(values: list[Any]) -> list[Any]:
    """The column with plain ``datetime``/``date`` values in place of the pinned subclasses.

    Arithmetic on a pinned value (Faker's ``start + timedelta(...)``) returns the subclass;
    rows must not carry it out of generation (pickle refuses a local class, and handlers
    may check ``type(v) is datetime``).  A column whose first value is not pinned is
    returned as it is.
    """
    sample = next((v for v in values if v is not None), None)
    if not getattr(type(sample), "seedrunner_pinned", False):
        return values
    return [_plain(v) for v in values]


def _plain(v: Any) -> Any:
    if not getattr(type(v), "seedrunner_pinned", False):
        return v
    if isinstance(v, dt.datetime):
        return dt.datetime(
            v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond,
            v.tzinfo, fold=v.fold,
        )  # fmt: skip
    return dt.date(v.year, v.month, v.day)
