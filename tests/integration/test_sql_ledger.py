"""The SQL run ledger (`ledger: true`): apply twice writes nothing the second time, a raised
count writes only the new rows, an apply that failed half-way finishes the job when run
again, and rows written by another spec are refused, on every database."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from seedrunner.ledger.sqlledger import Applied
from tests.integration.shopmodels import Base, Customer, Tier, dump, shop_manifest, table_of

BACKENDS = ["sqlite", "postgresql", "mariadb", "postgresql-async"]
DATASETS = ["customers", "orders"]


def _apply(
    manifest, db, file: str, customers: int = 60, customer_name=None, seed_now=False, **options
):
    text = shop_manifest(
        db.url,
        batch_size=16,
        customers=customers,
        datasets=DATASETS,
        db={"ledger": True, **options},
        customer_name=customer_name,
    )
    if seed_now:
        text = text.replace('now: "2026-01-01T00:00:00Z"', 'now: "2027-01-01T00:00:00Z"')
    return apply(build_plan(load_manifest(manifest(text, file))))


def _ledger_rows(db) -> int:
    with db.engine.connect() as c:
        return int(c.execute(sa.text("SELECT COUNT(*) FROM seedrunner_ledger")).scalar_one())


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_second_apply_writes_nothing(manifest, make_database, backend):
    db = make_database(backend)
    first = _apply(manifest, db, "a.yaml")
    assert first.ok, first.error
    before, entries = dump(db.engine), _ledger_rows(db)
    assert len(before["customers"]) == 60
    second = _apply(manifest, db, "a.yaml")
    assert second.ok, second.error
    persisted = {r.dataset: r.skipped for r in second.steps if r.kind == "persist"}
    assert persisted == {"customers": 60, "orders": len(before["orders"])}
    assert dump(db.engine) == before  # a duplicate key would also have failed the run
    assert _ledger_rows(db) == entries


@pytest.mark.parametrize("backend", BACKENDS)
def test_raising_a_count_writes_only_the_new_rows(manifest, make_database, backend):
    db, fresh = make_database(backend), make_database(backend)
    assert _apply(manifest, db, "shop.yaml", customers=40).ok
    small = dump(db.engine)
    report = _apply(manifest, db, "shop.yaml", customers=55)  # the same manifest, edited
    assert report.ok, report.error
    assert _apply(manifest, fresh, "fresh.yaml", customers=55).ok
    grown = dump(db.engine)
    assert grown == dump(fresh.engine)  # as if 55 had been asked for from the start
    assert len(grown["customers"]) == 55
    assert grown["customers"][:40] == small["customers"]
    assert len(grown["orders"]) > len(small["orders"])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_an_apply_that_failed_half_way_finishes_the_job(manifest, make_database, backend):
    """transaction: batch keeps batches 0..2 when batch 3 hits a row already there; once
    that row is gone, apply again writes the rest and the tables equal a clean run's."""
    db, clean = make_database(backend), make_database(backend)
    Base.metadata.create_all(db.engine, tables=[table_of(Customer)])
    blocker = 3 * 16 + 5 + 1  # row 53's id: in batch 3
    with db.engine.begin() as c:
        c.execute(
            sa.insert(Customer).values(
                id=blocker, email="in.the.way@example.invalid", name="In The Way",
                tier=Tier.gold, phone=None, birth_date=dt.date(1990, 1, 1),
                created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), preferences={},
            )
        )  # fmt: skip
    failed = _apply(manifest, db, "f.yaml", transaction="batch")
    assert not failed.ok
    assert "batch 3" in (failed.error or "")
    with db.engine.begin() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(Customer)).scalar_one() == 49
        c.execute(sa.delete(Customer).where(Customer.id == blocker))
    again = _apply(manifest, db, "f.yaml", transaction="batch")
    assert again.ok, again.error
    assert _apply(manifest, clean, "c.yaml", transaction="batch").ok
    assert dump(db.engine) == dump(clean.engine)  # no duplicate, no gap


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_rows_of_another_spec_are_refused(manifest, make_database, cli, tmp_path, backend):
    db = make_database(backend)
    assert _apply(manifest, db, "shop.yaml").ok
    before = dump(db.engine)
    changed = _apply(manifest, db, "shop.yaml", customer_name="Someone Else")
    assert not changed.ok
    assert "different spec" in (changed.error or "")
    assert "customers" in (changed.error or "")
    assert "changed since: spec." in (changed.error or "")  # the fields, not seed or now
    assert "shop.yaml:" in (changed.error or "")  # where the dataset is written
    assert dump(db.engine) == before
    moved = _apply(manifest, db, "shop.yaml", customer_name="Someone Else", seed_now=True)
    assert "changed since: now, spec." in (moved.error or "")
    code, out, _ = cli("plan", str(tmp_path / "shop.yaml"), "--detailed-exitcode", "--json")
    assert code == 3
    state = json.loads(out)["datasets"][0]["targets"][0]["state"]
    assert (state["other_spec"], state["changed"]) == (True, ["now", "spec"])
    code, out, _ = cli("plan", str(tmp_path / "shop.yaml"))
    assert "written by another spec" in out


