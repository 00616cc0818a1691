"""The by-name table: plausible values for fields whose name says what they hold.

``RULES`` is data: each rule names a builder, the field kinds it suits, exact names and name
suffixes.  Names are matched case-insensitively after camelCase and dashes become snake_case;
an exact name wins over a suffix, and a longer suffix over a shorter one.  A rule whose kinds
do not include the field's kind is skipped, so ``age: str`` or ``created_at: int`` fall
through to the type-driven generators.  Fields with a ``pattern`` or ``format`` are left to
the type too: those constraints are validated, names are only a hint.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from faker.providers.address.en_US import Provider as UsAddressProvider

from seedrunner.generate import dates
from seedrunner.generate.bounds import Bounds, Lengths
from seedrunner.generate.choices import ascii_word, faker_gen, vocab, words
from seedrunner.generate.composite import numerified, per_locale
from seedrunner.generate.draws import Uuids
from seedrunner.generate.fakerformats import template
from seedrunner.generate.gens import Concat, Context, FnGen, Gen, MapGen
from seedrunner.generate.numbers import IntGen, decimal_gen, float_gen, int_gen
from seedrunner.generate.text import ALNUM, LettersGen, domain_gen, email_gen, ipv4_gen, url_gen
from seedrunner.generate.vector import Words
from seedrunner.models.shape import FieldShape, TypeShape

Builder = Callable[[FieldShape, Context], "Gen | None"]

STR = frozenset({"str", "any"})
INT = frozenset({"int"})
NUM = frozenset({"int", "float", "decimal"})
REAL = frozenset({"float", "decimal"})
DATES = frozenset({"date", "datetime"})


@dataclass(frozen=True)
class NameRule:
    builder: str  # a key of BUILDERS
    kinds: frozenset[str]
    names: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()


def _rule(builder: str, kinds: frozenset[str], names: str, suffixes: str = "") -> NameRule:
    return NameRule(builder, kinds, tuple(names.split()), tuple(suffixes.split()))


RULES: tuple[NameRule, ...] = (
    _rule("email", STR, "email email_address mail e_mail", "_email _email_address"),
    _rule("first_name", STR, "first_name firstname given_name fname forename"),
    _rule("last_name", STR, "last_name lastname surname family_name lname"),
    _rule("full_name", STR, "name full_name fullname display_name", "_name"),
    _rule("username", STR, "username user_name login handle nickname nick"),
    _rule(
        "phone",
        STR,
        "phone phone_number phonenumber mobile telephone tel cell fax",
        "_phone _phone_number _mobile",
    ),
    _rule("city", STR, "city town", "_city"),
    _rule("country", STR, "country country_name", "_country"),
    _rule("country_code", STR, "country_code country_iso", "_country_code"),
    _rule("state", STR, "state province region county", "_state"),
    _rule("street", STR, "street street_address address_line1 address1 address_line_1", "_street"),
    _rule("address", STR, "address full_address postal_address", "_address"),
    _rule(
        "postcode",
        STR,
        "zip zipcode zip_code postcode post_code postal_code",
        "_zip _postcode _postal_code _zip_code",
    ),
    _rule("company", STR, "company company_name organization organisation employer", "_company"),
    _rule("job", STR, "job job_title occupation profession", "_job_title"),
    _rule("title", STR, "title headline subject", "_title"),
    _rule(
        "text",
        STR,
        "description bio about notes note comment comments text body content summary message",
        "_description _notes _comment _text",
    ),
    _rule("url", STR, "url website homepage link web_site site", "_url _link"),
    _rule("domain", STR, "domain domain_name hostname host", "_domain"),
    _rule("ip", STR, "ip ip_address ipv4 ip_addr", "_ip _ip_address"),
    _rule("slug", STR, "slug", "_slug"),
    _rule("color", STR, "color colour color_name", "_color _colour"),
    _rule("currency", STR, "currency currency_code", "_currency"),
    _rule("iban", STR, "iban", "_iban"),
    _rule("isbn", STR, "isbn isbn13", "_isbn"),
    _rule("sku", STR, "sku product_code", "_sku"),
    _rule("password", STR, "password passwd pwd password_hash secret", "_password"),
    _rule("uuid", STR, "uuid guid external_id", "_uuid _guid"),
    _rule("latitude", REAL, "latitude lat", "_latitude _lat"),
    _rule("longitude", REAL, "longitude lng lon long", "_longitude _lng _lon"),
    _rule("age", NUM, "age", "_age"),
    _rule("quantity", NUM, "quantity qty", "_quantity _qty"),
    _rule(
        "price",
        NUM,
        "price amount total cost subtotal fee unit_price",
        "_price _amount _total _cost _fee",
    ),
    _rule("birth_date", DATES, "birth_date birthday date_of_birth dob birthdate born_on"),
    _rule(
        "recent",
        DATES,
        "created_at updated_at modified_at created updated modified timestamp",
        "_at _on _date _time",
    ),
)


def normalize(name: str) -> str:
    """``firstName`` / ``First-Name`` / ``FIRST_NAME`` -> ``first_name``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return snake.replace("-", "_").replace(" ", "_").lower()


