"""Dates are drawn relative to the pinned run clock, never the wall clock."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from seedrunner.generate import dates

NOW = dt.datetime(2026, 1, 1, 12, 30, tzinfo=dt.UTC)
LEAP_NOW = dt.datetime(2024, 2, 29, 8, 0, tzinfo=dt.UTC)


def draws(fn, n=3000, seed=1):
    rng = random.Random(seed)
    return [fn(rng) for _ in range(n)]


def test_years_before_handles_leap_day():
    assert dates.years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
    assert dates.years_before(dt.date(2024, 2, 29), 4) == dt.date(2020, 2, 29)
    assert dates.years_before(dt.date(2025, 6, 1), -2) == dt.date(2027, 6, 1)


def test_date_between_covers_both_ends_and_nothing_else():
    first, last = dt.date(2025, 1, 1), dt.date(2025, 1, 3)
    got = set(draws(dates.date_between(first, last), 500))
    assert got == {first, dt.date(2025, 1, 2), last}


def test_date_between_rejects_empty_range():
    with pytest.raises(ValueError, match="empty"):
        dates.date_between(dt.date(2025, 1, 2), dt.date(2025, 1, 1))


@pytest.mark.parametrize("now", [NOW, LEAP_NOW])
def test_birth_dates_give_ages_18_to_90(now):
    today = now.date()
    ages = {dates.age_on(d, today) for d in draws(dates.birth_dates(now), 20_000)}
    assert min(ages) == 18
    assert max(ages) == 90
    assert ages <= set(range(18, 91))


def test_birth_date_extremes_are_exact():
    today = NOW.date()
    youngest = dates.years_before(today, 18)
    oldest = dates.years_before(today, 91) + dt.timedelta(days=1)
    assert dates.age_on(youngest, today) == 18
    assert dates.age_on(youngest + dt.timedelta(days=1), today) == 17
    assert dates.age_on(oldest, today) == 90
    assert dates.age_on(oldest - dt.timedelta(days=1), today) == 91


@pytest.mark.parametrize("aware", [True, False])
def test_recent_datetimes_lie_in_the_last_three_years(aware):
    values = draws(dates.recent_datetimes(NOW, aware))
    floor = NOW - dt.timedelta(days=3 * 366)
    for v in values:
        assert (v.tzinfo is not None) is aware
        utc = v if aware else v.replace(tzinfo=dt.UTC)
        assert floor <= utc < NOW
        assert v.microsecond == 0
    assert len(set(values)) > 2900


def test_naive_now_is_taken_as_utc():
    naive = NOW.replace(tzinfo=None)
    a = draws(dates.recent_datetimes(naive, True), 50)
    b = draws(dates.recent_datetimes(NOW, True), 50)
    assert a == b


def test_recent_and_past_and_future_dates():
    today = NOW.date()
    floor = today - dt.timedelta(days=3 * 366)
    assert all(floor <= d <= today for d in draws(dates.recent_dates(NOW)))
    assert all(d < today for d in draws(dates.past_dates(NOW)))
    assert all(d > today for d in draws(dates.future_dates(NOW)))
    assert all(v > NOW for v in draws(dates.future_datetimes(NOW, True)))


def test_birth_datetimes_are_midnights():
    for v in draws(dates.birth_datetimes(NOW, aware=True), 200):
        assert v.tzinfo is dt.UTC
        assert v.time() == dt.time(0, 0)
        assert 18 <= dates.age_on(v.date(), NOW.date()) <= 90


def test_times_and_durations_in_range():
    times = draws(dates.times_of_day)
    assert all(isinstance(t, dt.time) for t in times)
    assert len({t.hour for t in times}) == 24
    spans = draws(dates.durations)
    assert all(dt.timedelta(0) <= s < dt.timedelta(days=7) for s in spans)


def test_same_seed_same_dates_other_seed_other_dates():
    fn = dates.recent_datetimes(NOW, True)
    assert draws(fn, 100, seed=5) == draws(fn, 100, seed=5)
    assert draws(fn, 100, seed=5) != draws(fn, 100, seed=6)
