"""Cycles between tables (store.manager_staff_id -> staff, staff.store_id -> store), seeded
from ``table:`` and ``count:`` alone: a nullable edge is written NULL then updated in the
parent's transaction; a NOT NULL DEFERRABLE key on PostgreSQL is checked at COMMIT; a NOT
NULL cycle with no way out is refused at plan, located at what the user wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from seedrunner.errors import PlanError

KILLER = '  killer: {"handler": "tests.integration.resumekill:Killer"}'


def store_staff_sql(
    family: str, *, manager_null: bool = True, deferrable: bool = False
) -> list[str]:
    """store <-> staff; store.manager_staff_id is the nullable (or deferrable) edge."""
    null = "NULL" if manager_null else "NOT NULL"
    serial = "INTEGER" if family == "sqlite" else "INT"
    defer = " DEFERRABLE INITIALLY IMMEDIATE" if deferrable else ""
    store = (
        f"CREATE TABLE store (store_id {serial} PRIMARY KEY, "
        f"manager_staff_id {serial} {null} UNIQUE, name VARCHAR(40) NOT NULL"
    )
    staff = (
        f"CREATE TABLE staff (staff_id {serial} PRIMARY KEY, store_id {serial} NOT NULL "
        "REFERENCES store (store_id), first_name VARCHAR(40) NOT NULL)"
    )
    if family == "sqlite":
        return [
            store + ", FOREIGN KEY (manager_staff_id) REFERENCES staff (staff_id))",
            staff,
        ]
    return [
        store + ")",
        staff,
        "ALTER TABLE store ADD CONSTRAINT store_manager_fk FOREIGN KEY (manager_staff_id) "
        f"REFERENCES staff (staff_id){defer}",
    ]


def store_manifest(url: str, stores: int = 5, staff: int = 40, db: str = "") -> str:
    return f"""\
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"{db}}}
        datasets:
          store:
            table: store
            count: {stores}
            batch_size: 2
            persist: [db]
          staff:
            table: staff
            count: {staff}
            batch_size: 8
            persist: [db]
        """


def update_log_sql(family: str) -> list[str]:
    """A trigger that logs every UPDATE of a store row: proof of what apply updated."""
    log = "CREATE TABLE upd_log (n INT)"
    if family == "sqlite":
        trigger = (
            "CREATE TRIGGER store_upd AFTER UPDATE ON store "
            "BEGIN INSERT INTO upd_log VALUES (1); END"
        )
        return [log, trigger]
    if family == "mariadb":
        return [
            log,
            "CREATE TRIGGER store_upd AFTER UPDATE ON store FOR EACH ROW "
            "INSERT INTO upd_log VALUES (1)",
        ]
    return [
        log,
        "CREATE FUNCTION log_upd() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN INSERT INTO upd_log VALUES (1); RETURN NULL; END$$",
        "CREATE TRIGGER store_upd AFTER UPDATE ON store FOR EACH ROW EXECUTE FUNCTION log_upd()",
    ]


def add_app_rows(db, key: int, first_manager: str = "NULL") -> None:
    """A store and its manager added by the application (not seeded: destroy keeps them)."""
    db.execute(
        f"INSERT INTO store (store_id, manager_staff_id, name) VALUES ({key}, {first_manager}, "
        "'app')",
        f"INSERT INTO staff (staff_id, store_id, first_name) VALUES ({key}, {key}, 'app')",
        f"UPDATE store SET manager_staff_id = {key} WHERE store_id = {key}",
    )


def _check_store_staff(database, stores: int, staff: int) -> None:
    assert database.scalar("SELECT COUNT(*) FROM store") == stores
    assert database.scalar("SELECT COUNT(*) FROM staff") == staff
    # every manager is set, a staff member, and distinct (the column is unique)
    assert database.scalar("SELECT COUNT(*) FROM store WHERE manager_staff_id IS NULL") == 0
    assert database.scalar("SELECT COUNT(DISTINCT manager_staff_id) FROM store") == stores
    orphans = database.scalar(
        "SELECT COUNT(*) FROM store s LEFT JOIN staff f ON f.staff_id = s.manager_staff_id "
        "WHERE f.staff_id IS NULL"
    )
    assert orphans == 0


@pytest.mark.parametrize("transaction", ["dataset", "batch"])
def test_a_nullable_edge_is_written_null_then_updated(manifest, database, transaction):
    """Under transaction: batch the update goes with staff's last batch."""
    database.execute(*store_staff_sql(database.family), *update_log_sql(database.family))
    path = manifest(store_manifest(database.url, db=f", transaction: {transaction}"))
    plan = build_plan(load_manifest(path))
    assert [d.name for d in plan.datasets] == ["store", "staff"]
    store = plan.dataset("store")
    [edge] = store.deferred_fields
    assert (edge.label, edge.mode) == ("store.manager_staff_id -> staff.staff_id", "update")
    assert plan.dataset("staff").deferred == [edge]
    assert "staff" not in store.parents
    report = apply(plan)
    assert report.ok, report.error
    _check_store_staff(database, 5, 40)
    assert database.scalar("SELECT COUNT(*) FROM upd_log") == 5  # one UPDATE per store
    first = database.rows("store")
    # the ledger: apply again writes and updates nothing, and the rows stay the same
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert sum(s.rows - s.skipped for s in again.steps if s.kind == "persist") == 0
    assert database.scalar("SELECT COUNT(*) FROM upd_log") == 5
    assert database.rows("store") == first
    # destroy: the manager column is cut first, then staff, then store go
    database.execute("INSERT INTO store (store_id, name) VALUES (999, 'kept')")
    undone = destroy(build_plan(load_manifest(path)))
    assert {u.dataset: (u.status, u.rows) for u in undone} == {
        "staff": ("done", 40),
        "store": ("done", 5),
    }
    assert database.rows("store") == [(999, None, "kept")]
    assert database.scalar("SELECT COUNT(*) FROM staff") == 0