def test_missing_ranges() -> None:
    applied = Applied()
    applied.add("f", 0, 16)
    applied.add("f", 32, 48)
    applied.add("f", 40, 60)
    assert applied.missing("f", 0, 16) == []
    assert applied.missing("f", 8, 40) == [(16, 32)]
    assert applied.missing("f", 50, 80) == [(60, 80)]
    assert applied.missing("g", 0, 10) == [(0, 10)]
    assert applied.missing("f", 10, 70) == [(16, 32), (60, 70)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_the_ledger_commits_with_the_runs_transaction(manifest, make_database, backend):
    db = make_database(backend)
    assert _apply(manifest, db, "shop.yaml", customers=30, transaction="run").ok
    before, entries = dump(db.engine), _ledger_rows(db)
    assert entries > 0
    report = _apply(manifest, db, "shop.yaml", customers=45, transaction="run")
    assert report.ok, report.error
    after = dump(db.engine)
    assert after["customers"][:30] == before["customers"]
    assert len(after["customers"]) == 45


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_plan_shows_the_ledger_and_exits_by_what_would_change(
    manifest, make_database, cli, backend
):

    db = make_database(backend)

    def write(customers: int) -> str:
        text = shop_manifest(
            db.url, batch_size=16, customers=customers, datasets=DATASETS, db={"ledger": True}
        )
        return str(manifest(text, "shop.yaml"))

    path = write(40)
    code, out, _ = cli("plan", path, "--detailed-exitcode")
    assert code == 3  # nothing applied yet
    assert "0 applied, 40 to write" in out
    assert cli("apply", path, "--quiet")[0] == 0
    code, out, _ = cli("plan", path, "--detailed-exitcode")
    assert code == 0, out
    assert "up to date (40 rows applied)" in out
    path = write(55)
    code, out, _ = cli("plan", path, "--detailed-exitcode", "--json")
    assert code == 3
    data = json.loads(out)
    state = data["datasets"][0]["targets"][0]["state"]
    assert (state["applied"], state["to_write"], state["other_spec"]) == (40, 15, False)
    assert data["changes"] is True
    assert _ledger_rows(db) > 0  # plan read the ledger, wrote nothing: apply still has work
    assert cli("apply", path, "--quiet")[0] == 0
    assert cli("plan", path, "--detailed-exitcode")[0] == 0


def test_plan_says_when_the_ledger_cannot_be_read(manifest, cli):
    text = shop_manifest(
        "postgresql+psycopg://seed:s3cret-pw@127.0.0.1:1/nowhere",
        customers=5,
        datasets=["customers"],
        db={"ledger": True},
    )
    code, out, err = cli("plan", str(manifest(text)), "--detailed-exitcode")
    assert code == 3
    assert "state unknown" in out
    assert "s3cret-pw" not in out + err


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb", "postgresql-async"])
def test_destroy_removes_exactly_the_seeded_rows(manifest, make_database, cli, backend):
    """Apply, let the application add a customer and an order of its own, destroy: only
    the application's rows are left, the ledger is empty, and apply can seed again."""
    from seedrunner.commands.destroy import destroy

    db = make_database(backend)
    text = shop_manifest(
        db.url, batch_size=16, customers=50, datasets=DATASETS, db={"ledger": True}
    )
    path = manifest(text, "shop.yaml")
    assert apply(build_plan(load_manifest(path))).ok
    with db.engine.begin() as c:
        c.execute(
            sa.insert(Customer).values(
                id=90_001, email="app.user@example.invalid", name="App User", tier=Tier.gold,
                phone=None, birth_date=dt.date(1990, 1, 1),
                created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), preferences={},
            )
        )  # fmt: skip
        c.execute(
            sa.text(
                "INSERT INTO orders (id, customer_id, number, status, placed_at, total) "
                "VALUES (90001, 90001, 'APP-1', 'paid', '2025-01-01 00:00:00', 1.00)"
            )
        )
    results = destroy(build_plan(load_manifest(path)))
    assert [(r.dataset, r.status) for r in results] == [("orders", "done"), ("customers", "done")]
    assert results[1].rows == 50
    with db.engine.connect() as c:
        assert c.execute(sa.text("SELECT id FROM customers")).scalars().all() == [90_001]
        assert c.execute(sa.text("SELECT id FROM orders")).scalars().all() == [90_001]
    assert _ledger_rows(db) == 0
    code, out, _ = cli("plan", str(path), "--detailed-exitcode")
    assert code == 3
    assert "0 applied, 50 to write" in out
    assert apply(build_plan(load_manifest(path))).ok  # seeds again around the app's rows
    assert len(dump(db.engine)["customers"]) == 51


