"""Dates, times and durations drawn from an rng relative to the run's pinned ``now``.

Faker's date providers (``date_between``, ``past_date``, ``date_of_birth`` ...) read the wall
clock internally, which would make a seeded run differ from one day to the next; every draw
here is an offset from the ``now`` the run was given.  Each function returns a per-row draw
``fn(rng) -> value`` that consumes a fixed amount of randomness per row.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

DateDraw = Callable[[random.Random], dt.date]
DatetimeDraw = Callable[[random.Random], dt.datetime]

#: how far back "recent" values reach (created_at, plain date/datetime fields).
RECENT_YEARS = 3


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


def date_between(first: dt.date, last: dt.date) -> DateDraw:
    """Uniform dates in ``first .. last`` (both included)."""
    if last < first:
        raise ValueError(f"empty date range {first} .. {last}")
    base, days = first.toordinal(), (last - first).days + 1
    from_ordinal = dt.date.fromordinal

    def draw(rng: random.Random) -> dt.date:
        return from_ordinal(base + int(rng.random() * days))

    return draw


def datetime_between(first: dt.datetime, last: dt.datetime, aware: bool) -> DatetimeDraw:
    """Uniform whole-second datetimes in ``[first, last)``: UTC-aware or naive UTC.

    Both ends must be aware; ``aware=False`` drops the (UTC) tzinfo from the result, which is
    what a naive SQL ``DateTime`` column and a plain ``datetime`` field expect.
    """
    start = utc(first)
    seconds = max(1, int((utc(last) - start).total_seconds()))
    if not aware:
        start = start.replace(tzinfo=None)
    delta = dt.timedelta

    def draw(rng: random.Random) -> dt.datetime:
        return start + delta(seconds=int(rng.random() * seconds))

    return draw


def recent_dates(now: dt.datetime, years: int = RECENT_YEARS) -> DateDraw:
    """Dates within the last ``years`` years, up to and including today."""
    today = utc(now).date()
    return date_between(years_before(today, years), today)


def future_dates(now: dt.datetime, years: int = RECENT_YEARS) -> DateDraw:
    """Dates from tomorrow up to ``years`` years ahead (for ``FutureDate``)."""
    today = utc(now).date()
    return date_between(today + dt.timedelta(days=1), years_before(today, -years))


def past_dates(now: dt.datetime, years: int = RECENT_YEARS) -> DateDraw:
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


def birth_dates(now: dt.datetime, min_age: int = 18, max_age: int = 90) -> DateDraw:
    """Birth dates of people aged ``min_age .. max_age`` (whole years) on ``now``'s date."""
    today = utc(now).date()
    first = years_before(today, max_age + 1) + dt.timedelta(days=1)
    return date_between(first, years_before(today, min_age))


def birth_datetimes(now: dt.datetime, aware: bool) -> DatetimeDraw:
    """Birth dates as midnight datetimes, for datetime-typed ``birth_date`` fields."""
    dates = birth_dates(now)
    tz = dt.UTC if aware else None
    midnight = dt.time(tzinfo=tz)

    def draw(rng: random.Random) -> dt.datetime:
        return dt.datetime.combine(dates(rng), midnight)

    return draw


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
