"""The keyed permutation behind distinct draws, and the tuple draws made from it."""

from __future__ import annotations

from collections import Counter
from itertools import accumulate

import pytest

from seedrunner.generate.permute import Permutation, unrank
from seedrunner.generate.tuples import PARENT, PositionColumn, TupleColumn, TupleDraw


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 16, 17, 255, 256, 257, 300, 1000, 4099])
def test_a_permutation_is_a_bijection_of_the_index_space(size):
    perm = Permutation(12345, size)
    assert sorted(perm.values(0, size)) == list(range(size))


def test_the_same_seed_gives_the_same_order_and_another_seed_another():
    a, b, c = Permutation(7, 1000), Permutation(7, 1000), Permutation(8, 1000)
    assert a.values(0, 1000) == b.values(0, 1000)
    assert a.values(0, 1000) != c.values(0, 1000)
    assert a.values(0, 1000) != list(range(1000))  # shuffled, not the identity


def test_rows_asked_in_pieces_equal_rows_asked_at_once():
    perm = Permutation(99, 5000)
    whole = perm.values(1000, 2000)
    pieces = perm.values(1000, 7) + perm.values(1007, 993) + perm.values(2000, 1000)
    assert pieces == whole
    assert [perm(i) for i in range(2999, 999, -1)] == whole[::-1]  # any order, alone


def test_a_prefix_spreads_over_the_whole_space():
    """The first tenth of a permutation of 100 x 100 tuples touches nearly every parent of
    each axis, about equally: draws without replacement with uniform coverage."""
    perm = Permutation(2026, 10_000)
    firsts = Counter(unrank(perm(i), (100, 100))[0] for i in range(1000))
    seconds = Counter(unrank(perm(i), (100, 100))[1] for i in range(1000))
    for counts in (firsts, seconds):
        assert len(counts) >= 95
        assert max(counts.values()) <= 25


def test_outside_the_space_is_refused():
    perm = Permutation(1, 10)
    with pytest.raises(IndexError):
        perm(10)
    with pytest.raises(ValueError, match="at least one"):
        Permutation(1, 0)


def test_unrank_is_mixed_radix_first_digit_most_significant():
    assert unrank(0, (3, 4)) == (0, 0)
    assert unrank(5, (3, 4)) == (1, 1)
    assert unrank(11, (3, 4)) == (2, 3)
    assert {unrank(i, (2, 3, 5)) for i in range(30)} == {
        (a, b, c) for a in range(2) for b in range(3) for c in range(5)
    }


def test_a_tuple_draw_gives_distinct_tuples_chunk_by_chunk():
    draw = TupleDraw(5, (20, 15))
    cols = [TupleColumn(draw, 0), TupleColumn(draw, 1)]
    pairs = list(zip(cols[0].values(0, 300), cols[1].values(0, 300), strict=True))
    assert len(set(pairs)) == 300  # every (post, tag) pair exactly once
    again = TupleDraw(5, (20, 15))  # another process, asked for rows [120, 180) only
    firsts, seconds = TupleColumn(again, 0), TupleColumn(again, 1)
    part = list(zip(firsts.values(120, 60), seconds.values(120, 60), strict=True))
    assert part == pairs[120:180]


def test_an_identity_draw_takes_parent_row_i_for_row_i():
    draw = TupleDraw(5, (50,), identity=True)
    assert TupleColumn(draw, 0).values(10, 5) == [10, 11, 12, 13, 14]


def test_a_per_parent_draw_is_distinct_within_each_parent_and_chunk_independent():
    per_parent = [3, 0, 5, 5, 1, 4]
    cum = list(accumulate(per_parent))
    draw = TupleDraw(77, (6, 5), cumulative=cum)
    rows = draw.rows(0, cum[-1])
    start = 0
    for n in per_parent:
        mine = rows[start : start + n]
        assert len(set(mine)) == n
        start += n
    fresh = TupleDraw(77, (6, 5), cumulative=cum)
    assert fresh.rows(4, 9) == rows[4:13]


def test_positions_count_each_parents_children_from_one():
    cum = list(accumulate([2, 0, 3]))
    assert PositionColumn(cum).values(0, 5) == [1, 2, 1, 2, 3]
    assert PositionColumn(cum).values(3, 2) == [2, 3]


def test_an_avoiding_axis_covers_every_pair_but_the_diagonal():
    draw = TupleDraw(3, (7, 7), avoid={1: 0})
    assert draw.space == 42
    assert sorted(draw.rows(0, 42)) == [(a, b) for a in range(7) for b in range(7) if a != b]


def test_an_axis_avoiding_the_parent_never_takes_the_parents_row():
    cum = list(accumulate([6] * 7))  # 7 users, each following all 6 others
    draw = TupleDraw(3, (7,), cumulative=cum, avoid={0: PARENT})
    rows = draw.rows(0, 42)
    for parent in range(7):
        assert sorted(t[0] for t in rows[parent * 6 : parent * 6 + 6]) == [
            u for u in range(7) if u != parent
        ]


def test_a_space_past_64_bits_still_spreads_its_leading_digit():
    """Three parents of ten million rows: 10^21 tuples, more than 2^64."""
    perm = Permutation(8, 10**21)
    firsts = [unrank(x, (10**7,) * 3)[0] for x in perm.values(0, 2000)]
    assert len(set(perm.values(0, 2000))) == 2000
    assert len({f // 10**6 for f in firsts}) == 10  # every tenth of the first parent's rows