@cache
def _index() -> tuple[dict[str, list[NameRule]], list[tuple[str, NameRule]]]:
    exact: dict[str, list[NameRule]] = {}
    suffixes: list[tuple[str, NameRule]] = []
    for rule in RULES:
        for n in rule.names:
            exact.setdefault(n, []).append(rule)
        suffixes.extend((s, rule) for s in rule.suffixes)
    suffixes.sort(key=lambda p: -len(p[0]))
    return exact, suffixes


def match_rule(name: str, kind: str) -> NameRule | None:
    """The rule for a field name and kind, or None."""
    key = normalize(name)
    exact, suffixes = _index()
    for rule in exact.get(key, ()):
        if kind in rule.kinds:
            return rule
    for suffix, rule in suffixes:
        if key.endswith(suffix) and kind in rule.kinds:
            return rule
    return None


def name_gen(field: FieldShape, ctx: Context) -> Gen | None:
    """A by-name generator for ``field``, or None to let its type decide."""
    t = field.type
    if t.pattern or t.format:
        return None
    rule = match_rule(field.name, t.kind)
    if rule is None:
        return None
    gen = BUILDERS[rule.builder](field, ctx)
    if gen is not None and t.kind == "str" and (t.min_length or t.max_length is not None):
        gen = _fit(gen, t)
    return gen


def _fit(gen: Gen, t: TypeShape) -> Gen:
    return FitGen(gen, t.min_length or 0, t.max_length)


def fit_to(lo: int, hi: int | None) -> Callable[[Any], str]:
    """Cut to ``hi``; pad to ``lo`` with zeros (digits keep most formats readable)."""

    def fit(v: Any) -> str:
        s = str(v)
        if hi is not None and len(s) > hi:
            s = s[:hi]
        return s + "0" * (lo - len(s)) if len(s) < lo else s

    return fit


class FitGen(MapGen):
    """``MapGen(gen, fit_to(lo, hi))`` that passes a column through untouched when every
    value is already a str of the right length (nearly always), checked at C speed.

    Its post is always that fit, so it can state its lengths whatever ``gen`` draws.
    """

    def __init__(self, inner: Gen, lo: int, hi: int | None) -> None:
        super().__init__(inner, fit_to(lo, hi))
        self.lo, self.hi = lo, hi

    def bounds(self) -> Bounds | None:
        picked = super().bounds()  # a pick's options, fitted
        return picked if picked is not None else Lengths(self.lo, self.hi)

    def _fitted(self, values: list[Any]) -> list[Any]:
        if values and set(map(type, values)) == {str}:
            lengths = list(map(len, values))
            if min(lengths) >= self.lo and (self.hi is None or max(lengths) <= self.hi):
                return values
        return list(map(self.post, values))

    def fill(self, w: Words) -> list[Any]:
        return self._fitted(self.inner.fill(w))

    def many(self, rng: random.Random, n: int) -> list[Any]:
        return self._fitted(self.inner.many(rng, n))


# -- builders -------------------------------------------------------------------------------


def _first(ctx: Context) -> Gen | None:
    return vocab(ctx.fakers, "person", "first_names") or faker_gen(ctx.fakers, "first_name")


