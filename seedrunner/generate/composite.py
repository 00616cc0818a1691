"""Faker's format-driven values made column-wise: picked formats, numerified digits.

Faker builds a street address by picking one of the locale's format strings
(``"{{building_number}} {{street_name}}"``) and filling its tokens, and a phone number by
picking a format (``"(###)###-####"``) and replacing each ``#`` with a random digit: a Python
call per token and per digit, 10-30 us a row.  Here both are done for a whole column: the
format pick is one vector draw, rows are grouped by format, each token fills its column for
its group (recursively, for formats inside formats), and digits are written straight into a
character matrix that numpy turns back into strings.

A gen here reads a fixed number of words per row (the widest format's), so a row's values
never depend on the rows before it.  The vocabularies, formats and weights are Faker's own;
the values are drawn by seedrunner, not by Faker's ``randint``, so they are not the values
``Faker().street_address()`` would give for the same seed.
"""

from __future__ import annotations

import random
import string
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np
from faker import Faker
from faker.providers import BaseProvider

from seedrunner.generate import vector
from seedrunner.generate.choices import ChoiceGen
from seedrunner.generate.gens import Concat, Gen
from seedrunner.generate.vector import Words

#: numerify's placeholders: (lowest digit, may be empty).  ``?`` (bothify) is a letter.
_LANES = 4  # placeholders per 64-bit word (16 bits each)
_DIGITS = {"#": (0, False), "%": (1, False), "$": (2, False), "!": (0, True), "@": (1, True)}


class FormatsGen(Gen):
    """A format picked from ``formats`` (one table), then that format's own ``Concat``.

    Column-wise when the pick and every format's parts are; otherwise the per-row path of
    Faker's own ``parse``: pick, then draw the parts the picked format needs.
    """

    def __init__(self, formats: ChoiceGen, parts: dict[str, Concat]) -> None:
        self.formats, self.parts = formats, parts
        options = formats.tables[0][0]
        distinct = list(dict.fromkeys(options))
        self._concats = [parts[f] for f in distinct]
        self._lookup = np.asarray([distinct.index(f) for f in options], dtype=np.int64)
        widths = [c.width for c in self._concats]
        if len(formats.tables) == 1 and formats.width is not None and None not in widths:
            self.width = formats.width + max(w for w in widths if w is not None)

    def one(self, rng: random.Random) -> Any:
        if self.width is not None:
            return self.fill(vector.words(rng, 1, self.width))[0]
        return self.parts[self.formats.one(rng)].one(rng)

    def fill(self, w: Words) -> list[Any]:
        which = self._lookup[self.formats.index(w[:, 0])]
        groups = []
        for k, concat in enumerate(self._concats):
            rows = np.nonzero(which == k)[0]
            if len(rows):
                width = concat.width or 0
                groups.append((rows, concat.fill(w[rows, 1 : 1 + width])))
        return vector.scatter(len(w), groups)


class PerLocaleGen(Gen):
    """One gen per locale; each row picks its locale first (one word), then draws."""

    def __init__(self, gens: Sequence[Gen]) -> None:
        self.gens = list(gens)
        widths = [g.width for g in self.gens]
        if None not in widths:
            self.width = 1 + max(w for w in widths if w is not None)

    def one(self, rng: random.Random) -> Any:
        if self.width is not None:
            return self.fill(vector.words(rng, 1, self.width))[0]
        gens = self.gens
        return gens[int(rng.random() * len(gens))].one(rng)

    def fill(self, w: Words) -> list[Any]:
        which = vector.below(w[:, 0], len(self.gens))
        groups = []
        for k, gen in enumerate(self.gens):
            rows = np.nonzero(which == k)[0]
            if len(rows):
                groups.append((rows, gen.fill(w[rows, 1 : 1 + (gen.width or 0)])))
        return vector.scatter(len(w), groups)


def per_locale(gens: Sequence[Gen]) -> Gen:
    return gens[0] if len(gens) == 1 else PerLocaleGen(gens)


class _Format:
    """One numerify/bothify format: its characters and its placeholders, in order."""

    def __init__(self, text: str, letters: str) -> None:
        self.text = text
        self.codes = np.asarray([ord(c) for c in text], dtype=np.uint32)
        self.slots = [i for i, c in enumerate(text) if c in _DIGITS or c == "?"]
        self.low = np.asarray([_DIGITS.get(text[i], (0, False))[0] for i in self.slots], np.int64)
        self.span = np.asarray(
            [len(letters) if text[i] == "?" else 10 - _DIGITS[text[i]][0] for i in self.slots],
            dtype=np.int64,
        )
        self.letter = np.asarray([text[i] == "?" for i in self.slots], dtype=bool)
        self.optional = [i for i, s in enumerate(self.slots) if _DIGITS.get(text[s], (0, 0))[1]]