def test_plan_shows_the_deferred_edge(manifest, sync_database, cli):
    sync_database.execute(*store_staff_sql(sync_database.family))
    path = manifest(store_manifest(sync_database.url))
    code, out, err = cli("plan", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    store = next(d for d in data["datasets"] if d["name"] == "store")
    staff = next(d for d in data["datasets"] if d["name"] == "staff")
    expected = {
        "child": "store",
        "field": "manager_staff_id",
        "parent": "staff",
        "column": "staff_id",
        "mode": "update",
        "target": "db",
    }
    assert store["deferred_fields"] == [expected]
    assert staff["deferred"] == [expected]
    assert data["deferred_edges"] == [expected]
    code, out, err = cli("plan", str(path))
    assert code == 0, err
    assert "store.manager_staff_id -> staff.staff_id" in out
    assert "written NULL, set once staff is written" in out


def test_a_cycle_of_not_null_keys_is_refused_where_it_is_written(manifest, sync_database):
    sync_database.execute(*store_staff_sql(sync_database.family, manager_null=False))
    path = manifest(store_manifest(sync_database.url))
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(path))
    [problem] = info.value.problems
    assert problem.code == "SR-E031"
    assert "store -> staff -> store" in problem.message or "staff -> store -> staff" in (
        problem.message
    )
    assert "NOT NULL" in problem.message
    assert problem.location.line == 8  # `table: store`: what the user wrote
    assert "make one of store.manager_staff_id, staff.store_id nullable" in problem.hint
    assert "DEFERRABLE" in problem.hint


def _apply_killed(path, tmp_path, kill: str | None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SEEDRUNNER_TEST_KILL"}
    if kill:
        env["SEEDRUNNER_TEST_KILL"] = kill
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=120)


def _killable(url: str, transaction: str) -> str:
    text = store_manifest(url, db=f", transaction: {transaction}")
    text = text.replace("persist: [db]", "persist: [db, killer]")
    return text.replace("\n        datasets:", f"\n        {KILLER}\n        datasets:", 1)