def _last(ctx: Context) -> Gen | None:
    return vocab(ctx.fakers, "person", "last_names") or faker_gen(ctx.fakers, "last_name")


def _full_name(f: FieldShape, ctx: Context) -> Gen | None:
    first, last = _first(ctx), _last(ctx)
    if first is None or last is None:
        return faker_gen(ctx.fakers, "name")
    return Concat([first, " ", last])


def _username(f: FieldShape, ctx: Context) -> Gen | None:
    first = vocab(ctx.fakers, "person", "first_names", ascii_word) or words(ctx, True)
    last = vocab(ctx.fakers, "person", "last_names", ascii_word) or words(ctx, True)

    return Concat([first, MapGen(last, _initial), IntGen(0, 1000)])


def _initial(text: str) -> str:
    return text[:1]


def _provider(provider: str, *fallbacks: str, post: Callable[[Any], Any] | None = None) -> Builder:
    """The first of the providers every locale has; column-wise where the provider is a
    numerified format (phone numbers, postcodes of most locales)."""

    def build(f: FieldShape, ctx: Context) -> Gen | None:
        for name in (provider, *fallbacks):
            gen: Gen | None = faker_gen(ctx.fakers, name)
            if gen is None:
                continue
            direct = [numerified(faker, name) for faker in ctx.fakers]
            if all(d is not None for d in direct):
                gen = per_locale([d for d in direct if d is not None])
            return gen if post is None else MapGen(gen, post)
        return None

    return build


def _data(
    family: str, attr: str, provider: str, key: Callable[[Any], Any] | None = None
) -> Builder:
    """Locale data drawn directly when the provider keeps a list, else the Faker provider."""

    def build(f: FieldShape, ctx: Context) -> Gen | None:
        gen = vocab(ctx.fakers, family, attr, key)
        return gen if gen is not None else faker_gen(ctx.fakers, provider)

    return build


def _formatted(method: str, post: Callable[[Any], Any] | None = None) -> Builder:
    """Faker's format-driven ``method`` drawn directly, per locale; Faker itself as fallback."""

    def build(f: FieldShape, ctx: Context) -> Gen | None:
        gens = []
        for faker in ctx.fakers:
            gen = template(faker, method) or faker_gen([faker], method)
            if gen is None:
                return None
            gens.append(gen)
        out = per_locale(gens)
        return out if post is None else MapGen(out, post)

    return build


def _title(f: FieldShape, ctx: Context) -> Gen:
    w = words(ctx)

    def draw(rng: random.Random) -> str:
        text = " ".join(w.one(rng) for _ in range(2 + int(rng.random() * 4)))
        return text[:1].upper() + text[1:]

    return FnGen(draw)


def _text(f: FieldShape, ctx: Context) -> Gen:
    """One to three sentences; sentences are added until ``min_length`` is met."""
    w, lo = words(ctx), f.type.min_length or 0

    def sentence(rng: random.Random) -> str:
        text = " ".join(w.one(rng) for _ in range(6 + int(rng.random() * 9)))
        return text[:1].upper() + text[1:] + "."

    def draw(rng: random.Random) -> str:
        text = " ".join(sentence(rng) for _ in range(1 + int(rng.random() * 3)))
        while len(text) < lo:
            text += " " + sentence(rng)
        return text

    return FnGen(draw)


def _slug(f: FieldShape, ctx: Context) -> Gen:
    w = words(ctx, ascii_only=True)
    return FnGen(lambda rng: "-".join(w.one(rng) for _ in range(2 + int(rng.random() * 3))))


def _sku(f: FieldShape, ctx: Context) -> Gen:
    upper = string.ascii_uppercase

    def draw(rng: random.Random) -> str:
        return "".join(rng.choices(upper, k=3)) + f"-{10_000 + int(rng.random() * 90_000)}"

    return FnGen(draw)


def _password(f: FieldShape, ctx: Context) -> Gen:
    t = f.type
    lo = t.min_length if t.min_length is not None else 12
    hi = t.max_length if t.max_length is not None else max(16, lo)
    lo = min(lo, hi)
    return LettersGen(lo, max(lo, min(hi, max(16, lo))), ALNUM + "!@#$%^&*")


