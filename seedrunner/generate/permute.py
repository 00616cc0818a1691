"""Keyed permutations of ``[0, size)``: distinct draws without keeping what was drawn.

A join table's rows must be distinct tuples of parent rows, and a one-to-one child's rows
distinct parents.  Drawing at random and remembering what came out would hold a set as big
as the dataset and make row k depend on rows 0..k-1; a seeded bijection does neither: row i
takes ``perm(i)``, which no other row can take, and any row can be asked for alone (so a
batch, a chunk in another process or a resumed run gets the very same values).

The bijection is a balanced Feistel network over the smallest even number of bits that
holds ``size``, with a splitmix64 round function, and cycle-walking to stay inside
``[0, size)`` (the network's domain is at most 4 x size, so a walk takes under 4 steps on
average).  Round keys come from the seed by the same mixer, so making one permutation per
parent row costs a few multiplications, not a hash.  The round function gives 32 well
mixed bits for spaces up to 2^64 and 64 up to 2^128 (five parents of a million rows each);
past that the top bits mix less, but the map stays a bijection.
"""

from __future__ import annotations

_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
ROUNDS = 4  # Luby-Rackoff: four rounds make a strong pseudo-random permutation


def mix64(x: int) -> int:
    """splitmix64's finaliser: a fast 64-bit bijective mixer (well spread low bits)."""
    z = (x + _GOLDEN) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


class Permutation:
    """A bijection of ``[0, size)`` chosen by ``seed``; ``perm(i)`` for any i alone."""

    __slots__ = ("_half", "_keys", "_mask", "size")

    def __init__(self, seed: int, size: int) -> None:
        if size < 1:
            raise ValueError(f"a permutation needs at least one element, got {size}")
        self.size = size
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        key = mix64(seed & _M64)
        self._keys = tuple(mix64(key + r * _GOLDEN) for r in range(ROUNDS))

    def __call__(self, i: int) -> int:
        return self.values(i, 1)[0]

    def values(self, start: int, n: int) -> list[int]:
        """``perm(i)`` for i in ``start .. start+n``: the Feistel rounds, then again while
        the result is outside ``[0, size)`` (cycle-walking keeps it a bijection)."""
        if start < 0 or start + n > self.size:
            raise IndexError(f"[{start}, {start + n}) is outside [0, {self.size})")
        half, mask, keys, size = self._half, self._mask, self._keys, self.size
        shift = 32 if half <= 32 else 0  # the mixer's best bits, or all 64 for huge spaces
        out = []
        for x in range(start, start + n):
            while True:
                left, right = x >> half, x & mask
                for k in keys:
                    z = ((right ^ k) * 0xBF58476D1CE4E5B9) & _M64
                    z ^= z >> 29
                    left, right = right, left ^ (((z * 0x94D049BB133111EB) & _M64) >> shift & mask)
                x = (left << half) | right
                if x < size:
                    break
            out.append(x)
        return out


def unrank(index: int, sizes: tuple[int, ...]) -> tuple[int, ...]:
    """``index`` in ``[0, prod(sizes))`` as one digit per size, the first most significant."""
    if len(sizes) == 2:
        return divmod(index, sizes[1])
    digits = [0] * len(sizes)
    for k in range(len(sizes) - 1, -1, -1):
        index, digits[k] = divmod(index, sizes[k])
    return tuple(digits)
