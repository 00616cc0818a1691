"""Type-driven generators: a value for any ``TypeShape`` that satisfies its constraints.

``type_gen`` is the dispatcher: it reads a type's kind and constraints and picks the gen
from the module of that value family -- ``numbers`` (ints, floats, decimals), ``text``
(letters, words, bytes, string formats), ``patterns`` (regexes), ``nested`` (lists, sets,
tuples, models, JSON), ``dates``, ``pgtypes`` (a database's own types).  The protocol they
share lives in ``gens``, picks from locale data in ``choices``.  The names other modules
used to import from here are re-exported, so those imports keep working.
"""

from __future__ import annotations

import datetime as dt

from seedrunner.errors import GenerationError
from seedrunner.generate import dates
from seedrunner.generate.choices import (
    ChoiceGen,
    FakerGen,
    ascii_word,
    choice_gen,
    faker_gen,
    vocab,
    words,
)
from seedrunner.generate.draws import Coin, Uuids
from seedrunner.generate.gens import Concat, Context, FnGen, Gen, GenColumn, MapGen
from seedrunner.generate.nested import ListGen, ModelGen, json_gen, list_gen, model_gen
from seedrunner.generate.numbers import (
    WINDOW,
    DecimalGen,
    FloatGen,
    IntGen,
    _MultipleFloat,
    decimal_gen,
    float_gen,
    int_gen,
    window,
)
from seedrunner.generate.patterns import pattern_gen
from seedrunner.generate.pgtypes import db_type_gen
from seedrunner.generate.text import (
    ALNUM,
    LETTERS,
    BytesGen,
    LettersGen,
    WordsGen,
    domain_gen,
    email_gen,
    format_gen,
    ipv4_gen,
    lengths,
    url_gen,
)
from seedrunner.models.shape import TypeShape


def str_gen(t: TypeShape, ctx: Context) -> Gen:
    """A format's gen, else the pattern's, else letters (short or patterned) or words."""
    fmt = format_gen(t, ctx)
    if fmt is not None:
        return fmt
    if t.pattern:
        pat = pattern_gen(t.pattern, t.min_length, t.max_length)
        if pat is not None:
            return pat
        lo, hi = lengths(t, 8, 16)
        return LettersGen(lo, hi)
    if t.max_length is not None and t.max_length <= 8:
        lo, hi = lengths(t, 1, t.max_length)
        return LettersGen(max(lo, min(1, hi)), hi)
    return WordsGen(words(ctx), t.min_length or 0, t.max_length)


def _choices(t: TypeShape, ctx: Context) -> Gen:
    if not t.choices:
        raise GenerationError(f"{ctx.label}: the {t.kind} has no values to choose from")
    return choice_gen(t.choices)


def date_gen(t: TypeShape, ctx: Context) -> Gen:
    fmt = (t.format or "").lower()
    if t.kind == "date":
        pick = {"future": dates.future_dates, "past": dates.past_dates}.get(fmt, dates.recent_dates)
        return FnGen(pick(ctx.now))
    if fmt == "future":
        return FnGen(dates.future_datetimes(ctx.now, t.timezone))
    return FnGen(dates.recent_datetimes(ctx.now, t.timezone))


def type_gen(t: TypeShape, ctx: Context) -> Gen:
    """The generator for a type and its constraints (no field name involved)."""
    kind = t.kind
    if kind == "str":
        return str_gen(t, ctx)
    if kind == "int":
        return int_gen(t, ctx.label)
    if kind == "float":
        return float_gen(t, ctx.label)
    if kind == "decimal":
        return decimal_gen(t, ctx.label)
    if kind == "bool":
        return FnGen(Coin(), capacity=2)
    if kind in ("date", "datetime"):
        return date_gen(t, ctx)
    if kind == "time":  # a plain function: its sample states every value's type
        return FnGen(dates.times_of_day, sample=[dt.time()])
    if kind == "timedelta":
        return FnGen(dates.durations, sample=[dt.timedelta()])
    if kind == "uuid":
        return FnGen(Uuids())
    if kind == "bytes":
        return BytesGen(*lengths(t, 8, 16))
    if kind in ("enum", "literal"):
        return _choices(t, ctx)
    if kind in ("list", "set", "tuple"):
        return list_gen(t, ctx, type_gen(t.item or TypeShape("any"), ctx.at("[]")))
    if kind == "dict":
        return FnGen(lambda rng: {}, capacity=1)
    if kind == "json":
        return json_gen(ctx)
    if kind == "model":
        return model_gen(t, ctx)
    special = db_type_gen(t, ctx)
    return special if special is not None else words(ctx)  # "any"


__all__ = [  # re-exported: the names modules and tests import from here
    "ALNUM",
    "LETTERS",
    "WINDOW",
    "BytesGen",
    "ChoiceGen",
    "Concat",
    "Context",
    "DecimalGen",
    "FakerGen",
    "FloatGen",
    "FnGen",
    "Gen",
    "GenColumn",
    "IntGen",
    "LettersGen",
    "ListGen",
    "MapGen",
    "ModelGen",
    "WordsGen",
    "_MultipleFloat",
    "ascii_word",
    "choice_gen",
    "date_gen",
    "decimal_gen",
    "domain_gen",
    "email_gen",
    "faker_gen",
    "float_gen",
    "format_gen",
    "int_gen",
    "ipv4_gen",
    "pattern_gen",
    "str_gen",
    "type_gen",
    "url_gen",
    "vocab",
    "window",
    "words",
]
