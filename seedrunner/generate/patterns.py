"""Strings for simple regular expressions, drawn straight from the parsed pattern.

Literals, classes, ``\\d \\w \\s .``, groups, alternation, bounded or unbounded repeats are
drawn directly; anything else (look-arounds, back-references) is unsupported, and the
caller falls back to letters within the length bounds, which the model's validation may
then reject -- give such fields a value spec.
"""

from __future__ import annotations

import importlib
import random
import string
from collections.abc import Sequence
from typing import Any

from seedrunner.generate.gens import Draw, FnGen, Gen
from seedrunner.generate.streams import new_rng
from seedrunner.generate.text import ALNUM, LETTERS

_PRINTABLE = [chr(c) for c in range(32, 127)]
_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits,
    "CATEGORY_NOT_DIGIT": LETTERS,
    "CATEGORY_SPACE": " ",
    "CATEGORY_NOT_SPACE": ALNUM,
    "CATEGORY_WORD": ALNUM + "_",
    "CATEGORY_NOT_WORD": "-",
}
_OPEN_REPEAT = 8  # extra repeats drawn for `*`, `+` and `{n,}`


class _Unsupported(Exception):
    pass


def _name(op: Any) -> str:
    return str(getattr(op, "name", op))


def _class(items: list[tuple[Any, Any]]) -> list[str]:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        name = _name(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.add(chr(av))
        elif name == "RANGE":
            chars.update(chr(c) for c in range(av[0], min(av[1], av[0] + 5000) + 1))
        elif name == "CATEGORY":
            chars.update(_CATEGORIES.get(_name(av), ""))
        else:
            raise _Unsupported(name)
    if negate:
        chars = set(_PRINTABLE) - chars
    if not chars:
        raise _Unsupported("empty class")
    return sorted(chars)


def _chars(op: Any, av: Any) -> list[str] | None:
    """The alphabet of a single-character node, or None for anything longer."""
    name = _name(op)
    if name == "LITERAL":
        return [chr(av)]
    if name == "NOT_LITERAL":
        return [c for c in ALNUM if ord(c) != av]
    if name == "ANY":
        return list(ALNUM)
    if name == "IN":
        return _class(av)
    return None


def _pick(chars: Sequence[str]) -> Draw:
    k = len(chars)
    return lambda rng: chars[int(rng.random() * k)]


def _node(op: Any, av: Any) -> Draw:
    name = _name(op)
    if name == "LITERAL":
        c = chr(av)
        return lambda rng: c
    chars = _chars(op, av)
    if chars is not None:
        return _pick(chars)
    if name == "AT":
        return lambda rng: ""
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, sub = av
        hi = lo + _OPEN_REPEAT if hi > lo + 64 else hi  # MAXREPEAT is 2**32 - 1
        span = hi - lo + 1
        chars = _chars(*sub[0]) if len(sub) == 1 else None
        if chars is not None:  # one character class repeated: draw the run at once
            return lambda rng: "".join(rng.choices(chars, k=lo + int(rng.random() * span)))
        body = _seq(sub)
        return lambda rng: "".join(body(rng) for _ in range(lo + int(rng.random() * span)))
    if name in ("SUBPATTERN", "ATOMIC_GROUP"):
        return _seq(av[-1])
    if name == "BRANCH":
        alts = [_seq(b) for b in av[1]]
        k = len(alts)
        return lambda rng: alts[int(rng.random() * k)](rng)
    raise _Unsupported(name)


def _seq(items: Any) -> Draw:
    parts = [_node(op, av) for op, av in items]
    return lambda rng: "".join(p(rng) for p in parts)


def pattern_gen(pattern: str, lo: int | None, hi: int | None) -> Gen | None:
    """A generator for a simple regex, or None when it is unsupported or misses the lengths.

    Samples are checked against the pattern (with ``re.search``, as pydantic does) so a
    construct this parser reads differently from ``re`` is caught here, not by validation.
    """
    parser = importlib.import_module("re._parser")
    try:
        body = _seq(parser.parse(pattern))
        compiled = importlib.import_module("re").compile(pattern)
    except Exception:  # _Unsupported, or re's own error for a pattern it rejects
        return None
    lo_, hi_ = lo or 0, hi if hi is not None else 1 << 30

    def draw(rng: random.Random) -> str:
        for _ in range(20):  # redraw (deterministically) until the length fits
            s: str = body(rng)
            if lo_ <= len(s) <= hi_:
                return s
        return s

    probe = new_rng(0)
    for _ in range(50):
        s = draw(probe)
        if not (lo_ <= len(s) <= hi_) or compiled.search(s) is None:
            return None
    return FnGen(draw)
