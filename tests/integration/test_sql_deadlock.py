"""A deadlock or serialization failure in batch N, raised by the real server (a trigger
that fails the first insert of one row with the server's own deadlock error, once: the
count lives in a sequence, which no rollback undoes).

Under ``transaction: batch`` the batch is rolled back and written again on a fresh
connection; under ``transaction: dataset`` the step's whole transaction is gone, and the
step starts over.  Either way the run ends with exactly the rows of an uninterrupted run
and the report counts the retry.
"""

from __future__ import annotations

import pytest

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import Base, Customer, dump, shop_manifest, table_of

ROW_ID = 20  # in batch 1 (rows 16..31)

TRIGGERS = {
    "postgresql": [
        "CREATE SEQUENCE fault_seq",
        f"""CREATE FUNCTION fail_once() RETURNS trigger AS $$
        BEGIN
          IF NEW.id = {ROW_ID} AND nextval('fault_seq') = 1 THEN
            RAISE EXCEPTION 'deadlock detected (injected)' USING ERRCODE = '40P01';
          END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER fail_once BEFORE INSERT ON customers "
        "FOR EACH ROW EXECUTE FUNCTION fail_once()",
    ],
    "mariadb": [
        "CREATE SEQUENCE fault_seq",
        f"""CREATE TRIGGER fail_once BEFORE INSERT ON customers FOR EACH ROW
        BEGIN
          IF NEW.id = {ROW_ID} AND NEXTVAL(fault_seq) = 1 THEN
            SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213,
              MESSAGE_TEXT = 'Deadlock found when trying to get lock (injected)';
          END IF;
        END""",
    ],
}


def _apply(manifest, db, file: str, mode: str):
    text = shop_manifest(
        db.url, batch_size=16, customers=60, datasets=["customers"],
        db={"transaction": mode, "retries": {"max": 2, "wait": 0.05}},
    )  # fmt: skip
    return apply(build_plan(load_manifest(manifest(text, file))))


def _armed(make_database, backend):
    db = make_database(backend)
    Base.metadata.create_all(db.engine, tables=[table_of(Customer)])
    db.execute(*TRIGGERS[db.family])
    return db


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_deadlock_in_a_batch_is_retried_to_the_exact_rows(manifest, make_database, backend):
    db, clean = _armed(make_database, backend), make_database(backend)
    report = _apply(manifest, db, "d.yaml", "batch")
    assert report.ok, report.error
    (persist,) = [s for s in report.steps if s.kind == "persist"]
    assert persist.retries == 1  # the fault did happen, once
    assert _apply(manifest, clean, "c.yaml", "batch").ok
    assert dump(db.engine) == dump(clean.engine)


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_deadlock_in_a_dataset_transaction_starts_the_step_over(manifest, make_database, backend):
    """The step's transaction is gone with the deadlock: the step starts over on a fresh
    connection (the ledger, rolled back with the rows, holds nothing of it) and ends with
    exactly the rows of an uninterrupted run."""
    db, clean = _armed(make_database, backend), make_database(backend)
    report = _apply(manifest, db, "d.yaml", "dataset")
    assert report.ok, report.error
    (persist,) = [s for s in report.steps if s.kind == "persist"]
    assert persist.retries == 1
    assert persist.rows == 60  # counted once, not once per attempt
    assert _apply(manifest, clean, "c.yaml", "dataset").ok
    assert dump(db.engine) == dump(clean.engine)


@pytest.mark.parametrize("backend", ["postgresql"])
def test_without_a_ledger_the_step_is_not_started_over(manifest, make_database, backend):
    """No ledger: starting over could not know what an earlier handler committed, so the
    step fails (exit 1, the deadlock named) and leaves nothing of itself."""
    db = _armed(make_database, backend)
    text = shop_manifest(
        db.url, batch_size=16, customers=60, datasets=["customers"],
        db={"transaction": "dataset", "ledger": False, "retries": {"max": 2, "wait": 0.05}},
    )  # fmt: skip
    failed = apply(build_plan(load_manifest(manifest(text, "n.yaml"))))
    assert not failed.ok
    assert "eadlock" in (failed.error or "")
    assert dump(db.engine)["customers"] == []
