"""Which Faker locale(s) a field uses, and one shared Faker per locale.

Precedence, most specific first: the field spec's own ``locale``; a ``locale_map`` glob
naming the field (``users.phone``, ``*.phone``); the dataset's ``locale``; a ``locale_map``
glob naming the dataset; the manifest's ``locale``.  Among globs of one level the one
with the most literal characters wins.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase

from faker import Faker
from faker.config import AVAILABLE_LOCALES

from seedrunner.generate.weighted import speed_up


def as_list(locale: str | Sequence[str]) -> list[str]:
    return [locale] if isinstance(locale, str) else list(locale)


def _literal_chars(pattern: str) -> int:
    return sum(ch not in "*?[]" for ch in pattern)


def _best(patterns: Mapping[str, str | list[str]], subject: str) -> list[str] | None:
    hits = [(p, loc) for p, loc in patterns.items() if fnmatchcase(subject, p)]
    if not hits:
        return None
    _, loc = max(hits, key=lambda h: _literal_chars(h[0]))
    return as_list(loc)


def resolve_locale(
    *,
    dataset: str,
    field: str | None,
    field_locale: str | list[str] | None,
    dataset_locale: str | list[str] | None,
    locale_map: Mapping[str, str | list[str]],
    default: str | list[str],
) -> list[str]:
    if field_locale:
        return as_list(field_locale)
    field_patterns = {p: v for p, v in locale_map.items() if "." in p}
    dataset_patterns = {p: v for p, v in locale_map.items() if "." not in p}
    if field is not None:
        hit = _best(field_patterns, f"{dataset}.{field}")
        if hit:
            return hit
    if dataset_locale:
        return as_list(dataset_locale)
    return _best(dataset_patterns, dataset) or as_list(default)


def unknown_locale_hint(locale: str) -> str | None:
    close = difflib.get_close_matches(locale, AVAILABLE_LOCALES, n=1)
    return f"did you mean '{close[0]}'?" if close else "see faker.config.AVAILABLE_LOCALES"


def is_known_locale(locale: str) -> bool:
    return locale in AVAILABLE_LOCALES


class FakerPool:
    """One single-locale Faker per locale for the whole run.

    Columns install their own seeded ``random`` before each draw, so sharing an
    instance between fields shares no randomness.
    """

    def __init__(self) -> None:
        self._fakers: dict[str, Faker] = {}

    def get(self, locale: str) -> Faker:
        fake = self._fakers.get(locale)
        if fake is None:
            fake = Faker(locale, use_weighting=True)
            speed_up(fake)  # the same values, without re-summing weights on every pick
            self._fakers[locale] = fake
        return fake

    def many(self, locales: Sequence[str]) -> list[Faker]:
        return [self.get(loc) for loc in locales]
