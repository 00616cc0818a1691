"""A spec on a foreign-key column keeps the column's ordering edge (unless the field says
``depends_on``), and values a spec fixes at plan time are checked against the parent's keys."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from seedrunner import PlanError, apply, build_plan, load_manifest

MODELS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Album(Base):
    __tablename__ = "album"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(60))

class Track(Base):
    __tablename__ = "track"
    id: Mapped[int] = mapped_column(primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("album.id"))
    name: Mapped[str] = mapped_column(String(60))
"""


def music(manifest, album_id: str, name: str = "seed.yaml"):
    """tracks listed first: only the foreign key can put albums before them."""
    return manifest(
        f"""
        version: 1
        python_path: ["."]
        targets:
          db: {{handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}}
        datasets:
          track:
            model: "musicmodels:Track"
            count: 30
            fields:
              album_id: {album_id}
            persist: [db]
          album: {{model: "musicmodels:Album", count: 10, persist: [db]}}
          label: {{count: 1, fields: {{x: 1}}}}
        """,
        name,
        **{"musicmodels.py": MODELS},
    )


@pytest.mark.parametrize(
    "album_id",
    [
        '"{{ index % 10 + 1 }}"',
        "{template: '{{ index % 10 + 1 }}'}",
        "{choice: [1, 2, 3]}",
        "{faker: pyint, min_value: 1, max_value: 10}",
        "7",
    ],
)
def test_a_spec_on_a_foreign_key_keeps_its_edge_and_applies(manifest, tmp_path, album_id):
    plan = build_plan(load_manifest(music(manifest, album_id)))
    assert [d.name for d in plan.datasets] == ["album", "label", "track"]
    assert plan.dataset("track").edges == {"album": "track.album_id foreign key -> album.id"}
    assert apply(plan).ok  # parents first: SQLite checks the foreign key
    con = sqlite3.connect(tmp_path / "out.db")
    orphans = "SELECT count(*) FROM track WHERE album_id NOT IN (SELECT id FROM album)"
    assert con.execute(orphans).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM track").fetchone() == (30,)


def test_depends_on_empty_drops_the_edge_and_other_datasets_replace_it(manifest):
    plan = build_plan(load_manifest(music(manifest, "{choice: [1, 2], depends_on: []}")))
    assert [d.name for d in plan.datasets] == ["track", "album", "label"]  # manifest order
    assert plan.dataset("track").edges == {}
    assert not [w for w in plan.warnings if "album_id" in w]  # said so: not checked either
    path = music(manifest, "{choice: [1, 2], depends_on: [label]}", "other.yaml")
    plan = build_plan(load_manifest(path))
    assert [d.name for d in plan.datasets] == ["album", "label", "track"]
    assert plan.dataset("track").edges == {"label": "track.album_id depends_on label"}


@pytest.mark.parametrize("album_id", ["{skip: true}", "{value: null}", "null"])
def test_a_field_that_writes_no_key_makes_no_edge(manifest, album_id):
    plan = build_plan(load_manifest(music(manifest, album_id)))
    assert plan.dataset("track").edges == {}


@pytest.mark.parametrize(
    ("album_id", "bad", "line"),
    [
        ("11", "11", 11),
        ("{choice: [1, 5, 12, 0]}", "12", 11),
        ("{sequence: null, start: 1}", "11", 11),  # 30 tracks, 10 albums
        ('{sequence: "{n}", start: 3, step: 2}', "'11'", 11),
        ("{value: 0}", "0", 11),
    ],
)
def test_values_outside_the_parents_keys_are_located_problems(manifest, album_id, bad, line):
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(music(manifest, album_id)))
    (problem,) = err.value.problems
    assert problem.code == "SR-E030"
    assert f"track.album_id: value {bad} is not among album's keys" in problem.message
    assert "album.id is 1..10" in problem.message
    assert "{ref: album.id}" in (problem.hint or "")
    assert problem.location is not None
    assert problem.location.line == line


def test_a_faker_within_the_parents_keys_plans_without_a_warning(manifest):
    plan = build_plan(load_manifest(music(manifest, "{faker: pyint, min_value: 1, max_value: 9}")))
    assert not [w for w in plan.warnings if "album_id" in w]
    ok = music(manifest, "{value: 1}", "ok.yaml")
    assert not [w for w in build_plan(load_manifest(ok)).warnings if "album_id" in w]


def test_keys_only_known_at_apply_are_a_warning_not_a_problem(manifest):
    path = music(manifest, "{faker: pyint, min_value: 1, max_value: 9}")
    skipped = path.read_text().replace("count: 10,", "count: 10, fields: {id: {skip: true}},")
    path.write_text(skipped)
    plan = build_plan(load_manifest(path))
    (warning,) = [w for w in plan.warnings if "album_id" in w]
    assert "track.album_id (" in warning
    assert "seed.yaml:11" in warning
    assert "album.id values are only known at apply" in warning
    assert "not checked against album's keys" in warning


TABLES = [
    "CREATE TABLE store (id INTEGER PRIMARY KEY, manager_id INTEGER NOT NULL "
    "REFERENCES staff (id))",
    "CREATE TABLE staff (id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store (id))",
]


def test_inferred_edges_are_located_at_the_table_key(manifest, tmp_path):
    con = sqlite3.connect(tmp_path / "shop.db")
    for ddl in TABLES:
        con.execute(ddl)
    con.close()
    path = manifest(
        """
        version: 1
        targets:
          db: {handler: sqlalchemy, url: "sqlite:///shop.db"}
        datasets:
          store:
            count: 1
            table: store
            persist: [db]
          staff:
            count: 2
            table: staff
            persist: [db]
        """
    )
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    (problem,) = err.value.problems
    assert "dependency cycle" in problem.message
    assert "staff.store_id foreign key -> store.id (" in problem.message
    assert "seed.yaml:8:" in problem.message  # store's table: key
    assert "seed.yaml:12:" in problem.message  # staff's table: key


def test_an_edge_that_only_orders_leaves_the_fingerprint_alone(manifest):
    """A template on album_id reads no album row: editing album does not change track."""
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    before = build_plan(load_manifest(music(manifest, '"{{ index % 10 + 1 }}"')), now=now)
    path = music(manifest, '"{{ index % 10 + 1 }}"', "edited.yaml")
    path.write_text(path.read_text().replace("count: 10", "count: 10, seed: 99"))
    after = build_plan(load_manifest(path), now=now)
    assert after.dataset("album").fingerprint.digest != before.dataset("album").fingerprint.digest
    assert after.dataset("track").fingerprint.digest == before.dataset("track").fingerprint.digest


def test_a_ref_elsewhere_on_a_foreign_key_keeps_the_foreign_keys_parent_first(manifest):
    path = music(manifest, "{ref: label.x}")
    plan = build_plan(load_manifest(path))
    assert plan.dataset("track").edges == {
        "album": "track.album_id foreign key -> album.id",
        "label": "track.album_id ref label.x",
    }
