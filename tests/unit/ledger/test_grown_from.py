"""Which recorded fingerprints a plan grew from (ledger/fingerprint.py): only a parent's
pick count may differ, and only upward; children carry the parent's lineage."""

from __future__ import annotations

import json

from seedrunner.ledger.fingerprint import FingerprintParts, grown_from, picked_among


def parts(parents: dict[str, str], seed: str = "1") -> FingerprintParts:
    return FingerprintParts({"spec": "{}", "seed": seed, "parents": json.dumps(parents)})


def test_a_raised_parent_count_is_grown_from_with_the_count_of_then():
    now = parts({"authors": "aa of 30 rows", "posts": "bb"})
    then = parts({"authors": "aa of 25 rows", "posts": "bb"})
    assert grown_from(now, then) == {"authors": 25}
    assert picked_among(then) == {"authors": 25}


def test_a_lowered_count_another_parent_digest_or_another_seed_is_not():
    now = parts({"authors": "aa of 30 rows"})
    assert grown_from(now, parts({"authors": "aa of 31 rows"})) is None
    assert grown_from(now, parts({"authors": "a2 of 25 rows"})) is None
    assert grown_from(now, parts({"authors": "aa of 25 rows"}, seed="2")) is None
    assert grown_from(now, parts({"authors": "aa of 31 rows"}), shrunk=True) == {"authors": 31}


def test_a_parent_digest_recorded_before_lineages_is_an_alias():
    now = parts({"comments": "lineage"})
    then = parts({"comments": "full"})
    assert grown_from(now, then) is None
    assert grown_from(now, then, {"comments": {"full"}}) == {}


def test_a_tree_of_own_rows_grows_and_is_no_parent_count():
    now = parts({"emp.manager_id": "tree of 30 rows"})
    assert grown_from(now, parts({"emp.manager_id": "tree of 25 rows"})) == {"emp.manager_id": 25}
    assert grown_from(now, parts({"emp.manager_id": "tree of 31 rows"})) is None
    assert picked_among(parts({"emp.manager_id": "tree of 25 rows"})) == {}


def test_lineage_leaves_pick_counts_out_and_is_the_digest_without_picks():
    a, b = parts({"authors": "aa of 30 rows"}), parts({"authors": "aa of 25 rows"})
    assert a.digest != b.digest
    assert a.lineage == b.lineage
    plain = parts({"posts": "bb"})
    assert plain.lineage == plain.digest
