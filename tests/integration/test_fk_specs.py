"""A spec on a foreign-key column of reflected tables (a template, a sequence, a choice) keeps
the parent first on every backend, so the database's own foreign key check passes; values the
plan can see are outside the parent's keys are refused before anything is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seedrunner import PlanError, apply, build_plan, load_manifest


def schema_sql(family: str) -> list[str]:
    key = {
        "postgresql": "SERIAL PRIMARY KEY",
        "mariadb": "INT AUTO_INCREMENT PRIMARY KEY",
        "sqlite": "INTEGER PRIMARY KEY",
    }[family]
    return [
        f"CREATE TABLE album (album_id {key}, title VARCHAR(160) NOT NULL)",
        f"""CREATE TABLE track (
            track_id {key},
            name VARCHAR(200) NOT NULL,
            album_id INTEGER NOT NULL,
            FOREIGN KEY (album_id) REFERENCES album (album_id))""",
    ]


def music(url: str, album_id: str) -> str:
    # track first: only the foreign key puts album before it
    return f"""\
        version: 1
        seed: 3
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          track:
            table: track
            count: 60
            fields:
              album_id: {album_id}
            persist: [db]
          album: {{table: album, count: 12, persist: [db]}}
        """


@pytest.mark.parametrize(
    "album_id",
    ['"{{ index % 12 + 1 }}"', "{choice: [2, 4, 6]}", "{value: 5}"],
)
def test_a_spec_on_a_reflected_foreign_key_writes_parents_first(manifest, database, album_id):
    database.execute(*schema_sql(database.family))
    plan = build_plan(load_manifest(manifest(music(database.url, album_id))))
    assert [d.name for d in plan.datasets] == ["album", "track"]
    report = apply(plan)
    assert report.ok, report.error
    with database.engine.connect() as c:
        orphans = c.execute(
            sa.text("SELECT COUNT(*) FROM track WHERE album_id NOT IN (SELECT album_id FROM album)")
        ).scalar_one()
        assert orphans == 0
        assert c.execute(sa.text("SELECT COUNT(*) FROM track")).scalar_one() == 60


def test_a_sequence_past_the_parents_keys_is_refused_before_writing(manifest, sync_database):
    sync_database.execute(*schema_sql(sync_database.family))
    path = manifest(music(sync_database.url, "{sequence: null, start: 1}"))
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    (problem,) = err.value.problems
    assert "track.album_id: value 13 is not among album's keys" in problem.message
    assert "album.album_id is 1..12" in problem.message
    assert problem.location is not None
    assert problem.location.line == 10
    with sync_database.engine.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM album")).scalar_one() == 0
