"""Faker providers called from a ``{faker: ...}`` spec: checked at plan, pinned to the run clock.

Faker's date providers read the wall clock for ``'now'``, ``'-30y'`` and friends, which
would make a run depend on the day it ran.  The providers below are rewritten into
``date_between_dates`` / ``date_time_between_dates`` with absolute bounds computed from the
manifest's ``now``, so the same manifest, seed and ``now`` give the same dates forever.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from typing import Any

from faker import Faker

from seedrunner.sandbox import SecurityError, check_faker_sizes

_REL = re.compile(
    r"^(?P<sign>[+-]?)(?:(?P<y>\d+)y)?(?:(?P<M>\d+)M)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?"
    r"(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$"
)
_UNIT_DAYS = {"y": 365.25, "M": 30.42, "w": 7, "d": 1}
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}

# provider -> (kind, default start, default end): kind "date" or "datetime"
_DATE_PROVIDERS: dict[str, tuple[str, str, str]] = {
    "date_between": ("date", "-30y", "today"),
    "date_time_between": ("datetime", "-30y", "now"),
    "past_date": ("date", "-30d", "today"),
    "past_datetime": ("datetime", "-30d", "now"),
    "future_date": ("date", "+1d", "+30d"),
    "future_datetime": ("datetime", "+1s", "+30d"),
    "date_time": ("datetime", "epoch", "now"),
    "date_object": ("date", "epoch", "today"),
    "date_this_year": ("date", "year", "today"),
    "date_this_month": ("date", "month", "today"),
    "date_this_decade": ("date", "decade", "today"),
    "date_this_century": ("date", "century", "today"),
    "date_time_this_year": ("datetime", "year", "now"),
    "date_time_this_month": ("datetime", "month", "now"),
    "date_time_this_decade": ("datetime", "decade", "now"),
    "date_time_this_century": ("datetime", "century", "now"),
}
_START_KW = ("start_date", "datetime_start", "date_start")
_END_KW = ("end_date", "datetime_end", "date_end")
_IGNORED_KW = ("before_now", "after_now", "tzinfo")


class FakerCallError(ValueError):
    """A provider that does not exist or does not accept its arguments."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