@pytest.mark.parametrize(
    ("backend", "transaction"),
    [
        *((b, t) for b in ("sqlite", "postgresql", "mariadb") for t in ("batch", "dataset", "run")),
        ("postgresql-async", "dataset"),
        ("mariadb-async", "dataset"),
    ],
)
def test_a_kill_rolls_back_the_parent_with_its_updates_and_apply_again_finishes(
    manifest, make_database, tmp_path, backend, transaction
):
    db, clean = make_database(backend), make_database(backend)
    for d in (db, clean):
        d.execute(*store_staff_sql(d.family))
    path = manifest(_killable(db.url, transaction), "cycle.yaml")
    killed = _apply_killed(path, tmp_path, "staff:2:KILL")
    assert killed.returncode == -9, killed.stderr.decode()
    # staff's rows and the managers' update went together (under transaction: batch, with
    # staff's last batch); store stays as it was written
    assert db.scalar("SELECT COUNT(*) FROM staff") == (24 if transaction == "batch" else 0)
    stores = 0 if transaction == "run" else 5
    assert db.scalar("SELECT COUNT(*) FROM store") == stores
    assert db.scalar("SELECT COUNT(manager_staff_id) FROM store") == 0
    again = _apply_killed(path, tmp_path, None)
    assert again.returncode == 0, again.stderr.decode()
    _check_store_staff(db, 5, 40)
    done = apply(build_plan(load_manifest(manifest(_killable(clean.url, transaction), "c.yaml"))))
    assert done.ok, done.error
    for table in ("store", "staff"):
        assert db.rows(table) == clean.rows(table)


@pytest.mark.parametrize(
    ("backend", "schema"),
    [("postgresql", False), ("postgresql-async", False), ("postgresql", True)],
)
def test_a_not_null_deferrable_cycle_is_checked_at_commit_on_postgresql(
    manifest, make_database, backend, schema
):
    """With the target's ``schema:`` the constraint is named in that schema."""
    db = make_database(backend)
    db.execute(*store_staff_sql("postgresql", manager_null=False, deferrable=True))
    path = manifest(store_manifest(db.url, db=f", schema: {db.name}" if schema else ""))
    plan = build_plan(load_manifest(path))
    [edge] = plan.dataset("store").deferred_fields
    assert (edge.label, edge.mode) == ("store.manager_staff_id -> staff.staff_id", "deferrable")
    assert edge.constraint == "store_manager_fk"
    # both datasets share the run's transaction: the key is checked at its COMMIT
    assert {t.options.transaction for d in plan.datasets for t in d.targets} == {"run"}
    assert any("DEFERRABLE foreign key is checked at COMMIT" in w for w in plan.warnings)
    report = apply(plan)
    assert report.ok, report.error
    _check_store_staff(db, 5, 40)
    first = db.rows("store")
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert sum(s.rows - s.skipped for s in again.steps if s.kind == "persist") == 0
    assert db.rows("store") == first
    # store's rows hold staff's keys, made ahead: staff's spec is part of store's spec
    more_text = store_manifest(db.url, staff=41, db=f", schema: {db.name}" if schema else "")
    more = build_plan(load_manifest(manifest(more_text, "more.yaml")))
    assert more.dataset("store").fingerprint.digest != plan.dataset("store").fingerprint.digest


def test_a_deferrable_key_on_a_database_without_deferral_is_refused(manifest, make_database):
    """MariaDB checks every foreign key at once: the same NOT NULL cycle is refused."""
    db = make_database("mariadb")
    db.execute(*store_staff_sql("mariadb", manager_null=False))
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(manifest(store_manifest(db.url))))
    assert "NOT NULL" in info.value.problems[0].message


@pytest.mark.parametrize("backend", ["postgresql", "postgresql-async"])
def test_destroy_removes_a_deferrable_cycle_in_one_transaction(manifest, make_database, backend):
    db = make_database(backend)
    db.execute(*store_staff_sql("postgresql", manager_null=False, deferrable=True))
    path = manifest(store_manifest(db.url))
    assert apply(build_plan(load_manifest(path))).ok
    add_app_rows(db, 900, first_manager="1")
    undone = destroy(build_plan(load_manifest(path)))
    assert {u.dataset: (u.status, u.rows) for u in undone} == {
        "staff": ("done", 40),
        "store": ("done", 5),
    }
    assert db.rows("store") == [(900, 900, "app")]
    assert db.rows("staff") == [(900, 900, "app")]


