"""What is left in the database after a constraint violation in batch 3 of the second dataset,
for each `transaction:` mode: `batch` keeps the batches before it, `dataset` keeps earlier
datasets, `run` keeps nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import (
    Base,
    Customer,
    Product,
    Tier,
    dump,
    shop_manifest,
    table_of,
)

BATCH = 16
FAILING_BATCH = 3
ROW_IN_BATCH = 5  # the colliding row is in the middle, so a partial batch would show
COLLIDING_ID = FAILING_BATCH * BATCH + ROW_IN_BATCH + 1  # keys are 1..N in row order
CUSTOMERS = 100
BACKENDS = ["sqlite", "postgresql", "mariadb", "postgresql-async"]
TABLES = [table_of(Product), table_of(Customer)]


def prepared(make_database, backend):
    """Empty products/customers tables plus one customer whose id a generated row will want."""
    db = make_database(backend)
    Base.metadata.create_all(db.engine, tables=TABLES)
    with db.engine.begin() as c:
        c.execute(
            sa.insert(Customer).values(
                id=COLLIDING_ID,
                email="already.here@example.invalid",
                name="Already Here",
                tier=Tier.gold,
                phone=None,
                birth_date=dt.date(1990, 1, 1),
                created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                preferences={"kept": True},
            )
        )
    return db


def run(manifest, db, mode: str):
    text = shop_manifest(
        db.url,
        batch_size=BATCH,
        customers=CUSTOMERS,
        datasets=["products", "customers"],  # products first: the earlier dataset
        db={"transaction": mode},
    )
    plan = build_plan(load_manifest(manifest(text, f"{mode}.yaml")))
    assert [d.name for d in plan.datasets] == ["products", "customers"]
    return plan, apply(plan)


def assert_names_the_failure(report):
    assert not report.ok
    assert report.error is not None
    assert "customers" in report.error
    assert "db" in report.error
    assert f"batch {FAILING_BATCH}" in report.error


def customer_ids(db):
    with db.engine.connect() as c:
        return c.execute(sa.select(Customer.id).order_by(Customer.id)).scalars().all()


@pytest.mark.parametrize("backend", BACKENDS)
def test_transaction_batch_keeps_the_batches_before_the_failure(manifest, make_database, backend):
    db = prepared(make_database, backend)
    plan, report = run(manifest, db, "batch")
    assert_names_the_failure(report)
    committed = FAILING_BATCH * BATCH
    assert customer_ids(db) == [*range(1, committed + 1), COLLIDING_ID]
    assert db.scalar("SELECT count(*) FROM customers") == committed + 1
    assert db.scalar("SELECT count(*) FROM products") == plan.dataset("products").count.total


@pytest.mark.parametrize("backend", BACKENDS)
def test_transaction_dataset_keeps_earlier_datasets_only(manifest, make_database, backend):
    db = prepared(make_database, backend)
    plan, report = run(manifest, db, "dataset")
    assert_names_the_failure(report)
    assert customer_ids(db) == [COLLIDING_ID]
    assert db.scalar("SELECT count(*) FROM products") == plan.dataset("products").count.total


@pytest.mark.parametrize("backend", BACKENDS)
def test_transaction_run_leaves_the_database_as_it_was(manifest, make_database, backend):
    db = prepared(make_database, backend)
    before = dump(db.engine, TABLES)
    _, report = run(manifest, db, "run")
    assert_names_the_failure(report)
    assert dump(db.engine, TABLES) == before
    assert db.scalar("SELECT count(*) FROM products") == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_default_transaction_is_per_dataset(manifest, make_database, backend):
    db = prepared(make_database, backend)
    text = shop_manifest(
        db.url, batch_size=BATCH, customers=CUSTOMERS, datasets=["products", "customers"]
    )
    plan = build_plan(load_manifest(manifest(text)))
    report = apply(plan)
    assert_names_the_failure(report)
    assert customer_ids(db) == [COLLIDING_ID]
    assert db.scalar("SELECT count(*) FROM products") == plan.dataset("products").count.total
