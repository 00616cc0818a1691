"""A connection lost inside a batch, or at its COMMIT, on the real servers, through a proxy
that cuts the TCP connection (tests/integration/cutproxy.py).

Under ``transaction: batch`` seedrunner tries the batch again on a fresh connection.  When
the cut came before COMMIT the server rolled the batch back; when it came after, the
server committed and the client never heard: the outcome is unknown to seedrunner, which
reads its ledger (committed with the rows) to tell, and never re-inserts blindly.  Either
way the run ends with exactly the rows of an uninterrupted run.  Without a ledger, an
unknown outcome fails the step and says so, rather than risk a duplicate.
"""

from __future__ import annotations

import pytest

from seedrunner import apply, build_plan, load_manifest
from tests.databases import server_address
from tests.integration.cutproxy import CutProxy
from tests.integration.shopmodels import dump, shop_manifest

WHEN = ["before-commit", "after-commit", "mid-insert"]
#: how each server is sent the customers' rows: COPY on PostgreSQL, INSERT on MariaDB
ROWS = {"postgresql": b'COPY "customers"', "mariadb": b"INSERT INTO customers ("}


def _through(db, proxy: CutProxy) -> str:
    """``db``'s URL, through the proxy (PostgreSQL without TLS, so COMMIT is visible)."""
    host, port = server_address(db.family)
    url = db.url.replace(f"{host}:{port}", proxy.address)
    return url + "&sslmode=disable" if db.family == "postgresql" else url


def _run(manifest, url: str, file: str, ledger: bool, mode: str = "batch"):
    options = {"transaction": mode, "ledger": ledger, "retries": {"max": 2, "wait": 0.05}}
    text = shop_manifest(url, batch_size=16, customers=60, datasets=["customers"], db=options)
    return apply(build_plan(load_manifest(manifest(text, file))))


def _cut_run(manifest, db, ledger: bool, mode: str = "batch", **cut):
    """Apply into ``db`` through a proxy that cuts once as ``cut`` says; the report."""
    host, port = server_address(db.family)
    proxy = CutProxy(host, port, **cut)
    try:
        report = _run(manifest, _through(db, proxy), "cut.yaml", ledger=ledger, mode=mode)
    finally:
        proxy.close()
    assert proxy.cut, "the proxy never saw the moment to cut"
    return report


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_lost_connection_is_recovered_by_the_ledger(manifest, make_database, backend, when):
    db, clean = make_database(backend), make_database(backend)
    report = _cut_run(manifest, db, True, at=2, when=when)
    assert report.ok, report.error
    assert _run(manifest, clean.url, "clean.yaml", ledger=True).ok
    assert dump(db.engine) == dump(clean.engine)  # no duplicate, no gap
    assert len(dump(db.engine)["customers"]) == 60


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_an_unknown_commit_without_a_ledger_fails_and_says_so(manifest, make_database, backend):
    db = make_database(backend)
    report = _cut_run(manifest, db, False, at=2, when="after-commit", marker=ROWS[backend])
    assert not report.ok
    assert "outcome is unknown: rows 16..31 may or may not be in the database" in (
        report.error or ""
    )
    assert len(dump(db.engine)["customers"]) == 32  # batch 1 did commit: nothing re-sent


@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_batch_cut_before_commit_is_written_again_without_a_ledger(
    manifest, make_database, backend
):
    """Before COMMIT the server rolls back for sure: a retry cannot duplicate."""
    db = make_database(backend)
    report = _cut_run(manifest, db, False, at=3, when="mid-insert", marker=ROWS[backend])
    assert report.ok, report.error
    ids = [row[0] for row in dump(db.engine)["customers"]]
    assert ids == list(range(1, 61))


@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_a_lost_step_transaction_starts_the_step_over(manifest, make_database, backend, when):
    """``transaction: dataset``: one COMMIT for the step.  Cut mid-INSERT or before it, the
    server rolled the step back; cut after it, the server committed and the client never
    heard.  Either way the step starts over on a fresh connection, its ledger (committed
    with the rows, or rolled back with them) saying what is there: exactly the rows of an
    uninterrupted run, once."""
    db, clean = make_database(backend), make_database(backend)
    report = _cut_run(manifest, db, True, "dataset", at=1, when=when)
    assert report.ok, report.error
    (persist,) = [s for s in report.steps if s.kind == "persist"]
    assert persist.retries == 1
    assert _run(manifest, clean.url, "clean.yaml", ledger=True, mode="dataset").ok
    assert dump(db.engine) == dump(clean.engine)