def three_sql(family: str) -> list[str]:
    """region.hq_office_id -> office.city_id -> city.region_id -> region: one nullable."""
    key = "INTEGER" if family == "sqlite" else "INT"
    tables = [
        f"CREATE TABLE region (id {key} PRIMARY KEY, hq_office_id {key} NULL, "
        "name VARCHAR(30) NOT NULL",
        f"CREATE TABLE city (id {key} PRIMARY KEY, region_id {key} NOT NULL "
        "REFERENCES region (id), name VARCHAR(30) NOT NULL)",
        f"CREATE TABLE office (id {key} PRIMARY KEY, city_id {key} NOT NULL "
        "REFERENCES city (id), name VARCHAR(30) NOT NULL)",
    ]
    fk = "FOREIGN KEY (hq_office_id) REFERENCES office (id)"
    if family == "sqlite":
        return [tables[0] + f", {fk})", *tables[1:]]
    return [tables[0] + ")", *tables[1:], f"ALTER TABLE region ADD CONSTRAINT region_hq {fk}"]


def test_a_three_table_cycle_is_broken_at_its_nullable_edge(manifest, database):
    database.execute(*three_sql(database.family))
    # listed in an order the cycle does not suggest: the plan finds it
    path = manifest(
        f"""\
        version: 1
        seed: 9
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{database.url}"}}
        datasets:
          office: {{table: office, count: 25, batch_size: 10, persist: [db]}}
          city: {{table: city, count: 12, persist: [db]}}
          region: {{table: region, count: 4, persist: [db]}}
        """
    )
    plan = build_plan(load_manifest(path))
    assert [d.name for d in plan.datasets] == ["region", "city", "office"]
    [edge] = plan.dataset("region").deferred_fields
    assert (edge.label, edge.mode) == ("region.hq_office_id -> office.id", "update")
    assert plan.dataset("office").deferred == [edge]
    report = apply(plan)
    assert report.ok, report.error
    assert database.scalar("SELECT COUNT(*) FROM region WHERE hq_office_id IS NULL") == 0
    dangling = database.scalar(
        "SELECT COUNT(*) FROM region r LEFT JOIN office o ON o.id = r.hq_office_id "
        "WHERE o.id IS NULL"
    )
    assert dangling == 0
    before = database.rows("region")
    again = apply(build_plan(load_manifest(path)))
    assert sum(s.rows - s.skipped for s in again.steps if s.kind == "persist") == 0
    assert database.rows("region") == before
    undone = destroy(build_plan(load_manifest(path)))
    assert {(u.dataset, u.status, u.rows) for u in undone} == {
        ("office", "done", 25),
        ("city", "done", 12),
        ("region", "done", 4),
    }
    assert [database.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("region", "city", "office")] == [
        0,
        0,
        0,
    ]


TEAM_MODELS = """\
    from pydantic import BaseModel


    class Team(BaseModel):
        id: int
        name: str
        captain_id: int | None = None


    class Player(BaseModel):
        id: int
        name: str
        team_id: int
    """


def test_a_cycle_of_refs_between_models_is_deferred_at_the_optional_field(manifest, database):
    """No foreign keys at all (pydantic models, tables created by seedrunner): the refs make
    the cycle, and the Optional one is set after the players are written."""
    path = manifest(
        f"""\
        version: 1
        seed: 4
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{database.url}", create_tables: true}}
        datasets:
          team:
            model: teammodels.py:Team
            count: 4
            fields:
              name: {{faker: city}}
              captain_id: {{ref: player.id}}
            persist: [db]
          player:
            model: teammodels.py:Player
            count: 20
            fields:
              name: {{faker: first_name}}
              team_id: {{ref: team.id}}
            persist: [db]
        """,
        **{"teammodels.py": TEAM_MODELS},
    )
    plan = build_plan(load_manifest(path))
    [edge] = plan.dataset("team").deferred_fields
    assert edge.label == "team.captain_id -> player.id"
    report = apply(plan)
    assert report.ok, report.error
    captains = database.scalar("SELECT COUNT(*) FROM team t JOIN player p ON p.id = t.captain_id")
    assert captains == 4
    assert database.scalar("SELECT COUNT(*) FROM player WHERE team_id BETWEEN 1 AND 4") == 20


def test_a_deferred_column_needs_the_child_s_generated_key(manifest, sync_database):
    """The update finds the child's rows by the keys seedrunner gave them."""
    sync_database.execute(*store_staff_sql(sync_database.family))
    text = store_manifest(sync_database.url).replace(
        "table: store\n", "table: store\n            fields: {store_id: {skip: true}}\n"
    )
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(manifest(text)))
    [problem] = info.value.problems
    assert "store.manager_staff_id closes the cycle through staff" in problem.message
    assert problem.location.line == 8  # table: store
    assert problem.hint.startswith("generate store's primary key")
