"""Same manifest, seed and now -> same rows; adding fields or datasets changes nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from seedrunner import apply, build_plan, load_manifest
from seedrunner.execute.batches import BatchBuilder
from seedrunner.execute.keys import KeyStore
from tests.conftest import REPO, sqlite_dump


def demo_copy(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copytree(REPO / "seeds", dest, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
    return dest / "staging.yaml"


def apply_demo(path: Path, *overrides: str) -> dict[str, list[tuple[object, ...]]]:
    report = apply(build_plan(load_manifest(path, overrides=overrides, environ={})))
    assert report.ok, report.error
    return sqlite_dump(path.parent / "staging.db")


def test_two_applies_into_fresh_databases_are_identical(tmp_path):
    a = apply_demo(demo_copy(tmp_path, "a"))
    b = apply_demo(demo_copy(tmp_path, "b"))
    assert a == b
    assert sum(len(rows) for rows in a.values()) > 1000


def test_batch_size_does_not_change_rows(tmp_path):
    a = apply_demo(demo_copy(tmp_path, "a"))
    b = apply_demo(demo_copy(tmp_path, "b"), "defaults.batch_size=7")
    assert a == b


def test_adding_a_field_leaves_other_columns_and_datasets_unchanged(tmp_path, manifest):
    base = """
        version: 1
        seed: 11
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}
        datasets:
          users:
            count: 200
            fields:
              id: {sequence: null, start: 1}
              name: {faker: name}
              score: {faker: pyint, min_value: 0, max_value: 100}
              EXTRA
            persist: [db]
          posts:
            count: {per: users, min: 0, max: 3}
            fields:
              user_id: {ref: users.id}
              title: {faker: sentence}
            persist: [db]
        """
    first = manifest(base.replace("EXTRA", ""), name="one.yaml")
    report = apply(build_plan(load_manifest(first)))
    assert report.ok
    before = sqlite_dump(tmp_path / "out.db")
    (tmp_path / "out.db").unlink()
    second = manifest(base.replace("EXTRA", "city: {faker: city}"), name="two.yaml")
    assert apply(build_plan(load_manifest(second))).ok
    after = sqlite_dump(tmp_path / "out.db")
    assert after["posts"] == before["posts"]
    assert [r[:3] for r in after["users"]] == before["users"]  # id, name, score unchanged
    assert len({r[3] for r in after["users"]}) > 50  # the new column has real values


def test_a_chunk_generated_alone_equals_the_same_rows_of_a_full_run(manifest):
    path = manifest(
        """
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        datasets:
          t:
            count: 10000
            fields:
              a: {faker: email}
              b: {choice: [x, y, z]}
              c: {faker: pyfloat, null_probability: 0.3}
              d: "{{ a }}/{{ fake.word() }}"
        """
    )
    plan = build_plan(load_manifest(path))
    dp = plan.dataset("t")
    full = BatchBuilder(dp, KeyStore(), plan.variables, plan.now).build(0, 0, 10000)
    fresh = build_plan(load_manifest(path)).dataset("t")
    chunk = BatchBuilder(fresh, KeyStore(), plan.variables, plan.now).build(0, 6000, 150)
    for name, values in chunk.columns.items():
        assert values == full.columns[name][6000:6150], name


def test_a_different_seed_gives_different_rows(tmp_path):
    a = apply_demo(demo_copy(tmp_path, "a"))
    b = apply_demo(demo_copy(tmp_path, "b"), "seed=43")
    assert a["customers"] != b["customers"]
