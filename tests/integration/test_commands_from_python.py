"""The use cases called from Python, as a notebook would (commands.apply, showplan,
destroyall), and the one regeneration loop they share: preview, destroy and apply make
the same rows."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from seedrunner.commands.apply import ApplyRequest, apply_manifest
from seedrunner.commands.destroyall import DestroyRequest, destroy_manifest
from seedrunner.commands.showplan import PlanRequest, plan_manifest
from seedrunner.errors import ManifestError
from seedrunner.execute.events import NullObserver
from seedrunner.execute.keys import KeyStore
from seedrunner.execute.regenerate import dataset_batches
from seedrunner.generate import fakerclock
from seedrunner.manifest.loader import load_manifest
from seedrunner.plan.planner import build_plan
from tests.integration.test_cycles import store_manifest, store_staff_sql

SHOP = """
version: 1
seed: 5
now: "2026-01-01T00:00:00Z"
defaults: {batch_size: 7}
targets:
  db: {handler: sqlalchemy, url: "sqlite:///shop.db", ledger: true}
datasets:
  users:
    table: users
    count: 20
    fields:
      id: {sequence: null, start: 1}
      name: {faker: name}
      joined: {faker: date_between, start_date: "-1y"}
    persist: [db]
  orders:
    table: orders
    count: {per: users, min: 0, max: 3}
    fields:
      id: {sequence: null, start: 1}
      user_id: {ref: users.id}
      note: "{{ parent.name }} #{{ child_index }}"
    persist: [db]
"""


TABLES = (
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, joined DATE NOT NULL)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL"
    " REFERENCES users (id), note TEXT NOT NULL)",
)


@pytest.fixture
def manifest(manifest, tmp_path):  # type: ignore[no-untyped-def]
    """The shared fixture, with the shop's tables made first (typed columns)."""
    con = sqlite3.connect(tmp_path / "shop.db")
    for sql in TABLES:
        con.execute(sql)
    con.commit()
    con.close()
    return manifest


