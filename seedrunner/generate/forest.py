"""Forest: which earlier row each row of a self-referencing dataset points at, by row index.

A dataset whose foreign key points at its own table (``employee.reports_to``,
``category.parent_id``) is laid out in levels: rows ``[0, roots)`` are roots, and each next
level is a contiguous block of rows whose parent is a seeded pick in the level just before.
So every parent is an EARLIER row (rows written in index order always find theirs, whether
the database checks at the end of a statement or row by row), no row is deeper than
``max_depth``, there is no cycle, and a row's parent is a pure function of its index: any
range of rows can be made in any order or process, with O(depth) memory in all.

Level sizes grow by one factor ``b`` (the smallest that fits every row within the depth),
so a forest of 100 rows with 10 roots and depth 4 is 10, 15, 23, 34, 18 rows deep down.
"""

from __future__ import annotations

import random
from bisect import bisect_right

from seedrunner.generate.streams import Stream

DEFAULT_MAX_DEPTH = 4


def default_roots(total: int) -> int:
    """About one row in ten, at least one."""
    return max(1, total // 10)


def level_bounds(total: int, roots: int, max_depth: int) -> tuple[int, ...]:
    """Start rows of each level, then ``total``: level k is rows ``[b[k], b[k+1])``.

    Only +, * and comparisons of floats (each correctly rounded by IEEE 754), so the
    levels are the same on every machine.
    """
    if total <= 0:
        return (0,)
    roots = min(max(1, roots), total)
    rest = total - roots
    growth = _growth(roots, rest, max_depth)
    bounds = [0, roots]
    size = float(roots)
    for level in range(1, max_depth + 1):
        if rest == 0:
            break
        size *= growth
        take = rest if level == max_depth else min(rest, max(1, int(size)))
        bounds.append(bounds[-1] + take)
        rest -= take
    return tuple(bounds)


def _growth(roots: int, rest: int, max_depth: int) -> float:
    """The smallest factor b >= 1 with roots * (b + b^2 + ... + b^depth) >= rest."""

    def fits(b: float) -> bool:
        size, room = float(roots), 0.0
        for _ in range(max_depth):
            size *= b
            room += size
        return room >= rest

    lo, hi = 1.0, float(max(2, rest + 1))
    if fits(lo):
        return lo
    for _ in range(64):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if fits(mid) else (mid, hi)
    return hi


def _uniform(rng: random.Random, n: int) -> list[float]:
    return [rng.random() for _ in range(n)]


class Forest:
    """The parent row of every row: None for a root, else an earlier row's index."""

    def __init__(self, seed: int, total: int, roots: int, max_depth: int) -> None:
        self.total = total
        self.max_depth = max_depth
        self.bounds = level_bounds(total, roots, max_depth)
        self._stream = Stream(seed)

    @property
    def roots(self) -> int:
        return self.bounds[1] if len(self.bounds) > 1 else 0

    @property
    def depth(self) -> int:
        """The deepest level with rows (0: every row is a root)."""
        return max(0, len(self.bounds) - 2)

    def level(self, row: int) -> int:
        return bisect_right(self.bounds, row) - 1

    def parents(self, start: int, n: int) -> list[int | None]:
        """Parent row of rows ``[start, start + n)``: the same whatever the chunking."""
        picks = self._stream.take(start, n, _uniform)
        out: list[int | None] = []
        bounds = self.bounds
        level = self.level(start) if n else 0
        for row, u in zip(range(start, start + n), picks, strict=True):
            while level + 2 < len(bounds) and row >= bounds[level + 1]:
                level += 1
            if level == 0:
                out.append(None)
            else:
                first, stop = bounds[level - 1], bounds[level]
                out.append(first + int(u * (stop - first)))
        return out

    def describe(self) -> str:
        return f"{self.roots:,} root{'s' if self.roots != 1 else ''}, depth <= {self.max_depth}"
