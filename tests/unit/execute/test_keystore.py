"""KeyStore and count.per: what a run keeps across batches stays O(1) for regular keys.

Issue 7 L01: peak RSS at 10M rows within 10% of 100k.  The parent keys children read are
the only rows a run keeps; ids that step evenly (1..N, the usual model id) and a fixed
number of children per parent must cost no memory per row, and every other kind of key
must still come back exactly as written.
"""

from __future__ import annotations

import sqlite3
import tracemalloc

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.execute.keys import KeyStore
from seedrunner.generate.rows import Batch


def _record(store: KeyStore, batches: list[list[object]]) -> list[object]:
    start = 0
    for index, values in enumerate(batches):
        batch = Batch("users", index, start, len(values), {"id": list(values)})
        store.record("users", {"id"}, batch, batch)
        start += len(values)
    return list(store.column("users", "id"))


def test_ids_one_to_n_are_kept_in_constant_memory():
    store = KeyStore()
    tracemalloc.start()
    try:
        for index in range(50):  # 250,000 ids 1..250000, as a model's id column gives them
            values = list(range(1 + index * 5000, 1 + (index + 1) * 5000))
            batch = Batch("users", index, index * 5000, 5000, {"id": values})
            store.record("users", {"id"}, batch, batch)
            del values, batch
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kept < 50_000  # an array of 250k ids would be 2 MB
    col = store.column("users", "id")
    assert len(col) == store.size("users", "id") == 250_000
    assert (col[0], col[4999], col[5000], col[-1]) == (1, 5000, 5001, 250_000)


@pytest.mark.parametrize(
    "batches",
    [
        [[1, 2, 3], [4, 5], [7, 8]],  # a gap: stored from there on
        [[10, 8, 6], [4, 2, 0], [-2]],  # descending, then a one-row batch
        [[5], [7, 9], [11]],  # one row first: the next batch sets the step
        [[5], [5, 5]],  # constant: step 0 is no range
        [[3, 3, 3], [3]],
        [[1, 2], [3, "x"]],  # not ints any more: a list
        [[1, 2], [True, False]],  # bools are not ints
        [[2**62, 2**62 + 1], [2**63]],  # past int64
        [[None, None], [1, 2]],
        [[1, 3, 2], [4, 5, 6]],
        [[7]],
    ],
)
def test_every_key_comes_back_exactly(batches):
    assert _record(KeyStore(), batches) == [v for b in batches for v in b]


def test_a_fixed_number_of_children_per_parent_costs_no_memory_per_parent(manifest):
    path = manifest(
        """
        version: 1
        seed: 3
        datasets:
          users: {count: 2000000, fields: {id: {sequence: "{n}", start: 1}}}
          orders:
            count: {per: users, exactly: 2}
            fields: {user_id: {ref: users.id}}
        """
    )
    m = load_manifest(path)
    tracemalloc.start()
    try:
        plan = build_plan(m)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    count = plan.dataset("orders").count
    assert count.total == 4_000_000
    assert kept < 8_000_000  # an array of 2M cumulative counts alone is 16 MB
    assert count.parent_of(range(0, 6)) == [0, 0, 1, 1, 2, 2]
    assert count.parent_of(range(3_999_998, 4_000_000)) == [1_999_999, 1_999_999]


KEYMODELS = """
from dataclasses import dataclass

@dataclass
class User:
    id: int
    code: int
    name: str

@dataclass
class Order:
    id: int
    user_id: int
    user_code: int
    tag: str
"""


def test_children_get_their_parents_keys_across_batches(manifest, tmp_path):
    """Parents with ids 1..N (a range) and irregular codes (an array), small batches: each
    order carries its own user's id and code, end to end into SQLite."""
    db = tmp_path / "k.db"
    path = manifest(
        f"""
        version: 1
        seed: 3
        python_path: ["."]
        defaults: {{batch_size: 7}}
        targets: {{db: {{handler: sqlalchemy, url: "sqlite:///{db}", create_tables: true}}}}
        datasets:
          users:
            model: keymodels:User
            count: 30
            fields: {{code: {{faker: pyint, min_value: 1, max_value: 1000000}}}}
            persist: [db]
          orders:
            model: keymodels:Order
            count: {{per: users, min: 1, max: 3}}
            fields:
              user_id: {{ref: users.id}}
              user_code: {{ref: users.code}}
              tag: "{{{{ parent.name }}}}#{{{{ child_index }}}}"
            persist: [db]
        """,
        **{"keymodels.py": KEYMODELS},
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    con = sqlite3.connect(db)
    users = {r[0]: r[1:] for r in con.execute("SELECT id, code, name FROM users")}
    orders = con.execute("SELECT user_id, user_code, tag FROM orders ORDER BY id").fetchall()
    con.close()
    assert sorted(users) == list(range(1, 31))
    assert len({c for c, _ in users.values()}) > 20  # irregular codes, kept as written
    assert 30 <= len(orders) <= 90
    counts: dict[int, int] = {}
    for user_id, code, tag in orders:
        assert users[user_id][0] == code
        assert tag == f"{users[user_id][1]}#{counts.get(user_id, 0)}"
        counts[user_id] = counts.get(user_id, 0) + 1
    assert set(counts) == set(users)  # every user has at least one order
