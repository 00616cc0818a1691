"""transaction: run through the API: the report marks finished steps 'rolled back' when a
later dataset fails, and Ctrl-C in the middle leaves the database as it was."""

from __future__ import annotations

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.execute.runner import ApplyInterrupted

MODELS = """
from dataclasses import dataclass


@dataclass
class Tag:
    id: int
    label: str


@dataclass
class Note:
    id: int
    body: str


def stop(batch, ctx):
    if batch.index == 1:
        raise KeyboardInterrupt
    return batch
"""


def _manifest(url: str, second: str = "") -> str:
    return f"""
        version: 1
        seed: 1
        python_path: ["."]
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}", create_tables: true, transaction: run}}
        datasets:
          tags:
            count: 30
            batch_size: 10
            model: runtx_models:Tag
            persist: [db]
          notes:
            count: 30
            batch_size: 10
            model: runtx_models:Note{second}
            persist: [db]
        """


def test_a_failed_dataset_rolls_back_the_finished_ones(manifest, database):
    database.execute(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
        "INSERT INTO notes VALUES (25, 'already here')",
    )
    path = manifest(_manifest(database.url), **{"runtx_models.py": MODELS})
    report = apply(build_plan(load_manifest(path)))
    assert not report.ok
    assert "Nothing of this run was kept" in (report.error or "")
    status = {(s.dataset, s.kind): s.status for s in report.steps}
    assert status[("tags", "persist")] == "rolled back"
    assert status[("notes", "persist")] == "failed"
    assert database.rows("notes") == [(25, "already here")]
    if database.family == "mariadb":  # DDL commits implicitly there; the rows did not
        assert database.rows("tags") == []
    else:  # the table was created inside the run's transaction and rolled back with it
        assert "tags" not in database.table_names()


def test_ctrl_c_mid_run_leaves_nothing(manifest, sync_database):
    second = "\n            transforms: ['runtx_models:stop']"
    path = manifest(_manifest(sync_database.url, second), **{"runtx_models.py": MODELS})
    with pytest.raises(ApplyInterrupted):
        apply(build_plan(load_manifest(path)))
    for table in sync_database.table_names():
        assert sync_database.rows(table) == []
