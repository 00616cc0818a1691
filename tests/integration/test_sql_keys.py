"""Keys: children of a parent whose keys the database assigns get exactly those keys, and
after seedrunner writes explicit keys the application's own next insert does not collide."""

from __future__ import annotations

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
