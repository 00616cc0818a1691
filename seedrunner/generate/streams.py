"""Seeded streams: the only module that creates random generators or reads the wall clock.

Every (seed, dataset, field, purpose) has its own stream, so adding a field or a dataset
changes no other value.  A stream is cut into fixed blocks of ``BLOCK`` rows, each seeded
on its own: rows ``[a, b)`` can be produced without producing the rows before them, which
is what lets batch size change freely (and, later, chunks run in other processes) while
every row stays the same.  ``batch_size`` never enters a seed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
import uuid
from collections.abc import Callable
from typing import TypeVar

BLOCK = 4096

T = TypeVar("T")


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any parts, the same on every machine and Python version."""
    text = "\x1f".join(repr(p) if not isinstance(p, str) else p for p in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def new_rng(seed: int) -> random.Random:
    return random.Random(seed)


def wall_clock() -> _dt.datetime:
    """The real time, in UTC; read once per run when the manifest pins no ``now``."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0)


def seeded_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from ``rng`` (uuid4() would read the OS entropy pool)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Stream:
    """Block-addressable randomness for one purpose of one field.

    ``take(start, n, draw)`` returns ``draw``'s values for rows ``start .. start+n``.
    ``draw(rng, k)`` must consume ``rng`` row by row (drawing k then m rows equals
    drawing k+m), the contract every column generator keeps; sequential batches then
    cost nothing extra, and a jump into the middle of a block replays its prefix once.
    """

    __slots__ = ("_cursors", "seed")

    #: positioned generators kept per stream: the main cursor survives a few side draws
    #: (unique retries read far rows) without replaying its block.
    KEEP = 4

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._cursors: dict[int, random.Random] = {}

    def _position(self, row: int, draw: Callable[[random.Random, int], list[T]]) -> random.Random:
        rng = self._cursors.pop(row, None)
        if rng is not None and row % BLOCK != 0:
            return rng
        block, offset = divmod(row, BLOCK)
        rng = random.Random(derive_seed(self.seed, block))
        if offset:
            draw(rng, offset)  # replay the block's prefix
        return rng

    def take(self, start: int, n: int, draw: Callable[[random.Random, int], list[T]]) -> list[T]:
        out: list[T] = []
        row, end = start, start + n
        while row < end:
            stop = min(end, (row // BLOCK + 1) * BLOCK)
            rng = self._position(row, draw)
            out.extend(draw(rng, stop - row))
            row = stop
            if len(self._cursors) >= self.KEEP:
                self._cursors.pop(next(iter(self._cursors)))
            self._cursors[row] = rng
        return out
