"""Column-wise randomness: a block's rng read as numpy arrays, giving the per-row values.

``rng.random()`` reads two 32-bit outputs of the Mersenne Twister, ``(a >> 5, b >> 6)``;
``rng.randbytes(8)`` reads the same two outputs, little-endian.  So ``unit(words(rng, n))``
is, bit for bit, the list ``[rng.random() for _ in range(n)]`` and leaves ``rng`` in the same
state.  Every per-row generator written on ``rng.random()`` (``int(r() * k)``,
``bisect(cum, r() * total)``) therefore has a column-wise twin that returns identical values
in a few numpy operations instead of a Python call per row: the speed comes without changing
a single generated row.  A generator that reads ``w`` words per row draws ``words(rng, n, w)``
and gives each of its parts a slice of the columns, so n rows always consume ``n * w`` words
(the row-by-row contract of ``streams.Stream``).

Only exact float arithmetic is done here (IEEE products of a float by an int below 2**53,
truncation, comparison), so the results are the same on every machine and numpy version.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from random import Random
from typing import Any

import numpy as np
import numpy.typing as npt

Words = npt.NDArray[np.uint64]
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

_LOW32 = np.uint64(0xFFFFFFFF)
_FIVE, _THIRTY_EIGHT = np.uint64(5), np.uint64(38)
_TWO53 = 1.0 / 9007199254740992.0


def words(rng: Random, n: int, width: int = 1) -> Words:
    """``n`` rows of ``width`` 64-bit words each, read from ``rng`` in row order."""
    raw = rng.randbytes(8 * n * width)
    return np.frombuffer(raw, dtype="<u8").reshape(n, width).astype(np.uint64, copy=False)


def unit(col: Words) -> Floats:
    """``rng.random()`` for each word: floats in [0, 1), identical to CPython's."""
    a = ((col & _LOW32) >> _FIVE).astype(np.float64)
    b = (col >> _THIRTY_EIGHT).astype(np.float64)
    out: Floats = (a * 67108864.0 + b) * _TWO53
    return out


def below(col: Words, k: int) -> Ints:
    """``int(rng.random() * k)`` for each word (k below 2**50)."""
    out: Ints = (unit(col) * k).astype(np.int64)
    return out


_SHIFTS = np.asarray([0, 16, 32, 48], dtype=np.uint64)


def lanes16(w: Words) -> Ints:
    """Each word as four 16-bit numbers, low bits first (the same on any byte order):
    row ``i`` of ``w`` becomes ``4 * w.shape[1]`` values in 0 .. 65535."""
    out: Ints = ((w[:, :, None] >> _SHIFTS) & np.uint64(0xFFFF)).astype(np.int64)
    return out.reshape(len(w), -1)


def weighted(col: Words, cum: Floats) -> Ints:
    """``bisect(cum, rng.random() * cum[-1], 0, len(cum) - 1)``: what ``rng.choices`` with
    cumulative weights picks."""
    found = np.searchsorted(cum, unit(col) * cum[-1], side="right")
    out: Ints = np.minimum(found, len(cum) - 1).astype(np.int64)
    return out


def objects(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    """A 1-d object array of ``values`` (tuples stay whole, unlike ``np.array``)."""
    return np.fromiter(values, dtype=object, count=len(values))


def scatter(n: int, parts: Sequence[tuple[Ints, list[Any]]]) -> list[Any]:
    """Rows put back in order from ``(row indices, values)`` groups covering ``0 .. n-1``."""
    out = np.empty(n, dtype=object)
    for rows, values in parts:
        if len(rows):
            out[rows] = objects(values)
    result: list[Any] = out.tolist()
    return result


class RowDraw(ABC):
    """A per-row draw ``fn(rng)`` that can also fill a whole column from words.

    ``__call__`` is the per-row form (used inside other per-row draws, such as the items of a
    list); ``fill`` gives the same values for ``width`` words per row.  ``sample`` stands for
    every value it can return (same type, same awareness) in plan-time proofs.
    """

    width = 1
    sample: tuple[Any, ...] = ()

    @abstractmethod
    def __call__(self, rng: Random) -> Any:
        """One value."""

    @abstractmethod
    def fill(self, w: Words) -> list[Any]:
        """The values of ``len(w)`` rows."""