def test_destroy_from_the_command_line(manifest, make_database, cli):
    db = make_database("sqlite")
    text = shop_manifest(
        db.url, batch_size=16, customers=20, datasets=DATASETS, db={"ledger": True}
    )
    path = str(manifest(text, "shop.yaml"))
    assert cli("apply", path, "--quiet")[0] == 0
    code, out, _ = cli("destroy", path, "--only", "orders")
    assert code == 0, out
    assert "orders" in out
    assert "done" in out
    after = dump(db.engine)
    assert after["orders"] == []
    assert len(after["customers"]) == 20
    code, _, err = cli("destroy", path, "--only", "nope")
    assert code == 2
    assert "no dataset named nope" in err


def test_destroy_refuses_targets_without_a_ledger(manifest, make_database):
    from seedrunner.commands.destroy import destroy

    db = make_database("sqlite")
    text = shop_manifest(
        db.url, batch_size=16, customers=10, datasets=["customers"], db={"ledger": False}
    )
    path = manifest(text, "shop.yaml")
    assert apply(build_plan(load_manifest(path))).ok
    (result,) = destroy(build_plan(load_manifest(path)))
    assert result.status == "cannot undo"
    assert "keeps no ledger" in result.note
    assert len(dump(db.engine)["customers"]) == 10


def test_plan_destroy_shows_what_would_go(manifest, make_database, cli):
    db = make_database("sqlite")
    text = shop_manifest(
        db.url, batch_size=16, customers=25, datasets=DATASETS, db={"ledger": True}
    )
    path = str(manifest(text, "shop.yaml"))
    code, out, _ = cli("plan", path, "--destroy", "--detailed-exitcode")
    assert code == 0  # nothing applied: nothing to delete
    assert "nothing to delete" in out
    assert cli("apply", path, "--quiet")[0] == 0
    code, out, _ = cli("plan", path, "--destroy", "--detailed-exitcode")
    assert code == 3
    assert "would delete 25 rows" in out
    assert len(dump(db.engine)["customers"]) == 25  # plan deletes nothing
    plain = shop_manifest(db.url, customers=5, datasets=["customers"], db={"ledger": False})
    code, out, _ = cli("plan", str(manifest(plain, "plain.yaml")), "--destroy")
    assert code == 0
    assert "cannot undo: no ledger" in out


def test_a_saved_plan_applies_exactly_or_refuses(manifest, make_database, cli, tmp_path):

    db = make_database("sqlite")

    def write(customers: int) -> str:
        text = shop_manifest(
            db.url, batch_size=16, customers=customers, datasets=DATASETS, db={"ledger": True}
        )
        return str(manifest(text, "shop.yaml"))

    path = write(30)
    code, _, err = cli("plan", path, "-o", "plan.json")
    assert code == 0, err
    saved = json.loads((tmp_path / "plan.json").read_text())
    assert saved["format"] == "seedrunner-plan/1"
    assert saved["now"].startswith("2026-01-01")
    code, _, err = cli("apply", "plan.json", "--quiet")
    assert code == 0, err
    assert len(dump(db.engine)["customers"]) == 30
    code, _, err = cli("apply", "plan.json", "--quiet")  # the state moved: rows were written
    assert code == 2
    assert "state of customers/db" in err
    cli("plan", path, "-o", "plan.json")
    write(45)  # the manifest changed after the plan was saved
    code, _, err = cli("apply", "plan.json", "--quiet")
    assert code == 2
    assert "the manifest" in err
    assert "dataset 'customers'" in err
    assert len(dump(db.engine)["customers"]) == 30  # refused: nothing written


