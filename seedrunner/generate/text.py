"""Text and bytes: letters, lorem words, and the string formats pydantic validates.

Letters and words state the lengths they stay within (``bounds``); the formats (emails,
URLs, domains, IP addresses) are built from picks and numbers joined by ``Concat``.
"""

from __future__ import annotations

import random
import string

from seedrunner.generate.bounds import Bounds, Lengths
from seedrunner.generate.choices import ChoiceGen, ascii_word, choice_gen, vocab, words
from seedrunner.generate.draws import Uuids
from seedrunner.generate.gens import Concat, Context, FnGen, Gen, MapGen
from seedrunner.generate.numbers import IntGen
from seedrunner.models.shape import TypeShape

LETTERS = string.ascii_letters
ALNUM = string.ascii_letters + string.digits


def lengths(t: TypeShape, default_lo: int, default_hi: int) -> tuple[int, int]:
    """The field's length bounds, with defaults where it has none (never ``hi < lo``)."""
    lo = t.min_length if t.min_length is not None else min(default_lo, t.max_length or default_lo)
    hi = t.max_length if t.max_length is not None else max(default_hi, lo)
    return lo, max(lo, hi)


class LettersGen(Gen):
    """Strings of ``lo .. hi`` characters from ``alphabet``."""

    def __init__(self, lo: int, hi: int, alphabet: str = LETTERS) -> None:
        self.lo, self.span, self.alphabet = lo, hi - lo + 1, alphabet
        if hi <= 4:
            self.capacity = sum(len(alphabet) ** n for n in range(lo, hi + 1))

    def one(self, rng: random.Random) -> str:
        k = self.lo + int(rng.random() * self.span)
        return "".join(rng.choices(self.alphabet, k=k))

    def bounds(self) -> Bounds | None:
        return Lengths(self.lo, self.lo + self.span - 1)


class WordsGen(Gen):
    """One to three words, extended to ``lo`` characters and cut at ``hi``."""

    def __init__(self, vocab_: ChoiceGen, lo: int, hi: int | None) -> None:
        self.vocab, self.lo, self.hi = vocab_, lo, hi

    def one(self, rng: random.Random) -> str:
        word = self.vocab.one
        text = " ".join(word(rng) for _ in range(1 + int(rng.random() * 3)))
        while len(text) < self.lo:
            text += " " + word(rng)
        if self.hi is not None and len(text) > self.hi:
            text = text[: self.hi]
            stripped = text.rstrip()
            text = stripped if len(stripped) >= self.lo else text
        return text

    def bounds(self) -> Bounds | None:
        """Grown to ``lo``, cut at ``hi``: a str of ``lo .. hi`` characters."""
        return Lengths(self.lo, self.hi)


class BytesGen(Gen):
    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.span = lo, hi - lo + 1

    def one(self, rng: random.Random) -> bytes:
        k = self.lo + int(rng.random() * self.span)
        return rng.getrandbits(8 * k).to_bytes(k, "big") if k else b""


# -- string formats pydantic validates (EmailStr, HttpUrl, IPv4Address as str ...) ------------

SAFE_DOMAINS = ("example.com", "example.org", "example.net")
TLDS = ("com", "net", "org", "io")


def email_gen(ctx: Context, lo: int | None, hi: int | None) -> Gen | None:
    """``first.last123@example.com``: readable, rarely repeated, and never a real mailbox."""
    first = vocab(ctx.fakers, "person", "first_names", ascii_word)
    last = vocab(ctx.fakers, "person", "last_names", ascii_word)
    if first is None or last is None:
        first = last = words(ctx, ascii_only=True)
    domains = SAFE_DOMAINS
    room = 64 if hi is None else min(64, hi - 1 - max(len(d) for d in domains))
    if room < 1:
        return None
    need = 0 if lo is None else lo - 1 - min(len(d) for d in domains)

    def shape(local: str) -> str:
        local = local[:room].strip(".")
        return local + "0" * (need - len(local)) if len(local) < need else local

    local = MapGen(Concat([first, ".", last, IntGen(0, 10_000)]), shape)
    return Concat([local, "@", choice_gen(domains)])


def url_gen(ctx: Context) -> Gen:
    w = words(ctx, ascii_only=True)
    return Concat(["https://www.", w, w, ".", choice_gen(TLDS), "/", w])


def domain_gen(ctx: Context) -> Gen:
    w = words(ctx, ascii_only=True)
    return Concat([w, w, ".", choice_gen(TLDS)])


def ipv4_gen() -> Gen:
    octet = IntGen(0, 256)
    return Concat([IntGen(1, 223), ".", octet, ".", octet, ".", IntGen(1, 254)])


def ipv6(rng: random.Random) -> str:
    return ":".join(f"{rng.getrandbits(16):x}" for _ in range(8))


def format_gen(t: TypeShape, ctx: Context) -> Gen | None:
    """Generators for the string formats an adapter records in ``TypeShape.format``."""
    fmt = (t.format or "").lower().replace("-", "_")
    if fmt in ("email", "email_str", "name_email"):
        return email_gen(ctx, t.min_length, t.max_length)
    if fmt in ("url", "uri", "http_url", "any_url", "any_http_url", "https_url"):
        return url_gen(ctx)
    if fmt in ("ipv4", "ip", "ipvanyaddress", "ipv4address"):
        return ipv4_gen()
    if fmt in ("ipv6", "ipv6address"):
        return FnGen(ipv6)
    if fmt in ("uuid", "uuid4"):
        return FnGen(Uuids("str"))
    if fmt in ("hostname", "domain"):
        return domain_gen(ctx)
    return None
