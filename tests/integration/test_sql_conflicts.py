"""Re-applying the shop manifest: `ignore` changes nothing, `update` rewrites the same rows (by
primary key or by `conflict_on`), `error` fails naming the constraint and leaves the database
as it was."""

from __future__ import annotations

import re

import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import Customer, dump, shop_manifest

# How the message must name the duplicated primary key of `customers`: by the database's own
# constraint name (PostgreSQL, MariaDB), or by its column where SQLite has no name for it.
PRIMARY_KEY_NAME = {
    "postgresql": r"customers_pkey",
    "mariadb": r"\bPRIMARY\b",
    "sqlite": r"customers\.id\b|\(id\)",
}
EMAIL_KEY_NAME = {
    "postgresql": r"customers_email_key",
    "mariadb": r"'email'|\bemail\b",
    "sqlite": r"customers\.email\b|\(email\)",
}
# without a ledger a second apply writes every row again: that is what these tests need
NO_LEDGER = {"ledger": False}
COLUMNS = list(Customer.__table__.columns.keys())
NAME, EMAIL = COLUMNS.index("name"), COLUMNS.index("email")


def seeded(manifest, database, **options):
    """Apply the shop manifest once (default options); returns its path and the dump."""
    path = manifest(shop_manifest(database.url, **options), "first.yaml")
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    return path, dump(database.engine)


def test_reapply_with_ignore_changes_nothing(manifest, database):
    path, before = seeded(manifest, database)
    again = load_manifest(path, overrides=["targets.db.on_conflict=ignore"])
    report = apply(build_plan(again))
    assert report.ok, report.error
    assert dump(database.engine) == before


def test_reapply_with_update_rewrites_the_same_rows(manifest, database):
    _, before = seeded(manifest, database)
    text = shop_manifest(database.url, db={"on_conflict": "update"}, customer_name="Renamed")
    report = apply(build_plan(load_manifest(manifest(text, "second.yaml"))))
    assert report.ok, report.error
    after = dump(database.engine)
    assert len(after["customers"]) == len(before["customers"])
    assert {row[NAME] for row in after["customers"]} == {"Renamed"}
    expected = [(*row[:NAME], "Renamed", *row[NAME + 1 :]) for row in before["customers"]]
    assert after["customers"] == expected
    for table in ("products", "orders", "order_lines"):
        assert after[table] == before[table], table


def test_reapply_with_error_names_the_constraint_and_changes_nothing(manifest, database, cli):
    path, before = seeded(manifest, database, db=NO_LEDGER)
    code, out, err = cli("apply", str(path))
    message = out + err
    assert code == 1, message
    assert "customers" in message
    assert re.search(PRIMARY_KEY_NAME[database.family], message), message
    assert "on_conflict: ignore" in message
    assert "on_conflict: update" in message
    with database.engine.connect() as c:
        emails = c.execute(sa.select(Customer.email)).scalars().all()
    assert emails
    leaked = [e for e in emails if e in message]
    assert not leaked, f"row values in the error: {leaked[:3]}"
    assert "'1'" not in message
    assert "=(1)" not in message
    assert "Traceback" not in message
    assert dump(database.engine) == before


def test_error_report_through_the_api(manifest, database):
    path, before = seeded(manifest, database, db=NO_LEDGER)
    report = apply(build_plan(load_manifest(path)))
    assert not report.ok
    assert report.error is not None
    assert "customers" in report.error
    assert re.search(PRIMARY_KEY_NAME[database.family], report.error), report.error
    assert "on_conflict: ignore" in report.error
    assert "on_conflict: update" in report.error
    assert dump(database.engine) == before


def test_update_on_a_unique_column_matches_rows_by_email(manifest, sync_database):
    db = sync_database
    _, before = seeded(manifest, db, datasets=["customers"])
    emails = {row[EMAIL] for row in before["customers"]}
    db.execute("UPDATE customers SET id = id + 10000")  # other ids, same emails
    text = shop_manifest(
        db.url,
        datasets=["customers"],
        db={"on_conflict": "update", "conflict_on": ["email"]},
        customer_name="Matched",
    )
    report = apply(build_plan(load_manifest(manifest(text, "second.yaml"))))
    assert report.ok, report.error
    after = dump(db.engine)["customers"]
    assert len(after) == len(before["customers"])
    assert {row[EMAIL] for row in after} == emails
    assert {row[NAME] for row in after} == {"Matched"}
    assert db.scalar("SELECT count(DISTINCT email) FROM customers") == len(emails)
    # a matched row keeps its primary key (children may point at it)
    assert db.scalar("SELECT min(id) FROM customers") == 10001


def test_unique_column_conflict_names_the_key_but_no_email(manifest, database):
    """Same emails under other ids: the unique key on email collides, and the message must
    say so without quoting the email (PostgreSQL's DETAIL and MariaDB's text both would)."""
    _, before = seeded(manifest, database, datasets=["customers"])
    database.execute("UPDATE customers SET id = id + 10000")
    shifted = dump(database.engine)
    text = shop_manifest(database.url, datasets=["customers"])
    report = apply(build_plan(load_manifest(manifest(text, "second.yaml"))))
    assert not report.ok
    assert report.error is not None
    assert re.search(EMAIL_KEY_NAME[database.family], report.error), report.error
    assert "on_conflict: ignore" in report.error
    assert "on_conflict: update" in report.error
    leaked = [row[EMAIL] for row in before["customers"] if row[EMAIL] in report.error]
    assert not leaked, report.error
    assert "@" not in report.error
    assert dump(database.engine) == shifted