def test_a_saved_plan_never_holds_a_password(manifest, cli, tmp_path):
    text = shop_manifest("sqlite:///x.db", customers=5, datasets=["customers"])
    path = str(manifest(text))
    url = "postgresql+psycopg://seed:s3cret-pw@127.0.0.1/db"
    code, _, err = cli("plan", path, "--set", f"targets.db.url={url}", "-o", "p.json")
    assert code == 2
    assert "holds a password" in err
    assert "s3cret-pw" not in err
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_parents_new_spec_changes_its_childrens_fingerprint(manifest, make_database, backend):
    """Orders take customer ids: when customers are written by another seed, orders' rows
    (their foreign keys) change too, so their ledger must see a change, not 'applied'."""
    db = make_database(backend)
    path = manifest(shop_manifest(db.url, batch_size=16, customers=30, datasets=DATASETS), "p.yaml")
    plan = build_plan(load_manifest(path))
    reseeded = path.read_text().replace(
        "    model: tests.integration.shopmodels:Customer\n",
        "    model: tests.integration.shopmodels:Customer\n    seed: 99\n",
    )
    assert reseeded != path.read_text()
    other = build_plan(load_manifest(manifest(reseeded, "q.yaml")))
    fp = {d.name: d.fingerprint for d in plan.datasets}
    fq = {d.name: d.fingerprint for d in other.datasets}
    assert "seed" in fp["customers"].changed(fq["customers"])
    assert fp["orders"].changed(fq["orders"]) == ["parents"]


def test_a_seeded_pick_sees_the_parents_count(manifest):
    """A ref without count.per spreads over every parent row: raising the parent count
    moves the picks, so the child's fingerprint carries it; count.per children do not."""
    text = """version: 1
seed: 3
datasets:
  users:
    count: COUNT
    fields: {id: {sequence: "{n}", start: 1}, name: {faker: name}}
  posts:
    count: 10
    fields: {user_id: {ref: users.id}}
  pets:
    count: {per: users, min: 1, max: 1}
    fields: {owner: {ref: users.id}}
"""
    a = build_plan(load_manifest(manifest(text.replace("COUNT", "5"), "a.yaml")))
    b = build_plan(load_manifest(manifest(text.replace("COUNT", "6"), "b.yaml")))
    fa = {d.name: d.fingerprint for d in a.datasets}
    fb = {d.name: d.fingerprint for d in b.datasets}
    assert fa["users"] == fb["users"]
    assert fa["posts"].changed(fb["posts"]) == ["parents"]
    assert fa["pets"] == fb["pets"]


_REPLACE = """version: 1
seed: SEED
now: "2026-01-01T00:00:00Z"
python_path: ["."]
targets:
  db: {handler: sqlalchemy, url: "URL", create_tables: true, ledger: true, table: accounts}
datasets:
  accounts:
    model: acctmodels:Account
    count: 30
    batch_size: 8
    persist: [db]
"""
_ACCOUNT = """
import uuid
from pydantic import BaseModel

class Account(BaseModel):
    id: uuid.UUID  # seeded: which rows are seedrunner's depends on the seed
    name: str
"""
_APP_ROW = {
    "sqlite": "000000000000000000000000000000aa",
    "postgresql": "00000000-0000-0000-0000-0000000000aa",
}


def _accounts(db) -> list[tuple[str, str]]:
    with db.engine.connect() as c:
        rows = c.execute(sa.text("SELECT id, name FROM accounts"))
        return sorted((str(i).replace("-", ""), str(n)) for i, n in rows)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_apply_replace_deletes_the_earlier_specs_rows_then_writes(
    manifest, make_database, cli, backend
):
    """Keys here are seeded uuids: the rows of seed 1 can only be found by rebuilding seed
    1's spec from the ledger.  --replace removes exactly them (the application's row
    stays) and writes seed 2's, as a clean apply of seed 2 would."""
    db, clean = make_database(backend), make_database(backend)
    text = _REPLACE.replace("URL", db.url)
    path = manifest(text.replace("SEED", "1"), "r.yaml", **{"acctmodels.py": _ACCOUNT})
    assert cli("apply", str(path), "-q")[0] == 0
    with db.engine.begin() as c:
        app_row = {"id": _APP_ROW[backend], "name": "App"}
        c.execute(sa.text("INSERT INTO accounts (id, name) VALUES (:id, :name)"), app_row)
    path.write_text(text.replace("SEED", "2"))
    code, _, err = cli("apply", str(path), "-q")
    assert code == 2  # refused up front (preflight)
    assert "--replace" in err
    assert "changed since: seed" in err
    assert len(_accounts(db)) == 31  # refused: nothing written
    code, _, err = cli("apply", str(path), "--replace")
    assert code == 0, err
    assert "replaced: deleted 30 rows of dataset 'accounts'" in err
    fresh = manifest(_REPLACE.replace("URL", clean.url).replace("SEED", "2"), "c.yaml")
    assert cli("apply", str(fresh), "-q")[0] == 0
    assert _accounts(db) == sorted([*_accounts(clean), ("000000000000000000000000000000aa", "App")])
    assert cli("plan", str(path), "--detailed-exitcode")[0] == 0


