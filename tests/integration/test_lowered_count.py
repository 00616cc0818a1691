"""A lowered count (ledger holds 60, the manifest says 50): plan names the 10 rows over the
count, apply leaves them, and destroy removes all 60, as plan --destroy says."""

from __future__ import annotations

import json

import pytest

from tests.integration.shopmodels import shop_manifest


def _text(url: str, customers: int) -> str:
    return shop_manifest(url, batch_size=16, customers=customers, datasets=["customers"],
                         db={"ledger": True})  # fmt: skip


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_lowered_count(manifest, make_database, cli, backend):
    db = make_database(backend)
    assert cli("apply", str(manifest(_text(db.url, 60))), "--quiet")[0] == 0
    path = str(manifest(_text(db.url, 50)))
    out = cli("plan", path)[1]
    assert "10 rows over the manifest's count" in " ".join(out.split())
    (target,) = json.loads(cli("plan", path, "--json")[1])["datasets"][0]["targets"]
    assert (target["state"]["over"], target["state"]["recorded"]) == (10, 60)
    assert cli("apply", path, "--quiet")[0] == 0
    assert db.scalar("SELECT count(*) FROM customers") == 60  # apply leaves them
    assert "would delete 60 rows" in cli("plan", path, "--destroy")[1]
    code, out, err = cli("destroy", path)
    assert code == 0, out + err
    assert db.scalar("SELECT count(*) FROM customers") == 0


def _rows(db, table: str) -> int:
    return int(db.scalar(f"SELECT count(*) FROM {table}"))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_prune_deletes_exactly_the_rows_over_the_count(manifest, make_database, cli, backend):
    """customers 60 -> 50 with orders per customer: --prune deletes the 10 customers and
    their orders (children first), keeps the application's rows, and a fresh apply of 50
    gives the same tables."""
    db = make_database(backend)

    def text(n: int) -> str:
        return shop_manifest(db.url, batch_size=16, customers=n,
                             datasets=["customers", "orders"], db={"ledger": True})  # fmt: skip

    assert cli("apply", str(manifest(text(50))), "--quiet")[0] == 0
    fifty = {t: _rows(db, t) for t in ("customers", "orders")}
    assert cli("apply", str(manifest(text(60))), "--quiet")[0] == 0
    sixty = {t: _rows(db, t) for t in ("customers", "orders")}
    assert sixty["customers"] == 60
    assert sixty["orders"] >= fifty["orders"]
    path = str(manifest(text(50)))
    code, out, err = cli("apply", path)
    assert code == 0, out + err
    assert "10 rows of dataset 'customers' on 'db' are over the manifest's count" in err
    assert {t: _rows(db, t) for t in ("customers", "orders")} == sixty  # left
    code, out, err = cli("apply", path, "--prune")
    assert code == 0, out + err
    assert "pruned: deleted 10 rows of dataset 'customers'" in err
    assert {t: _rows(db, t) for t in ("customers", "orders")} == fifty
    assert cli("plan", path, "--detailed-exitcode")[0] == 0  # nothing over, nothing to write
    assert "would delete 50 rows" in cli("plan", path, "--destroy")[1]
    assert cli("destroy", path)[0] == 0
    assert _rows(db, "customers") == 0
    assert _rows(db, "orders") == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_destroy_after_a_lowered_parent_count(manifest, make_database, cli, backend):
    """Ledger holds 60 customers and their orders, the manifest says 50: destroy removes all
    of them (the children of customers 50..59 regenerated from the plan that wrote them)."""
    db = make_database(backend)

    def text(n: int) -> str:
        return shop_manifest(db.url, batch_size=16, customers=n,
                             datasets=["customers", "orders"], db={"ledger": True})  # fmt: skip

    assert cli("apply", str(manifest(text(60))), "--quiet")[0] == 0
    orders = _rows(db, "orders")
    path = str(manifest(text(50)))
    out = cli("plan", path, "--destroy")[1]
    assert "would delete 60 rows" in out
    assert f"would delete {orders} rows" in out
    code, out, err = cli("destroy", path)
    assert code == 0, out + err
    assert _rows(db, "customers") == 0
    assert _rows(db, "orders") == 0
