"""Destroy of a parent whose keys the database assigned, with a child computing a column
from ``parent.id``: the child is regenerated from the keys the ledger recorded (it used to
regenerate from None and crash with a TypeError while plan --destroy said it would work)."""

from __future__ import annotations

import pytest

from tests.integration.shopmodels import MODELS, REPO

SUPPLIERS = 6


def _text(url: str, child_key: str) -> str:
    return f"""
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        python_path: ["{REPO}"]
        defaults: {{batch_size: 4}}
        targets:
          db: {{handler: sqlalchemy, url: "{url}", create_tables: true}}
        datasets:
          suppliers:
            model: {MODELS}:Supplier
            count: {SUPPLIERS}
            fields: {{id: {{skip: true}}}}
            persist: [db]
          parts:
            model: {MODELS}:Part
            count: {{per: suppliers, exactly: 2}}
            fields:{child_key}
              label: "part {{{{ parent.id + 1000 }}}} of {{{{ row.supplier_id }}}}"
            persist: [db]
        """


@pytest.mark.parametrize("child_key", ["", "\n              id: {skip: true}"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_destroy_regenerates_children_from_recorded_keys(
    manifest, make_database, cli, backend, child_key
):
    db = make_database(backend)
    path = str(manifest(_text(db.url, child_key)))
    code, out, err = cli("apply", path, "--quiet")
    assert code == 0, out + err
    db.execute("INSERT INTO suppliers (name) VALUES ('the application''s')")
    code, out, _ = cli("plan", path, "--destroy")
    assert "would delete 6 rows" in out
    assert "would delete 12 rows" in out
    code, out, err = cli("destroy", path)
    assert code == 0, out + err
    assert "internal error" not in err
    assert db.scalar("SELECT count(*) FROM parts") == 0
    assert db.scalar("SELECT count(*) FROM suppliers") == 1  # the application's row stays
    code, out, err = cli("apply", path, "--quiet")  # and it can all be written again
    assert code == 0, out + err
    assert db.scalar("SELECT count(*) FROM parts") == SUPPLIERS * 2