def _uuid(f: FieldShape, ctx: Context) -> Gen:
    hi = f.type.max_length
    if hi is not None and hi < 36:
        return FnGen(Uuids("hex", hi))
    return FnGen(Uuids("str"))


def _numeric(prefer: tuple[Any, Any], places: int | None = None) -> Builder:
    """Numbers in ``prefer`` (clamped to the field's own bounds), of the field's kind."""

    def build(f: FieldShape, ctx: Context) -> Gen | None:
        t = f.type
        if t.kind == "int":
            return int_gen(t, ctx.label, (int(prefer[0]), int(prefer[1])))
        if t.kind == "decimal":
            return decimal_gen(t, ctx.label, prefer)
        return float_gen(t, ctx.label, (float(prefer[0]), float(prefer[1])), places)

    return build


def _birth(f: FieldShape, ctx: Context) -> Gen:
    if f.type.kind == "date":
        return FnGen(dates.birth_dates(ctx.now))
    return FnGen(dates.birth_datetimes(ctx.now, f.type.timezone))


def _recent(f: FieldShape, ctx: Context) -> Gen:
    if f.type.kind == "date":
        return FnGen(dates.recent_dates(ctx.now))
    return FnGen(dates.recent_datetimes(ctx.now, f.type.timezone))


def _city(f: FieldShape, ctx: Context) -> Gen | None:
    return vocab(ctx.fakers, "address", "cities") or _formatted("city")(f, ctx)


def _postcode(ctx: Context) -> Gen | None:
    """Numerified postcode formats column-wise; en_US's range (``501 .. 99950`` as five
    digits) too; any other locale's own logic through Faker."""
    gens = []
    for faker in ctx.fakers:
        method = getattr(faker, "postcode", None)
        gen: Gen | None = numerified(faker, "postcode")
        if gen is None and getattr(method, "__func__", None) is UsAddressProvider.postcode:
            gen = MapGen(IntGen(501, 99950 - 501 + 1), _five_digits)
        gen = gen or faker_gen([faker], "postcode")
        if gen is None:
            return None
        gens.append(gen)
    return per_locale(gens)


def _five_digits(n: int) -> str:
    return f"{n:05d}"


def _currency_code(entry: Any) -> Any:
    return entry[0] if isinstance(entry, tuple) else entry


BUILDERS: dict[str, Builder] = {
    "email": lambda f, ctx: email_gen(ctx, f.type.min_length, f.type.max_length),
    "first_name": lambda f, ctx: _first(ctx),
    "last_name": lambda f, ctx: _last(ctx),
    "full_name": _full_name,
    "username": _username,
    "phone": _provider("phone_number"),
    "city": _city,
    "country": _data("address", "countries", "country"),
    "country_code": _provider("country_code"),
    "state": _provider("state", "administrative_unit", "city"),
    "street": _formatted("street_address", post=lambda v: str(v).replace("\n", ", ")),
    "address": _formatted("address", post=lambda v: str(v).replace("\n", ", ")),
    "postcode": lambda f, ctx: _postcode(ctx),
    "company": _formatted("company"),
    "job": _data("job", "jobs", "job"),
    "title": _title,
    "text": _text,
    "url": lambda f, ctx: url_gen(ctx),
    "domain": lambda f, ctx: domain_gen(ctx),
    "ip": lambda f, ctx: ipv4_gen(),
    "slug": _slug,
    "color": _data("color", "all_colors", "color_name"),
    "currency": _data("currency", "currencies", "currency_code", _currency_code),
    "iban": _provider("iban"),
    "isbn": _provider("isbn13"),
    "sku": _sku,
    "password": _password,
    "uuid": _uuid,
    "latitude": _numeric((-90, 90), 6),
    "longitude": _numeric((-180, 180), 6),
    "age": _numeric((18, 90)),
    "quantity": _numeric((1, 10)),
    "price": _numeric((1, 1000), 2),
    "birth_date": _birth,
    "recent": _recent,
}

__all__ = ["BUILDERS", "RULES", "NameRule", "match_rule", "name_gen", "normalize"]