def resolve_point(value: Any, now: dt.datetime) -> dt.datetime:
    """'now', 'today', '-30y', '+2w', a date or datetime -> an aware datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, dt.timedelta):
        return now + value
    if isinstance(value, int | float):
        return now + dt.timedelta(seconds=value)
    text = str(value).strip()
    named = {
        "now": now,
        "today": now.replace(hour=0, minute=0, second=0, microsecond=0),
        "epoch": dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        "year": now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
        "month": now.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        "decade": now.replace(
            year=now.year - now.year % 10, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
        ),
        "century": now.replace(
            year=now.year - now.year % 100,
            month=1,
            day=1,
            hour=0,
            minute=0,
            second=0,
            microsecond=0,
        ),
    }
    if text in named:
        return named[text]
    m = _REL.match(text)
    if not m or not text.strip("+-"):
        try:
            return resolve_point(dt.datetime.fromisoformat(text), now)
        except ValueError:
            raise FakerCallError(
                f"cannot read date {text!r}",
                hint="use now, today, an offset like -30y / +2w / -5d, or an ISO date",
            ) from None
    days = sum(float(m.group(u) or 0) * f for u, f in _UNIT_DAYS.items())
    seconds = sum(int(m.group(u) or 0) * f for u, f in _UNIT_SECONDS.items())
    delta = dt.timedelta(days=days, seconds=seconds)
    return now - delta if m.group("sign") == "-" else now + delta


def pinned_call(
    fake_provider: str, kwargs: dict[str, Any], now: dt.datetime
) -> tuple[str, dict[str, Any], Callable[[Any], Any] | None]:
    """The provider and kwargs to call instead, so no wall clock is read."""
    if fake_provider == "date_of_birth":
        lo = int(kwargs.get("minimum_age", 0))
        hi = int(kwargs.get("maximum_age", 115))
        start = resolve_point(f"-{hi + 1}y", now) + dt.timedelta(days=1)
        end = resolve_point(f"-{lo}y", now)
        return "date_between_dates", {"date_start": start.date(), "date_end": end.date()}, None
    spec = _DATE_PROVIDERS.get(fake_provider)
    if spec is None:
        return fake_provider, kwargs, None
    kind, start_default, end_default = spec
    start_raw = next((kwargs[k] for k in _START_KW if k in kwargs), start_default)
    end_raw = next((kwargs[k] for k in _END_KW if k in kwargs), end_default)
    start, end = resolve_point(start_raw, now), resolve_point(end_raw, now)
    unknown = set(kwargs) - set(_START_KW) - set(_END_KW) - set(_IGNORED_KW)
    if unknown:
        raise FakerCallError(f"{fake_provider}() got unexpected arguments: {sorted(unknown)}")
    if start > end:
        raise FakerCallError(f"{fake_provider}: start {start:%Y-%m-%d} is after end {end:%Y-%m-%d}")
    if kind == "date":
        return "date_between_dates", {"date_start": start.date(), "date_end": end.date()}, None
    tz = kwargs.get("tzinfo")
    post: Callable[[Any], Any] | None = None
    if tz is None:

        def post(v: Any) -> Any:  # naive UTC, as Faker returns without tzinfo
            return v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v

    return (
        "date_time_between_dates",
        {"datetime_start": start, "datetime_end": end, "tzinfo": dt.UTC},
        post,
    )


def check_provider(fake: Faker, provider: str, kwargs: dict[str, Any], locale: str) -> None:
    """One dry call with a throwaway seed, so bad providers or arguments fail at plan."""
    if provider.startswith("_") or not hasattr(fake, provider):
        names = [n for n in dir(fake) if not n.startswith("_")]
        close = difflib.get_close_matches(provider, names, n=1)
        raise FakerCallError(
            f"unknown Faker provider '{provider}' for locale {locale}",
            hint=f"did you mean '{close[0]}'?" if close else "see the Faker providers list",
        )
    method = getattr(fake, provider)
    if not callable(method):
        raise FakerCallError(f"'{provider}' is not a Faker provider method")
    try:
        check_faker_sizes(method, (), kwargs)
    except SecurityError as exc:
        raise FakerCallError(f"faker.{exc}", hint="ask for fewer items") from None
    fake.seed_instance(0)
    try:
        method(**kwargs)
    except Exception as exc:
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        raise FakerCallError(
            f"faker.{provider}({args}) failed at plan: {type(exc).__name__}: {exc}",
            hint="check the provider's arguments in the Faker documentation",
        ) from None


#: providers whose values come from a fixed, small set: name -> how many distinct values.
_FIXED_CAPACITY = {
    "boolean": 2,
    "pybool": 2,
    "null_boolean": 3,
    "random_digit": 10,
    "random_digit_not_null": 9,
    "random_digit_or_empty": 11,
    "random_digit_not_null_or_empty": 10,
    "random_lowercase_letter": 26,
    "random_uppercase_letter": 26,
    "random_letter": 52,
}
# provider -> (min keyword, max keyword, default min, default max)
_INT_RANGES = {
    "pyint": ("min_value", "max_value", 0, 9999),
    "random_int": ("min", "max", 0, 9999),
}


def provider_capacity(provider: str, kwargs: dict[str, Any]) -> int | None:
    """How many distinct values ``provider(**kwargs)`` can return, when that is known.

    ``unique: true`` on a field needs at least as many distinct values as rows; with this
    the planner refuses ``{faker: boolean, unique: true}`` and ``count: 10`` up front
    instead of failing (or spinning) mid-run.  None means unknown (effectively unbounded).
    """
    if provider in _FIXED_CAPACITY:
        return _FIXED_CAPACITY[provider]
    if provider in _INT_RANGES:
        lo_kw, hi_kw, lo_default, hi_default = _INT_RANGES[provider]
        lo, hi = kwargs.get(lo_kw, lo_default), kwargs.get(hi_kw, hi_default)
        step = kwargs.get("step", 1)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi, step)):
            return None
        return max(0, (hi - lo) // step + 1) if step > 0 else None
    if provider in ("random_element", "random_elements") and "elements" in kwargs:
        elements = kwargs["elements"]
        if provider == "random_element" and isinstance(elements, list | tuple | dict):
            return len({repr(e) for e in elements})
    return None
