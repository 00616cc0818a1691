"""Keys: children of a parent whose keys the database assigns get exactly those keys, and
after seedrunner writes explicit keys the application's own next insert does not collide."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import MODELS, REPO, Base, Part, Supplier, table_of

SUPPLIERS = 150
PARTS_EACH = 2
START = 1000  # where the database's own key counter starts, so 1..N would be wrong


def keys_manifest(url: str, *, skip_parent_key: bool) -> str:
    parent_fields = "\n            fields: {id: {skip: true}}" if skip_parent_key else ""
    return f"""
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        python_path: ["{REPO}"]
        defaults: {{batch_size: 64}}
        targets:
          db: {{handler: sqlalchemy, url: "{url}", create_tables: true}}
        datasets:
          suppliers:
            model: {MODELS}:Supplier
            count: {SUPPLIERS}{parent_fields}
            persist: [db]
          parts:
            model: {MODELS}:Part
            count: {{per: suppliers, exactly: {PARTS_EACH}}}
            persist: [db]
        """


def start_keys_at(db, start: int) -> None:
    """Create the tables and make the database's next generated supplier id ``start``."""
    Base.metadata.create_all(db.engine, tables=[table_of(Supplier), table_of(Part)])
    if db.family == "postgresql":
        db.execute(f"ALTER SEQUENCE suppliers_id_seq RESTART WITH {start}")
    elif db.family == "mariadb":
        db.execute(f"ALTER TABLE suppliers AUTO_INCREMENT = {start}")
    else:  # AUTOINCREMENT never reuses a key below the highest ever used
        db.execute(
            f"INSERT INTO suppliers (id, name) VALUES ({start - 1}, 'gone')",
            f"DELETE FROM suppliers WHERE id = {start - 1}",
        )


def test_children_get_the_keys_the_database_assigned(manifest, database):
    start_keys_at(database, START)
    path = manifest(keys_manifest(database.url, skip_parent_key=True))
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    with database.engine.connect() as c:
        parent_ids = c.execute(sa.select(Supplier.id).order_by(Supplier.id)).scalars().all()
        child_refs = c.execute(sa.select(Part.supplier_id)).scalars().all()
    assert parent_ids == list(range(START, START + SUPPLIERS))
    assert len(child_refs) == SUPPLIERS * PARTS_EACH
    # exactly: 2 children per parent row, so every assigned id is used exactly twice
    assert sorted(child_refs) == sorted(parent_ids * PARTS_EACH)
    orphans = database.scalar(
        "SELECT count(*) FROM parts p LEFT JOIN suppliers s ON p.supplier_id = s.id "
        "WHERE s.id IS NULL"
    )
    assert orphans == 0


def test_application_insert_after_explicit_keys_does_not_collide(manifest, sync_database):
    db = sync_database
    path = manifest(keys_manifest(db.url, skip_parent_key=False))
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    assert db.scalar("SELECT max(id) FROM suppliers") == SUPPLIERS
    assert db.scalar("SELECT max(id) FROM parts") == SUPPLIERS * PARTS_EACH
    # what the application does next: insert without a key, twice
    db.execute(
        "INSERT INTO suppliers (name) VALUES ('from the app')",
        "INSERT INTO suppliers (name) VALUES ('from the app, again')",
    )
    db.execute(f"INSERT INTO parts (supplier_id, label) VALUES ({SUPPLIERS}, 'app part')")
    new_suppliers = db.scalar("SELECT min(id) FROM suppliers WHERE name LIKE 'from the app%'")
    assert new_suppliers > SUPPLIERS
    assert db.scalar("SELECT count(*) FROM suppliers") == SUPPLIERS + 2
    assert db.scalar("SELECT id FROM parts WHERE label = 'app part'") > SUPPLIERS * PARTS_EACH


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb", "postgresql-async"])
def test_assigned_keys_are_kept_by_the_ledger(manifest, make_database, backend):
    """The ledger (on by default) records the keys the database assigned: a second apply
    skips every row yet children still get those keys; a raised count writes only the new
    parents and their children, pointing at the new keys; destroy deletes by the recorded
    keys and leaves the application's own rows."""
    db = make_database(backend)
    start_keys_at(db, START)
    path = manifest(keys_manifest(db.url, skip_parent_key=True), "k.yaml")
    assert apply(build_plan(load_manifest(path))).ok
    first = sorted(db.rows("parts", "id"))
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert {(s.dataset, s.skipped) for s in again.steps if s.kind == "persist"} == {
        ("suppliers", SUPPLIERS),
        ("parts", SUPPLIERS * PARTS_EACH),
    }
    assert sorted(db.rows("parts", "id")) == first
    db.execute("INSERT INTO suppliers (name) VALUES ('from the app')")
    app_id = db.scalar("SELECT max(id) FROM suppliers")
    path.write_text(path.read_text().replace(f"count: {SUPPLIERS}", f"count: {SUPPLIERS + 10}"))
    grown = apply(build_plan(load_manifest(path)))
    assert grown.ok, grown.error
    ids = db.scalar("SELECT count(*) FROM suppliers")
    assert ids == SUPPLIERS + 11
    new_parents = db.scalar(f"SELECT count(*) FROM suppliers WHERE id > {app_id}")
    assert new_parents == 10
    refs = db.scalar(f"SELECT count(*) FROM parts WHERE supplier_id > {app_id}")
    assert refs == 10 * PARTS_EACH  # the new children point at the new parents' keys
    from seedrunner.commands.destroy import destroy

    results = destroy(build_plan(load_manifest(path)))
    assert all(r.status == "done" for r in results), results
    assert db.scalar("SELECT count(*) FROM parts") == 0
    assert db.scalar("SELECT id FROM suppliers") == app_id  # only the application's row
