"""Dates, times and durations drawn from an rng relative to the run's pinned ``now``.

Faker's date providers (``date_between``, ``past_date``, ``date_of_birth`` ...) read the wall
clock internally, which would make a seeded run differ from one day to the next; every draw
here is an offset from the ``now`` the run was given.  Each function returns a per-row draw
``fn(rng) -> value`` that consumes one ``rng.random()`` per row; the range draws are
``vector.RowDraw``s, which also fill whole columns with the same values.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import numpy as np

from seedrunner.generate import vector
from seedrunner.generate.vector import RowDraw, Words

DateDraw = Callable[[random.Random], dt.date]
DatetimeDraw = Callable[[random.Random], dt.datetime]

#: how far back "recent" values reach (created_at, plain date/datetime fields).
RECENT_YEARS = 3
#: date ranges up to this many days fill columns from a table of date objects built once.
_DATE_TABLE = 60_000


def utc(now: dt.datetime) -> dt.datetime:
    """``now`` as an aware UTC datetime; a naive ``now`` is taken to be UTC already."""
    if now.tzinfo is None:
        return now.replace(tzinfo=dt.UTC)
    return now.astimezone(dt.UTC)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


class DateBetween(RowDraw):
    """Uniform dates in ``first .. last`` (both included)."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        if last < first:
            raise ValueError(f"empty date range {first} .. {last}")
        self.base, self.days = first.toordinal(), (last - first).days + 1
        self.sample = (first,)
        self._table: Any = None

    def __call__(self, rng: random.Random) -> dt.date:
        return dt.date.fromordinal(self.base + int(rng.random() * self.days))

    def fill(self, w: Words) -> list[Any]:
        k = vector.below(w[:, 0], self.days)
        if self.days > _DATE_TABLE:
            base, from_ordinal = self.base, dt.date.fromordinal
            return [from_ordinal(base + d) for d in k.tolist()]
        if self._table is None:  # every date of the range, made once: a take per column
            self._table = vector.objects(
                [dt.date.fromordinal(self.base + d) for d in range(self.days)]
            )
        out: list[Any] = self._table[k].tolist()
        return out


def date_between(first: dt.date, last: dt.date) -> DateBetween:
    return DateBetween(first, last)


class DatetimeBetween(RowDraw):
    """Uniform whole-second datetimes in ``[first, last)``: UTC-aware or naive UTC.

    Both ends must be aware; ``aware=False`` drops the (UTC) tzinfo from the result, which is
    what a naive SQL ``DateTime`` column and a plain ``datetime`` field expect.  Columns are
    made by numpy's ``datetime64`` (exact whole seconds) and converted in C.
    """

    def __init__(self, first: dt.datetime, last: dt.datetime, aware: bool) -> None:
        start = utc(first)
        self.seconds = max(1, int((utc(last) - start).total_seconds()))
        self.start = start if aware else start.replace(tzinfo=None)
        self.sample = (self.start,)
        self._origin = np.datetime64(start.replace(tzinfo=None), "us")

    def __call__(self, rng: random.Random) -> dt.datetime:
        return self.start + dt.timedelta(seconds=int(rng.random() * self.seconds))

    def fill(self, w: Words) -> list[Any]:
        k = vector.below(w[:, 0], self.seconds)
        naive: list[dt.datetime] = (self._origin + k.astype("timedelta64[s]")).tolist()
        tz = self.start.tzinfo
        if tz is None:
            return list(naive)
        return [d.replace(tzinfo=tz) for d in naive]


def datetime_between(first: dt.datetime, last: dt.datetime, aware: bool) -> DatetimeDraw:
    return DatetimeBetween(first, last, aware)


def recent_dates(now: dt.datetime, years: int = RECENT_YEARS) -> DateBetween:
    """Dates within the last ``years`` years, up to and including today."""
    today = utc(now).date()
    return date_between(years_before(today, years), today)


def future_dates(now: dt.datetime, years: int = RECENT_YEARS) -> DateBetween:
    """Dates from tomorrow up to ``years`` years ahead (for ``FutureDate``)."""
    today = utc(now).date()
    return date_between(today + dt.timedelta(days=1), years_before(today, -years))


def past_dates(now: dt.datetime, years: int = RECENT_YEARS) -> DateBetween:
    """Dates strictly before today (for ``PastDate``)."""
    today = utc(now).date()
    return date_between(years_before(today, years), today - dt.timedelta(days=1))


def recent_datetimes(now: dt.datetime, aware: bool, years: int = RECENT_YEARS) -> DatetimeDraw:
    """Datetimes within the last ``years`` years, strictly before ``now``."""
    end = utc(now)
    start = dt.datetime.combine(years_before(end.date(), years), end.timetz())
    return datetime_between(start, end, aware)


def future_datetimes(now: dt.datetime, aware: bool, years: int = RECENT_YEARS) -> DatetimeDraw:
    """Datetimes from a minute after ``now`` up to ``years`` years ahead."""
    start = utc(now) + dt.timedelta(minutes=1)
    end = dt.datetime.combine(years_before(start.date(), -years), start.timetz())
    return datetime_between(start, end, aware)


def birth_dates(now: dt.datetime, min_age: int = 18, max_age: int = 90) -> DateBetween:
    """Birth dates of people aged ``min_age .. max_age`` (whole years) on ``now``'s date."""
    today = utc(now).date()
    first = years_before(today, max_age + 1) + dt.timedelta(days=1)
    return date_between(first, years_before(today, min_age))


class _Midnights(RowDraw):
    """Dates as midnight datetimes (UTC-aware or naive)."""

    def __init__(self, dates: DateBetween, aware: bool) -> None:
        self.dates = dates
        self.midnight = dt.time(tzinfo=dt.UTC if aware else None)
        self.sample = (dt.datetime.combine(dates.sample[0], self.midnight),)

    def __call__(self, rng: random.Random) -> dt.datetime:
        return dt.datetime.combine(self.dates(rng), self.midnight)

    def fill(self, w: Words) -> list[Any]:
        combine, midnight = dt.datetime.combine, self.midnight
        return [combine(d, midnight) for d in self.dates.fill(w)]


def birth_datetimes(now: dt.datetime, aware: bool) -> DatetimeDraw:
    """Birth dates as midnight datetimes, for datetime-typed ``birth_date`` fields."""
    return _Midnights(birth_dates(now), aware)


def times_of_day(rng: random.Random) -> dt.time:
    """A whole-second time of day."""
    s = int(rng.random() * 86_400)
    return dt.time(s // 3600, s // 60 % 60, s % 60)


def durations(rng: random.Random) -> dt.timedelta:
    """A whole-second duration of up to a week."""
    return dt.timedelta(seconds=int(rng.random() * 7 * 86_400))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years between ``birth`` and ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
