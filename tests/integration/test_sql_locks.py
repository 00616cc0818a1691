"""One apply at a time per database: a second one fails at once naming the holder, waits with
--lock-timeout, and two real concurrent applies never interleave or duplicate rows."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.db.engines import connect, get_engine, resolve_url
from seedrunner.db.pool import ResourcePool
from seedrunner.ledger import locks
from tests.integration.shopmodels import dump, shop_manifest

DATASETS = ["customers", "orders"]


def _text(db, customers: int = 40) -> str:
    return shop_manifest(
        db.url, batch_size=16, customers=customers, datasets=DATASETS, db={"ledger": True}
    )


def _hold(db, tmp_path, run_id: str = "other-run"):
    """Take the database's apply lock as another apply would; returns the lock object."""
    url = resolve_url(db.url, tmp_path)
    resources = ResourcePool()
    if url.get_backend_name() == "sqlite":
        path = locks.sqlite_lock_path(url)
        assert path is not None
        lock = locks.FileLock(path)
    else:
        link = connect(resources, get_engine(resources, url))
        table = locks.holders_table("seedrunner_ledger_lock", None)
        name = locks.lock_name(url, "seedrunner_ledger", None)
        lock = locks.ServerLock(link, name, table)
    locks.acquire(lock, "test", locks.Holder(run_id, 4242, "elsewhere", "2026-11-23T10:00:00"), 0)
    return lock, resources


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_second_apply_fails_at_once_naming_the_holder(manifest, make_database, tmp_path, backend):
    db = make_database(backend)
    lock, resources = _hold(db, tmp_path)
    try:
        started = time.monotonic()
        report = apply(build_plan(load_manifest(manifest(_text(db)))))
        assert time.monotonic() - started < 5
        assert not report.ok
        assert "locked by run other-run (pid 4242 on elsewhere" in (report.error or "")
        assert "--lock-timeout" in (report.error or "")
    finally:
        lock.release()
        resources.close_all()
    assert apply(build_plan(load_manifest(manifest(_text(db))))).ok  # released: it goes


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_lock_timeout_waits_for_the_holder(manifest, make_database, tmp_path, backend):
    db = make_database(backend)
    lock, resources = _hold(db, tmp_path)
    timer = threading.Timer(0.6, lock.release)
    timer.start()
    try:
        report = apply(build_plan(load_manifest(manifest(_text(db)))), lock_timeout=20)
        assert report.ok, report.error
    finally:
        timer.join()
        resources.close_all()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_two_concurrent_applies_never_interleave(manifest, make_database, tmp_path, backend):
    db, clean = make_database(backend), make_database(backend)
    path = manifest(_text(db, customers=300), "shop.yaml")
    cmd = [
        sys.executable,
        "-m",
        "seedrunner",
        "apply",
        str(path),
        "--quiet",
        "--lock-timeout",
        "60",
    ]
    procs = [
        subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert apply(build_plan(load_manifest(manifest(_text(clean, customers=300), "c.yaml")))).ok
    assert dump(db.engine) == dump(clean.engine)  # each row once, as one apply writes them
