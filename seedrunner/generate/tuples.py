"""Distinct tuples of parent rows, by row index: what a join table's key columns point at.

``TupleDraw`` maps child row i to a tuple of parent row indexes, one per drawn key column,
with no two rows alike: row i takes ``perm(i)`` over the index space ``[0, P1 x P2 x ...)``,
unranked into one parent row per column.  Under ``count.per`` (the key holds the per-parent
column) the other columns are distinct among one parent's children: child j of parent p
takes ``perm_p(j)``, a permutation seeded by p.  Each key column reads its digit through a
``TupleColumn``; the draw keeps the last batch's tuples so the columns of one key share
the work.  ``PositionColumn`` numbers a parent's children 1, 2, ... (order lines).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from seedrunner.generate.columns import Column
from seedrunner.generate.permute import Permutation, mix64, unrank

#: ``TupleDraw(avoid=...)``: the axis never takes the count.per parent's own row
PARENT = -1


def _parents(cumulative: Sequence[int], start: int, n: int) -> list[tuple[int, int]]:
    """(parent row, position among its children) of rows ``start .. start+n``."""
    out = []
    for r in range(start, start + n):
        p = bisect_right(cumulative, r)
        out.append((p, r - (cumulative[p - 1] if p else 0)))
    return out


class TupleDraw:
    """Row index -> parent row indexes, one per drawn column; distinct across rows (or
    across one parent's children, with ``cumulative``)."""

    def __init__(
        self,
        seed: int,
        sizes: tuple[int, ...],
        *,
        cumulative: Sequence[int] | None = None,
        identity: bool = False,
        avoid: Mapping[int, int] | None = None,
    ) -> None:
        self.seed, self.identity = seed, identity
        self.cumulative = cumulative
        # axis -> the earlier axis (or PARENT, the count.per parent row) whose row it never
        # takes: two references to the same rows (follower, followee) never point at one
        # row.  Such an axis draws from one row fewer, then steps over the other's row.
        self.avoid = dict(avoid or {})
        self.sizes = tuple(s - 1 if k in self.avoid else s for k, s in enumerate(sizes))
        self.space = 1
        for s in self.sizes:
            self.space *= max(s, 0)
        self._perm = Permutation(seed, self.space) if self.space and cumulative is None else None
        self._last: tuple[int, int, list[tuple[int, ...]]] | None = None

    def rows(self, start: int, n: int) -> list[tuple[int, ...]]:
        last = self._last
        if last is not None and last[0] == start and last[1] == n:
            return last[2]
        out = self._draw(start, n)
        self._last = (start, n, out)
        return out

    def _draw(self, start: int, n: int) -> list[tuple[int, ...]]:
        sizes = self.sizes
        if self.cumulative is not None:
            return self._per_parent(start, n)
        indexes: Iterable[int] = range(start, start + n)
        if not self.identity:
            assert self._perm is not None
            indexes = self._perm.values(start, n)
        out = [unrank(x, sizes) for x in indexes]
        return [self._lift(t, PARENT) for t in out] if self.avoid else out

    def _lift(self, digits: tuple[int, ...], parent: int) -> tuple[int, ...]:
        """Step each avoiding axis over the row it must not take."""
        lifted = list(digits)
        for k, other in self.avoid.items():
            taken = parent if other == PARENT else lifted[other]
            lifted[k] += lifted[k] >= taken
        return tuple(lifted)

    def _per_parent(self, start: int, n: int) -> list[tuple[int, ...]]:
        """Each parent's run of children at once: child j takes ``perm_p(j)``."""
        cum, sizes = self.cumulative, self.sizes
        assert cum is not None
        out: list[tuple[int, ...]] = []
        row, end = start, start + n
        while row < end:
            parent = bisect_right(cum, row)
            first = cum[parent - 1] if parent else 0
            stop = min(end, cum[parent])
            perm = Permutation(mix64(self.seed ^ mix64(parent)), self.space)
            drawn = [unrank(x, sizes) for x in perm.values(row - first, stop - row)]
            out += [self._lift(t, parent) for t in drawn] if self.avoid else drawn
            row = stop
        return out


class TupleColumn(Column):
    """One key column's parent row indexes (``axis`` of a ``TupleDraw``)."""

    def __init__(self, draw: TupleDraw, axis: int) -> None:
        self.draw, self.axis = draw, axis

    def values(self, start: int, n: int) -> list[Any]:
        axis = self.axis
        return [t[axis] for t in self.draw.rows(start, n)]


class PositionColumn(Column):
    """Each child's position among its parent's children, counted from ``first``."""

    def __init__(self, cumulative: Sequence[int], first: int = 1) -> None:
        self.cumulative, self.first = cumulative, first

    def values(self, start: int, n: int) -> list[Any]:
        return [j + self.first for _, j in _parents(self.cumulative, start, n)]