def test_apply_replace_deletes_rows_it_cannot_rebuild_by_their_recorded_keys(
    manifest, make_database, cli
):
    """Rows written under another Faker version cannot be regenerated: --replace deletes
    them by the keys the ledger recorded as it wrote them, then writes seed 2's.  (Without
    those keys it refuses, deleting nothing: test_recorded_keys.py.)"""
    db = make_database("sqlite")
    text = _REPLACE.replace("URL", db.url)
    path = manifest(text.replace("SEED", "1"), "r.yaml", **{"acctmodels.py": _ACCOUNT})
    assert cli("apply", str(path), "-q")[0] == 0
    with db.engine.begin() as c:
        parts = json.loads(
            c.execute(sa.text("SELECT parts FROM seedrunner_ledger_specs")).scalar_one()
        )
        parts["versions"] = json.dumps({"rows": 1, "faker": "0.0"})
        c.execute(
            sa.text("UPDATE seedrunner_ledger_specs SET parts = :p"), {"p": json.dumps(parts)}
        )
    before = _accounts(db)
    path.write_text(text.replace("SEED", "2"))
    code, out, err = cli("apply", str(path), "--replace")
    assert code == 0, out + err
    assert "deleted 30 rows of dataset 'accounts'" in " ".join(err.split())
    after = _accounts(db)
    assert len(after) == 30
    assert not set(before) & set(after)


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_apply_replace_takes_children_with_their_parents(manifest, make_database, cli, backend):
    """A new seed changes customers and, through their keys, orders: --replace deletes
    orders before customers (foreign keys hold) and the result equals a clean run."""
    db, clean = make_database(backend), make_database(backend)
    text = shop_manifest(
        db.url, batch_size=16, customers=40, datasets=DATASETS, db={"ledger": True}
    )
    path = manifest(text, "shop.yaml")
    assert cli("apply", str(path), "-q")[0] == 0
    path.write_text(text.replace("seed: 11", "seed: 12"))
    code, _, err = cli("apply", str(path), "--replace", "-q")
    assert code == 0, err
    other = shop_manifest(
        clean.url, batch_size=16, customers=40, datasets=DATASETS, db={"ledger": True}
    )
    assert (
        cli("apply", str(manifest(other.replace("seed: 11", "seed: 12"), "c.yaml")), "-q")[0] == 0
    )
    assert dump(db.engine) == dump(clean.engine)


def test_a_manifest_without_now_takes_the_ledgers_now(manifest, make_database, cli):
    """No now: pinned: the first apply records the wall clock with its fingerprint; later
    plans read it back, so a second apply writes nothing, plan says nothing would change
    (and where now came from), and destroy finds the rows."""
    db = make_database("sqlite")
    text = shop_manifest(db.url, batch_size=16, customers=30, datasets=DATASETS)
    text = text.replace('now: "2026-01-01T00:00:00Z"\n', "")
    assert "now:" not in text
    path = str(manifest(text, "wall.yaml"))
    assert cli("apply", path, "-q")[0] == 0
    before = dump(db.engine)
    time.sleep(1.1)  # the wall clock (to the second) has moved on
    code, _, err = cli("apply", path)
    assert code == 0, err
    assert dump(db.engine) == before
    code, out, _ = cli("plan", path, "--detailed-exitcode")
    assert code == 0, out
    assert "(from the ledger)" in out
    code, out, _ = cli("destroy", path)
    assert code == 0, out
    assert dump(db.engine)["customers"] == []
