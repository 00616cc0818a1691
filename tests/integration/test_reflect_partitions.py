"""A PostgreSQL partitioned table is seeded through its parent: foreign keys declared only
on its partitions, or on the partitioned parent itself, order and fill it like any other."""

from __future__ import annotations

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy

CUSTOMER = "CREATE TABLE customer (id serial PRIMARY KEY, name text NOT NULL)"
STAFF = "CREATE TABLE staff (id serial PRIMARY KEY, name text NOT NULL)"


def payment(fk_on_parent: bool) -> list[str]:
    parent_fks = (
        ", FOREIGN KEY (customer_id) REFERENCES customer (id),"
        " FOREIGN KEY (staff_id) REFERENCES staff (id)"
        if fk_on_parent
        else ""
    )
    ddl = [
        "CREATE TABLE payment (id serial, customer_id integer NOT NULL,"
        " staff_id integer NOT NULL, amount numeric(5, 2) NOT NULL, paid_on date NOT NULL,"
        f" PRIMARY KEY (id, paid_on){parent_fks}) PARTITION BY RANGE (paid_on)",
    ]
    for year in (2023, 2024, 2025):
        part = f"payment_p{year}"
        ddl.append(
            f"CREATE TABLE {part} PARTITION OF payment"
            f" FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
        )
        if not fk_on_parent:  # the keys live on the partitions only (as pagila has them)
            ddl += [
                f"ALTER TABLE {part} ADD FOREIGN KEY (customer_id) REFERENCES customer (id)",
                f"ALTER TABLE {part} ADD FOREIGN KEY (staff_id) REFERENCES staff (id)",
            ]
    ddl.append("CREATE TABLE payment_rest PARTITION OF payment DEFAULT")
    if not fk_on_parent:
        ddl.append("ALTER TABLE payment_rest ADD FOREIGN KEY (customer_id) REFERENCES customer")
    return ddl


MANIFEST = """\
    version: 1
    seed: 5
    now: "2026-01-01T00:00:00Z"
    targets:
      db: {{handler: sqlalchemy, url: "{url}"}}
    datasets:
      payment: {{table: payment, count: 2000, persist: [db]}}
      customer: {{table: customer, count: 40, persist: [db]}}
      staff: {{table: staff, count: 3, persist: [db]}}
    """

ORPHANS = (
    "SELECT count(*) FROM payment p LEFT JOIN customer c ON c.id = p.customer_id"
    " LEFT JOIN staff s ON s.id = p.staff_id WHERE c.id IS NULL OR s.id IS NULL"
)


@pytest.mark.parametrize("fk_on_parent", [False, True], ids=["on-partitions", "on-parent"])
@pytest.mark.parametrize("backend", ["postgresql", "postgresql-async"])
def test_partitioned_table_gets_the_foreign_keys(manifest, make_database, backend, fk_on_parent):
    db = make_database(backend)
    db.execute(CUSTOMER, STAFF, *payment(fk_on_parent))
    plan = build_plan(load_manifest(manifest(MANIFEST.format(url=db.url))))
    assert [p.name for p in plan.datasets] == ["customer", "staff", "payment"]
    edges = plan.dataset("payment").edges
    assert edges == {
        "customer": "payment.customer_id foreign key -> customer.id",
        "staff": "payment.staff_id foreign key -> staff.id",
    }
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM payment") == 2000
    assert db.scalar(ORPHANS) == 0
    assert db.scalar("SELECT count(DISTINCT customer_id) FROM payment") == 40
    # rows went to several partitions, and each partition's own keys hold as well
    assert db.scalar("SELECT count(DISTINCT tableoid) FROM payment") >= 2
    # the application's next payment gets a fresh id
    db.execute(
        "INSERT INTO payment (customer_id, staff_id, amount, paid_on)"
        " VALUES (1, 1, 9.99, '2025-06-01')"
    )
    assert db.scalar("SELECT max(id) FROM payment") == 2001


def test_rows_land_in_the_partitions_that_exist(manifest, make_database):
    """Monthly partitions of 2022 and no DEFAULT one (as pagila has them), a timestamptz key
    and a list-partitioned table: every row fits a partition."""
    db = make_database("postgresql")
    ddl = [
        CUSTOMER,
        STAFF,
        "CREATE TABLE payment (id serial, customer_id integer NOT NULL,"
        " staff_id integer NOT NULL, amount numeric(5, 2) NOT NULL,"
        " payment_date timestamptz NOT NULL, PRIMARY KEY (id, payment_date))"
        " PARTITION BY RANGE (payment_date)",
        "CREATE TABLE rental (id serial, region text NOT NULL, PRIMARY KEY (id, region))"
        " PARTITION BY LIST (region)",
        "CREATE TABLE rental_west PARTITION OF rental FOR VALUES IN ('us', 'ca')",
        "CREATE TABLE rental_east PARTITION OF rental FOR VALUES IN ('jp')",
    ]
    for month in range(1, 8):
        part = f"payment_p2022_{month:02d}"
        ddl += [
            f"CREATE TABLE {part} PARTITION OF payment"
            f" FOR VALUES FROM ('2022-{month:02d}-01') TO ('2022-{month + 1:02d}-01')",
            f"ALTER TABLE {part} ADD FOREIGN KEY (customer_id) REFERENCES customer (id)",
        ]
    db.execute(*ddl)
    rental = "      rental: {table: rental, count: 60, persist: [db]}\n"
    text = MANIFEST.format(url=db.url).rstrip(" ") + rental
    plan = build_plan(load_manifest(manifest(text)))
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM payment") == 2000
    assert db.scalar("SELECT count(DISTINCT tableoid) FROM payment") == 7
    customers = "SELECT count(*) FROM payment WHERE customer_id NOT IN (SELECT id FROM customer)"
    assert db.scalar(customers) == 0
    assert db.scalar("SELECT count(DISTINCT region) FROM rental") == 3
    # again: nothing to write; destroy: exactly the seeded rows go, the app's stay
    again = apply(build_plan(load_manifest(manifest(text))))
    assert again.ok, again.error
    persisted = [s for s in again.steps if s.kind == "persist"]
    assert sum(s.rows - s.skipped for s in persisted) == 0
    assert sum(s.skipped for s in persisted) == 2000 + 40 + 3 + 60
    assert db.scalar("SELECT count(*) FROM payment") == 2000
    db.execute(
        "INSERT INTO customer (name) VALUES ('app')",  # the application's own rows
        "INSERT INTO payment (customer_id, staff_id, amount, payment_date)"
        " SELECT id, 1, 1.00, '2022-03-03' FROM customer WHERE name = 'app'",
    )
    results = destroy(build_plan(load_manifest(manifest(text))))
    assert {r.status for r in results} == {"done"}, results
    assert db.scalar("SELECT count(*) FROM payment") == 1
    assert db.scalar("SELECT name FROM customer") == "app"
    assert db.scalar("SELECT count(*) FROM rental") == 0
