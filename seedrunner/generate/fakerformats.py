"""Faker's format-driven methods (city, street, address, company) re-done column-wise.

Faker fills a locale's format strings (``{{first_name}} {{last_name}}``) by calling a method
per token, ~30us a value; here each format becomes a ``Concat`` of direct picks from the
locale's lists, ~2us a value, with Faker itself wherever a locale overrides the method.
"""

from __future__ import annotations

import re

from faker import Faker

from seedrunner.generate.choices import faker_gen, vocab
from seedrunner.generate.composite import FormatsGen, numerified
from seedrunner.generate.gens import Concat, Gen

#: Faker methods that pick one of a locale's format strings and fill in its ``{{tokens}}``.
_FORMATS = {
    "city": ("address", "city_formats"),
    "street_name": ("address", "street_name_formats"),
    "street_address": ("address", "street_address_formats"),
    "address": ("address", "address_formats"),
    "company": ("company", "formats"),
}
#: tokens that are a plain pick from a provider list (Faker would call a method for them).
_TOKEN_DATA = {
    "first_name": ("person", "first_names"),
    "last_name": ("person", "last_names"),
    "city_prefix": ("address", "city_prefixes"),
    "city_suffix": ("address", "city_suffixes"),
    "street_prefix": ("address", "street_prefixes"),
    "street_suffix": ("address", "street_suffixes"),
    "company_suffix": ("company", "company_suffixes"),
}
_TOKEN = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def template(faker: Faker, method: str, depth: int = 0) -> Gen | None:
    """Faker's ``method`` re-done from its format strings with direct picks for names.

    Only when the locale keeps the base implementation (pick a format, parse it): Faker's
    weighted name lists cost ~30us a call, this costs ~2us.  None means "call Faker".
    """
    family, attr = _FORMATS[method]
    if depth > 3 or _base_method(faker, family, method) is None:
        return None
    formats = vocab([faker], family, attr)
    if formats is None:
        return None
    parts: dict[str, Concat] = {}
    for fmt in formats.tables[0][0]:
        pieces: list[str | Gen] = []
        for i, piece in enumerate(_TOKEN.split(fmt)):
            if i % 2 == 0:
                if piece:
                    pieces.append(piece)
                continue
            gen = _token(faker, piece, depth)
            if gen is None:
                return None
            pieces.append(gen)
        parts[fmt] = Concat(pieces)
    return FormatsGen(formats, parts)


def _token(faker: Faker, token: str, depth: int) -> Gen | None:
    if token in _FORMATS:
        sub = template(faker, token, depth + 1)
        if sub is not None:
            return sub
    if token in _TOKEN_DATA and _base_method(faker, _TOKEN_DATA[token][0], token) is not False:
        data = vocab([faker], *_TOKEN_DATA[token])
        if data is not None:
            return data
    return numerified(faker, token) or faker_gen([faker], token)


def _base_method(faker: Faker, family: str, method: str) -> bool | None:
    """True if the locale's ``method`` is the provider family's base one, None if absent."""
    for provider in faker.get_providers():
        fn = getattr(type(provider), method, None)
        if fn is not None and type(provider).__module__.startswith(f"faker.providers.{family}"):
            return fn.__module__ == f"faker.providers.{family}" or None
    return False
