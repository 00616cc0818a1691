"""Preflight: a step apply would refuse stops the run before its first row, on every database.

Before, a manifest whose third dataset held rows of another spec wrote the first two
datasets, then failed with exit 1; now apply exits 2 naming every refusal where its dataset
is written, and nothing is written (tables and ledger as they were).
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.integration.shopmodels import dump, shop_manifest

DATASETS = ["customers", "products", "orders"]


def _text(url: str, customers: int, products: int = 40, start: int = 1) -> str:
    text = shop_manifest(url, batch_size=8, customers=customers, datasets=DATASETS,
                         db={"ledger": True})  # fmt: skip
    text = text.replace("count: 40", f"count: {products}")
    return text.replace("start: 1", f"start: {start}")


def _ledger(db) -> list[tuple[object, ...]]:
    with db.engine.connect() as c:
        rows = c.execute(sa.text(
            "SELECT dataset, fingerprint, row_start, row_stop FROM seedrunner_ledger "
            "ORDER BY dataset, row_start"
        ))  # fmt: skip
        return [tuple(r) for r in rows]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_refused_third_dataset_leaves_the_first_two_untouched(
    manifest, make_database, cli, backend
):
    db = make_database(backend)
    path = manifest(_text(db.url, customers=10))
    assert cli("apply", str(path), "--quiet")[0] == 0
    before, ledger = dump(db.engine), _ledger(db)
    # customers and products grow (they would be written first); orders' spec changed
    path = manifest(_text(db.url, customers=14, products=45, start=7))
    code, out, err = cli("apply", str(path), "--quiet")
    assert code == 2, out + err
    assert "SR-E080" in err
    assert "dataset 'orders' on target 'db': written by another spec" in err
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "orders:" in t)
    assert f"seed.yaml:{line}:" in err  # located where the dataset is written
    assert "apply --replace" in err
    assert "nothing was written" in err
    assert dump(db.engine) == before
    assert _ledger(db) == ledger
    # --json-errors carries the same refusal; plan says the same
    code, _, err = cli("--json-errors", "apply", str(path), "--quiet")
    assert code == 2
    (problem,) = json.loads(err)["errors"]
    assert (problem["code"], problem["path"], problem["line"]) == (
        "SR-E080",
        "datasets.orders",
        line,
    )
    assert "written by another spec" in cli("plan", str(path))[1]
    # --replace is the way past it
    code, out, err = cli("apply", str(path), "--quiet", "--replace")
    assert code == 0, out + err
    assert cli("plan", str(path), "--detailed-exitcode")[0] == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_saved_plan_is_checked_the_same_way(manifest, make_database, cli, tmp_path, backend):
    db = make_database(backend)
    path = manifest(_text(db.url, customers=10))
    assert cli("apply", str(path), "--quiet")[0] == 0
    before = dump(db.engine)
    path = manifest(_text(db.url, customers=14, start=7))
    saved = tmp_path / "plan.json"
    assert cli("plan", str(path), "-o", str(saved))[0] == 0
    code, out, err = cli("apply", str(saved), "--quiet")
    assert code == 2, out + err
    assert "dataset 'orders' on target 'db': written by another spec" in err
    assert dump(db.engine) == before


def test_every_refusal_is_listed(manifest, make_database, cli):
    db = make_database("sqlite")
    path = manifest(_text(db.url, customers=10))
    assert cli("apply", str(path), "--quiet")[0] == 0
    before = dump(db.engine)
    path = manifest(_text(db.url, customers=10, start=7).replace("seed: 11", "seed: 12"))
    code, _, err = cli("apply", str(path), "--quiet")
    assert code == 2
    for name in DATASETS:
        assert f"dataset '{name}' on target 'db': written by another spec" in err
    assert "3 problems" in err
    assert dump(db.engine) == before
