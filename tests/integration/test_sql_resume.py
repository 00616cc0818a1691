"""apply killed at batch k (SIGKILL, SIGTERM, SIGINT), then applied again, gives the tables
of an uninterrupted run: no duplicate, no gap, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import dump, shop_manifest

KILLER = '  killer: {"handler": "tests.integration.resumekill:Killer"}'
EXIT = {"KILL": -9, "TERM": 143, "INT": 130}


def _text(db, mode: str) -> str:
    text = shop_manifest(
        db.url, batch_size=16, customers=80, datasets=["customers", "orders"],
        db={"ledger": True, "transaction": mode},
    )  # fmt: skip
    text = text.replace("persist: [db]", "persist: [db, killer]")
    return text.replace("\ndatasets:", f"\n{KILLER}\ndatasets:", 1)


def _apply(
    path, tmp_path, kill: str | None, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SEEDRUNNER_TEST_KILL"}
    env.update(extra or {})
    if kill:
        env["SEEDRUNNER_TEST_KILL"] = kill
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"]
    cmd += env.get("SEEDRUNNER_TEST_ARGS", "").split()
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
@pytest.mark.parametrize(
    ("signal_name", "mode"),
    [("KILL", "batch"), ("TERM", "batch"), ("INT", "batch"), ("KILL", "dataset")],
)
def test_apply_again_after_a_kill_finishes_the_job(
    manifest, make_database, tmp_path, backend, signal_name, mode
):
    db, clean = make_database(backend), make_database(backend)
    path = manifest(_text(db, mode), "shop.yaml")
    killed = _apply(path, tmp_path, f"orders:2:{signal_name}")
    assert killed.returncode == EXIT[signal_name], killed.stderr.decode()
    if signal_name != "KILL":  # a signal it could catch: it says how to go on
        assert b"run apply again to resume" in killed.stdout + killed.stderr
    partial = dump(db.engine)
    assert len(partial["customers"]) == 80  # the dataset before committed
    # batch mode kept orders' batches 0..2 (the kill came after batch 2's commit), so the
    # second apply must skip those 48 rows; dataset mode kept none of them
    assert len(partial.get("orders", [])) == (48 if mode == "batch" else 0)
    again = _apply(path, tmp_path, None)
    assert again.returncode == 0, again.stderr.decode()
    assert apply(build_plan(load_manifest(manifest(_text(clean, mode), "clean.yaml")))).ok
    assert dump(db.engine) == dump(clean.engine)


@pytest.mark.parametrize("retries", [0, 2])
@pytest.mark.parametrize("backend", ["postgresql", "mariadb"])
def test_apply_again_after_the_server_dropped_the_connection(
    manifest, make_database, tmp_path, backend, retries
):
    """The server kills the run's connections after orders' batch 2 is committed.  With
    retries (the default) the next batch is written again on a fresh connection and the run
    ends well; with --max-retries 0 the write fails (exit 1, naming the step), nothing
    half-written stays, and apply again finishes.  Either way: an uninterrupted run's tables."""
    db, clean = make_database(backend), make_database(backend)
    app = f"seedtest_{db.name}"
    url = db.url + (f"&application_name={app}" if backend == "postgresql" else "")
    text = _text(db, "batch").replace(db.url, url)
    path = manifest(text, "shop.yaml")
    env = {
        "SEEDRUNNER_TEST_ADMIN_URL": db.sync_url,
        "SEEDRUNNER_TEST_APP": app,
        "SEEDRUNNER_TEST_ARGS": f"--max-retries {retries} --retry-wait 0",
    }
    dropped = _apply(path, tmp_path, "orders:2:DROP", env)
    if retries:
        assert dropped.returncode == 0, dropped.stderr.decode()
    else:
        assert dropped.returncode == 1, dropped.stderr.decode()
        assert b"orders" in dropped.stderr
        assert len(dump(db.engine)["orders"]) == 48  # batches 0..2, each whole
        again = _apply(path, tmp_path, None, env)
        assert again.returncode == 0, again.stderr.decode()
    assert apply(build_plan(load_manifest(manifest(_text(clean, "batch"), "clean.yaml")))).ok
    assert dump(db.engine) == dump(clean.engine)
