"""Growth: a parent's count raised under a dataset that picks among the parent's rows.

The rule: rows already written keep their values; new rows pick among the grown parent.
A seeded ``ref`` pick (no ``count.per``) chooses among all the parent's rows, so its
fingerprint records how many it chose among (ledger/fingerprint.py); the ledger records,
per row range, the fingerprint it was written under.  ``regrow`` reads those back: the
ranges of a fingerprint the plan's *grew from* (the same in all but smaller parent
counts) pick among the counts it records (``RefPlan.among``), and are accepted as the
plan's own rows, so apply skips them, destroy and ``--prune`` regenerate them exactly, and
rows past them pick among the grown parent.

Not grown, left to refuse with ``--replace`` as the way out: a pick that must stay
distinct (a key made of refs draws without repeats over all combinations: more parents
reshuffle the whole draw), and a dataset whose targets hold different ranges of a spec
(their rows would disagree).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from seedrunner.ledger.base import Recorded
from seedrunner.ledger.fingerprint import FingerprintParts, grown_from
from seedrunner.ledger.sqlledger import merged
from seedrunner.plan.steps import DatasetPlan, FieldPlan

Ranges = tuple[tuple[int, int], ...]


def regrow(
    dp: DatasetPlan,
    recorded: Sequence[Recorded],
    parents: Mapping[str, Collection[str]] | None = None,
) -> DatasetPlan:
    """``dp`` with the row ranges its targets' ledgers (``recorded``, one per ledgered
    target) hold under specs it grew from picking as they were written; ``dp`` itself
    when there are none.  ``parents``: per parent already regrown, the digests whose
    rows are its own (``known``)."""
    if dp.fingerprint is None or not recorded:
        return dp
    current = dp.fingerprint.digest
    grown: dict[str, tuple[dict[str, int], Ranges]] = {}
    for fp in sorted(set().union(*(r.applied.fingerprints for r in recorded)) - {current}):
        text = next((r.specs[fp] for r in recorded if fp in r.specs), None)
        parts = FingerprintParts(json.loads(text)) if text else None
        counts = grown_from(dp.fingerprint, parts, parents) if parts is not None else None
        if counts is None or _distinct(dp, counts):
            continue
        held = {_held(r.applied.ranges.get(fp, [])) for r in recorded}
        if len(held) == 1:  # every target holds the same rows of it
            grown[fp] = (counts, held.pop())
    if not grown or _overlap([rs for _, rs in grown.values()], recorded, current):
        return dp
    fields = [_regrown(f, grown) for f in dp.fields]
    if any(f.tree is not None for f in fields):
        trees = [_grown_tree(dp, f, grown, recorded) for f in fields]
        if any(t is None for t in trees):
            return dp
        fields = [t for t in trees if t is not None]
    return replace(dp, fields=fields, accepted=frozenset(grown))


def _grown_tree(
    dp: DatasetPlan,
    f: FieldPlan,
    grown: Mapping[str, tuple[dict[str, int], Ranges]],
    recorded: Sequence[Recorded],
) -> FieldPlan | None:
    """A self-reference's forest in segments: the rows of each size it had are the forest
    they were (from their first row), and rows added since a forest of their own; None
    when that cannot be (a forest per parent row, a chain)."""
    tree = f.tree
    if tree is None:
        return f
    name = f"{dp.name}.{f.name}"
    sizes = {fp: counts[name] for fp, (counts, _) in grown.items() if name in counts}
    if not sizes:
        return f
    if tree.grouped or tree.forest.chain:
        return None
    firsts: dict[int, int] = {}
    for fp, size in sizes.items():
        start = grown[fp][1][0][0]
        firsts[size] = min(firsts.get(size, start), start)
    end = max(b for _, ranges in grown.values() for _, b in ranges)
    total = dp.count.total
    assert dp.fingerprint is not None
    mine = [r for rec in recorded for r in rec.applied.ranges.get(dp.fingerprint.digest, [])]
    firsts.setdefault(total, min([end, *(a for a, _ in mine)]))
    if any(s >= size for size, s in firsts.items()):
        return None
    segments = tuple(sorted((s, tree.forest.resized(size - s)) for size, s in firsts.items()))
    return replace(f, tree=replace(tree, segments=segments))


def picking_as(dp: DatasetPlan, recorded: FingerprintParts) -> DatasetPlan | None:
    """``dp`` picking among the parent counts ``recorded`` gives, on every row, under that
    fingerprint, when the two differ only in those counts (``--replace`` rebuilding an
    earlier spec's rows to delete them); None otherwise, or for a distinct draw."""
    if dp.fingerprint is None:
        return None
    counts = grown_from(dp.fingerprint, recorded, shrunk=True)
    if not counts or _distinct(dp, counts):
        return None
    grown = {recorded.digest: (counts, ((0, 1 << 62),))}  # every row
    fields = [_regrown(f, grown) for f in dp.fields]
    return replace(dp, fields=fields, fingerprint=recorded)


def known(dp: DatasetPlan) -> frozenset[str]:
    """The digests whose rows are ``dp``'s own: its fingerprint's and those it grew from."""
    return dp.accepted | ({dp.fingerprint.digest} if dp.fingerprint is not None else set())


def _regrown(f: FieldPlan, grown: Mapping[str, tuple[dict[str, int], Ranges]]) -> FieldPlan:
    ref = f.ref
    if ref is None or ref.via_parent or f.tree is not None:
        return f
    among = tuple(
        sorted((a, b, counts[ref.dataset]) for counts, ranges in grown.values()
               if ref.dataset in counts for a, b in ranges)
    )  # fmt: skip
    return replace(f, ref=replace(ref, among=among)) if among else f


def _distinct(dp: DatasetPlan, counts: dict[str, int]) -> bool:
    """Does a distinct draw (a key made of refs) pick among a parent that grew?"""
    return any(f.ref is not None and f.ref.indexed and f.ref.dataset in counts for f in dp.fields)


def _overlap(grown: list[Ranges], recorded: Sequence[Recorded], current: str) -> bool:
    """Is any row held under two of the fingerprints (never, unless a ledger was edited)?"""
    mine = [_held(r.applied.ranges.get(current, [])) for r in recorded]
    spans = sorted(s for ranges in [*grown, *mine[:1]] for s in ranges)
    return any(b > a2 for (_, b), (a2, _) in itertools.pairwise(spans))


def _held(ranges: Sequence[tuple[int, int]]) -> Ranges:
    return tuple(merged(ranges))
