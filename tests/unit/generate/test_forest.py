"""Forest: every row's parent is an earlier row, depth is bounded, roots are as asked, and
any chunking of the rows gives the same parents."""

from __future__ import annotations

import itertools

import pytest

from seedrunner.generate.forest import Forest, default_roots, level_bounds


def depths(forest: Forest) -> list[int]:
    parents = forest.parents(0, forest.total)
    depth: list[int] = []
    for row, p in enumerate(parents):
        assert p is None or 0 <= p < row  # an earlier row: no cycle, written before
        depth.append(0 if p is None else depth[p] + 1)
    return depth


@pytest.mark.parametrize(
    ("total", "roots", "max_depth"),
    [(1, 1, 4), (2, 1, 1), (10, 1, 4), (100, 10, 4), (1000, 3, 2), (5000, 1, 7), (37, 50, 3)],
)
def test_parents_are_earlier_and_depth_is_bounded(total, roots, max_depth):
    forest = Forest(seed=7, total=total, roots=roots, max_depth=max_depth)
    d = depths(forest)
    assert max(d) <= max_depth
    assert d.count(0) == min(roots, total)  # exactly the asked roots (or every row)
    assert all(forest.level(row) == d[row] for row in range(total))  # depth from the index


def test_levels_are_filled_to_the_depth_when_rows_need_it():
    bounds = level_bounds(100, 10, 4)
    assert bounds[:2] == (0, 10)
    assert bounds[-1] == 100
    assert len(bounds) == 6  # roots and four levels below them
    sizes = [b - a for a, b in itertools.pairwise(bounds)]
    assert sizes[1] < sizes[2] < sizes[3]  # growing by one factor
    assert level_bounds(0, 1, 4) == (0,)
    assert level_bounds(5, 5, 4) == (0, 5)  # every row a root
    assert level_bounds(12, 3, 1) == (0, 3, 12)  # one level below the roots takes the rest


def test_most_parents_get_children_and_no_row_is_the_only_parent():
    forest = Forest(seed=1, total=10_000, roots=100, max_depth=3)
    parents = [p for p in forest.parents(0, 10_000) if p is not None]
    counts: dict[int, int] = {}
    for p in parents:
        counts[p] = counts.get(p, 0) + 1
    assert len(counts) > 2_000  # spread over many parents
    assert max(counts.values()) < 50


@pytest.mark.parametrize("chunk", [1, 7, 100, 4096, 5000])
def test_any_chunking_gives_the_same_parents(chunk):
    whole = Forest(seed=3, total=9000, roots=20, max_depth=4).parents(0, 9000)
    forest = Forest(seed=3, total=9000, roots=20, max_depth=4)
    pieces: list[int | None] = []
    for start in range(0, 9000, chunk):
        pieces += forest.parents(start, min(chunk, 9000 - start))
    assert pieces == whole
    again = Forest(seed=3, total=9000, roots=20, max_depth=4)
    assert again.parents(6000, 50) == whole[6000:6050]  # a jump straight into the middle


def test_the_seed_decides_the_picks():
    a = Forest(seed=1, total=500, roots=5, max_depth=4).parents(0, 500)
    b = Forest(seed=2, total=500, roots=5, max_depth=4).parents(0, 500)
    assert a != b
    assert a == Forest(seed=1, total=500, roots=5, max_depth=4).parents(0, 500)


def test_default_roots_is_about_one_in_ten_and_at_least_one():
    assert [default_roots(n) for n in (0, 1, 9, 10, 99, 1000)] == [1, 1, 1, 1, 9, 100]
    forest = Forest(seed=0, total=100, roots=default_roots(100), max_depth=4)
    assert forest.roots == 10
    assert forest.describe() == "10 roots, depth <= 4"


def test_under_count_per_each_parents_children_are_a_forest_of_their_own():
    sizes = [0, 3, 1, 40, 0, 12, 7, 0, 25]
    groups = list(itertools.accumulate(sizes))
    total = groups[-1]
    forest = Forest(seed=4, total=total, roots=None, max_depth=2)
    whole = forest.parents(0, total, groups)
    pieces: list[int | None] = []
    for start in range(0, total, 5):
        pieces += Forest(seed=4, total=total, roots=None, max_depth=2).parents(
            start, min(5, total - start), groups
        )
    assert pieces == whole
    depth: list[int] = []
    for g, size in enumerate(sizes):
        first = groups[g] - size
        rows = range(first, groups[g])
        assert all(whole[r] is None or first <= whole[r] < r for r in rows)  # same block
        for r in rows:
            p = whole[r]
            depth.append(0 if p is None else depth[p] + 1)
        if size:
            assert sum(1 for r in rows if whole[r] is None) == default_roots(size)
    assert max(depth) == 2
    assert forest.describe("post") == "about 1 in 10 roots per post row, depth <= 2"


@pytest.mark.parametrize(("total", "roots", "max_depth"), [(100, 10, 4), (7, 1, 2), (1000, 1, 4)])
def test_a_chain_gives_each_row_at_most_one_child(total, roots, max_depth):
    forest = Forest(seed=9, total=total, roots=roots, max_depth=max_depth, chain=True)
    parents = [p for p in forest.parents(0, total) if p is not None]
    assert len(parents) == len(set(parents))  # a UNIQUE column accepts them
    d = depths(forest)
    assert max(d) <= max_depth
    assert forest.roots >= roots
    groups = [0, 5, 5, 30, 41]
    grouped = Forest(seed=9, total=41, roots=None, max_depth=2, chain=True).parents(0, 41, groups)
    kids = [p for p in grouped if p is not None]
    assert len(kids) == len(set(kids))