def _rows(db: Path, table: str) -> list[dict[str, Any]]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f'SELECT * FROM "{table}" ORDER BY id')]
    finally:
        con.close()


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as SQLite gives them back (dates as ISO text)."""
    return [
        {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in r.items()} for r in rows
    ]


def test_apply_from_python_writes_then_writes_nothing(manifest, tmp_path):
    path = manifest(SHOP)
    first = apply_manifest(ApplyRequest(manifest=path))
    assert first.report is not None
    assert first.report.ok, first.report.error
    assert first.interrupted_by is None
    assert not first.cancelled
    users = _rows(tmp_path / "shop.db", "users")
    assert len(users) == 20
    second = apply_manifest(ApplyRequest(manifest=path))
    assert second.report is not None
    assert second.report.ok
    persisted = [r for r in second.report.steps if r.kind == "persist"]
    assert all(r.skipped == r.rows for r in persisted)  # every row already there: 0 written
    assert _rows(tmp_path / "shop.db", "users") == users


def test_preview_shows_the_rows_apply_writes(manifest, tmp_path):
    path = manifest(SHOP)
    shown = plan_manifest(PlanRequest(manifest=path, preview=30)).preview
    assert shown is not None
    assert apply_manifest(ApplyRequest(manifest=path)).report.ok  # type: ignore[union-attr]
    for table in ("users", "orders"):
        written = _rows(tmp_path / "shop.db", table)
        assert _plain(shown[table]) == written[:30]


def test_destroy_regenerates_the_rows_apply_wrote(manifest, tmp_path):
    """The batches destroy regenerates (transforms included) are the rows apply wrote,
    and it deletes exactly those: a row the application added stays."""
    path = manifest(
        SHOP.replace(
            "    persist: [db]\n  orders:",
            "    transforms: [{set: {name: redacted}}]\n    persist: [db]\n  orders:",
        )
    )
    assert apply_manifest(ApplyRequest(manifest=path)).report.ok  # type: ignore[union-attr]
    db = tmp_path / "shop.db"
    plan = build_plan(load_manifest(path))
    keys = KeyStore()
    made = {
        dp.name: [r for m in dataset_batches(plan, dp, keys) for r in m.batch.records()]
        for dp in plan.datasets
    }
    assert _plain(made["users"]) == _rows(db, "users")
    assert {r["name"] for r in made["users"]} == {"redacted"}
    assert _plain(made["orders"]) == _rows(db, "orders")
    con = sqlite3.connect(db)
    con.execute("INSERT INTO users (id, name, joined) VALUES (999, 'app', '2025-01-01')")
    con.commit()
    con.close()
    outcome = destroy_manifest(DestroyRequest(manifest=path))
    assert outcome.results is not None
    assert not outcome.failed
    assert [r.rows for r in outcome.results] == [len(made["orders"]), 20]
    assert [r["id"] for r in _rows(db, "users")] == [999]


def test_a_declined_confirmation_writes_nothing(manifest, tmp_path):
    asked: list[list[str]] = []

    def decline(datasets: Any) -> bool:
        asked.append([d.name for d in datasets])
        return False

    outcome = apply_manifest(ApplyRequest(manifest=manifest(SHOP)), confirm=decline)
    assert outcome.cancelled
    assert outcome.report is None
    assert asked == [["users", "orders"]]
    assert _rows(tmp_path / "shop.db", "users") == []


class _SeesSigterm(NullObserver):
    def run_started(self, plan: Any, dry_run: bool) -> None:
        self.handler = signal.getsignal(signal.SIGTERM)


def test_sigterm_is_caught_only_when_asked(manifest):
    path = manifest(SHOP)
    before = signal.getsignal(signal.SIGTERM)
    for asked in (False, True):
        seen = _SeesSigterm()
        request = ApplyRequest(manifest=path, dry_run=True, catch_sigterm=asked)
        apply_manifest(request, starting=lambda plan, replaced, seen=seen: seen)
        assert (seen.handler is not before) is asked
        assert signal.getsignal(signal.SIGTERM) is before  # put back


def test_a_saved_plan_applies_from_python_and_refuses_replace(manifest, tmp_path):
    path = manifest(SHOP)
    saved = tmp_path / "plan.json"
    planned = plan_manifest(PlanRequest(manifest=path, save_to=saved))
    assert planned.changes
    assert saved.exists()
    with pytest.raises(ManifestError, match="--replace cannot apply a saved plan"):
        apply_manifest(ApplyRequest(manifest=saved, replace=True))
    outcome = apply_manifest(ApplyRequest(manifest=saved))
    assert outcome.report is not None
    assert outcome.report.ok
    assert len(_rows(tmp_path / "shop.db", "users")) == 20


def test_a_consumer_that_stops_early_leaves_the_clock_alone(manifest):
    plan = build_plan(load_manifest(manifest(SHOP)))
    real = fakerclock._faker_dates.datetime
    batches = dataset_batches(plan, plan.datasets[0], KeyStore())
    next(batches)
    assert fakerclock._faker_dates.datetime is real  # pinned per batch, not across yields


def test_preview_of_a_deferrable_cycle_shows_the_keys_apply_writes(manifest, make_database):
    """The child is made before its parent with the parent's keys made ahead: preview
    makes them too (it used to fail: the parent had generated no rows yet)."""
    db = make_database("postgresql")
    db.execute(*store_staff_sql("postgresql", manager_null=False, deferrable=True))
    path = manifest(store_manifest(db.url), "cycle.yaml")
    shown = plan_manifest(PlanRequest(manifest=path, preview=5)).preview
    assert shown is not None
    assert apply_manifest(ApplyRequest(manifest=path)).report.ok  # type: ignore[union-attr]
    written = [row[1] for row in sorted(db.rows("store"))]
    assert [r["manager_staff_id"] for r in shown["store"]] == written