class NumerifyGen(Gen):
    """``numerify``/``bothify`` of a format picked from a locale's list, column-wise.

    A row reads one word for the format, then 16 random bits per placeholder, four to a
    word: ``#`` a digit, ``%`` 1-9, ``$`` 2-9, ``!``/``@`` empty for half the rows, ``?`` a
    letter.  ``upper`` upper-cases the result (base ``postcode``).
    """

    def __init__(self, formats: ChoiceGen, upper: bool = False, letters: str = "") -> None:
        self.formats, self.upper = formats, upper
        letters = letters or string.ascii_letters
        self._letters = np.asarray([ord(c) for c in letters], dtype=np.uint32)
        options = formats.tables[0][0]
        self._parsed = [_Format(str(f), letters) for f in options]
        self.slots = max((len(p.slots) for p in self._parsed), default=0)
        self._words = 1 + -(-self.slots // _LANES)
        self.width = self._words

    def one(self, rng: random.Random) -> Any:
        return self.fill(vector.words(rng, 1, self._words))[0]

    def fill(self, w: Words) -> list[Any]:
        which = self.formats.index(w[:, 0])
        lanes = vector.lanes16(w[:, 1:])
        groups = []
        for k, fmt in enumerate(self._parsed):
            rows = np.nonzero(which == k)[0]
            if len(rows):
                groups.append((rows, self._fill_format(fmt, lanes[rows, : len(fmt.slots)])))
        out = vector.scatter(len(w), groups)
        return [v.upper() for v in out] if self.upper else out

    def _fill_format(self, fmt: _Format, bits: Any) -> list[str]:
        m, length = len(bits), len(fmt.codes)
        chars = np.tile(fmt.codes, (m, 1))
        if fmt.slots:
            if fmt.optional:  # an optional slot's lowest bit keeps or drops it
                kept = (bits[:, fmt.optional] & 1).astype(bool)
                bits[:, fmt.optional] >>= 1
                bits[:, fmt.optional] <<= 1
            picks = (bits * fmt.span) >> 16
            codes = (picks + fmt.low + ord("0")).astype(np.uint32)
            if fmt.letter.any():
                codes[:, fmt.letter] = self._letters[picks[:, fmt.letter]]
            chars[:, fmt.slots] = codes
            if fmt.optional:
                return _with_gaps(chars, fmt, kept)
        texts: list[str] = chars.view(f"<U{length}").ravel().tolist()
        return texts


def _with_gaps(chars: Any, fmt: _Format, kept: Any) -> list[str]:
    """Rows whose optional placeholders came out empty lose those characters."""
    drop = [fmt.slots[i] for i in fmt.optional]
    out = []
    for row, keep in zip(chars.tolist(), kept.tolist(), strict=True):
        for position, k in zip(drop, keep, strict=True):
            if not k:
                row[position] = 0
        out.append("".join(chr(c) for c in row if c))
    return out


def numerified(faker: Faker, method: str) -> NumerifyGen | None:
    """A column-wise twin of ``faker.<method>`` when that method is exactly
    ``self.numerify(self.random_element(self.<formats>))`` (or ``bothify``, with an optional
    ``.upper()``), read from its code; None for anything else (e.g. en_US ``postcode``,
    which draws a number range)."""
    target = getattr(faker, "_factories", [faker])
    bound = getattr(target[0] if len(target) == 1 else faker, method, None)
    fn, owner = getattr(bound, "__func__", None), getattr(bound, "__self__", None)
    code = getattr(fn, "__code__", None)
    if code is None or owner is None or code.co_argcount != 1:
        return None
    names = set(code.co_names)
    verbs = names & {"numerify", "bothify"}
    rest = names - {"numerify", "bothify", "random_element", "upper"}
    if len(verbs) != 1 or "random_element" not in names or len(rest) != 1:
        return None
    if any(isinstance(c, str | int | float) and c is not None for c in code.co_consts[1:]):
        return None  # an argument we would not reproduce (letters, a prefix ...)
    verb = verbs.pop()
    base = {"numerify": BaseProvider.numerify, "bothify": BaseProvider.bothify}[verb]
    if getattr(type(owner), verb, None) is not base:
        return None
    if type(owner).random_element is not BaseProvider.random_element:
        return None
    data = getattr(owner, rest.pop(), None)
    if isinstance(data, OrderedDict) and all(isinstance(k, str) for k in data):
        weights = [float(v) for v in data.values()]
        cum = list(np.cumsum(weights).tolist())
        formats = ChoiceGen([(list(data), cum)])
    elif isinstance(data, tuple | list) and data and all(isinstance(f, str) for f in data):
        formats = ChoiceGen([(list(data), None)])
    else:
        return None
    if verb == "numerify" and any("?" in f for f in formats.tables[0][0]):
        return None  # numerify leaves ? alone; ours would fill it
    return NumerifyGen(formats, upper="upper" in names)
