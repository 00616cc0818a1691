"""Forest: which earlier row each row of a self-referencing dataset points at, by row index.

A dataset whose foreign key points at its own table (``employee.reports_to``,
``category.parent_id``) is laid out in levels: rows ``[0, roots)`` are roots, and each next
level is a contiguous block of rows whose parent is a seeded pick in the level just before.
So every parent is an EARLIER row (rows written in index order always find theirs, whether
the database checks at the end of a statement or row by row), no row is deeper than
``max_depth``, there is no cycle, and a row's parent is a pure function of its index: any
range of rows can be made in any order or process, with O(depth) memory in all.

Level sizes grow by one factor ``b`` (the smallest that fits every row within the depth),
so a forest of 100 rows with 10 roots and depth 4 has levels of 10, 13, 18, 24 and 35 rows.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence

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


def chain_bounds(total: int, roots: int, max_depth: int) -> tuple[int, ...]:
    """Levels of equal size (the last may be short), for a UNIQUE self-reference: row i
    of a level points at row i of the level before, so no row has two children."""
    if total <= 0:
        return (0,)
    width = min(total, max(1, roots, -(-total // (max_depth + 1))))
    return (*range(0, total, width), total)


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
    """The parent row of every row: None for a root, else an earlier row's index.

    Under ``count.per`` (comments of a post) the rows of each parent row are a block of
    their own, and each block is a forest of its own: a reply stays within its post.
    """

    def __init__(
        self, seed: int, total: int, roots: int | None, max_depth: int, chain: bool = False
    ) -> None:
        self.seed = seed
        self.total = total
        self.max_depth = max_depth
        self.given_roots = roots
        self.chain = chain  # each row at most one child (a UNIQUE column)
        self._layouts: dict[int, tuple[int, ...]] = {}
        self.bounds = self._layout(total)
        self._stream = Stream(seed)

    def resized(self, total: int) -> Forest:
        """The same kind of forest (seed, roots, depth) over ``total`` rows."""
        return Forest(self.seed, total, self.given_roots, self.max_depth, self.chain)

    @property
    def roots(self) -> int:
        return self.bounds[1] if len(self.bounds) > 1 else 0

    @property
    def depth(self) -> int:
        """The deepest level with rows (0: every row is a root)."""
        return max(0, len(self.bounds) - 2)

    def level(self, row: int) -> int:
        return bisect_right(self.bounds, row) - 1

    def parents(self, start: int, n: int, groups: Sequence[int] | None = None) -> list[int | None]:
        """Parent row of rows ``[start, start + n)``: the same whatever the chunking.

        ``groups``: the ``count.per`` blocks as cumulative row counts (``CountPlan``); each
        block is then laid out on its own.
        """
        picks = self._stream.take(start, n, _uniform)
        if groups is not None:
            return self._grouped(start, picks, groups)
        out: list[int | None] = []
        bounds, row, end = self.bounds, start, start + n
        while row < end:  # level by level: one comprehension per level the rows cross
            level = self.level(row)
            stop = min(end, bounds[level + 1]) if level + 1 < len(bounds) else end
            us = picks[row - start : stop - start]
            if level == 0:
                out += [None] * len(us)
            elif self.chain:
                first = bounds[level - 1] - bounds[level]
                out += range(row + first, stop + first)
            else:
                first, size = bounds[level - 1], bounds[level] - bounds[level - 1]
                out += [first + int(u * size) for u in us]
            row = stop
        return out

    def _grouped(self, start: int, picks: list[float], groups: Sequence[int]) -> list[int | None]:
        out: list[int | None] = []
        g = bisect_right(groups, start)
        for row, u in zip(range(start, start + len(picks)), picks, strict=True):
            while row >= groups[g]:
                g += 1
            first = groups[g - 1] if g else 0
            bounds = self._layout(groups[g] - first)
            level = bisect_right(bounds, row - first) - 1
            at = row - first
            out.append(None if level == 0 else first + _pick(bounds, level, u, at, self.chain))
        return out

    def _layout(self, size: int) -> tuple[int, ...]:
        """Levels of a block of ``size`` rows (few distinct sizes: kept)."""
        bounds = self._layouts.get(size)
        if bounds is None:
            roots = default_roots(size) if self.given_roots is None else self.given_roots
            layout = chain_bounds if self.chain else level_bounds
            bounds = self._layouts[size] = layout(size, roots, self.max_depth)
        return bounds

    def describe(self, per: str | None = None) -> str:
        if per is not None:
            roots = "about 1 in 10" if self.given_roots is None else f"{self.given_roots}"
            return f"{roots} roots per {per} row, depth <= {self.max_depth}"
        return f"{self.roots:,} root{'s' if self.roots != 1 else ''}, depth <= {self.max_depth}"


def _pick(bounds: tuple[int, ...], level: int, u: float, row: int, chain: bool) -> int:
    """A row of the level above ``level``: by the uniform draw ``u``, or in a chain the
    one at ``row``'s place."""
    first, stop = bounds[level - 1], bounds[level]
    if chain:
        return first + (row - stop)
    return first + int(u * (stop - first))
