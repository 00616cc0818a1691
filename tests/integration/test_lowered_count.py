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
